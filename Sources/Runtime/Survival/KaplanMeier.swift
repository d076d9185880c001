#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Kaplan-Meier estimator with Greenwood variance, Nelson-Aalen cumulative hazard, pointwise
// confidence bands and band-inverted quantiles, matching R's survival 3.5-3
// (`survfit(Surv(time, status) ~ group)`, `summary(fit, times=, extend=TRUE)`,
// `quantile(fit)`).
//
// Inputs and preconditions
//   time[i] >= 0 (finite), event[i] true for an event, false for right censoring,
//   group[i] in 0..<groupLabels.count (nil: one curve for all rows). Rows with NaN time are
//   skipped (the caller reports them). One curve per group that has at least one row.
//
// Formulas (per group; t_1 < ... < t_m the distinct event-or-censor times)
//   n_j   number with time >= t_j                     (at risk just before t_j)
//   d_j   events at t_j,  c_j  censorings at t_j      (censored at t_j are at risk at t_j)
//   S(t_j)      = prod_{k<=j} (1 - d_k / n_k)                     Kaplan-Meier product limit
//   se_log(t_j) = sqrt( sum_{k<=j} d_k / (n_k (n_k - d_k)) )      Greenwood, SE of -log S
//                 (+Inf once n_k = d_k, where S drops to 0)
//   H(t_j)      = sum_{k<=j} d_k / n_k                            Nelson-Aalen
//   se_H(t_j)   = sqrt( sum_{k<=j} d_k / n_k^2 )                  R's std.chaz for ctype 1
//   Pointwise limits at level 1 - alpha, z = Phi^-1(1 - alpha/2):
//     log:     exp(log S -+ z se_log), upper capped at 1; none where S = 0
//     log-log: exp(-exp(log(-log S) -+ z se_log / log S)); none where S = 0 or S = 1
//     plain:   S -+ z se_log S, clipped to [0, 1] (NaN where S = 0 and se_log = Inf, as R)
//
// Symbols -> variables: t_j = time[j], n_j = nRisk[j], d_j = nEvent[j], c_j = nCensor[j],
//   S = survival, se_log = stdErrLog, H = cumulativeHazard, se_H = stdErrCumulativeHazard,
//   z = z, alpha = 1 - confidenceLevel.
//
// Sources: Kaplan & Meier (1958) JASA 53:457-481; Greenwood (1926); Kalbfleisch & Prentice
//   (2002) sections 1.4 and 4.3; Klein & Moeschberger (2003) sections 4.2-4.3 (estimator,
//   Greenwood, the three pointwise intervals) and 4.5 (median interval by inverting the
//   band, Brookmeyer & Crowley 1982); Therneau & Grambsch (2000) chapter 2. R's conventions (log default,
//   capping, midpoint rule for flat quantiles) from the survival package documentation
//   (`survfit.formula`, `summary.survfit`, `quantile.survfit`).
//
// Algorithm: the rows are sorted once by (group, time); one pass per group builds the step
// table with running sums (O(n log n) overall). Evaluation at a time is a binary search.
//
// Counting-process data (`entry`, R's `survfit(Surv(start, stop, event) ~ g)`): row i is at
// risk over (entry_i, time_i], so n_j = #{entry_i < t_j <= time_i}: the rows whose interval has
// not ended before t_j less those that enter at or after t_j (Therneau & Grambsch 2000,
// section 3.7; Klein & Moeschberger 2003, section 4.6, left truncation). The step times are
// the distinct stop times; the formulas above are unchanged with that n_j. The group's entry
// times are sorted once and read with a pointer, so the pass stays O(n log n).

/// How the pointwise confidence interval for S(t) is formed (R's `conf.type`).
public enum ConfidenceTransform: String, Sendable, CaseIterable {
    /// S exp(+-z se): R's default.
    case log
    /// exp(-exp(log(-log S) -+ z se / log S)): Stata's, SAS's and lifelines' default.
    case logLog = "log-log"
    /// S +- z se S, clipped to [0, 1].
    case plain
}

/// How the confidence interval of the median survival time is formed.
public enum MedianInterval: String, Sendable, CaseIterable {
    /// R's `quantile.survfit`: the times where the pointwise band (of the chosen transform)
    /// crosses 0.5 (Brookmeyer & Crowley 1982). The default.
    case inverted
    /// SPSS's: median +- z SE(median), SE(median) = SE(S(t50)) / f(t50) (Collett 2015,
    /// section 2.4); see `KaplanMeierCurve.collettMedian(z:)`.
    case spss
}

