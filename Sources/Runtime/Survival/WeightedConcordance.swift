/// Harrell's concordance with case weights, (start, stop] rows and clusters, as survival
/// 3.5-3's `concordancefit` reports it for `coxph` (timewt = "n"; its C routines
/// concordance3 and concordance4). `Concordance` is the unweighted right-censored case.
///
/// Pairs (Therneau & Grambsch 2000, section 3.6; Therneau & Atkinson, "Concordance", survival
/// vignette): an event of row i at t is compared with every row j at risk at t and not failing
/// at t (start_j < t <= stop_j; a row censored at t counts as at risk), with weight w_i w_j:
/// concordant when x_j > x_i, discordant when x_j < x_i, tied_x when equal (reverse swaps
/// concordant and discordant). Events at the same time are tied_y (different x) or tied_xy.
///   C = (concordant + tied_x / 2) / (concordant + discordant + tied_x)
/// Standard error, infinitesimal jackknife: with npair = concordant + discordant + tied_x,
/// Somers' d = (concordant - discordant) / npair and, for each row k, c_k, d_k, t_k the
/// weight of its concordant, discordant and tied_x partners,
///   dfbeta_k = w_k ((c_k - d_k) / npair - d (c_k + d_k + t_k) / npair),
/// summed within clusters, var(C) = sum dfbeta^2 / 4.
///
/// Algorithm: per stratum, rows walked by time descending (censored before events at a
/// time); two Fenwick trees over the ranks of x hold the weights of the rows at risk and of
/// the events so far. An event reads the at-risk tree (its partners now); a row's partner
/// counts as the later member are the event weights that arrive while it is at risk: the
/// event tree read when it enters (at its stop) subtracted from the one read when it leaves
/// (at its start, or the end). O(n log n).
public enum WeightedConcordance {

    public static func compute(start: [Double]?, stop: [Double], event: [Bool], score: [Double], weights: [Double]?,
                               strata: [Int]?, cluster: [Int]?, reverse: Bool) -> ConcordanceResult {
        let n = stop.count
        var concordant = 0.0, discordant = 0.0, tiedX = 0.0, tiedY = 0.0, tiedXY = 0.0
        // Influence per row: concordant, discordant and tied_x partner weights.
        var ic = [Double](repeating: 0, count: n), id = [Double](repeating: 0, count: n), it = [Double](repeating: 0, count: n)
        let w = weights ?? [Double](repeating: 1, count: n)

        // Rows of each stratum.
        var byStratum = [[Int]]()
        if let strata {
            var index = [Int: Int]()
            for s in Set(strata).sorted() { index[s] = index.count; byStratum.append([]) }
            for i in 0..<n { byStratum[index[strata[i]]!].append(i) }
        } else {
            byStratum = [Array(0..<n)]
        }

        for rows in byStratum {
            // Dense ranks of the scores.
            let values = Array(Set(rows.map { score[$0] })).sorted()
            var rankOf = [Double: Int]()
            for (k, v) in values.enumerated() { rankOf[v] = k }
            let rank = Dictionary(uniqueKeysWithValues: rows.map { ($0, rankOf[score[$0]]!) })
            var atRisk = Fenwick(values.count), events = Fenwick(values.count)
            // Time descending; censored before events at one time; then by score ascending.
            let byStop = rows.sorted { a, b in
                if stop[a] != stop[b] { return stop[a] > stop[b] }
                if event[a] != event[b] { return !event[a] }
                if score[a] != score[b] { return score[a] < score[b] }
                return a < b
            }
            let byStart = start.map { s in rows.sorted { s[$0] > s[$1] } } ?? []
            var next = 0   // into byStart

            // A row leaves: its later-member counts are the event weights gathered meanwhile.
            func leave(_ j: Int) {
                let e = events.split(rank[j]!)
                ic[j] += e.less; id[j] += e.greater; it[j] += e.equal
            }
            func enter(_ j: Int) {
                let e = events.split(rank[j]!)
                ic[j] -= e.less; id[j] -= e.greater; it[j] -= e.equal
            }

            var i = 0
            while i < byStop.count {
                let first = byStop[i]
                if !event[first] {
                    enter(first)
                    atRisk.add(rank[first]!, w[first])
                    i += 1
                    continue
                }
                if let start {
                    while next < byStart.count, start[byStart[next]] >= stop[first] {
                        let j = byStart[next]
                        leave(j)
                        atRisk.add(rank[j]!, -w[j])
                        next += 1
                    }
                }
                // The events at this time.
                var end = i
                while end < byStop.count && stop[byStop[end]] == stop[first] { end += 1 }
                var eventWeight = 0.0, sameScoreWeight = 0.0
                var lastScore = score[first]
                for k in i..<end {
                    let j = byStop[k]
                    tiedY += w[j] * eventWeight
                    eventWeight += w[j]
                    if score[j] != lastScore { sameScoreWeight = 0; lastScore = score[j] }
                    tiedXY += w[j] * sameScoreWeight
                    sameScoreWeight += w[j]
                    let r = atRisk.split(rank[j]!)
                    concordant += w[j] * r.greater; discordant += w[j] * r.less; tiedX += w[j] * r.equal
                    ic[j] += r.greater; id[j] += r.less; it[j] += r.equal
                    events.add(rank[j]!, w[j])
                }
                // Then they join the risk set for earlier events.
                for k in i..<end {
                    let j = byStop[k]
                    enter(j)
                    atRisk.add(rank[j]!, w[j])
                }
                i = end
            }
            if start != nil {
                while next < byStart.count { leave(byStart[next]); next += 1 }
            } else {
                for j in rows { leave(j) }
            }
        }
        tiedY -= tiedXY

        let npair = concordant + discordant + tiedX
        let somers = (concordant - discordant) / npair
        var dfbeta = [Double](repeating: 0, count: n)
        for k in 0..<n {
            dfbeta[k] = w[k] * ((ic[k] - id[k]) / npair - somers / npair * (ic[k] + id[k] + it[k]))
        }
        var variance = 0.0
        if let cluster {
            var sums = [Int: Double]()
            for k in 0..<n { sums[cluster[k], default: 0] += dfbeta[k] }
            for k in Set(cluster).sorted() { variance += sums[k]! * sums[k]! }
        } else {
            for v in dfbeta { variance += v * v }
        }
        let c = (somers + 1) / 2
        return ConcordanceResult(concordance: reverse ? 1 - c : c, standardError: (variance / 4).squareRoot(),
                                 concordant: reverse ? discordant : concordant, discordant: reverse ? concordant : discordant,
                                 tiedX: tiedX, tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// Sums of weights by rank: a Fenwick (binary indexed) tree plus the weight at each rank.
struct Fenwick {
    private var tree: [Double]
    private var at: [Double]
    private var total = 0.0

    init(_ size: Int) {
        tree = [Double](repeating: 0, count: size + 1)
        at = [Double](repeating: 0, count: size)
    }

    mutating func add(_ rank: Int, _ w: Double) {
        at[rank] += w
        total += w
        var k = rank + 1
        while k < tree.count { tree[k] += w; k += k & -k }
    }

    /// Weight below, at and above `rank`.
    func split(_ rank: Int) -> (less: Double, equal: Double, greater: Double) {
        var less = 0.0
        var k = rank
        while k > 0 { less += tree[k]; k -= k & -k }
        let equal = at[rank]
        return (less, equal, total - less - equal)
    }
}
