import Runtime

/// Rows of a cohort with the flow that produced them.
struct CohortData {
    var name: String
    var table: Table
    var flow: [FlowStep]
    /// For stacked sources (`omd + opd`): the order of the `cohort` column's levels.
    var stackOrder: [String]? = nil
    /// Rows still in the database (every step of the cohort ran there); `table` has the
    /// columns and no rows until `Interpreter.materialized`.
    var deferred: DeferredRows? = nil

    /// The number of rows: for rows left in the database, the flow's last count.
    var rowCount: Int { deferred == nil ? table.rowCount : flow.last?.after ?? 0 }
}

extension Interpreter {
    func evaluator(for data: CohortData) -> Evaluator { evaluator(for: data.table, scope: data.name) }

    /// `noting: false` leaves out the notes of aggregates (for a look at values that the
    /// statements using them will note).
    func evaluator(for table: Table, scope: String = "", noting: Bool = true) -> Evaluator {
        var ev = Evaluator(table: table, lets: env.lets, params: env.params, monthDays: env.settings.monthDays,
                           notes: noting ? notes : nil, scope: scope)
        ev.results = env.results.mapValues(\.result)
        return ev
    }

    /// The rows of a table or cohort by name. `range` is where the name is used (nil when
    /// asked by the REPL). With `deferRows`, a cohort whose rows are still in the database
    /// comes with its columns and flow only (`CohortData.deferred`).
    func cohortData(_ name: String, at use: (Range<Int>, SourceFile)?, visiting: Set<String> = [], deferRows: Bool = false) throws -> CohortData {
        let data = try cohortRows(name, at: use, visiting: visiting, deferRows: deferRows)
        guard !deferRows, data.deferred != nil else { return data }
        let rows = try materialized(data)
        cache[name] = rows
        return rows
    }

    private func cohortRows(_ name: String, at use: (Range<Int>, SourceFile)?, visiting: Set<String>, deferRows: Bool) throws -> CohortData {
        if deferRows, let deferred = try databaseTableCount(name, at: use) { return deferred }
        if let described = env.tables[name] {
            let t = try tableRows(name, described, at: use)
            return CohortData(name: name, table: t, flow: [FlowStep(kind: .source, condition: tableLabel(name), reason: nil, before: t.rowCount, after: t.rowCount, cohort: name)])
        }
        if let cached = cache[name] { return cached }
        guard let def = env.cohorts[name] else {
            let candidates = Array(env.tables.keys) + Array(env.cohorts.keys)
            let msg = env.endpoints[name] != nil ? "`\(name)` is an endpoint, not a table or cohort" : "unknown table or cohort `\(name)`"
            if let (r, src) = use {
                throw fail(msg, r, src, hints: Suggest.hint(for: name, among: candidates)
                           + (candidates.isEmpty ? ["load data first: `use \"data.csv\" as registry`"] : []))
            }
            throw LangError(Diagnostic(.error, msg, at: 0..<0), in: SourceFile(name: "<repl>", text: ""))
        }
        guard !visiting.contains(name) else {
            throw fail("cohort `\(name)` is defined in terms of itself", def.pipeline.sources[0].range, def.source)
        }
        var data: CohortData
        var stages = def.pipeline.stages[...]
        if let pushed = try pushdown(def, name) {
            (data, stages) = pushed
        } else {
            data = try pipelineSource(def.pipeline, def.source, visiting: visiting.union([name]))
        }
        data = try applyRowStages(stages, data, def.source, cohortName: name)
        data.name = name
        cache[name] = data
        return data
    }

