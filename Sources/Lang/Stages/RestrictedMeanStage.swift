import Runtime

extension Interpreter {
    /// `rmst ENDPOINT [by G, ...] tau T`: restricted mean survival time up to tau per group, and
    /// for two groups the difference and ratio (second group against the first).
    func runRestrictedMean(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        let endpoint = try requiredEndpoint(stage, src)
        guard let tauExpr = stage.option(.tau)?.values.first else {
            throw fail("`rmst` needs the time it restricts to: add `tau 24mo` (or a number in the endpoint's unit)",
                       stage.range.upperBound - 1..<stage.range.upperBound, src, hints: ["e.g. `\(stage.verb.spec.example)`"])
        }
        guard let input = try survivalInput(endpoint, stage, &run, counting: false) else { return }
        let data = input.data, outcome = input.outcome
        let g = try grouping(stage.option(.by)?.values ?? [], data, src)
        let (rows, dropped) = usableRows(outcome, [g])
        guard let tau = try timePoints([tauExpr], unit: outcome.unit, src).first, tau.isFinite, tau > 0 else {
            throw fail("`tau` must be a time > 0 such as 24mo or 730", tauExpr.range, src)
        }
        let km = try KaplanMeier.fit(time: rows.pick(outcome.time), event: rows.pick(outcome.status).map { $0 == 1 },
                                     group: g.map { rows.pick($0.codes) }, groupLabels: g?.labels ?? [])
        var result = try RestrictedMean.compute(km, tau: tau)
        result.endpointName = endpoint.text
        result.timeUnit = outcome.unit
        result.groupName = g?.name
        result.cohortName = data.name
        if case .duration = tauExpr.kind { result.tauLabel = src.slice(tauExpr.range) }
        if let g, g.labels.count > 2 {
            result.warnings.append("\(g.labels.count) groups: the difference and ratio are given for two groups only")
        }
        let kmWarnings: [String] = km.warnings
        result.warnings += input.notes + kmWarnings + smallGroupWarnings(g, rows) + droppedNote(dropped)
        if outcome.hasCompetingEvent { result.warnings.append("competing events of `\(endpoint.text)` are counted as censored") }
        run.emit(result)
        run.context = .none
    }
}
