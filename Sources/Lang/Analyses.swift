import Runtime

/// What the stage before an analysis left for it (`km ... | logrank`, `cox ... | zph`,
/// `cuminc ... | gray`).
enum StageContext {
    case none
    case km(endpoint: Name, by: Expr?, data: CohortData)
    case cox(fit: CoxResult, time: [Double], event: [Bool], design: CoxDesign, strata: [Int]?)
    case cuminc(CumulativeIncidenceResult)
}

extension Session {
    func runPipeline(_ p: Pipeline, _ s: Statement, _ src: SourceFile, into report: inout RunReport) throws {
        var data = try pipelineSource(p, src)
        var context = StageContext.none
        var produced = false
        var last: (any Reportable)? = nil
        func emit(_ r: any Reportable) {
            report.items.append(.result(output(r, s, src)))
            produced = true
            last = r
        }
        for stage in p.stages {
            let verb = stage.verb.text
            if Grammar.rowVerbs.contains(verb) {
                var ev = evaluator(for: data.table)
                _ = try ev.condition(stage.condition!, src)
                for w in ev.warnings { report.items.append(.warning(w)) }
                data = try applyRowStage(stage, data, src, cohortName: data.name)
                continue
            }
            do {
                switch verb {
                case "km": context = try km(stage, data, src, emit)
                case "logrank": try logrank(stage, data, context, src, emit)
                case "cox": context = try cox(stage, data, src, emit)
                case "zph":
                    guard case .cox(let fit, let time, let event, let design, let strata) = context else {
                        throw fail("`zph` tests the Cox model before it: write `cox ENDPOINT ~ ... | zph`", stage.verb.range, src)
                    }
                    emit(try CoxZph.test(fit, time: time, event: event, design: design, strata: strata))
                case "cuminc": context = try cuminc(stage, data, src, emit)
                case "gray":
                    guard case .cuminc(let result) = context else {
                        throw fail("`gray` compares the groups of the cuminc before it: write `cuminc ENDPOINT by GROUP | gray`", stage.verb.range, src)
                    }
                    guard !result.gray.isEmpty else {
                        throw fail("Gray's test needs at least two groups: add `by GROUP` to `cuminc`", stage.verb.range, src)
                    }
                    emit(GrayTestReport(tests: result.gray, endpointName: result.endpointName))
                case "finegray": try fineGray(stage, data, src, emit)
                case "followup": try followUp(stage, data, src, emit)
                case "count":
                    if let by = stage.option("by")?.values.first {
                        let g = try grouping(by, data, src)
                        var counts = [Int](repeating: 0, count: g.labels.count)
                        for c in g.codes where c >= 0 { counts[c] += 1 }
                        var groups = zip(g.labels, counts).map { (label: $0, n: $1) }
                        if g.missing > 0 { groups.append((label: "(missing)", n: g.missing)) }
                        emit(CountResult(source: data.name, groupName: g.name, groups: groups, total: data.table.rowCount))
                    } else {
                        emit(CountResult(source: data.name, total: data.table.rowCount))
                    }
                case "flow":
                    emit(FlowResult(cohort: data.name, steps: data.flow))
                case "list":
                    var limit = 20
                    if let e = stage.option("limit")?.values.first {
                        guard case .number(let x) = e.kind, x >= 0, x == x.rounded() else { throw fail("`limit` takes a whole number", e.range, src) }
                        limit = Int(x)
                    }
                    let k = min(limit, data.table.rowCount)
                    emit(RowsResult(source: data.name, table: data.table.gather(Array(0..<k)), totalRows: data.table.rowCount))
                case "summary":
                    let g = try stage.option("by")?.values.first.map { try grouping($0, data, src) }
                    var variables = [(name: String, values: DescriptiveSummary.Values)]()
                    for e in stage.arguments {
                        var ev = evaluator(for: data.table)
                        let v = try ev.eval(e, src)
                        let name = Session.displayName(e, src)
                        switch v {
                        case .column(.string(let codes, let dict)):
                            variables.append((name, .levels(codes.map { $0 == Column.stringNA ? nil : dict[Int($0)] })))
                        case .column(.bool(let b)):
                            variables.append((name, .levels(b.map { $0 == Column.boolNA ? nil : ($0 == 1 ? "true" : "false") })))
                        case .column(.date):
                            throw fail("summarise a number derived from the date, e.g. `year(\(name))`", e.range, src)
                        default:
                            variables.append((name, .numbers(try ev.numbers(v, e, src, what: "a summarised value"))))
                        }
                    }
                    emit(DescriptiveSummary(variables: variables, groups: g?.labels ?? ["all"], groupOf: g?.codes))
                case "plot", "export":
                    guard let previous = last else {
                        throw fail("`\(verb)` writes the result of the stage before it: write `... | km pfs | \(verb) \"file\"`", stage.verb.range, src)
                    }
                    let written = try writeOutput(previous, verb: verb, path: stage.label ?? "", stage, src)
                    report.items.append(.result(output(written, s, src)))
                default:
                    throw fail("unknown stage `\(verb)`", stage.verb.range, src)
                }
            } catch let e as AnalysisError {
                throw fail(e.message, stage.range, src)
            }
        }
        if !produced {
            // A pipeline of row steps alone shows how many rows are left.
            emit(CountResult(source: data.name, total: data.table.rowCount))
        }
    }

