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
        // As many coefficients as events of the cause cannot be estimated, as for `cox`
        // (found by fuzzing: a three-factor interaction on 157 rows asked for gigabytes).
        let status = rows.pick(outcome.status)
        let events = status.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        try requireFewerCoefficients(design.columns.count, than: events, counted: "events of the cause", model: "Fine-Gray", formula, src)
        var result = try FineGray.fit(time: rows.pick(outcome.time), status: status,
                                      covariates: design.columns, names: design.columnNames, failCode: 1,
                                      options: { var o = FineGrayOptions(); o.cancellation = cancellation; return o }())
        result.endpointName = endpoint.text
        result.cohortName = data.name
        result.timeUnit = outcome.unit
        result.warnings += input.notes + droppedNote(dropped)
        run.emit(result)
    }
}
