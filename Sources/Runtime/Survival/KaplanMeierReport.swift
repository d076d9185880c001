/// How a Kaplan-Meier result shows itself: a summary table (n, events, median with its
/// interval per group), a table of the curves at the requested times, and JSON with every
/// number including each curve's full step table.
extension KaplanMeierResult: Reportable {
    public var kind: String { "km" }

    /// The quantile probabilities reported in JSON (R's `quantile.survfit` default).
    static let reportedProbabilities = [0.25, 0.5, 0.75]

    var levelText: String { formatNumber(options.confidenceLevel * 100) + "%" }

    var unitSuffix: String { timeUnit.isEmpty ? "" : " (\(timeUnit))" }

    /// " in omd" when the cohort is named, "" otherwise.
    var cohortSuffix: String { cohortName.map { " in \($0)" } ?? "" }

    /// The time column's cell for requested time k: its label as written, or the number.
    func timeCell(_ k: Int) -> Cell {
        if let labels = timeLabels, k < labels.count { return .text(labels[k]) }
        return .time(options.times[k])
    }

    public func tables() -> [ResultTable] {
        let method = options.medianInterval
        var notes = [String]()
        notes.append(transformNote)
        notes.append(method.note(z: z))
        if !timeUnit.isEmpty { notes.append("Times in \(timeUnit).") }

        let title = (endpointName.isEmpty ? "Kaplan-Meier" : "Kaplan-Meier: \(endpointName)") + cohortSuffix
        var summaryRows = [[Cell]]()
        for c in curves {
            let m = median(c)
            var row: [Cell] = [
                .text(c.label), .integer(c.n), .integer(c.events),
                m.estimate.map { Cell.number($0, digits: 4) } ?? .text("not reached"),
            ]
            switch method {
            case .inverted: break
            case .spss:
                row.append(Cell.num(m.standardError))
                if m.estimate != nil, let reason = m.reason {
                    notes.append("\(c.label): no median interval: \(reason).")
                }
            }
            row += [Cell.num(m.lower, digits: 4), Cell.num(m.upper, digits: 4)]
            summaryRows.append(row)
        }
        notes += warnings
        var columns = [groupName ?? "group", "n", "events", "median" + unitSuffix]
        switch method {
        case .inverted: break
        case .spss: columns.append("SE")
        }
        columns += ["\(levelText) lower", "\(levelText) upper"]
        var out = [ResultTable(title: title, columns: columns, rows: summaryRows, notes: notes)]

        if !options.times.isEmpty {
            var rows = [[Cell]]()
            for c in curves {
                for (k, t) in options.times.enumerated() {
                    let p = c.at(t)
                    rows.append([
                        .text(c.label), timeCell(k), .integer(p.nRisk), .integer(p.nEventCumulative),
                        Cell.surv(p.survival), Cell.num(p.stdErr), Cell.surv(p.lower), Cell.surv(p.upper),
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
            let m = median(c)
            let points: [JSONValue] = options.times.enumerated().map { k, t in
                let p = c.at(t)
                var label: [(String, JSONValue)] = []
                if let labels = timeLabels, k < labels.count { label = [("label", .string(labels[k]))] }
                return .object([("time", .number(t))] + label + [
                    ("n_risk", .int(p.nRisk)),
                    ("n_event_cumulative", .int(p.nEventCumulative)),
                    ("n_censor_cumulative", .int(p.nCensorCumulative)),
                    ("surv", .number(p.survival)), ("std_err", .number(p.stdErr)),
                    ("std_err_log_surv", .number(p.stdErrLog)), ("lower", .num(p.lower)),
                    ("upper", .num(p.upper)), ("cumhaz", .number(p.cumulativeHazard)),
                ])
            }
            return .object([
                ("label", .string(c.label)), ("n", .int(c.n)), ("events", .int(c.events)),
                ("median", medianJSON(m)),
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
        var fields: [(String, JSONValue)] = [
            ("kind", .string(kind)),
            ("endpoint", .string(endpointName)),
        ]
        if let cohortName { fields.append(("cohort", .string(cohortName))) }
        fields += [
            ("time_unit", .string(timeUnit)),
            ("group", groupName.map { .string($0) } ?? .null),
            ("confidence_level", .number(options.confidenceLevel)),
            ("transform", .string(options.transform.rawValue)),
            ("median_interval", .string(options.medianInterval.rawValue)),
            ("z", .number(z)),
            ("curves", .array(curvesJSON)),
            ("warnings", .strings(warnings)),
        ]
        return .object(fields)
    }

    /// The median object: estimate and limits, the method, and for SPSS's method the terms
    /// of SE(t50) = SE(S(t50)) / f(t50) and the reason when there is no interval.
    func medianJSON(_ m: KaplanMeierMedian) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("estimate", .num(m.estimate)), ("lower", .num(m.lower)), ("upper", .num(m.upper)),
            ("method", .string(m.method.rawValue)),
        ]
        switch m.method {
        case .inverted: break
        case .spss:
            fields += [
                ("std_err", .num(m.standardError)), ("std_err_surv", .num(m.survivalStdErr)),
                ("u", .num(m.u)), ("surv_u", .num(m.survivalAtU)), ("l", .num(m.l)), ("surv_l", .num(m.survivalAtL)),
                ("density", .num(m.density)),
            ]
        }
        fields.append(("reason", m.reason.map { .string($0) } ?? .null))
        return .object(fields)
    }
}
