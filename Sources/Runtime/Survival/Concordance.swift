/// Harrell's concordance between a survival outcome and a score, as `coxph` reports it
/// (survival's `concordancefit` with timewt = "n" and unit case weights).
public struct ConcordanceResult: Sendable, Equatable {
    /// (concordant + tied_x / 2) / (concordant + discordant + tied_x).
    public var concordance: Double
    /// Infinitesimal-jackknife standard error.
    public var standardError: Double
    public var concordant: Double
    public var discordant: Double
    /// Comparable pairs tied on the score only.
    public var tiedX: Double
    /// Pairs of events at the same time with different scores.
    public var tiedY: Double
    /// Pairs of events at the same time with equal scores.
    public var tiedXY: Double
}

/// Inputs: time, event, a score per row (for a Cox model the linear predictor), optional
/// strata (pairs are only formed within a stratum), and `reverse` (true for risk scores,
/// where a higher score should mean a shorter time).
///
/// Pairs: (i, j) is comparable when i has an event at t_i and j, in the same stratum, has
/// t_j > t_i, or t_j = t_i and j is censored (censored at t counts as surviving past t).
/// With reverse = false it is concordant when x_j > x_i, discordant when x_j < x_i, tied_x
/// when equal; reverse swaps concordant and discordant. Events tied in time are not
/// comparable; they are counted as tied_y (different x) or tied_xy (same x).
///
/// C = (concordant + tied_x / 2) / (concordant + discordant + tied_x).
///
/// Standard error (survival's concordancefit, Therneau's noweb "concordance"): the
/// infinitesimal jackknife. With npair = C + D + T, Somers' d = (C - D) / npair and, for
/// each row k, C_k, D_k, T_k the numbers of concordant, discordant and tied_x pairs that
/// row k belongs to (as either member),
///   dfbeta_k = (C_k - D_k) / npair - d (C_k + D_k + T_k) / npair,
///   var(C) = sum_k dfbeta_k^2 / 4.
///
/// Counting is O(n log n) by merge sort on the score, as Knight (1966, "A computer method
/// for calculating Kendall's tau with ungrouped data", JASA 61) counts discordant pairs,
/// here with censoring, ties and per-row counts. Within a stratum the rows are laid out
/// in walk order: time descending; at one time the censored rows, then the events. A run
/// is the censored rows or the events of one time: every row of a run is comparable with
/// every event of a later run in the layout (an earlier time, or the same time when the
/// row is censored), and no two rows of one run are (tied events; censored rows are
/// never the event member). Each run is first sorted by score (one radix sort of the
/// scores, rows then dealt to their runs in score order), then adjacent runs are merged
/// level by level, as in a bottom-up merge sort. When run L (earlier in the layout) meets
/// run R, every comparable pair with one member in each is met exactly once: each event
/// of R is the earlier member against all of L (concordant unreversed when the L row has
/// the higher score), each row of L the later member against the events of R, and the
/// numbers below, equal to and above a score on the other side are counters of the merge.
/// The per-row counts travel with the rows through the merge and are put back in layout
/// order at the end (the variance is summed in that order). Tied events with equal scores
/// are adjacent once their run is sorted, which gives tied_xy. Every pass reads and
/// writes flat arrays in order (no table indexed by score, whose random reads miss the
/// caches once there are millions of rows).
/// When the scores have few distinct values (a model of a few factors and rounded
/// covariates) the same counts come from two walks over the layout with counting trees
/// instead (`treeCounts`), which touch each row twice rather than once per merge level.
public enum Concordance {

    public static func compute(time: [Double], event: [Bool], score: [Double], strata: [Int]? = nil,
                               reverse: Bool = false) -> ConcordanceResult {
        compute(time: time, event: event, score: score, strata: strata, reverse: reverse, method: nil)
    }

    /// How the pairs are counted: by merging score-sorted runs, or with counting trees
    /// (see `treeCounts`); nil: the trees when the scores have few distinct values.
    enum Method { case merge, tree }

