import Runtime

extension Interpreter {
    /// `why ID in COHORT`: follows one patient through the definition of a cohort (its
    /// sources, stacked cohorts and row steps, in the order the flow counts them) and records,
    /// for each step the patient's rows reach, the condition's value and the values it read,
    /// until the rows are dropped. The patient is found by `ID` in the id column of the
    /// source table (`idColumnName`).
    func why(_ idExpr: Expr, _ cohort: Name, _ src: SourceFile) throws -> WhyResult {
        let id: String
        switch idExpr.kind {
        case .number(let x): id = formatNumber(x)
        case .string(let t): id = t
        case .name(let t): id = t
        case .bool, .date, .duration, .negate, .not, .binary, .call, .inList, .isMissing, .list, .resultPart:
            throw fail("`why` takes a patient id: a number or a text in quotes (why 17 in omd, why \"P-017\" in omd)", idExpr.range, src)
        }
        var trace = WhyTrace(id: id)
        let (_, rows) = try traceWhy(cohort.text, at: (cohort.range, src), &trace)
        guard trace.found > 0 else {
            let where_ = trace.idColumns.isEmpty ? "" : " (column \(trace.idColumns.map { "`\($0)`" }.joined(separator: ", "))"
                + " of \(trace.tables.joined(separator: ", ")))"
            throw fail("no patient has the id \(id) in the data of `\(cohort.text)`\(where_)", idExpr.range, src,
                       hints: ["patients are matched on a column named id, patient_id, subject_id or usubjid, else on the first column; the value is compared as written"])
        }
        return WhyResult(id: id, idColumn: trace.idColumns.first ?? "id", cohort: cohort.text, steps: trace.steps,
                         rowsIn: rows.count, rowsFound: trace.found)
    }

    /// What `why` gathers while it walks the definitions.
    struct WhyTrace {
        var id: String
        var steps: [WhyStep] = []
        var found = 0
        var idColumns: [String] = []
        var tables: [String] = []
    }

    /// The rows of `name` and, among them, the patient's (with their number among the
    /// patient's rows, for patients with several).
    func traceWhy(_ name: String, at use: (Range<Int>, SourceFile), _ trace: inout WhyTrace) throws -> (CohortData, [(index: Int, label: Int)]) {
        if env.tables[name] != nil {
            // The rows as read (a database table is only described at `use`).
            let data = try cohortData(name, at: use)
            let table = data.table
            guard let column = idColumnName(table) else { return (data, []) }
            if !trace.idColumns.contains(column) { trace.idColumns.append(column) }
            trace.tables.append(name)
            let rows = (0..<table.rowCount).filter { table[column]?.text(at: $0) == trace.id }
            let tracked = rows.enumerated().map { (index: $0.element, label: trace.found + $0.offset + 1) }
            for r in tracked {
                trace.steps.append(WhyStep(cohort: name, kind: "source", condition: data.flow.first?.condition ?? name, reason: nil,
                                           row: r.label, value: nil, inputs: [("row", String(r.index + 1))], outcome: .source))
            }
            trace.found += rows.count
            return (data, tracked)
        }
        guard let def = env.cohorts[name] else {
            return (try cohortData(name, at: use), [])   // throws the error for an unknown name
        }
        var data: CohortData
        var tracked: [(index: Int, label: Int)]
        if def.pipeline.sources.count == 1 {
            let s = def.pipeline.sources[0]
            (data, tracked) = try traceWhy(s.text, at: (s.range, def.source), &trace)
        } else {
            tracked = []
            var offset = 0
            for s in def.pipeline.sources {
                let (part, rows) = try traceWhy(s.text, at: (s.range, def.source), &trace)
                tracked += rows.map { (index: $0.index + offset, label: $0.label) }
                offset += part.table.rowCount
            }
            data = try pipelineSource(def.pipeline, def.source)
            if let combine = data.flow.last {
                for r in tracked {
                    trace.steps.append(WhyStep(cohort: name, kind: "source", condition: combine.condition, reason: nil, row: r.label,
                                               value: nil, inputs: [], outcome: .source))
                }
            }
        }
        for stage in def.pipeline.stages {
            guard !tracked.isEmpty, let condition = stage.condition else { break }
            var ev = evaluator(for: data)
            let flags = try ev.condition(condition, def.source)
            let names = Self.namesRead(condition)
            var values = [String: Column]()
            for n in names {
                if case .column(let c) = try ev.eval(Expr(.name(n), condition.range), def.source) { values[n] = c }
            }
            let exclude = stage.verb == .exclude
            var next = [(index: Int, label: Int)]()
            // New positions of kept rows: the filter keeps rows in order.
            var keep = [Bool](repeating: false, count: flags.count)
            for i in 0..<flags.count where flags[i] != Column.boolNA { keep[i] = exclude ? flags[i] == 0 : flags[i] == 1 }
            var newIndex = [Int](repeating: -1, count: flags.count)
            var k = 0
            for i in 0..<flags.count where keep[i] { newIndex[i] = k; k += 1 }
            for r in tracked {
                let f = flags[r.index]
                let value = f == Column.boolNA ? "missing" : (f == 1 ? "true" : "false")
                let inputs = names.compactMap { n in values[n].map { (name: n, value: $0.text(at: r.index) ?? "missing") } }
                let outcome: WhyStep.Outcome = f == Column.boolNA ? .droppedMissing : (keep[r.index] ? .kept : .dropped)
                trace.steps.append(WhyStep(cohort: name, kind: stage.verb.rawValue, condition: def.source.slice(condition.range),
                                           reason: stage.label, row: r.label, value: value, inputs: inputs, outcome: outcome))
                if keep[r.index] { next.append((index: newIndex[r.index], label: r.label)) }
            }
            data = try applyRowStage(stage, data, def.source, cohortName: name)
            tracked = next
        }
        return (data, tracked)
    }

    /// The column, `let` and `param` names an expression reads, in order of first use.
    static func namesRead(_ e: Expr) -> [String] {
        var out = [String]()
        func walk(_ e: Expr) {
            switch e.kind {
            case .number, .string, .bool, .date, .duration, .resultPart: break
            case .name(let n): if !out.contains(n) { out.append(n) }
            case .negate(let a), .not(let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .call(_, let args): args.forEach { walk($0.value) }
            case .inList(let a, let items, _): walk(a); items.forEach(walk)
            case .isMissing(let a, _): walk(a)
            case .list(let items): items.forEach(walk)
            }
        }
        walk(e)
        return out
    }
}
