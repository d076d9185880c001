#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options for `CumulativeIncidence.estimate`.
public struct CumulativeIncidenceOptions: Sendable {
    /// Times at which the curves are read off (`cmprsk::timepoints`). Empty: the text table
    /// uses the interior points of `pretty(c(0, max time), 5)`, as `print.cuminc` does.
    public var times: [Double] = []
    /// The cause of interest. Every cause gets its curves (as `cuminc` does); this cause is
    /// listed first in the text table, and a warning is given when it has no events.
    public var failCode = 1
    /// Checked before each group's curves.
    public var cancellation: Cancellation? = nil

    public init(times: [Double] = [], failCode: Int = 1) {
        self.times = times
        self.failCode = failCode
    }
}

/// One cumulative incidence curve (one group, one cause), as `cmprsk::cuminc` returns it:
/// a step function starting at (0, 0), each jump time listed twice (the value before the
/// jump, then after), and a final point at the group's last observed time.
public struct CumulativeIncidenceCurve: Sendable {
    public let group: String
    public let cause: Int
    /// `"<group> <cause>"`, cmprsk's curve name.
    public let name: String
    public let time: [Double]
    public let estimate: [Double]
    public let variance: [Double]

    /// The curve at time `t` with `cmprsk::timepoints` semantics: the value of the
    /// right-continuous step function (last jump at or before `t`); NaN (R's NA) before 0
    /// and after the last observed time of the group.
    public func at(_ t: Double) -> (estimate: Double, variance: Double) {
        guard let last = time.last, t >= 0, t <= last, !t.isNaN else { return (.nan, .nan) }
        if t == last { return (estimate[estimate.count - 1], variance[variance.count - 1]) }
        // Index of the last point with time <= t among all but the final point; the value
        // that holds just after it is the next entry (the "before the next jump" copy, or
        // the final point), which is the right-continuous value at t.
        var lo = 0, hi = time.count - 1  // invariant: time[lo] <= t < time[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if time[mid] <= t { lo = mid } else { hi = mid }
        }
        return (estimate[lo + 1], variance[lo + 1])
    }
}

/// Cumulative incidence curves per group and cause, with Gray's test between groups.
public struct CumulativeIncidenceResult: Reportable {
    public var kind: String { "cuminc" }
    /// Curves in cmprsk's order: cause by cause, and within a cause group by group.
    public let curves: [CumulativeIncidenceCurve]
    /// Gray's test per cause; empty when there is only one group.
    public let gray: [GrayTestResult]
    /// Times for the text table (the requested times, or the `print.cuminc` default).
    public let times: [Double]
    /// Labels shown for causes in tables (the cause code where none is given).
    public let causeLabels: [Int: String]
    public let failCode: Int
    /// Number of observations used, and the number dropped for a missing time.
    public let n: Int
    public let nMissing: Int
    public var warnings: [String]
    /// Set by the caller for display ("months", "local failure").
    public var timeUnit: String = ""
    public var endpointName: String = ""
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?
    /// How each time of `times` (same order) is shown in the time column, as written
    /// ("12mo", "1y (365.25 d)"); nil or a missing entry: the number.
    public var timeLabels: [String]?
    /// Each group's observed times, for the numbers at risk and censoring marks of figures.
    public var observed: [CumulativeIncidenceGroupTimes] = []

    init(curves: [CumulativeIncidenceCurve], gray: [GrayTestResult], times: [Double],
         causeLabels: [Int: String], failCode: Int, n: Int, nMissing: Int, warnings: [String]) {
        self.curves = curves; self.gray = gray; self.times = times
        self.causeLabels = causeLabels; self.failCode = failCode
        self.n = n; self.nMissing = nMissing; self.warnings = warnings
    }
}

/// One group's distinct observed times in increasing order with the number at risk at each,
/// and the distinct times at which some observation was censored.
public struct CumulativeIncidenceGroupTimes: Sendable {
    public let group: String
    public let times: [Double]
    /// Observations with time >= times[k].
    public let atRiskAt: [Int]
    public let censored: [Double]

    init(group: String, times: [Double], atRisk: [Int], censored: [Double]) {
        self.group = group; self.times = times; self.atRiskAt = atRisk; self.censored = censored
    }

    /// The number at risk at t: observations with time >= t.
    public func atRisk(_ t: Double) -> Int {
        var lo = 0, hi = times.count
        while lo < hi { let mid = (lo + hi) / 2; if times[mid] < t { lo = mid + 1 } else { hi = mid } }
        return lo < times.count ? atRiskAt[lo] : 0
    }
}

