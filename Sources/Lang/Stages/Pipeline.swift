import Runtime

/// What the stage before an analysis left for it (`km ... | logrank`, `cox ... | zph`,
/// `cuminc ... | gray`).
enum StageContext {
    case none
    case km(endpoint: Name, by: [Expr])
    case cox(fit: CoxResult, time: [Double], event: [Bool], design: CoxDesign, strata: [Int]?)
    case cuminc(CumulativeIncidenceResult)
}

/// The state a pipeline threads through its stages: the rows, what the previous stage
/// left, and what has been produced so far.
struct PipelineRun {
    var data: CohortData
    var context = StageContext.none
    let source: SourceFile
    /// Results and warnings in order.
    var items: [Produced] = []
    /// The last result, for output stages.
    var last: (any Reportable)?
    var produced = false
    /// Figures and the results they drew, both as ordinals among `items`' results (warnings
    /// inserted later do not move them).
    var draws: [Int: Int] = [:]

    /// The ordinal the next result will have.
    var nextResultOrdinal: Int { items.reduce(0) { if case .result = $1 { $0 + 1 } else { $0 } } }

    enum Produced {
        case result(any Reportable)
        case warning(LangError)
    }

    mutating func emit(_ r: any Reportable) {
        items.append(.result(r))
        produced = true
        last = r
    }
}

extension Interpreter {
    /// Runs a pipeline, appends its results to the report, and returns the last result.
    @discardableResult
    func runPipeline(_ p: Pipeline, _ s: Statement, _ src: SourceFile, into report: inout RunReport) throws -> Output? {
        let deferRows = deferrable(p)
        let (data, grouped) = try pipelineRows(p, try pipelineSource(p, src, deferRows: deferRows))
        let run: PipelineRun
        do {
            run = try runStages(p, PipelineRun(data: data, source: src))
        } catch is LangError where grouped {
            // Messages that name a row (a negative time) name it by the cohort's rows.
            _ = notes.drain()
            run = try runStages(p, PipelineRun(data: try pipelineSource(p, src), source: src))
        }
        let base = report.results.count
        var ordinal = 0
        for item in run.items {
            switch item {
            case .result(let r):
                var o = output(r, s, src)
                o.draws = run.draws[ordinal].map { base + $0 }
                report.items.append(.result(o))
                ordinal += 1
            case .warning(let w): report.items.append(.warning(w))
            }
        }
        return run.last.map { output($0, s, src) }
    }

    /// Runs a pipeline's stages on its rows.
    func runStages(_ p: Pipeline, _ start: PipelineRun) throws -> PipelineRun {
        var run = start
        let src = run.source
        var k = p.stages.startIndex
        while k < p.stages.endIndex {
            let stage = p.stages[k]
            let before = run.items.count
            try cancellation.check()
            // Consecutive row steps run together (one gather of the table for all of them).
            var end = k + 1
            if stage.verb.kind == .row { while end < p.stages.endIndex, p.stages[end].verb.kind == .row { end += 1 } }
            do {
                if stage.verb.kind == .row { try runRowSteps(p.stages[k..<end], &run) } else { try runStage(stage, &run) }
            } catch let e as AnalysisError {
                throw fail(e.message, stage.range, src)
            }
            // Notes met while the stage evaluated (an aggregate's value) come before its result.
            run.items.insert(contentsOf: notes.drain().map { PipelineRun.Produced.warning($0) }, at: before)
            k = end
        }
        if !run.produced {
            // A pipeline of row steps alone shows how many rows are left.
            run.emit(CountResult(source: run.data.name, total: run.data.table.rowCount))
        }
        return run
    }

    /// One stage: an exhaustive switch over the verbs, one runner each (in this folder).
    func runStage(_ stage: Stage, _ run: inout PipelineRun) throws {
        switch stage.verb {
        case .where, .require, .exclude: try runRowSteps([stage][...], &run)
        case .km: try runKaplanMeier(stage, &run)
        case .logrank: try runLogRank(stage, &run)
        case .cox: try runCox(stage, &run)
        case .zph: try runZph(stage, &run)
        case .cuminc: try runCumulativeIncidence(stage, &run)
        case .gray: try runGray(stage, &run)
        case .finegray: try runFineGray(stage, &run)
        case .followup: try runFollowUp(stage, &run)
        case .count: try runCount(stage, &run)
        case .flow: try runFlow(stage, &run)
        case .list: try runList(stage, &run)
        case .summary: try runSummary(stage, &run)
        case .plot: try runPlot(stage, &run)
        case .export: try runExport(stage, &run)
        case .rmst: try runRestrictedMean(stage, &run)
        case .forest: try runForest(stage, &run)
        }
    }

    /// Resolves what a pipeline names (sources, row steps, endpoints, groups, strata,
    /// formula terms) without fitting anything: the work of `lart check`.
    func checkPipeline(_ p: Pipeline, _ src: SourceFile) throws {
        // A pipeline the database can serve is checked on the cohort's columns, without rows.
        var data = try pipelineSource(p, src, deferRows: deferrable(p))
        var producer: Stage? = nil
        var k = p.stages.startIndex
        while k < p.stages.endIndex {
            let stage = p.stages[k]
            k += 1
            switch stage.verb.kind {
            case .row:
                // Consecutive row steps together, as the run takes them.
                var end = k
                while end < p.stages.endIndex, p.stages[end].verb.kind == .row { end += 1 }
                data = try applyRowStages(p.stages[(k - 1)..<end], data, src, cohortName: data.name)
                k = end
            case .output:
                if case .adtte(let endpoints, _)? = stage.dataset {
                    _ = try adtteDataset(endpoints, stage, data, src)
                } else if producer == nil {
                    throw fail("`\(stage.verb.rawValue)` writes the result of the stage before it: write `... | km pfs | \(stage.verb.rawValue) \"file\"`", stage.verbRange, src)
                }
                if stage.verb == .forest, let producer, producer.verb != .cox {
                    throw fail("`forest` draws a Cox model (`cox pfs ~ tki + sex | forest`); a `\(producer.verb.rawValue)` result is drawn with `plot`", stage.verbRange, src)
                }
                _ = try outputPath(stage, src)
            case .analysis:
                producer = stage
                if let ep = stage.endpoint {
                    let o = try outcome(ep, data, src)
                    // `at 1y` needs the endpoint's unit: known without running anything.
                    if let at = stage.option(.at) { _ = try timePoints(at.values, unit: o.unit, src) }
                }
                _ = try grouping(stage.option(.by)?.values ?? [], data, src)
                if let e = stage.option(.strata)?.values.first { _ = try grouping(e, data, src) }
                if let f = stage.formula { _ = try buildDesign(f, data, src, values: .namesOnly) }
            }
        }
    }

