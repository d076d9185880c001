#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One row of the proportional-hazards test: a term (or GLOBAL), its chi-square, df, p.
public struct CoxZphRow: Sendable, Equatable {
    public var term: String
    public var chiSquare: Double
    public var df: Int
    public var p: Double
}

/// The test of proportional hazards of a Cox fit (R's `cox.zph(fit, transform = "km")`,
/// survival >= 3.0).
public struct CoxZphResult: Sendable {
    /// One row per term with estimable coefficients, in model order.
    public var terms: [CoxZphRow]
    /// The joint test over every coefficient.
    public var global: CoxZphRow
    public var transform: String { "km" }
}

/// Inputs: a fit from `Cox.fit` and the same time, event, design and strata it was fitted
/// on (rows already complete). Throws `AnalysisError` if they do not match the fit.
///
/// Method (Therneau & Grambsch 2000 sec. 6.2; survival's noweb "zph"): add time-varying
/// terms x g(t) with coefficients theta, so b(t) = b + theta g(t), and do the score test of
/// theta = 0 at (b_hat, 0) with the full 2p x 2p information matrix:
///   U_theta = sum over events i of g(t_i) (x_i - xbar(t_i)),
///   I = [ sum V(t)      sum g V(t)
///         sum g V(t)    sum g^2 V(t) ],
/// where xbar(t) and V(t) are the risk-weighted mean and variance of x over the risk set
/// at event time t (within strata; with Efron ties each of the d reduced risk sets of a
/// tied set contributes with weight 1, as in the fit; Breslow and exact fits use the
/// Breslow form), and risk weights exp(linear predictor of the fit).
/// g(t) ("km" transform) = 1 - S(t-), S the Kaplan-Meier of all rows pooled (strata
/// ignored), evaluated at each row's time and centred by its mean over the event rows.
/// The score for b is taken as 0 (b_hat solves it). A term with columns J is tested by
///   T = u' I_KK^{-1} u, K = (all b columns, theta_J), u = (0, U_theta[J]), df = |J|;
/// GLOBAL uses all theta columns, df = p. Aliased columns are left out.
/// Cost: O(n p^2) after sorting.
public enum CoxZph {

