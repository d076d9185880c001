/// The concordance's pairs counted by merges (the method of `Concordance`'s comment).
extension Concordance {
    /// The concordance with the pairs counted by merges (see the type's comment), from the
    /// rows in score order (`order`: sorted positions, `rank` their dense ranks).
    static func mergeResult(order sortedOrder: [UInt32], rank: [Int32], sortedEvent: [Bool], groupEnd: [Int],
                            stratumFirstGroup: [Int], reverse: Bool) -> ConcordanceResult {
        let n = sortedOrder.count
        // Layout (walk order): strata ascending, time descending within a stratum; at one
        // time the censored rows first, then the events, each in sorted order. Per layout
        // position: its run number; per sorted position its layout position; per run: where
        // it ends, whether it holds events; per stratum: its first run.
        var run = [Int32](repeating: 0, count: n)
        var layoutOf = [UInt32](repeating: 0, count: n)
        var runEnd = [Int](), runHoldsEvents = [Bool](), stratumFirstRun = [Int]()
        sortedEvent.withUnsafeBufferPointer { event in
            var out = 0
            for s in 0..<(stratumFirstGroup.count - 1) {
                stratumFirstRun.append(runEnd.count)
                for g in stride(from: stratumFirstGroup[s + 1] - 1, through: stratumFirstGroup[s], by: -1) {
                    let b0 = g == 0 ? 0 : groupEnd[g - 1], b1 = groupEnd[g]
                    for events in [false, true] {
                        let before = out
                        for q in b0..<b1 where event[q] == events {
                            run[out] = Int32(truncatingIfNeeded: runEnd.count)
                            layoutOf[q] = UInt32(truncatingIfNeeded: out)
                            out += 1
                        }
                        if out > before { runEnd.append(out); runHoldsEvents.append(events) }
                    }
                }
            }
            stratumFirstRun.append(runEnd.count)
        }
        // The layout positions in score order (a run's rows keep their order, as with the
        // layout's own keys).
        var order = [UInt32](repeating: 0, count: n)
        order.withUnsafeMutableBufferPointer { o in
            for i in 0..<n { o[i] = layoutOf[Int(sortedOrder[i])] }
        }
        layoutOf = []

        // Comparable partners of each row of a run: the events of the runs after it in its
        // stratum's layout (as the later member) and, for events, the rows of the runs before
        // it (as the earlier member). Their sum over events is the number of comparable pairs.
        var partners = [Int](repeating: 0, count: runEnd.count)
        var comparablePairs = 0
        for s in 0..<(stratumFirstRun.count - 1) {
            let first = stratumFirstRun[s], last = stratumFirstRun[s + 1]
            let stratumStart = first == 0 ? 0 : runEnd[first - 1]
            var eventsAfter = 0
            for r in stride(from: last - 1, through: first, by: -1) {
                let start = r == 0 ? 0 : runEnd[r - 1]
                partners[r] = eventsAfter
                if runHoldsEvents[r] {
                    partners[r] += start - stratumStart
                    comparablePairs += (runEnd[r] - start) * (start - stratumStart)
                    eventsAfter += runEnd[r] - start
                }
            }
        }

        let runs = Runs(end: runEnd, holdsEvents: runHoldsEvents, stratumFirst: stratumFirstRun)
        let counted = mergeCounts(order: order, rank: rank, run: run, runs: runs)
        run = []
        let totals = counted.totals, tiedY = counted.tiedY, tiedXY = counted.tiedXY
        let inflC = counted.c, inflD = counted.d
        var concordant = Double(totals.concordant), discordant = Double(totals.discordant)
        let tiedX = Double(comparablePairs - totals.concordant - totals.discordant)
        var (countC, countD) = (inflC, inflD)
        if reverse {
            swap(&concordant, &discordant)
            swap(&countC, &countD)
        }
        let npair = concordant + discordant + tiedX
        let somers = npair > 0 ? (concordant - discordant) / npair : .nan
        var variance = 0.0
        if npair > 0 {
            for r in runEnd.indices {
                let partnersOfRow = Int32(truncatingIfNeeded: partners[r])
                for k in (r == 0 ? 0 : runEnd[r - 1])..<runEnd[r] {
                    let c = Double(countC[k]), d = Double(countD[k])
                    let t = Double(partnersOfRow &- inflC[k] &- inflD[k])
                    let dfbeta = (c - d) / npair - somers * (c + d + t) / npair
                    variance += dfbeta * dfbeta
                }
            }
            variance /= 4
        }
        return ConcordanceResult(concordance: (somers + 1) / 2, standardError: npair > 0 ? variance.squareRoot() : .nan,
                                 concordant: concordant, discordant: discordant, tiedX: tiedX,
                                 tiedY: tiedY, tiedXY: tiedXY)
    }

