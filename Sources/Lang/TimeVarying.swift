import Runtime

/// Endpoints beyond one row per patient from time 0: landmarks (`landmark ENDPOINT at T`) and
/// counting-process intervals (`start T0 stop T1 event COND`); how survival stages receive
/// them; and which column identifies a patient.

/// An endpoint on a cohort's rows with what its definition leaves out: the rows not at risk
/// at a landmark (their time is NaN in `outcome`).
struct EndpointRows {
    var outcome: SurvivalOutcome
    /// Rows not at risk at the landmark; nil without a landmark.
    var notAtRisk: [Bool]?
    /// The landmark as written (`180`, `6mo`) and in the endpoint's unit.
    var landmark: (text: String, at: Double)?
    /// The latest time of the endpoint the landmark starts from (for messages).
    var lastTime: Double?
}

/// What a survival stage works on: the rows it may use (without those a landmark leaves
/// out) and the endpoint on them, with notes for the result.
struct SurvivalInput {
    var data: CohortData
    var outcome: SurvivalOutcome
    var notes: [String]
}

extension Interpreter {
    /// The column that identifies a patient: one named `id`, `patient_id`, `subject_id` or
    /// `usubjid` (in any case), else the first column.
    static let idColumnNames = ["id", "patient_id", "subject_id", "usubjid"]

    func idColumnName(_ table: Table) -> String? {
        for wanted in Self.idColumnNames {
            if let n = table.names.first(where: { $0.lowercased() == wanted }) { return n }
        }
        return table.names.first
    }

    /// How row i is named in messages: `id 17 (row 4)` when the table has a column named as
    /// an id, else `row 4`.
    func rowName(_ table: Table, _ i: Int) -> String {
        guard let c = idColumnName(table), Self.idColumnNames.contains(c.lowercased()),
              let v = table[c]?.text(at: i) else { return "row \(i + 1)" }
        return "\(c) \(v) (row \(i + 1))"
    }

    /// An endpoint on `data`'s rows, following landmarks to the endpoint they start from.
    func endpointRows(_ name: Name, _ data: CohortData, _ src: SourceFile, visiting: Set<String> = []) throws -> EndpointRows {
        guard let def = env.endpoints[name.text], case .landmark(let base, let atExpr) = def.spec else {
            return EndpointRows(outcome: try outcome(name, data, src), notAtRisk: nil, landmark: nil)
        }
        guard !visiting.contains(name.text) else {
            throw fail("endpoint `\(name.text)` is a landmark of itself", base.range, def.source)
        }
        let inner = try endpointRows(base, data, def.source, visiting: visiting.union([name.text]))
        if inner.landmark != nil {
            throw fail("`\(base.text)` is already a landmark endpoint; take the landmark of the endpoint it starts from", base.range, def.source)
        }
        var out = inner.outcome
        guard let at = try timePoints([atExpr], unit: out.unit, def.source).first, at.isFinite, at >= 0 else {
            throw fail("the landmark must be a time >= 0 such as 6mo or 180", atExpr.range, def.source)
        }
        // Landmark (Anderson, Cain & Gelber 1983; van Houwelingen 2007): the rows still at
        // risk at L, i.e. time > L, with time measured from L. (start, stop] rows: those with
        // stop > L, entering at max(start, L) - L.
        let n = out.count
        let lastTime = out.time.filter { !$0.isNaN }.max()
        var notAtRisk = [Bool](repeating: false, count: n)
        for i in 0..<n where !out.time[i].isNaN {
            if out.time[i] <= at {
                notAtRisk[i] = true
                out.time[i] = .nan
            } else {
                out.time[i] -= at
                if out.start != nil { out.start![i] = max(out.start![i], at) - at }
            }
        }
        out.name = name.text
        return EndpointRows(outcome: out, notAtRisk: notAtRisk, landmark: (def.source.slice(atExpr.range), at), lastTime: lastTime)
    }