    /// The rows a pipeline starts from: one source, or several stacked with a `cohort` column.
    func pipelineSource(_ p: Pipeline, _ src: SourceFile, visiting: Set<String> = [], deferRows: Bool = false) throws -> CohortData {
        if p.sources.count == 1 {
            return try cohortData(p.sources[0].text, at: (p.sources[0].range, src), visiting: visiting, deferRows: deferRows)
        }
        var parts = [CohortData]()
        for s in p.sources {
            if parts.contains(where: { $0.name == s.text }) { throw fail("`\(s.text)` is listed twice", s.range, src) }
            parts.append(try cohortData(s.text, at: (s.range, src), visiting: visiting))
        }
        // Each part's name as the one value of its `cohort` column.
        func named(_ part: CohortData) -> Table {
            let n = part.table.rowCount
            return part.table.adding("cohort", .string(codes: [UInt32](repeating: 0, count: n), dictionary: n > 0 ? [part.name] : []))
        }
        var table = named(parts[0])
        for part in parts.dropFirst() {
            let t = named(part)
            table = Table.stack(table, t)
        }
        let name = parts.map(\.name).joined(separator: " + ")
        var flow = [FlowStep]()
        for part in parts { flow.append(contentsOf: part.flow) }
        flow.append(FlowStep(kind: .combine, condition: "combined: " + parts.map { "\($0.name) (\($0.table.rowCount))" }.joined(separator: " + "),
                             reason: nil, before: table.rowCount, after: table.rowCount, cohort: name))
        return CohortData(name: name, table: table, flow: flow, stackOrder: parts.map(\.name))
    }
}

/// A grouping of rows: codes 0..<labels.count, -1 where the group is missing.
struct Grouping {
    var name: String
    var labels: [String]
    var codes: [Int]
    var missing: Int
}

extension Interpreter {
    /// How an expression is named in results: a column by its name (without backticks),
    /// anything else as written.
    static func displayName(_ e: Expr, _ src: SourceFile) -> String {
        if case .name(let n) = e.kind { return n }
        return src.slice(e.range)
    }

    /// The name a grouping or term is known by for levels and labels: a column or `let` name.
    func variableName(_ e: Expr) -> String? {
        if case .name(let n) = e.kind { return n }
        return nil
    }

