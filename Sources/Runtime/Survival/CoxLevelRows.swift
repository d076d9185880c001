// MARK: - Rows with factors kept as level codes (for the Cox fit's likelihood pass)

/// The sorted rows of a Cox design whose factors are kept as level codes: the columns of a
/// factor (treatment contrasts: 0/1 columns of which at most one is 1 in a row, not centred
/// or scaled) become one code per row, the column that is 1 (or none: the reference level);
/// every other column is stored as is (centred and scaled), row-major.
///
/// Why: for age + bmi + an 8-level factor a row has 2 values and 1 code instead of 9
/// values, and the likelihood pass updates the sums of a factor column through a small
/// table per level instead of walking a list of nonzero values (see `LevelPass`). The
/// numbers are those of the dense rows: a level column's value is exactly 1, so every
/// product the dense pass forms with it (r x_L = r, r x_L x_k = r x_k) is the same double,
/// and the products with its zeros, which are skipped here, do not change a sum that starts
/// at +0 (as for `SparseRows`).
///
/// Row order: that of the risk sets (`CoxRiskSets`), except that within each tied set the
/// events come first, then the censored rows, each in their sorted order. The likelihood
/// pass adds events and censored rows to different sums, and each sum still receives its
/// terms in the same order, so the numbers do not change; the pass then walks two runs per
/// tied set without a branch on the event.
///
/// `dense[s * denseCount + k]` is the value of column `denseColumns[k]` in row s (in this
/// order); `codes[g * n + s]` the code of factor g (`factors[g]`, a range of columns) in
/// row s: 0 for none, c for column `factors[g].lowerBound + c - 1`.
struct LevelRows {
    let n: Int
    let denseColumns: [Int]
    let dense: [Double]
    let factors: [Range<Int>]
    let codes: [UInt8]
    /// Events of each tied set (`CoxRiskSets.groups`): rows group.lowerBound ..< + events.
    let groupEvents: [Int32]
    /// Case weights in this order (nil: all 1).
    let weight: [Double]?
    /// Input row -> row here.
    let slot: [UInt32]

    var denseCount: Int { denseColumns.count }

    /// The most columns one factor group may hold (codes are bytes; a larger factor is
    /// given as several groups).
    static let maxGroupColumns = 255

