import Runtime

extension Interpreter {
    /// `summary EXPR, ... [by G]`: descriptive statistics of expressions.
    func runSummary(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source, data = run.data
        let g = try stage.option(.by)?.values.first.map { try grouping($0, data, src) }
        var variables = [(name: String, values: DescriptiveSummary.Values)]()
        for e in stage.arguments {
            var ev = evaluator(for: data)
            let v = try ev.eval(e, src)
            let name = Interpreter.displayName(e, src)
            switch v {
            case .column(.string(let codes, let dict)):
                variables.append((name, .levels(codes.map { $0 == Column.stringNA ? nil : dict[Int($0)] })))
            case .column(.bool(let b)):
                variables.append((name, .levels(b.map { $0 == Column.boolNA ? nil : ($0 == 1 ? "true" : "false") })))
            case .column(.date(let d)):
                variables.append((name, .dates(d.map { $0 == Column.dateNA ? .nan : Double($0) })))
            case .column(.double), .column(.int), .scalar:
                variables.append((name, .numbers(try ev.numbers(v, e, src, what: "a summarised value"))))
            }
        }
        run.emit(DescriptiveSummary(variables: variables, groups: g?.labels ?? ["all"], groupOf: g?.codes))
    }
}
