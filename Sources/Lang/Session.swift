import Runtime

/// One result of running a statement, with where it came from.
public struct Output: Sendable {
    public var file: String
    public var line: Int
    /// The statement's source text.
    public var statement: String
    public var result: any Reportable
}

/// What a run produced, in order: results and warnings; and the error that stopped it.
public struct RunReport: Sendable {
    public enum Item: Sendable {
        case result(Output)
        case warning(LangError)
    }
    public var items: [Item] = []
    /// Parse errors (all of them) or the first runtime error.
    public var errors: [LangError] = []

    public var ok: Bool { errors.isEmpty }
    public var results: [Output] { items.compactMap { if case .result(let o) = $0 { return o }; return nil } }
}

/// Settings a script can change with `set`.
public struct Settings: Sendable {
    /// Days in a month for durations like `12mo` and for date endpoints in months.
    public var monthDays = 30.4375
    /// Unit that date-based endpoints report in.
    public var dateUnit = DurationUnit.months
    /// Default Kaplan-Meier interval transform.
    public var confidenceTransform = "log"
    /// Default Cox ties method.
    public var ties = "efron"
    public var conventions = "r"
}

/// A session holds the environment: tables, `let` columns, parameters, endpoints, cohorts
/// and settings. Both the REPL and `lart run` drive one. Definitions are lazy: a cohort is
/// computed when used (and cached until any definition changes).
public final class Session {
    public var baseDirectory: String
    /// `--param name=value` overrides: they win over `param` statements.
    public let overrides: [String: String]

    var tables: [String: Table] = [:]
    var tablePaths: [String: String] = [:]
    var lets: [String: Bound] = [:]
    var params: [String: Scalar] = [:]
    var endpoints: [String: (spec: EndpointSpec, source: SourceFile, name: Name)] = [:]
    var cohorts: [String: (pipeline: Pipeline, source: SourceFile)] = [:]
    /// Order of definition, for listings and completion.
    var definitionOrder: [String] = []
    public var settings = Settings()
    var cache: [String: CohortData] = [:]
    var loadedFiles: [String: Table] = [:]

    public init(baseDirectory: String = ".", overrides: [String: String] = [:]) {
        self.baseDirectory = baseDirectory
        self.overrides = overrides
    }

    // MARK: Introspection (REPL completion and meta-commands)

    public var tableNames: [String] { tables.keys.sorted() }
    public var cohortNames: [String] { cohorts.keys.sorted() }
    public var endpointNames: [String] { endpoints.keys.sorted() }
    public var letNames: [String] { lets.keys.sorted() }
    public var paramNames: [String] { params.keys.filter { !$0.hasPrefix("__") }.sorted() }

    /// Columns of a table or cohort (including `let` names usable on it).
    public func columns(of name: String) -> [(name: String, kind: String)]? {
        if let t = tables[name] { return zip(t.names, t.columns).map { ($0, $1.kind.rawValue) } }
        if cohorts[name] != nil, let d = try? cohortData(name, at: nil) {
            return zip(d.table.names, d.table.columns).map { ($0, $1.kind.rawValue) }
        }
        return nil
    }

    /// Every column name of every loaded table, plus `let` names: for completion.
    public var allColumnNames: [String] {
        var s = Set<String>(lets.keys)
        for t in tables.values { s.formUnion(t.names) }
        return s.sorted()
    }

    // MARK: Running

    /// Parses and runs `text`. Parse errors stop before anything runs; a runtime error stops
    /// at that statement. Results before it are kept in the report.
    public func run(_ text: String, file: String = "<input>") -> RunReport {
        let source = SourceFile(name: file, text: text)
        var report = RunReport()
        let (statements, diagnostics) = Parser.parse(source)
        if !diagnostics.isEmpty {
            report.errors = diagnostics.map { LangError($0, in: source) }
            return report
        }
        for s in statements {
            do {
                try execute(s, source, into: &report)
            } catch let e as LangError {
                report.errors.append(e)
                return report
            } catch {
                report.errors.append(LangError(Diagnostic(.error, "\(error)", at: s.range), in: source))
                return report
            }
        }
        return report
    }

    /// Parses and resolves names without running analyses: loads tables (to know their
    /// columns), checks that every name used exists. Returns all diagnostics.
    public func check(_ text: String, file: String = "<input>") -> [LangError] {
        let source = SourceFile(name: file, text: text)
        let (statements, diagnostics) = Parser.parse(source)
        if !diagnostics.isEmpty { return diagnostics.map { LangError($0, in: source) } }
        var errors = [LangError]()
        for s in statements {
            do {
                try define(s, source, checkOnly: true)
            } catch let e as LangError {
                errors.append(e)
            } catch {
                errors.append(LangError(Diagnostic(.error, "\(error)", at: s.range), in: source))
            }
        }
        return errors
    }

