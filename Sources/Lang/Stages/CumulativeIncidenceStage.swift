import Runtime

extension Interpreter {
    /// `cuminc ENDPOINT [by G] [at T, ...]`: Aalen-Johansen cumulative incidence.
    func runCumulativeIncidence(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        let endpoint = try requiredEndpoint(stage, src)
        guard let input = try survivalInput(endpoint, stage, &run, counting: false) else { return }
        let data = input.data, outcome = input.outcome
        let g = try grouping(stage.option(.by)?.values ?? [], data, src)
        let (rows, _) = usableRows(outcome, [g])
        let atValues = stage.option(.at)?.values ?? []
        let times = try timePoints(atValues, unit: outcome.unit, src)
        var result = try CumulativeIncidence.estimate(
            time: rows.pick(outcome.time), status: rows.pick(outcome.status),
            group: g.map { rows.pick($0.codes) } ?? [Int](repeating: 0, count: rows.count), groupLabels: g?.labels ?? ["(all)"],
            causeLabels: [1: endpoint.text, 2: "competing"], options: { var o = CumulativeIncidenceOptions(times: times); o.cancellation = cancellation; return o }())
        result.warnings += afterFollowUpWarnings(stage, times: times, outcome, rows, g, src, estimate: .missing)
        // R's default time points are the inside of `pretty(c(0, last time))`: none when every
        // time is 0 (`print.cuminc` then prints an empty table too).
        if atValues.isEmpty, result.times.isEmpty, rows.count > 0 {
            result.warnings.append("every time is 0 \(outcome.unit), so there are no default time points (R's `print.cuminc` shows none either); ask for times with `at`")
        }
        result.timeUnit = outcome.unit
        result.endpointName = endpoint.text
        result.cohortName = data.name
        result.timeLabels = timeLabels(atValues, times, unit: outcome.unit, src)
        result.warnings += input.notes
        run.emit(result)
        run.context = .cuminc(result)
    }
}