    /// Ranks up to this many distinct scores are counted with trees (two arrays of this
    /// many 32-bit counts per tree stay in a core's cache).
    static let treeLimit = 1 << 18

    static func compute(time: [Double], event: [Bool], score: [Double], strata: [Int]?,
                        reverse: Bool, method: Method?) -> ConcordanceResult {
        let order = RowOrder.byStratumAndTime(time: time, strata: strata)
        return score.withUnsafeBufferPointer { x in
            compute(sortedTime: order.map { time[$0] }, sortedEvent: order.map { event[$0] },
                    sortedStratum: strata.map { s in order.map { s[$0] } },
                    score: { x[order[$0]] }, reverse: reverse, method: method)
        }
    }

    /// The same, for rows already ordered by (stratum, time) ascending with ties in input
    /// order (a Cox fit's risk-set order), so that no sort by time is repeated. `score(q)`
    /// is the score of the row at sorted position q.
    static func compute(sortedTime: [Double], sortedEvent: [Bool], sortedStratum: [Int]?,
                        score: (Int) -> Double, reverse: Bool, method: Method? = nil) -> ConcordanceResult {
        let n = sortedTime.count
        precondition(n < Int(Int32.max) / 2, "too many rows for 32-bit pair counts")
        // Tied sets in sorted order: where each ends, its censored rows, and each stratum's
        // first set (one past the last stratum's last).
        var groupEnd = [Int](), censoredIn = [Int](), stratumFirstGroup = [Int]()
        sortedTime.withUnsafeBufferPointer { time in
            sortedEvent.withUnsafeBufferPointer { event in
                var q = 0
                while q < n {
                    if q == 0 || (sortedStratum.map { $0[q] != $0[q - 1] } ?? false) { stratumFirstGroup.append(groupEnd.count) }
                    var e = q + 1
                    if let sortedStratum {
                        while e < n && time[e] == time[q] && sortedStratum[e] == sortedStratum[q] { e += 1 }
                    } else {
                        while e < n && time[e] == time[q] { e += 1 }
                    }
                    var censored = 0
                    for k in q..<e { censored += event[k] ? 0 : 1 }
                    groupEnd.append(e); censoredIn.append(censored)
                    q = e
                }
            }
        }
        stratumFirstGroup.append(groupEnd.count)
        let sets = TiedSets(end: groupEnd, firstIn: censoredIn, eventsFirst: false, stratumFirst: stratumFirstGroup)
        // The trees: the scores' keys with each tied set's censored rows first, then its
        // events (each in sorted order, as in the layout).
        let (fewDistinct, expected) = sampleDistinct(n) { RowOrder.key(score($0)) }
        if method != .merge && (method == .tree || fewDistinct) {
            var keys = [UInt64](repeating: 0, count: n)
            keys.withUnsafeMutableBufferPointer { k in
                sortedEvent.withUnsafeBufferPointer { event in
                    var lo = 0
                    for g in groupEnd.indices {
                        // The next place of a censored row and of an event (no branch on it).
                        var nextCensored = lo, nextEvent = lo + censoredIn[g]
                        for q in lo..<groupEnd[g] {
                            let isEvent = event[q] ? 1 : 0
                            let at = isEvent == 1 ? nextEvent : nextCensored
                            k[at] = RowOrder.key(score(q))
                            nextEvent += isEvent
                            nextCensored += 1 - isEvent
                        }
                        lo = groupEnd[g]
                    }
                }
            }
            if let r = treeResult(keys: keys, sets: sets, expected: expected, reverse: reverse, anyCount: method == .tree) {
                return r
            }
        }
        // The merges: the rows in score order (a radix sort of the keys in sorted order).
        var keys = [UInt64](repeating: 0, count: n)
        keys.withUnsafeMutableBufferPointer { k in for q in 0..<n { k[q] = RowOrder.key(score(q)) } }
        let (order, rank, _) = RowOrder.rankOrder(keys: keys)
        keys = []
        return mergeResult(order: order, rank: rank, sortedEvent: sortedEvent, groupEnd: groupEnd,
                           stratumFirstGroup: stratumFirstGroup, reverse: reverse)
    }

