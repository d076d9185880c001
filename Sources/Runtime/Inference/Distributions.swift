#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Probability distributions used by the tests in lart: normal, chi-square and Student t.
///
/// Accuracy target: 1e-12 relative in the ranges a survival paper uses (p-values down to
/// 1e-300, quantiles for confidence levels 0.5-0.9999).
///
/// Sources:
/// - Normal tails: the C library's `erfc` (correctly rounded to a few ulp in glibc).
/// - Normal quantile: M. J. Wichura (1988), "Algorithm AS 241: The percentage points of the
///   normal distribution", Applied Statistics 37(3):477-484 (PPND16, ~1e-16 relative).
/// - Regularized incomplete gamma: series and Legendre continued fraction evaluated with
///   the modified Lentz method, Numerical Recipes 3rd ed. section 6.2; chi-square tails
///   are Q(df/2, x/2) (Abramowitz & Stegun 26.4.19).
/// - Regularized incomplete beta: the continued fraction of A&S 26.5.8 with the modified
///   Lentz method (NR 6.4); Student t tails are I_{df/(df+t^2)}(df/2, 1/2) / 2 (A&S 26.7.1).
public enum Distributions {

    // MARK: Normal

    /// P(Z <= x) for a standard normal Z.
    public static func normalCDF(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return 0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// P(Z > x) for a standard normal Z, accurate far into the upper tail.
    public static func normalUpperTail(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return 0.5 * erfc(x / 2.0.squareRoot())
    }

    /// Two-sided p-value 2 P(Z > |z|).
    public static func normalTwoSided(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        return erfc(abs(z) / 2.0.squareRoot())
    }

    /// The p-quantile of the standard normal (Wichura AS 241, PPND16).
    public static func normalQuantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = ((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
                + 67265.770927008700853) * r + 45921.953931549871457) * r
                + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608
            let den = ((((((r * 5226.495278852545925 + 28729.085735721942674) * r
                + 39307.89580009271061) * r + 21213.794301586595867) * r
                + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.0
            return q * num / den
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            let num = ((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
                + 0.24178072517745061177) * r + 1.27045825245236838258) * r
                + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734
            let den = ((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
                + 0.0151986665636164571966) * r + 0.14810397642748007459) * r
                + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                + 2.05319162663775882187) * r + 1.0
            value = num / den
        } else {
            r -= 5
            let num = ((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
                + 0.0012426609473880784386) * r + 0.026532189526576123093) * r
                + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772
            let den = ((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r
                + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                + 0.59983220655588793769) * r + 1.0
            value = num / den
        }
        return q < 0 ? -value : value
    }

    // MARK: Gamma family

    /// Regularized lower incomplete gamma P(a, x).
    public static func gammaP(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || a.isNaN || a <= 0 || x < 0 { return .nan }
        if x == 0 { return 0 }
        if x.isInfinite { return 1 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
    }

    /// Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), computed without cancellation.
    public static func gammaQ(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || a.isNaN || a <= 0 || x < 0 { return .nan }
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
    }

    /// P(a,x) = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))   (NR eq. 6.2.5)
    private static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var ap = a
        var term = 1.0 / a
        var sum = term
        for _ in 0..<100_000 {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    /// Q(a,x) = e^-x x^a / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...)))  (NR eq. 6.2.7)
    private static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// Upper tail P(X > x) of a chi-square with `df` degrees of freedom.
    public static func chiSquareUpperTail(_ x: Double, df: Double) -> Double {
        if x.isNaN || df.isNaN || df <= 0 { return .nan }
        if x <= 0 { return 1 }
        if df == 1 { return erfc((x / 2).squareRoot()) }
        return gammaQ(df / 2, x / 2)
    }

    /// P(X <= x) for a chi-square with `df` degrees of freedom.
    public static func chiSquareCDF(_ x: Double, df: Double) -> Double {
        if x.isNaN || df.isNaN || df <= 0 { return .nan }
        if x <= 0 { return 0 }
        return gammaP(df / 2, x / 2)
    }

    // MARK: Beta family

    /// Regularized incomplete beta I_x(a, b).
    public static func betaRegularized(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x.isNaN || a <= 0 || b <= 0 { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        // front = x^a (1-x)^b / (a B(a,b))
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a, b) / a
        }
        let logFrontSwap = lgamma(a + b) - lgamma(a) - lgamma(b) + b * log1p(-x) + a * log(x)
        return 1 - exp(logFrontSwap) * betaContinuedFraction(1 - x, b, a) / b
    }

    /// Continued fraction for I_x(a,b) (A&S 26.5.8; NR eq. 6.4.5), modified Lentz.
    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        while m < 100_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            m += 1
        }
        return h
    }

    // MARK: Student t

    /// P(T > t) for Student's t with `df` degrees of freedom (df may be fractional, as in Welch).
    public static func tUpperTail(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if df.isInfinite { return normalUpperTail(t) }
        let tail = 0.5 * betaRegularized(df / (df + t * t), df / 2, 0.5)
        return t >= 0 ? tail : 1 - tail
    }

    /// Two-sided p-value 2 P(T > |t|).
    public static func tTwoSided(_ t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if df.isInfinite { return normalTwoSided(t) }
        return betaRegularized(df / (df + t * t), df / 2, 0.5)
    }

    /// The p-quantile of Student's t: Newton iterations on the CDF from a normal start,
    /// safeguarded by bisection.
    public static func tQuantile(_ p: Double, df: Double) -> Double {
        if p.isNaN || p <= 0 || p >= 1 || df <= 0 { return p == 0 ? -.infinity : (p == 1 ? .infinity : .nan) }
        if p == 0.5 { return 0 }
        if df.isInfinite { return normalQuantile(p) }
        // Bracket then bisect/Newton on F(t) = 1 - tUpperTail(t).
        var lo = -1.0, hi = 1.0
        while 1 - tUpperTail(lo, df: df) > p { lo *= 2 }
        while 1 - tUpperTail(hi, df: df) < p { hi *= 2 }
        var t = normalQuantile(p)
        if !(t > lo && t < hi) { t = (lo + hi) / 2 }
        for _ in 0..<200 {
            let f: Double = (1 - tUpperTail(t, df: df)) - p
            if f > 0 { hi = t } else { lo = t }
            let logNorm: Double = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
            let logKernel: Double = -(df + 1) / 2 * log1p(t * t / df)
            let density: Double = exp(logNorm + logKernel)
            var next = t - f / density
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - t) <= 1e-15 * max(1, abs(t)) { return next }
            t = next
        }
        return t
    }
}
