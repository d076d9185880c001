#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Restricted mean survival time (RMST) up to tau, from a Kaplan-Meier curve, as R's survival
// 3.5-3 reports it (`print(survfit(...), rmean = tau)`, `summary(fit, rmean = tau)$table`,
// the internal `survmean`), and the two-group contrasts of survRM2::rmst2 (Uno et al. 2014).
//
// Formulas (one curve; t_1 < ... < t_m its step times (events and censorings) with t_j <= tau,
// S_j = S(t_j), n_j at risk, d_j events; t_0 = 0, S_0 = 1):
//   RMST(tau)  = int_0^tau S(u) du = sum_{j=0..m} (t_{j+1} - t_j) S_j,   t_{m+1} = tau
//   A_j        = int_{t_j}^tau S(u) du                                   (area after t_j)
//   Var(RMST)  = sum_{j=1..m} A_j^2 d_j / (n_j (n_j - d_j))              (0 where n_j = d_j)
// the Greenwood-type plug-in variance (Klein & Moeschberger 2003, section 4.5, eq. 4.5.2,
// there with tau the largest time; Royston & Parmar 2013, BMC Med Res Methodol 13:152,
// section "RMST"). R's survmean uses exactly this, with no n/(n-1) factor (its source: `hh <-
// d/(n (n - d))`, `varmean <- sum(cumsum(rev(rectangles[-1]))^2 * rev(hh)[-1])`).
// Interval: RMST -+ z SE (survRM2's rmst1).
//
// Two groups, arm 0 the first and arm 1 the second (survRM2::rmst2, unadjusted):
//   difference D = RMST_1 - RMST_0,   SE(D) = sqrt(Var_1 + Var_0),   D -+ z SE(D),
//              p = 2 Phi(-|D| / SE(D))
//   ratio      R = RMST_1 / RMST_0,   SE(log R) = sqrt(Var_1 / RMST_1^2 + Var_0 / RMST_0^2)
//              (delta method), exp(log R -+ z SE(log R)),  p = 2 Phi(-|log R| / SE(log R))
//
// Estimability: past the last observed time of a curve nobody is at risk, and R extends the
// curve flat, which is an extrapolation when the curve ends above 0. Such a group gets no
// estimate here (and a warning); survRM2 refuses such a tau too. A curve that reaches 0 is
// known to stay there, so any tau is fine for it.

/// One group's restricted mean survival time.
public struct RestrictedMeanGroup: Sendable {
    public var label: String
    public var n: Int
    public var events: Int
    /// The last follow-up time of the group (its curve's last step).
    public var lastTime: Double
    /// nil where tau lies after the last follow-up and the curve has not reached 0.
    public var estimate: Double?
    public var standardError: Double?
    public var lower: Double?
    public var upper: Double?
    /// Var(RMST), for the contrasts.
    public var variance: Double?
}

/// A contrast of two restricted means with its interval and p-value.
public struct RestrictedMeanContrast: Sendable {
    public var estimate: Double
    /// SE of the difference, or of the log ratio.
    public var standardError: Double
    public var lower: Double
    public var upper: Double
    public var p: Double
}

public struct RestrictedMeanResult: Sendable {
    public var tau: Double
    public var confidenceLevel: Double
    public var groups: [RestrictedMeanGroup]
    /// Second group minus first (two groups, both estimable).
    public var difference: RestrictedMeanContrast?
    /// Second group over first.
    public var ratio: RestrictedMeanContrast?
    public var endpointName: String = ""
    public var timeUnit: String = ""
    public var groupName: String?
    public var cohortName: String?
    /// How tau was written ("12mo"), for the title.
    public var tauLabel: String?
    public var warnings: [String] = []
}

public enum RestrictedMean {
    /// RMST of one curve up to tau: (estimate, variance), or nil when tau lies after the
    /// curve's last time and the curve has not reached 0.
    public static func of(_ c: KaplanMeierCurve, tau: Double) -> (estimate: Double, variance: Double)? {
        let m = KaplanMeierCurve.countLessOrEqual(c.time, tau)
        if let last = c.time.last, tau > last, let s = c.survival.last, s > 0 { return nil }
        // Rectangles: [t_0 = 0, t_1) at 1, then [t_j, t_{j+1}) at S_j, the last to tau.
        var rect = [Double](repeating: 0, count: m + 1)
        var previous = 0.0
        var height = 1.0
        for j in 0..<m {
            rect[j] = (c.time[j] - previous) * height
            previous = c.time[j]
            height = c.survival[j]
        }
        rect[m] = (tau - previous) * height
        var estimate = 0.0
        for r in rect { estimate += r }
        // A_j = rect[j] + ... + rect[m] for step j (0-based: the area after c.time[j] is
        // rect[j + 1] + ... + rect[m]); summed from the end as R does.
        var variance = 0.0
        var after = 0.0
        for j in stride(from: m - 1, through: 0, by: -1) {
            after += rect[j + 1]
            let n = Double(c.nRisk[j]), d = Double(c.nEvent[j])
            guard d > 0, n > d else { continue }
            variance += after * after * (d / (n * (n - d)))
        }
        return (estimate, variance)
    }

    /// RMST per curve and, for two curves, the difference and ratio (second over first).
    public static func compute(_ km: KaplanMeierResult, tau: Double, confidenceLevel: Double = 0.95) throws -> RestrictedMeanResult {
        guard tau.isFinite, tau > 0 else { throw AnalysisError("tau must be a positive time, got \(formatNumber(tau))") }
        let z = Distributions.normalQuantile(1 - (1 - confidenceLevel) / 2)
        var warnings = [String]()
        let groups: [RestrictedMeanGroup] = km.curves.map { c in
            let last = c.time.last ?? 0
            var g = RestrictedMeanGroup(label: c.label, n: c.n, events: c.events, lastTime: last)
            if let (m, v) = of(c, tau: tau) {
                let se = v.squareRoot()
                g.estimate = m; g.variance = v; g.standardError = se
                g.lower = m - z * se; g.upper = m + z * se
            } else {
                warnings.append("\(c.label == "(all)" ? "the curve" : "group `\(c.label)`"): tau \(formatNumber(tau)) is after its last follow-up (\(formatNumber(last))) with survival still \(Format.significant(c.survival.last ?? 1, digits: 3)): nobody is at risk, so no restricted mean; choose tau <= \(formatNumber(last))")
            }
            return g
        }
        var result = RestrictedMeanResult(tau: tau, confidenceLevel: confidenceLevel, groups: groups)
        if groups.count == 2, let m0 = groups[0].estimate, let v0 = groups[0].variance,
           let m1 = groups[1].estimate, let v1 = groups[1].variance {
            let d = m1 - m0, sd = (v1 + v0).squareRoot()
            result.difference = RestrictedMeanContrast(estimate: d, standardError: sd, lower: d - z * sd, upper: d + z * sd,
                                                       p: Distributions.normalTwoSided(d / sd))
            if m0 > 0, m1 > 0 {
                let lr = log(m1) - log(m0), slr = (v1 / (m1 * m1) + v0 / (m0 * m0)).squareRoot()
                result.ratio = RestrictedMeanContrast(estimate: exp(lr), standardError: slr, lower: exp(lr - z * slr),
                                                      upper: exp(lr + z * slr), p: Distributions.normalTwoSided(lr / slr))
            }
        }
        result.warnings = warnings
        return result
    }
}
