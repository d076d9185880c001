/// How a restricted mean survival time result shows itself: one row per group (n, events,
/// RMST, SE, interval), and for two groups the difference and the ratio with their intervals
/// and p-values.
extension RestrictedMeanResult: Reportable {
    public var kind: String { "rmst" }

    var levelText: String { formatNumber(confidenceLevel * 100) + "%" }
    var unitSuffix: String { timeUnit.isEmpty ? "" : " (\(timeUnit))" }
    var tauText: String { tauLabel ?? (formatNumber(tau) + (timeUnit.isEmpty ? "" : " " + timeUnit)) }

    public func tables() -> [ResultTable] {
        let title = "Restricted mean survival time to \(tauText)" + (endpointName.isEmpty ? "" : ": \(endpointName)")
            + (cohortName.map { " in \($0)" } ?? "")
        let rows: [[Cell]] = groups.map { g in
            [.text(g.label), .integer(g.n), .integer(g.events), Cell.num(g.estimate), Cell.num(g.standardError),
             Cell.num(g.lower), Cell.num(g.upper)]
        }
        var notes = ["RMST = area under the Kaplan-Meier curve from 0 to tau = \(formatNumber(tau)); SE as R's survmean (Greenwood plug-in); \(levelText) CI: RMST +- z SE."]
        if !timeUnit.isEmpty { notes.append("Times in \(timeUnit).") }
        notes += warnings
        var out = [ResultTable(title: title,
                               columns: [groupName ?? "group", "n", "events", "RMST" + unitSuffix, "SE",
                                         "\(levelText) lower", "\(levelText) upper"],
                               rows: rows, notes: notes)]
        if groups.count == 2, difference != nil || ratio != nil {
            var contrastRows = [[Cell]]()
            let (a, b) = (groups[1].label, groups[0].label)
            if let d = difference {
                contrastRows.append([.text("difference (\(a) - \(b))"), .number(d.estimate), .number(d.lower), .number(d.upper), .pValue(d.p)])
            }
            if let r = ratio {
                contrastRows.append([.text("ratio (\(a) / \(b))"), .number(r.estimate), .number(r.lower), .number(r.upper), .pValue(r.p)])
            }
            out.append(ResultTable(title: "RMST contrast", columns: ["contrast", "estimate", "\(levelText) lower", "\(levelText) upper", "p"],
                                   rows: contrastRows,
                                   notes: ["As survRM2::rmst2: the difference with SE sqrt(Var1 + Var0); the ratio on the log scale (delta method)."]))
        }
        return out
    }

    public func json() -> JSONValue {
        func contrast(_ c: RestrictedMeanContrast?, seName: String) -> JSONValue {
            guard let c else { return .null }
            return .object([("estimate", .number(c.estimate)), (seName, .number(c.standardError)),
                            ("lower", .number(c.lower)), ("upper", .number(c.upper)), ("p", .number(c.p))])
        }
        var fields: [(String, JSONValue)] = [("kind", .string(kind)), ("endpoint", .string(endpointName))]
        if let cohortName { fields.append(("cohort", .string(cohortName))) }
        fields += [
            ("time_unit", .string(timeUnit)),
            ("group", groupName.map { .string($0) } ?? .null),
            ("tau", .number(tau)),
            ("confidence_level", .number(confidenceLevel)),
            ("groups", .array(groups.map { g in
                .object([("label", .string(g.label)), ("n", .int(g.n)), ("events", .int(g.events)),
                         ("last_time", .number(g.lastTime)), ("rmst", .num(g.estimate)), ("std_err", .num(g.standardError)),
                         ("lower", .num(g.lower)), ("upper", .num(g.upper))])
            })),
            ("difference", contrast(difference, seName: "std_err")),
            ("ratio", contrast(ratio, seName: "std_err_log")),
            ("warnings", .strings(warnings)),
        ]
        return .object(fields)
    }
}
