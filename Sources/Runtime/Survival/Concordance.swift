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
}
