/// Mean and sample variance in R's arithmetic, so that a summary, a Table 1 cell or a
/// t-test prints R's number to the last bit, not one that differs in the 16th digit.
///
/// - `mean(x)` (R's `summary.c`, `real_mean`): the sum in long double, divided by n; when
///   that is finite, the mean of the residuals (again in long double) is added to it, a
///   second pass that corrects the rounding of the first.
/// - `sum(x)` (`rsum`): the sum in long double, rounded once.
/// - `var(x)` (R's `cov.c`, `cov_complete1`): the mean as above, rounded to double, then the
///   squared deviations from it, each in long double, summed in long double and divided by
///   n - 1. `sd` is its square root.
///
/// Long double is the x87 80-bit type on x86-64, as in R's builds there; elsewhere Swift has
/// no such type and the sums are in double (R on arm64 Linux uses a 128-bit long double, so
/// the last bit can differ there).
public enum Moments {
    #if arch(x86_64) && !os(Windows)
    typealias Wide = Float80
    #else
    typealias Wide = Double
    #endif

    /// The mean as R's `mean(x)` gives it (values in their order; no missing values); NaN
    /// when `x` is empty.
    public static func mean<C: Collection<Double>>(_ x: C) -> Double {
        guard !x.isEmpty else { return .nan }
        return Double(wideMean(x))
    }

    /// The sample variance (denominator n - 1) as R's `var(x)`; NaN for fewer than two values.
    public static func variance<C: Collection<Double>>(_ x: C) -> Double {
        x.count > 1 ? variance(x, mean: Double(wideMean(x))) : .nan
    }

    /// The variance about `m`, R's mean of `x` rounded to double (two or more values).
    private static func variance<C: Collection<Double>>(_ x: C, mean m: Double) -> Double {
        var sum: Wide = 0
        let wm = Wide(m)
        for v in x { let d = Wide(v) - wm; sum += d * d }
        return Double(sum / Wide(x.count - 1))
    }

    /// The sum as R's `sum(x)` of doubles (`summary.c`, `rsum`): accumulated in long double,
    /// in the values' order, then rounded to double.
    public static func sum<C: Collection<Double>>(_ x: C) -> Double {
        var s: Wide = 0
        for v in x { s += Wide(v) }
        return Double(s)
    }

    /// Mean and sample variance together (variance NaN for one value).
    public static func meanAndVariance<C: Collection<Double>>(_ x: C) -> (mean: Double, variance: Double) {
        guard !x.isEmpty else { return (.nan, .nan) }
        let m = Double(wideMean(x))
        return (m, x.count > 1 ? variance(x, mean: m) : .nan)
    }

    private static func wideMean<C: Collection<Double>>(_ x: C) -> Wide {
        let n = Wide(x.count)
        var s: Wide = 0
        for v in x { s += Wide(v) }
        s /= n
        guard Double(s).isFinite else { return s }
        var t: Wide = 0
        for v in x { t += Wide(v) - s }
        return s + t / n
    }
}
