/// Concordance's pair counts by counting trees (see `Concordance.compute`).
extension Concordance {

    /// The pairs counted with two counting trees over the score ranks (Fenwick 1994, "A new
    /// data structure for cumulative frequency tables", Software: Practice and Experience
    /// 24: the number of inserted ranks below r in O(log K) for K distinct scores), for
    /// scores with few distinct values, where a tree of K counts stays in cache. Rows are
    /// read a tied set g at a time, its censored rows first, then its events:
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
    /// `rank[k]`: the dense rank 0..<distinct of the score of row k, rows laid out as `sets`;
    /// the result's counts are per row in that order.
    static func treeCounts(rank: [UInt32], distinct: Int, sets: TiedSets) -> PairCounts {
        let n = rank.count
        // Every place is written by the walks (the forward walk writes 0 for censored rows).
        func uninitialized() -> [Int32] { [Int32](unsafeUninitializedCapacity: n) { _, count in count = n } }
        var c = uninitialized(), d = uninitialized(), c2 = uninitialized(), d2 = uninitialized()
        var parts = [PairTotals(), PairTotals()]
        var tied = [(y: 0.0, xy: 0.0)]
        rank.withUnsafeBufferPointer { rk in
        c.withUnsafeMutableBufferPointer { cF in
        d.withUnsafeMutableBufferPointer { dF in
        c2.withUnsafeMutableBufferPointer { cB in
        d2.withUnsafeMutableBufferPointer { dB in
        parts.withUnsafeMutableBufferPointer { part in
        tied.withUnsafeMutableBufferPointer { tied in
            let walk = TreeWalk(rank: rk.baseAddress!, sets: sets, distinct: distinct)
            CSVReader.concurrently(2) { t in
                let out = t == 0 ? (cF.baseAddress!, dF.baseAddress!) : (cB.baseAddress!, dB.baseAddress!)
                walk.run(forward: t == 0, c: out.0, d: out.1, totals: &part[t], tied: &tied[0])
            }
        }
        }
        }
        }
        }
        }
        }
        // Per row: its counts as the earlier member plus those as the later member (added
        // up where they are read).
        return PairCounts(c: c, d: d, c2: c2, d2: d2, totals: parts[0], tiedY: tied[0].y, tiedXY: tied[0].xy)
    }
}

/// One walk of `Concordance.treeCounts` over the tied sets (forwards or backwards in time).
struct TreeWalk {
    let rank: UnsafePointer<UInt32>
    let sets: Concordance.TiedSets
    let distinct: Int

