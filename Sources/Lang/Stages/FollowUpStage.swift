import Runtime

extension Interpreter {
    /// `followup ENDPOINT [by G]`: reverse Kaplan-Meier follow-up, overall then per group.
    func runFollowUp(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        let endpoint = try requiredEndpoint(stage, src)
        guard let input = try survivalInput(endpoint, stage, &run, counting: false) else { return }
        let data = input.data, outcome = input.outcome
        let g = try stage.option(.by)?.values.first.map { try grouping($0, data, src) }
        let (rows, _) = usableRows(outcome, [g])
        // One summary for all rows, then one per group.
        var parts: [(String, [Int])] = [("\(endpoint.text), \(data.name)", rows.indices)]
        if let g {
            for (k, label) in g.labels.enumerated() { parts.append(("\(endpoint.text), \(label)", rows.filter { g.codes[$0] == k })) }
        }
        var first = true
        for (label, subset) in parts where !subset.isEmpty {
            var r = try FollowUp.summarize(time: subset.map { outcome.time[$0] }, event: subset.map { outcome.status[$0] != 0 },
                                           options: KaplanMeierOptions(medianInterval: env.settings.medianInterval))
            r.timeUnit = outcome.unit
            r.label = label
            if first { r.warnings += input.notes; first = false }
            run.emit(r)
        }
    }
}
