/// Concordance's pair counts by counting trees (see `Concordance.compute`).
extension Concordance {

    /// The pairs counted with two counting trees over the score ranks (Fenwick 1994, "A new
    /// data structure for cumulative frequency tables", Software: Practice and Experience
    /// 24: the number of inserted ranks below r in O(log K) for K distinct scores), for
    /// scores with few distinct values, where a tree of K counts stays in cache:
    ///   - walking each stratum's layout forwards, with the rows of the runs already passed
    ///     in the tree, an event gets as the earlier member of its pairs the rows above its
    ///     score (concordant, unreversed) and those below (discordant);
    ///   - walking it backwards, with the events of the runs already passed in the tree, a
    ///     row gets as the later member the events below its score (concordant) and those
    ///     above (discordant).
    /// The two walks are independent and run on two threads; their counts are integers, the
    /// same as the merges'. Tied events with equal scores are counted within each event run.
    static func treeCounts(order: [UInt32], rank: [Int32], distinct: Int, runs: Runs) -> PairCounts {
        let n = order.count
        // Rank of each layout position.
        var rankOf = [Int32](repeating: 0, count: n)
        rankOf.withUnsafeMutableBufferPointer { r in
            for i in 0..<n { r[Int(order[i])] = rank[i] }
        }
        var c = [Int32](repeating: 0, count: n), d = [Int32](repeating: 0, count: n)
        var c2 = [Int32](repeating: 0, count: n), d2 = [Int32](repeating: 0, count: n)
        var parts = [PairTotals(), PairTotals()]
        var tied = [(y: 0.0, xy: 0.0)]
        let k = distinct
        rankOf.withUnsafeBufferPointer { rk in
        c.withUnsafeMutableBufferPointer { cF in
        d.withUnsafeMutableBufferPointer { dF in
        c2.withUnsafeMutableBufferPointer { cB in
        d2.withUnsafeMutableBufferPointer { dB in
        parts.withUnsafeMutableBufferPointer { part in
        tied.withUnsafeMutableBufferPointer { tied in
            CSVReader.concurrently(2) { t in
                // tree[1...k]: Fenwick sums of count[1...k], the rows inserted per rank.
                let tree = UnsafeMutablePointer<Int32>.allocate(capacity: k + 2)
                let count = UnsafeMutablePointer<Int32>.allocate(capacity: k + 2)
                // Events of the current run met so far per rank (backward walk).
                let same = UnsafeMutablePointer<Int32>.allocate(capacity: t == 1 ? k + 2 : 0)
                if t == 1 { same.initialize(repeating: 0, count: k + 2) }
                defer { tree.deallocate(); count.deallocate(); same.deallocate() }
                // Rows inserted with a rank below r.
                @inline(__always) func below(_ r: Int) -> Int32 {
                    var s: Int32 = 0, i = r - 1
                    while i > 0 { s &+= tree[i]; i &= i - 1 }
                    return s
                }
                @inline(__always) func insert(_ r: Int) {
                    count[r] &+= 1
                    var i = r
                    while i <= k { tree[i] &+= 1; i += i & -i }
                }
                var sumC = 0, sumD = 0
                for s in 0..<(runs.stratumFirst.count - 1) {
                    let first = runs.stratumFirst[s], last = runs.stratumFirst[s + 1]
                    if first == last { continue }
                    tree.initialize(repeating: 0, count: k + 2)
                    count.initialize(repeating: 0, count: k + 2)
                    var inserted: Int32 = 0
                    if t == 0 {
                        for r in first..<last {
                            let lo = r == 0 ? 0 : runs.end[r - 1], hi = runs.end[r]
                            if runs.holdsEvents[r] {
                                for q in lo..<hi {
                                    let x = Int(rk[q]), less = below(x)
                                    let greater = inserted &- less &- count[x]
                                    cF[q] = greater; dF[q] = less
                                    sumC += Int(greater); sumD += Int(less)
                                }
                            }
                            for q in lo..<hi { insert(Int(rk[q])) }
                            inserted &+= Int32(truncatingIfNeeded: hi - lo)
                        }
                    } else {
                        for r in stride(from: last - 1, through: first, by: -1) {
                            let lo = r == 0 ? 0 : runs.end[r - 1], hi = runs.end[r]
                            for q in lo..<hi {
                                let x = Int(rk[q]), less = below(x)
                                cB[q] = less; dB[q] = inserted &- less &- count[x]
                            }
                            guard runs.holdsEvents[r] else { continue }
                            // Events tied in time: pairs with equal scores (each event meets
                            // the run's earlier events of its rank).
                            var sameX = 0
                            for q in lo..<hi {
                                let x = Int(rk[q])
                                sameX += Int(same[x])
                                same[x] &+= 1
                                insert(x)
                            }
                            for q in lo..<hi { same[Int(rk[q])] = 0 }
                            let e = Double(hi - lo)
                            tied[0].xy += Double(sameX)
                            tied[0].y += e * (e - 1) / 2 - Double(sameX)
                            inserted &+= Int32(truncatingIfNeeded: hi - lo)
                        }
                    }
                }
                part[t].concordant = sumC; part[t].discordant = sumD
            }
        }
        }
        }
        }
        }
        }
        }
        let tiedY = tied[0].y, tiedXY = tied[0].xy
        // Per row: its counts as the earlier member plus those as the later member.
        for q in 0..<n { c[q] &+= c2[q]; d[q] &+= d2[q] }
        return PairCounts(c: c, d: d, totals: parts[0], tiedY: tiedY, tiedXY: tiedXY)
    }
}