    /// Covariate j of input row i is (columns[j][i] - shift[j]) * scale[j], in row slot[i]
    /// here; `groupEvents` the events of each tied set (`CoxRiskSets.groups`), `weights` in
    /// input order. `factors` are disjoint ranges of columns in increasing order, whose
    /// values are all +0 or 1 (bit for bit) with shift 0 and scale 1, at most
    /// `maxGroupColumns` each. Nil when a row has 1 in two columns of one factor (they are
    /// then not one factor's contrasts).
    init?(columns: [[Double]], shift: [Double], scale: [Double], slot: [UInt32], factors: [Range<Int>],
          groupEvents: [Int32], weights: [Double]?) {
        let p = columns.count
        let n = slot.count
        var inFactor = [Bool](repeating: false, count: p)
        for (g, f) in factors.enumerated() {
            precondition(g == 0 || factors[g - 1].upperBound <= f.lowerBound, "factors out of order")
            precondition(!f.isEmpty && f.count <= LevelRows.maxGroupColumns && f.lowerBound >= 0 && f.upperBound <= p,
                         "factor columns out of range")
            for j in f {
                precondition(shift[j] == 0 && scale[j] == 1, "factor columns are centred")
                inFactor[j] = true
            }
        }
        let denseColumns = (0..<p).filter { !inFactor[$0] }
        let d = denseColumns.count

        var dense = [Double](repeating: 0, count: n * d)
        var codes = [UInt8](repeating: 0, count: n * factors.count)
        var weightOut = [Double](repeating: 0, count: weights == nil ? 0 : n)
        // A chunk of input rows at a time (two threads take half of the rows each): the codes
        // of the chunk from each factor's columns (read in order), then every code and value
        // written to its row's place.
        let threads = n >= 1 << 16 ? 2 : 1
        func half(_ t: Int) -> Range<Int> { threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) }
        var clash = [Bool](repeating: false, count: threads)
        let chunk = 4096
        dense.withUnsafeMutableBufferPointer { x in
        codes.withUnsafeMutableBufferPointer { codeOut in
        weightOut.withUnsafeMutableBufferPointer { wOut in
        slot.withUnsafeBufferPointer { s in
        clash.withUnsafeMutableBufferPointer { clash in
            CSVReader.concurrently(threads) { t in
                let rows = half(t)
                let code = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
                let values = UnsafeMutablePointer<Double>.allocate(capacity: chunk * max(d, 1))
                defer { code.deallocate(); values.deallocate() }
                var lo = rows.lowerBound
                while lo < rows.upperBound && !clash[t] {
                    let hi = min(lo + chunk, rows.upperBound)
                    let at = s.baseAddress! + lo
                    for (g, f) in factors.enumerated() {
                        code.update(repeating: 0, count: hi - lo)
                        // Without a branch on the value: a row's code becomes c where the
                        // column is 1; `twice` notes a row that already had one.
                        var twice: UInt8 = 0
                        for j in f {
                            let c = UInt8(truncatingIfNeeded: j - f.lowerBound + 1)
                            columns[j].withUnsafeBufferPointer { v in
                                for i in lo..<hi {
                                    let one: UInt8 = v[i] != 0 ? 0xFF : 0
                                    let old = code[i - lo]
                                    twice |= one & old
                                    code[i - lo] = old | (one & c)
                                }
                            }
                        }
                        if twice != 0 { clash[t] = true }
                        let out = codeOut.baseAddress! + g * n
                        for i in lo..<hi { out[Int(at[i - lo])] = code[i - lo] }
                    }
                    // The other columns into the chunk's rows (in order), then each row's
                    // values written to its place at once.
                    for (k, j) in denseColumns.enumerated() {
                        let m = shift[j], f = scale[j]
                        columns[j].withUnsafeBufferPointer { v in
                            for i in lo..<hi { values[(i - lo) * d + k] = (v[i] - m) * f }
                        }
                    }
                    for i in 0..<(hi - lo) {
                        (x.baseAddress! + Int(at[i]) * d).update(from: values + i * d, count: d)
                    }
                    if let weights {
                        for i in lo..<hi { wOut[Int(at[i - lo])] = weights[i] }
                    }
                    lo = hi
                }
            }
        }
        }
        }
        }
        }
        if clash.contains(true) { return nil }
        self.n = n
        self.denseColumns = denseColumns
        self.dense = dense
        self.factors = factors
        self.codes = codes
        self.groupEvents = groupEvents
        self.weight = weights == nil ? nil : weightOut
        self.slot = slot
    }

    /// The row-major dense matrix in sorted order (`position`: input row -> sorted position;
    /// the same bits as the rows the values came from, level columns 1 or +0).
    func dense(p: Int, position: [UInt32]) -> [Double] {
        var x = [Double](repeating: 0, count: n * p)
        for i in 0..<n {
            let q = Int(position[i]), s = Int(slot[i])
            for (k, j) in denseColumns.enumerated() { x[q * p + j] = dense[s * denseCount + k] }
            for (g, f) in factors.enumerated() where codes[g * n + s] != 0 {
                x[q * p + f.lowerBound + Int(codes[g * n + s]) - 1] = 1
            }
        }
        return x
    }

    /// Whether the level rows are expected to make the likelihood pass cheaper than the
    /// compressed rows of `SparseRows`, per row: the level pass updates d(d + 3)/2 + 1 sums
    /// for d other columns and 3 + d per factor (+ one per pair of factors); the nonzero
    /// pass k(k + 3)/2 + 1 for k nonzero values, each through a list of columns (counted
    /// twice). `nonzero[j]`: the nonzero values of column j.
    static func cheaper(p: Int, factors: [Range<Int>], nonzero: [Int], n: Int) -> Bool {
        guard !factors.isEmpty, n > 0 else { return false }
        let d = Double(p - factors.reduce(0) { $0 + $1.count })
        let g = Double(factors.count)
        let levelCost = d * (d + 3) / 2 + 1 + g * (3 + d) + g * (g - 1) / 2
        let k = Double(nonzero.reduce(0, +)) / Double(n)
        let sparseCost = 2 * (k * (k + 3) / 2 + 1)
        return levelCost <= sparseCost
    }
}

