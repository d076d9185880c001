#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The likelihood pass on two threads: sums per tied set, then one walk over the sets

extension CoxLikelihood {

    /// L(b), U(b), I(b) as `evaluate` forms them (see `Cox` for the formulas), in two steps:
    ///   1. on two threads, each taking the tied sets of about half of the rows, the sums of
    ///      every tied set g over its censored rows, C_g = (sum r, sum r x, sum r x x'), and
    ///      over its events, D_g = (the same, and sum w eta, sum w, sum w x), with eta and
    ///      r = w exp(eta) formed on the way (no per-row arrays);
    ///   2. one walk backwards over the tied sets that adds C_g to the risk-set sums, adds the
    ///      events' terms (sum w eta to L, sum w x to U), forms the set's Efron or Breslow
    ///      terms with D_g (`tiedSetTerms`), and adds D_g.
    /// The sums of a set are the same terms as in the one-pass walk, added up per set and
    /// then to the running sums, so the numbers differ from it only by rounding (the order
    /// of the additions), far below the convergence tolerance.
    ///
    /// Taken for level rows (`LevelRows`) with one factor and at most four other columns,
    /// on many rows (at least 2^15), Efron or Breslow ties, when the per-set sums need at
    /// most two doubles per row (few tied sets: times with few distinct values); nil
    /// otherwise, and the caller walks the rows in one pass.
    ///
    /// Per set the sums are laid out as two blocks of M doubles (censored rows, then events):
    /// [0] sum r; [1 + k] sum r x_k for the other columns k; [1 + d + t] sum r x_k x_l
    /// (l <= k, t counting the pairs in that order); from L0, per code c of the factor
    /// (0, the reference level, in place of a branch) sum r and sum r x_k; from E0 the
    /// events' sum w eta, sum w, sum w x_k, and per code sum w.
    func evaluateGrouped(_ beta: [Double], levels: LevelRows) -> CoxEvaluation? {
        let p = data.p, n = data.n
        guard levels.factors.count == 1, levels.denseCount <= 4, n >= 1 << 15, ties != .exact,
              data.start == nil else { return nil }
        let groups = data.groups
        let groupCount = groups.count
        let d = levels.denseCount
        let factor = levels.factors[0]
        let codes = factor.count + 1
        let pairs = d * (d + 1) / 2
        let l0 = 1 + d + pairs
        let e0 = l0 + codes * (1 + d)
        let m = e0 + 2 + d + codes
        guard groupCount * 2 * m <= 2 * n else { return nil }

        let sums = UnsafeMutablePointer<Double>.allocate(capacity: groupCount * 2 * m)
        defer { sums.deallocate() }
        let hasWeights = levels.weight != nil
        let atZero = beta.allSatisfy { $0 == 0 }
        let weight = levels.weight ?? []
        // The sets of the second thread: from the first that starts in the second half of the rows.
        var split = groupCount
        for g in 0..<groupCount where groups[g].lowerBound >= n / 2 { split = g; break }
        levels.dense.withUnsafeBufferPointer { x in
        levels.codes.withUnsafeBufferPointer { code in
        weight.withUnsafeBufferPointer { w in
        beta.withUnsafeBufferPointer { beta in
            let pass = LevelPass(rows: levels, p: p, x: x.baseAddress!, codes: code.baseAddress!, beta: beta)
            defer { pass.deallocate() }
            CSVReader.concurrently(2) { t in
                let chunk = LevelPass.etaChunk
                let eta = UnsafeMutablePointer<Double>.allocate(capacity: 2 * chunk)
                defer { eta.deallocate() }
                let risk = eta + chunk
                // The rows of one set's events or censored rows into its block.
                func add(_ rows: Range<Int>, _ block: UnsafeMutablePointer<Double>, _ isEvent: Bool) {
                    var lo = rows.lowerBound
                    var acc = GroupSums()
                    let wp = hasWeights ? w.baseAddress! : nil
                    while lo < rows.upperBound {
                        let hi = min(lo + chunk, rows.upperBound)
                        if atZero {
                            // b = 0: eta = +0 and exp(+0) = 1, as the general case would form them.
                            eta.update(repeating: 0, count: hi - lo)
                            if hasWeights {
                                for i in lo..<hi { risk[i - lo] = w[i] * 1 }
                            } else {
                                risk.update(repeating: 1, count: hi - lo)
                            }
                        } else {
                            pass.eta(lo..<hi, beta, into: eta)
                            if hasWeights {
                                for i in lo..<hi { risk[i - lo] = w[i] * exp(eta[i - lo]) }
                            } else {
                                for i in lo..<hi { risk[i - lo] = exp(eta[i - lo]) }
                            }
                        }
                        let cs = code.baseAddress! + lo
                        switch d {
                        case 0: acc.add(DenseWidth0.self, lo..<hi, event: isEvent, eta: eta, risk: risk, x: x.baseAddress!,
                                        code: cs, weight: wp, block: block, l0: l0, e0: e0)
                        case 1: acc.add(DenseWidth1.self, lo..<hi, event: isEvent, eta: eta, risk: risk, x: x.baseAddress!,
                                        code: cs, weight: wp, block: block, l0: l0, e0: e0)
                        case 2: acc.add(DenseWidth2.self, lo..<hi, event: isEvent, eta: eta, risk: risk, x: x.baseAddress!,
                                        code: cs, weight: wp, block: block, l0: l0, e0: e0)
                        case 3: acc.add(DenseWidth3.self, lo..<hi, event: isEvent, eta: eta, risk: risk, x: x.baseAddress!,
                                        code: cs, weight: wp, block: block, l0: l0, e0: e0)
                        default: acc.add(DenseWidth4.self, lo..<hi, event: isEvent, eta: eta, risk: risk, x: x.baseAddress!,
                                         code: cs, weight: wp, block: block, l0: l0, e0: e0)
                        }
                        lo = hi
                    }
                    acc.store(block, d: d, event: isEvent, e0: e0)
                }
                for g in (t == 0 ? 0..<split : split..<groupCount) {
                    let group = groups[g]
                    let events = Int(levels.groupEvents[g])
                    let censoredSums = sums + g * 2 * m, eventSums = censoredSums + m
                    censoredSums.initialize(repeating: 0, count: 2 * m)
                    add(group.lowerBound..<(group.lowerBound + events), eventSums, true)
                    add((group.lowerBound + events)..<group.upperBound, censoredSums, false)
                }
            }
        }
        }
        }
        }

        // The walk over the sets: running risk-set sums (s0, s1, s2) and the set's event sums
        // (d0, d1, d2) in the layout of `evaluate` (lower triangles, row-major).
        let pp = p * p
        let blockSize = p + pp + 2 * (p + pp) + p
        let block = UnsafeMutablePointer<Double>.allocate(capacity: blockSize)
        block.initialize(repeating: 0, count: blockSize)
        defer { block.deallocate() }
        let u = block, imat = u + p, s1 = imat + pp, s2 = s1 + p, d1 = s2 + pp, d2 = d1 + p, mean = d2 + pp
        var s0 = 0.0, loglik = 0.0
        let denseColumn = levels.denseColumns
        // Where a set's sums go: (place in the block of M, place in s1/s2 or d1/d2 relative to
        // s1 or d1: j for s1[j], p + j p + k for s2[j][k]); a factor level's sum of r goes to
        // both its s1 and its diagonal of s2.
        var map: [(from: Int, to: Int)] = []
        var t = 0
        for k in 0..<d {
            map.append((1 + k, denseColumn[k]))
            for l in 0...k {
                map.append((1 + d + t, p + denseColumn[k] * p + denseColumn[l])); t += 1
            }
        }
        for c in 1..<codes {
            let lv = factor.lowerBound + c - 1, at = l0 + c * (1 + d)
            map.append((at, lv))
            map.append((at, p + lv * p + lv))
            for k in 0..<d {
                map.append((at + 1 + k, p + max(lv, denseColumn[k]) * p + min(lv, denseColumn[k])))
            }
        }
        // The Efron terms' scalars need only s0 before each set's events, a running sum over
        // the sets: first that sum, then the scalars of the sets (their d logarithms) on two
        // threads, each taking about half of the events, then the walk.
        let efron = ties == .efron
        var scalars = [EfronScalars](repeating: EfronScalars(), count: efron ? groupCount : 0)
        if efron {
            var riskBefore = [Double](repeating: 0, count: groupCount)
            var total = 0.0
            for g in stride(from: groupCount - 1, through: 0, by: -1) {
                if data.lastInStratum[g] { total = 0 }
                let censoredSums = sums + g * 2 * m
                total += censoredSums[0]
                riskBefore[g] = total
                total += censoredSums[m]
            }
            var half = 0, eventsSeen = 0
            let allEvents = levels.groupEvents.reduce(0) { $0 + Int($1) }
            while half < groupCount && 2 * eventsSeen < allEvents { eventsSeen += Int(levels.groupEvents[half]); half += 1 }
            scalars.withUnsafeMutableBufferPointer { out in
                CSVReader.concurrently(2) { t in
                    for g in (t == 0 ? 0..<half : half..<groupCount) {
                        let events = Int(levels.groupEvents[g])
                        guard events > 1 else { continue }
                        let eventSums = sums + g * 2 * m + m
                        out[g] = EfronScalars(events: events, eventWeight: eventSums[e0 + 1], s0: riskBefore[g],
                                              d0: eventSums[0])
                    }
                }
            }
        }
        for g in stride(from: groupCount - 1, through: 0, by: -1) {
            if data.lastInStratum[g] {
                s0 = 0
                s1.update(repeating: 0, count: p)
                s2.update(repeating: 0, count: pp)
            }
            let censoredSums = sums + g * 2 * m, eventSums = censoredSums + m
            s0 += censoredSums[0]
            for (from, to) in map { s1[to] += censoredSums[from] }
            let events = Int(levels.groupEvents[g])
            guard events > 0 else { continue }
            d1.update(repeating: 0, count: p)
            d2.update(repeating: 0, count: pp)
            for (from, to) in map { d1[to] += eventSums[from] }
            // The events' own terms: sum w eta to L, sum w x to U.
            loglik += eventSums[e0]
            for k in 0..<d { u[denseColumn[k]] += eventSums[e0 + 2 + k] }
            for c in 1..<codes { u[factor.lowerBound + c - 1] += eventSums[e0 + 2 + d + c] }
            if efron && events > 1 {
                let e = scalars[g]
                loglik -= e.logSum
                CoxLikelihood.addEfronTerms(e.a, e.b, e.c, e.e, e.g, s1: s1, s2: s2, d1: d1, d2: d2, p: p, u: u, imat: imat)
                s0 += eventSums[0]
                for j in 0..<p { s1[j] += d1[j] }
                for j in 0..<pp { s2[j] += d2[j] }
            } else {
                CoxLikelihood.tiedSetTerms(ties: ties, events: events, eventWeight: eventSums[e0 + 1], s0: &s0,
                                           d0: eventSums[0], s1: s1, s2: s2, d1: d1, d2: d2, p: p, u: u, imat: imat,
                                           mean: mean, loglik: &loglik)
            }
        }
        return CoxEvaluation(logLikelihood: loglik, score: u, lowerInformation: imat, p: p)
    }
}

