/// Wilcoxon rank-sum (Mann-Whitney) test, two-sided, with R's `wilcox.test(x, y)` defaults.
///
/// Inputs: two samples; NaN values are dropped (R's na.omit). Each needs at least 1 value.
///
/// Formula (Hollander, Wolfe & Chicken 2014, chapter 4; R's `wilcox.test` documentation):
///   ranks r of the pooled sample (ties get mid-ranks);
///   W = sum_{x} r - n_x (n_x + 1) / 2   (the Mann-Whitney count of pairs x > y, ties 1/2)
///   Exact (n_x < 50, n_y < 50 and no ties): p = min(1, 2 min(P(W <= w), P(W >= w))) under
///   the permutation distribution of W, which is computed by counting the subsets of
///   {1..N} of size n_x by their sum (additions only, so the counts stay accurate).
///   Otherwise the normal approximation with continuity and tie corrections:
///     z = (W - n_x n_y / 2 - sign * 0.5) / sigma,
///     sigma^2 = n_x n_y / 12 * ((N + 1) - sum_t (t^3 - t) / (N (N - 1))),
///     p = 2 min(Phi(z), 1 - Phi(z)),  t the sizes of the tied groups, N = n_x + n_y.
///   With ties and n < 50 R warns "cannot compute exact p-value with ties".
///
/// Symbols: W = `w`, N = `total`, sigma = `sigma`, t = `tieSize`.
public enum WilcoxonRankSum {

    public static let tiesWarning = "cannot compute exact p-value with ties"

    public static func test(_ x: [Double], _ y: [Double]) -> WilcoxonResult {
        let xs = x.filter { !$0.isNaN }, ys = y.filter { !$0.isNaN }
        let nx = xs.count, ny = ys.count
        guard nx >= 1, ny >= 1 else {
            return WilcoxonResult(w: .nan, p: .nan, exact: false, nX: nx, nY: ny,
                                  warnings: ["not enough observations: each group needs at least 1 non-missing value"])
        }
        let pooled = xs + ys
        let total = pooled.count
        // Ties get mid-ranks, so their order among themselves does not matter.
        let order = pooled.withUnsafeBufferPointer { v in RowOrder.stableSorted(Array(0..<total)) { RowOrder.key(v[$0]) } }
        var ranks = [Double](repeating: 0, count: total)
        var tieCorrection = 0.0
        var hasTies = false
        var i = 0
        while i < total {
            var j = i
            while j + 1 < total && pooled[order[j + 1]] == pooled[order[i]] { j += 1 }
            let midRank = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = midRank }
            let tieSize = Double(j - i + 1)
            if j > i { hasTies = true; tieCorrection += tieSize * tieSize * tieSize - tieSize }
            i = j + 1
        }
        let rankSumX = ranks[0..<nx].reduce(0, +)
        let w = rankSumX - Double(nx * (nx + 1)) / 2
        var warnings: [String] = []
        let wantExact = nx < 50 && ny < 50
        if wantExact && !hasTies {
            let counts = mannWhitneyCounts(nx, ny)
            let all = counts.reduce(0, +)
            let q = Int(w)  // integer without ties
            let tail: Double
            if Double(q) > Double(nx * ny) / 2 {
                tail = counts[q...].reduce(0, +) / all           // P(W >= q)
            } else {
                tail = counts[...q].reduce(0, +) / all           // P(W <= q)
            }
            return WilcoxonResult(w: w, p: min(1, 2 * tail), exact: true, nX: nx, nY: ny, warnings: [])
        }
        if wantExact && hasTies { warnings.append(tiesWarning) }
        let n = Double(total), mx = Double(nx), my = Double(ny)
        let centred = w - mx * my / 2
        let sigma = (mx * my / 12 * ((n + 1) - tieCorrection / (n * (n - 1)))).squareRoot()
        let correction = centred > 0 ? 0.5 : (centred < 0 ? -0.5 : 0)
        let z = (centred - correction) / sigma
        let p = sigma > 0 ? min(1, 2 * min(Distributions.normalCDF(z), Distributions.normalUpperTail(z))) : .nan
        if !(sigma > 0) { warnings.append("all values are tied; no test") }
        return WilcoxonResult(w: w, p: p, exact: false, nX: nx, nY: ny, warnings: warnings)
    }

    /// Number of ways each value u = 0 ... m n of the Mann-Whitney statistic arises when m of
    /// N = m + n ranks go to the first sample: subsets of {0..N-1} of size m counted by sum,
    /// then shifted by m (m - 1) / 2.
    static func mannWhitneyCounts(_ m: Int, _ n: Int) -> [Double] {
        let total = m + n
        let maxSum = m * n + m * (m - 1) / 2
        // ways[j * width + s]: subsets of size j with sum s among the elements seen so far.
        let width = maxSum + 1
        var ways = [Double](repeating: 0, count: (m + 1) * width)
        ways[0] = 1
        for element in 0...min(total - 1, maxSum) {
            for j in stride(from: min(m, element + 1), through: 1, by: -1) {
                let to = j * width, from = (j - 1) * width - element
                for s in stride(from: maxSum, through: element, by: -1) {
                    ways[to + s] += ways[from + s]
                }
            }
        }
        let shift = m * (m - 1) / 2
        return Array(ways[(m * width + shift)...(m * width + shift + m * n)])
    }
}

/// The result of `WilcoxonRankSum.test`.
public struct WilcoxonResult: Reportable {
    /// R's W: the rank sum of x minus n_x (n_x + 1) / 2.
    public var w: Double
    public var p: Double
    /// True when the p-value is from the exact permutation distribution.
    public var exact: Bool
    public var nX: Int
    public var nY: Int
    public var warnings: [String]

    public var kind: String { "wilcoxon" }

    public var method: String {
        exact ? "Wilcoxon rank sum exact test" : "Wilcoxon rank sum test with continuity correction"
    }

    public func tables() -> [ResultTable] {
        [ResultTable(title: method, columns: ["", "value"],
                     rows: [[.text("W"), .num(w)], [.text("p-value"), p.isNaN ? .missing : .pValue(p)]],
                     notes: warnings)]
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string(kind)), ("method", .string(method)), ("W", .number(w)), ("p", .number(p)),
            ("exact", .bool(exact)), ("n_x", .int(nX)), ("n_y", .int(nY)), ("warnings", .strings(warnings)),
        ])
    }
}
