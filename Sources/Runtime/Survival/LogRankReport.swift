#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of a G-rho test (`LogRank.test`), as R's `survdiff` object.
public struct LogRankResult: Reportable {
    public var groups: [String]
    public var n: [Int]
    /// Weighted observed events per group (plain counts when rho = 0).
    public var observed: [Double]
    public var expected: [Double]
    /// k x k variance matrix of O - E.
    public var variance: [[Double]]
    public var chiSquare: Double
    public var df: Int
    public var p: Double
    public var rho: Double
    /// Labels of the strata (empty when not stratified).
    public var strataLabels: [String]
    /// [group][stratum], only when stratified.
    public var observedByStratum: [[Double]]?
    public var expectedByStratum: [[Double]]?
    public var warnings: [String]
    /// Set by the caller for display ("PFS", "months").
    public var endpointName: String = ""
    public var timeUnit: String = ""
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?

    public var test: TestStatistic { TestStatistic(statistic: chiSquare, df: Double(df), p: p) }

    public var kind: String { "logrank" }

    public var testName: String {
        switch rho {
        case 0: return "Log-rank test"
        case 1: return "Peto & Peto (G-rho, rho = 1) test"
        default: return "Harrington-Fleming G-rho test (rho = \(rho))"
        }
    }

    public func tables() -> [ResultTable] {
        var rows: [[Cell]] = []
        for g in 0..<groups.count {
            let oe = observed[g] - expected[g]
            rows.append([.text(groups[g]), .integer(n[g]), .number(observed[g]), .number(expected[g]),
                         .num(oe * oe / expected[g]), .num(oe * oe / variance[g][g])])
        }
        var notes = ["Chisq = \(statText(chiSquare)) on \(df) degree\(df == 1 ? "" : "s") of freedom, p \(Format.pValue(p).hasPrefix("<") ? "" : "= ")\(Format.pValue(p))"]
        notes += warnings
        var title = testName
        if !endpointName.isEmpty { title += ": " + endpointName }
        if let cohortName { title += " in " + cohortName }
        if !strataLabels.isEmpty { title += " (stratified by " + strataLabels.joined(separator: ", ") + ")" }
        let main = ResultTable(title: title,
                               columns: ["group", "N", "Observed", "Expected", "(O-E)^2/E", "(O-E)^2/V"],
                               rows: rows, notes: notes)
        var result = [main]
        if let ob = observedByStratum, let eb = expectedByStratum, !strataLabels.isEmpty {
            var srows: [[Cell]] = []
            for g in 0..<groups.count {
                for s in 0..<strataLabels.count where s < ob[g].count {
                    srows.append([.text(groups[g]), .text(strataLabels[s]), .number(ob[g][s]), .number(eb[g][s])])
                }
            }
            result.append(ResultTable(title: "Observed and expected by stratum",
                                      columns: ["group", "stratum", "Observed", "Expected"], rows: srows))
        }
        return result
    }

    public func json() -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("kind", .string(kind)), ("test", .string(testName)),
            ("endpoint", .string(endpointName)),
        ]
        if let cohortName { fields.append(("cohort", .string(cohortName))) }
        fields += [
            ("time_unit", .string(timeUnit)),
            ("rho", .number(rho)), ("groups", .strings(groups)), ("n", .ints(n)),
            ("observed", .nums(observed)), ("expected", .nums(expected)),
            ("var_matrix", .array(variance.map { .nums($0) })),
            ("chisq", .number(chiSquare)), ("df", .int(df)), ("p", .number(p)),
        ]
        if let ob = observedByStratum, let eb = expectedByStratum {
            fields.append(("strata", .strings(strataLabels)))
            fields.append(("observed_by_stratum", .array(ob.map { .nums($0) })))
            fields.append(("expected_by_stratum", .array(eb.map { .nums($0) })))
        }
        fields.append(("warnings", .strings(warnings)))
        return .object(fields)
    }
}

/// The result of the log-rank test for trend (`LogRank.trend`).
public struct LogRankTrendResult: Reportable {
    public var groups: [String]
    public var scores: [Double]
    public var n: [Int]
    public var observed: [Double]
    public var expected: [Double]
    /// U = sum_g w_g (O_g - E_g) and its variance w' V w.
    public var u: Double
    public var varianceU: Double
    public var chiSquare: Double
    public var df: Int
    public var p: Double
    public var rho: Double
    public var endpointName: String = ""
    public var timeUnit: String = ""
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?

    public var test: TestStatistic { TestStatistic(statistic: chiSquare, df: Double(df), p: p) }

    public var kind: String { "logrank_trend" }

    public func tables() -> [ResultTable] {
        var rows: [[Cell]] = []
        for g in 0..<groups.count {
            rows.append([.text(groups[g]), .number(scores[g]), .integer(n[g]), .number(observed[g]), .number(expected[g])])
        }
        let title = "Log-rank test for trend" + (rho == 0 ? "" : " (G-rho, rho = \(rho))")
            + (endpointName.isEmpty ? "" : ": " + endpointName) + (cohortName.map { " in " + $0 } ?? "")
        return [ResultTable(title: title, columns: ["group", "score", "N", "Observed", "Expected"], rows: rows,
                            notes: ["U = \(statText(u)), Var(U) = \(statText(varianceU)); Chisq = \(statText(chiSquare)) on 1 degree of freedom, p \(Format.pValue(p).hasPrefix("<") ? "" : "= ")\(Format.pValue(p))"])]
    }

    public func json() -> JSONValue {
        .object([("kind", .string(kind)), ("endpoint", .string(endpointName))]
            + (cohortName.map { [("cohort", JSONValue.string($0))] } ?? []) + [
            ("time_unit", .string(timeUnit)),
            ("rho", .number(rho)), ("groups", .strings(groups)), ("scores", .nums(scores)), ("n", .ints(n)),
            ("observed", .nums(observed)), ("expected", .nums(expected)),
            ("u", .number(u)), ("var_u", .number(varianceU)),
            ("chisq", .number(chiSquare)), ("df", .int(df)), ("p", .number(p)),
        ])
    }
}

/// A short human rendering of a statistic for notes (4 significant digits, like R's print).
func statText(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "NA" : (x > 0 ? "Inf" : "-Inf") }
    if x == 0 { return "0" }
    var digits = 4
    let magnitude = Swift.abs(x)
    var m = magnitude
    while m >= 10 && digits > 0 { m /= 10; digits -= 1 }
    if magnitude < 1 {
        var p = magnitude
        while p < 1 { p *= 10; digits += 1 }
        digits -= 1
    }
    let scale = pow(10.0, Double(digits))
    let rounded = (x * scale).rounded() / scale
    var s = String(rounded)
    if s.hasSuffix(".0") { s.removeLast(2) }
    return s
}
