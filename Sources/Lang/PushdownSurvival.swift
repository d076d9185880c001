import Runtime

/// Kaplan-Meier, log-rank, cumulative incidence (and Gray's test, reverse Kaplan-Meier
/// follow-up, counts by group) on a cohort whose every step ran in the database: the rows
/// are not fetched; the database groups them by the analysis's raw inputs (the columns the
/// endpoint's time and status and the groups are computed from) and counts each combination
/// (`GROUP BY ... COUNT(*)`). lart expands those counts back into rows and runs the same
/// evaluator and estimators as on rows read whole, so the output is the same to the byte:
/// the estimators depend only on the multiset of (time, status, group), not on the order of
/// the rows. (Frequency weights in the estimators would save the expansion, but every
/// estimate, n.risk, Greenwood's variance, the log-rank variance and Gray's test would have
/// to be shown equal to expansion; the transfer, which is what grows with the table, is the
/// same either way, and at 10^7 rows lart's share of the run is half a second:
/// bench/pushdown.md.)
extension Interpreter {
    /// Whether a pipeline can start from a cohort whose rows are still in the database: one
    /// source, and stages that need flows, counts or survival inputs only (each depends on
    /// the multiset of its inputs, not on the rows' order or their other columns).
    func deferrable(_ p: Pipeline) -> Bool {
        guard p.sources.count == 1, !p.stages.isEmpty, env.settings.pushdown == .on else { return false }
        return p.stages.allSatisfy { stage in
            switch stage.verb {
            case .flow, .km, .logrank, .cuminc, .gray, .followup, .count, .plot: return true
            // `export adtte` writes a record per patient: it needs the rows.
            case .export: return stage.dataset == nil
            case .where, .require, .exclude, .cox, .zph, .finegray, .list, .summary, .rmst, .forest: return false
            }
        }
    }

