// Follow-up summaries: how long patients were observed.
//
// Inputs and preconditions
//   time[i] >= 0 (finite), event[i] true for an event (same coding as Kaplan-Meier). Rows
//   with NaN time are skipped (the caller reports them).
//
// Formulas
//   Reverse Kaplan-Meier median follow-up (Schemper & Smith 1996): the Kaplan-Meier
//   estimator with the censoring indicator flipped, so that "being censored" is the event
//   and an event censors follow-up; its median and interval are those of `KaplanMeier`
//   (R: quantile(survfit(Surv(time, 1 - event) ~ 1), 0.5), log band by default; with
//   `options.medianInterval = .spss`, SPSS's median -+ z SE, see KaplanMeierMedian.swift). The
//   plain flip is used: at a time with both events and censorings nothing is reordered.
//   Observed-time summaries: median (mean of the two middle values for even n, as R's
//   `median`), minimum and maximum of all times, and the median over censored rows only
//   (follow-up of patients without the event).
//
// Symbols -> variables: reverse KM median = reverseMedian, its band limits = reverseLower,
//   reverseUpper; median/min/max of time = medianObserved, minimum, maximum.
//
// Source: M. Schemper and T. L. Smith (1996), "A note on quantifying follow-up in studies
//   of failure time", Controlled Clinical Trials 17:343-346.

public struct FollowUpResult: Sendable {
    public let n: Int
    public let events: Int
    public let censored: Int
    /// Reverse Kaplan-Meier median follow-up; nil when the reverse curve never reaches 0.5.
    public let reverseMedian: Double?
    public let reverseLower: Double?
    public let reverseUpper: Double?
    /// Median of all observed times (R's `median`).
    public let medianObserved: Double
    /// Median of the censored rows' times; nil when no row is censored.
    public let medianCensored: Double?
    public let minimum: Double
    public let maximum: Double
    public let options: KaplanMeierOptions
    /// The reverse Kaplan-Meier curve itself ("event" = censored).
    public let reverseCurve: KaplanMeierCurve
    public var timeUnit: String = ""
    /// What the rows are (an endpoint, a group), for the title.
    public var label: String = ""
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?
    public var warnings: [String] = []
}

public enum FollowUp {
    /// Follow-up summary of right-censored times.
    /// - Throws: `AnalysisError` for mismatched lengths, negative or infinite times, or no rows.
    public static func summarize(time: [Double], event: [Bool], options: KaplanMeierOptions = .init()) throws -> FollowUpResult {
        guard time.count == event.count else {
            throw AnalysisError("time has \(time.count) values but event has \(event.count)")
        }
        let reverse = try KaplanMeier.fit(time: time, event: event.map { !$0 }, options: options)
        let curve = reverse.curves[0]
        var observed = [Double](), censoredTimes = [Double]()
        observed.reserveCapacity(time.count)
        for i in time.indices where !time[i].isNaN {
            observed.append(time[i])
            if !event[i] { censoredTimes.append(time[i]) }
        }
        observed = Quantile.ascending(observed)
        censoredTimes = Quantile.ascending(censoredTimes)
        guard let medianObserved = sortedMedian(observed), let minimum = observed.first, let maximum = observed.last else {
            throw AnalysisError("no observations with a follow-up time")
        }
        let m = curve.median(method: options.medianInterval, z: reverse.z)
        var warnings = [String]()
        if censoredTimes.isEmpty {
            warnings.append("no row is censored: every patient had the event, so the reverse Kaplan-Meier median is not defined")
        } else if m.estimate == nil {
            warnings.append("the reverse Kaplan-Meier curve does not reach 0.5 (only \(censoredTimes.count) censored rows); median follow-up not estimable")
        }
        return FollowUpResult(
            n: observed.count, events: observed.count - censoredTimes.count, censored: censoredTimes.count,
            reverseMedian: m.estimate, reverseLower: m.lower, reverseUpper: m.upper,
            medianObserved: medianObserved, medianCensored: sortedMedian(censoredTimes),
            minimum: minimum, maximum: maximum, options: options, reverseCurve: curve,
            warnings: warnings)
    }

    /// R's `median` of sorted values: the middle value, or the mean of the two middle ones.
    static func sortedMedian(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let h = xs.count / 2
        return xs.count % 2 == 1 ? xs[h] : (xs[h - 1] + xs[h]) / 2
    }
}

extension FollowUpResult: Reportable {
    public var kind: String { "followup" }

    public func tables() -> [ResultTable] {
        let level = formatNumber(options.confidenceLevel * 100) + "%"
        let unit = timeUnit.isEmpty ? "" : " (\(timeUnit))"
        var rows: [[Cell]] = [
            [.text("median follow-up, reverse Kaplan-Meier"),
             reverseMedian.map { Cell.number($0) } ?? .text("not reached"), Cell.num(reverseLower), Cell.num(reverseUpper)],
            [.text("median observed time, all patients"), .number(medianObserved), .missing, .missing],
        ]
        if let medianCensored {
            rows.append([.text("median observed time, censored patients"), .number(medianCensored), .missing, .missing])
        }
        rows.append([.text("minimum"), .number(minimum), .missing, .missing])
        rows.append([.text("maximum"), .number(maximum), .missing, .missing])
        var notes = ["n = \(n), events = \(events), censored = \(censored)."]
        switch options.medianInterval {
        case .inverted:
            notes.append("Reverse Kaplan-Meier: censoring taken as the event; \(level) CI from the \(options.transform.rawValue) band.")
        case .spss:
            let z = Distributions.normalQuantile(1 - (1 - options.confidenceLevel) / 2)
            notes.append("Reverse Kaplan-Meier: censoring taken as the event; \(level) CI: SPSS (Collett 2.4), median +- "
                         + Format.significant(z, digits: 3) + " SE.")
        }
        if !timeUnit.isEmpty { notes.append("Times in \(timeUnit).") }
        notes += warnings
        let title = (label.isEmpty ? "Follow-up" : "Follow-up: \(label)") + (cohortName.map { " in " + $0 } ?? "")
        return [ResultTable(title: title, columns: ["", "value" + unit, "\(level) lower", "\(level) upper"],
                            rows: rows, notes: notes)]
    }

    public func json() -> JSONValue {
        .object([("label", .string(label))] + (cohortName.map { [("cohort", JSONValue.string($0))] } ?? []) + [
            ("kind", .string(kind)), ("time_unit", .string(timeUnit)),
            ("n", .int(n)), ("events", .int(events)), ("censored", .int(censored)),
            ("reverse_km_median", .num(reverseMedian)), ("lower", .num(reverseLower)), ("upper", .num(reverseUpper)),
            ("confidence_level", .number(options.confidenceLevel)), ("transform", .string(options.transform.rawValue)),
            ("median_interval", .string(options.medianInterval.rawValue)),
            ("median_observed", .number(medianObserved)), ("median_censored", .num(medianCensored)),
            ("minimum", .number(minimum)), ("maximum", .number(maximum)),
            ("warnings", .strings(warnings)),
        ])
    }
}
