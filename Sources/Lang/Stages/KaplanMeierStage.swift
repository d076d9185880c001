import Runtime

extension Interpreter {
    /// `km ENDPOINT [by G] [at T, ...] [ci log|log-log|plain]`
    func runKaplanMeier(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        let endpoint = try requiredEndpoint(stage, src)
        guard let input = try survivalInput(endpoint, stage, &run, counting: true) else { return }
        let data = input.data, outcome = input.outcome
        let byExprs = stage.option(.by)?.values ?? []
        let g = try grouping(byExprs, data, src)
        let (rows, dropped) = usableRows(outcome, [g])
        var transform = env.settings.confidenceTransform
        if let w = stage.option(.ci)?.word {
            guard let t = ConfidenceTransform(rawValue: w.text) else { throw fail("`ci` takes log, log-log or plain", w.range, src) }
            transform = t
        }
        let atValues = stage.option(.at)?.values ?? []
        let times = try timePoints(atValues, unit: outcome.unit, src)
        var options = KaplanMeierOptions(confidenceLevel: 0.95, transform: transform, times: times,
                                         medianInterval: env.settings.medianInterval)
        options.cancellation = cancellation
        var result = try KaplanMeier.fit(time: rows.pick(outcome.time), event: rows.pick(outcome.status).map { $0 == 1 },
                                         group: g.map { rows.pick($0.codes) }, groupLabels: g?.labels ?? [],
                                         entry: outcome.start.map { rows.pick($0) }, options: options)
        result.timeUnit = outcome.unit
        result.endpointName = endpoint.text
        result.groupName = g?.name
        result.cohortName = data.name
        result.timeLabels = timeLabels(atValues, times, unit: outcome.unit, src)
        result.warnings += smallGroupWarnings(g, rows)
        result.warnings += afterFollowUpWarnings(stage, times: times, outcome, rows, g, src, estimate: .carriedForward)
        if !rows.contains(where: { outcome.status[$0] == 1 }) {
            result.warnings.append("no events of `\(endpoint.text)` in these \(rows.count) rows: survival stays at 1 and no median is reached")
        }
        result.warnings += input.notes + droppedNote(dropped) + (outcome.hasCompetingEvent ? ["competing events of `\(endpoint.text)` are counted as censored; use `cuminc` for cumulative incidence"] : [])
        run.emit(result)
        run.context = .km(endpoint: endpoint, by: byExprs)
    }
}
