/// A univariate screen: one Cox model per candidate term, reported in one table, as the
/// "univariate analysis" column of a paper's Table 2.
public struct CoxScreenResult: Reportable {
    public var endpointName: String
    /// (term as written, its fit)
    public var fits: [(String, CoxResult)]
    public var ties: CoxTies
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?

    public init(endpointName: String, fits: [(String, CoxResult)], ties: CoxTies, cohortName: String? = nil) {
        self.endpointName = endpointName; self.fits = fits; self.ties = ties; self.cohortName = cohortName
    }

    public var kind: String { "cox_screen" }

    public func tables() -> [ResultTable] {
        var rows = [[Cell]]()
        var notes = ["one Cox model per term (ties \(ties.rawValue)); p from the Wald test of each coefficient; LR p per model"]
        for (term, fit) in fits {
            let hr = fit.hazardRatios, lo = fit.confidenceLower, hi = fit.confidenceUpper, p = fit.pValues
            for j in fit.coefficients.indices {
                let name = fit.columnLabels[fit.columnNames[j]] ?? fit.columnNames[j]
                if fit.aliased[j] || fit.possiblyInfinite[j] {
                    rows.append([.text(term), .text(name), .text(fit.aliased[j] ? "NA (aliased)" : "diverges"), .missing, .missing, .missing,
                                 .integer(fit.n), .integer(fit.nEvents), .pValue(fit.likelihoodRatio.p)])
                    continue
                }
                rows.append([.text(term), .text(name), .number(hr[j], digits: 3), .number(lo[j], digits: 3), .number(hi[j], digits: 3),
                             .pValue(p[j]), .integer(fit.n), .integer(fit.nEvents), .pValue(fit.likelihoodRatio.p)])
            }
            if fit.nDropped > 0 { notes.append("\(term): \(fit.nDropped) row\(fit.nDropped == 1 ? "" : "s") dropped for missing values") }
            for w in fit.warnings { notes.append("\(term): warning: \(w)") }
        }
        return [ResultTable(title: "Univariate Cox screen: \(endpointName)" + (cohortName.map { " in " + $0 } ?? ""),
                            columns: ["term", "coefficient", "HR", "95% CI lower", "95% CI upper", "p", "n", "events", "LR p"],
                            rows: rows, notes: notes)]
    }

    public func json() -> JSONValue {
        .object([("endpoint", .string(endpointName))] + (cohortName.map { [("cohort", JSONValue.string($0))] } ?? []) + [
                 ("ties", .string(ties.rawValue)),
                 ("models", .array(fits.map { .object([("term", .string($0.0)), ("fit", $0.1.json())]) }))])
    }
}