/// One tied set's sums over its censored rows or its events (`CoxLikelihood.evaluateGrouped`),
/// those of the other columns held in locals (registers) over the rows, the factor's per
/// level in the set's block.
struct GroupSums {
    var s0 = 0.0
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    var b00 = 0.0, b10 = 0.0, b11 = 0.0, b20 = 0.0, b21 = 0.0, b22 = 0.0
    var b30 = 0.0, b31 = 0.0, b32 = 0.0, b33 = 0.0
    var ll = 0.0, dw = 0.0
    var u0 = 0.0, u1 = 0.0, u2 = 0.0, u3 = 0.0

    /// Rows `rows` (their eta and r at eta[i - lo], risk[i - lo]), W.count other columns.
    @inline(__always)
    mutating func add<W: DenseWidth>(_ width: W.Type, _ rows: Range<Int>, event: Bool, eta: UnsafePointer<Double>,
                                     risk: UnsafePointer<Double>, x: UnsafePointer<Double>, code: UnsafePointer<UInt8>,
                                     weight: UnsafePointer<Double>?, block: UnsafeMutablePointer<Double>,
                                     l0: Int, e0: Int) {
        let d = W.count
        let lo = rows.lowerBound
        let levelSums = block + l0, levelWeights = block + e0 + 2 + d
        for s in rows {
            let i = s - lo
            let r = risk[i]
            let row = x + s * d
            let x0 = d > 0 ? row[0] : 0, x1 = d > 1 ? row[1] : 0
            let x2 = d > 2 ? row[2] : 0, x3 = d > 3 ? row[3] : 0
            let rx0 = r * x0, rx1 = r * x1, rx2 = r * x2, rx3 = r * x3
            s0 += r
            if d > 0 { a0 += rx0; b00 += rx0 * x0 }
            if d > 1 { a1 += rx1; b10 += rx1 * x0; b11 += rx1 * x1 }
            if d > 2 { a2 += rx2; b20 += rx2 * x0; b21 += rx2 * x1; b22 += rx2 * x2 }
            if d > 3 { a3 += rx3; b30 += rx3 * x0; b31 += rx3 * x1; b32 += rx3 * x2; b33 += rx3 * x3 }
            let c = Int(code[i])
            let level = levelSums + c * (1 + d)
            level[0] += r
            if d > 0 { level[1] += rx0 }
            if d > 1 { level[2] += rx1 }
            if d > 2 { level[3] += rx2 }
            if d > 3 { level[4] += rx3 }
            if event {
                let wi = weight?[s] ?? 1
                ll += wi * eta[i]
                dw += wi
                if d > 0 { u0 += wi * x0 }
                if d > 1 { u1 += wi * x1 }
                if d > 2 { u2 += wi * x2 }
                if d > 3 { u3 += wi * x3 }
                levelWeights[c] += wi
            }
        }
    }

