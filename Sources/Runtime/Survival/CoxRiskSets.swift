// MARK: - Data sorted into risk sets (for the Cox fit in Cox.swift)

/// Rows sorted by (stratum, time), with covariates (already centred and scaled) stored
/// row-major, and the groups of rows sharing a stratum and a time.
struct CoxRiskSets {
    let n: Int
    let p: Int
    /// Row-major covariates in sorted order: x[i * p + j].
    let x: [Double]
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
    init(time: [Double], event: [Bool], strata: [Int]?, columns: [[Double]], shift: [Double], scale: [Double],
         start: [Double]? = nil, weights: [Double]? = nil) {
        let n = time.count
        let p = columns.count
        self.n = n
        self.p = p
        // Row -> sorted position, then every row's values written to its position: rows are
        // read in input order, and a chunk of rows' sorted slots stays in cache while the
        // columns are written one after another (instead of gathering each column at
        // random positions).
        let position = RowOrder.positions(time: time, strata: strata)
        var x = [Double](repeating: 0, count: n * p)
        var sortedTime = [Double](repeating: 0, count: n)
        var sortedEvent = [Bool](repeating: false, count: n)
        var sortedStratum = [Int](repeating: 0, count: strata == nil ? 0 : n)
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
        self.x = x
        self.event = sortedEvent
        self.time = sortedTime
        self.stratum = strata == nil ? nil : sortedStratum
        var groups: [Range<Int>] = []
        groups.reserveCapacity(min(n, 1024))
        var start = 0
        for pos in 1...max(n, 1) where pos <= n {
            if pos == n || sortedTime[pos] != sortedTime[start]
                || (strata != nil && sortedStratum[pos] != sortedStratum[start]) {
                groups.append(start..<pos)
                start = pos
            }
        }
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
    }
}