    /// The rows a deferrable pipeline runs on: none for flows alone; the analysis's inputs
    /// grouped and counted in the database, expanded into rows; else the cohort's rows.
    /// `grouped` says whether the rows came grouped.
    func pipelineRows(_ p: Pipeline, _ data: CohortData) throws -> (data: CohortData, grouped: Bool) {
        guard let d = data.deferred else { return (data, false) }
        // Flows and totals need the flow's counts alone.
        if p.stages.allSatisfy({ $0.verb == .flow || ($0.verb == .count && $0.option(.by) == nil) }) { return (data, false) }
        guard let inputs = survivalInputs(p.stages, d.db) else { return (try materialized(data), false) }
        var countName = "lart_n"
        while inputs.columns.contains(countName) { countName += "_" }
        let kinds = Dictionary(d.db.described.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
        // Date columns as days after the origin when the inputs only ever subtract dates:
        // rows with the same times then group together.
        let shifted = inputs.columns.map { c in inputs.origin != nil && kinds[c] == .date }
        let select = zip(inputs.columns, shifted).enumerated().map { k, pair in
            let (c, shift) = pair
            guard shift, let o = inputs.origin else { return SQLiteReader.quote(c) }
            return daysBetween(o, c, d.db.source.dialect) + " AS lart_days_\(k)"
        }
        let positions = (1...inputs.columns.count).map(String.init).joined(separator: ", ")
        let answer = try readDatabase(d.db, at: d.use) { rel in
            [SQLStatement("SELECT " + select.joined(separator: ", ") + ", COUNT(*) AS \(countName) FROM \(rel)" + DeferredRows.whereClause(d.keeps)
                          + "\nGROUP BY \(positions)", .summary)]
        }
        guard let grouped = answer.first, let counts = grouped[countName]?.doubles() else { return (try materialized(data), false) }
        var rows = [Int]()
        rows.reserveCapacity(data.flow.last?.after ?? 0)
        for (r, n) in counts.enumerated() where n.isFinite && n > 0 {
            rows.append(contentsOf: repeatElement(r, count: Int(n)))
        }
        var columns = [Column]()
        for (k, (c, shift)) in zip(inputs.columns, shifted).enumerated() {
            guard let column = grouped[shift ? "lart_days_\(k)" : c] else { return (try materialized(data), false) }
            if shift, let days = column.doubles() {
                columns.append(.date(days.map { $0.isNaN ? Column.dateNA : Int32($0) }))
            } else {
                columns.append(column)
            }
        }
        var out = data
        out.table = Table(names: inputs.columns, columns: columns, origin: d.db.source.origin).gather(rows)
        out.deferred = nil
        return (out, true)
    }

    /// Whole days from date column `origin` to date column `column`, NULL when either is.
    func daysBetween(_ origin: String, _ column: String, _ dialect: SQLDialect) -> String {
        let o = SQLiteReader.quote(origin), c = SQLiteReader.quote(column)
        switch dialect {
        case .postgres: return "(\(c) - \(o))"
        case .sqlite: return "CAST(julianday(NULLIF(\(c), '')) - julianday(NULLIF(\(o), '')) AS INTEGER)"
        }
    }

    /// The source columns the survival stages compute from, or nil when an input is not a
    /// row-wise function of source columns (an aggregate, a bound result, a landmark or
    /// counting-process endpoint, a name that is not a column): those run on the rows.
    /// `origin`: the column every endpoint starts from, when dates enter the inputs only
    /// through differences (no date literal, no `year` or `days`), so that they can be sent
    /// as days after it.
    func survivalInputs(_ stages: [Stage], _ db: DatabaseTable) -> (columns: [String], origin: String?)? {
        let columns = Set(db.described.map(\.name))
        let dates = Set(db.described.filter { $0.kind == .date }.map(\.name))
        var found = Set<String>()
        var visiting = Set<String>()
        var absoluteDates = false
        var origins = Set<String>()
        // In a stage's options (`by`), a date is used for itself: a row whose origin is
        // missing still has it.
        var inOption = false
        func walk(_ e: Expr) -> Bool {
            switch e.kind {
            case .number, .string, .bool, .duration: return true
            case .date: absoluteDates = true; return true
            case .name(let n):
                if columns.contains(n) {
                    found.insert(n)
                    if inOption && dates.contains(n) { absoluteDates = true }
                    return true
                }
                if let b = env.lets[n] {
                    guard visiting.insert(n).inserted else { return true }
                    return walk(b.expr)
                }
                return env.params[n] != nil
            case .negate(let x), .not(let x), .isMissing(let x, _): return walk(x)
            case .binary(_, let a, let b): return walk(a) && walk(b)
            case .inList(let x, let items, _): return walk(x) && items.allSatisfy(walk)
            case .list(let items): return items.allSatisfy(walk)
            case .call(let name, let args):
                if name == "year" || name == "days" { absoluteDates = true }
                return Interpreter.rowWiseFunctions.contains(name) && args.allSatisfy { walk($0.value) }
            case .resultPart: return false
            }
        }
        for stage in stages {
            switch stage.verb {
            case .km, .logrank, .cuminc, .gray, .followup, .count:
                if let ep = stage.endpoint {
                    guard let def = env.endpoints[ep.text] else { return nil }
                    switch def.spec {
                    case .dates(let origin, let event, let compete, let censor):
                        guard [origin, event, censor].allSatisfy(walk), compete.map(walk) ?? true else { return nil }
                        if case .name(let o) = origin.kind, columns.contains(o) { origins.insert(o) } else { absoluteDates = true }
                    case .numeric(let time, let event, let compete, _):
                        guard walk(time), walk(event), compete.map(walk) ?? true else { return nil }
                        absoluteDates = true
                    case .landmark, .counting:
                        return nil
                    }
                }
                inOption = true
                defer { inOption = false }
                for option in stage.options {
                    visiting = []
                    guard option.values.allSatisfy(walk) else { return nil }
                }
            case .flow, .plot:
                continue
            case .export:
                guard stage.dataset == nil else { return nil }
            case .where, .require, .exclude, .cox, .zph, .finegray, .list, .summary, .rmst, .forest:
                return nil
            }
        }
        guard !found.isEmpty else { return nil }
        let origin = !absoluteDates && origins.count == 1 ? origins.first : nil
        return (db.described.map(\.name).filter { found.contains($0) }, origin)
    }

    /// Functions whose value for a row depends on that row alone (aggregates such as
    /// `median(x)` depend on all rows, so they are computed on the rows).
    static let rowWiseFunctions: Set<String> = ["first", "last", "coalesce", "log", "exp", "sqrt", "abs", "floor", "ceil", "round",
                                                 "eqd2", "bed", "lart_dose", "year", "days", "ifelse"]
}