public enum CumulativeIncidence {

    /// Cumulative incidence (subdistribution) functions, `cmprsk::cuminc` with `cencode = 0`.
    ///
    /// Inputs: `time[i] >= 0` (NaN = missing, dropped and counted); `status[i]` 0 = censored,
    /// a positive code = the cause of failure; `group[i]` a code in `0..<groupLabels.count`
    /// (nil: one group labelled "1", as cuminc labels it). Groups without observations are
    /// dropped, as cuminc drops empty factor levels. Causes are the distinct positive codes,
    /// in increasing order.
    ///
    /// Within one group, at each distinct time t with n(t) at risk (time >= t), d_k(t)
    /// failures of cause k and d(t) = sum_k d_k(t):
    ///     S(t)   = prod_{s <= t} (1 - d(s)/n(s))               all-cause Kaplan-Meier
    ///     F_k(t) = sum_{s <= t} S(s-) d_k(s)/n(s)              cumulative incidence of k
    /// Variance (delta method, Gray 1988, as cuminc computes it). F_k(t) is a function of the
    /// cause-specific hazard increments h_j(s) = d_j(s)/n(s); with S(s) = S(s-)(1 - h(s)):
    ///     dF_k(t)/dh_k(s) = S(s-) - (F_k(t) - F_k(s)) / (1 - h(s))
    ///     dF_k(t)/dh_j(s) =       - (F_k(t) - F_k(s)) / (1 - h(s))       for j != k
    /// (0/0 := 0 where S(s) = 0). The increments are taken as uncorrelated, each with
    /// variance d_j (n - d_j) / (n^2 (n - 1)) (1/n^2 when d_j = 1), so
    ///     Var F_k(t) = sum_{s <= t} sum_j (dF_k(t)/dh_j(s))^2 Var h_j(s),
    /// where the competing causes are pooled into one j (a cause-k curve sees "k" and "not k").
    /// Writing dF/dh = S(s-) [u(s) - F_k(t) / S(s)], u = 1{j = k} + F_k(s)/S(s), the sum
    /// splits into three running sums (of u^2 w, u w / S(s), w / S(s)^2, w = S(s-)^2 Var h),
    /// so the whole curve costs one pass over the sorted times.
    ///
    /// Symbols: n = `atRisk`, d_k = `dCause`, the other causes' d = `dOther`, S(s-) =
    /// `survBefore`, S(s) = `survAfter`, F = `incidence`, the sums = `sumUU`, `sumUV`, `sumVV`.
    ///
    /// Sources: Kalbfleisch & Prentice (2002) section 8.2; Gray (1988), Ann Stat 16:1141;
    /// cmprsk 2.2-11 documentation (`?cuminc`, `?timepoints`); checked against cmprsk on mgus2.
    public static func estimate(time: [Double], status: [Int], group: [Int]? = nil, groupLabels: [String] = [],
                                causeLabels: [Int: String] = [:],
                                options: CumulativeIncidenceOptions = .init()) throws -> CumulativeIncidenceResult {
        try options.cancellation?.check()
        guard time.count == status.count else {
            throw AnalysisError("cumulative incidence: \(time.count) times but \(status.count) status values")
        }
        if let group, group.count != time.count {
            throw AnalysisError("cumulative incidence: \(time.count) times but \(group.count) group codes")
        }
        let labels = group == nil ? ["1"] : groupLabels
        // One pass: checks, missing times, the causes (distinct positive codes) and the rows
        // of each group.
        let n = time.count
        var nMissing = 0
        var negativeZero = false
        var causeList: [Int] = []
        var lastStatus = 0
        var sizes = [Int](repeating: 0, count: labels.count)
        for i in 0..<n {
            let t = time[i]
            if t.isNaN { nMissing += 1; continue }
            if t.isInfinite || t < 0 {
                throw AnalysisError("cumulative incidence: time \(t) in row \(i + 1) is not a finite non-negative number")
            }
            if t == 0 && t.sign == .minus { negativeZero = true }
            let c = status[i]
            if c < 0 {
                throw AnalysisError("cumulative incidence: status \(c) in row \(i + 1); use 0 for censored and 1, 2, ... for causes")
            }
            let g = group?[i] ?? 0
            if group != nil, !(0..<labels.count).contains(g) {
                throw AnalysisError("cumulative incidence: group code \(g) in row \(i + 1) has no label (\(labels.count) labels)")
            }
            if c != 0 && c != lastStatus {
                lastStatus = c
                if !causeList.contains(c) { causeList.append(c) }
            }
            sizes[g] += 1
        }
        let m = n - nMissing
        guard m > 0 else { throw AnalysisError("cumulative incidence: no observations with a time") }
        let causes = causeList.sorted()
        guard !causes.isEmpty else {
            throw AnalysisError("cumulative incidence: no failures of any cause (all \(m) observations are censored)")
        }
        // The groups with rows, numbered 0..<present as cuminc refactors its groups.
        let presentGroups = labels.indices.filter { sizes[$0] > 0 }
        var compact = [Int](repeating: -1, count: labels.count)
        for (k, g) in presentGroups.enumerated() { compact[g] = k }

        // Per kept row (input order) one code: group * (causes + 1) + (0 censored, 1 + the
        // cause's index).
        let width = causes.count + 1
        var slot = [Int: Int]()
        var slots = [Int](repeating: 0, count: causes[causes.count - 1] < 1 << 16 ? causes[causes.count - 1] + 1 : 0)
        for (k, c) in causes.enumerated() {
            if slots.isEmpty { slot[c] = k + 1 } else { slots[c] = k + 1 }
        }
        let kept: [Int] = nMissing == 0 ? [] : (0..<n).filter { !time[$0].isNaN }
        var codes = [UInt32](repeating: 0, count: m)
        codes.withUnsafeMutableBufferPointer { out in
            for k in 0..<m {
                let i = nMissing == 0 ? k : kept[k]
                let c = status[i]
                let causeSlot = c == 0 ? 0 : (slots.isEmpty ? slot[c]! : slots[c])
                out[k] = UInt32(truncatingIfNeeded: compact[group?[i] ?? 0] * width + causeSlot)
            }
        }
        // The tally: with few distinct times straight from each row's time rank (no sort);
        // otherwise from the rows sorted by time. (A time of -0 sorts with +0 but is shown
        // as met first in its group, which only the sorted rows keep.)
        let tally: IncidenceTally
        let maxTime: Double
        if nMissing == 0, !negativeZero, let b = RowOrder.buckets(time: time, strata: nil),
           b.times.count * presentGroups.count * width <= max(4 * m, 1 << 16) {
            tally = IncidenceTally(rank: b.bucket, times: b.times, code: codes, causes: causes,
                                   groupCount: presentGroups.count)
            maxTime = b.times[b.times.count - 1]
        } else {
            let sortedTime: [Double], sortedCode: [UInt32]
            if nMissing == 0 {
                let position = RowOrder.positions(time: time, strata: nil)
                sortedTime = RowOrder.scatter(time, to: position, zero: 0)
                sortedCode = RowOrder.scatter(codes, to: position, zero: 0)
            } else {
                // Positions among the kept rows, in time order (ties in input order).
                let order = RowOrder.byStratumAndTime(time: time, strata: nil, rows: kept)
                var at = [Int](repeating: 0, count: n)
                for (k, i) in kept.enumerated() { at[i] = k }
                sortedTime = order.map { time[$0] }
                sortedCode = order.map { codes[at[$0]] }
            }
            tally = IncidenceTally(sortedTime: sortedTime, code: sortedCode, causes: causes,
                                   groupCount: presentGroups.count)
            maxTime = sortedTime[m - 1]
        }
        codes = []

        var warnings: [String] = []
        if nMissing > 0 { warnings.append("\(nMissing) observations with a missing time were omitted") }
        if !causes.contains(options.failCode) {
            warnings.append("no events of cause \(options.failCode); its cumulative incidence is 0")
        }
        if causes.count == 1 {
            warnings.append("only one cause of failure (\(causes[0])): no competing events, so the cumulative incidence is 1 - Kaplan-Meier")
        }

        let recordsByGroup = (0..<presentGroups.count).map { tally.records(of: $0) }
        var curves: [CumulativeIncidenceCurve] = []
        for c in causes.indices {
            for (k, g) in presentGroups.enumerated() {
                curves.append(curve(tally, records: recordsByGroup[k], cause: c, group: labels[g]))
            }
        }

        var gray: [GrayTestResult] = []
        if presentGroups.count > 1 {
            for c in causes.indices {
                let result = GrayTest.compare(tally, cause: c)
                if result.statistic.isNaN {
                    warnings.append("Gray's test for cause \(causes[c]): the variance matrix is singular; no test")
                }
                gray.append(result)
            }
        }

        let tableTimes = options.times.isEmpty ? defaultTimes(maxTime: maxTime) : Array(Set(options.times)).sorted()
        var shownLabels = causeLabels
        for c in causes where shownLabels[c] == nil { shownLabels[c] = String(c) }
        var result = CumulativeIncidenceResult(curves: curves, gray: gray, times: tableTimes, causeLabels: shownLabels,
                                               failCode: options.failCode, n: m, nMissing: nMissing,
                                               warnings: warnings)
        result.observed = presentGroups.enumerated().map { k, g in
            var times: [Double] = [], atRisk: [Int] = [], censored: [Double] = []
            var left = tally.size[k]
            for r in recordsByGroup[k] {
                times.append(tally.time[r]); atRisk.append(left)
                left -= Int(tally.removed[r])
                var failed = 0.0
                for c in causes.indices { failed += tally.failures[r * causes.count + c] }
                if failed < tally.removed[r] { censored.append(tally.time[r]) }
            }
            return CumulativeIncidenceGroupTimes(group: labels[g], times: times, atRisk: atRisk, censored: censored)
        }
        return result
    }

