import Runtime

/// One result of running a statement, with where it came from.
public struct Output: Sendable {
    public var file: String
    public var line: Int
    /// The statement's source text.
    public var statement: String
    public var result: any Reportable
    /// The settings for printing in force when the result was made (`set digits`, ...).
    public var presentation: Presentation = .standard
    /// For a figure (a file `plot` wrote, or a terminal plot): the index, among the run's
    /// results, of the result it drew, so JSON names it instead of repeating it.
    public var draws: Int? = nil
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
    /// Stopped by a cancellation (Ctrl-C) before the end; results before it are kept.
    public var interrupted = false

    public var ok: Bool { errors.isEmpty && !interrupted }
    public var results: [Output] { items.compactMap { if case .result(let o) = $0 { return o }; return nil } }
}

/// Runs statements against an `Environment`. Both the REPL and `lart run` drive one.
/// Definitions are lazy: a cohort is computed when used, and cached until any definition
/// changes.
///
/// The path of a statement: `Parser` -> `Statement` -> `execute` (definitions: `define`;
/// pipelines: `runPipeline`, one runner per verb under `Stages/`) -> `Reportable` results in
/// a `RunReport` -> `ReportPrinter`.
public final class Interpreter {
    public var baseDirectory: String
    /// `--param name=value` overrides: they win over `param` statements.
    public let overrides: [String: String]
    var env = Environment()
    /// Computed cohorts, by name; cleared when a definition changes.
    var cache: [String: CohortData] = [:]
    /// Sources already read, by resolved path (or URL) and selection: the table and its
    /// label in flows (the path, or the source's short name).
    var loadedFiles: [String: (Table, String)] = [:]
    /// The SQL sent to databases, in order (`lart run --explain`).
    public internal(set) var explained: [SentSQL] = []
    /// Answers of the statements sent, by source and SQL: asked once per session.
    var sqlAnswers: [String: SQLAnswers] = [:]
    /// The columns the script can reach (`runChecked`); at the REPL every column.
    var columnPlan = ColumnPlan.all
    /// Databases described by `use`, by cache key.
    var describedDatabases: [String: DatabaseTable] = [:]
    /// What `runChecked`'s check described: its run describes nothing again (describing an
    /// SQLite table reads it). At the REPL every `use` describes afresh.
    var checkedDatabases: [String: DatabaseTable] = [:]
    /// Every time a source was described, read or queried, in order (tests count them).
    public internal(set) var sourceReads: [SourceRead] = []
    /// Warnings of files read by `check` (by cache key), shown when `runChecked`'s run
    /// uses them from the cache; a run that reads a file itself shows them there.
    var loadWarnings: [String: [LangError]] = [:]
    /// Notes met while evaluating (an aggregate's value), reported with the statement.
    let notes = NoteSink()
    /// When set (by `knit`), output stages keep the files they would write here instead.
    var fileCapture: FileCapture?

    /// When true (`lart run`, `lart check`), every override must name a `param` the script
    /// declares; at the REPL, overrides wait for the `param` statements typed later.
    public let strictOverrides: Bool
    /// Asked to stop (Ctrl-C): checked between statements and stages and inside the
    /// estimators' long loops. A cancelled statement leaves earlier definitions as they were.
    public let cancellation: Cancellation

    public init(baseDirectory: String = ".", overrides: [String: String] = [:], strictOverrides: Bool = false,
                cancellation: Cancellation = Cancellation()) {
        self.baseDirectory = baseDirectory
        self.overrides = overrides
        self.strictOverrides = strictOverrides
        self.cancellation = cancellation
    }

    /// `--param` names the script does not declare, as errors located in a rendering of the
    /// command line, with the declared names offered.
    func undeclaredOverrides(_ statements: [Statement]) -> [LangError] {
        guard strictOverrides else { return [] }
        var declared = [String]()
        for s in statements { if case .param(let n, _) = s.kind { declared.append(n.text) } }
        var errors = [LangError]()
        for name in overrides.keys.sorted() where !declared.contains(name) {
            let text = "--param \(name)=\(overrides[name] ?? "")"
            let line = SourceFile(name: "command line", text: text)
            let hints = Suggest.hint(for: name, among: declared)
                + [declared.isEmpty ? "the script declares no parameters: add `param \(name) = ...` to it"
                                    : "the script declares: " + declared.joined(separator: ", ")]
            errors.append(LangError(Diagnostic(.error, "unknown parameter `\(name)`: the script has no `param \(name)`",
                                               at: 8..<8 + name.utf8.count, hints: hints), in: line))
        }
        return errors
    }

