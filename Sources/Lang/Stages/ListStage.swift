import Runtime

extension Interpreter {
    /// `list [limit N]`: the first rows.
    func runList(_ stage: Stage, _ run: inout PipelineRun) throws {
        var limit = 20
        if let e = stage.option(.limit)?.values.first {
            guard case .number(let x) = e.kind, x >= 0, x == x.rounded(), x < 1e9 else { throw fail("`limit` takes a whole number", e.range, run.source) }
            limit = Int(x)
        }
        let table = run.data.table
        let k = min(limit, table.rowCount)
        run.emit(RowsResult(source: run.data.name, table: table.gather(Array(0..<k)), totalRows: table.rowCount))
    }
}