    /// One curve from one group's records of the tally, `cause` the index of the cause (see
    /// `estimate` for the formulas).
    static func curve(_ tally: IncidenceTally, records: [Int], cause: Int, group: String) -> CumulativeIncidenceCurve {
        var outTime: [Double] = [0], outEst: [Double] = [0], outVar: [Double] = [0]
        let causes = tally.causes.count
        var atRisk = 0.0
        for r in records { atRisk += tally.removed[r] }
        var survBefore = 1.0, incidence = 0.0
        var sumUU = 0.0, sumUV = 0.0, sumVV = 0.0
        for r in records {
            let t = tally.time[r]
            var dCause = 0.0, dOther = 0.0
            for c in 0..<causes {
                if c == cause { dCause = tally.failures[r * causes + c] } else { dOther += tally.failures[r * causes + c] }
            }
            if dCause + dOther > 0 {
                let survAfter = survBefore * (atRisk - dCause - dOther) / atRisk
                let previous = incidence
                incidence += survBefore * dCause / atRisk
                let inverseAfter = survAfter > 0 ? 1 / survAfter : 0
                // Competing causes (pooled), then the cause itself; u = indicator + F(s)/S(s).
                func add(_ d: Double, isCause: Bool) {
                    let hazardVariance = d > 1 ? d * (atRisk - d) / (atRisk * atRisk * (atRisk - 1)) : 1 / (atRisk * atRisk)
                    let w = survBefore * survBefore * hazardVariance
                    let u = (isCause ? 1 : 0) + incidence * inverseAfter
                    sumUU += u * u * w
                    sumUV += u * inverseAfter * w
                    sumVV += inverseAfter * inverseAfter * w
                }
                if dOther > 0 && survAfter > 0 { add(dOther, isCause: false) }
                if dCause > 0 { add(dCause, isCause: true) }
                if dCause > 0 {
                    let v = sumUU - 2 * incidence * sumUV + incidence * incidence * sumVV
                    outTime.append(t); outTime.append(t)
                    outEst.append(previous); outEst.append(incidence)
                    outVar.append(outVar[outVar.count - 1]); outVar.append(v)
                }
                survBefore = survAfter
            }
            atRisk -= tally.removed[r]
        }
        outTime.append(tally.time[records[records.count - 1]])
        outEst.append(incidence)
        outVar.append(outVar[outVar.count - 1])
        return CumulativeIncidenceCurve(group: group, cause: tally.causes[cause], name: "\(group) \(tally.causes[cause])",
                                        time: outTime, estimate: outEst, variance: outVar)
    }

    /// The interior points of R's `pretty(c(0, maxTime), 5)`, which `print.cuminc` shows.
    /// R's rule for a range starting at 0: cell = max/5, unit = the first of 1, 2, 5, 10
    /// times 10^floor(log10(cell)) that is not too far below the cell (R's bias h = 1.5,
    /// 2.75 for the 5s), then the multiples of the unit from 0 up to the first >= max.
    static func defaultTimes(maxTime: Double) -> [Double] {
        guard maxTime > 0, maxTime.isFinite else { return [] }
        let cell = maxTime / 5
        let base = pow(10, floor(log10(cell)))
        var unit = base
        if 2 * base - cell < 1.5 * (cell - unit) {
            unit = 2 * base
            if 5 * base - cell < 2.75 * (cell - unit) {
                unit = 5 * base
                if 10 * base - cell < 1.5 * (cell - unit) { unit = 10 * base }
            }
        }
        let top = ceil(maxTime / unit - 1e-7)
        guard top >= 2 else { return [] }
        return (1..<Int(top)).map { Double($0) * unit }
    }
}
