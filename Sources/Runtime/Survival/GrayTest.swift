/// Gray's test for one cause: chi-square statistic, degrees of freedom (groups - 1), p-value.
public struct GrayTestResult: Sendable {
    public let cause: Int
    public let statistic: Double
    public let df: Double
    public let p: Double
}

public enum GrayTest {

    /// Gray's K-sample test of equal cumulative incidence of `cause` (rho = 0), as
    /// `cmprsk::cuminc` computes it (unstratified).
    ///
    /// Input: the tally of the rows by time and group (each group present), and `cause`, the
    /// index of the cause tested among `tally.causes`; the other causes compete.
    ///
    /// Per group r, just before each distinct failure time t: Y_r at risk, S_r(t-) the
    /// all-cause KM and F_r(t-) the cumulative incidence of the cause. Gray's quantities:
    ///     h_r = Y_r / S_r(t-),   R_r = h_r (1 - F_r(t-)),   H = sum_r h_r,
    ///     F0(t) = F0(t-) + d(t)/H       (pooled estimate under H0; d = all failures of the cause)
    /// Score for group k (k < K): z_k = sum_t [ d_k(t) - d(t) R_k / sum_r R_r ]
    /// (the weight (1 - F0(t-))^rho is 1 for rho = 0).
    /// Variance (Gray 1988, section 3, with the plug-in estimates):
    ///     a_kr(t) = h_k (1{k = r} - h_r / H)
    ///     c_kr(t) = sum_{s <= t} a_kr(s) d(s) / (H(s) (1 - F0(s-)))
    ///     b_kr(t) = c_kr(tau) - c_kr(t)                  tau = the last time
    ///     sigma_kl = sum_r sum_{t: d(t) > 0} [a_kr + g1_r b_kr] [a_lr + g1_r b_lr] v1_r
    ///              + sum_r sum_{t: e_r(t) > 0} g2_r^2 b_kr b_lr v2_r
    /// with g2_r = (1 - F0(t)) / S_r(t), g1_r = 1 - g2_r (g1 = 1 where S_r(t) = 0),
    ///     v1_r = d/(H h_r) * (1 - (d - 1)/(H S_r(t-) - 1))       (the tie factor only when d > 1)
    ///     v2_r = S_r(t-)^2 e_r / Y_r^2 * (1 - (e_r - 1)/(Y_r - 1)),  e_r = competing failures in r.
    /// The first sum is the variability of the cause's failures (taken at the pooled rate
    /// dF0 / h_r under H0), the second that of competing failures through S_r. Groups with
    /// nobody at risk contribute nothing at that time.
    /// Statistic: z' sigma^{-1} z on the first K - 1 groups, chi-square with K - 1 df. A
    /// singular sigma gives NaN (cmprsk reports -1 there).
    ///
    /// Symbols: h_r = `effective`, R_r = `subRisk`, H = `totalEffective`, F0 = `pooled`,
    /// c = `cumC`, a = `a`.
    ///
    /// Sources: R. J. Gray (1988), "A class of K-sample tests for comparing the cumulative
    /// incidence of a competing risk", Ann Stat 16:1141-1154; cmprsk 2.2-11 (`?cuminc`);
    /// checked against cmprsk on mgus2 (by sex) and the lart registry.
    static func compare(sortedTime: [Double], status: [Int], group: [Int], groupCount: Int,
                        cause: Int) -> GrayTestResult {
        // The same test from rows sorted by time (`status` 0 = censored, `cause` the code
        // tested, any other positive code competing; `group` codes 0..<groupCount, each present).
        let causes = Set(status.filter { $0 > 0 } + [cause]).sorted()
        let width = causes.count + 1
        let code = (0..<status.count).map { i in
            UInt32(group[i] * width + (status[i] == 0 ? 0 : causes.firstIndex(of: status[i])! + 1))
        }
        let tally = IncidenceTally(sortedTime: sortedTime, code: code, causes: causes, groupCount: groupCount)
        return compare(tally, cause: causes.firstIndex(of: cause)!)
    }