    /// `plot` and `export`: write a result to a file next to the script.
    func writeOutput(_ result: any Reportable, verb: String, path: String, _ stage: Stage, _ src: SourceFile) throws -> FileWritten {
        let text: String
        if verb == "plot" {
            guard let p = result as? any Plottable, let figure = p.figure() else {
                throw fail("a `\(result.kind)` result has no figure; plot follows km, cuminc or flow", stage.verb.range, src)
            }
            guard path.hasSuffix(".svg") else { throw fail("figures are written as SVG: name the file `....svg`", stage.range, src) }
            text = figure.svg()
        } else if path.hasSuffix(".csv") {
            text = CSVRenderer.render(result.tables())
        } else if path.hasSuffix(".md") {
            text = MarkdownRenderer.render(result.tables())
        } else if path.hasSuffix(".json") {
            text = result.json().serialized(indent: 2) + "\n"
        } else if path.hasSuffix(".txt") {
            text = TextRenderer.render(result.tables())
        } else {
            throw fail("export writes .csv, .md, .json or .txt files", stage.range, src)
        }
        let full = path.hasPrefix("/") ? path : baseDirectory + "/" + path
        do {
            try TextFile.write(text, to: full)
        } catch {
            throw fail("cannot write \(path): \(error)", stage.range, src)
        }
        return FileWritten(path: path, what: verb == "plot" ? "figure" : "table", bytes: text.utf8.count)
    }

    /// Rows usable for a survival analysis: time known, and group/strata known where given.
    func usableRows(_ outcome: SurvivalOutcome, _ groupings: [Grouping?]) -> (rows: RowSelection, dropped: Int) {
        var rows = [Int]()
        rows.reserveCapacity(outcome.count)
        outer: for i in 0..<outcome.count {
            if outcome.time[i].isNaN { continue }
            for g in groupings { if let g, g.codes[i] < 0 { continue outer } }
            rows.append(i)
        }
        return (RowSelection(rows, of: outcome.count), outcome.count - rows.count)
    }

    /// Warnings for groups too small to say anything (one patient).
    func smallGroupWarnings(_ g: Grouping?, _ rows: RowSelection) -> [String] {
        guard let g else { return [] }
        var counts = [Int](repeating: 0, count: g.labels.count)
        for i in rows where g.codes[i] >= 0 { counts[g.codes[i]] += 1 }
        return zip(g.labels, counts).filter { $0.1 == 1 }.map { "group `\($0.0)` has a single patient: its estimates carry almost no information" }
    }

    func droppedNote(_ dropped: Int) -> [String] {
        dropped > 0 ? ["\(dropped) row\(dropped == 1 ? "" : "s") with a missing time, event or group left out"] : []
    }

    // MARK: km

    func km(_ stage: Stage, _ data: CohortData, _ src: SourceFile, _ emit: (any Reportable) -> Void) throws -> StageContext {
        let endpoint = stage.endpoint!
        let outcome = try outcome(endpoint, data, src)
        let byExpr = stage.option("by")?.values.first
        let g = try byExpr.map { try grouping($0, data, src) }
        let (rows, dropped) = usableRows(outcome, [g])
        let transformName = stage.option("ci")?.word?.text ?? settings.confidenceTransform
        guard let transform = ConfidenceTransform(rawValue: transformName) else {
            throw fail("`ci` takes log, log-log or plain", stage.option("ci")!.word!.range, src)
        }
        let times = try timePoints(stage.option("at")?.values ?? [], unit: outcome.unit, src)
        let options = KaplanMeierOptions(confidenceLevel: 0.95, transform: transform, times: times)
        var result = try KaplanMeier.fit(time: rows.pick(outcome.time), event: rows.pick(outcome.status).map { $0 == 1 },
                                         group: g.map { rows.pick($0.codes) }, groupLabels: g?.labels ?? [],
                                         options: options)
        result.timeUnit = outcome.unit
        result.endpointName = endpoint.text
        result.groupName = g?.name
        result.warnings += smallGroupWarnings(g, rows)
        if !rows.contains(where: { outcome.status[$0] == 1 }) {
            result.warnings.append("no events of `\(endpoint.text)` in these \(rows.count) rows: survival stays at 1 and no median is reached")
        }
        result.warnings += droppedNote(dropped) + (outcome.hasCompetingEvent ? ["competing events of `\(endpoint.text)` are counted as censored; use `cuminc` for cumulative incidence"] : [])
        emit(result)
        return .km(endpoint: endpoint, by: byExpr, data: data)
    }

    // MARK: logrank

