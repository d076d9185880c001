/// Concordance's pair counts by counting trees (see `Concordance.compute`).
extension Concordance {

    /// The pairs counted with two counting trees over the score ranks (Fenwick 1994, "A new
    /// data structure for cumulative frequency tables", Software: Practice and Experience
    /// 24: the number of inserted ranks below r in O(log K) for K distinct scores), for
    /// scores with few distinct values, where a tree of K counts stays in cache. Rows are
    /// read in sorted order (stratum, time ascending), a tied set g at a time:
    ///   - walking each stratum's tied sets backwards in time (the layout's order), with the
    ///     rows of the later sets in the tree, an event gets as the earlier member of its
    ///     pairs the rows above its score (concordant, unreversed) and those below
    ///     (discordant); the censored rows of its own set are inserted before its events;
    ///   - walking them forwards, with the events of the earlier sets in the tree, a row gets
    ///     as the later member the events below its score (concordant) and those above
    ///     (discordant); a censored row also gets the events of its own set, which are
    ///     inserted after they are counted.
    /// The two walks are independent and run on two threads; their counts are integers, the
    /// same as the merges'. Tied events with equal scores are counted within each set.
    /// `rank[q]`: the dense rank 1...distinct of the score of sorted row q; the result's
    /// counts are per sorted row.
    static func treeCounts(rank: [Int32], distinct: Int, event: [Bool], groupEnd: [Int],
                           stratumFirstGroup: [Int]) -> PairCounts {
        let n = rank.count
        var c = [Int32](repeating: 0, count: n), d = [Int32](repeating: 0, count: n)
        var c2 = [Int32](repeating: 0, count: n), d2 = [Int32](repeating: 0, count: n)
        var parts = [PairTotals(), PairTotals()]
        var tied = [(y: 0.0, xy: 0.0)]
        let k = distinct
        rank.withUnsafeBufferPointer { rk in
        event.withUnsafeBufferPointer { ev in
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
                // Events of the current set met so far per rank (forward walk).
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
                for s in 0..<(stratumFirstGroup.count - 1) {
                    let first = stratumFirstGroup[s], last = stratumFirstGroup[s + 1]
                    if first == last { continue }
                    tree.initialize(repeating: 0, count: k + 2)
                    count.initialize(repeating: 0, count: k + 2)
                    var inserted: Int32 = 0
                    if t == 0 {
                        for g in stride(from: last - 1, through: first, by: -1) {
                            let lo = g == 0 ? 0 : groupEnd[g - 1], hi = groupEnd[g]
                            for q in lo..<hi where !ev[q] { insert(Int(rk[q])); inserted &+= 1 }
                            for q in lo..<hi where ev[q] {
                                let x = Int(rk[q]), less = below(x)
                                let greater = inserted &- less &- count[x]
                                cF[q] = greater; dF[q] = less
                                sumC += Int(greater); sumD += Int(less)
                            }
                            for q in lo..<hi where ev[q] { insert(Int(rk[q])); inserted &+= 1 }
                        }
                    } else {
                        for g in first..<last {
                            let lo = g == 0 ? 0 : groupEnd[g - 1], hi = groupEnd[g]
                            for q in lo..<hi where ev[q] {
                                let x = Int(rk[q]), less = below(x)
                                cB[q] = less; dB[q] = inserted &- less &- count[x]
                            }
                            // Events tied in time: pairs with equal scores (each event meets
                            // the set's earlier events of its rank).
                            var sameX = 0, events = 0
                            for q in lo..<hi where ev[q] {
                                let x = Int(rk[q])
                                sameX += Int(same[x])
                                same[x] &+= 1
                                insert(x)
                                events += 1
                            }
                            for q in lo..<hi where ev[q] { same[Int(rk[q])] = 0 }
                            inserted &+= Int32(truncatingIfNeeded: events)
                            for q in lo..<hi where !ev[q] {
                                let x = Int(rk[q]), less = below(x)
                                cB[q] = less; dB[q] = inserted &- less &- count[x]
                            }
                            if events > 0 {
                                let e = Double(events)
                                tied[0].xy += Double(sameX)
                                tied[0].y += e * (e - 1) / 2 - Double(sameX)
                            }
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
        }
        let tiedY = tied[0].y, tiedXY = tied[0].xy
        // Per row: its counts as the earlier member plus those as the later member.
        for q in 0..<n { c[q] &+= c2[q]; d[q] &+= d2[q] }
        return PairCounts(c: c, d: d, totals: parts[0], tiedY: tiedY, tiedXY: tiedXY)
    }
}
