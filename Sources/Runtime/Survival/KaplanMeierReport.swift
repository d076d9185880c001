/// How a Kaplan-Meier result shows itself: a summary table (n, events, median with its
/// interval per group), a table of the curves at the requested times, and JSON with every
/// number including each curve's full step table.
extension KaplanMeierResult: Reportable {
    public var kind: String { "km" }

    /// The quantile probabilities reported in JSON (R's `quantile.survfit` default).
    static let reportedProbabilities = [0.25, 0.5, 0.75]

    var levelText: String { formatNumber(options.confidenceLevel * 100) + "%" }

    var unitSuffix: String { timeUnit.isEmpty ? "" : " (\(timeUnit))" }

    public func tables() -> [ResultTable] {
        var notes = [String]()
        notes.append(transformNote)
        notes.append("Median: first time S(t) <= 0.5; interval from the pointwise band (R quantile.survfit).")
        if !timeUnit.isEmpty { notes.append("Times in \(timeUnit).") }
        notes += warnings

        let title = endpointName.isEmpty ? "Kaplan-Meier" : "Kaplan-Meier: \(endpointName)"
        var summaryRows = [[Cell]]()
        for c in curves {
            let m = c.median
            summaryRows.append([
                .text(c.label), .integer(c.n), .integer(c.events),
                m.estimate.map { Cell.number($0, digits: 4) } ?? .text("not reached"),
                Cell.num(m.lower), Cell.num(m.upper),
            ])
        }
        var out = [ResultTable(
            title: title,
            columns: [groupName ?? "group", "n", "events", "median" + unitSuffix,
                      "\(levelText) lower", "\(levelText) upper"],
            rows: summaryRows, notes: notes)]

        if !options.times.isEmpty {
            var rows = [[Cell]]()
            for c in curves {
                for t in options.times {
                    let p = c.at(t)
                    rows.append([
                        .text(c.label), .number(t, digits: 6), .integer(p.nRisk), .integer(p.nEventCumulative),
                        Cell.num(p.survival), Cell.num(p.stdErr), Cell.num(p.lower), Cell.num(p.upper),
                    ])
                }
            }
            out.append(ResultTable(
                title: "Survival at chosen times",
                columns: [groupName ?? "group", "time" + unitSuffix, "n at risk", "events", "survival", "SE",
                          "\(levelText) lower", "\(levelText) upper"],
                rows: rows,
                notes: [transformNote, "Events are cumulative up to each time; SE is that of S(t) (Greenwood)."]))
        }
        return out
    }

    var transformNote: String {
        switch options.transform {
        case .log:
            return "\(levelText) CI for S(t): log transform, S exp(+-z SE(log S)), upper limit capped at 1 (R default)."
        case .logLog:
            return "\(levelText) CI for S(t): log-log transform; none where S is 0 or 1."
        case .plain:
            return "\(levelText) CI for S(t): plain (linear), S +- z SE(S), clipped to [0, 1]."
        }
    }

    public func json() -> JSONValue {
        let probs = Self.reportedProbabilities
        let curvesJSON: [JSONValue] = curves.map { c in
            let qs = c.quantiles(probs)
            let m = c.median
            let points: [JSONValue] = options.times.map { t in
                let p = c.at(t)
                return .object([
                    ("time", .number(t)), ("n_risk", .int(p.nRisk)),
                    ("n_event_cumulative", .int(p.nEventCumulative)),
                    ("n_censor_cumulative", .int(p.nCensorCumulative)),
                    ("surv", .number(p.survival)), ("std_err", .number(p.stdErr)),
                    ("std_err_log_surv", .number(p.stdErrLog)), ("lower", .num(p.lower)),
                    ("upper", .num(p.upper)), ("cumhaz", .number(p.cumulativeHazard)),
                ])
            }
            return .object([
                ("label", .string(c.label)), ("n", .int(c.n)), ("events", .int(c.events)),
                ("median", .object([("estimate", .num(m.estimate)), ("lower", .num(m.lower)), ("upper", .num(m.upper))])),
                ("quantiles", .object([
                    ("probs", .nums(probs)),
                    ("quantile", .nums(qs.map { $0.estimate })),
                    ("lower", .nums(qs.map { $0.lower })),
                    ("upper", .nums(qs.map { $0.upper })),
                ])),
                ("at_times", .array(points)),
                ("step_table", .object([
                    ("time", .nums(c.time)), ("n_risk", .ints(c.nRisk)), ("n_event", .ints(c.nEvent)),
                    ("n_censor", .ints(c.nCensor)), ("surv", .nums(c.survival)),
                    ("std_err_log_surv", .nums(c.stdErrLog)), ("lower", .nums(c.lower)), ("upper", .nums(c.upper)),
                    ("cumhaz", .nums(c.cumulativeHazard)), ("std_err_cumhaz", .nums(c.stdErrCumulativeHazard)),
                ])),
            ])
        }
        return .object([
            ("kind", .string(kind)),
            ("endpoint", .string(endpointName)),
            ("time_unit", .string(timeUnit)),
            ("group", groupName.map { .string($0) } ?? .null),
            ("confidence_level", .number(options.confidenceLevel)),
            ("transform", .string(options.transform.rawValue)),
            ("z", .number(z)),
            ("curves", .array(curvesJSON)),
            ("warnings", .strings(warnings)),
        ])
    }
}