    /// Rows in tied sets (same stratum and time): set g is rows end[g - 1]..<end[g], its
    /// `firstIn[g]` first rows its censored rows and the rest its events, or with
    /// `eventsFirst` its events first and then its censored rows (each part in sorted
    /// order); sets in order of stratum, then time ascending; `stratumFirst[s]` the first set
    /// of stratum s (one past the last set at the end).
    struct TiedSets {
        let end: [Int]
        let firstIn: [Int]
        let eventsFirst: Bool
        let stratumFirst: [Int]

        /// Set g's censored rows and events.
        @inline(__always)
        func parts(_ g: Int) -> (censored: Range<Int>, events: Range<Int>) {
            let lo = g == 0 ? 0 : end[g - 1], split = lo + firstIn[g], hi = end[g]
            return eventsFirst ? (split..<hi, lo..<split) : (lo..<split, split..<hi)
        }
    }

    /// Whether there are likely few distinct scores (at most `treeLimit`), and about how many
    /// (for the hash tables' size). On many rows judged from the first 4096: not few when
    /// they have as many distinct scores as m drawn from `treeLimit` equally likely values
    /// would (about m - m^2 / (2 treeLimit)); the guess D from m - m^2 / (2 D) distinct.
    static func sampleDistinct(_ n: Int, key: (Int) -> UInt64) -> (few: Bool, expected: Int) {
        guard n > treeLimit else { return (true, 0) }
        let sample = 4096
        var sampled = KeyTable()
        defer { sampled.deallocate() }
        for q in 0..<sample { _ = sampled.id(key(q)) }
        return (sampled.count < sample - sample * sample / (2 * treeLimit),
                min(2 * sample * sample / (2 * max(sample - sampled.count, 1)), treeLimit))
    }

    /// The concordance counted with the trees from the scores' keys laid out as `sets`, when
    /// the keys have at most `treeLimit` distinct values (any number with `anyCount`) and the
    /// trees, cleared per stratum, cost less than merges; nil otherwise.
    static func treeResult(keys: [UInt64], sets: TiedSets, expected: Int, reverse: Bool,
                           anyCount: Bool = false) -> ConcordanceResult? {
        let n = keys.count
        let ranked = keys.withUnsafeBufferPointer { k in
            RowOrder.denseKeyRanks(count: n, limit: anyCount ? n : treeLimit, expected: expected) { k[$0] }
        }
        // The trees are cleared per stratum: with many strata the merges are cheaper.
        let strataCount = sets.stratumFirst.count - 1
        guard let ranked, anyCount || ranked.first.count * strataCount <= max(4 * n, 1 << 16) else { return nil }
        let counted = treeCounts(rank: ranked.rank, distinct: ranked.first.count, sets: sets)
        return result(counted, sets: sets, reverse: reverse)
    }