/// The likelihood pass's reading of `LevelRows` (see `CoxLikelihood.evaluate`): the linear
/// predictor of a row, and the additions of a tied set's rows to the sums of the risk set
/// (censored rows) or of the tied events. The sums of one kind are laid out as a region:
/// [0] the sum of r, [1 + j] the sum of r x_j, [1 + p + j p + k] the sum of r x_j x_k
/// (k <= j), then `2 + d` spare places where the updates of a factor's reference level go
/// (so that the pass has no branch on the level); `u` has one spare place after its p
/// values for the same reason.
struct LevelPass {
    let p: Int
    let n: Int
    /// Other (dense) columns and factors.
    let d: Int
    let factorCount: Int
    /// Size of a region of sums.
    let region: Int
    let x: UnsafePointer<Double>
    let codes: UnsafePointer<UInt8>
    /// One block holding the offsets below.
    private let table: UnsafeMutablePointer<Int>
    /// Per dense column k: its column; its place in a region for r x; for each k2 <= k, its
    /// place for r x_k x_k2 (in order k, k2).
    private let denseColumn: UnsafeMutablePointer<Int>
    private let s1At: UnsafeMutablePointer<Int>
    private let s2At: UnsafeMutablePointer<Int>
    /// Per factor: where its table starts in `levelTable`, its first column.
    private let factorTable: UnsafeMutablePointer<Int>
    private let factorFirst: UnsafeMutablePointer<Int>
    /// Per factor and code c (0 = reference): the places of r x_L, r x_L x_L, u_L, and of
    /// r x_L x_k for each dense column k (3 + d entries).
    private let levelTable: UnsafeMutablePointer<Int>
    /// Column order of the linear predictor: per segment, a dense column k (>= 0) or a
    /// factor g (encoded -1 - g).
    private let segments: UnsafeMutablePointer<Int>
    private let segmentCount: Int
    /// Scratch for one row's r x_k (the general pass).
    private let rx: UnsafeMutablePointer<Double>
    /// Per factor and code: 1 * b_L = b_L, and +0 for the reference level (adding +0 to a
    /// sum that started at +0 changes nothing, as the zero products the dense pass adds).
    private let levelBeta: UnsafeMutablePointer<Double>
    private let levelBetaAt: UnsafeMutablePointer<Int>

    init(rows: LevelRows, p: Int, x: UnsafePointer<Double>, codes: UnsafePointer<UInt8>, beta: UnsafeBufferPointer<Double>) {
        self.p = p
        n = rows.n
        let d = rows.denseCount
        let factorCount = rows.factors.count
        self.d = d
        self.factorCount = factorCount
        region = 1 + p + p * p + 2 + d
        self.x = x
        self.codes = codes
        let levelEntries = rows.factors.reduce(0) { $0 + ($1.count + 1) * (3 + d) }
        let size = d + d + d * (d + 1) / 2 + 2 * factorCount + levelEntries + p
        table = .allocate(capacity: max(size, 1))
        rx = .allocate(capacity: max(d, 1))
        denseColumn = table
        s1At = denseColumn + d
        s2At = s1At + d
        factorTable = s2At + d * (d + 1) / 2
        factorFirst = factorTable + factorCount
        levelTable = factorFirst + factorCount
        segments = levelTable + levelEntries
        let sink = 1 + p + p * p
        func s2(_ j: Int, _ k: Int) -> Int { 1 + p + max(j, k) * p + min(j, k) }
        var t = 0
        for (k, j) in rows.denseColumns.enumerated() {
            denseColumn[k] = j
            s1At[k] = 1 + j
            for k2 in 0...k { s2At[t] = s2(j, rows.denseColumns[k2]); t += 1 }
        }
        var at = 0
        for (g, f) in rows.factors.enumerated() {
            factorTable[g] = at
            factorFirst[g] = f.lowerBound
            for c in 0...f.count {
                let e = levelTable + at + c * (3 + d)
                if c == 0 {
                    e[0] = sink; e[1] = sink + 1; e[2] = p
                    for k in 0..<d { e[3 + k] = sink + 2 + k }
                } else {
                    let l = f.lowerBound + c - 1
                    e[0] = 1 + l; e[1] = s2(l, l); e[2] = l
                    for k in 0..<d { e[3 + k] = s2(l, rows.denseColumns[k]) }
                }
            }
            at += (f.count + 1) * (3 + d)
        }
        var count = 0
        var denseIndex = 0
        for j in 0..<p {
            if denseIndex < d && rows.denseColumns[denseIndex] == j {
                segments[count] = denseIndex; count += 1; denseIndex += 1
            } else if let g = rows.factors.firstIndex(where: { $0.lowerBound == j }) {
                segments[count] = -1 - g; count += 1
            }
        }
        segmentCount = count
        let levels = rows.factors.reduce(0) { $0 + $1.count + 1 }
        levelBeta = .allocate(capacity: max(levels, 1))
        levelBetaAt = .allocate(capacity: max(factorCount, 1))
        var next = 0
        for (g, f) in rows.factors.enumerated() {
            levelBetaAt[g] = next
            levelBeta[next] = 0
            for c in 1...f.count { levelBeta[next + c] = 1.0 * beta[f.lowerBound + c - 1] }
            next += f.count + 1
        }
    }

