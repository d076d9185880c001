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
/// Counting is O(n log n): walking time backwards, a Fenwick tree over the ranks of x holds
/// everyone at risk after the current time (for the event member of each pair), and a
/// second tree holds the events met so far; a row's counts as the later member of pairs
/// are the second tree's contents when the walk ends minus its contents when the row
/// entered the risk set.
public enum Concordance {

    public static func compute(time: [Double], event: [Bool], score: [Double], strata: [Int]? = nil,
                               reverse: Bool = false) -> ConcordanceResult {
        let n = time.count
        // Dense ranks of the scores, 1-based: one stable sort by score.
        let byScore = score.withUnsafeBufferPointer { x in RowOrder.stableSorted(Array(0..<n)) { RowOrder.key(x[$0]) } }
        var rank = [Int](repeating: 0, count: n)
        var size = 0
        for k in 0..<n {
            if k == 0 || score[byScore[k]] != score[byScore[k - 1]] { size += 1 }
            rank[byScore[k]] = size
        }

        // Walk order: descending time within stratum; censored before events at equal times;
        // then input order. (Censored rows first, then a stable sort by time and stratum.)
        var start = [Int]()
        start.reserveCapacity(n)
        for i in 0..<n where !event[i] { start.append(i) }
        for i in 0..<n where event[i] { start.append(i) }
        let order = RowOrder.byStratumAndTime(time: time, strata: strata, rows: start, descending: true)
        // The walk reads these in sorted position; per-row counts are kept by position too
        // (the variance sums over rows, so their order does not matter).
        var rk = [Int](repeating: 0, count: n), ev = [Bool](repeating: false, count: n)
        var tm = [Double](repeating: 0, count: n), st = [Int](repeating: 0, count: n)
        for pos in 0..<n {
            let i = order[pos]
            rk[pos] = rank[i]; ev[pos] = event[i]; tm[pos] = time[i]
            if let strata { st[pos] = strata[i] }
        }

        // Per-position counts as in the unreversed orientation: [concordant, discordant, tiedX].
        var inflC = [Double](repeating: 0, count: n)
        var inflD = [Double](repeating: 0, count: n)
        var inflT = [Double](repeating: 0, count: n)
        var concordant = 0.0, discordant = 0.0, tiedX = 0.0, tiedY = 0.0, tiedXY = 0.0

        let atRisk = CountTree(size)
        let events = CountTree(size)
        // Positions already in the risk tree of the current stratum (for the end-of-stratum
        // readout): the stratum's positions from `stratumStart` to the walk's position.
        var stratumStart = 0
        // Scratch counts of equal ranks within one tied set of events.
        var sameRank = [Int](repeating: 0, count: size + 1)

        func finishStratum(upTo end: Int) {
            for j in stratumStart..<end {
                let (less, equal, greater) = events.split(rk[j])
                inflC[j] += Double(less); inflD[j] += Double(greater); inflT[j] += Double(equal)
            }
            stratumStart = end
            atRisk.reset()
            events.reset()
        }

        @inline(__always) func enter(_ j: Int) {
            // Remove the events already met: only later events pair with j as the later member.
            let (less, equal, greater) = events.split(rk[j])
            inflC[j] -= Double(less); inflD[j] -= Double(greater); inflT[j] -= Double(equal)
            atRisk.add(rk[j])
        }

        var pos = 0
        while pos < n {
            if pos > 0 && st[pos - 1] != st[pos] { finishStratum(upTo: pos) }
            if !ev[pos] {
                enter(pos)
                pos += 1
                continue
            }
            // All events tied at this time in this stratum.
            var end = pos
            while end < n && st[end] == st[pos] && tm[end] == tm[pos] && ev[end] { end += 1 }
            // Pairs with the risk set (everyone strictly later, and censored at this time).
            var sameX = 0
            for i in pos..<end {
                let (less, equal, greater) = atRisk.split(rk[i])
                concordant += Double(greater); discordant += Double(less); tiedX += Double(equal)
                inflC[i] += Double(greater); inflD[i] += Double(less); inflT[i] += Double(equal)
                // Event pairs tied in time: count those with the same score.
                sameX += sameRank[rk[i]]
                sameRank[rk[i]] += 1
            }
            for i in pos..<end { sameRank[rk[i]] = 0 }
            let d = Double(end - pos)
            tiedXY += Double(sameX)
            tiedY += d * (d - 1) / 2 - Double(sameX)
            for i in pos..<end { events.add(rk[i]) }
            for i in pos..<end { enter(i) }
            pos = end
        }
        finishStratum(upTo: n)

        if reverse {
            swap(&concordant, &discordant)
            swap(&inflC, &inflD)
        }
        let npair = concordant + discordant + tiedX
        let somers = npair > 0 ? (concordant - discordant) / npair : .nan
        var variance = 0.0
        if npair > 0 {
            for k in 0..<n {
                let dfbeta = (inflC[k] - inflD[k]) / npair - somers * (inflC[k] + inflD[k] + inflT[k]) / npair
                variance += dfbeta * dfbeta
            }
            variance /= 4
        }
        return ConcordanceResult(concordance: (somers + 1) / 2, standardError: npair > 0 ? variance.squareRoot() : .nan,
                                 concordant: concordant, discordant: discordant, tiedX: tiedX,
                                 tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// Binary indexed tree (Fenwick 1994) of counts over ranks 1...size, with the count at
/// each rank kept beside it, so that below / equal / above a rank is one prefix query.
/// Raw storage: this sits in the innermost loop of the concordance walk.
final class CountTree {
    let size: Int
    private let tree: UnsafeMutablePointer<Int>
    private let counts: UnsafeMutablePointer<Int>
    private(set) var total = 0

    init(_ size: Int) {
        self.size = size
        tree = .allocate(capacity: size + 1)
        tree.initialize(repeating: 0, count: size + 1)
        counts = .allocate(capacity: size + 1)
        counts.initialize(repeating: 0, count: size + 1)
    }

    deinit {
        tree.deallocate()
        counts.deallocate()
    }

    func reset() {
        tree.update(repeating: 0, count: size + 1)
        counts.update(repeating: 0, count: size + 1)
        total = 0
    }

    @inline(__always)
    func add(_ rank: Int) {
        total += 1
        counts[rank] += 1
        var i = rank
        while i <= size { tree[i] += 1; i += i & -i }
    }

    /// Counts below, equal to and above `rank`.
    @inline(__always)
    func split(_ rank: Int) -> (less: Int, equal: Int, greater: Int) {
        var below = 0
        var i = rank - 1
        while i > 0 { below += tree[i]; i -= i & -i }
        let equal = counts[rank]
        return (below, equal, total - below - equal)
    }
}