public struct KaplanMeierOptions: Sendable {
    /// Level of the pointwise intervals and of the quantile intervals.
    public var confidenceLevel = 0.95
    public var transform = ConfidenceTransform.log
    /// Times at which the report shows the curve (`summary(fit, times=)`).
    public var times: [Double] = []
    /// How the report forms the median's interval (R's band inversion by default).
    public var medianInterval = MedianInterval.inverted
    /// Checked before each group's curve.
    public var cancellation: Cancellation? = nil

    public init(confidenceLevel: Double = 0.95, transform: ConfidenceTransform = .log, times: [Double] = [],
                medianInterval: MedianInterval = .inverted) {
        self.confidenceLevel = confidenceLevel
        self.transform = transform
        self.times = times
        self.medianInterval = medianInterval
    }
}

/// The curve evaluated at one time, with `summary(fit, times = t, extend = TRUE)` semantics.
public struct KaplanMeierPoint: Sendable, Equatable {
    public let time: Double
    /// Number with follow-up >= time (at risk just before it); 0 after the last time.
    public let nRisk: Int
    /// Events at or before time.
    public let nEventCumulative: Int
    /// Censorings at or before time.
    public let nCensorCumulative: Int
    public let survival: Double
    /// Standard error of S(t): S(t) times `stdErrLog` (NaN where S = 0, as R's summary).
    public let stdErr: Double
    /// Greenwood standard error of -log S(t).
    public let stdErrLog: Double
    public let lower: Double?
    public let upper: Double?
    /// Nelson-Aalen cumulative hazard.
    public let cumulativeHazard: Double
}

/// One Kaplan-Meier curve (one group): R's step table plus what is derived from it.
public struct KaplanMeierCurve: Sendable {
    /// Group label, "(all)" when ungrouped.
    public let label: String
    public let n: Int
    public let events: Int
    /// Distinct event-or-censor times, increasing (R's step table).
    public let time: [Double]
    public let nRisk: [Int]
    public let nEvent: [Int]
    public let nCensor: [Int]
    public let survival: [Double]
    /// Greenwood standard error of -log S (R's `fit$std.err`); +Inf where S reaches 0.
    public let stdErrLog: [Double]
    /// Pointwise limits for the transform of the fit; nil where R gives NA, NaN where R gives NaN.
    public let lower: [Double?]
    public let upper: [Double?]
    /// Nelson-Aalen cumulative hazard (R's `fit$cumhaz`).
    public let cumulativeHazard: [Double]
    /// Standard error of the Nelson-Aalen estimate (R's `fit$std.chaz`).
    public let stdErrCumulativeHazard: [Double]

    /// Cumulative events and censorings through row j (for evaluation at times).
    let eventsThrough: [Int]
    let censorsThrough: [Int]

    /// The curve at `t`: the last step at or before t carried forward, n at risk from the
    /// first step at or after t (`summary.survfit(times = t, extend = TRUE)`). Before the
    /// first step the curve is at its start: S = 1, SE 0, limits 1, hazard 0.
    public func at(_ t: Double) -> KaplanMeierPoint {
        if t.isNaN {
            return KaplanMeierPoint(time: t, nRisk: 0, nEventCumulative: 0, nCensorCumulative: 0, survival: .nan,
                                    stdErr: .nan, stdErrLog: .nan, lower: nil, upper: nil, cumulativeHazard: .nan)
        }
        // Rows with time <= t (R's findInterval) and rows with time < t.
        let atOrBefore = Self.countLessOrEqual(time, t)
        let before = Self.countLess(time, t)
        let nRiskAt = before < time.count ? nRisk[before] : 0
        // R inserts a starting row at time 0 unless the first step is at 0 itself; a time
        // before every step maps to that first row.
        let startsAtZero = time.first == 0
        if atOrBefore == 0 && !startsAtZero {
            return KaplanMeierPoint(time: t, nRisk: nRiskAt, nEventCumulative: 0, nCensorCumulative: 0,
                                    survival: 1, stdErr: 0, stdErrLog: 0, lower: 1, upper: 1, cumulativeHazard: 0)
        }
        let j = max(atOrBefore, 1) - 1
        return KaplanMeierPoint(
            time: t, nRisk: nRiskAt, nEventCumulative: eventsThrough[j], nCensorCumulative: censorsThrough[j],
            survival: survival[j], stdErr: survival[j] * stdErrLog[j], stdErrLog: stdErrLog[j],
            lower: lower[j], upper: upper[j], cumulativeHazard: cumulativeHazard[j])
    }