    /// `check` reading only the columns of data files the script uses (`ColumnPlan`); when
    /// that finds errors, they are those of a check with every column read (a fresh session),
    /// so that "did you mean" looks among all of them. What `lart check` and `lart run` do.
    public func checkReadingUsedColumns(_ text: String, file: String = "<input>") -> [LangError] {
        let source = SourceFile(name: file, text: text)
        columnPlan = Parser.parse(source).1.isEmpty ? ColumnPlan.of(source) : .all
        let errors = check(text, file: file)
        if errors.isEmpty || columnPlan == .all || cancellation.isCancelled { return errors }
        return Interpreter(baseDirectory: baseDirectory, overrides: overrides, strictOverrides: strictOverrides,
                           cancellation: cancellation).check(text, file: file)
    }

    /// What `lart run` does: checks the whole script first, as `check` does (names, types,
    /// units, output paths), in a session of its own, and runs nothing when that fails; then
    /// runs it, reusing the tables the check read.
    public func runChecked(_ text: String, file: String = "<input>") -> RunReport {
        let checker = Interpreter(baseDirectory: baseDirectory, overrides: overrides, strictOverrides: strictOverrides,
                                  cancellation: cancellation)
        let errors = checker.checkReadingUsedColumns(text, file: file)
        if cancellation.isCancelled { return RunReport(items: [], errors: [], interrupted: true) }
        if !errors.isEmpty { return RunReport(items: [], errors: errors) }
        columnPlan = checker.columnPlan
        checkedDatabases = checker.describedDatabases
        loadedFiles.merge(checker.loadedFiles) { current, _ in current }
        loadWarnings = checker.loadWarnings
        // What the check read from databases is not read again: its SQL is this run's.
        sqlAnswers.merge(checker.sqlAnswers) { current, _ in current }
        explained = checker.explained + explained
        sourceReads = checker.sourceReads + sourceReads
        return run(text, file: file)
    }

    public var settings: Settings { env.settings }

    // MARK: Introspection (REPL completion and meta-commands)

    public var tableNames: [String] { env.tables.keys.sorted() }
    public var cohortNames: [String] { env.cohorts.keys.sorted() }
    public var endpointNames: [String] { env.endpoints.keys.sorted() }
    public var letNames: [String] { env.lets.keys.sorted() }
    public var paramNames: [String] { env.params.keys.sorted() }

    /// Columns of a table or cohort.
    public func columns(of name: String) -> [(name: String, kind: String)]? {
        if let t = env.tables[name] { return zip(t.names, t.columns).map { ($0, $1.kind.rawValue) } }
        if env.cohorts[name] != nil, let d = try? cohortData(name, at: nil) {
            return zip(d.table.names, d.table.columns).map { ($0, $1.kind.rawValue) }
        }
        return nil
    }

    /// Every column name of every loaded table, plus `let` names: for completion.
    public var allColumnNames: [String] {
        var s = Set<String>(env.lets.keys)
        for t in env.tables.values { s.formUnion(t.names) }
        return s.sorted()
    }

    // MARK: Running

