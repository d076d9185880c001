import Runtime

extension Interpreter {
    /// `count [by G]`: rows, optionally per group.
    func runCount(_ stage: Stage, _ run: inout PipelineRun) throws {
        let data = run.data
        guard let g = try grouping(stage.option(.by)?.values ?? [], data, run.source) else {
            run.emit(CountResult(source: data.name, total: data.rowCount))
            return
        }
        var counts = [Int](repeating: 0, count: g.labels.count)
        for c in g.codes where c >= 0 { counts[c] += 1 }
        var groups = zip(g.labels, counts).map { (label: $0, n: $1) }
        if g.missing > 0 { groups.append((label: "(missing)", n: g.missing)) }
        run.emit(CountResult(source: data.name, groupName: g.name, groups: groups, total: data.table.rowCount))
    }
}