    /// `start T0 stop T1 event COND [unit U]`: one row per (start, stop] interval. A row with a
    /// missing start, stop or event is left out (time NaN); start >= stop is an error naming
    /// the row.
    func countingOutcome(_ name: Name, _ def: EndpointDefinition, _ data: CohortData,
                         start startExpr: Expr, stop stopExpr: Expr, event eventExpr: Expr, unit: Name?) throws -> SurvivalOutcome {
        var ev = evaluator(for: data)
        let s = def.source
        let start = try ev.numbers(startExpr, s, what: "the start of `\(name.text)`")
        let stop = try ev.numbers(stopExpr, s, what: "the stop of `\(name.text)`")
        let event = try ev.condition(eventExpr, s)
        var time = stop
        var status = [Int](repeating: 0, count: stop.count)
        for i in 0..<stop.count {
            if start[i].isNaN || stop[i].isNaN || event[i] == Column.boolNA { time[i] = .nan; continue }
            if start[i] < 0 {
                throw fail("endpoint `\(name.text)`: \(rowName(data.table, i)) starts at \(formatNumber(start[i])); interval times must be >= 0",
                           startExpr.range, s)
            }
            if start[i] >= stop[i] {
                throw fail("endpoint `\(name.text)`: \(rowName(data.table, i)) has start \(formatNumber(start[i])) >= stop \(formatNumber(stop[i])); each interval (start, stop] must have start < stop",
                           startExpr.range.lowerBound..<stopExpr.range.upperBound, s,
                           hints: ["fix or drop that row; a patient followed for 0 days has no interval at risk"])
            }
            status[i] = event[i] == 1 ? 1 : 0
        }
        let unitName = unit.flatMap { DurationUnit.parse($0.text)?.name } ?? "time units"
        return SurvivalOutcome(name: name.text, time: time, status: status, unit: unitName, hasCompetingEvent: false, start: start)
    }

    /// The rows and endpoint a survival stage uses. Without `counting`, a (start, stop]
    /// endpoint is an error at the endpoint's name. Rows a landmark leaves out are dropped
    /// (and counted in a note); when none is left the stage has nothing to estimate: a
    /// warning, and nil.
    func survivalInput(_ endpoint: Name, _ stage: Stage, _ run: inout PipelineRun, counting: Bool) throws -> SurvivalInput? {
        let src = run.source
        let rows = try endpointRows(endpoint, run.data, src)
        if rows.outcome.start != nil && !counting {
            throw fail("`\(stage.verb.rawValue)` does not take the (start, stop] endpoint `\(endpoint.text)`; use `km` or `cox` with it",
                       endpoint.range, src, hints: ["define a one-row-per-patient endpoint (`time ... event ...`) for `\(stage.verb.rawValue)`"])
        }
        guard let mask = rows.notAtRisk, let (text, _) = rows.landmark else {
            return SurvivalInput(data: run.data, outcome: rows.outcome, notes: [])
        }
        let out = rows.outcome
        let excluded = mask.filter { $0 }.count
        let keep = mask.map { !$0 }
        let usable = (0..<out.count).filter { keep[$0] && !out.time[$0].isNaN }.count
        let unitText = DurationUnit.parse(out.unit) == nil ? "" : " " + out.unit
        let atText = Double(text) != nil ? text + unitText : text
        if usable == 0 {
            let last = rows.lastTime.map { "the last follow-up ends at \(formatNumber($0))\(unitText)" } ?? "no row has a follow-up time"
            run.items.append(.warning(LangError(Diagnostic(.warning,
                "nobody is at risk at the landmark \(atText) of `\(endpoint.text)`: \(last), so `\(stage.verb.rawValue)` has nothing to estimate",
                at: endpoint.range, hints: ["choose an earlier landmark"]), in: src)))
            run.produced = true   // the warning is the stage's answer (no row count after it)
            return nil
        }
        var data = run.data
        data.table = data.table.filter(keep)
        func pick<T>(_ xs: [T]) -> [T] { zip(xs, keep).compactMap { $1 ? $0 : nil } }
        var kept = out
        kept.time = pick(out.time)
        kept.status = pick(out.status)
        kept.start = out.start.map(pick)
        let note = "landmark at \(atText): \(excluded) of \(out.count) rows no longer at risk left out; times from the landmark"
        return SurvivalInput(data: data, outcome: kept, notes: [note])
    }
}
