import Runtime

extension Interpreter {
    /// `cox ... | zph`: the proportional-hazards test of the model before it.
    func runZph(_ stage: Stage, _ run: inout PipelineRun) throws {
        guard case .cox(let fit, let time, let event, let design, let strata) = run.context else {
            throw fail("`zph` tests the Cox model before it: write `cox ENDPOINT ~ ... | zph`", stage.verbRange, run.source)
        }
        if fit.countingProcess || fit.weighted {
            throw fail("`zph` is not available for a Cox model with \(fit.countingProcess ? "(start, stop] rows" : "case weights") yet",
                       stage.verbRange, run.source)
        }
        run.emit(try CoxZph.test(fit, time: time, event: event, design: design, strata: strata))
    }
}
