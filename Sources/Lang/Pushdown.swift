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

/// The rows of a cohort whose every step ran in the database, not fetched yet: a pipeline
/// that only needs Kaplan-Meier, log-rank or cumulative-incidence inputs fetches them
/// grouped (`PushdownSurvival.swift`); anything else fetches the rows (`materialized`).
struct DeferredRows {
    var db: DatabaseTable
    /// Each step's condition for the rows it keeps: `(condition) IS TRUE` (`IS FALSE` for
    /// `exclude`).
    var keeps: [String]
    /// Where the cohort names its table (errors of the database point there).
    var use: (Range<Int>, SourceFile)

    /// `\nWHERE k1\n  AND k2 ...`, or nothing for a whole table.
    static func whereClause(_ keeps: [String]) -> String {
        keeps.isEmpty ? "" : "\nWHERE " + keeps.joined(separator: "\n  AND ")
    }
}

/// The answers of statements sent together to a database: what provenance is made from.
struct SQLAnswers {
    /// The database table's cache key (`DatabaseTable.cacheKey`).
    var cacheKey: String
    var origin: String
    /// The statements as sent.
    var statements: [String]
    var tables: [Table]
}

/// A source described, read or queried by a session, in order (tests count them).
public struct SourceRead: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Its columns and types (`use` of a database).
        case describe
        /// Read into memory at `use` (a file), the columns listed (nil: all).
        case read(columns: [String]?)
        /// Statements run (SQL).
        case sql(statements: Int)
    }
    public var origin: String
    public var kind: Kind
}

extension Interpreter {
    /// The columns of a database table the script reaches, as a SELECT list (`*` for all).
    func selectList(_ db: DatabaseTable) -> String {
        guard let columns = columnPlan.columns(of: db.described.map(\.name)) else { return "*" }
        return columns.map(SQLiteReader.quote).joined(separator: ", ")
    }

    /// The rows of a table, read from its source the first time.
    func tableRows(_ name: String, _ table: Table, at use: (Range<Int>, SourceFile)?) throws -> Table {
        guard let db = env.databases[name] else { return table }
        if let (t, _) = loadedFiles[db.cacheKey] { return t }
        let list = selectList(db)
        guard let t = try readDatabase(db, at: use, { rel in [SQLStatement("SELECT \(list) FROM \(rel)", .rows)] }).first else {
            throw fail("`\(name)` could not be read from \(db.source.origin)", use?.0 ?? 0..<0, use?.1 ?? SourceFile(name: "<repl>", text: ""))
        }
        loadedFiles[db.cacheKey] = (t, db.label)
        return t
    }

    /// Runs statements of lart's own on a database table (recorded for `--explain`, with the
    /// rows and bytes each returned); errors point where the table is used.
    func readDatabase(_ db: DatabaseTable, at use: (Range<Int>, SourceFile)?, _ make: (String) -> [SQLStatement]) throws -> [Table] {
        // Statements already answered (cohorts are recomputed when any definition changes;
        // the SQL holds everything the answer depends on).
        let key = db.cacheKey + "\u{0}" + make("\u{1}").map(\.sql).joined(separator: "\u{0}")
        if let known = sqlAnswers[key] { return known.tables }
        do {
            var sent = [String]()
            let answers = try db.source.run { rel in
                let statements = make(rel)
                sent = statements.map(\.sql)
                return statements
            }
            sourceReads.append(SourceRead(origin: db.source.origin, kind: .sql(statements: sent.count)))
            for (sql, a) in zip(sent, answers) {
                explained.append(SentSQL(origin: db.source.origin, sql: sql, rows: a.table.rowCount, bytes: a.bytes))
            }
            let tables = try answers.map { a in
                var t = a.table
                t.origin = db.source.origin
                // Columns of the table keep the kinds `use` described.
                guard let conformed = t.conforming(to: db.described) else {
                    throw DataError(file: db.source.origin, message: "the rows read do not have the types the table was described with; read it again with `use`")
                }
                return conformed
            }
            sqlAnswers[key] = SQLAnswers(cacheKey: db.cacheKey, origin: db.source.origin, statements: sent, tables: tables)
            return tables
        } catch let e as DataSourceError {
            guard let (r, src) = use else { throw LangError(Diagnostic(.error, e.description, at: 0..<0), in: SourceFile(name: "<repl>", text: "")) }
            throw fail(e.description, r, src)
        } catch let e as DataError {
            guard let (r, src) = use else { throw LangError(Diagnostic(.error, e.description, at: 0..<0), in: SourceFile(name: "<repl>", text: "")) }
            throw fail(e.description, r, src)
        }
    }

