// MARK: - Data sorted into risk sets (for the Cox fit in Cox.swift)

/// Rows sorted by (stratum, time), with covariates (already centred and scaled) stored
/// row-major, and the groups of rows sharing a stratum and a time.
struct CoxRiskSets {
    let n: Int
    let p: Int
    /// Row-major covariates in sorted order: x[i * p + j] (formed from `levels` or `sparse`
    /// on each use when the rows are kept compressed).
    var x: [Double] { levels?.dense(p: p, position: position) ?? sparse?.dense(p: p) ?? dense }
    private let dense: [Double]
    /// The nonzero covariates of each sorted row, kept instead of `x` when asked for and at
    /// most half of the values are nonzero (the 0/1 columns of a factor are not centred, so
    /// a row of age + bmi + an 8-level factor has 3 nonzero values of 9).
    let sparse: SparseRows?
    /// The same rows with factors kept as level codes (instead of `sparse`, when asked for
    /// and expected to be cheaper; see `LevelRows`).
    let levels: LevelRows?
    let event: [Bool]
    /// Sorted position -> input row.
    var order: [Int] {
        var order = [Int](repeating: 0, count: n)
        for i in 0..<n { order[Int(position[i])] = i }
        return order
    }
    /// Tied groups (same stratum and time) as ranges of sorted positions, in order.
    let groups: [Range<Int>]
    /// For each group, the end (exclusive) of its stratum in sorted positions.
    let stratumEnd: [Int]
    /// For each group, whether it starts a new stratum when walking backwards
    /// (i.e. it is the last group of its stratum).
    let lastInStratum: [Bool]
    let time: [Double]
    /// Stratum codes in sorted order (nil without strata).
    let stratum: [Int]?
    /// Input row -> sorted position (the inverse of `order`).
    let position: [UInt32]
    /// Case weights in sorted order (nil: all 1).
    let weight: [Double]?
    /// Entry times of (start, stop] rows in sorted order (nil: right-censored data).
    let start: [Double]?
    /// Sorted positions ordered by (stratum, start) ascending: the walk backwards over time
    /// reads it from the end to take rows out of the risk set as it passes their start.
    let byStart: [Int]

