// A paper's "Table 2": hazard ratios of each term from a univariate screen and from one or
// more multivariable models, side by side, for one or more endpoints (PFS | OS).
//
// One row per term (a design column, e.g. `tkiTRUE`, shown by its label); per endpoint and
// per model two columns: `<model> HR (95% CI)` (`0.47 (0.24-0.90)`) and `p` (Wald). A term
// that a model does not contain is `-` (NA in CSV); an aliased or diverging coefficient is
// "not estimable". With several endpoints the column names start with the endpoint
// (`PFS: Univariate HR (95% CI)`). JSON carries every number at full precision.
//
// The inputs are plain numbers (`HazardRatioEntry`), so any source can fill it; `Table2Model`
// has initialisers from a `CoxResult` and from a `CoxScreenResult`.

/// One term's hazard ratio in one model.
public struct HazardRatioEntry: Sendable, Equatable {
    /// The term's key, matched across models (the Cox design column name).
    public var term: String
    public var hr: Double
    public var lower: Double
    public var upper: Double
    /// Wald p-value.
    public var p: Double
    /// false for an aliased or diverging coefficient: shown as "not estimable".
    public var estimable: Bool

    public init(term: String, hr: Double, lower: Double, upper: Double, p: Double, estimable: Bool = true) {
        self.term = term; self.hr = hr; self.lower = lower; self.upper = upper; self.p = p; self.estimable = estimable
    }
}

/// One model's column pair: its name ("Univariate", "Multivariable") and its entries.
public struct Table2Model: Sendable, Equatable {
    public var name: String
    public var entries: [HazardRatioEntry]
    /// Rows and events of the fit, for the notes (nil for a screen of several fits).
    public var n: Int?
    public var events: Int?

    public init(name: String, entries: [HazardRatioEntry], n: Int? = nil, events: Int? = nil) {
        self.name = name; self.entries = entries; self.n = n; self.events = events
    }

    /// The coefficients of one Cox fit (its `confidenceLevel`'s interval).
    public init(name: String = "Multivariable", cox fit: CoxResult) {
        let hr = fit.hazardRatios, lo = fit.confidenceLower, hi = fit.confidenceUpper, p = fit.pValues
        let entries = fit.columnNames.indices.map { j in
            HazardRatioEntry(term: fit.columnNames[j], hr: hr[j], lower: lo[j], upper: hi[j], p: p[j],
                             estimable: !fit.aliased[j] && !fit.possiblyInfinite[j])
        }
        self.init(name: name, entries: entries, n: fit.n, events: fit.nEvents)
    }

    /// A univariate screen: every coefficient of every one-term fit.
    public init(name: String = "Univariate", screen: CoxScreenResult) {
        let fits = screen.fits.map { Table2Model(cox: $0.1) }
        self.init(name: name, entries: fits.flatMap(\.entries))
    }
}

/// One endpoint's models, in column order (the univariate screen first, by convention).
public struct Table2Endpoint: Sendable, Equatable {
    public var name: String
    public var models: [Table2Model]

    public init(name: String, models: [Table2Model]) {
        self.name = name; self.models = models
    }

    /// The usual layout: a univariate screen, then one or more multivariable fits.
    public init(name: String, univariate: Table2Model, multivariable: [Table2Model]) {
        self.init(name: name, models: [univariate] + multivariable)
    }
}

public struct Table2Result: Reportable {
    public var endpoints: [Table2Endpoint]
    /// Level of the intervals, for the column names.
    public var confidenceLevel: Double
    /// Shown instead of the term key ("tkiTRUE" -> "TKI first line").
    public var termLabels: [String: String]
    /// The cohort, for the title (`Table 2 in omd`).
    public var cohortName: String?

    public init(endpoints: [Table2Endpoint], confidenceLevel: Double = 0.95, termLabels: [String: String] = [:],
                cohortName: String? = nil) {
        self.endpoints = endpoints; self.confidenceLevel = confidenceLevel
        self.termLabels = termLabels; self.cohortName = cohortName
    }

    public var kind: String { "table2" }

    /// Every term once, in order of first appearance (endpoint by endpoint, model by model).
    public var terms: [String] {
        var seen = Set<String>(), out = [String]()
        for e in endpoints {
            for m in e.models {
                for entry in m.entries where seen.insert(entry.term).inserted { out.append(entry.term) }
            }
        }
        return out
    }

    var levelText: String { formatNumber(confidenceLevel * 100) + "%" }

    public func tables() -> [ResultTable] {
        let several = endpoints.count > 1
        var columns = ["term"]
        for e in endpoints {
            let prefix = several ? e.name + ": " : ""
            for m in e.models {
                columns.append("\(prefix)\(m.name) HR (\(levelText) CI)")
                columns.append(prefix + "p")
            }
        }
        var rows = [[Cell]]()
        for term in terms {
            var row: [Cell] = [.text(termLabels[term] ?? term)]
            for e in endpoints {
                for m in e.models {
                    guard let entry = m.entries.first(where: { $0.term == term }) else {
                        row += [.missing, .missing]
                        continue
                    }
                    if entry.estimable {
                        row += [.hrCI(entry.hr, lower: entry.lower, upper: entry.upper), .pValue(entry.p)]
                    } else {
                        row += [.text("not estimable"), .missing]
                    }
                }
            }
            rows.append(row)
        }
        var notes = ["HR (\(levelText) CI) and Wald p from Cox models; a univariate model has one term, "
                     + "a multivariable model all of its terms together; - : term not in the model."]
        for e in endpoints {
            for m in e.models {
                guard let n = m.n else { continue }
                let who = several ? "\(e.name), \(m.name)" : m.name
                notes.append("\(who): n = \(n)" + (m.events.map { ", events = \($0)" } ?? "") + ".")
            }
        }
        var title = "Table 2: hazard ratios"
        if !several, let e = endpoints.first, !e.name.isEmpty { title += ", " + e.name }
        if let cohortName { title += " in " + cohortName }
        return [ResultTable(title: title, columns: columns, rows: rows, notes: notes)]
    }

    public func json() -> JSONValue {
        func entry(_ x: HazardRatioEntry) -> JSONValue {
            .object([("term", .string(x.term)), ("hr", .number(x.hr)), ("lower", .number(x.lower)),
                     ("upper", .number(x.upper)), ("p", .number(x.p)), ("estimable", .bool(x.estimable))])
        }
        func model(_ m: Table2Model) -> JSONValue {
            .object([("name", .string(m.name)), ("n", m.n.map { .int($0) } ?? .null),
                     ("events", m.events.map { .int($0) } ?? .null), ("entries", .array(m.entries.map(entry)))])
        }
        var fields: [(String, JSONValue)] = [("kind", .string(kind))]
        if let cohortName { fields.append(("cohort", .string(cohortName))) }
        fields += [
            ("confidence_level", .number(confidenceLevel)),
            ("terms", .array(terms.map { .object([("term", .string($0)), ("label", .string(termLabels[$0] ?? $0))]) })),
            ("endpoints", .array(endpoints.map { e in
                .object([("name", .string(e.name)), ("models", .array(e.models.map(model)))])
            })),
        ]
        return .object(fields)
    }
}