    /// A cohort defined on a database table: its leading row steps that translate to SQL run
    /// in the database, every step's count from one query. When every step ran there, the
    /// rows are left in the database (`DeferredRows`) until something needs them; otherwise
    /// the rows kept are read (the columns the script reaches) and the remaining steps run in
    /// memory. Nil when the cohort does not start so, or with `set pushdown off`.
    func pushdown(_ def: CohortDefinition, _ name: String) throws -> (data: CohortData, rest: ArraySlice<Stage>)? {
        guard def.pipeline.sources.count == 1, env.settings.pushdown == .on else { return nil }
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
            case .km, .logrank, .cox, .zph, .cuminc, .gray, .finegray, .followup, .count, .flow, .list, .summary, .plot, .export, .rmst, .forest:
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
        let use = (sourceName.range, def.source)
        let results = try readDatabase(db, at: use) { rel in [SQLStatement("SELECT " + counts.joined(separator: ",\n  ") + "\nFROM " + rel, .summary)] }
        guard results.count == 1, results[0].rowCount == 1 else { return nil }
        let numbers = results[0].columns.map { $0.doubles()?.first.map { $0.isNaN ? 0 : Int($0) } ?? 0 }
        var flow = [FlowStep(kind: .source, condition: tableLabel(sourceName.text), reason: nil, before: numbers[0], after: numbers[0], cohort: sourceName.text)]
        var before = numbers[0]
        for (k, step) in steps.enumerated() {
            let after = numbers[2 + 2 * k]
            flow.append(FlowStep(kind: step.kind, condition: def.source.slice(step.stage.condition!.range), reason: step.stage.label,
                                 before: before, after: after, missing: numbers[1 + 2 * k], cohort: name))
            before = after
        }
        let rest = def.pipeline.stages.dropFirst(steps.count)
        let columns = columnPlan.columns(of: db.described.map(\.name)).map(Set.init)
        let empty = Table.empty(db.described.filter { columns?.contains($0.name) ?? true }, origin: db.source.origin)
        let data = CohortData(name: sourceName.text, table: empty, flow: flow, deferred: DeferredRows(db: db, keeps: keeps, use: use))
        // Steps left for memory need the rows now.
        return (rest.isEmpty ? data : try materialized(data), rest)
    }

    /// A database table not read yet, as a cohort of all its rows left in the database: its
    /// flow's count from `SELECT COUNT(*)`. Nil for other tables and with `set pushdown off`.
    func databaseTableCount(_ name: String, at use: (Range<Int>, SourceFile)?) throws -> CohortData? {
        guard env.settings.pushdown == .on, let db = env.databases[name], loadedFiles[db.cacheKey] == nil, let use else { return nil }
        guard let n = try readDatabase(db, at: use, { rel in [SQLStatement("SELECT COUNT(*) AS n_0 FROM " + rel, .summary)] }).first?.columns.first?.doubles()?.first,
              n.isFinite else { return nil }
        let columns = columnPlan.columns(of: db.described.map(\.name)).map(Set.init)
        return CohortData(name: name, table: Table.empty(db.described.filter { columns?.contains($0.name) ?? true }, origin: db.source.origin),
                          flow: [FlowStep(kind: .source, condition: tableLabel(name), reason: nil, before: Int(n), after: Int(n), cohort: name)],
                          deferred: DeferredRows(db: db, keeps: [], use: use))
    }

    /// The cohort's rows, fetched if they were left in the database (the columns the
    /// script reaches).
    func materialized(_ data: CohortData) throws -> CohortData {
        guard let d = data.deferred else { return data }
        var out = data
        out.deferred = nil
        if d.keeps.isEmpty, let name = env.databases.first(where: { $0.value.cacheKey == d.db.cacheKey })?.key, let described = env.tables[name] {
            out.table = try tableRows(name, described, at: d.use)
            return out
        }
        let list = selectList(d.db)
        let rows = try readDatabase(d.db, at: d.use) { rel in [SQLStatement("SELECT \(list) FROM " + rel + DeferredRows.whereClause(d.keeps), .rows)] }
        guard let table = rows.first else {
            throw fail("`\(data.name)` could not be read from \(d.db.source.origin)", d.use.0, d.use.1)
        }
        out.table = table
        return out
    }

    /// A table's label in flows: `registry (lart_registry.csv)`.
    func tableLabel(_ name: String) -> String {
        env.tablePaths[name].map { "\(name) (\($0.split(separator: "/").last.map(String.init) ?? $0))" } ?? name
    }
}

/// A statement lart sent to a database, or the columns it read from a file, for
/// `lart run --explain`.
public struct SentSQL: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A statement run by the database.
        case sql
        /// The columns read from a file (`sql` lists them).
        case columns
    }
    public var origin: String
    public var sql: String
    public var kind = Kind.sql
    /// What the statement returned: rows, and bytes of values (`SQLAnswer.bytes`).
    public var rows: Int? = nil
    public var bytes: Int? = nil

    /// As `--explain` prints it.
    public var explained: String {
        switch kind {
        case .sql:
            let stats = rows.map { r in "\n-- \(r) row\(r == 1 ? "" : "s"), \(bytes ?? 0) bytes" } ?? ""
            return "-- \(origin)\n\(sql);" + stats
        case .columns:
            return "-- \(origin)\n-- columns read: \(sql)"
        }
    }
}