    /// The order of the levels present in the data: `levels NAME [...]` when declared (an
    /// error when the data hold a value it does not list), else `fallback`.
    func orderedLevels(_ name: String?, present: [String], fallback: [String], _ use: Expr, _ src: SourceFile) throws -> [String] {
        guard let name, let order = env.levels[name] else { return fallback }
        let listed = Set(order.values)
        if let stray = present.first(where: { !listed.contains($0) }) {
            let line = order.source.location(of: order.name.range.lowerBound).line
            throw fail("`\(name)` has the value \"\(stray)\", which its `levels` list (\(order.source.name):\(line)) does not name", use.range, src,
                       hints: ["add it to the list: `levels \(name) [\(order.values.map { "\"\($0)\"" }.joined(separator: ", ")), \"\(stray)\"]`, or exclude those rows"])
        }
        let have = Set(present)
        return order.values.filter { have.contains($0) }
    }

    /// A yes/no level as it is shown: "true" as yes, "false" as no.
    static func yesNo(_ level: String) -> String { level == "true" ? "yes" : "no" }

    /// The value label declared for a level of variable `name`, if any. A yes/no value may
    /// be labelled as it is shown (`label tki "TKI" [yes: "TKI"]`).
    func valueLabel(_ name: String?, level: String, isBool: Bool) -> String? {
        let label = name.flatMap { env.labels[$0] }
        if let v = label?.values[level] { return v }
        return isBool ? label?.values[Interpreter.yesNo(level)] : nil
    }

    /// A level as Table 1 and `summary` show it: its value label, else itself (booleans as
    /// no / yes).
    func shownLevel(_ name: String?, _ level: String, isBool: Bool) -> String {
        valueLabel(name, level: level, isBool: isBool) ?? (isBool ? Interpreter.yesNo(level) : level)
    }

    /// How a level of a grouping is shown: its value label when one is declared, else
    /// `title: level` (booleans as no / yes); the levels of stacked cohorts by their names.
    func levelLabel(_ name: String?, display: String, level: String, isBool: Bool) -> String {
        if let v = valueLabel(name, level: level, isBool: isBool) { return v }
        let label = name.flatMap { env.labels[$0] }
        if name == "cohort" && label?.title == nil { return level }
        let title = label?.title ?? display
        let shown = isBool ? Interpreter.yesNo(level) : level
        return "\(title): \(shown)"
    }

    /// Groups rows by an expression: levels in the order `levels` declares; otherwise text
    /// sorted as R sorts it (the `cohort` column of stacked cohorts keeps the order written,
    /// `cut` its bins' order), booleans false then true, numbers ascending. Labels from
    /// `label`, or `name: level`.
    func grouping(_ e: Expr, _ data: CohortData, _ src: SourceFile) throws -> Grouping {
        var ev = evaluator(for: data)
        let v = try ev.eval(e, src)
        let display = Interpreter.displayName(e, src)
        let name = variableName(e)
        let title = name.flatMap { env.labels[$0]?.title } ?? display
        let n = data.table.rowCount
        var codes = [Int](repeating: -1, count: n)
        switch v {
        case .scalar:
            throw fail("`by` needs a column or an expression over columns, not a single value", e.range, src)
        case .column(let c):
            switch c {
            case .string(let raw, let dict):
                var present = [Bool](repeating: false, count: dict.count)
                raw.withUnsafeBufferPointer { r in
                    present.withUnsafeMutableBufferPointer { p in
                        for c in r where c != Column.stringNA { p[Int(c)] = true }
                    }
                }
                let presentLevels = dict.indices.filter { present[$0] }.map { dict[$0] }
                var fallback: [String]
                if name == "cohort", let order = data.stackOrder {
                    fallback = order.filter { presentLevels.contains($0) }
                } else if case .call("cut", _) = e.kind {
                    fallback = presentLevels  // the dictionary is in bin order
                } else {
                    fallback = DesignMatrix.sortedLevels(presentLevels)
                }
                let levels = try orderedLevels(name, present: presentLevels, fallback: fallback, e, src)
                let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
                // The missing code last: one table lookup per row.
                let codeToLevel = dict.map { index[$0] ?? -1 } + [-1]
                let missingCode = dict.count
                var missing = 0
                codes.withUnsafeMutableBufferPointer { out in
                    raw.withUnsafeBufferPointer { r in
                        codeToLevel.withUnsafeBufferPointer { level in
                            for i in 0..<n {
                                let c = r[i]
                                let k = level[c == Column.stringNA ? missingCode : Int(c)]
                                out[i] = k
                                if k < 0 { missing &+= 1 }
                            }
                        }
                    }
                }
                let isCohort = name == "cohort" && data.stackOrder != nil
                let labels = levels.map { isCohort ? $0 : levelLabel(name, display: display, level: $0, isBool: false) }
                return Grouping(name: title, labels: labels, codes: codes, missing: missing)
            case .bool(let b):
                let presentLevels = [b.contains(0) ? "false" : nil, b.contains(1) ? "true" : nil].compactMap { $0 }
                let levels = try orderedLevels(name, present: presentLevels, fallback: presentLevels, e, src)
                let map = ["false", "true"].map { levels.firstIndex(of: $0) ?? -1 }
                for i in 0..<n where b[i] != Column.boolNA { codes[i] = map[Int(b[i])] }
                let labels = levels.map { levelLabel(name, display: display, level: $0, isBool: true) }
                return Grouping(name: title, labels: labels, codes: codes, missing: codes.filter { $0 < 0 }.count)
            case .date:
                throw fail("cannot group by a date; group by a derived value such as `year(\(display))`", e.range, src)
            case .int, .double:
                // The distinct values in ascending order, each row coded by its value's rank
                // (`Column.textCoded`: a counting or radix sort, no text per row).
                let (valueCodes, texts) = c.textCoded()
                if texts.count > 20 {
                    throw fail("`\(display)` has \(texts.count) distinct values; group by a condition such as `\(display) >= \(texts[texts.count / 2])`", e.range, src)
                }
                let levels = try orderedLevels(name, present: texts, fallback: texts, e, src)
                let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
                let levelOfValue = texts.map { index[$0] ?? -1 }
                var missing = 0
                valueCodes.withUnsafeBufferPointer { v in
                    levelOfValue.withUnsafeBufferPointer { levelOf in
                        codes.withUnsafeMutableBufferPointer { out in
                            for i in 0..<n {
                                let k = v[i] == Column.stringNA ? -1 : levelOf[Int(v[i])]
                                out[i] = k
                                if k < 0 { missing += 1 }
                            }
                        }
                    }
                }
                let labels = levels.map { levelLabel(name, display: display, level: $0, isBool: false) }
                return Grouping(name: title, labels: labels, codes: codes, missing: missing)
            }
        }
    }

    /// Groups rows by one expression, or by every combination of several (`by tki, sex`, as
    /// `survfit(~ tki + sex)`): combinations that occur, the first expression varying
    /// slowest; a row missing any of them is missing.
    func grouping(_ exprs: [Expr], _ data: CohortData, _ src: SourceFile) throws -> Grouping? {
        guard let first = exprs.first else { return nil }
        if exprs.count == 1 { return try grouping(first, data, src) }
        let parts = try exprs.map { try grouping($0, data, src) }
        let combinations = parts.reduce(1) { total, p in
            let (m, overflow) = total.multipliedReportingOverflow(by: max(p.labels.count, 1))
            return overflow ? Int.max : m
        }
        if combinations == Int.max {
            throw fail("these groups have too many combinations to tell apart; group by fewer or coarser variables", exprs[0].range.lowerBound..<exprs[exprs.count - 1].range.upperBound, src)
        }
        // Each row's combination as a number, the first grouping varying slowest; -1 when any
        // is missing. Built one grouping at a time.
        var key = parts[0].codes
        for p in parts.dropFirst() {
            let count = p.labels.count
            key.withUnsafeMutableBufferPointer { k in
                p.codes.withUnsafeBufferPointer { c in
                    for i in 0..<k.count { k[i] = k[i] < 0 || c[i] < 0 ? -1 : k[i] &* count &+ c[i] }
                }
            }
        }
        // The combinations that occur, in key order: marked in a table of every combination
        // when it is not too large, else collected in a set.
        let present: [Int]
        let codes: [Int]
        if combinations <= 1 << 22 {
            var slot = [Int32](repeating: -1, count: combinations)
            for k in key where k >= 0 { slot[k] = 0 }
            var found = [Int]()
            for k in 0..<combinations where slot[k] == 0 { slot[k] = Int32(found.count); found.append(k) }
            present = found
            codes = key.map { $0 < 0 ? -1 : Int(slot[$0]) }
        } else {
            present = Set(key.filter { $0 >= 0 }).sorted()
            let index = Dictionary(uniqueKeysWithValues: present.enumerated().map { ($1, $0) })
            codes = key.map { $0 < 0 ? -1 : index[$0]! }
        }
        let labels = present.map { k -> String in
            var rest = k
            var names = [String]()
            for p in parts.reversed() {
                names.append(p.labels[rest % p.labels.count])
                rest /= p.labels.count
            }
            return names.reversed().joined(separator: ", ")
        }
        return Grouping(name: parts.map(\.name).joined(separator: ", "), labels: labels, codes: codes, missing: codes.filter { $0 < 0 }.count)
    }

    /// Computes an endpoint on a cohort's rows.
    func outcome(_ endpointName: Name, _ data: CohortData, _ src: SourceFile) throws -> SurvivalOutcome {
        guard let def = env.endpoints[endpointName.text] else {
            let hint = env.cohorts[endpointName.text] != nil || env.tables[endpointName.text] != nil
                ? ["`\(endpointName.text)` is a cohort; the verb takes an endpoint"] : []
            throw fail("unknown endpoint `\(endpointName.text)`", endpointName.range, src,
                       hints: Suggest.hint(for: endpointName.text, among: endpointNames) + hint
                        + (env.endpoints.isEmpty ? ["define one first: `endpoint os = from lart_date to death_date censor last_contact_date`"] : []))
        }
        var ev = evaluator(for: data)
        let s = def.source
        switch def.spec {
        case .dates(let origin, let event, let compete, let censor):
            let o = try ev.dates(origin, s, what: "the origin of `\(endpointName.text)`")
            let e = try ev.dates(event, s, what: "the event of `\(endpointName.text)`")
            let c = try compete.map { try ev.dates($0, s, what: "the competing event of `\(endpointName.text)`") }
            let z = try ev.dates(censor, s, what: "the censoring date of `\(endpointName.text)`")
            let unit = env.settings.dateUnit
            let perUnit = env.settings.days(in: unit)
            let (out, negative) = SurvivalOutcome.fromDates(name: endpointName.text, origin: o, event: e, compete: c, censor: z,
                                                            daysPerUnit: perUnit, unit: unit.name)
            if let i = negative {
                let id = data.table.names.first.flatMap { data.table[$0]?.text(at: i) } ?? "row \(i + 1)"
                throw fail("endpoint `\(endpointName.text)` has a negative time for \(id): its end date is before its origin",
                           def.name.range, s, hints: ["check the dates of that row, or exclude it from the cohort"])
            }
            return out
        case .numeric(let time, let event, let compete, let unit):
            let t = try ev.numbers(time, s, what: "the time of `\(endpointName.text)`")
            let e = try ev.condition(event, s)
            let c = try compete.map { try ev.condition($0, s) }
            // One pass over the columns as stored: status 1 for the event, 2 for the competing
            // event, else 0; a row whose event (or competing event) is missing has no time.
            // (The time column is copied only when some row has no status.)
            let n = t.count
            var negative: Int? = nil, unknown = false
            let status = [Int](unsafeUninitializedCapacity: n) { out, count in
                t.withUnsafeBufferPointer { tm in
                    e.withUnsafeBufferPointer { ev in
                        (c ?? []).withUnsafeBufferPointer { cv in
                            let competing = c != nil
                            for i in 0..<n {
                                let event = ev[i], other = competing ? cv[i] : 0
                                if event == Column.boolNA || other == Column.boolNA { unknown = true; out[i] = 0; continue }
                                if tm[i] < 0, negative == nil { negative = i }
                                out[i] = event == 1 ? 1 : (other == 1 ? 2 : 0)
                            }
                        }
                    }
                }
                count = n
            }
            if let i = negative {
                throw fail("endpoint `\(endpointName.text)` has a negative time (\(formatNumber(t[i]))) in row \(i + 1)", time.range, s)
            }
            var times = t
            if unknown {
                for i in 0..<n where e[i] == Column.boolNA || c?[i] == Column.boolNA { times[i] = .nan }
            }
            let unitName = unit.flatMap { DurationUnit.parse($0.text)?.name } ?? "time units"
            return SurvivalOutcome(name: endpointName.text, time: times, status: status, unit: unitName, hasCompetingEvent: compete != nil)

        case .landmark:
            return try endpointRows(endpointName, data, src).outcome
        case .counting(let start, let stop, let event, let unit):
            return try countingOutcome(endpointName, def, data, start: start, stop: stop, event: event, unit: unit)
        }
    }

    /// How asked times print: as written, with the value in the endpoint's unit when the
    /// written unit differs (`1y (365.25 d)` on a day endpoint; `12mo` on a month endpoint).
    func timeLabels(_ values: [Expr], _ times: [Double], unit: String, _ src: SourceFile) -> [String]? {
        guard !values.isEmpty else { return nil }
        let target = DurationUnit.parse(unit)
        return zip(values, times).map { e, t in
            guard case .duration(_, let u) = e.kind else { return formatNumber(t) }
            let written = src.slice(e.range)
            if u == target { return written }
            return "\(written) (\(formatNumber(t)) \(target?.rawValue ?? unit))"
        }
    }

    /// Converts `at` values to the endpoint's unit: durations by the unit's length, plain
    /// numbers as they are.
    func timePoints(_ values: [Expr], unit: String, _ src: SourceFile) throws -> [Double] {
        try values.map { e in
            switch e.kind {
            case .number(let x): return x
            case .duration(let v, let u):
                guard let target = DurationUnit.parse(unit) else {
                    throw fail("the endpoint has no time unit, so `\(src.slice(e.range))` cannot be converted; add `unit days` to the endpoint or write a plain number", e.range, src)
                }
                return v * env.settings.days(in: u) / env.settings.days(in: target)
            default:
                throw fail("expected a time such as 12mo or 365d", e.range, src)
            }
        }
    }
}
