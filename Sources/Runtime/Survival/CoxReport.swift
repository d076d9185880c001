#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a Cox fit describes itself: one coefficient table with the model's notes, and JSON
/// with every number at full precision.
extension CoxResult: Reportable {
    public var kind: String { "cox" }

    public func tables() -> [ResultTable] {
        let level = Int((confidenceLevel * 100).rounded())
        let columns = ["term", "coef", "HR", "\(level)% CI lower", "\(level)% CI upper", "SE", "z", "p"]
        let hr = hazardRatios, lo = confidenceLower, hi = confidenceUpper, z = zStatistics, pv = pValues
        var rows: [[Cell]] = []
        var notes: [String] = []
        for j in coefficients.indices {
            let name = columnLabels[columnNames[j]] ?? columnNames[j]
            if aliased[j] {
                rows.append([.text(name), .text("NA (aliased)"), .missing, .missing, .missing, .missing, .missing, .missing])
                notes.append("\(name): not estimable, its column is a linear combination of earlier columns.")
            } else if possiblyInfinite[j] {
                let toward = coefficients[j] < 0 ? "-Inf" : "+Inf"
                rows.append([.text(name), .text("\(toward) (diverges)"), .text(coefficients[j] < 0 ? "-> 0" : "-> Inf"),
                             .missing, .missing, .missing, .missing, .missing])
                notes.append("\(name): monotone likelihood, the estimate diverges towards \(toward); "
                             + "the hazard ratio is not estimable (the fit stopped at coef \(significantText(coefficients[j], digits: 4)), "
                             + "SE \(significantText(standardErrors[j], digits: 4)), which are not estimates).")
            } else {
                rows.append([.text(name), .number(coefficients[j]), .number(hr[j]), .number(lo[j]), .number(hi[j]),
                             .number(standardErrors[j]), .number(z[j], digits: 3), .pValue(pv[j])])
            }
        }
        var head = "n = \(n), events = \(nEvents)"
        if nDropped > 0 { head += " (\(nDropped) observation\(nDropped == 1 ? "" : "s") dropped for missing values)" }
        head += ", ties = \(ties.rawValue)"
        if stratified { head += ", stratified" }
        notes.insert(head, at: 0)
        func test(_ name: String, _ t: TestStatistic) -> String {
            "\(name) = \(formatNumber(roundTo(t.statistic, 2))) on \(formatNumber(t.df)) df, p \(formatP(t.p).hasPrefix("<") ? "" : "= ")\(formatP(t.p))"
        }
        notes.append(test("Likelihood ratio test", likelihoodRatio))
        notes.append(test("Wald test", wald))
        notes.append(test("Score (log-rank) test", score))
        if let robustScore { notes.append(test("Robust score test", robustScore)) }
        notes.append("Concordance = \(formatNumber(roundTo(concordance.concordance, 3))) (se = \(formatNumber(roundTo(concordance.standardError, 3))))")
        if !converged { notes.append("The fit did not converge in \(iterations) iterations.") }
        if countingProcess { notes.append("(start, stop] rows: n counts intervals, each at risk over its interval.") }
        notes += self.notes
        for w in warnings { notes.append("Warning: " + w) }
        return [ResultTable(title: title, columns: columns, rows: rows, notes: notes)]
    }

    /// "Cox proportional hazards model", and when the cohort is named, the endpoint and the
    /// cohort: "Cox proportional hazards model: pfs in omd".
    var title: String {
        let base = "Cox proportional hazards model"
        guard let cohortName else { return base }
        return base + (endpointName.isEmpty ? "" : ": " + endpointName) + " in " + cohortName
    }

    public func json() -> JSONValue {
        let hr = hazardRatios, lo = confidenceLower, hi = confidenceUpper, z = zStatistics, pv = pValues
        let coefs: [JSONValue] = coefficients.indices.map { j in
            .object([
                ("term", .string(columnNames[j])),
                ("label", .string(columnLabels[columnNames[j]] ?? columnNames[j])),
                ("coef", .num(coefficients[j])), ("se", .num(standardErrors[j])),
                ("hr", .num(hr[j])), ("hr_lower", .num(lo[j])), ("hr_upper", .num(hi[j])),
                ("z", .num(z[j])), ("p", .num(pv[j])),
            ] + (robust ? [("se_model", JSONValue.num(naiveStandardErrors[j]))] : []) + [
                ("aliased", .bool(aliased[j])), ("possibly_infinite", .bool(possiblyInfinite[j])),
            ])
        }
        func test(_ t: TestStatistic) -> JSONValue {
            .object([("statistic", .number(t.statistic)), ("df", .number(t.df)), ("p", .num(t.p))])
        }
        return .object([("kind", .string(kind))]
            + (cohortName.map { [("cohort", JSONValue.string($0))] } ?? []) + [
            ("ties", .string(ties.rawValue)),
            ("conf_level", .number(confidenceLevel)),
            ("n", .int(n)), ("n_events", .int(nEvents)), ("n_dropped", .int(nDropped)),
            ("iterations", .int(iterations)), ("converged", .bool(converged)),
            ("stratified", .bool(stratified)),
            ("coefficients", .array(coefs)),
            ("variance_matrix", .array(variance.map { JSONValue.nums($0) })),
            ("means", .object(columnNames.indices.map { (columnNames[$0], JSONValue.number(means[$0])) })),
            ("terms", .array(terms.map { .object([("name", .string($0.name)),
                                                   ("columns", .ints(Array($0.columns)))]) })),
            ("loglik_null", .number(logLikelihoodNull)), ("loglik_final", .number(logLikelihood)),
            ("tests", .object([("likelihood_ratio", test(likelihoodRatio)), ("wald", test(wald)),
                               ("score_logrank", test(score))])),
            ("concordance", .object([
                ("concordance", .num(concordance.concordance)), ("std_err", .num(concordance.standardError)),
                ("concordant", .number(concordance.concordant)), ("discordant", .number(concordance.discordant)),
                ("tied_x", .number(concordance.tiedX)), ("tied_y", .number(concordance.tiedY)),
                ("tied_xy", .number(concordance.tiedXY)),
            ])),
            ("warnings", .strings(warnings)),
        ] + extensionJSON)
    }

    /// Fields of weighted, (start, stop] and robust fits (absent otherwise, so that plain
    /// fits keep their layout).
    var extensionJSON: [(String, JSONValue)] {
        var out = [(String, JSONValue)]()
        if countingProcess { out.append(("counting_process", .bool(true))) }
        if weighted { out.append(("weighted", .bool(true))) }
        if robust {
            out.append(("robust", .bool(true)))
            if let clusters { out.append(("clusters", .int(clusters))) }
            if let naiveVariance { out.append(("variance_matrix_model", .array(naiveVariance.map { JSONValue.nums($0) }))) }
            if let robustScore {
                out.append(("robust_score", .object([("statistic", .number(robustScore.statistic)), ("df", .number(robustScore.df)),
                                                     ("p", .num(robustScore.p))])))
            }
        }
        if !notes.isEmpty { out.append(("notes", .strings(notes))) }
        return out
    }
}

private func roundTo(_ x: Double, _ digits: Int) -> Double {
    guard x.isFinite else { return x }
    var m = 1.0
    for _ in 0..<digits { m *= 10 }
    return (x * m).rounded() / m
}

/// p-value text in R's `format.pval` style ("< 2e-16" below machine precision).
func formatP(_ p: Double) -> String { Format.pValue(p) }

/// `x` with `digits` significant digits, as R prints it.
func significantText(_ x: Double, digits: Int) -> String { Format.significant(x, digits: digits) }