    /// Harrell's concordance for a Cox fit kept as level rows (`LevelRows`): the scores in
    /// input order, each written to its level row (`slot`: events first within each tied
    /// set, each part in sorted order), the tied sets and their events, and where each
    /// stratum ends (`lastInStratum`), from the fit's risk sets; nil when the scores have too
    /// many distinct values for the trees (then `compute(sortedTime:...)` merges).
    static func compute(scores: [Double], slot: [UInt32], groups: [Range<Int>], groupEvents: [Int32],
                        lastInStratum: [Bool], reverse: Bool) -> ConcordanceResult? {
        let n = scores.count
        precondition(n < Int(Int32.max) / 2, "too many rows for 32-bit pair counts")
        let (fewDistinct, expected) = sampleDistinct(n) { RowOrder.key(scores[$0]) }
        guard fewDistinct else { return nil }
        var stratumFirst = [0]
        for g in groups.indices where lastInStratum[g] { stratumFirst.append(g + 1) }
        let sets = TiedSets(end: groups.map(\.upperBound), firstIn: groupEvents.map { Int($0) }, eventsFirst: true,
                            stratumFirst: stratumFirst)
        let threads = n >= 1 << 16 ? 2 : 1
        let keys = [UInt64](unsafeUninitializedCapacity: n) { k, count in
            scores.withUnsafeBufferPointer { x in
                slot.withUnsafeBufferPointer { at in
                    CSVReader.concurrently(threads) { t in
                        for i in threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) {
                            k[Int(at[i])] = RowOrder.key(x[i])
                        }
                    }
                }
            }
            count = n
        }
        return treeResult(keys: keys, sets: sets, expected: expected, reverse: reverse)
    }

    /// The concordance from the counts per row of `treeCounts` (rows laid out as `sets`):
    /// comparable partners, totals, and the variance summed in the layout's order (strata
    /// ascending, time descending; at one time the censored rows, then the events).
    static func result(_ counted: PairCounts, sets: TiedSets, reverse: Bool) -> ConcordanceResult {
        let groupEnd = sets.end, stratumFirstGroup = sets.stratumFirst
        // Comparable partners of a row of tied set g: as the later member the events of the
        // earlier sets of its stratum (and of g itself when censored); as an event the rows of
        // the later sets (and the censored rows of g). Their sum over events is the number of
        // comparable pairs.
        let groups = groupEnd.count
        var partnersCensored = [Int](repeating: 0, count: groups), partnersEvent = [Int](repeating: 0, count: groups)
        var comparablePairs = 0
        for s in 0..<(stratumFirstGroup.count - 1) {
            let first = stratumFirstGroup[s], last = stratumFirstGroup[s + 1]
            let stratumEnd = groupEnd[last - 1]
            var eventsBefore = 0
            for g in first..<last {
                let (censoredRows, eventRows) = sets.parts(g)
                let censored = censoredRows.count, e = eventRows.count, later = stratumEnd - groupEnd[g]
                partnersCensored[g] = eventsBefore + e
                partnersEvent[g] = eventsBefore + later + censored
                comparablePairs += e * (later + censored)
                eventsBefore += e
            }
        }
        let totals = counted.totals
        var concordant = Double(totals.concordant), discordant = Double(totals.discordant)
        let tiedX = Double(comparablePairs - totals.concordant - totals.discordant)
        // Per row: its counts as the earlier and as the later member.
        var (c1, d1, c2, d2) = (counted.c, counted.d, counted.c2, counted.d2)
        if reverse {
            swap(&concordant, &discordant)
            swap(&c1, &d1)
            swap(&c2, &d2)
        }
        let npair = concordant + discordant + tiedX
        let somers = npair > 0 ? (concordant - discordant) / npair : .nan
        var variance = 0.0
        if npair > 0 {
            c1.withUnsafeBufferPointer { c1 in
            d1.withUnsafeBufferPointer { d1 in
            c2.withUnsafeBufferPointer { c2 in
            d2.withUnsafeBufferPointer { d2 in
                func add(_ rows: Range<Int>, partners: Int) {
                    let partnersOfRow = Int32(truncatingIfNeeded: partners)
                    for k in rows {
                        let countC = c1[k] &+ c2[k], countD = d1[k] &+ d2[k]
                        let c = Double(countC), d = Double(countD)
                        let t = Double(partnersOfRow &- countC &- countD)
                        let dfbeta = (c - d) / npair - somers * (c + d + t) / npair
                        variance += dfbeta * dfbeta
                    }
                }
                for s in 0..<(stratumFirstGroup.count - 1) {
                    for g in stride(from: stratumFirstGroup[s + 1] - 1, through: stratumFirstGroup[s], by: -1) {
                        let (censoredRows, eventRows) = sets.parts(g)
                        add(censoredRows, partners: partnersCensored[g])
                        add(eventRows, partners: partnersEvent[g])
                    }
                }
            }
            }
            }
            }
            variance /= 4
        }
        return ConcordanceResult(concordance: (somers + 1) / 2, standardError: npair > 0 ? variance.squareRoot() : .nan,
                                 concordant: concordant, discordant: discordant, tiedX: tiedX,
                                 tiedY: counted.tiedY, tiedXY: counted.tiedXY)
    }

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
