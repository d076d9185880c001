import Runtime

extension Interpreter {
    /// `cox ENDPOINT ~ TERMS [ties efron|breslow|exact] [strata S] [weights W] [robust]`, or
    /// `~ each(...)` for one univariate model per term. A (start, stop] endpoint fits the
    /// counting-process model; its robust variance is clustered by patient (the id column).
    func runCox(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        let endpoint = try requiredEndpoint(stage, src)
        guard let input = try survivalInput(endpoint, stage, &run, counting: true) else { return }
        let data = input.data
        var outcome = input.outcome
        var ties = env.settings.ties
        if let w = stage.option(.ties)?.word {
            guard let t = CoxTies(rawValue: w.text) else { throw fail("`ties` takes efron, breslow or exact", w.range, src) }
            ties = t
        }
        let strataGrouping = try stage.option(.strata)?.values.first.map { try grouping($0, data, src) }
        let weights = try stage.option(.weights)?.values.first.map { try caseWeights($0, data, src) }
        // Rows without a weight are left out, as R's na.omit does with the model frame.
        if let weights { for i in weights.indices where weights[i].isNaN { outcome.time[i] = .nan } }
        // (start, stop] rows of one patient form one cluster of the robust variance (R: `id = id`).
        var cluster: [Int]? = nil
        var clusterName: String? = nil
        if outcome.start != nil, let idName = idColumnName(data.table), let column = data.table[idName] {
            var codes = [String: Int]()
            cluster = (0..<data.table.rowCount).map { i in
                let key = column.text(at: i) ?? "row \(i)"
                if let c = codes[key] { return c }
                codes[key] = codes.count
                return codes.count - 1
            }
            clusterName = idName
        }
        var options = CoxOptions()
        options.ties = ties
        options.cancellation = cancellation
        guard let formula = stage.formula else { throw fail("`cox` needs a formula: `cox ENDPOINT ~ TERM + TERM`", stage.verbRange, src) }

        /// Fits the model on the complete rows of `full` (consumed: its columns become the fit's).
        func fitOne(_ full: consuming CoxDesign) throws -> (CoxResult, [Double], [Bool], CoxDesign, [Int]?) {
            let (rows, dropped) = completeCases(full, outcome, strata: strataGrouping)
            let time = rows.pick(outcome.time)
            let event = outcome.status.withUnsafeBufferPointer { s in rows.all ? s.map { $0 == 1 } : rows.indices.map { s[$0] == 1 } }
            let design = subset(full, rows)
            let strata = strataGrouping.map { rows.pick($0.codes) }
            // As many coefficients as events cannot be estimated (found by fuzzing: a
            // 160-column interaction of two factors on 120 events ran for minutes).
            let events = event.reduce(0) { $0 + ($1 ? 1 : 0) }
            try requireFewerCoefficients(design.columns.count, than: events, counted: "events", model: "Cox", formula, src)
            let w = weights.map { rows.pick($0) }
            let c = cluster.map { rows.pick($0) }
            let robust = stage.option(.robust) != nil || Cox.robustByDefault(weights: w, event: event, cluster: c)
            var fit = try Cox.fit(time: time, event: event, design: design, strata: strata, options: options,
                                  start: outcome.start.map { rows.pick($0) }, weights: w, robust: robust, cluster: c)
            fit.nDropped = dropped
            fit.endpointName = endpoint.text
            fit.cohortName = data.name
            fit.columnLabels = termLabels(fit)
            fit.notes += input.notes
            if fit.robust {
                let by = c != nil ? "clustered by \(clusterName ?? "id") (\(fit.clusters ?? 0) patients)" : "one cluster per row"
                let why = stage.option(.robust) != nil ? "" : " (R's default with non-integer weights)"
                fit.notes.append("Robust (sandwich) standard errors\(why), \(by): the CI, z, p and Wald test use them.")
            }
            if let weightExpr = stage.option(.weights)?.values.first {
                fit.notes.append("Case weights: \(src.slice(weightExpr.range)).")
            }
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
                fits.append((term.text, try fitOne(buildDesign([term], range: term.term.range, data, term.source).design).0))
            }
            run.emit(CoxScreenResult(endpointName: endpoint.text, fits: fits, ties: ties, cohortName: data.name))
            run.context = .none
            return
        }
        let (fit, time, event, design, strata) = try fitOne(buildDesign(terms, range: formula.range, data, src).design)
        run.emit(fit)
        run.context = .cox(fit: fit, time: time, event: event, design: design, strata: strata)
    }

    /// `weights W`: a number per row, > 0 (R's coxph: "Invalid weights, must be >0"); a
    /// missing weight leaves its row out.
    func caseWeights(_ e: Expr, _ data: CohortData, _ src: SourceFile) throws -> [Double] {
        var ev = evaluator(for: data)
        let w = try ev.numbers(e, src, what: "the case weights")
        if let i = w.indices.first(where: { !w[$0].isNaN && !(w[$0] > 0 && w[$0].isFinite) }) {
            throw fail("case weights must be > 0: \(rowName(data.table, i)) has weight \(formatNumber(w[i]))", e.range, src,
                       hints: ["exclude that row, or give it a positive weight"])
        }
        return w
    }
}