    /// Into the block: s0, the other columns' sums, and for events sum w eta, sum w, sum w x.
    @inline(__always)
    func store(_ block: UnsafeMutablePointer<Double>, d: Int, event: Bool, e0: Int) {
        block[0] = s0
        if d > 0 { block[1] = a0 }
        if d > 1 { block[2] = a1 }
        if d > 2 { block[3] = a2 }
        if d > 3 { block[4] = a3 }
        let b = block + 1 + d
        if d > 0 { b[0] = b00 }
        if d > 1 { b[1] = b10; b[2] = b11 }
        if d > 2 { b[3] = b20; b[4] = b21; b[5] = b22 }
        if d > 3 { b[6] = b30; b[7] = b31; b[8] = b32; b[9] = b33 }
        if event {
            block[e0] = ll
            block[e0 + 1] = dw
            if d > 0 { block[e0 + 2] = u0 }
            if d > 1 { block[e0 + 3] = u1 }
            if d > 2 { block[e0 + 4] = u2 }
            if d > 3 { block[e0 + 5] = u3 }
        }
    }
}

/// The scalar sums of the Efron terms of one tied set (see `CoxLikelihood.tiedSetTerms`):
/// with f = k/d and t0 = s0 + f d0 for k = 1..d, and the mean event weight mw,
///   a = mw sum 1/t0, b = mw sum f/t0, c = mw sum 1/t0^2, e = mw sum f/t0^2, g = mw sum f^2/t0^2,
/// and logSum = mw sum log(t0), which the set subtracts from the log-likelihood. The sum of
/// logarithms is the logarithm of the product of the t0, taken whenever the product leaves
/// [1e-100, 1e100] (a term outside [1e-200, 1e200] on its own), so that a set of d events
/// needs a few logarithms instead of d (each product of m terms is within m roundings).
struct EfronScalars {
    var a = 0.0, b = 0.0, c = 0.0, e = 0.0, g = 0.0, logSum = 0.0

    init() {}

    init(events d: Int, eventWeight dw: Double, s0: Double, d0: Double) {
        let meanWeight = dw / Double(d)
        var product = 1.0, logs = 0.0
        for k in 1...d {
            let f = Double(k) / Double(d)
            let t0 = s0 + f * d0
            if t0 > 1e-200 && t0 < 1e200 {
                product *= t0
                if product > 1e100 || product < 1e-100 { logs += log(product); product = 1 }
            } else {
                logs += log(t0)
            }
            let inv = 1 / t0, inv2 = inv * inv
            a += inv; b += f * inv; c += inv2; e += f * inv2; g += f * f * inv2
        }
        logs += log(product)
        logSum = meanWeight * logs
        a *= meanWeight; b *= meanWeight; c *= meanWeight; e *= meanWeight; g *= meanWeight
    }
}