    func deallocate() { table.deallocate(); rx.deallocate(); levelBeta.deallocate(); levelBetaAt.deallocate() }

    /// eta of rows `rows` (at most `etaChunk`) into `out`, each summed in column order as
    /// the dense pass does, a column at a time over the rows (a level adds b_L, the
    /// reference level +0, as its zero products would).
    @inline(__always)
    func eta(_ rows: Range<Int>, _ beta: UnsafeBufferPointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let m = rows.count, lo = rows.lowerBound
        out.update(repeating: 0, count: m)
        for g in 0..<segmentCount {
            let k = segments[g]
            if k >= 0 {
                let b = beta[denseColumn[k]]
                let column = x + lo * d + k
                for i in 0..<m { out[i] += column[i * d] * b }
            } else {
                let f = -1 - k
                let table = levelBeta + levelBetaAt[f]
                let code = codes + f * n + lo
                for i in 0..<m { out[i] += table[Int(code[i])] }
            }
        }
    }

    /// Rows per call of `eta(_:_:into:)`.
    static let etaChunk = 1024

    /// Adds the rows of one tied set: `events` (its first rows) to the tied-set sums (region
    /// `sumsD`) with their terms of the log-likelihood and the score, the others to the
    /// risk-set sums (region `sumsS`): the same products added to the same sums in the same
    /// order as the dense pass. Returns the events' weight.
    @inline(__always)
    func addTiedSet(_ rows: Range<Int>, events: Int, eta: UnsafePointer<Double>, risk: UnsafePointer<Double>,
                    weight: UnsafePointer<Double>?, sumsS: UnsafeMutablePointer<Double>,
                    sumsD: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>,
                    loglik: inout Double) -> Double {
        let split = rows.lowerBound + events
        var dw = 0.0
        /// The tied set's events, then its censored rows, with `W` other columns in registers.
        func both<W: DenseWidth>(_ width: W.Type) {
            add(W.self, rows.lowerBound..<split, event: true, eta: eta, risk: risk, weight: weight,
                sums: sumsD, u: u, loglik: &loglik, eventWeight: &dw)
            add(W.self, split..<rows.upperBound, event: false, eta: eta, risk: risk, weight: weight,
                sums: sumsS, u: u, loglik: &loglik, eventWeight: &dw)
        }
        switch d {
        case 0: both(DenseWidth0.self)
        case 1: both(DenseWidth1.self)
        case 2: both(DenseWidth2.self)
        case 3: both(DenseWidth3.self)
        case 4: both(DenseWidth4.self)
        default:
            addAny(rows.lowerBound..<split, event: true, eta: eta, risk: risk, weight: weight,
                   sums: sumsD, u: u, loglik: &loglik, eventWeight: &dw)
            addAny(split..<rows.upperBound, event: false, eta: eta, risk: risk, weight: weight,
                   sums: sumsS, u: u, loglik: &loglik, eventWeight: &dw)
        }
        return dw
    }