    /// The test from the tally of the rows (see above).
    static func compare(_ tally: IncidenceTally, cause: Int) -> GrayTestResult {
        let k = tally.groupCount, k1 = k - 1
        let n = tally.count, causes = tally.causes.count
        var atRisk = [Double](repeating: 0, count: k)
        for g in 0..<k { atRisk[g] = Double(tally.size[g]) }
        var survBefore = [Double](repeating: 1, count: k)
        var survAfter = survBefore
        var incBefore = [Double](repeating: 0, count: k)
        var pooledBefore = 0.0
        var score = [Double](repeating: 0, count: k1)
        var cumC = [Double](repeating: 0, count: k * k)  // c_kr, row k, column r

        // Per failure time, what the second pass needs (a, c(t) and the factors).
        struct Term { var a: [Double]; var c: [Double]; var g: [Double]; var v: [Double]; var isCause: Bool }
        var terms: [Term] = []

        var dCause = [Double](repeating: 0, count: k)
        var dOther = [Double](repeating: 0, count: k)
        var i = 0
        while i < n {
            // The records of one time, one per group with rows there.
            let rank = tally.timeRank[i]
            var j = i
            for r in 0..<k { dCause[r] = 0; dOther[r] = 0 }
            while j < n && tally.timeRank[j] == rank {
                let g = tally.group[j]
                for c in 0..<causes {
                    if c == cause { dCause[g] = tally.failures[j * causes + c] } else { dOther[g] += tally.failures[j * causes + c] }
                }
                j += 1
            }
            let d = dCause.reduce(0, +), e = dOther.reduce(0, +)
            if d + e > 0 {
                var totalEffective = 0.0, totalSubRisk = 0.0
                var effective = [Double](repeating: 0, count: k)
                var incAfter = incBefore
                for r in 0..<k where atRisk[r] > 0 {
                    survAfter[r] = survBefore[r] * (atRisk[r] - dCause[r] - dOther[r]) / atRisk[r]
                    incAfter[r] = incBefore[r] + survBefore[r] * dCause[r] / atRisk[r]
                    effective[r] = atRisk[r] / survBefore[r]
                    totalEffective += effective[r]
                    totalSubRisk += effective[r] * (1 - incBefore[r])
                }
                let pooled = pooledBefore + d / totalEffective
                var a = [Double](repeating: 0, count: k * k)
                for p in 0..<k where atRisk[p] > 0 {
                    for r in 0..<k where atRisk[r] > 0 {
                        a[p * k + r] = effective[p] * ((p == r ? 1 : 0) - effective[r] / totalEffective)
                    }
                }
                for idx in 0..<(k * k) { cumC[idx] += a[idx] * d / (totalEffective * (1 - pooledBefore)) }
                for p in 0..<k1 where atRisk[p] > 0 {
                    score[p] += dCause[p] - d * effective[p] * (1 - incBefore[p]) / totalSubRisk
                }
                if d > 0 {
                    var g = [Double](repeating: 0, count: k), v = g
                    for r in 0..<k where atRisk[r] > 0 {
                        g[r] = survAfter[r] > 0 ? 1 - (1 - pooled) / survAfter[r] : 1
                        let tie = d > 1 ? 1 - (d - 1) / (totalEffective * survBefore[r] - 1) : 1
                        v[r] = tie * survBefore[r] * d / (totalEffective * atRisk[r])
                    }
                    terms.append(Term(a: a, c: cumC, g: g, v: v, isCause: true))
                }
                if e > 0 {
                    var g = [Double](repeating: 0, count: k), v = g
                    for r in 0..<k where survAfter[r] > 0 && dOther[r] > 0 {
                        g[r] = (1 - pooled) / survAfter[r]
                        let tie = dOther[r] > 1 ? 1 - (dOther[r] - 1) / (atRisk[r] - 1) : 1
                        v[r] = tie * survBefore[r] * survBefore[r] * dOther[r] / (atRisk[r] * atRisk[r])
                    }
                    terms.append(Term(a: a, c: cumC, g: g, v: v, isCause: false))
                }
                pooledBefore = pooled
                incBefore = incAfter
                survBefore = survAfter
            }
            for m in i..<j { atRisk[tally.group[m]] -= tally.removed[m] }
            i = j
        }

        // Second pass: sigma from the stored terms and the final c(tau).
        var sigma = [Double](repeating: 0, count: k1 * k1)
        var x = [Double](repeating: 0, count: k1)
        for term in terms {
            for r in 0..<k where term.v[r] != 0 {
                for p in 0..<k1 {
                    let b = cumC[p * k + r] - term.c[p * k + r]
                    x[p] = term.isCause ? term.a[p * k + r] + term.g[r] * b : term.g[r] * b
                }
                for p in 0..<k1 {
                    for q in 0...p { sigma[p * k1 + q] += x[p] * x[q] * term.v[r] }
                }
            }
        }
        for p in 0..<k1 { for q in 0..<p { sigma[q * k1 + p] = sigma[p * k1 + q] } }

        let df = Double(k1)
        guard let solved = solveSymmetric(sigma, score, size: k1) else {
            return GrayTestResult(cause: tally.causes[cause], statistic: .nan, df: df, p: .nan)
        }
        let statistic = zip(score, solved).reduce(0) { $0 + $1.0 * $1.1 }
        return GrayTestResult(cause: tally.causes[cause], statistic: statistic, df: df,
                              p: Distributions.chiSquareUpperTail(statistic, df: df))
    }

    /// Solves A x = b for a symmetric matrix A (row-major, size x size) by Gaussian
    /// elimination with partial pivoting; nil when A is numerically singular (a pivot below
    /// 1e-10 of the largest diagonal, R's `qr` rank tolerance scale).
    private static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var m = a, x = b
        let scale = (0..<n).map { abs(a[$0 * n + $0]) }.max() ?? 0
        guard scale > 0 else { return nil }
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(n, col + 1) where abs(m[r * n + col]) > abs(m[pivot * n + col]) { pivot = r }
            if abs(m[pivot * n + col]) <= 1e-10 * scale { return nil }
            if pivot != col {
                for c in 0..<n { m.swapAt(pivot * n + c, col * n + c) }
                x.swapAt(pivot, col)
            }
            for r in (col + 1)..<max(n, col + 1) {
                let f = m[r * n + col] / m[col * n + col]
                if f == 0 { continue }
                for c in col..<n { m[r * n + c] -= f * m[col * n + c] }
                x[r] -= f * x[col]
            }
        }
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = x[r]
            for c in (r + 1)..<max(n, r + 1) { s -= m[r * n + c] * x[c] }
            x[r] = s / m[r * n + r]
        }
        return x
    }
}
