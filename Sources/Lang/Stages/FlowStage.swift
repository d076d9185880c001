import Runtime

extension Interpreter {
    /// `flow NAME`: the eligibility flow of the rows so far.
    func runFlow(_ stage: Stage, _ run: inout PipelineRun) throws {
        run.emit(FlowResult(cohort: run.data.name, steps: run.data.flow))
    }
}
