#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The Kaplan-Meier curve's intervals: pointwise confidence limits for S (R's
// `survfit_confint`) and quantiles (the median) inverted from the curve and its bands
// (R's `quantile.survfit`). The estimator itself is in KaplanMeier.swift.
extension KaplanMeier {
    /// Pointwise limits for S with standard error `stdErrLog` of log S (R's `survfit_confint`
    /// with `logse = TRUE`): nil where R gives NA; NaN where R's arithmetic gives NaN.
    public static func confidenceLimits(survival s: Double, stdErrLog se: Double, z: Double,
                                        transform: ConfidenceTransform) -> (lower: Double?, upper: Double?) {
        switch transform {
        case .log:
            guard s > 0 else { return (nil, nil) }
            let w = z * se
            return (exp(log(s) - w), min(exp(log(s) + w), 1))
        case .logLog:
            guard s > 0, s < 1 else { return (nil, nil) }
            let w = z * se / log(s)
            let center = log(-log(s))
            return (exp(-exp(center - w)), exp(-exp(center + w)))
        case .plain:
            let w = z * se * s  // Inf * 0 = NaN where S = 0, as in R
            if w.isNaN { return (.nan, .nan) }
            return (max(s - w, 0), min(s + w, 1))
        }
    }

    /// Quantiles of one step curve (the estimate or one band), with the rules of R's
    /// `quantile.survfit`:
    ///   work on F = 1 - curve with the point (0, F = 0) in front; drop repeated F values
    ///   (censoring rows), keeping the first; with tol = sqrt(machine eps), the quantile
    ///   for p is the time of the step where F first reaches p - tol, averaged with the
    ///   time of the step where F reaches p + tol. So a flat stretch at exactly p gives the
    ///   midpoint of the flat, and a curve ending flat at p gives the midpoint between the
    ///   start of that flat and the last time. nil where F never reaches p; p = 0 gives 0.
    ///   Missing band values (nil, NaN) are skipped. Steps are looked up by F value (R
    ///   interpolates F -> index after ordering by F), which matters only for a band that
    ///   is not monotone.
    static func bandQuantiles(time: [Double], curve: [Double?], probs: [Double]) -> [Double?] {
        let tol = Double.ulpOfOne.squareRoot()
        let xmax = time.last ?? 0
        var x = [0.0], f = [Optional(0.0)]
        for j in time.indices {
            x.append(time[j])
            if let v = curve[j], !v.isNaN { f.append(1 - v) } else { f.append(nil) }
        }
        let present = f.compactMap { $0 }
        // R: a band that never rises to the smallest requested p gives no quantiles at all.
        guard let top = present.max(), let minP = probs.min(), top >= minP else {
            return probs.map { _ in nil }
        }
        // Drop repeated F values (keep first occurrence); one missing entry is kept in place.
        var keptX = [Double](), keptF = [Double?]()
        var seenValues = Set<Double>()
        var seenMissing = false
        for i in f.indices {
            if let v = f[i] {
                if seenValues.insert(v).inserted { keptX.append(x[i]); keptF.append(v) }
            } else if !seenMissing {
                seenMissing = true; keptX.append(x[i]); keptF.append(nil)
            }
        }
        // Knots ordered by F value, each remembering its step.
        var knots = [(value: Double, step: Int)]()
        for i in keptF.indices { if let v = keptF[i] { knots.append((v, i)) } }
        knots.sort { $0.value < $1.value }
        let values = knots.map { $0.value }
        // Step of the smallest knot value + shift >= p (constant interpolation, right value);
        // nil outside the knot range.
        func step(_ p: Double, shift: Double) -> Int? {
            guard let first = values.first, let last = values.last,
                  p >= first + shift, p <= last + shift else { return nil }
            var lo = 0, hi = values.count
            while lo < hi { let mid = (lo + hi) / 2; if values[mid] + shift < p { lo = mid + 1 } else { hi = mid } }
            return lo < values.count ? knots[lo].step : nil
        }
        let lastF = keptF.last ?? nil
        return probs.map { p in
            let i1 = step(p, shift: tol), i2 = step(p, shift: -tol)
            var q: Double? = nil
            if let i1, let i2 { q = (keptX[i1] + keptX[i2]) / 2 }
            if p == 0 { q = keptX[0] }
            if let lastF, abs(p - lastF) < tol { q = i1.map { (keptX[$0] + xmax) / 2 } }
            return q
        }
    }
}