    /// Rows all events or all censored, for at most four dense columns (W.count), whose sums
    /// are kept in registers through the run (`DenseSums`); the factors' sums in the region.
    @inline(__always)
    private func add<W: DenseWidth>(_ width: W.Type, _ rows: Range<Int>, event: Bool, eta: UnsafePointer<Double>,
                                    risk: UnsafePointer<Double>, weight: UnsafePointer<Double>?,
                                    sums: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>,
                                    loglik: inout Double, eventWeight: inout Double) {
        if rows.isEmpty { return }
        let d = W.count
        var a = DenseSums(load: sums, u: u, event: event, d: d, s1At: s1At, s2At: s2At, column: denseColumn)
        var ll = loglik, dw = eventWeight
        for s in rows {
            let r = risk[s]
            let row = x + s * d
            let x0 = d > 0 ? row[0] : 0, x1 = d > 1 ? row[1] : 0
            let x2 = d > 2 ? row[2] : 0, x3 = d > 3 ? row[3] : 0
            let rx0 = r * x0, rx1 = r * x1, rx2 = r * x2, rx3 = r * x3
            a.s0 += r
            if d > 0 { a.a0 += rx0; a.b00 += rx0 * x0 }
            if d > 1 { a.a1 += rx1; a.b10 += rx1 * x0; a.b11 += rx1 * x1 }
            if d > 2 { a.a2 += rx2; a.b20 += rx2 * x0; a.b21 += rx2 * x1; a.b22 += rx2 * x2 }
            if d > 3 { a.a3 += rx3; a.b30 += rx3 * x0; a.b31 += rx3 * x1; a.b32 += rx3 * x2; a.b33 += rx3 * x3 }
            var wi = 1.0
            if event {
                if let weight { wi = weight[s] }
                ll += wi * eta[s]
                dw += wi
                if d > 0 { a.u0 += wi * x0 }
                if d > 1 { a.u1 += wi * x1 }
                if d > 2 { a.u2 += wi * x2 }
                if d > 3 { a.u3 += wi * x3 }
            }
            for g in 0..<factorCount {
                let c = Int(codes[g * n + s])
                let e = levelTable + factorTable[g] + c * (3 + d)
                sums[e[0]] += r
                sums[e[1]] += r
                if event { u[e[2]] += wi }
                if d > 0 { sums[e[3]] += rx0 }
                if d > 1 { sums[e[4]] += rx1 }
                if d > 2 { sums[e[5]] += rx2 }
                if d > 3 { sums[e[6]] += rx3 }
                if g > 0 && c != 0 { addPairs(g, c, s, r, sums) }
            }
        }
        a.store(sums, u: u, event: event, d: d, s1At: s1At, s2At: s2At, column: denseColumn)
        loglik = ll; eventWeight = dw
    }

    /// Two factors at their levels L > L2 in row s: r x_L x_L2 = r.
    @inline(__always)
    private func addPairs(_ g: Int, _ c: Int, _ s: Int, _ r: Double, _ sums: UnsafeMutablePointer<Double>) {
        let l = factorFirst[g] + c - 1
        for g2 in 0..<g {
            let c2 = Int(codes[g2 * n + s])
            if c2 != 0 { sums[1 + p + l * p + factorFirst[g2] + c2 - 1] += r }
        }
    }

