#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Reportable conformances of the competing-risks results (cumulative incidence with Gray's
// test, and the Fine-Gray model).

extension CumulativeIncidenceCurve {
    /// Pointwise 95% interval on the log(-log) scale, the one cmprsk users usually compute:
    /// est^exp(+-z se / (est log est)). None where the estimate is 0 or 1 or has no variance.
    public func logLogInterval(_ t: Double, level: Double = 0.95) -> (lower: Double, upper: Double) {
        let (est, variance) = at(t)
        guard est > 0, est < 1, variance > 0 else { return (.nan, .nan) }
        let z = Distributions.normalQuantile(1 - (1 - level) / 2)
        let scale = variance.squareRoot() / (est * log(est))
        return (pow(est, exp(-z * scale)), pow(est, exp(z * scale)))
    }
}

extension CumulativeIncidenceResult {
    private func causeName(_ c: Int) -> String { causeLabels[c] ?? String(c) }

    public func tables() -> [ResultTable] {
        let unit = timeUnit.isEmpty ? "" : " (\(timeUnit))"
        let title = (endpointName.isEmpty ? "Cumulative incidence" : "Cumulative incidence: \(endpointName)")
            + (cohortName.map { " in " + $0 } ?? "")
        // The cause of interest first, then the others, each group by group.
        let ordered = curves.filter { $0.cause == failCode } + curves.filter { $0.cause != failCode }
        var rows: [[Cell]] = []
        for curve in ordered {
            for (k, t) in times.enumerated() {
                let (est, variance) = curve.at(t)
                let ci = curve.logLogInterval(t)
                let time: Cell = timeLabels.flatMap { k < $0.count ? Cell.text($0[k]) : nil } ?? .time(t)
                rows.append([.text(curve.group), .text(causeName(curve.cause)), time,
                             .surv(est), .num(variance.squareRoot()), .surv(ci.lower), .surv(ci.upper)])
            }
        }
        var notes = ["SE: square root of cmprsk's variance (Gray 1988, delta method).",
                     "95% CI on the log(-log) scale: est^exp(+-1.96 SE/(est log est)); cmprsk itself reports no interval."]
        notes += warnings
        var out = [ResultTable(title: title, columns: ["Group", "Cause", "Time" + unit, "Estimate", "SE", "Lower 95%", "Upper 95%"],
                               rows: rows, notes: notes)]
        if !gray.isEmpty {
            out.append(ResultTable(
                title: "Gray's test (rho = 0)", columns: ["Cause", "Statistic", "df", "p"],
                rows: gray.map { [.text(causeName($0.cause)), .num($0.statistic), .integer(Int($0.df)), .pValue($0.p)] },
                notes: ["Equality of the cumulative incidence of each cause across groups (Gray 1988)."]))
        }
        return out
    }

    public func json() -> JSONValue {
        .object([("kind", .string(kind)), ("endpoint", .string(endpointName))]
            + (cohortName.map { [("cohort", JSONValue.string($0))] } ?? []) + [
            ("time_unit", .string(timeUnit)),
            ("n", .int(n)),
            ("n_missing", .int(nMissing)),
            ("fail_code", .int(failCode)),
            ("times", .nums(times)),
        ] + (timeLabels.map { [("time_labels", JSONValue.strings($0))] } ?? []) + [
            ("curves", .array(curves.map { curve in
                .object([
                    ("curve", .string(curve.name)),
                    ("group", .string(curve.group)),
                    ("cause", .int(curve.cause)),
                    ("cause_label", .string(causeName(curve.cause))),
                    ("at_times", .object([
                        ("time", .nums(times)),
                        ("est", .nums(times.map { curve.at($0).estimate })),
                        ("var", .nums(times.map { curve.at($0).variance })),
                        ("lower_loglog", .nums(times.map { curve.logLogInterval($0).lower })),
                        ("upper_loglog", .nums(times.map { curve.logLogInterval($0).upper })),
                    ])),
                    ("step_function", .object([
                        ("time", .nums(curve.time)), ("est", .nums(curve.estimate)), ("var", .nums(curve.variance)),
                    ])),
                ])
            })),
            ("gray_test", .array(gray.map {
                .object([("cause", .int($0.cause)), ("statistic", .number($0.statistic)), ("df", .number($0.df)),
                         ("p", .number($0.p))])
            })),
            ("warnings", .strings(warnings)),
        ])
    }
}

