import Runtime

extension Interpreter {
    /// `cox ENDPOINT ~ TERMS [ties efron|breslow|exact] [strata S]`, or `~ each(...)` for
    /// one univariate model per term.
    func runCox(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source, data = run.data
        let endpoint = try requiredEndpoint(stage, src)
        let outcome = try outcome(endpoint, data, src)
        var ties = env.settings.ties
        if let w = stage.option(.ties)?.word {
            guard let t = CoxTies(rawValue: w.text) else { throw fail("`ties` takes efron, breslow or exact", w.range, src) }
            ties = t
        }
        let strataGrouping = try stage.option(.strata)?.values.first.map { try grouping($0, data, src) }
        var options = CoxOptions()
        options.ties = ties
        guard let formula = stage.formula else { throw fail("`cox` needs a formula: `cox ENDPOINT ~ TERM + TERM`", stage.verbRange, src) }

        func fitOne(_ built: BuiltDesign) throws -> (CoxResult, [Double], [Bool], CoxDesign, [Int]?) {
            let (rows, dropped) = completeCases(built.design, outcome, strata: strataGrouping)
            let time = rows.pick(outcome.time)
            let event = rows.pick(outcome.status).map { $0 == 1 }
            let design = subset(built.design, rows)
            let strata = strataGrouping.map { rows.pick($0.codes) }
            var fit = try Cox.fit(time: time, event: event, design: design, strata: strata, options: options)
            fit.nDropped = dropped
            fit.endpointName = endpoint.text
            fit.cohortName = data.name
            return (fit, time, event, design, strata)
        }

        let terms = try expandTerms(formula, src)
        guard !terms.isEmpty else {
            run.emit(NoCoxModel(endpointName: endpoint.text, cohortName: data.name, reason: "no terms to fit: the selection kept none"))
            run.context = .none
            return
        }
        if formula.each {
            var fits = [(String, CoxResult)]()
            for term in terms {
                let built = try buildDesign([term], range: term.term.range, data, term.source)
                fits.append((term.text, try fitOne(built).0))
            }
            run.emit(CoxScreenResult(endpointName: endpoint.text, fits: fits, ties: ties, cohortName: data.name))
            run.context = .none
            return
        }
        let built = try buildDesign(terms, range: formula.range, data, src)
        let (fit, time, event, design, strata) = try fitOne(built)
        run.emit(fit)
        run.context = .cox(fit: fit, time: time, event: event, design: design, strata: strata)
    }
}
