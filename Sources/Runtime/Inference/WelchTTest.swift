/// Welch's two-sample t-test (unequal variances), two-sided, as R's `t.test(x, y)` defaults.
///
/// Inputs: two samples; NaN values are dropped (R's na.omit). Each sample needs at least 2
/// values and the pooled standard error must be positive.
///
/// Formula (Welch 1947; Satterthwaite 1946; R's `t.test` documentation):
///   s_x^2 = sum (x - mean x)^2 / (n_x - 1), likewise s_y^2
///   se    = sqrt(s_x^2 / n_x + s_y^2 / n_y)
///   t     = (mean x - mean y) / se
///   df    = se^4 / ((s_x^2/n_x)^2 / (n_x - 1) + (s_y^2/n_y)^2 / (n_y - 1))
///   p     = 2 P(T_df > |t|);  CI = (mean x - mean y) +- t_{df, 1 - alpha/2} se
///
/// Symbols: s_x^2 = `varianceX`, se = `standardError`, t = `t`, df = `df`.
public enum WelchTTest {

    public static func test(_ x: [Double], _ y: [Double], confidenceLevel: Double = 0.95) -> TTestResult {
        let xs = x.filter { !$0.isNaN }, ys = y.filter { !$0.isNaN }
        let (meanX, varianceX) = meanAndVariance(xs)
        let (meanY, varianceY) = meanAndVariance(ys)
        var warnings: [String] = []
        let nx = Double(xs.count), ny = Double(ys.count)
        guard xs.count >= 2, ys.count >= 2 else {
            warnings.append("not enough observations: each group needs at least 2 non-missing values")
            return TTestResult(meanX: meanX, meanY: meanY, nX: xs.count, nY: ys.count, t: .nan, df: .nan, p: .nan,
                               standardError: .nan, confidenceInterval: (.nan, .nan),
                               confidenceLevel: confidenceLevel, warnings: warnings)
        }
        let vx = varianceX / nx, vy = varianceY / ny
        let standardError = (vx + vy).squareRoot()
        guard standardError > 0 else {
            warnings.append("data are essentially constant")
            return TTestResult(meanX: meanX, meanY: meanY, nX: xs.count, nY: ys.count, t: .nan, df: .nan, p: .nan,
                               standardError: standardError, confidenceInterval: (.nan, .nan),
                               confidenceLevel: confidenceLevel, warnings: warnings)
        }
        let df = (vx + vy) * (vx + vy) / (vx * vx / (nx - 1) + vy * vy / (ny - 1))
        let difference = meanX - meanY
        let t = difference / standardError
        let p = Distributions.tTwoSided(t, df: df)
        let q = Distributions.tQuantile(1 - (1 - confidenceLevel) / 2, df: df)
        return TTestResult(meanX: meanX, meanY: meanY, nX: xs.count, nY: ys.count, t: t, df: df, p: p,
                           standardError: standardError,
                           confidenceInterval: (difference - q * standardError, difference + q * standardError),
                           confidenceLevel: confidenceLevel, warnings: warnings)
    }

    /// Mean and sample variance (n - 1 denominator) as R's `mean` and `var` (`Moments`).
    static func meanAndVariance(_ v: [Double]) -> (Double, Double) {
        Moments.meanAndVariance(v)
    }
}

/// The result of `WelchTTest.test`.
public struct TTestResult: Reportable {
    public var meanX: Double
    public var meanY: Double
    public var nX: Int
    public var nY: Int
    public var t: Double
    public var df: Double
    public var p: Double
    public var standardError: Double
    /// Interval for mean x - mean y.
    public var confidenceInterval: (lower: Double, upper: Double)
    public var confidenceLevel: Double
    public var warnings: [String]

    public var test: TestStatistic { TestStatistic(statistic: t, df: df, p: p) }

    public var kind: String { "welch_t" }

    public func tables() -> [ResultTable] {
        let level = statText(confidenceLevel * 100)
        let rows: [[Cell]] = [
            [.text("mean of x"), .num(meanX)], [.text("mean of y"), .num(meanY)],
            [.text("difference"), .num(meanX - meanY)],
            [.text("\(level)% CI lower"), .num(confidenceInterval.lower)],
            [.text("\(level)% CI upper"), .num(confidenceInterval.upper)],
            [.text("t"), .num(t)], [.text("df"), .num(df)], [.text("p-value"), p.isNaN ? .missing : .pValue(p)],
        ]
        return [ResultTable(title: "Welch Two Sample t-test", columns: ["", "value"], rows: rows, notes: warnings)]
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string(kind)), ("mean_x", .number(meanX)), ("mean_y", .number(meanY)),
            ("n_x", .int(nX)), ("n_y", .int(nY)), ("t", .number(t)), ("df", .number(df)), ("p", .number(p)),
            ("stderr", .number(standardError)),
            ("conf_int", .nums([confidenceInterval.lower, confidenceInterval.upper])),
            ("conf_level", .number(confidenceLevel)), ("warnings", .strings(warnings)),
        ])
    }
}