    /// True when `text` is a complete statement sequence (for REPL continuation): no open
    /// bracket, no trailing `|`, `,` or binary operator.
    public static func isComplete(_ text: String) -> Bool {
        let tokens = Lexer.tokenize(SourceFile(name: "", text: text))
        var depth = 0
        var last: Token? = nil
        for t in tokens {
            switch t.kind {
            case .leftParen, .leftBracket: depth += 1
            case .rightParen, .rightBracket: depth -= 1
            case .newline, .eof: continue
            default: break
            }
            last = t
        }
        if depth > 0 { return false }
        guard let last else { return true }
        switch last.kind {
        case .pipe, .comma, .tilde, .plus, .star, .assign: return false
        case .identifier where !last.quoted && (last.text == "and" || last.text == "or"): return false
        default: return true
        }
    }

    func invalidate() { cache.removeAll() }

    func execute(_ s: Statement, _ src: SourceFile, into report: inout RunReport) throws {
        if case .run(let p) = s.kind {
            try runPipeline(p, s, src, into: &report)
            return
        }
        if case .table1(let a, let b, let vars) = s.kind {
            let result = try tableOne(a, b, vars, src, warnings: &report)
            report.items.append(.result(output(result, s, src)))
            return
        }
        try define(s, src, checkOnly: false)
    }

    func output(_ r: any Reportable, _ s: Statement, _ src: SourceFile) -> Output {
        Output(file: src.name, line: src.location(of: s.range.lowerBound).line, statement: src.slice(s.range), result: r)
    }

    func fail(_ message: String, _ range: Range<Int>, _ src: SourceFile, hints: [String] = []) -> LangError {
        LangError(Diagnostic(.error, message, at: range, hints: hints), in: src)
    }

    func definitionConflict(_ name: Name, _ src: SourceFile, kind: String) throws {
        // One namespace for tables, cohorts and endpoints keeps `cohort x | km x` unambiguous.
        let others: [(String, Bool)] = [("table", tables[name.text] != nil), ("cohort", cohorts[name.text] != nil),
                                        ("endpoint", endpoints[name.text] != nil)]
        for (k, exists) in others where exists && k != kind {
            throw fail("`\(name.text)` is already a \(k); pick another name for this \(kind)", name.range, src)
        }
    }

