import Runtime

extension Interpreter {
    /// `logrank [ENDPOINT] [by G] [rho R] [strata S] [trend]`; after `km` it takes the
    /// endpoint and groups of the curves.
    func runLogRank(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        var endpoint = stage.endpoint
        var byExprs = stage.option(.by)?.values ?? []
        if case .km(let ep, let by) = run.context {
            endpoint = endpoint ?? ep
            if byExprs.isEmpty { byExprs = by }
        }
        guard let endpoint else {
            throw fail("`logrank` needs an endpoint: `logrank pfs by tki`, or follow `km pfs by tki`", stage.verbRange, src)
        }
        guard !byExprs.isEmpty else {
            throw fail("`logrank` compares groups: add `by GROUP`", stage.range.upperBound - 1..<stage.range.upperBound, src)
        }
        guard let input = try survivalInput(endpoint, stage, &run, counting: false) else { return }
        let data = input.data, outcome = input.outcome
        guard let g = try grouping(byExprs, data, src) else { return }
        let strataGrouping = try stage.option(.strata)?.values.first.map { try grouping($0, data, src) }
        let (rows, dropped) = usableRows(outcome, [g, strataGrouping])
        var rho = 0.0
        if let e = stage.option(.rho)?.values.first {
            guard case .number(let x) = e.kind, x >= 0 else { throw fail("`rho` takes a number >= 0 (0 log-rank, 1 Peto-Peto)", e.range, src) }
            rho = x
        }
        let time = rows.pick(outcome.time), event = rows.pick(outcome.status).map { $0 == 1 }
        let codes = rows.pick(g.codes)
        let strata = strataGrouping.map { rows.pick($0.codes) }
        if stage.option(.trend) != nil {
            var r = try LogRank.trend(time: time, event: event, group: codes, groupLabels: g.labels, scores: nil, strata: strata,
                                      options: LogRankOptions(rho: rho))
            r.endpointName = endpoint.text
            r.cohortName = data.name
            r.timeUnit = outcome.unit
            run.emit(r)
        } else {
            var r = try LogRank.test(time: time, event: event, group: codes, groupLabels: g.labels, strata: strata,
                                     strataLabels: strataGrouping?.labels, options: LogRankOptions(rho: rho))
            r.endpointName = endpoint.text
            r.cohortName = data.name
            r.timeUnit = outcome.unit
            r.warnings += input.notes + droppedNote(dropped) + smallGroupWarnings(g, rows)
            run.emit(r)
        }
    }
}