    func logrank(_ stage: Stage, _ data: CohortData, _ context: StageContext, _ src: SourceFile, _ emit: (any Reportable) -> Void) throws {
        var endpoint = stage.endpoint
        var byExpr = stage.option("by")?.values.first
        if case .km(let ep, let by, _) = context {
            endpoint = endpoint ?? ep
            byExpr = byExpr ?? by
        }
        guard let endpoint else {
            throw fail("`logrank` needs an endpoint: `logrank pfs by tki`, or follow `km pfs by tki`", stage.verb.range, src)
        }
        guard let byExpr else {
            throw fail("`logrank` compares groups: add `by GROUP`", stage.range.upperBound - 1..<stage.range.upperBound, src)
        }
        let outcome = try outcome(endpoint, data, src)
        let g = try grouping(byExpr, data, src)
        let strataGrouping = try stage.option("strata")?.values.first.map { try grouping($0, data, src) }
        let (rows, dropped) = usableRows(outcome, [g, strataGrouping])
        var rho = 0.0
        if let e = stage.option("rho")?.values.first {
            guard case .number(let x) = e.kind, x >= 0 else { throw fail("`rho` takes a number >= 0 (0 log-rank, 1 Peto-Peto)", e.range, src) }
            rho = x
        }
        let time = rows.pick(outcome.time), event = rows.pick(outcome.status).map { $0 == 1 }
        let codes = rows.pick(g.codes)
        let strata = strataGrouping.map { rows.pick($0.codes) }
        if stage.option("trend") != nil {
            var r = try LogRank.trend(time: time, event: event, group: codes, groupLabels: g.labels, scores: nil, strata: strata,
                                      options: LogRankOptions(rho: rho))
            r.endpointName = endpoint.text
            r.timeUnit = outcome.unit
            emit(r)
        } else {
            var r = try LogRank.test(time: time, event: event, group: codes, groupLabels: g.labels, strata: strata,
                                     strataLabels: strataGrouping?.labels, options: LogRankOptions(rho: rho))
            r.endpointName = endpoint.text
            r.timeUnit = outcome.unit
            r.warnings += droppedNote(dropped) + smallGroupWarnings(g, rows)
            emit(r)
        }
    }

    // MARK: follow-up

    func followUp(_ stage: Stage, _ data: CohortData, _ src: SourceFile, _ emit: (any Reportable) -> Void) throws {
        let endpoint = stage.endpoint!
        let outcome = try outcome(endpoint, data, src)
        let g = try stage.option("by")?.values.first.map { try grouping($0, data, src) }
        let (rows, _) = usableRows(outcome, [g])
        // One summary for all rows, then one per group.
        var parts: [(String, [Int])] = [("\(endpoint.text), \(data.name)", rows.indices)]
        if let g {
            for (k, label) in g.labels.enumerated() { parts.append(("\(endpoint.text), \(label)", rows.filter { g.codes[$0] == k })) }
        }
        for (label, subset) in parts where !subset.isEmpty {
            var r = try FollowUp.summarize(time: subset.map { outcome.time[$0] }, event: subset.map { outcome.status[$0] != 0 })
            r.timeUnit = outcome.unit
            r.label = label
            emit(r)
        }
    }

    // MARK: cuminc

    func cuminc(_ stage: Stage, _ data: CohortData, _ src: SourceFile, _ emit: (any Reportable) -> Void) throws -> StageContext {
        let endpoint = stage.endpoint!
        let outcome = try outcome(endpoint, data, src)
        let g = try stage.option("by")?.values.first.map { try grouping($0, data, src) }
        let (rows, _) = usableRows(outcome, [g])
        let times = try timePoints(stage.option("at")?.values ?? [], unit: outcome.unit, src)
        var result = try CumulativeIncidence.estimate(
            time: rows.pick(outcome.time), status: rows.pick(outcome.status),
            group: g.map { rows.pick($0.codes) } ?? [Int](repeating: 0, count: rows.count), groupLabels: g?.labels ?? ["(all)"],
            causeLabels: [1: endpoint.text, 2: "competing"], options: CumulativeIncidenceOptions(times: times))
        result.timeUnit = outcome.unit
        result.endpointName = endpoint.text
        emit(result)
        return .cuminc(result)
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

/// Gray's test alone (`cuminc ... | gray`).
struct GrayTestReport: Reportable {
    var tests: [GrayTestResult]
    var endpointName: String
    var kind: String { "gray" }

    func tables() -> [ResultTable] {
        [ResultTable(title: "Gray's test: \(endpointName)", columns: ["cause", "chisq", "df", "p"],
                     rows: tests.map { [.text($0.cause == 1 ? endpointName : "competing (\($0.cause))"), .number($0.statistic, digits: 4), .number($0.df, digits: 2), .pValue($0.p)] })]
    }

    func json() -> JSONValue {
        .object([("endpoint", .string(endpointName)),
                 ("tests", .array(tests.map { .object([("cause", .int($0.cause)), ("statistic", .number($0.statistic)), ("df", .number($0.df)), ("p", .number($0.p))]) }))])
    }
}