    /// Parses and runs `text`. Parse errors stop before anything runs; a runtime error stops
    /// at that statement. Results before it are kept in the report.
    public func run(_ text: String, file: String = "<input>") -> RunReport {
        defer { loadWarnings.removeAll() }
        let source = SourceFile(name: file, text: text)
        var report = RunReport()
        let (statements, diagnostics) = Parser.parse(source)
        if !diagnostics.isEmpty {
            report.errors = diagnostics.map { LangError($0, in: source) }
            return report
        }
        report.errors = undeclaredOverrides(statements)
        if !report.errors.isEmpty { return report }
        for s in statements {
            do {
                try cancellation.check()
                try execute(s, source, into: &report)
            } catch is Cancelled {
                // Whatever the statement was computing is dropped; definitions made before stay.
                invalidate()
                notes.discard()
                report.interrupted = true
                return report
            } catch {
                // The statement's notes and warnings so far come with its error (a text value no
                // row has can be why an aggregate after it has no rows), not with the next
                // statement the REPL runs.
                for note in notes.drain() { report.items.append(.warning(note)) }
                report.errors.append(error as? LangError ?? LangError(Diagnostic(.error, "\(error)", at: s.range), in: source))
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
        var errors = undeclaredOverrides(statements)
        if !errors.isEmpty { return errors }
        // Names whose definition has an error: a later statement that uses one is not
        // checked, as it would only report the name as unknown under the real error.
        var failed = Set<String>()
        for s in statements {
            defer { notes.discard() }
            if cancellation.isCancelled { return errors }
            if !failed.isEmpty, Self.uses(s, failed, source) {
                if let name = s.kind.definedName { failed.insert(name) }
                continue
            }
            do {
                try define(s, source, checkOnly: true)
            } catch {
                errors.append(error as? LangError ?? LangError(Diagnostic(.error, "\(error)", at: s.range), in: source))
                if let name = s.kind.definedName { failed.insert(name) }
            }
            // Without its data, every later statement would report the same missing name.
            if case .use = s.kind, !errors.isEmpty, errors.last?.source.name == source.name,
               errors.last?.diagnostic.range.overlaps(s.range) == true { return errors }
        }
        return errors
    }

    /// Whether statement `s` names one of `names` (a word of its text).
    static func uses(_ s: Statement, _ names: Set<String>, _ source: SourceFile) -> Bool {
        let text = source.slice(s.range)
        return Lexer.tokenize(SourceFile(name: source.name, text: text)).contains { $0.isIdentifier && names.contains($0.text) }
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
}

/// Notes collected while evaluating, for the statement being run. Owned by one interpreter.
/// A note is given once a session: the same note at the same place (a `let` using
/// `median(x)` evaluated again for every statement that uses it) is not repeated.
final class NoteSink {
    private var items: [LangError] = []
    private var seen = Set<String>()

    func add(_ e: LangError) {
        let key = e.description
        if seen.insert(key).inserted { items.append(e) }
    }

    /// The notes new since the last drain; they are not given again.
    func drain() -> [LangError] {
        defer { items.removeAll() }
        return items
    }

    /// Drops the notes new since the last drain as if never given (a check before the run).
    func discard() {
        for e in items { seen.remove(e.description) }
        items.removeAll()
    }
}

extension Interpreter {

    func execute(_ s: Statement, _ src: SourceFile, into report: inout RunReport) throws {
        switch s.kind {
        case .run(let p):
            _ = try runPipeline(p, s, src, into: &report)
        case .bind(let n, let p):
            try definitionConflict(n, src, kind: "result")
            let last = try runPipeline(p, s, src, into: &report)
            guard let last else {
                throw fail("`\(n.text)` would be bound to nothing: the pipeline produced no result", p.range, src)
            }
            var screenTerms: [SourcedTerm]? = nil
            if last.result is CoxScreenResult, let f = p.stages.last(where: { $0.verb == .cox })?.formula {
                screenTerms = try expandTerms(f, src)
            }
            env.lets.removeValue(forKey: n.text)
            env.results[n.text] = BoundResult(result: last.result, screenTerms: screenTerms, name: n, source: src)
        case .table1(let a, let b, let vars, let outputs):
            let result = try tableOne(a, b, vars, src, warnings: &report)
            report.items.append(.result(output(result, s, src)))
            for o in outputs { report.items += try export(result, o, src).map { .result(output($0, s, src)) } }
        case .table2(let names, let outputs):
            let result = try tableTwo(names, src)
            report.items.append(.result(output(result, s, src)))
            for o in outputs { report.items += try export(result, o, src).map { .result(output($0, s, src)) } }
        case .show(let e):
            report.items.append(.result(output(try showPart(e, src), s, src)))
        case .why(let id, let cohort):
            report.items.append(.result(output(try why(id, cohort, src), s, src)))
        case .use, .param, .let, .endpoint, .cohort, .set, .terms, .levels, .label:
            try define(s, src, checkOnly: false)
        }
        for note in notes.drain() { report.items.append(.warning(note)) }
    }

    func output(_ r: any Reportable, _ s: Statement, _ src: SourceFile) -> Output {
        Output(file: src.name, line: src.location(of: s.range.lowerBound).line, statement: src.slice(s.range), result: r,
               presentation: env.settings.presentation)
    }

    func fail(_ message: String, _ range: Range<Int>, _ src: SourceFile, hints: [String] = []) -> LangError {
        LangError(Diagnostic(.error, message, at: range, hints: hints), in: src)
    }
}

extension StatementKind {
    /// The name the statement defines, if any.
    var definedName: String? {
        switch self {
        case .use(_, _, let alias, _): alias?.text
        case .param(let n, _), .let(let n, _), .endpoint(let n, _), .cohort(let n, _), .bind(let n, _), .terms(let n, _): n.text
        case .set, .table1, .run, .levels, .label, .show, .table2, .why: nil
        }
    }
}
