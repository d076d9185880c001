import Runtime

extension Interpreter {
    /// `table2 uni, multi, ...`: the paper's Table 2 from bound results. A univariate screen
    /// (`cox ... ~ each(...)`) gives the univariate column, a Cox model (or a selection that
    /// kept nothing) a multivariable column; results of several endpoints sit side by side
    /// in the order their endpoints first appear. Terms are labelled by `label`.
    func tableTwo(_ names: [Name], _ src: SourceFile) throws -> Table2Result {
        var order = [String]()
        var models = [String: [Table2Model]]()
        var labels = [String: String]()
        var cohorts = Set<String>()
        for n in names {
            guard let bound = env.results[n.text] else {
                throw fail("unknown result `\(n.text)`", n.range, src,
                           hints: Suggest.hint(for: n.text, among: Array(env.results.keys))
                            + ["bind results first: `let uni = cohort omd | cox pfs ~ each(sex, tki)`"])
            }
            if bound.result is DeclaredResult { continue }  // `lart check`
            let endpoint: String
            let model: Table2Model
            if let screen = bound.result as? CoxScreenResult {
                endpoint = screen.endpointName
                model = Table2Model(name: "Univariate", screen: screen)
                for (_, fit) in screen.fits { labels.merge(termLabels(fit)) { a, _ in a } }
                if let c = screen.cohortName { cohorts.insert(c) }
            } else if let fit = bound.result as? CoxResult {
                endpoint = fit.endpointName
                let earlier = models[endpoint]?.contains { $0.name.hasPrefix("Multivariable") } ?? false
                model = Table2Model(name: earlier ? "Multivariable (\(n.text))" : "Multivariable", cox: fit)
                labels.merge(termLabels(fit)) { a, _ in a }
                if let c = fit.cohortName { cohorts.insert(c) }
            } else if let empty = bound.result as? NoCoxModel {
                endpoint = empty.endpointName
                let earlier = models[endpoint]?.contains { $0.name.hasPrefix("Multivariable") } ?? false
                model = Table2Model(name: earlier ? "Multivariable (\(n.text))" : "Multivariable", entries: [])
                cohorts.insert(empty.cohortName)
            } else {
                throw fail("`\(n.text)` is a \(bound.result.kind) result; `table2` lays out Cox models and univariate screens", n.range, src)
            }
            if models[endpoint] == nil { order.append(endpoint) }
            models[endpoint, default: []].append(model)
        }
        let endpoints = order.map { Table2Endpoint(name: $0, models: models[$0] ?? []) }
        return Table2Result(endpoints: endpoints, termLabels: labels, cohortName: cohorts.count == 1 ? cohorts.first : nil)
    }

    /// Labels of a fit's design columns from `label`: a number or yes/no term by its title,
    /// a level of a factor by its value label or `Title: level`.
    func termLabels(_ fit: CoxResult) -> [String: String] {
        var out = [String: String]()
        for term in fit.terms {
            guard let label = env.labels[term.name] else { continue }
            for j in term.columns {
                let column = fit.columnNames[j]
                if column == term.name {
                    out[column] = label.title ?? term.name
                } else if column.hasPrefix(term.name) {
                    let level = String(column.dropFirst(term.name.count))
                    out[column] = "\(label.title ?? term.name): \(label.values[level] ?? level)"
                }
            }
        }
        return out
    }
}

/// What `lart check` binds for `let NAME = cohort ...`: the result is not computed, but
/// later statements that name it resolve.
struct DeclaredResult: Reportable {
    var verb: Verb?
    var kind: String { verb?.rawValue ?? "declared" }
    func tables() -> [ResultTable] { [] }
    func json() -> JSONValue { .object([("declared", .string(verb?.rawValue ?? ""))]) }
}

/// What a Cox stage gives when it has no terms to fit (a selection that kept none): a
/// result saying so, so that scripts and `table2` go on.
struct NoCoxModel: Reportable {
    var endpointName: String
    var cohortName: String
    var reason: String
    var kind: String { "cox_empty" }

    func tables() -> [ResultTable] {
        [ResultTable(title: "Cox proportional hazards model: \(endpointName) in \(cohortName)", columns: ["model"],
                     rows: [[.text("no model fitted")]], notes: [reason])]
    }

    func json() -> JSONValue {
        .object([("endpoint", .string(endpointName)), ("cohort", .string(cohortName)), ("fitted", .bool(false)), ("reason", .string(reason))])
    }
}