extension FineGrayResult {
    public func tables() -> [ResultTable] {
        let pct = String(Int((confidenceLevel * 100).rounded()))
        let rows: [[Cell]] = names.indices.map { j in
            [.text(names[j]), .num(coefficients[j]), .num(hr[j]), .num(lower[j]), .num(upper[j]),
             .num(standardErrors[j]), .num(z[j]), .pValue(p[j])]
        }
        var notes = [
            "n = \(n), failures of cause \(failCode) = \(nEvents), competing failures = \(nCompeting)" +
                (nMissing > 0 ? ", \(nMissing) omitted (missing values)" : ""),
            "SE: robust sandwich variance (Fine & Gray 1999), as cmprsk::crr.",
            "Pseudo log-likelihood \(format(pseudoLogLikelihood)) (null \(format(pseudoLogLikelihoodNull))); " +
                "pseudo likelihood ratio test \(format(likelihoodRatio.statistic)) on \(Int(likelihoodRatio.df)) df, p = \(formatP(likelihoodRatio.p))",
            converged ? "Converged in \(iterations) iterations." : "Not converged after \(iterations) iterations.",
        ]
        notes += warnings
        let title = (endpointName.isEmpty ? "Fine-Gray subdistribution hazards model (cause \(failCode))"
            : "Fine-Gray subdistribution hazards model: \(endpointName)") + (cohortName.map { " in " + $0 } ?? "")
        return [ResultTable(title: title,
                            columns: ["Term", "coef", "sHR", "Lower \(pct)%", "Upper \(pct)%", "SE", "z", "p"],
                            rows: rows, notes: notes)]
    }

    private func format(_ x: Double) -> String {
        guard x.isFinite else { return "NA" }
        return String((x * 100).rounded() / 100)
    }

    private func formatP(_ x: Double) -> String {
        guard x.isFinite else { return "NA" }
        if x < 2.2e-16 { return "< 2e-16" }
        let digits = x < 1e-3 ? 1 : 3
        let e = floor(log10(x))
        if x < 1e-3 {
            let mantissa = (x / pow(10, e) * pow(10, Double(digits - 1))).rounded() / pow(10, Double(digits - 1))
            return "\(mantissa)e\(Int(e))"
        }
        return String((x * 1000).rounded() / 1000)
    }

    public func json() -> JSONValue {
        .object([("kind", .string(kind)), ("endpoint", .string(endpointName))]
            + (cohortName.map { [("cohort", JSONValue.string($0))] } ?? []) + [
            ("fail_code", .int(failCode)),
            ("n", .int(n)), ("n_missing", .int(nMissing)), ("n_events", .int(nEvents)), ("n_competing", .int(nCompeting)),
            ("coefficients", .array(names.indices.map { j in
                .object([
                    ("term", .string(names[j])), ("coef", .number(coefficients[j])), ("se", .number(standardErrors[j])),
                    ("shr", .number(hr[j])), ("shr_lower", .number(lower[j])), ("shr_upper", .number(upper[j])),
                    ("z", .number(z[j])), ("p", .number(p[j])),
                ])
            })),
            ("confidence_level", .number(confidenceLevel)),
            ("variance_matrix_sandwich", .array(variance.map { .nums($0) })),
            ("variance_matrix_naive", .array(naiveVariance.map { .nums($0) })),
            ("pseudo_loglik", .number(pseudoLogLikelihood)),
            ("pseudo_loglik_null", .number(pseudoLogLikelihoodNull)),
            ("pseudo_lr_test", .object([("statistic", .number(likelihoodRatio.statistic)),
                                        ("df", .number(likelihoodRatio.df)), ("p", .number(likelihoodRatio.p))])),
            ("converged", .bool(converged)),
            ("iterations", .int(iterations)),
            ("warnings", .strings(warnings)),
        ])
    }
}
