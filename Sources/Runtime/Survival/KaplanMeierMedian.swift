// The median survival time with its confidence interval, by either method of
// `MedianInterval`.
//
// inverted (R, the default): `KaplanMeierCurve.median`, the times where the pointwise band
//   crosses 0.5 (Brookmeyer & Crowley 1982; R's `quantile.survfit`).
//
// spss: the interval SPSS's KM procedure prints, from Collett (2015), Modelling Survival
//   Data in Medical Research, 3rd ed., section 2.4, equations (2.19)-(2.20):
//
//   t50    = min{ t_j : S(t_j) <= 0.5 }                    the median (an event time)
//   SE(t50) = SE(S(t50)) / f(t50)                                                  (2.19)
//   f(t50)  = (S(u) - S(l)) / (l - u)                                              (2.20)
//     u = max{ t_j : S(t_j) >= 0.5 + eps },  l = min{ t_j : S(t_j) <= 0.5 - eps },  eps = 0.05
//     (t_j the event times; f is a density estimate: the drop of S between u and l per unit
//     time, so S(u) >= 0.55 > 0.45 >= S(l) and l > u, f > 0)
//   SE(S(t50)) = S(t50) sqrt( sum_{t_k <= t50} d_k / (n_k (n_k - d_k)) )   Greenwood's
//     formula for the standard error of S itself (not of log S) at t50, S after the step at t50
//   interval: t50 -+ z SE(t50), z = Phi^-1(1 - alpha/2) (1.96 at 95%); not truncated at 0.
//
//   Comparisons with 0.5, 0.55 and 0.45 allow sqrt(machine epsilon), as R's quantile code
//   does, so that an S of exactly 0.55 computed as 0.5499999999999999 still counts.
//   The estimate is Collett's/SPSS's t50; it differs from R's only where S equals 0.5 over a
//   stretch (R then takes the midpoint of the stretch).
//
//   No interval (nil limits, with a reason) when: the median is not reached; no event time
//   has S >= 0.55 (the first event already takes S below 0.55); no event time has S <= 0.45
//   (the curve ends above 0.45); or S(t50) = 0 (Greenwood's SE of S is 0 * Inf there).
//
// Symbols -> variables: t50 = estimate, SE(t50) = standardError, u, l = u, l,
//   S(u), S(l) = survivalAtU, survivalAtL, f = density, SE(S(t50)) = survivalStdErr.

/// The median survival time with its interval and how it was formed.
public struct KaplanMeierMedian: Sendable, Equatable {
    /// nil when S never drops to 0.5.
    public var estimate: Double?
    public var lower: Double?
    public var upper: Double?
    public var method: MedianInterval
    /// Why a limit is missing; nil when both limits are given.
    public var reason: String?
    /// SPSS/Collett only: SE(t50) = SE(S(t50)) / f(t50).
    public var standardError: Double?
    /// SPSS/Collett only: Greenwood SE of S at t50.
    public var survivalStdErr: Double?
    /// SPSS/Collett only: the event times around the median and S there.
    public var u: Double?
    public var l: Double?
    public var survivalAtU: Double?
    public var survivalAtL: Double?
    /// SPSS/Collett only: f(t50) = (S(u) - S(l)) / (l - u).
    public var density: Double?

    public init(estimate: Double?, lower: Double?, upper: Double?, method: MedianInterval, reason: String? = nil,
                standardError: Double? = nil, survivalStdErr: Double? = nil, u: Double? = nil, l: Double? = nil,
                survivalAtU: Double? = nil, survivalAtL: Double? = nil, density: Double? = nil) {
        self.estimate = estimate; self.lower = lower; self.upper = upper; self.method = method
        self.reason = reason; self.standardError = standardError; self.survivalStdErr = survivalStdErr
        self.u = u; self.l = l; self.survivalAtU = survivalAtU; self.survivalAtL = survivalAtL
        self.density = density
    }
}

extension MedianInterval {
    /// One line for a report's notes, naming the method (z printed to 3 significant digits).
    public func note(z: Double) -> String {
        switch self {
        case .inverted:
            return "Median: first time S(t) <= 0.5; interval from the pointwise band (R quantile.survfit)."
        case .spss:
            return "Median: first event time with S(t) <= 0.5; median CI: SPSS (Collett 2.4), median +- "
                + Format.significant(z, digits: 3) + " SE, SE = SE(S(t50)) / f(t50) (Greenwood; f from the event times"
                + " with S >= 0.55 and S <= 0.45)."
        }
    }
}

extension KaplanMeierCurve {
    /// The median by `method`, intervals at the normal quantile `z`.
    public func median(method: MedianInterval, z: Double) -> KaplanMeierMedian {
        switch method {
        case .inverted:
            let m = median
            var reason: String? = nil
            if m.estimate == nil {
                reason = "median not reached: S(t) stays above 0.5"
            } else if m.lower == nil || m.upper == nil {
                reason = "the pointwise band does not cross 0.5 on both sides"
            }
            return KaplanMeierMedian(estimate: m.estimate, lower: m.lower, upper: m.upper, method: .inverted,
                                     reason: reason)
        case .spss:
            return collettMedian(z: z)
        }
    }

    /// The median with SPSS's interval, median -+ z SE(median) (Collett 2015, section 2.4,
    /// (2.19)-(2.20); formulas at the top of this file).
    public func collettMedian(z: Double) -> KaplanMeierMedian {
        let tol = Double.ulpOfOne.squareRoot()
        let events = time.indices.filter { nEvent[$0] > 0 }
        guard let j50 = events.first(where: { survival[$0] <= 0.5 + tol }) else {
            return KaplanMeierMedian(estimate: nil, lower: nil, upper: nil, method: .spss,
                                     reason: "median not reached: S(t) stays above 0.5")
        }
        let t50 = time[j50]
        let seS = survival[j50] == 0 ? Double.nan : survival[j50] * stdErrLog[j50]
        var result = KaplanMeierMedian(estimate: t50, lower: nil, upper: nil, method: .spss, survivalStdErr: seS.isNaN ? nil : seS)
        let ju = events.last(where: { survival[$0] >= 0.55 - tol })
        let jl = events.first(where: { survival[$0] <= 0.45 + tol })
        if let ju { result.u = time[ju]; result.survivalAtU = survival[ju] }
        if let jl { result.l = time[jl]; result.survivalAtL = survival[jl] }
        guard let ju else {
            result.reason = "no event time with S(t) >= 0.55: the first event already takes S below 0.55"
            return result
        }
        guard let jl else {
            result.reason = "no event time with S(t) <= 0.45: the curve ends above 0.45"
            return result
        }
        guard !seS.isNaN else {
            result.reason = "S drops to 0 at the median: Greenwood's SE of S is not defined there"
            return result
        }
        let f = (survival[ju] - survival[jl]) / (time[jl] - time[ju])
        let se = seS / f
        result.density = f
        result.standardError = se
        result.lower = t50 - z * se
        result.upper = t50 + z * se
        return result
    }
}

extension KaplanMeierResult {
    /// A curve's median with the interval method of `options.medianInterval`.
    public func median(_ curve: KaplanMeierCurve) -> KaplanMeierMedian {
        curve.median(method: options.medianInterval, z: z)
    }
}