    /// The same for any number of dense columns, every sum in the region.
    private func addAny(_ rows: Range<Int>, event: Bool, eta: UnsafePointer<Double>,
                        risk: UnsafePointer<Double>, weight: UnsafePointer<Double>?,
                        sums: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>,
                        loglik: inout Double, eventWeight: inout Double) {
        var ll = loglik, dw = eventWeight
        for s in rows {
            let r = risk[s]
            let row = x + s * d
            let wi = event ? (weight?[s] ?? 1) : 0
            if event { ll += wi * eta[s]; dw += wi }
            sums[0] += r
            var t = 0
            for k in 0..<d {
                let xk = row[k]
                let rxk = r * xk
                rx[k] = rxk
                sums[s1At[k]] += rxk
                if event { u[denseColumn[k]] += wi * xk }
                for k2 in 0...k { sums[s2At[t]] += rxk * row[k2]; t += 1 }
            }
            for g in 0..<factorCount {
                let c = Int(codes[g * n + s])
                let e = levelTable + factorTable[g] + c * (3 + d)
                sums[e[0]] += r
                sums[e[1]] += r
                if event { u[e[2]] += wi }
                for k in 0..<d { sums[e[3 + k]] += rx[k] }
                if g > 0 && c != 0 { addPairs(g, c, s, r, sums) }
            }
        }
        loglik = ll; eventWeight = dw
    }
}

/// The sums of up to four dense columns, held in locals (registers) through a run of rows:
/// s0 = sum r, a_k = sum r x_k, b_kl = sum r x_k x_l (l <= k), and for events
/// u_k = sum w x_k. Loaded from and stored back to their places in a region.
struct DenseSums {
    var s0 = 0.0
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    var b00 = 0.0, b10 = 0.0, b11 = 0.0, b20 = 0.0, b21 = 0.0, b22 = 0.0
    var b30 = 0.0, b31 = 0.0, b32 = 0.0, b33 = 0.0
    var u0 = 0.0, u1 = 0.0, u2 = 0.0, u3 = 0.0

    @inline(__always)
    init(load sums: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>, event: Bool, d: Int,
         s1At: UnsafePointer<Int>, s2At: UnsafePointer<Int>, column: UnsafePointer<Int>) {
        s0 = sums[0]
        if d > 0 { a0 = sums[s1At[0]]; b00 = sums[s2At[0]] }
        if d > 1 { a1 = sums[s1At[1]]; b10 = sums[s2At[1]]; b11 = sums[s2At[2]] }
        if d > 2 { a2 = sums[s1At[2]]; b20 = sums[s2At[3]]; b21 = sums[s2At[4]]; b22 = sums[s2At[5]] }
        if d > 3 {
            a3 = sums[s1At[3]]; b30 = sums[s2At[6]]; b31 = sums[s2At[7]]; b32 = sums[s2At[8]]; b33 = sums[s2At[9]]
        }
        if event {
            if d > 0 { u0 = u[column[0]] }
            if d > 1 { u1 = u[column[1]] }
            if d > 2 { u2 = u[column[2]] }
            if d > 3 { u3 = u[column[3]] }
        }
    }

    @inline(__always)
    func store(_ sums: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>, event: Bool, d: Int,
               s1At: UnsafePointer<Int>, s2At: UnsafePointer<Int>, column: UnsafePointer<Int>) {
        sums[0] = s0
        if d > 0 { sums[s1At[0]] = a0; sums[s2At[0]] = b00 }
        if d > 1 { sums[s1At[1]] = a1; sums[s2At[1]] = b10; sums[s2At[2]] = b11 }
        if d > 2 { sums[s1At[2]] = a2; sums[s2At[3]] = b20; sums[s2At[4]] = b21; sums[s2At[5]] = b22 }
        if d > 3 {
            sums[s1At[3]] = a3; sums[s2At[6]] = b30; sums[s2At[7]] = b31; sums[s2At[8]] = b32; sums[s2At[9]] = b33
        }
        if event {
            if d > 0 { u[column[0]] = u0 }
            if d > 1 { u[column[1]] = u1 }
            if d > 2 { u[column[2]] = u2 }
            if d > 3 { u[column[3]] = u3 }
        }
    }
}

/// A number of dense columns fixed at compile time, so that the specialised pass keeps its
/// sums in registers and unrolls its loops.
protocol DenseWidth { static var count: Int { get } }
enum DenseWidth0: DenseWidth { static var count: Int { 0 } }
enum DenseWidth1: DenseWidth { static var count: Int { 1 } }
enum DenseWidth2: DenseWidth { static var count: Int { 2 } }
enum DenseWidth3: DenseWidth { static var count: Int { 3 } }
enum DenseWidth4: DenseWidth { static var count: Int { 4 } }