    public static func test(_ fit: CoxResult, time: [Double], event: [Bool], design: CoxDesign,
                            strata: [Int]? = nil) throws -> CoxZphResult {
        let n = time.count
        guard n == fit.n, event.count == n, design.rowCount == n, design.columnCount == fit.coefficients.count else {
            throw AnalysisError("cox.zph needs the data the model was fitted on (\(fit.n) rows, \(fit.coefficients.count) columns)")
        }
        if let strata, strata.count != n { throw AnalysisError("strata has \(strata.count) values, expected \(n)") }
        let kept = (0..<design.columnCount).filter { !fit.aliased[$0] }
        let p = kept.count
        guard p > 0 else { throw AnalysisError("cox.zph: the model has no estimable coefficients") }

        // g(t) = 1 - S(t-) from the pooled Kaplan-Meier, centred over the events.
        let g = centredKMTransform(time: time, event: event)

        // Covariates centred by their overall means (numerical stability only).
        var colMeans = [Double](repeating: 0, count: p)
        for (k, j) in kept.enumerated() { colMeans[k] = design.columns[j].reduce(0, +) / Double(n) }
        let data = CoxRiskSets(time: time, event: event, strata: strata, columns: kept.map { design.columns[$0] },
                               shift: colMeans, scale: [Double](repeating: 1, count: p))
        let efron = fit.ties == .efron
        let x = data.x
        let order = data.order
        let risk = order.map { exp(fit.linearPredictors[$0]) }
        let gSorted = order.map { g[$0] }

        // Accumulators: u for theta, h1 = sum V, h2 = sum g V, h3 = sum g^2 V (lower triangles).
        var u = [Double](repeating: 0, count: p)
        var h1 = [Double](repeating: 0, count: p * p)
        var h2 = [Double](repeating: 0, count: p * p)
        var h3 = [Double](repeating: 0, count: p * p)
        var s0 = 0.0
        var s1 = [Double](repeating: 0, count: p)
        var s2 = [Double](repeating: 0, count: p * p)
        var d1 = [Double](repeating: 0, count: p)
        var d2 = [Double](repeating: 0, count: p * p)
        var mean = [Double](repeating: 0, count: p)

        func addTerm(_ t0: Double, _ t1: [Double], _ t2: [Double], weight w: Double, g gt: Double) {
            for j in 0..<p {
                mean[j] = t1[j] / t0
                u[j] -= gt * w * mean[j]
            }
            for j in 0..<p {
                for k in 0...j {
                    let v = w * (t2[j * p + k] / t0 - mean[j] * mean[k])
                    h1[j * p + k] += v
                    h2[j * p + k] += gt * v
                    h3[j * p + k] += gt * gt * v
                }
            }
        }

        for gi in stride(from: data.groups.count - 1, through: 0, by: -1) {
            if data.lastInStratum[gi] {
                s0 = 0
                for j in 0..<p { s1[j] = 0 }
                for j in 0..<(p * p) { s2[j] = 0 }
            }
            let group = data.groups[gi]
            let gt = gSorted[group.lowerBound]
            var d = 0
            var d0 = 0.0
            for j in 0..<p { d1[j] = 0 }
            for j in 0..<(p * p) { d2[j] = 0 }
            for i in group {
                let r = risk[i]
                let row = i * p
                if data.event[i] {
                    d += 1
                    d0 += r
                    for j in 0..<p {
                        let xj = x[row + j]
                        u[j] += gt * xj
                        d1[j] += r * xj
                        for k in 0...j { d2[j * p + k] += r * xj * x[row + k] }
                    }
                } else {
                    s0 += r
                    for j in 0..<p {
                        let xj = x[row + j]
                        s1[j] += r * xj
                        for k in 0...j { s2[j * p + k] += r * xj * x[row + k] }
                    }
                }
            }
            guard d > 0 else { continue }
            if efron && d > 1 {
                var t1 = s1
                var t2 = s2
                for k in 1...d {
                    let f = Double(k) / Double(d)
                    for j in 0..<p { t1[j] = s1[j] + f * d1[j] }
                    for j in 0..<(p * p) { t2[j] = s2[j] + f * d2[j] }
                    addTerm(s0 + f * d0, t1, t2, weight: 1, g: gt)
                }
            }
            s0 += d0
            for j in 0..<p { s1[j] += d1[j] }
            for j in 0..<(p * p) { s2[j] += d2[j] }
            if !(efron && d > 1) { addTerm(s0, s1, s2, weight: Double(d), g: gt) }
        }

        // The full 2p x 2p information.
        var info = [[Double]](repeating: [Double](repeating: 0, count: 2 * p), count: 2 * p)
        for j in 0..<p {
            for k in 0...j {
                info[j][k] = h1[j * p + k]; info[k][j] = h1[j * p + k]
                info[p + j][p + k] = h3[j * p + k]; info[p + k][p + j] = h3[j * p + k]
                info[j][p + k] = h2[j * p + k]; info[p + k][j] = h2[j * p + k]
                info[k][p + j] = h2[j * p + k]; info[p + j][k] = h2[j * p + k]
            }
        }

        func statistic(_ thetaColumns: [Int]) -> Double {
            let idx = Array(0..<p) + thetaColumns.map { p + $0 }
            let sub = idx.map { a in idx.map { b in info[a][b] } }
            let vec = [Double](repeating: 0, count: p) + thetaColumns.map { u[$0] }
            return SymmetricFactorization(sub, tolerance: 0).quadraticForm(vec)
        }

        var rows: [CoxZphRow] = []
        let position = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.element, $0.offset) })
        for term in fit.terms {
            let cols = term.columns.compactMap { position[$0] }
            if cols.isEmpty { continue }
            let t = TestStatistic.chiSquare(statistic(cols), df: cols.count)
            rows.append(CoxZphRow(term: term.name, chiSquare: t.statistic, df: cols.count, p: t.p))
        }
        let all = TestStatistic.chiSquare(statistic(Array(0..<p)), df: p)
        return CoxZphResult(terms: rows, global: CoxZphRow(term: "GLOBAL", chiSquare: all.statistic, df: p, p: all.p))
    }

    /// 1 - S(t-) per row, S the pooled Kaplan-Meier (product over event times s < t of
    /// 1 - d(s)/n(s)), minus its mean over the rows with an event.
    static func centredKMTransform(time: [Double], event: [Bool]) -> [Double] {
        let n = time.count
        let order = (0..<n).sorted { time[$0] < time[$1] }
        var g = [Double](repeating: 0, count: n)
        var surv = 1.0          // S just before the current time
        var atRisk = n
        var pos = 0
        while pos < n {
            let t = time[order[pos]]
            var end = pos
            var deaths = 0
            while end < n && time[order[end]] == t {
                if event[order[end]] { deaths += 1 }
                end += 1
            }
            for k in pos..<end { g[order[k]] = 1 - surv }
            surv *= 1 - Double(deaths) / Double(atRisk)
            atRisk -= end - pos
            pos = end
        }
        var sum = 0.0
        var count = 0
        for i in 0..<n where event[i] { sum += g[i]; count += 1 }
        let m = count > 0 ? sum / Double(count) : 0
        return g.map { $0 - m }
    }
}

extension CoxZphResult: Reportable {
    public var kind: String { "cox_zph" }

    public func tables() -> [ResultTable] {
        let rows = (terms + [global]).map { r -> [Cell] in
            [.text(r.term), .number(r.chiSquare), .integer(r.df), .pValue(r.p)]
        }
        return [ResultTable(title: "Test of proportional hazards (cox.zph, transform = km)",
                            columns: ["term", "chisq", "df", "p"], rows: rows,
                            notes: ["Score test of b(t) = b + theta g(t), g = 1 - KM(t-); a small p suggests the hazard ratio changes over time."])]
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string(kind)), ("transform", .string(transform)),
            ("rows", .array((terms + [global]).map { r in
                .object([("term", .string(r.term)), ("chisq", .number(r.chiSquare)), ("df", .int(r.df)), ("p", .num(r.p))])
            })),
        ])
    }
}
