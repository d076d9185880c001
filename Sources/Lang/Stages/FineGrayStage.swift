import Runtime

extension Interpreter {
    /// `finegray ENDPOINT ~ TERMS`: the Fine-Gray subdistribution hazards model of cause 1.
    func runFineGray(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        let endpoint = try requiredEndpoint(stage, src)
        guard let input = try survivalInput(endpoint, stage, &run, counting: false) else { return }
        let data = input.data, outcome = input.outcome
        guard outcome.hasCompetingEvent else {
            throw fail("endpoint `\(endpoint.text)` has no competing event, so a Fine-Gray model is a Cox model: use `cox`, or declare `compete ...` in the endpoint",
                       endpoint.range, src)
        }
        guard let formula = stage.formula else { throw fail("`finegray` needs a formula: `finegray ENDPOINT ~ TERM`", stage.verbRange, src) }
        let full = try buildDesign(formula, data, src).design
        let (rows, dropped) = completeCases(full, outcome, strata: nil)
        let design = subset(full, rows)
        var result = try FineGray.fit(time: rows.pick(outcome.time), status: rows.pick(outcome.status),
                                      covariates: design.columns, names: design.columnNames, failCode: 1,
                                      options: { var o = FineGrayOptions(); o.cancellation = cancellation; return o }())
        result.endpointName = endpoint.text
        result.cohortName = data.name
        result.timeUnit = outcome.unit
        result.warnings += input.notes + droppedNote(dropped)
        run.emit(result)
    }
}
