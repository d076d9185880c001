import Runtime

/// A table of a database (`SQLSource`: SQLite, PostgreSQL), read when first needed: `use`
/// only describes it (its columns and types, so names resolve and errors show where the
/// `use` is), and a cohort defined on it runs its leading row steps in the database.
struct DatabaseTable {
    var source: any SQLSource
    var described: [ColumnDescription]
    /// Where the whole table is cached once read (`Interpreter.loadedFiles`).
    var cacheKey: String
    /// The label of the table in flows.
    var label: String
}

/// A condition or value as SQL, with the kind of value it gives.
struct SQLValue {
    enum Kind { case bool, number, text, date, null }
    var sql: String
    var kind: Kind
}

/// Translates expressions to SQL where the database computes exactly what the evaluator
/// would: comparisons, `and`/`or`/`not` (SQL's three-valued logic is R's), `in` lists of
/// literals, `is missing`, `+ - *` on numbers, literals, parameters and `let` columns built
/// from those. Anything else (functions, aggregates, `/`, date arithmetic, ordering of text,
/// 0/1 integer columns used as conditions) gives nil and runs in memory.
struct SQLTranslator {
    let dialect: SQLDialect
    let columns: [String: Column.Kind]
    let lets: [String: Bound]
    let params: [String: Scalar]
    let monthDays: Double
    var visiting: Set<String> = []

    func quote(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }

    func literal(_ s: String) -> String { "'" + s.replacing("'", with: "''") + "'" }

    func number(_ x: Double) -> SQLValue? {
        guard x.isFinite else { return nil }
        let text = formatNumber(x)
        return SQLValue(sql: x < 0 ? "(\(text))" : text, kind: .number)
    }

    func date(_ days: Int32) -> SQLValue {
        let text = literal(CivilDate(days: days).description)
        switch dialect {
        case .postgres: return SQLValue(sql: "DATE " + text, kind: .date)
        case .sqlite: return SQLValue(sql: text, kind: .date)
        }
    }

    func scalar(_ s: Scalar) -> SQLValue? {
        switch s {
        case .number(let x), .duration(let x): return number(x)
        case .text(let t): return SQLValue(sql: literal(t), kind: .text)
        case .bool(let b): return SQLValue(sql: b ? "TRUE" : "FALSE", kind: .bool)
        case .date(let d): return date(d)
        case .missing: return SQLValue(sql: "NULL", kind: .null)
        }
    }

    /// A column as the evaluator sees it: NaN and empty text are missing.
    func column(_ name: String, _ kind: Column.Kind) -> SQLValue {
        let q = quote(name)
        switch kind {
        case .double:
            switch dialect {
            case .postgres: return SQLValue(sql: "NULLIF(\(q), 'NaN')", kind: .number)
            case .sqlite: return SQLValue(sql: q, kind: .number)
            }
        case .int: return SQLValue(sql: q, kind: .number)
        case .bool: return SQLValue(sql: q, kind: .bool)
        case .date:
            switch dialect {
            case .postgres: return SQLValue(sql: q, kind: .date)
            case .sqlite: return SQLValue(sql: "NULLIF(\(q), '')", kind: .date)
            }
        case .string: return SQLValue(sql: "NULLIF(\(q), '')", kind: .text)
        }
    }

    /// A number from a number or a boolean (true = 1).
    func numeric(_ v: SQLValue) -> String? {
        switch v.kind {
        case .number, .null: return v.sql
        case .bool: return "CAST(\(v.sql) AS INTEGER)"
        case .text, .date: return nil
        }
    }

    func double(_ sql: String) -> String {
        switch dialect {
        case .postgres: return "CAST(\(sql) AS DOUBLE PRECISION)"
        case .sqlite: return "CAST(\(sql) AS REAL)"
        }
    }

    /// A row condition: true, false or missing.
    mutating func condition(_ e: Expr) -> String? {
        guard let v = translate(e), v.kind == .bool else { return nil }
        return v.sql
    }

