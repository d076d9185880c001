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
                variables.append((name, try shownLevels(e, Categories(dictionaryCodes: codes, dictionary: dict), isBool: false, src)))
            case .column(.bool(let b)):
                variables.append((name, try shownLevels(e, Categories(booleans: b, no: "false", yes: "true"), isBool: true, src)))
            case .column(.date(let d)):
                variables.append((name, .dates(d.map { $0 == Column.dateNA ? .nan : Double($0) })))
            case .column(.double), .column(.int), .scalar:
                variables.append((name, .numbers(try ev.numbers(v, e, src, what: "a summarised value"))))
            }
        }
        run.emit(DescriptiveSummary(variables: variables, groups: g?.labels ?? ["all"], groupOf: g?.codes))
    }

    /// A text or yes/no variable's levels as Table 1 and groups show them: by their value
    /// labels (`label sex "Sex" [F: "female"]`), yes/no as no and yes, in the order `levels`
    /// declares (else sorted, false before true).
    func shownLevels(_ e: Expr, _ values: Categories, isBool: Bool, _ src: SourceFile) throws -> DescriptiveSummary.Values {
        let variable = variableName(e)
        func shown(_ v: String) -> String { shownLevel(variable, v, isBool: isBool) }
        let present = values.presentValues
        let fallback = isBool ? ["false", "true"].filter(present.contains) : present.sorted()
        let order = try orderedLevels(variable, present: present, fallback: fallback, e, src)
        var listed = Set<String>()
        return .levels(values.renamed(shown), order: order.map(shown).filter { listed.insert($0).inserted })
    }
}