    /// The runs of the layout: where each ends, whether it holds events, each stratum's first
    /// run (and one past the last).
    struct Runs {
        let end: [Int]
        let holdsEvents: [Bool]
        let stratumFirst: [Int]
    }

    /// Per layout position the row's concordant and discordant counts (unreversed), the
    /// totals, and the pairs of tied events.
    struct PairCounts {
        var c: [Int32], d: [Int32]
        /// The trees' second walk (added to c and d; empty for the merges).
        var c2: [Int32] = [], d2: [Int32] = []
        var totals: PairTotals
        var tiedY: Double, tiedXY: Double
    }

    /// The pairs counted by merging score-sorted runs (see the type's comment). `order`,
    /// `rank`: the layout positions in score order and their dense ranks; `run[p]`: the run
    /// of position p.
    static func mergeCounts(order: [UInt32], rank: [Int32], run: [Int32], runs: Runs) -> PairCounts {
        let n = order.count
        let runEnd = runs.end, runHoldsEvents = runs.holdsEvents, stratumFirstRun = runs.stratumFirst
        // Two buffers of four n-arrays each: score rank, layout position * 2 + event, and the
        // row's concordant and discordant counts as in the unreversed orientation (integers
        // below 2n, exact in 32 bits). A row's tied_x count is the number of rows it is
        // comparable with minus those two. Allocated once the sort's own arrays are gone, so
        // that they do not add up, and together (with glibc's heap, allocating the second
        // buffer later left a gap that repeated fits did not reuse: peak 1.89 GB instead of
        // 1.73 GB for three Cox fits at 10^7 rows).
        let a: MergeBuffer, b: MergeBuffer
        do {
            // Every run sorted by score: rows taken in score order, each written to the next
            // free place of its run.
            a = MergeBuffer(n)
            b = MergeBuffer(n)
            var cursor = [Int](repeating: 0, count: runEnd.count)
            for r in 1..<max(runEnd.count, 1) { cursor[r] = runEnd[r - 1] }
            cursor.withUnsafeMutableBufferPointer { cur in
                run.withUnsafeBufferPointer { runOf in
                    for i in 0..<n {
                        let p = Int(order[i])
                        let r = Int(runOf[p])
                        let at = cur[r]
                        cur[r] = at + 1
                        a.rank[at] = rank[i]
                        a.tag[at] = UInt32(truncatingIfNeeded: p) << 1 | (runHoldsEvents[r] ? 1 : 0)
                    }
                }
            }
            a.c.initialize(repeating: 0, count: n)
            a.d.initialize(repeating: 0, count: n)
        }

        defer { a.deallocate(); b.deallocate() }

        // Events tied in time: pairs with equal scores are adjacent in their sorted run.
        var tiedY = 0.0, tiedXY = 0.0
        for r in runEnd.indices where runHoldsEvents[r] {
            let start = r == 0 ? 0 : runEnd[r - 1], end = runEnd[r]
            var sameX = 0
            var i = start
            while i < end {
                var j = i + 1
                while j < end && a.rank[j] == a.rank[i] { j += 1 }
                sameX += (j - i) * (j - i - 1) / 2
                i = j
            }
            let d = Double(end - start)
            tiedXY += Double(sameX)
            tiedY += d * (d - 1) / 2 - Double(sameX)
        }

        // Merge the runs of each stratum, level by level; the merged stratum ends in `a`.
        var totals = PairTotals()
        for s in 0..<(stratumFirstRun.count - 1) {
            let first = stratumFirstRun[s], last = stratumFirstRun[s + 1]
            if first == last { continue }
            var bounds = [first == 0 ? 0 : runEnd[first - 1]] + runEnd[first..<last]
            var events = (first..<last).map { runHoldsEvents[$0] ? runEnd[$0] - (($0 == 0) ? 0 : runEnd[$0 - 1]) : 0 }
            var src = a, dst = b
            while events.count > 1 {
                var nextBounds = [bounds[0]], nextEvents = [Int]()
                nextBounds.reserveCapacity(events.count / 2 + 2)
                // Merge m joins runs 2m and 2m + 1. The merges of a level touch disjoint ranges,
                // and what they add up are integer counts, so with two or more of them on many
                // rows they are shared by two threads (the first `split` and the rest, about
                // half the rows each): the same counts as one after another.
                let merges = events.count / 2
                var split = merges
                if merges >= 2 && bounds[2 * merges] - bounds[0] >= 1 << 16 {
                    let half = (bounds[0] + bounds[2 * merges]) / 2
                    split = 1
                    while split < merges - 1 && bounds[2 * split] < half { split += 1 }
                }
                var part = [PairTotals(), PairTotals()]
                part.withUnsafeMutableBufferPointer { part in
                    CSVReader.concurrently(split < merges ? 2 : 1) { t in
                        for m in (t == 0 ? 0..<split : split..<merges) {
                            let k = 2 * m
                            merge(src, into: dst, left: bounds[k], middle: bounds[k + 1], end: bounds[k + 2],
                                  eventsRight: events[k + 1], totals: &part[t])
                        }
                    }
                }
                totals.concordant += part[0].concordant + part[1].concordant
                totals.discordant += part[0].discordant + part[1].discordant
                var k = 0
                while k + 1 < events.count {
                    nextBounds.append(bounds[k + 2]); nextEvents.append(events[k] + events[k + 1])
                    k += 2
                }
                if k < events.count {
                    dst.copy(from: src, bounds[k]..<bounds[k + 1])
                    nextBounds.append(bounds[k + 1]); nextEvents.append(events[k])
                }
                bounds = nextBounds; events = nextEvents
                swap(&src, &dst)
            }
            if src.storage != a.storage { a.copy(from: src, bounds[0]..<bounds[1]) }
        }

        // Per-row counts back in layout order.
        var inflC = [Int32](repeating: 0, count: n), inflD = [Int32](repeating: 0, count: n)
        for q in 0..<n {
            let p = Int(a.tag[q] >> 1)
            inflC[p] = a.c[q]; inflD[p] = a.d[q]
        }
        return PairCounts(c: inflC, d: inflD, totals: totals, tiedY: tiedY, tiedXY: tiedXY)
    }