    // MARK: Helpers shared by the runners

    /// Rows usable for a survival analysis: time known, and group/strata known where given.
    func usableRows(_ outcome: SurvivalOutcome, _ groupings: [Grouping?]) -> (rows: RowSelection, dropped: Int) {
        let codes = groupings.compactMap { $0?.codes }
        let n = outcome.count
        let rows = [Int](unsafeUninitializedCapacity: n) { out, count in
            outcome.time.withUnsafeBufferPointer { t in
                var k = 0
                outer: for i in 0..<n {
                    if t[i].isNaN { continue }
                    for c in codes where c[i] < 0 { continue outer }
                    out[k] = i
                    k &+= 1
                }
                count = k
            }
        }
        return (RowSelection(rows, of: n), n - rows.count)
    }

    /// Warnings for groups too small to say anything (one patient).
    func smallGroupWarnings(_ g: Grouping?, _ rows: RowSelection) -> [String] {
        guard let g else { return [] }
        var counts = [Int](repeating: 0, count: g.labels.count)
        for i in rows where g.codes[i] >= 0 { counts[g.codes[i]] += 1 }
        return zip(g.labels, counts).filter { $0.1 == 1 }.map { "group `\($0.0)` has a single patient: its estimates carry almost no information" }
    }

    /// What an estimate is at a time after the last follow-up.
    enum AfterFollowUp {
        /// The last estimate carried forward (R's `summary.survfit`).
        case carriedForward
        /// None (cmprsk's `timepoints` gives NA after a curve's last time).
        case missing

        var all: String {
            switch self {
            case .carriedForward: return "the estimate is the last one carried forward"
            case .missing: return "there is no estimate (cmprsk gives NA; shown as -)"
            }
        }
        var group: String {
            switch self {
            case .carriedForward: return "its estimate is the last one carried forward"
            case .missing: return "it has no estimate (cmprsk gives NA; shown as -)"
            }
        }
    }

    /// Warnings for `at` times after the last follow-up (of each group): no patient is at
    /// risk then, so what is shown (`estimate`) is not an estimate at that time.
    func afterFollowUpWarnings(_ stage: Stage, times: [Double], _ outcome: SurvivalOutcome, _ rows: RowSelection,
                               _ g: Grouping?, _ src: SourceFile, estimate: AfterFollowUp) -> [String] {
        guard let written = stage.option(.at)?.values, written.count == times.count, !times.isEmpty else { return [] }
        var last = [Double](repeating: -.infinity, count: g?.labels.count ?? 1)
        for i in rows {
            let k = g.map { $0.codes[i] } ?? 0
            if k >= 0, k < last.count, outcome.time[i] > last[k] { last[k] = outcome.time[i] }
        }
        var out = [String]()
        let unit = outcome.unit
        for (t, e) in zip(times, written) {
            let text = src.slice(e.range)
            let shown = Double(text) == t ? "\(text) \(unit)" : "\(text) (\(Format.significant(t, digits: 4)) \(unit))"
            let late = last.indices.filter { last[$0].isFinite && t > last[$0] }
            if late.isEmpty { continue }
            if g == nil || late.count == last.count, let top = late.map({ last[$0] }).max() {
                out.append("at \(shown) is after the last follow-up (\(Format.significant(top, digits: 4)) \(unit)): no patient at risk; \(estimate.all)")
            } else if let g {
                for k in late {
                    out.append("at \(shown) is after the last follow-up of `\(g.labels[k])` (\(Format.significant(last[k], digits: 4)) \(unit)): no patient of that group at risk; \(estimate.group)")
                }
            }
        }
        return out
    }

    func droppedNote(_ dropped: Int) -> [String] {
        dropped > 0 ? ["\(dropped) row\(dropped == 1 ? "" : "s") with a missing time, event or group left out"] : []
    }

    /// The endpoint a stage names; the parser guarantees one where the verb requires it.
    func requiredEndpoint(_ stage: Stage, _ src: SourceFile) throws -> Name {
        guard let e = stage.endpoint else {
            throw fail("`\(stage.verb.rawValue)` needs an endpoint (e.g. `\(stage.verb.spec.example)`)", stage.verbRange, src)
        }
        return e
    }
}

/// The rows an analysis uses. When every row is kept, columns are passed on as they are
/// instead of being gathered.
struct RowSelection: Sequence {
    let indices: [Int]
    let all: Bool

    init(_ indices: [Int], of total: Int) {
        self.indices = indices
        all = indices.count == total
    }

    var count: Int { indices.count }

    func pick<T>(_ column: [T]) -> [T] { all ? column : indices.map { column[$0] } }

    func makeIterator() -> IndexingIterator<[Int]> { indices.makeIterator() }
}
