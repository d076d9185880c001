/// The counts that cumulative incidence and Gray's test read, one record per distinct time
/// and group with rows there (for `CumulativeIncidence` and `GrayTest`).
///
/// Both estimators only ever use, at each distinct time t and in each group g, the number of
/// rows that leave the risk set at t (`removed`) and the number of failures of each cause
/// (`failures`). These counts are integers held as doubles, summed row by row exactly as
/// the estimators counted them before (every partial sum is an integer below 2^53, so the
/// order of the additions does not matter), so reading them from the tally gives the same
/// numbers bit for bit, at a cost of O(records x causes) instead of O(rows) per curve and
/// per test.
///
/// Records are in (time, group) order. Rows are read once, in time order.
struct IncidenceTally {
    /// The distinct positive status codes, ascending.
    let causes: [Int]
    let groupCount: Int
    /// Per record: the time (the value of the group's first row at that time, in time order
    /// with ties in input order), the rank of that time among all distinct times, the group,
    /// how many of the group's rows have that time, and their failures of each cause at
    /// `failures[record * causes.count + c]`.
    private(set) var time: [Double] = []
    private(set) var timeRank: [Int] = []
    private(set) var group: [Int] = []
    private(set) var removed: [Double] = []
    private(set) var failures: [Double] = []
    /// Rows per group.
    private(set) var size: [Int]

    var count: Int { time.count }

    /// From rows sorted by time (ties in input order): `code[q]` is
    /// group * (causes.count + 1) + (0 for censored, 1 + index of the cause).
    init(sortedTime: [Double], code: [UInt32], causes: [Int], groupCount: Int) {
        self.causes = causes
        self.groupCount = groupCount
        let width = causes.count + 1
        size = [Int](repeating: 0, count: groupCount)
        // Counts of the current time by (group, cause + 1), the time value first met in each
        // group, and the groups met (in the order met, sorted before they are written out).
        var counts = [Double](repeating: 0, count: groupCount * width)
        var first = [Double](repeating: 0, count: groupCount)
        var met: [Int] = []
        let m = sortedTime.count
        var rank = 0
        var i = 0
        sortedTime.withUnsafeBufferPointer { t in
            code.withUnsafeBufferPointer { cd in
                while i < m {
                    let ti = t[i]
                    var j = i
                    while j < m && t[j] == ti {
                        let c = Int(cd[j]), g = c / width
                        if counts[g * width] == 0 { met.append(g); first[g] = t[j] }
                        // Slot g * width holds the rows of g at this time; the others the failures.
                        counts[g * width] += 1
                        if c != g * width { counts[c] += 1 }
                        j += 1
                    }
                    met.sort()
                    for g in met {
                        time.append(first[g])
                        timeRank.append(rank)
                        group.append(g)
                        removed.append(counts[g * width])
                        size[g] += Int(counts[g * width])
                        for k in 1..<width { failures.append(counts[g * width + k]) }
                        for k in 0..<width { counts[g * width + k] = 0 }
                    }
                    met.removeAll(keepingCapacity: true)
                    rank += 1
                    i = j
                }
            }
        }
    }

    /// From the rank of each row's time among the distinct `times` (ascending, each the
    /// value first met), rows in any order, `code` as above: the counts of each (time, group,
    /// status) cell added up in one pass, then the cells with rows written out in order. A
    /// cell's count is the same integer as counted over the sorted rows. The times are the
    /// first met of each among all rows, which is also the first met in each group unless
    /// -0 and +0 are both present (the caller sorts then).
    init(rank: [UInt32], times: [Double], code: [UInt32], causes: [Int], groupCount: Int) {
        self.causes = causes
        self.groupCount = groupCount
        let width = causes.count + 1, cells = groupCount * width
        size = [Int](repeating: 0, count: groupCount)
        var counts = [UInt32](repeating: 0, count: times.count * cells)
        counts.withUnsafeMutableBufferPointer { ct in
            rank.withUnsafeBufferPointer { rk in
                code.withUnsafeBufferPointer { cd in
                    for i in 0..<rk.count { ct[Int(rk[i]) * cells + Int(cd[i])] += 1 }
                }
            }
        }
        for t in times.indices {
            for g in 0..<groupCount {
                let cell = t * cells + g * width
                var rows: UInt32 = 0
                for k in 0..<width { rows += counts[cell + k] }
                guard rows > 0 else { continue }
                time.append(times[t])
                timeRank.append(t)
                group.append(g)
                removed.append(Double(rows))
                size[g] += Int(rows)
                for k in 1..<width { failures.append(Double(counts[cell + k])) }
            }
        }
    }

    /// The records of group g, in time order.
    func records(of g: Int) -> [Int] {
        (0..<count).filter { group[$0] == g }
    }
}
