import Runtime

extension Interpreter {
    /// `flow NAME`: the eligibility flow of the rows so far.
    /// `flow SOURCE -> A, B, ...`: one tree: the steps the cohorts share once, then each
    /// branch with its own steps; a `where` that starts a branch is its selection.
    func runFlow(_ stage: Stage, _ run: inout PipelineRun) throws {
        guard !stage.arguments.isEmpty else {
            run.emit(FlowResult(cohort: run.data.name, steps: run.data.flow))
            return
        }
        let root = run.data.name
        let names = stage.arguments.compactMap { e -> String? in if case .name(let n) = e.kind { return n }; return nil }
        if let dup = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
            throw fail("`\(dup.element)` is listed twice", stage.arguments[dup.offset].range, run.source)
        }
        var flows = [[FlowStep]]()
        for e in stage.arguments {
            guard case .name(let n) = e.kind else { continue }
            let data = try cohortData(n, at: (e.range, run.source), deferRows: true)
            guard data.flow.contains(where: { $0.cohort == root }) else {
                throw fail("cohort `\(n)` does not derive from `\(root)`", e.range, run.source,
                           hints: ["its flow starts at `\(data.flow.first?.cohort ?? "?")`; `flow \(data.flow.first?.cohort ?? root) -> ...` draws its tree"])
            }
            flows.append(data.flow)
        }
        run.emit(FlowTreeResult(tree: try FlowTree(flows: flows)))
    }
}
