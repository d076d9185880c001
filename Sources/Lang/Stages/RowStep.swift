import Runtime

extension Interpreter {
    /// `where`, `require`, `exclude` inside a pipeline (consecutive ones together): warnings
    /// from the conditions (a text literal that matches no row), then the rows kept.
    func runRowSteps(_ stages: ArraySlice<Stage>, _ run: inout PipelineRun) throws {
        var warnings = [LangError]()
        run.data = try applyRowStages(stages, run.data, run.source, cohortName: run.data.name) { warnings.append($0) }
        for w in warnings { run.items.append(.warning(w)) }
    }

    /// A row step's condition evaluated on a table: the rows kept, the rows whose condition
    /// is missing, and the warnings of the evaluation.
    struct RowStepFlags {
        var kind: FlowStep.Kind
        var condition: Expr
        var keep: [Bool]
        var missing: Int
        var warnings: [LangError]
    }

    /// `where`, `require` (keep rows where true) and `exclude` (drop rows where true).
    /// A row whose condition is missing is dropped and counted as such.
    func rowStep(_ stage: Stage, _ table: Table, scope: String, _ src: SourceFile) throws -> RowStepFlags {
        let kind: FlowStep.Kind
        switch stage.verb {
        case .where: kind = .where
        case .require: kind = .require
        case .exclude: kind = .exclude
        case .km, .logrank, .cox, .zph, .cuminc, .gray, .finegray, .followup, .count, .flow, .list, .summary, .plot, .export, .rmst, .forest:
            throw fail("`\(stage.verb.rawValue)` is not a row step; a cohort definition takes where, require and exclude", stage.verbRange, src)
        }
        guard let cond = stage.condition else {
            throw fail("`\(stage.verb.rawValue)` needs a condition", stage.verbRange, src)
        }
        var ev = evaluator(for: table, scope: scope)
        let flags = try ev.condition(cond, src)
        let exclude = kind == .exclude
        var keep = [Bool](repeating: false, count: flags.count)
        var missing = 0
        for i in 0..<flags.count {
            if flags[i] == Column.boolNA { missing += 1; continue }
            keep[i] = exclude ? flags[i] == 0 : flags[i] == 1
        }
        return RowStepFlags(kind: kind, condition: cond, keep: keep, missing: missing, warnings: ev.warnings)
    }

    /// The rows a step keeps, with the step in the flow.
    func kept(_ step: RowStepFlags, _ stage: Stage, _ data: CohortData, _ src: SourceFile, cohortName: String) -> CohortData {
        var out = data
        out.table = data.table.filter(step.keep)
        out.flow.append(FlowStep(kind: step.kind, condition: src.slice(step.condition.range), reason: stage.label,
                                 before: data.table.rowCount, after: out.table.rowCount, missing: step.missing, cohort: cohortName))
        return out
    }

    func applyRowStage(_ stage: Stage, _ data: CohortData, _ src: SourceFile, cohortName: String) throws -> CohortData {
        kept(try rowStep(stage, data.table, scope: data.name, src), stage, data, src, cohortName: cohortName)
    }

    /// Row steps one after another, the table gathered once at the end: each condition is
    /// evaluated on the columns it can reach (`reachableColumns`) for the rows still in, so a
    /// cohort of several steps does not copy every column at every step. The same rows,
    /// counts and flow as `applyRowStage` step by step (each condition sees the rows left,
    /// aggregates such as `median(age)` included); a condition that fails is evaluated again
    /// on every column, so its error names what the table holds (and a column reached some
    /// other way is found).
    func applyRowStages(_ stages: ArraySlice<Stage>, _ data: CohortData, _ src: SourceFile, cohortName: String,
                        warnings given: ((LangError) -> Void)? = nil) throws -> CohortData {
        // Warnings not asked for are notes of the statement (a cohort's definition, Table 1),
        // given once a session.
        let warnings = given ?? { [notes] in notes.add($0) }
        guard stages.count > 1, data.deferred == nil else {
            var out = data
            for stage in stages {
                let step = try rowStep(stage, out.table, scope: data.name, src)
                step.warnings.forEach(warnings)
                out = kept(step, stage, out, src, cohortName: cohortName)
            }
            return out
        }
        var out = data
        let table = data.table
        var rows: [Int]? = nil   // the rows of `table` still in; nil: all of them
        for stage in stages {
            try cancellation.check()
            let narrow = stage.condition.map { reachableColumns($0, src, of: table) } ?? table
            let here = rows.map { narrow.gather($0) } ?? narrow
            let step: RowStepFlags
            do {
                step = try rowStep(stage, here, scope: data.name, src)
            } catch let stop as Cancelled {
                throw stop
            } catch {
                step = try rowStep(stage, rows.map { table.gather($0) } ?? table, scope: data.name, src)
            }
            step.warnings.forEach(warnings)
            let before = here.rowCount
            var next = [Int]()
            next.reserveCapacity(before)
            for i in 0..<before where step.keep[i] { next.append(rows?[i] ?? i) }
            out.flow.append(FlowStep(kind: step.kind, condition: src.slice(step.condition.range), reason: stage.label,
                                     before: before, after: next.count, missing: step.missing, cohort: cohortName))
            // Every row still in: no selection to apply.
            rows = next.count == table.rowCount ? nil : next
        }
        if let rows { out.table = table.gather(rows) }
        return out
    }

    /// The columns of `table` a condition can reach: those its words name, and those the
    /// words of the `let`s it names (and theirs) name, with the columns that identify a row
    /// (messages name rows by them) and the first. Conservative, as `ColumnPlan`.
    func reachableColumns(_ condition: Expr, _ src: SourceFile, of table: Table) -> Table {
        var words = Set<String>()
        var pending = [(src.slice(condition.range), src.name)]
        while let (text, name) = pending.popLast() {
            for t in Lexer.tokenize(SourceFile(name: name, text: text)) {
                guard case .identifier = t.kind, words.insert(t.text).inserted else { continue }
                if let bound = env.lets[t.text] { pending.append((bound.source.slice(bound.expr.range), bound.source.name)) }
            }
        }
        let ids = Set(Interpreter.idColumnNames)
        var names = [String](), columns = [Column]()
        for (k, (n, c)) in zip(table.names, table.columns).enumerated() where k == 0 || words.contains(n) || ids.contains(n.lowercased()) {
            names.append(n)
            columns.append(c)
        }
        return names.count == table.names.count ? table : Table(names: names, columns: columns, origin: table.origin)
    }
}