    /// Covariate j of input row i enters as (columns[j][i] - shift[j]) * scale[j].
    /// `compress`: keep the rows as `levels` or `sparse` when that saves work; `factors`
    /// (ranges of 0/1 columns in order, each a factor's contrasts) and `nonzero` (per column)
    /// tell which (see `LevelRows.cheaper`).
    init(time: [Double], event: [Bool], strata: [Int]?, columns: [[Double]], shift: [Double], scale: [Double],
         start: [Double]? = nil, weights: [Double]? = nil, compress: Bool = false,
         factors: [Range<Int>] = [], nonzero: [Int]? = nil) {
        let n = time.count
        let p = columns.count
        self.n = n
        self.p = p
        let wantLevels = compress && nonzero.map { LevelRows.cheaper(p: p, factors: factors, nonzero: $0, n: n) } == true
        // Sorted positions (stratum, then time ascending, ties in input order) and, for the
        // level rows, each row's place there (the same with the events first within a tied
        // set). With few distinct (stratum, time) pairs both come from one counting pass over
        // their buckets, which also writes the sorted outcome and gives the tied sets.
        var position = [UInt32](repeating: 0, count: n)
        var levelSlot = [UInt32](repeating: 0, count: wantLevels ? n : 0)
        var sortedTime = [Double](repeating: 0, count: n)
        var sortedEvent = [Bool](repeating: false, count: n)
        var sortedStratum = [Int](repeating: 0, count: strata == nil ? 0 : n)
        var groups: [Range<Int>] = []
        var groupEvents: [Int32] = []
        if let b = RowOrder.buckets(time: time, strata: strata) {
            // Rows and events per bucket in each half of the rows (two threads on many rows,
            // as in a parallel counting sort: the first half's rows of a bucket come first).
            let threads = n >= 1 << 16 ? 2 : 1
            func half(_ t: Int) -> Range<Int> { threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) }
            let buckets = b.count
            // counts[(t * 2 + 0) * buckets + k]: rows of bucket k in half t; (t * 2 + 1): events.
            var counts = [Int](repeating: 0, count: 2 * threads * buckets)
            counts.withUnsafeMutableBufferPointer { c in
                b.bucket.withUnsafeBufferPointer { bk in
                    event.withUnsafeBufferPointer { e in
                        CSVReader.concurrently(threads) { t in
                            let rows = c.baseAddress! + 2 * t * buckets, events = rows + buckets
                            for i in half(t) {
                                let k = Int(bk[i])
                                rows[k] += 1
                                events[k] += e[i] ? 1 : 0
                            }
                        }
                    }
                }
            }
            // Per half and bucket the next sorted place, and (for the level rows) the next place
            // of an event (2k) and of a censored row (2k + 1).
            var next = [Int](repeating: 0, count: threads * buckets)
            var nextLevel = [Int](repeating: 0, count: 2 * threads * buckets)
            var offset = [Int](repeating: 0, count: buckets + 1)
            for k in 0..<buckets {
                var rows = 0, events = 0
                for t in 0..<threads {
                    next[t * buckets + k] = offset[k] + rows
                    rows += counts[2 * t * buckets + k]
                    events += counts[(2 * t + 1) * buckets + k]
                }
                offset[k + 1] = offset[k] + rows
                var eventsBefore = 0, censoredBefore = 0
                for t in 0..<threads {
                    let r = counts[2 * t * buckets + k], e = counts[(2 * t + 1) * buckets + k]
                    nextLevel[2 * (t * buckets + k)] = offset[k] + eventsBefore
                    nextLevel[2 * (t * buckets + k) + 1] = offset[k] + events + censoredBefore
                    eventsBefore += e; censoredBefore += r - e
                }
                if rows > 0 {
                    groups.append(offset[k]..<offset[k + 1])
                    groupEvents.append(Int32(truncatingIfNeeded: events))
                }
            }
            // A time of -0 is in the bucket of +0; the sorted times keep each row's own value
            // then, else every place of a bucket gets its time.
            let negativeZero = time.contains { $0 == 0 && $0.sign == .minus }
            if !negativeZero {
                sortedTime.withUnsafeMutableBufferPointer { st in
                    for k in 0..<buckets where offset[k + 1] > offset[k] {
                        let value = b.times[k % b.times.count]
                        for q in offset[k]..<offset[k + 1] { st[q] = value }
                    }
                }
            }
            position.withUnsafeMutableBufferPointer { pos in
            levelSlot.withUnsafeMutableBufferPointer { slot in
            sortedTime.withUnsafeMutableBufferPointer { st in
            sortedEvent.withUnsafeMutableBufferPointer { se in
            next.withUnsafeMutableBufferPointer { next in
            nextLevel.withUnsafeMutableBufferPointer { nextLevel in
            b.bucket.withUnsafeBufferPointer { bk in
            time.withUnsafeBufferPointer { t in
            event.withUnsafeBufferPointer { e in
                CSVReader.concurrently(threads) { h in
                    let next = next.baseAddress! + h * buckets, nextLevel = nextLevel.baseAddress! + 2 * h * buckets
                    for i in half(h) {
                        let k = Int(bk[i])
                        let q = next[k]
                        next[k] = q + 1
                        pos[i] = UInt32(truncatingIfNeeded: q)
                        se[q] = e[i]
                        if negativeZero { st[q] = t[i] }
                        if wantLevels {
                            let at = 2 * k + (e[i] ? 0 : 1)
                            let s = nextLevel[at]
                            nextLevel[at] = s + 1
                            slot[i] = UInt32(truncatingIfNeeded: s)
                        }
                    }
                }
            }
            }
            }
            }
            }
            }
            }
            }
            }
            if let strata {
                sortedStratum.withUnsafeMutableBufferPointer { st in
                    for i in 0..<n { st[Int(position[i])] = strata[i] }
                }
            }
        } else {
            position = RowOrder.positions(time: time, strata: strata)
            position.withUnsafeBufferPointer { w in
                sortedTime.withUnsafeMutableBufferPointer { t in
                    time.withUnsafeBufferPointer { tIn in for i in 0..<n { t[Int(w[i])] = tIn[i] } }
                }
                sortedEvent.withUnsafeMutableBufferPointer { e in
                    event.withUnsafeBufferPointer { eIn in for i in 0..<n { e[Int(w[i])] = eIn[i] } }
                }
                if let strata {
                    sortedStratum.withUnsafeMutableBufferPointer { st in
                        strata.withUnsafeBufferPointer { sIn in for i in 0..<n { st[Int(w[i])] = sIn[i] } }
                    }
                }
            }
            groups.reserveCapacity(min(n, 1024))
            var first = 0
            for pos in 1...max(n, 1) where pos <= n {
                if pos == n || sortedTime[pos] != sortedTime[first]
                    || (strata != nil && sortedStratum[pos] != sortedStratum[first]) {
                    groups.append(first..<pos)
                    first = pos
                }
            }
            if wantLevels {
                // Each sorted position's level row, then each input row's.
                var slotOfSorted = [UInt32](repeating: 0, count: n)
                groupEvents = [Int32](repeating: 0, count: groups.count)
                for (g, group) in groups.enumerated() {
                    var events = 0
                    for q in group where sortedEvent[q] { events += 1 }
                    groupEvents[g] = Int32(truncatingIfNeeded: events)
                    var nextEvent = group.lowerBound, nextCensored = group.lowerBound + events
                    for q in group {
                        if sortedEvent[q] {
                            slotOfSorted[q] = UInt32(truncatingIfNeeded: nextEvent); nextEvent += 1
                        } else {
                            slotOfSorted[q] = UInt32(truncatingIfNeeded: nextCensored); nextCensored += 1
                        }
                    }
                }
                for i in 0..<n { levelSlot[i] = slotOfSorted[Int(position[i])] }
            }
        }
        self.position = position
        func sortedCopy(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: n)
            for i in 0..<n { out[Int(position[i])] = v[i] }
            return out
        }
        self.weight = weights.map(sortedCopy)
        self.start = start.map(sortedCopy)
        if let start {
            byStart = RowOrder.byStratumAndTime(time: start, strata: strata).map { Int(position[$0]) }
        } else {
            byStart = []
        }
        self.event = sortedEvent
        self.time = sortedTime
        self.stratum = strata == nil ? nil : sortedStratum
        self.groups = groups
        var stratumEnd = [Int](repeating: n, count: groups.count)
        var last = [Bool](repeating: false, count: groups.count)
        var end = n
        for g in stride(from: groups.count - 1, through: 0, by: -1) {
            if g == groups.count - 1
                || (strata != nil && sortedStratum[groups[g + 1].lowerBound] != sortedStratum[groups[g].lowerBound]) {
                end = groups[g].upperBound
                last[g] = true
            }
            stratumEnd[g] = end
        }
        self.stratumEnd = stratumEnd
        self.lastInStratum = last

        // The covariates: level rows, compressed rows or dense rows.
        var levelRows: LevelRows? = nil
        if wantLevels {
            levelRows = LevelRows(columns: columns, shift: shift, scale: scale, slot: levelSlot, factors: factors,
                                  groupEvents: groupEvents, weights: weights)
        }
        levels = levelRows
        let rows = compress && levelRows == nil
            ? SparseRows(columns: columns, shift: shift, scale: scale, position: position) : nil
        sparse = rows
        // Row -> sorted position, then every row's values written to its position: rows are
        // read in input order, and a chunk of rows' sorted slots stays in cache while the
        // columns are written one after another (instead of gathering each column at
        // random positions).
        var x = [Double](repeating: 0, count: rows == nil && levelRows == nil ? n * p : 0)
        if rows == nil && levelRows == nil {
            position.withUnsafeBufferPointer { w in
                x.withUnsafeMutableBufferPointer { xb in
                    let chunk = 4096
                    var lo = 0
                    while lo < n {
                        let hi = min(lo + chunk, n)
                        for j in 0..<p {
                            let m = shift[j], f = scale[j]
                            columns[j].withUnsafeBufferPointer { c in
                                for i in lo..<hi { xb[Int(w[i]) * p + j] = (c[i] - m) * f }
                            }
                        }
                        lo = hi
                    }
                }
            }
        }
        self.dense = x
    }
}