    mutating func translate(_ e: Expr) -> SQLValue? {
        switch e.kind {
        case .number(let x): return number(x)
        case .string(let s): return SQLValue(sql: literal(s), kind: .text)
        case .bool(let b): return SQLValue(sql: b ? "TRUE" : "FALSE", kind: .bool)
        case .date(let d): return date(d)
        case .duration(let v, let u): return number(v * Evaluator.days(in: u, monthDays: monthDays))
        case .name(let n):
            if let kind = columns[n] { return column(n, kind) }
            if let b = lets[n] {
                guard !visiting.contains(n) else { return nil }
                visiting.insert(n)
                defer { visiting.remove(n) }
                return translate(b.expr)
            }
            if let p = params[n] { return scalar(p) }
            return nil
        case .negate(let inner):
            guard let v = translate(inner), v.kind == .number else { return nil }
            return SQLValue(sql: "(-\(v.sql))", kind: .number)
        case .not(let inner):
            guard let v = translate(inner), v.kind == .bool else { return nil }
            return SQLValue(sql: "(NOT \(v.sql))", kind: .bool)
        case .binary(let op, let l, let r):
            guard let a = translate(l), let b = translate(r) else { return nil }
            return binary(op, a, b)
        case .inList(let x, let items, let negated):
            guard !items.isEmpty, let v = translate(x) else { return nil }
            var values = [String]()
            for it in items {
                switch (v.kind, it.kind) {
                case (.text, .string(let s)): values.append(literal(s))
                case (.number, .number(let d)), (.bool, .number(let d)):
                    guard let n = number(d) else { return nil }
                    values.append(n.sql)
                case (.number, .negate(let inner)), (.bool, .negate(let inner)):
                    guard case .number(let d) = inner.kind, let n = number(-d) else { return nil }
                    values.append(n.sql)
                default: return nil
                }
            }
            guard let lhs = v.kind == .text ? v.sql : numeric(v) else { return nil }
            return SQLValue(sql: "(\(lhs) \(negated ? "NOT IN" : "IN") (\(values.joined(separator: ", "))))", kind: .bool)
        case .isMissing(let x, let negated):
            guard let v = translate(x) else { return nil }
            return SQLValue(sql: "(\(v.sql) IS \(negated ? "NOT NULL" : "NULL"))", kind: .bool)
        case .call, .list, .resultPart:
            return nil
        }
    }

    func binary(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) -> SQLValue? {
        switch op {
        case .and, .or:
            guard a.kind == .bool, b.kind == .bool else { return nil }
            return SQLValue(sql: "(\(a.sql) \(op == .and ? "AND" : "OR") \(b.sql))", kind: .bool)
        case .add, .subtract, .multiply:
            guard a.kind == .number || a.kind == .bool, b.kind == .number || b.kind == .bool,
                  let x = numeric(a), let y = numeric(b) else { return nil }
            let sign = op == .add ? "+" : op == .subtract ? "-" : "*"
            return SQLValue(sql: "(\(double(x)) \(sign) \(double(y)))", kind: .number)
        case .divide:
            return nil  // x / 0 is Inf in memory, an error in PostgreSQL
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            let sql: String
            switch op {
            case .equal: sql = "="
            case .notEqual: sql = "<>"
            case .less: sql = "<"
            case .lessEqual: sql = "<="
            case .greater: sql = ">"
            case .greaterEqual: sql = ">="
            case .and, .or, .add, .subtract, .multiply, .divide: return nil
            }
            if a.kind == .text || b.kind == .text {
                // Equality only: the order of text is the server's collation, not lart's.
                guard op == .equal || op == .notEqual, a.kind == .text || a.kind == .null, b.kind == .text || b.kind == .null else { return nil }
                return SQLValue(sql: "(\(a.sql) \(sql) \(b.sql))", kind: .bool)
            }
            if a.kind == .date || b.kind == .date {
                guard a.kind == .date || a.kind == .null, b.kind == .date || b.kind == .null else { return nil }
                return SQLValue(sql: "(\(a.sql) \(sql) \(b.sql))", kind: .bool)
            }
            guard let x = numeric(a), let y = numeric(b) else { return nil }
            return SQLValue(sql: "(\(x) \(sql) \(y))", kind: .bool)
        }
    }
}

extension Interpreter {
    /// The rows of a table, read from its source the first time.
    func tableRows(_ name: String, _ table: Table, at use: (Range<Int>, SourceFile)?) throws -> Table {
        guard let db = env.databases[name] else { return table }
        if let (t, _) = loadedFiles[db.cacheKey] { return t }
        guard let t = try readDatabase(db, at: use, { rel in ["SELECT * FROM \(rel)"] }).first else {
            throw fail("`\(name)` could not be read from \(db.source.origin)", use?.0 ?? 0..<0, use?.1 ?? SourceFile(name: "<repl>", text: ""))
        }
        loadedFiles[db.cacheKey] = (t, db.label)
        return t
    }

