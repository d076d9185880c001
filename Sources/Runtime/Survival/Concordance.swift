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
        let s = strata ?? [Int](repeating: 0, count: n)
        // Ranks of the distinct scores, 1-based.
        let distinct = Array(Set(score)).sorted()
        var rankOf: [Double: Int] = [:]
        for (k, v) in distinct.enumerated() { rankOf[v] = k + 1 }
        let rank = score.map { rankOf[$0]! }
        let size = distinct.count

        // Per-row counts as in the unreversed orientation: [concordant, discordant, tiedX].
        var inflC = [Double](repeating: 0, count: n)
        var inflD = [Double](repeating: 0, count: n)
        var inflT = [Double](repeating: 0, count: n)
        var concordant = 0.0, discordant = 0.0, tiedX = 0.0, tiedY = 0.0, tiedXY = 0.0

        // Descending time within stratum; censored before events at equal times.
        let order = (0..<n).sorted { a, b in
            if s[a] != s[b] { return s[a] < s[b] }
            if time[a] != time[b] { return time[a] > time[b] }
            if event[a] != event[b] { return !event[a] }
            return a < b
        }
        var atRisk = Fenwick(size)
        var events = Fenwick(size)
        // Rows already in the risk tree of the current stratum (for the end-of-stratum readout).
        var members: [Int] = []

        func finishStratum() {
            for j in members {
                let (less, equal, greater) = events.split(rank[j])
                inflC[j] += less; inflD[j] += greater; inflT[j] += equal
            }
            // Empty both trees in O(members log n) rather than reallocating them.
            for j in members {
                atRisk.add(rank[j], -1)
                if event[j] { events.add(rank[j], -1) }
            }
            members.removeAll(keepingCapacity: true)
        }

        func enter(_ j: Int) {
            // Remove the events already met: only later events pair with j as the later member.
            let (less, equal, greater) = events.split(rank[j])
            inflC[j] -= less; inflD[j] -= greater; inflT[j] -= equal
            atRisk.add(rank[j], 1)
            members.append(j)
        }

        var pos = 0
        while pos < n {
            let i0 = order[pos]
            if pos > 0 && s[order[pos - 1]] != s[i0] { finishStratum() }
            if !event[i0] {
                enter(i0)
                pos += 1
                continue
            }
            // All events tied at this time in this stratum.
            var end = pos
            while end < n && s[order[end]] == s[i0] && time[order[end]] == time[i0] && event[order[end]] { end += 1 }
            let tied = Array(order[pos..<end])
            // Pairs with the risk set (everyone strictly later, and censored at this time).
            for i in tied {
                let (less, equal, greater) = atRisk.split(rank[i])
                concordant += greater; discordant += less; tiedX += equal
                inflC[i] += greater; inflD[i] += less; inflT[i] += equal
            }
            // Event pairs tied in time.
            var byRank: [Int: Int] = [:]
            for i in tied { byRank[rank[i], default: 0] += 1 }
            let d = Double(tied.count)
            var sameX = 0.0
            for (_, c) in byRank { sameX += Double(c * (c - 1) / 2) }
            tiedXY += sameX
            tiedY += d * (d - 1) / 2 - sameX
            for i in tied { events.add(rank[i], 1) }
            for i in tied { enter(i) }
            pos = end
        }
        finishStratum()

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

/// Binary indexed tree of counts over ranks 1...size.
struct Fenwick {
    private var tree: [Double]
    private(set) var total = 0.0

    init(_ size: Int) { tree = [Double](repeating: 0, count: size + 1) }

    mutating func add(_ rank: Int, _ w: Double) {
        total += w
        var i = rank
        while i < tree.count { tree[i] += w; i += i & -i }
    }

    /// Sum over ranks 1...rank.
    func prefix(_ rank: Int) -> Double {
        var s = 0.0
        var i = rank
        while i > 0 { s += tree[i]; i -= i & -i }
        return s
    }

    /// Counts below, equal to and above `rank`.
    func split(_ rank: Int) -> (less: Double, equal: Double, greater: Double) {
        let below = prefix(rank - 1)
        let upTo = prefix(rank)
        return (below, upTo - below, total - upTo)
    }
}