    /// Handles definitions (and, when checking, resolves pipelines without running them).
    func define(_ s: Statement, _ src: SourceFile, checkOnly: Bool) throws {
        switch s.kind {
        case .use(let pathExpr, let alias):
            var path: String
            var defaultName: String
            switch pathExpr.kind {
            case .string(let p):
                path = p
                let file = p.split(separator: "/").last.map(String.init) ?? p
                defaultName = file.split(separator: ".").first.map(String.init) ?? file
            case .name(let n):
                guard let v = params[n] else {
                    throw fail("unknown parameter `\(n)`: declare it with `param \(n) = \"file.csv\"`, or write the path in quotes", pathExpr.range, src,
                               hints: Suggest.hint(for: n, among: paramNames))
                }
                guard case .text(let p) = v else { throw fail("parameter `\(n)` is not a path (\(v.display))", pathExpr.range, src) }
                path = p; defaultName = n
            default:
                throw fail("expected a path", pathExpr.range, src)
            }
            let name = alias?.text ?? defaultName
            if let alias { try definitionConflict(alias, src, kind: "table") }
            let resolved = path.hasPrefix("/") ? path : baseDirectory + "/" + path
            let table: Table
            if let t = loadedFiles[resolved] { table = t } else {
                do {
                    if path.hasSuffix(".sqlite") || path.hasSuffix(".db") {
                        throw fail("SQLite sources are not supported yet; export the table to CSV", pathExpr.range, src)
                    }
                    var t = try CSVReader.read(path: resolved)
                    t.origin = path
                    table = t
                } catch let e as DataError {
                    var msg = e.description
                    if msg.hasPrefix(resolved) { msg = path + msg.dropFirst(resolved.count) }
                    throw fail(msg, pathExpr.range, src, hints: e.line == nil ? ["paths are relative to the folder of the script (at the REPL: the working directory)"] : [])
                }
                loadedFiles[resolved] = table
            }
            tables[name] = table
            tablePaths[name] = path
            invalidate()
        case .param(let n, let e):
            if let o = overrides[n.text] {
                params[n.text] = Double(o).map { .number($0) } ?? .text(o)
            } else {
                var ev = Evaluator(table: Table(names: [], columns: []), lets: [:], params: params)
                let v = try ev.eval(e, src)
                guard case .scalar(let sc) = v else { throw fail("a parameter must be a single value", e.range, src) }
                params[n.text] = sc
            }
            invalidate()
        case .let(let n, let e):
            if tables.values.contains(where: { $0[n.text] != nil }) {
                // Allowed, but the column wins when both exist; say so rather than surprise.
            }
            lets[n.text] = Bound(expr: e, source: src)
            invalidate()
        case .endpoint(let n, let spec):
            try definitionConflict(n, src, kind: "endpoint")
            endpoints[n.text] = (spec, src, n)
            invalidate()
        case .cohort(let n, let p):
            try definitionConflict(n, src, kind: "cohort")
            if p.sources.contains(where: { $0.text == n.text }) && cohorts[n.text] == nil {
                throw fail("cohort `\(n.text)` cannot be defined from itself", p.sources[0].range, src)
            }
            let previous = cohorts[n.text]
            cohorts[n.text] = (p, src)
            invalidate()
            if checkOnly || true {
                // Resolve now so that a bad name is reported where the cohort is defined.
                do { _ = try cohortData(n.text, at: nil) } catch {
                    if let previous { cohorts[n.text] = previous } else { cohorts.removeValue(forKey: n.text) }
                    invalidate()
                    throw error
                }
            }
        case .set(let key, let e, let word):
            try applySetting(key, e, word, src)
            invalidate()
        case .table1(let a, let b, let vars):
            if checkOnly {
                var sink = RunReport()
                _ = try tableOne(a, b, vars, src, warnings: &sink)
            }
        case .run(let p):
            if checkOnly {
                _ = try pipelineSource(p, src)
                for stage in p.stages { try checkStage(stage, src) }
            }
        }
    }

    func checkStage(_ stage: Stage, _ src: SourceFile) throws {
        if let ep = stage.endpoint, endpoints[ep.text] == nil {
            throw fail("unknown endpoint `\(ep.text)`", ep.range, src,
                       hints: Suggest.hint(for: ep.text, among: endpointNames) + (endpoints.isEmpty ? ["define one first: `endpoint os = from lart_date to death_date censor last_contact_date`"] : []))
        }
    }

    func applySetting(_ key: Name, _ e: Expr?, _ word: Name?, _ src: SourceFile) throws {
        switch key.text {
        case "month":
            guard let e, case .duration(let v, let u) = e.kind, u == .days else {
                throw fail("`set month` takes a number of days, e.g. `set month = 30.4375d`", e?.range ?? key.range, src)
            }
            settings.monthDays = v
            params["__month"] = .duration(v)
        case "unit":
            guard let w = word ?? e.flatMap({ if case .name(let n) = $0.kind { return Name(text: n, range: $0.range) }; return nil }),
                  let u = DurationUnit.parse(w.text) else {
                throw fail("`set unit` takes days, weeks, months or years", (word?.range ?? e?.range) ?? key.range, src)
            }
            settings.dateUnit = u
        case "ci":
            guard let w = word, ["log", "log-log", "plain"].contains(w.text) else {
                throw fail("`set ci` takes log, log-log or plain", word?.range ?? key.range, src)
            }
            settings.confidenceTransform = w.text
        case "ties":
            guard let w = word, ["efron", "breslow", "exact"].contains(w.text) else {
                throw fail("`set ties` takes efron, breslow or exact", word?.range ?? key.range, src)
            }
            settings.ties = w.text
        case "conventions":
            guard let w = word, ["r", "spss"].contains(w.text) else {
                throw fail("`set conventions` takes r or spss", word?.range ?? key.range, src,
                           hints: ["r: Efron ties, log intervals; spss: Breslow ties, plain intervals"])
            }
            settings.conventions = w.text
            settings.ties = w.text == "spss" ? "breslow" : "efron"
            settings.confidenceTransform = w.text == "spss" ? "plain" : "log"
        default:
            throw fail("unknown setting `\(key.text)`", key.range, src,
                       hints: Suggest.hint(for: key.text, among: ["month", "unit", "ci", "ties", "conventions"]) + ["settings: month, unit, ci, ties, conventions"])
        }
    }
}
