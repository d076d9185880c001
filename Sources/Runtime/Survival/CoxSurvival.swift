#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The survival curve of a Cox fit at the centring vector (R's
/// `summary(survfit(fit), times = )` without newdata), read at chosen times.
public struct CoxSurvivalResult: Sendable {
    public var times: [Double]
    /// Number with follow-up >= t.
    public var nRisk: [Int]
    /// Events in (previous requested time, t].
    public var nEvent: [Int]
    public var survival: [Double]
    /// Standard error of S(t): S(t) times the standard error of the cumulative hazard.
    public var standardError: [Double]
    public var cumulativeHazard: [Double]
    public var standardErrorCumulativeHazard: [Double]
    public var lowerLog: [Double?]
    public var upperLog: [Double?]
    public var lowerLogLog: [Double?]
    public var upperLogLog: [Double?]
    public var confidenceLevel: Double
    /// The covariate values the curve is for (the fit's `means`).
    public var covariates: [Double]
    public var columnNames: [String]
}

/// Inputs: an unstratified fit from `Cox.fit` and the data it was fitted on; times at which
/// to read the curve. Throws `AnalysisError` for stratified fits (not yet supported) or
/// data that do not match the fit.
///
/// Formula (Kalbfleisch & Prentice 2002 sec. 4.3; Tsiatis 1981; Therneau & Grambsch 2000
/// sec. 10.2), at x0 = the fit's `means`, with r_i = exp((x_i - x0)'b) = exp(lp_i):
///   Lambda(t) = sum_{event times s <= t} sum_{k=1..d} 1 / s0_k(s)
/// where for Efron fits (R's ctype 2) the d events at s have denominators
/// s0_k = sum_R r - ((k-1)/d) sum_D r, k = 1..d, and for Breslow/exact fits (ctype 1)
/// all d use sum_R r. S(t) = exp(-Lambda(t)) (stype 2).
/// Var Lambda(t) = sum_s sum_k 1 / s0_k^2 + h(t)' V h(t),
///   h(t) = sum_s sum_k (xbar_k(s) - x0) / s0_k, xbar_k = s1_k / s0_k, s1 = sum r (x - x0),
/// the second term accounting for the estimated b (V = the fit's variance).
/// Intervals from se = sqrt(Var Lambda): log S exp(-+ z se) (upper capped at 1); log-log
/// exp(-exp(log(-log S) -+ z se / log S)), none where S is 0 or 1.
public enum CoxSurvival {