/// Compressed rows: the nonzero values of sorted row q are `value[start[q]..<start[q + 1]]`,
/// in columns `column[...]`, ascending. A sum over a row's columns that skips its zeros is
/// the same number as the full sum: adding +0 or -0 to a partial sum that starts at +0
/// leaves it unchanged (a sum started at +0 never becomes -0), so the likelihood pass gives
/// bit for bit the numbers of the dense rows while touching only the nonzero values.
struct SparseRows {
    let start: [Int]
    let column: [Int32]
    let value: [Double]

    /// Covariate j of input row i is (columns[j][i] - shift[j]) * scale[j], at sorted
    /// position position[i]. Nil when more than half of the values are nonzero. (-0 is kept
    /// as a value, so that `dense` gives back the same bits.)
    init?(columns: [[Double]], shift: [Double], scale: [Double], position: [UInt32]) {
        let p = columns.count
        let n = position.count
        // Nonzero values per input row (column by column, reads in order), each count then
        // written once to its sorted row, and the rows' offsets.
        // Both passes are shared by two threads on many rows, each taking half of the input
        // rows (disjoint counts, and disjoint places in the sorted rows: the same values).
        let threads = n >= 1 << 16 ? 2 : 1
        func half(_ t: Int) -> Range<Int> { threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) }
        var count = [UInt32](repeating: 0, count: n)
        var total = 0
        count.withUnsafeMutableBufferPointer { k in
            CSVReader.concurrently(threads) { t in
                let rows = half(t)
                for j in 0..<p {
                    let m = shift[j], f = scale[j]
                    columns[j].withUnsafeBufferPointer { c in
                        for i in rows where ((c[i] - m) * f).bitPattern != 0 { k[i] += 1 }
                    }
                }
            }
            for i in 0..<n { total += Int(k[i]) }
        }
        guard total * 2 <= n * p else { return nil }
        var start = [Int](repeating: 0, count: n + 1)
        start.withUnsafeMutableBufferPointer { st in
            position.withUnsafeBufferPointer { w in
                for i in 0..<n { st[Int(w[i]) + 1] = Int(count[i]) }
            }
            for q in 0..<n { st[q + 1] += st[q] }
        }
        count = []
        // A chunk of input rows at a time: each row's next free place in its sorted row, then
        // the columns in order, each nonzero value written there (the chunk's places stay in
        // cache across the columns).
        var column = [Int32](repeating: 0, count: total)
        var value = [Double](repeating: 0, count: total)
        let chunk = 4096
        column.withUnsafeMutableBufferPointer { col in
            value.withUnsafeMutableBufferPointer { val in
                position.withUnsafeBufferPointer { w in
                    start.withUnsafeBufferPointer { st in
                        CSVReader.concurrently(threads) { t in
                            let rows = half(t)
                            let nx = UnsafeMutablePointer<Int>.allocate(capacity: chunk)
                            defer { nx.deallocate() }
                            var lo = rows.lowerBound
                            while lo < rows.upperBound {
                                let hi = min(lo + chunk, rows.upperBound)
                                for i in lo..<hi { nx[i - lo] = st[Int(w[i])] }
                                for j in 0..<p {
                                    let m = shift[j], f = scale[j]
                                    columns[j].withUnsafeBufferPointer { c in
                                        for i in lo..<hi {
                                            let v = (c[i] - m) * f
                                            guard v.bitPattern != 0 else { continue }
                                            let at = nx[i - lo]
                                            col[at] = Int32(j)
                                            val[at] = v
                                            nx[i - lo] = at + 1
                                        }
                                    }
                                }
                                lo = hi
                            }
                        }
                    }
                }
            }
        }
        self.start = start
        self.column = column
        self.value = value
    }

    /// The row-major dense matrix.
    func dense(p: Int) -> [Double] {
        let n = start.count - 1
        var x = [Double](repeating: 0, count: n * p)
        for q in 0..<n {
            for a in start[q]..<start[q + 1] { x[q * p + Int(column[a])] = value[a] }
        }
        return x
    }
}
