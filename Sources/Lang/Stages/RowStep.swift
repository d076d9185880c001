import Runtime

extension Interpreter {
    /// `where`, `require`, `exclude` inside a pipeline: warnings from the condition (a text
    /// literal that matches no row), then the rows kept.
    func runRowStep(_ stage: Stage, _ run: inout PipelineRun) throws {
        guard let condition = stage.condition else { return }
        var ev = evaluator(for: run.data)
        _ = try ev.condition(condition, run.source)
        for w in ev.warnings { run.items.append(.warning(w)) }
        run.data = try applyRowStage(stage, run.data, run.source, cohortName: run.data.name)
    }

    /// `where`, `require` (keep rows where true) and `exclude` (drop rows where true).
    /// A row whose condition is missing is dropped and counted as such.
    func applyRowStage(_ stage: Stage, _ data: CohortData, _ src: SourceFile, cohortName: String) throws -> CohortData {
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
        var ev = evaluator(for: data)
        let flags = try ev.condition(cond, src)
        let exclude = kind == .exclude
        var keep = [Bool](repeating: false, count: flags.count)
        var missing = 0
        for i in 0..<flags.count {
            if flags[i] == Column.boolNA { missing += 1; continue }
            keep[i] = exclude ? flags[i] == 0 : flags[i] == 1
        }
        var out = data
        out.table = data.table.filter(keep)
        out.flow.append(FlowStep(kind: kind, condition: src.slice(cond.range), reason: stage.label,
                                 before: data.table.rowCount, after: out.table.rowCount, missing: missing, cohort: cohortName))
        return out
    }
}