    /// Runs statements of lart's own on a database table (recorded for `--explain`); errors
    /// point where the table is used.
    func readDatabase(_ db: DatabaseTable, at use: (Range<Int>, SourceFile)?, _ make: (String) -> [String]) throws -> [Table] {
        // Statements already answered (cohorts are recomputed when any definition changes;
        // the SQL holds everything the answer depends on).
        let key = db.cacheKey + "\u{0}" + make("\u{1}").joined(separator: "\u{0}")
        if let known = sqlAnswers[key] { return known }
        do {
            var sent = [String]()
            let tables = try db.source.run { rel in
                let statements = make(rel)
                sent = statements
                return statements
            }
            explained.append(contentsOf: sent.map { SentSQL(origin: db.source.origin, sql: $0) })
            let answers = try tables.map { t in
                var t = t
                t.origin = db.source.origin
                // Columns of the table keep the kinds `use` described.
                guard let conformed = t.conforming(to: db.described) else {
                    throw DataError(file: db.source.origin, message: "the rows read do not have the types the table was described with; read it again with `use`")
                }
                return conformed
            }
            sqlAnswers[key] = answers
            return answers
        } catch let e as DataSourceError {
            guard let (r, src) = use else { throw LangError(Diagnostic(.error, e.description, at: 0..<0), in: SourceFile(name: "<repl>", text: "")) }
            throw fail(e.description, r, src)
        } catch let e as DataError {
            guard let (r, src) = use else { throw LangError(Diagnostic(.error, e.description, at: 0..<0), in: SourceFile(name: "<repl>", text: "")) }
            throw fail(e.description, r, src)
        }
    }

    /// A cohort defined on a database table: its leading row steps that translate to SQL run
    /// in the database, each step's count from one query, and only the rows kept are read;
    /// the remaining steps run in memory. Nil when the cohort does not start so.
    func pushdown(_ def: CohortDefinition, _ name: String) throws -> (data: CohortData, rest: ArraySlice<Stage>)? {
        guard def.pipeline.sources.count == 1 else { return nil }
        let sourceName = def.pipeline.sources[0]
        guard let db = env.databases[sourceName.text], let table = env.tables[sourceName.text],
              loadedFiles[db.cacheKey] == nil else { return nil }
        var translator = SQLTranslator(dialect: db.source.dialect, columns: Dictionary(uniqueKeysWithValues: zip(table.names, table.columns.map(\.kind))),
                                       lets: env.lets, params: env.params, monthDays: env.settings.monthDays)
        var steps = [(stage: Stage, kind: FlowStep.Kind, condition: String)]()
        for stage in def.pipeline.stages {
            let kind: FlowStep.Kind?
            switch stage.verb {
            case .where: kind = .where
            case .require: kind = .require
            case .exclude: kind = .exclude
            case .km, .logrank, .cox, .zph, .cuminc, .gray, .finegray, .followup, .count, .flow, .list, .summary, .plot, .export, .rmst:
                kind = nil
            }
            guard let kind, let cond = stage.condition, let sql = translator.condition(cond) else { break }
            steps.append((stage, kind, sql))
        }
        guard !steps.isEmpty else { return nil }
        // keep_k: the row passes step k; kept through k: all of keep_1 ... keep_k.
        let keeps = steps.map { "(\($0.condition)) IS \($0.kind == .exclude ? "FALSE" : "TRUE")" }
        var counts = ["COUNT(*) AS n_0"]
        for k in 0..<steps.count {
            let before = keeps[0..<k]
            counts.append("SUM(CASE WHEN \((before + ["(\(steps[k].condition)) IS NULL"]).joined(separator: " AND ")) THEN 1 ELSE 0 END) AS missing_\(k + 1)")
            counts.append("SUM(CASE WHEN \(keeps[0...k].joined(separator: " AND ")) THEN 1 ELSE 0 END) AS n_\(k + 1)")
        }
        let results = try readDatabase(db, at: (sourceName.range, def.source)) { rel in
            ["SELECT " + counts.joined(separator: ",\n  ") + "\nFROM " + rel,
             "SELECT * FROM " + rel + "\nWHERE " + keeps.joined(separator: "\n  AND ")]
        }
        guard results.count == 2, results[0].rowCount == 1 else { return nil }
        let numbers = results[0].columns.map { $0.doubles()?.first.map { $0.isNaN ? 0 : Int($0) } ?? 0 }
        var flow = [FlowStep(kind: .source, condition: tableLabel(sourceName.text), reason: nil, before: numbers[0], after: numbers[0], cohort: sourceName.text)]
        var before = numbers[0]
        for (k, step) in steps.enumerated() {
            let after = numbers[2 + 2 * k]
            flow.append(FlowStep(kind: step.kind, condition: def.source.slice(step.stage.condition!.range), reason: step.stage.label,
                                 before: before, after: after, missing: numbers[1 + 2 * k], cohort: name))
            before = after
        }
        let data = CohortData(name: sourceName.text, table: results[1], flow: flow)
        return (data, def.pipeline.stages.dropFirst(steps.count))
    }

    /// A table's label in flows: `registry (lart_registry.csv)`.
    func tableLabel(_ name: String) -> String {
        env.tablePaths[name].map { "\(name) (\($0.split(separator: "/").last.map(String.init) ?? $0))" } ?? name
    }
}

/// A statement lart sent to a database, for `lart run --explain`.
public struct SentSQL: Sendable {
    public var origin: String
    public var sql: String
}
