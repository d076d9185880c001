import Runtime

/// `cohort omd | export adtte pfs, os "adtte.csv" [id COLUMN]`: the named endpoints of the
/// cohort's rows as a CDISC ADaM ADTTE dataset (`Runtime/Survival/ADTTE.swift` cites the
/// standard and the choices it leaves).
extension Interpreter {
    /// Columns taken as the subject identifier without `id`, in order of preference.
    static let subjectColumnNames = ["usubjid", "subject_id", "patient_id", "id"]

    /// The dataset and the notes for the rows left out (a missing time or status).
    func adtteDataset(_ endpoints: [Name], _ stage: Stage, _ data: CohortData, _ src: SourceFile) throws -> (ADTTEDataset, [String]) {
        let subjects = try subjectIDs(stage, data, src)
        var parameters = [ADTTEDataset.Parameter]()
        var records = [ADTTEDataset.Record]()
        var notes = [String]()
        for (k, name) in endpoints.enumerated() {
            if endpoints[..<k].contains(where: { $0.text == name.text }) {
                throw fail("`\(name.text)` is named twice", name.range, src)
            }
            let outcome = try self.outcome(name, data, src)
            guard let def = env.endpoints[name.text] else { continue }  // `outcome` has checked it
            let dated = try datedEndpoint(name, def, data)
            let unit = dated == nil ? (DurationUnit.parse(outcome.unit)?.name ?? "") : env.settings.dateUnit.name
            let code = ADTTEDataset.parameterCode(name.text, taken: Set(parameters.map(\.code)))
            parameters.append(ADTTEDataset.Parameter(code: code, description: parameterName(name.text, def, def.source),
                                                     unit: unit.uppercased()))
            var missing = [String]()
            for i in 0..<outcome.count {
                let t = outcome.time[i]
                guard !t.isNaN else { missing.append(subjects[i]); continue }
                let censor: ADTTEDataset.Censor = switch outcome.status[i] {
                case 1: .event
                case 2: .competingEvent
                default: .censored
                }
                let start = dated?.origin[i]
                let end = dated.map { $0.origin[i] + Int32((t * $0.daysPerUnit).rounded()) }
                let (event, dateName) = dated.map { describe(censor, row: i, date: end!, $0) }
                    ?? numericDescription(censor, def)
                records.append(ADTTEDataset.Record(subject: subjects[i], parameter: k, startDate: start, analysisDate: end, value: t,
                                                   censor: censor, eventDescription: event, censorDateDescription: dateName))
            }
            if !missing.isEmpty {
                let shown = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? ", ..." : "")
                notes.append("\(name.text): \(missing.count) patient\(missing.count == 1 ? "" : "s") with a missing time or status left out of the ADTTE dataset (\(shown)); "
                             + "ADTTE records an analysable time for each")
            }
        }
        return (ADTTEDataset(studyID: env.settings.studyID, parameters: parameters, records: records), notes)
    }

    /// USUBJID of each row: the `id` expression, else a column named usubjid, subject_id,
    /// patient_id or id (any case). A missing or repeated identifier is an error.
    func subjectIDs(_ stage: Stage, _ data: CohortData, _ src: SourceFile) throws -> [String] {
        let table = data.table
        let column: Column, shown: String, at: Range<Int>
        if let option = stage.option(.id), let e = option.values.first {
            var ev = evaluator(for: data)
            guard case .column(let c) = try ev.eval(e, src) else {
                throw fail("`id` names the column that identifies each patient, not a single value", e.range, src)
            }
            column = c; shown = Interpreter.displayName(e, src); at = e.range
        } else {
            let named = Self.subjectColumnNames.lazy.compactMap { wanted in table.names.first { $0.lowercased() == wanted } }.first
            guard let named, let c = table[named] else {
                throw fail("`export adtte` needs each patient's identifier (USUBJID): no column is named usubjid, subject_id, patient_id or id",
                           stage.range, src,
                           hints: ["name the column: `export adtte ... \"adtte.csv\" id \(table.names.first ?? "patient")`"])
            }
            column = c; shown = named; at = stage.range
        }
        var seen = [String: Int]()
        var out = [String]()
        out.reserveCapacity(table.rowCount)
        for i in 0..<table.rowCount {
            guard let v = column.text(at: i) else {
                throw fail("`\(shown)` is missing in row \(i + 1); every ADTTE record needs its patient's identifier", at, src)
            }
            if let j = seen[v] {
                throw fail("`\(shown)` is \(v) in rows \(j + 1) and \(i + 1); an ADTTE dataset has one record per patient and endpoint", at, src,
                           hints: ["name a column that is unique per patient with `id`"])
            }
            seen[v] = i
            out.append(v)
        }
        return out
    }

    /// The dates of an endpoint built from dates: its origin per row, and what names the
    /// date that ends each row (the event, the competing event, censoring); nil for other
    /// endpoints.
    struct DatedEndpoint {
        var origin: [Int32]
        var daysPerUnit: Double
        var event: DateSource, compete: DateSource?, censor: DateSource
    }

    /// How a date expression is named in EVNTDESC and CNSDTDSC: a column by its `label` or
    /// name, anything else as written; `first(a, b)` and `last(a, b)` by the argument whose
    /// date a row took (each argument evaluated once, over all rows).
    struct DateSource {
        var name: String
        var parts: [(name: String, dates: [Int32])] = []

        func name(row i: Int, date: Int32) -> String { parts.first { $0.dates[i] == date }?.name ?? name }
    }

    func datedEndpoint(_ name: Name, _ def: EndpointDefinition, _ data: CohortData) throws -> DatedEndpoint? {
        switch def.spec {
        case .dates(let origin, let event, let compete, let censor):
            var ev = evaluator(for: data)
            let o = try ev.dates(origin, def.source, what: "the origin of `\(name.text)`")
            func source(_ e: Expr) -> DateSource {
                var out = DateSource(name: dateName(e, def.source))
                if case .call(let f, let args) = e.kind, f == "first" || f == "last" {
                    for a in args {
                        guard let dates = try? ev.dates(a.value, def.source, what: "a date") else { continue }
                        out.parts.append((dateName(a.value, def.source), dates))
                    }
                }
                return out
            }
            return DatedEndpoint(origin: o, daysPerUnit: env.settings.days(in: env.settings.dateUnit),
                                 event: source(event), compete: compete.map(source), censor: source(censor))
        case .numeric:
            return nil
        case .landmark, .counting:
            throw fail("`export adtte` writes endpoints with one time per patient from its origin; `\(name.text)` is a "
                       + (def.spec.isLandmark ? "landmark" : "(start, stop] endpoint"), name.range, def.source,
                       hints: ["export the endpoint it is built from"])
        }
    }

    func dateName(_ e: Expr, _ src: SourceFile) -> String {
        if case .name(let n) = e.kind { return env.labels[n]?.title ?? n }
        return src.slice(e.range)
    }

    /// EVNTDESC and CNSDTDSC of a record of a date endpoint: the event by the date that made
    /// it, a censoring or competing event by its date's name.
    func describe(_ censor: ADTTEDataset.Censor, row i: Int, date: Int32, _ d: DatedEndpoint) -> (String, String) {
        switch censor {
        case .event:
            return (d.event.name(row: i, date: date), "")
        case .competingEvent:
            let name = d.compete?.name(row: i, date: date) ?? ""
            return ("competing event: " + name, name)
        case .censored:
            return ("censored", d.censor.name(row: i, date: date))
        }
    }

    /// EVNTDESC and CNSDTDSC of a numeric endpoint: its conditions as written (no dates).
    func numericDescription(_ censor: ADTTEDataset.Censor, _ def: EndpointDefinition) -> (String, String) {
        guard case .numeric(_, let event, let compete, _) = def.spec else { return ("", "") }
        switch censor {
        case .event: return (def.source.slice(event.range), "")
        case .competingEvent: return ("competing event: " + (compete.map { def.source.slice($0.range) } ?? ""), "")
        case .censored: return ("censored", "")
        }
    }

    /// PARAM: the endpoint's `label`, else the name of a well-known endpoint, else "Time to"
    /// its event (a column by its `label`, else as written).
    func parameterName(_ name: String, _ def: EndpointDefinition, _ src: SourceFile) -> String {
        if let title = env.labels[name]?.title { return title }
        let known = ["os": "Overall Survival", "pfs": "Progression-Free Survival", "dfs": "Disease-Free Survival",
                     "efs": "Event-Free Survival", "rfs": "Relapse-Free Survival", "ttp": "Time to Progression",
                     "dss": "Disease-Specific Survival", "mfs": "Metastasis-Free Survival"]
        if let k = known[name.lowercased()] { return k }
        switch def.spec {
        case .dates(_, let event, _, _), .numeric(_, let event, _, _), .counting(_, _, let event, _):
            return "Time to " + dateName(event, src)
        case .landmark(let base, _):
            return "Time to " + base.text
        }
    }
}

extension EndpointSpec {
    var isLandmark: Bool {
        switch self {
        case .landmark: true
        case .dates, .numeric, .counting: false
        }
    }
}