    /// The p-quantile of the event-time distribution (time where S first drops to 1 - p)
    /// with its interval from the pointwise band, as R's `quantile.survfit` with a single
    /// probability. nil where the curve (or band) never reaches 1 - p.
    public func quantile(_ p: Double) -> (estimate: Double?, lower: Double?, upper: Double?) {
        quantiles([p])[0]
    }

    /// Several quantiles at once, as one call of R's `quantile(fit, probs)`.
    public func quantiles(_ probs: [Double]) -> [(estimate: Double?, lower: Double?, upper: Double?)] {
        let est = KaplanMeier.bandQuantiles(time: time, curve: survival.map { Optional($0) }, probs: probs)
        // The lower survival band crosses 1 - p first: it gives the lower time limit.
        let lo = KaplanMeier.bandQuantiles(time: time, curve: lower, probs: probs)
        let hi = KaplanMeier.bandQuantiles(time: time, curve: upper, probs: probs)
        return probs.indices.map { (est[$0], lo[$0], hi[$0]) }
    }

    /// Median survival time with its interval (`quantile(fit, 0.5)`).
    public var median: (estimate: Double?, lower: Double?, upper: Double?) { quantile(0.5) }

    static func countLessOrEqual(_ xs: [Double], _ t: Double) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi { let mid = (lo + hi) / 2; if xs[mid] <= t { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    static func countLess(_ xs: [Double], _ t: Double) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi { let mid = (lo + hi) / 2; if xs[mid] < t { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}

public struct KaplanMeierResult: Sendable {
    public let curves: [KaplanMeierCurve]
    public let options: KaplanMeierOptions
    /// Unit of the time axis ("days", "months"), for the report.
    public var timeUnit: String = ""
    /// What the event is ("overall survival"), for the report.
    public var endpointName: String = ""
    /// The grouping variable, nil for one curve.
    public var groupName: String?
    /// The cohort the curves describe ("omd"): titles read `Kaplan-Meier: pfs in omd`.
    public var cohortName: String?
    /// How each requested time (`options.times`, same order) is shown in the time column,
    /// as written ("12mo", "1y (365.25 d)"); nil or a missing entry: the number.
    public var timeLabels: [String]?
    /// Groups without rows and similar remarks.
    public var warnings: [String] = []
    /// z = Phi^-1(1 - (1 - level) / 2) used for every interval.
    public let z: Double
}

public enum KaplanMeier {
    /// Fits one Kaplan-Meier curve per group.
    ///
    /// - Parameters:
    ///   - time: follow-up times, >= 0; NaN rows are skipped (the caller reports them).
    ///   - event: true = event, false = censored.
    ///   - group: group codes 0..<groupLabels.count, or nil for one curve labelled "(all)".
    ///   - groupLabels: labels of the group codes; with `group` and no labels, the codes are
    ///     used as labels.
    /// - Throws: `AnalysisError` for mismatched lengths, negative or infinite times, group
    ///   codes out of range, a confidence level outside (0, 1), or no usable rows.
    public static func fit(time: [Double], event: [Bool], group: [Int]? = nil, groupLabels: [String] = [],
                           entry: [Double]? = nil, options: KaplanMeierOptions = .init()) throws -> KaplanMeierResult {
        try options.cancellation?.check()
        guard time.count == event.count else {
            throw AnalysisError("time has \(time.count) values but event has \(event.count)")
        }
        if let group, group.count != time.count {
            throw AnalysisError("time has \(time.count) values but group has \(group.count)")
        }
        guard options.confidenceLevel > 0, options.confidenceLevel < 1 else {
            throw AnalysisError("confidence level must lie between 0 and 1, got \(options.confidenceLevel)")
        }
        if let bad = options.times.first(where: { $0.isNaN }) {
            throw AnalysisError("requested times contain a missing value (\(bad))")
        }
        var labels = groupLabels
        if let group {
            let top = group.max() ?? -1
            if labels.isEmpty { labels = (0...max(top, 0)).map(String.init) }
            if let bad = group.first(where: { $0 < 0 || $0 >= labels.count }) {
                throw AnalysisError("group code \(bad) is outside 0..<\(labels.count) (one label per group)")
            }
        } else {
            labels = ["(all)"]
        }
        var usable = 0
        for i in time.indices {
            let t = time[i]
            if t.isNaN { continue }
            if t.isInfinite { throw AnalysisError("time in row \(i + 1) is infinite") }
            if t < 0 { throw AnalysisError("time in row \(i + 1) is negative (\(formatNumber(t))); follow-up times must be >= 0") }
            if let entry {
                guard entry.count == time.count else { throw AnalysisError("time has \(time.count) values but entry has \(entry.count)") }
                let e = entry[i]
                guard e.isFinite, e >= 0, e < t else {
                    throw AnalysisError("row \(i + 1): the interval (\(formatNumber(e)), \(formatNumber(t))] must have 0 <= start < stop")
                }
            }
            usable += 1
        }
        guard usable > 0 else { throw AnalysisError("no observations with a follow-up time") }

        let z = Distributions.normalQuantile(1 - (1 - options.confidenceLevel) / 2)
        if entry == nil, let (curves, seen) = countedCurves(time: time, event: event, group: group, labels: labels,
                                              transform: options.transform, z: z) {
            var warnings = [String]()
            for g in labels.indices where !seen[g] && group != nil {
                warnings.append("group \(labels[g]) has no observations; no curve")
            }
            return KaplanMeierResult(curves: curves, options: options, groupName: nil, warnings: warnings, z: z)
        }
        var rows = [Int]()
        rows.reserveCapacity(usable)
        for i in time.indices where !time[i].isNaN { rows.append(i) }
        let code: (Int) -> Int = { i in group?[i] ?? 0 }
        rows = RowOrder.byStratumAndTime(time: time, strata: group, rows: rows)

        var curves = [KaplanMeierCurve]()
        var warnings = [String]()
        var start = 0
        var seen = Set<Int>()
        while start < rows.count {
            let g = code(rows[start])
            var end = start
            while end < rows.count && code(rows[end]) == g { end += 1 }
            seen.insert(g)
            if let entry {
                curves.append(countingCurve(label: labels[g], rows: rows[start..<end], time: time, event: event, entry: entry,
                                            transform: options.transform, z: z))
            } else {
                curves.append(curve(label: labels[g], rows: rows[start..<end], time: time, event: event,
                                    transform: options.transform, z: z))
            }
            start = end
        }
        for g in labels.indices where !seen.contains(g) && group != nil {
            warnings.append("group \(labels[g]) has no observations; no curve")
        }
        return KaplanMeierResult(curves: curves, options: options, groupName: nil, warnings: warnings, z: z)
    }

    /// One pass over one group's rows, sorted by time.
    static func curve(label: String, rows: ArraySlice<Int>, time: [Double], event: [Bool],
                      transform: ConfidenceTransform, z: Double) -> KaplanMeierCurve {
        var builder = CurveBuilder(atRisk: rows.count, transform: transform, z: z)
        var k = rows.startIndex
        while k < rows.endIndex {
            let tj = time[rows[k]]
            var d = 0, c = 0
            while k < rows.endIndex && time[rows[k]] == tj {
                if event[rows[k]] { d += 1 } else { c += 1 }
                k += 1
            }
            builder.add(time: tj, events: d, censored: c)
        }
        return builder.curve(label: label, n: rows.count)
    }

    /// One group's (entry, time] rows, sorted by time: n at risk at each stop time counts the
    /// rows with entry < t <= time.
    static func countingCurve(label: String, rows: ArraySlice<Int>, time: [Double], event: [Bool], entry: [Double],
                              transform: ConfidenceTransform, z: Double) -> KaplanMeierCurve {
        let entries = Quantile.ascending(rows.map { entry[$0] })
        var builder = CurveBuilder(atRisk: rows.count, transform: transform, z: z)
        var ended = 0      // rows with time < t_j
        var entered = 0    // rows with entry < t_j
        var k = rows.startIndex
        while k < rows.endIndex {
            let tj = time[rows[k]]
            while entered < entries.count && entries[entered] < tj { entered += 1 }
            builder.atRisk = entered - ended
            var d = 0, c = 0
            while k < rows.endIndex && time[rows[k]] == tj {
                if event[rows[k]] { d += 1 } else { c += 1 }
                k += 1
            }
            builder.add(time: tj, events: d, censored: c)
            ended += d + c
        }
        return builder.curve(label: label, n: rows.count)
    }

    /// The curves from counts of events and censorings per (group, distinct time), when the
    /// times take few distinct values: one pass over the rows with a hash table of the times
    /// (no sort, no gather), then each group's times in increasing order. nil when there are
    /// too many distinct times (the caller sorts instead). Same step tables as the sorted path.
    static func countedCurves(time: [Double], event: [Bool], group: [Int]?, labels: [String],
                              transform: ConfidenceTransform, z: Double) -> (curves: [KaplanMeierCurve], seen: [Bool])? {
        let n = time.count
        let k = labels.count
        guard n >= 256 else { return nil }
        var ids = KeyIds(limit: min(1 << 14, n / 8))
        var value = [Double]()            // first time seen with each id
        var counts = [Int]()              // [id * 2k + 2g] events, [... + 1] censorings
        var lastKey: UInt64 = 0, lastId = -1
        let complete = time.withUnsafeBufferPointer { t in
            event.withUnsafeBufferPointer { e in
                for i in 0..<n {
                    let x = t[i]
                    if x.isNaN { continue }
                    let key = RowOrder.key(x)
                    if key != lastKey || lastId < 0 {
                        guard let id = ids.id(key) else { return false }
                        if id == value.count {
                            value.append(x)
                            counts.append(contentsOf: repeatElement(0, count: 2 * k))
                        }
                        lastKey = key; lastId = id
                    }
                    let g = group?[i] ?? 0
                    counts[lastId * 2 * k + 2 * g + (e[i] ? 0 : 1)] += 1
                }
                return true
            }
        }
        guard complete else { return nil }
        let order = ids.rankOrder()
        var curves = [KaplanMeierCurve]()
        var seen = [Bool](repeating: false, count: k)
        for g in 0..<k {
            var size = 0
            for id in order { size += counts[id * 2 * k + 2 * g] + counts[id * 2 * k + 2 * g + 1] }
            if size == 0 { continue }
            seen[g] = true
            var builder = CurveBuilder(atRisk: size, transform: transform, z: z)
            for id in order {
                let d = counts[id * 2 * k + 2 * g], c = counts[id * 2 * k + 2 * g + 1]
                if d + c > 0 { builder.add(time: value[id], events: d, censored: c) }
            }
            curves.append(builder.curve(label: labels[g], n: size))
        }
        return (curves, seen)
    }

    /// The step table built one distinct time at a time, in increasing time.
    struct CurveBuilder {
        var t = [Double](), nRisk = [Int](), nEvent = [Int](), nCensor = [Int]()
        var s = [Double](), seLog = [Double](), lower = [Double?](), upper = [Double?]()
        var hazard = [Double](), seHazard = [Double](), eventsThrough = [Int](), censorsThrough = [Int]()
        var atRisk: Int
        var surv = 1.0, greenwood = 0.0, cumHaz = 0.0, varHaz = 0.0
        var totalEvents = 0, totalCensored = 0
        let transform: ConfidenceTransform
        let z: Double

        init(atRisk: Int, transform: ConfidenceTransform, z: Double) {
            self.atRisk = atRisk
            self.transform = transform
            self.z = z
        }

        /// The next distinct time tj with d events and c censorings.
        mutating func add(time tj: Double, events d: Int, censored c: Int) {
            let n = Double(atRisk), dd = Double(d)
            if d > 0 {
                surv *= (n - dd) / n
                // d / (n (n - d)) is +Inf when everyone left dies: S is 0 from here on.
                greenwood += dd / (n * (n - dd))
                cumHaz += dd / n
                varHaz += dd / (n * n)
            }
            totalEvents += d; totalCensored += c
            let se = greenwood.squareRoot()
            let (lo, hi) = confidenceLimits(survival: surv, stdErrLog: se, z: z, transform: transform)
            t.append(tj); nRisk.append(atRisk); nEvent.append(d); nCensor.append(c)
            s.append(surv); seLog.append(se); lower.append(lo); upper.append(hi)
            hazard.append(cumHaz); seHazard.append(varHaz.squareRoot())
            eventsThrough.append(totalEvents); censorsThrough.append(totalCensored)
            atRisk -= d + c
        }

        func curve(label: String, n: Int) -> KaplanMeierCurve {
            KaplanMeierCurve(
                label: label, n: n, events: totalEvents, time: t, nRisk: nRisk, nEvent: nEvent,
                nCensor: nCensor, survival: s, stdErrLog: seLog, lower: lower, upper: upper,
                cumulativeHazard: hazard, stdErrCumulativeHazard: seHazard,
                eventsThrough: eventsThrough, censorsThrough: censorsThrough)
        }
    }
}