    /// Pair totals over the merges, as in the unreversed orientation.
    struct PairTotals {
        var concordant = 0, discordant = 0
    }

    /// Merges the score-sorted ranges left..<middle (L) and middle..<end (R) of `s` into the
    /// same range of `o`, adding to each row its pairs with the other side: an event of R
    /// against every row of L (concordant with the rows above its score, discordant with
    /// those below), a row of L against every event of R (concordant with the events below
    /// its score, discordant with those above). `eventsRight` is the number of events in R.
    @inline(__always)
    static func merge(_ s: MergeBuffer, into o: MergeBuffer, left: Int, middle: Int, end: Int,
                      eventsRight: Int, totals: inout PairTotals) {
        let sRank = s.rank, sTag = s.tag, sC = s.c, sD = s.d
        let oRank = o.rank, oTag = o.tag, oC = o.c, oD = o.d
        var i = left, j = middle, w = left
        // Rows of L and events of R already written (all with a smaller score than what is left).
        var lessL: Int32 = 0, lessR: Int32 = 0
        let nL = Int32(truncatingIfNeeded: middle - left), eR = Int32(truncatingIfNeeded: eventsRight)
        var sumC = 0, sumD = 0
        while i < middle && j < end {
            let ri = sRank[i], rj = sRank[j]
            if ri != rj {
                // One row out, chosen without a branch (the comparison is a coin toss for the
                // branch predictor): m = -1 takes L's row (lower score), m = 0 R's. Ranks are
                // below 2^30, so the difference does not overflow.
                let m = (ri &- rj) >> 31
                let from = j &+ ((i &- j) & Int(m))
                let tag = sTag[from]
                let eventR = Int32(truncatingIfNeeded: tag & 1) & (m &+ 1)
                let addCR = (nL &- lessL) & -eventR, addDR = lessL & -eventR
                oRank[w] = rj &+ ((ri &- rj) & m); oTag[w] = tag
                oC[w] = sC[from] &+ (lessR & m) &+ addCR
                oD[w] = sD[from] &+ ((eR &- lessR) & m) &+ addDR
                sumC &+= Int(addCR); sumD &+= Int(addDR)
                lessL &-= m; lessR &+= eventR
                i &-= Int(m); j &+= Int(m &+ 1); w &+= 1
            } else {
                // Equal scores on both sides (tied_x pairs, counted neither way).
                var i2 = i + 1
                while i2 < middle && sRank[i2] == ri { i2 += 1 }
                var j2 = j, equalR: Int32 = 0
                while j2 < end && sRank[j2] == ri { equalR &+= Int32(truncatingIfNeeded: sTag[j2] & 1); j2 += 1 }
                let equalL = Int32(truncatingIfNeeded: i2 - i)
                for k in i..<i2 {
                    oRank[w] = ri; oTag[w] = sTag[k]
                    oC[w] = sC[k] &+ lessR; oD[w] = sD[k] &+ (eR &- lessR &- equalR)
                    w += 1
                }
                for k in j..<j2 {
                    let tag = sTag[k]
                    oRank[w] = ri; oTag[w] = tag
                    if tag & 1 != 0 {
                        let greater = nL &- lessL &- equalL
                        oC[w] = sC[k] &+ greater; oD[w] = sD[k] &+ lessL
                        sumC += Int(greater); sumD += Int(lessL)
                    } else {
                        oC[w] = sC[k]; oD[w] = sD[k]
                    }
                    w += 1
                }
                lessL &+= equalL; lessR &+= equalR
                i = i2; j = j2
            }
        }
        // One side is used up: the rest of L is above every event of R, the rest of R above
        // every row of L.
        while i < middle {
            oRank[w] = sRank[i]; oTag[w] = sTag[i]; oC[w] = sC[i] &+ eR; oD[w] = sD[i]
            i += 1; w += 1
        }
        while j < end {
            let tag = sTag[j], eventR = Int32(truncatingIfNeeded: tag & 1)
            oRank[w] = sRank[j]; oTag[w] = tag; oC[w] = sC[j]; oD[w] = sD[j] &+ (nL & -eventR)
            sumD += Int(nL & -eventR)
            j += 1; w += 1
        }
        totals.concordant += sumC; totals.discordant += sumD
    }
}

/// One side of the merge: per place, the score rank, the layout position * 2 + event, and
/// the row's concordant and discordant counts so far (unreversed).
struct MergeBuffer {
    let rank: UnsafeMutablePointer<Int32>
    let tag: UnsafeMutablePointer<UInt32>
    let c: UnsafeMutablePointer<Int32>
    let d: UnsafeMutablePointer<Int32>
    let storage: UnsafeMutablePointer<Int32>

    init(_ n: Int) {
        // One block, so that it is one allocation.
        storage = .allocate(capacity: max(4 * n, 1))
        rank = storage
        tag = UnsafeMutableRawPointer(storage + n).bindMemory(to: UInt32.self, capacity: n)
        c = storage + 2 * n; d = storage + 3 * n
    }

    func deallocate() { storage.deallocate() }

    func copy(from s: MergeBuffer, _ range: Range<Int>) {
        let k = range.count, at = range.lowerBound
        if k == 0 { return }
        (rank + at).update(from: s.rank + at, count: k)
        (tag + at).update(from: s.tag + at, count: k)
        (c + at).update(from: s.c + at, count: k)
        (d + at).update(from: s.d + at, count: k)
    }
}
