#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Root of f on [a, b] (f(a), f(b) of opposite signs) by Brent's method: bisection combined
/// with secant and inverse quadratic interpolation, the search R's `uniroot` runs.
///
/// Source: R. P. Brent (1973), "Algorithms for Minimization without Derivatives", chapter 4,
/// procedure `zero`. With R's defaults `tolerance` = eps^(1/4) and at most 1000 steps.
/// Each step: keep b the best point and c the point bracketing the root with b; the step
/// is an interpolation when it falls well inside the bracket and shrinks it fast enough,
/// else half the bracket; never smaller than tol_act = 2 eps |b| + tolerance / 2.
/// Returns b once |c - b| / 2 <= tol_act or f(b) = 0; NaN when the ends do not bracket a root.
enum BrentZero {
    static let rDefaultTolerance = pow(Double.ulpOfOne, 0.25)

    static func root(_ f: (Double) -> Double, _ lower: Double, _ upper: Double,
                     tolerance: Double = rDefaultTolerance, maxIterations: Int = 1000) -> Double {
        var a = lower, b = upper
        var fa = f(a), fb = f(b)
        if fa == 0 { return a }
        if fb == 0 { return b }
        if fa.isNaN || fb.isNaN || (fa > 0) == (fb > 0) { return .nan }
        var c = a, fc = fa
        for _ in 0..<maxIterations {
            let previousStep = b - a
            if abs(fc) < abs(fb) {
                // Make b the best approximation so far.
                a = b; b = c; c = a
                fa = fb; fb = fc; fc = fa
            }
            let tolAct = 2 * Double.ulpOfOne * abs(b) + tolerance / 2
            var newStep = (c - b) / 2
            if abs(newStep) <= tolAct || fb == 0 { return b }
            if abs(previousStep) >= tolAct && abs(fa) > abs(fb) {
                // Interpolate: secant when only two distinct points, else inverse quadratic.
                let cb = c - b
                var p: Double, q: Double
                if a == c {
                    let t1 = fb / fa
                    p = cb * t1
                    q = 1 - t1
                } else {
                    let qa = fa / fc, t1 = fb / fc, t2 = fb / fa
                    p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1))
                    q = (qa - 1) * (t1 - 1) * (t2 - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if p < 0.75 * cb * q - abs(tolAct * q) / 2 && p < abs(previousStep * q / 2) {
                    newStep = p / q
                }
            }
            if abs(newStep) < tolAct { newStep = newStep > 0 ? tolAct : -tolAct }
            a = b; fa = fb
            b += newStep; fb = f(b)
            if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
                c = a; fc = fa
            }
        }
        return b
    }
}