    /// The counting tree over ranks 1...distinct (Fenwick). For 2^14 to 2^17 distinct scores
    /// (when clearing 2^17 places per stratum costs little) it has 2^17 places and its paths
    /// are written out: the rows below rank r are the sum of tree[m with its bits below l
    /// cleared] over the set bits l of m = r - 1, and one more at rank r adds 1 at
    /// (m | (2^l - 1)) + 1 over the clear bits l of m: every level is visited, without a
    /// branch on the rank (a set bit adds 0), which costs less than the loops' mispredicted
    /// exits. Otherwise the paths are walked in loops.
    /// `c`, `d`: the counts per row (concordant and discordant, unreversed) as the earlier
    /// member (forward: the layout's order) or as the later member (backward).
    func run(forward: Bool, c cOut: UnsafeMutablePointer<Int32>, d dOut: UnsafeMutablePointer<Int32>,
             totals: inout Concordance.PairTotals, tied: inout (y: Double, xy: Double)) {
        let strata = sets.stratumFirst.count - 1
        let unrolled = distinct >= 1 << 14 && distinct < 1 << 17 && strata * (1 << 17) <= 8 * (sets.end.last ?? 0)
        let size = unrolled ? 1 << 17 : distinct
        let tree = UnsafeMutablePointer<Int32>.allocate(capacity: size + 1)
        let count = UnsafeMutablePointer<Int32>.allocate(capacity: size + 1)
        // Events of the current set met so far per rank (backward walk).
        let same = UnsafeMutablePointer<Int32>.allocate(capacity: forward ? 0 : size + 1)
        if !forward { same.initialize(repeating: 0, count: size + 1) }
        defer { tree.deallocate(); count.deallocate(); same.deallocate() }
        // Rows inserted with a rank below r (1-based).
        @inline(__always) func below(_ r: Int) -> Int32 {
            var s: Int32 = 0
            guard unrolled else {
                var i = r - 1
                while i > 0 { s &+= tree[i]; i &= i - 1 }
                return s
            }
            let m = r - 1
            s &+= tree[m & (-1 << 0)] & -Int32(truncatingIfNeeded: (m >> 0) & 1)
            s &+= tree[m & (-1 << 1)] & -Int32(truncatingIfNeeded: (m >> 1) & 1)
            s &+= tree[m & (-1 << 2)] & -Int32(truncatingIfNeeded: (m >> 2) & 1)
            s &+= tree[m & (-1 << 3)] & -Int32(truncatingIfNeeded: (m >> 3) & 1)
            s &+= tree[m & (-1 << 4)] & -Int32(truncatingIfNeeded: (m >> 4) & 1)
            s &+= tree[m & (-1 << 5)] & -Int32(truncatingIfNeeded: (m >> 5) & 1)
            s &+= tree[m & (-1 << 6)] & -Int32(truncatingIfNeeded: (m >> 6) & 1)
            s &+= tree[m & (-1 << 7)] & -Int32(truncatingIfNeeded: (m >> 7) & 1)
            s &+= tree[m & (-1 << 8)] & -Int32(truncatingIfNeeded: (m >> 8) & 1)
            s &+= tree[m & (-1 << 9)] & -Int32(truncatingIfNeeded: (m >> 9) & 1)
            s &+= tree[m & (-1 << 10)] & -Int32(truncatingIfNeeded: (m >> 10) & 1)
            s &+= tree[m & (-1 << 11)] & -Int32(truncatingIfNeeded: (m >> 11) & 1)
            s &+= tree[m & (-1 << 12)] & -Int32(truncatingIfNeeded: (m >> 12) & 1)
            s &+= tree[m & (-1 << 13)] & -Int32(truncatingIfNeeded: (m >> 13) & 1)
            s &+= tree[m & (-1 << 14)] & -Int32(truncatingIfNeeded: (m >> 14) & 1)
            s &+= tree[m & (-1 << 15)] & -Int32(truncatingIfNeeded: (m >> 15) & 1)
            s &+= tree[m & (-1 << 16)] & -Int32(truncatingIfNeeded: (m >> 16) & 1)
            return s
        }
        @inline(__always) func insert(_ r: Int) {
            count[r] &+= 1
            guard unrolled else {
                var i = r
                while i <= size { tree[i] &+= 1; i += i & -i }
                return
            }
            let m = r - 1
            tree[(m | 0) + 1] &+= Int32(truncatingIfNeeded: (~m >> 0) & 1)
            tree[(m | 1) + 1] &+= Int32(truncatingIfNeeded: (~m >> 1) & 1)
            tree[(m | 3) + 1] &+= Int32(truncatingIfNeeded: (~m >> 2) & 1)
            tree[(m | 7) + 1] &+= Int32(truncatingIfNeeded: (~m >> 3) & 1)
            tree[(m | 15) + 1] &+= Int32(truncatingIfNeeded: (~m >> 4) & 1)
            tree[(m | 31) + 1] &+= Int32(truncatingIfNeeded: (~m >> 5) & 1)
            tree[(m | 63) + 1] &+= Int32(truncatingIfNeeded: (~m >> 6) & 1)
            tree[(m | 127) + 1] &+= Int32(truncatingIfNeeded: (~m >> 7) & 1)
            tree[(m | 255) + 1] &+= Int32(truncatingIfNeeded: (~m >> 8) & 1)
            tree[(m | 511) + 1] &+= Int32(truncatingIfNeeded: (~m >> 9) & 1)
            tree[(m | 1023) + 1] &+= Int32(truncatingIfNeeded: (~m >> 10) & 1)
            tree[(m | 2047) + 1] &+= Int32(truncatingIfNeeded: (~m >> 11) & 1)
            tree[(m | 4095) + 1] &+= Int32(truncatingIfNeeded: (~m >> 12) & 1)
            tree[(m | 8191) + 1] &+= Int32(truncatingIfNeeded: (~m >> 13) & 1)
            tree[(m | 16383) + 1] &+= Int32(truncatingIfNeeded: (~m >> 14) & 1)
            tree[(m | 32767) + 1] &+= Int32(truncatingIfNeeded: (~m >> 15) & 1)
            tree[(m | 65535) + 1] &+= Int32(truncatingIfNeeded: (~m >> 16) & 1)
            tree[1 << 17] &+= 1
        }
        let rk = rank
        var sumC = 0, sumD = 0
        for s in 0..<(sets.stratumFirst.count - 1) {
            let first = sets.stratumFirst[s], last = sets.stratumFirst[s + 1]
            if first == last { continue }
            tree.initialize(repeating: 0, count: size + 1)
            count.initialize(repeating: 0, count: size + 1)
            var inserted: Int32 = 0
            if forward {
                for g in stride(from: last - 1, through: first, by: -1) {
                    let (censored, events) = sets.parts(g)
                    for q in censored { insert(Int(rk[q]) + 1); cOut[q] = 0; dOut[q] = 0 }
                    inserted &+= Int32(truncatingIfNeeded: censored.count)
                    for q in events {
                        let x = Int(rk[q]) + 1, less = below(x)
                        let greater = inserted &- less &- count[x]
                        cOut[q] = greater; dOut[q] = less
                        sumC &+= Int(greater); sumD &+= Int(less)
                    }
                    for q in events { insert(Int(rk[q]) + 1) }
                    inserted &+= Int32(truncatingIfNeeded: events.count)
                }
            } else {
                for g in first..<last {
                    let (censored, events) = sets.parts(g)
                    for q in events {
                        let x = Int(rk[q]) + 1, less = below(x)
                        cOut[q] = less; dOut[q] = inserted &- less &- count[x]
                    }
                    // Events tied in time: pairs with equal scores (each event meets the
                    // set's earlier events of its rank).
                    var sameX = 0
                    for q in events {
                        let x = Int(rk[q]) + 1
                        sameX += Int(same[x])
                        same[x] &+= 1
                        insert(x)
                    }
                    for q in events { same[Int(rk[q]) + 1] = 0 }
                    inserted &+= Int32(truncatingIfNeeded: events.count)
                    for q in censored {
                        let x = Int(rk[q]) + 1, less = below(x)
                        cOut[q] = less; dOut[q] = inserted &- less &- count[x]
                    }
                    if !events.isEmpty {
                        let e = Double(events.count)
                        tied.xy += Double(sameX)
                        tied.y += e * (e - 1) / 2 - Double(sameX)
                    }
                }
            }
        }
        totals.concordant = sumC; totals.discordant = sumD
    }
}