    public static func curve(_ fit: CoxResult, time: [Double], event: [Bool], design: CoxDesign,
                             at times: [Double]) throws -> CoxSurvivalResult {
        let n = time.count
        let p = design.columnCount
        guard !fit.stratified else { throw AnalysisError("survival curves of a stratified Cox model are not supported yet") }
        guard n == fit.n, event.count == n, design.rowCount == n, p == fit.coefficients.count else {
            throw AnalysisError("the curve needs the data the model was fitted on (\(fit.n) rows, \(fit.coefficients.count) columns)")
        }
        let efron = fit.ties == .efron
        let x0 = fit.means
        let order = (0..<n).sorted { time[$0] < time[$1] }

        // Backwards pass over distinct times: per event time, the hazard increment, its
        // variance increment and the increment of h.
        var eventTimes: [Double] = []
        var dHaz: [Double] = []
        var dVar: [Double] = []
        var dH: [[Double]] = []
        var s0 = 0.0
        var s1 = [Double](repeating: 0, count: p)
        var pos = n
        while pos > 0 {
            let t = time[order[pos - 1]]
            var start = pos - 1
            while start > 0 && time[order[start - 1]] == t { start -= 1 }
            var d = 0
            var d0 = 0.0
            var d1 = [Double](repeating: 0, count: p)
            for k in start..<pos {
                let i = order[k]
                let r = exp(fit.linearPredictors[i])
                if event[i] {
                    d += 1; d0 += r
                    for j in 0..<p { d1[j] += r * (design.columns[j][i] - x0[j]) }
                } else {
                    s0 += r
                    for j in 0..<p { s1[j] += r * (design.columns[j][i] - x0[j]) }
                }
            }
            s0 += d0
            for j in 0..<p { s1[j] += d1[j] }
            if d > 0 {
                var haz = 0.0, v = 0.0
                var h = [Double](repeating: 0, count: p)
                for k in 0..<d {
                    let f = efron ? Double(k) / Double(d) : 0
                    let denom = s0 - f * d0
                    haz += 1 / denom
                    v += 1 / (denom * denom)
                    for j in 0..<p { h[j] += (s1[j] - f * d1[j]) / (denom * denom) }
                }
                eventTimes.append(t); dHaz.append(haz); dVar.append(v); dH.append(h)
            }
            pos = start
        }
        eventTimes.reverse(); dHaz.reverse(); dVar.reverse(); dH.reverse()

        let z = Distributions.normalQuantile(1 - (1 - fit.confidenceLevel) / 2)
        var out = CoxSurvivalResult(times: times, nRisk: [], nEvent: [], survival: [], standardError: [],
                                    cumulativeHazard: [], standardErrorCumulativeHazard: [], lowerLog: [],
                                    upperLog: [], lowerLogLog: [], upperLogLog: [],
                                    confidenceLevel: fit.confidenceLevel, covariates: x0, columnNames: fit.columnNames)
        let sortedTimes = order.map { time[$0] }
        var previous = -Double.infinity
        for t in times {
            var cum = 0.0, varh = 0.0
            var h = [Double](repeating: 0, count: p)
            for (k, s) in eventTimes.enumerated() where s <= t {
                cum += dHaz[k]; varh += dVar[k]
                for j in 0..<p { h[j] += dH[k][j] }
            }
            var quad = 0.0
            for j in 0..<p where !fit.aliased[j] {
                for l in 0..<p where !fit.aliased[l] { quad += h[j] * fit.variance[j][l] * h[l] }
            }
            let se = (varh + quad).squareRoot()
            let s = exp(-cum)
            out.nRisk.append(n - lowerBound(sortedTimes, t))
            out.nEvent.append((0..<n).filter { event[$0] && time[$0] > previous && time[$0] <= t }.count)
            out.survival.append(s)
            out.cumulativeHazard.append(cum)
            out.standardErrorCumulativeHazard.append(se)
            out.standardError.append(s * se)
            if s > 0 {
                out.lowerLog.append(s * exp(-z * se))
                out.upperLog.append(min(1, s * exp(z * se)))
            } else {
                out.lowerLog.append(nil); out.upperLog.append(nil)
            }
            if s > 0 && s < 1 {
                let ll = log(-log(s))
                out.lowerLogLog.append(exp(-exp(ll - z * se / log(s))))
                out.upperLogLog.append(exp(-exp(ll + z * se / log(s))))
            } else {
                out.lowerLogLog.append(nil); out.upperLogLog.append(nil)
            }
            previous = t
        }
        return out
    }

    /// First index with a[i] >= t in an ascending array.
    private static func lowerBound(_ a: [Double], _ t: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

extension CoxSurvivalResult: Reportable {
    public var kind: String { "cox_survival" }

    public func tables() -> [ResultTable] {
        let level = Int((confidenceLevel * 100).rounded())
        let rows: [[Cell]] = times.indices.map { k in
            [.number(times[k]), .integer(nRisk[k]), .integer(nEvent[k]), .number(survival[k]),
             .number(standardError[k]), .num(lowerLog[k]), .num(upperLog[k])]
        }
        let at = zip(columnNames, covariates).map { "\($0) = \(formatNumber($1))" }.joined(separator: ", ")
        return [ResultTable(title: "Survival from the Cox model",
                            columns: ["time", "n.risk", "n.event", "survival", "SE", "\(level)% CI lower", "\(level)% CI upper"],
                            rows: rows, notes: ["At the centring values: \(at)."])]
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string(kind)), ("time", .nums(times)), ("n_risk", .ints(nRisk)),
            ("n_event", .ints(nEvent)), ("surv", .nums(survival)), ("std_err", .nums(standardError)),
            ("cumhaz", .nums(cumulativeHazard)), ("std_err_cumhaz", .nums(standardErrorCumulativeHazard)),
            ("lower_log", .nums(lowerLog)), ("upper_log", .nums(upperLog)),
            ("lower_loglog", .nums(lowerLogLog)), ("upper_loglog", .nums(upperLogLog)),
            ("conf_level", .number(confidenceLevel)),
            ("covariates", .object(columnNames.indices.map { (columnNames[$0], JSONValue.number(covariates[$0])) })),
        ])
    }
}
