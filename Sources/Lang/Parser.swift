import Runtime

/// Recursive-descent parser with precedence climbing for expressions.
///
/// Statements end at a newline, except that a line beginning with `|` continues the
/// statement above it, and a trailing `|` or `,` continues onto the next line (newlines
/// inside brackets are dropped by the lexer). After an error the parser skips to the next
/// statement boundary and goes on, reporting at most one error per statement.
public struct Parser {
    let source: SourceFile
    var tokens: [Token]
    var index = 0
    public private(set) var diagnostics: [Diagnostic] = []
    /// Expressions being parsed inside one another right now (brackets, `not`, `-`, operands).
    var nesting = 0
    /// Backstop for threads with small stacks (consulted past a few levels only).
    var stack = StackGuard()

    /// The deepest expression accepted. Like SQLite's SQLITE_MAX_EXPR_DEPTH (1000), a limit
    /// turns pathological input into an error instead of a stack overflow: the parser, the
    /// evaluator, formula naming and every other walk recurse once per level, with frames of
    /// up to a few hundred bytes each in debug builds, and may run on threads with 512 KiB
    /// stacks (Swift concurrency's pool, test runners). 256 levels keep the deepest walk well
    /// under that, while no study needs more than a dozen (split deeper logic with `let`).
    public static let maxDepth = 256

    public init(_ source: SourceFile) {
        self.source = source
        tokens = Lexer.tokenize(source)
    }

    /// Parses a whole file; statements with errors are left out and their diagnostics kept.
    public static func parse(_ source: SourceFile) -> (statements: [Statement], diagnostics: [Diagnostic]) {
        var p = Parser(source)
        let stmts = p.parseProgram()
        return (stmts, p.diagnostics)
    }

    // MARK: Token helpers

    var current: Token { tokens[index] }
    func peekToken(_ k: Int = 1) -> Token { tokens[min(index + k, tokens.count - 1)] }

    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func isWord(_ w: String) -> Bool { current.isWord(w) }

    mutating func matchWord(_ w: String) -> Bool {
        if isWord(w) { _ = advance(); return true }
        return false
    }

    func check(_ kind: Token.Kind) -> Bool { current.kind == kind }

    mutating func match(_ kind: Token.Kind) -> Bool {
        if check(kind) { _ = advance(); return true }
        return false
    }

    var atStatementEnd: Bool {
        switch current.kind {
        case .newline, .eof: return true
        default: return false
        }
    }

    /// Skips newlines when the next line starts with `|` (a continued pipeline).
    mutating func skipContinuation() {
        var k = index
        while tokens[k].kind == .newline { k += 1 }
        if k != index, tokens[k].kind == .pipe { index = k }
    }

    mutating func skipNewlines() { while check(.newline) { _ = advance() } }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .newline: return "the end of the line"
        case .eof: return "the end of the input"
        case .string: return "the string \(t.text)"
        case .error(let m): return m
        default: return "`\(t.text)`"
        }
    }

    func error(_ message: String, at range: Range<Int>? = nil, hints: [String] = []) -> Diagnostic {
        // An error token carries its own, better message.
        if range == nil, case .error(let m) = current.kind { return Diagnostic(.error, m, at: current.range, hints: hints) }
        let r = range ?? (current.kind == .newline || current.kind == .eof ? current.range.lowerBound..<current.range.lowerBound + 1 : current.range)
        return Diagnostic(.error, message, at: r, hints: hints)
    }

    func expected(_ what: String, hints: [String] = []) -> Diagnostic {
        error("expected \(what), found \(describe(current))", hints: hints)
    }

    mutating func expectWord(_ w: String, _ context: String) throws(Diagnostic) {
        guard matchWord(w) else { throw expected("`\(w)` \(context)") }
    }

    mutating func expect(_ kind: Token.Kind, _ what: String) throws(Diagnostic) -> Token {
        guard check(kind) else { throw expected(what) }
        return advance()
    }

    mutating func name(_ what: String) throws(Diagnostic) -> Name {
        guard current.isIdentifier else { throw expected(what) }
        let t = advance()
        return Name(text: t.text, range: t.range)
    }

    // MARK: Statements

    /// program -> (statement? NEWLINE)*
    public mutating func parseProgram() -> [Statement] {
        var out = [Statement]()
        while true {
            skipNewlines()
            if check(.eof) { break }
            do throws(Diagnostic) {
                let s = try parseStatement()
                if !atStatementEnd {
                    // R's assignment arrow: `cohort x <- registry`.
                    var hints: [String] = []
                    if case .less = current.kind, case .minus = peekToken().kind, peekToken().range.lowerBound == current.range.upperBound {
                        hints = ["R's `<-` is `=` here: `cohort omd = registry where ...`, `let x = ...`"]
                    }
                    // `let s = registry | summary age`: a pipeline's result is bound with `cohort`.
                    if case .pipe = current.kind, case .let(let name, let e) = s.kind, case .name(let source) = e.kind {
                        hints = ["a `let` holds a value or a column; a result is bound from a pipeline: `let \(name.text) = cohort \(source) | ...`"]
                    }
                    throw expected("the end of the statement", hints: hints)
                }
                out.append(s)
            } catch {
                diagnostics.append(error)
                synchronize()
            }
        }
        return out
    }

    /// Skip to the next newline that is not followed by a continuation `|`.
    mutating func synchronize() {
        while !check(.eof) {
            if check(.newline) {
                skipContinuation()
                if check(.newline) { return }
            }
            _ = advance()
        }
    }

    /// statement -> use | param | let | endpoint | cohort | set | table1 | flow | count | pipeline
    mutating func parseStatement() throws(Diagnostic) -> Statement {
        let start = current.range.lowerBound
        let kind: StatementKind
        if current.isIdentifier && !current.quoted {
            switch current.text {
            case "use": kind = try parseUse()
            case "param":
                _ = advance()
                let n = try name("a parameter name after `param`")
                _ = try expect(.assign, "`=` after the parameter name")
                kind = .param(n, try parseExpression())
            case "let":
                _ = advance()
                let n = try name("a name after `let`")
                _ = try expect(.assign, "`=` after `let \(n.text)`")
                if isWord("cohort") && peekToken().isIdentifier {
                    _ = advance()
                    kind = .bind(n, try parsePipeline())
                } else if isWord("flow") || isWord("count") {
                    kind = .bind(n, try parseFlowOrCount(start: current.range.lowerBound))
                } else if isWord("terms"), peekToken().kind == .leftParen {
                    _ = advance(); _ = advance()
                    var terms = [try parseFormulaTerm()]
                    while match(.comma) { skipNewlines(); terms.append(try parseFormulaTerm()) }
                    _ = try expect(.rightParen, "`)` to close `terms(`")
                    kind = .terms(n, terms)
                } else {
                    kind = .let(n, try parseExpression())
                }
            case "levels" where peekToken().isIdentifier && peekToken(2).kind == .leftBracket:
                _ = advance()
                let n = try name("a column name after `levels`")
                _ = try expect(.leftBracket, "`[` and the values in order (levels rx [\"Obs\", \"Lev\"])")
                var values = [try parseExpression()]
                while match(.comma) { values.append(try parseExpression()) }
                _ = try expect(.rightBracket, "`]` to close the list of levels")
                kind = .levels(n, values)
            case "label" where peekToken().isIdentifier && (peekToken(2).kind == .leftBracket || peekToken(2).isString):
                _ = advance()
                let n = try name("a column name after `label`")
                var title: String? = nil
                if case .string(let t) = current.kind { _ = advance(); title = t }
                var values = [(Expr, String)]()
                if match(.leftBracket) {
                    repeat {
                        let v = try parsePrimary()
                        _ = try expect(.colon, "`:` between a value and its label (label tki [true: \"TKI\"])")
                        guard case .string(let text) = current.kind else { throw expected("the label in quotes") }
                        _ = advance()
                        values.append((v, text))
                    } while match(.comma)
                    _ = try expect(.rightBracket, "`]` to close the value labels")
                }
                kind = .label(n, title: title, values: values)
            case "why" where peekToken(2).isWord("in"):
                _ = advance()
                let id = try parsePrimary()
                try expectWord("in", "and the cohort (why ID in COHORT)")
                kind = .why(id: id, cohort: try name("a cohort or table after `in` (why ID in COHORT)"))
            case "endpoint": kind = try parseEndpoint()
            case "cohort": kind = try parseCohort()
            case "set": kind = try parseSet()
            case "table1": kind = try parseTable1()
            case "table2" where peekToken().isIdentifier:
                _ = advance()
                var names = [try name("a bound Cox result after `table2`")]
                while match(.comma) { skipNewlines(); names.append(try name("a bound Cox result after `,`")) }
                kind = .table2(names, outputs: try parseTableOutputs("table2"))
            case "flow", "count":
                kind = .run(try parseFlowOrCount(start: start))
            default:
                if let d = unknownStatement() { throw d }
                kind = try parseShowOrPipeline()
            }
        } else if current.isIdentifier {
            kind = try parseShowOrPipeline()
        } else {
            throw expected("a statement (use, let, endpoint, cohort, ...)")
        }
        return Statement(kind: kind, range: start..<previousEnd)
    }

    /// A statement that starts `NAME.` shows a part of a bound result.
    mutating func parseShowOrPipeline() throws(Diagnostic) -> StatementKind {
        if peekToken().kind == .dot { return .show(try parseExpression()) }
        return .run(try parsePipeline())
    }

    /// A statement whose first word is neither a statement keyword nor a source name: a
    /// source (table or cohort) is followed by `|`, `+`, `where` or the end of the line, so
    /// any other next token means the first word was meant as a statement word (`cohrt omd`,
    /// `lett x = 1`). The parser does not know which names are bound, so it never decides on
    /// the word alone: `registry | count` and `registry` stay pipelines.
    func unknownStatement() -> Diagnostic? {
        let word = current, next = peekToken()
        switch next.kind {
        case .pipe, .plus, .newline, .eof, .dot: return nil
        case .identifier where next.isWord("where"): return nil
        default: break
        }
        // Only the closest keywords: `cohrt` is `cohort`, not also `count`.
        let near = Suggest.nearest(word.text, among: Grammar.statementKeywords)
        let best = near.map { Suggest.distance(word.text.lowercased(), $0) }.min()
        let closest = near.filter { Suggest.distance(word.text.lowercased(), $0) == best }
        var hints = closest.isEmpty ? [] : ["did you mean " + closest.map { "`\($0)`" }.joined(separator: " or ") + "?"]
        if Verb.named(word.text) != nil {
            hints.append("`\(word.text)` is a stage: write it after a source, e.g. `cohort omd | \(word.text) ...`")
        } else if let other = Parser.otherPackages[word.text.lowercased()] {
            let written = other.lart.hasPrefix("the statement") ? other.lart : other.lart + " as a stage after a source: `cohort omd | ...`"
            hints.append("`\(word.text)` is \(other.what); lart writes \(written)")
        } else if next.kind == .assign {
            hints.append("to define a derived column, write `let \(word.text) = ...`")
        }
        hints.append("a statement starts with " + Grammar.statementKeywords.map { "`\($0)`" }.joined(separator: ", ")
                     + ", or is a pipeline: a table or cohort name, then `| stage`")
        return Diagnostic(.error, "unknown statement `\(word.text)`", at: word.range, hints: hints)
    }

    /// `flow omd` / `count omd by x` is shorthand for `cohort omd | flow` / `| count by x`.
    mutating func parseFlowOrCount(start: Int) throws(Diagnostic) -> Pipeline {
        let verbToken = advance()
        let verb: Verb = verbToken.text == "flow" ? .flow : .count
        let src = try parseSources()
        var stages = [Stage(verb: verb, verbRange: verbToken.range, range: verbToken.range)]
        // `flow registry -> omd, opd`: one tree of the cohorts that branch from a source.
        if verb == .flow, check(.minus), peekToken().kind == .greater, peekToken().range.lowerBound == current.range.upperBound {
            _ = advance(); _ = advance()
            var branches = [try name("a cohort name after `->`")]
            while match(.comma) { skipNewlines(); branches.append(try name("a cohort name after `,`")) }
            stages[0].arguments = branches.map { Expr(.name($0.text), $0.range) }
            stages[0].range = verbToken.range.lowerBound..<previousEnd
        }
        stages[0].options = try parseOptions(for: verb)
        try parsePipedStages(into: &stages)
        return Pipeline(sources: src, stages: stages, range: start..<previousEnd)
    }

    /// ("|" stage)*, where a line starting with `|` continues the statement.
    mutating func parsePipedStages(into stages: inout [Stage]) throws(Diagnostic) {
        skipContinuation()
        while match(.pipe) {
            skipNewlines()
            stages.append(try parseStage())
            skipContinuation()
        }
    }

    var previousEnd: Int { index > 0 ? tokens[index - 1].range.upperBound : 0 }

    /// use -> "use" (STRING | NAME) ("table" NAME | "query" STRING)? ("as" NAME)? csv-option*
    /// csv-option -> "na" "[" STRING ("," STRING)* "]" | "delimiter" STRING
    ///             | "dates" (STRING | "[" STRING ("," STRING)* "]")
    mutating func parseUse() throws(Diagnostic) -> StatementKind {
        _ = advance()
        let path: Expr
        switch current.kind {
        case .string(let s):
            let t = advance(); path = Expr(.string(s), t.range)
        case .identifier:
            let t = advance(); path = Expr(.name(t.text), t.range)
        default:
            throw expected("a file path in quotes (or a `param` name) after `use`")
        }
        var selector: UseSelector? = nil
        if matchWord("table") {
            selector = .table(try name("a table name of the database after `table`"))
        } else if matchWord("query") {
            guard case .string(let sql) = current.kind else { throw expected("an SQL query in quotes after `query`") }
            selector = .query(sql, advance().range)
        }
        var alias: Name? = nil
        if matchWord("as") { alias = try name("a table name after `as`") }
        var options = UseOptions()
        let optionsStart = current.range.lowerBound
        while current.isIdentifier, !current.quoted {
            if matchWord("na") {
                options.na = try stringList("the values that mean missing, e.g. `na [\"NA\", \".\", \"N/A\"]`").map(\.0)
            } else if matchWord("delimiter") {
                guard case .string(let d) = current.kind else { throw expected("the delimiter in quotes, e.g. `delimiter \";\"`") }
                options.delimiter = (d, advance().range)
            } else if matchWord("dates") {
                if case .string(let f) = current.kind {
                    options.dates = [(f, advance().range)]
                } else {
                    options.dates = try stringList("date formats, e.g. `dates \"%d/%m/%Y\"`")
                }
            } else {
                throw expected("`na`, `delimiter`, `dates` or the end of the statement")
            }
        }
        if !options.isEmpty { options.range = optionsStart..<previousEnd }
        return .use(path: path, selector: selector, alias: alias, options: options)
    }

    /// "[" STRING ("," STRING)* "]"
    mutating func stringList(_ what: String) throws(Diagnostic) -> [(String, Range<Int>)] {
        _ = try expect(.leftBracket, what)
        var out = [(String, Range<Int>)]()
        repeat {
            guard case .string(let s) = current.kind else { throw expected(what) }
            out.append((s, advance().range))
        } while match(.comma)
        _ = try expect(.rightBracket, "`]` to close the list")
        return out
    }

    /// endpoint -> "endpoint" NAME "=" ( "from" expr "to" expr ("compete" expr)? "censor" expr
    ///                                  | "time" expr "event" expr ("compete" expr)? ("unit" UNIT)?
    ///                                  | "landmark" NAME "at" expr
    ///                                  | "start" expr "stop" expr "event" expr ("unit" UNIT)? )
    mutating func parseEndpoint() throws(Diagnostic) -> StatementKind {
        _ = advance()
        let n = try name("an endpoint name after `endpoint`")
        _ = try expect(.assign, "`=` after `endpoint \(n.text)`")
        if matchWord("from") {
            let origin = try parseExpression()
            try expectWord("to", "and the event date (endpoint NAME = from ORIGIN to EVENT censor DATE)")
            let event = try parseExpression()
            var compete: Expr? = nil
            if matchWord("compete") { compete = try parseExpression() }
            try expectWord("censor", "and the censoring date (e.g. `censor last_contact_date`)")
            let censor = try parseExpression()
            return .endpoint(n, .dates(origin: origin, event: event, compete: compete, censor: censor))
        }
        if matchWord("time") {
            let time = try parseExpression()
            try expectWord("event", "and the event condition (endpoint NAME = time COLUMN event CONDITION)")
            let event = try parseExpression()
            var compete: Expr? = nil
            if matchWord("compete") { compete = try parseExpression() }
            return .endpoint(n, .numeric(time: time, event: event, compete: compete, unit: try parseEndpointUnit()))
        }
        if matchWord("landmark") {
            let base = try name("the endpoint the landmark starts from (endpoint NAME = landmark ENDPOINT at 6mo)")
            try expectWord("at", "and the landmark time (endpoint NAME = landmark \(base.text) at 6mo)")
            return .endpoint(n, .landmark(base: base, at: try parseExpression()))
        }
        if matchWord("start") {
            let start = try parseExpression()
            try expectWord("stop", "and the end of each interval (endpoint NAME = start T0 stop T1 event CONDITION)")
            let stop = try parseExpression()
            try expectWord("event", "and the event condition at the end of the interval (endpoint NAME = start T0 stop T1 event CONDITION)")
            let event = try parseExpression()
            return .endpoint(n, .counting(start: start, stop: stop, event: event, unit: try parseEndpointUnit()))
        }
        throw expected("`from` (dates), `time` (a numeric time column), `start` ((start, stop] intervals) or `landmark` after `endpoint \(n.text) =`",
                       hints: survHint())
    }

    /// ("unit" UNIT)? after a numeric endpoint.
    mutating func parseEndpointUnit() throws(Diagnostic) -> Name? {
        guard matchWord("unit") else { return nil }
        let u = try name("a unit after `unit` (days, weeks, months or years)")
        guard DurationUnit.parse(u.text) != nil else {
            throw error("`\(u.text)` is not a time unit: use days, weeks, months or years", at: u.range)
        }
        return u
    }

    /// cohort -> "cohort" NAME "=" pipeline | "cohort" pipeline
    mutating func parseCohort() throws(Diagnostic) -> StatementKind {
        _ = advance()
        if current.isIdentifier, peekToken().kind == .assign {
            let n = try name("a cohort name")
            _ = advance()
            let p = try parsePipeline()
            for s in p.stages where s.verb.kind != .row {
                throw error("a cohort definition takes only row steps (where, require, exclude); run `\(s.verb.rawValue)` in a separate statement: `cohort \(n.text) | \(s.verb.rawValue) ...`", at: s.verbRange)
            }
            return .cohort(n, p)
        }
        return .run(try parsePipeline())
    }

    /// set -> "set" NAME ("=" expr | WORD)
    mutating func parseSet() throws(Diagnostic) -> StatementKind {
        _ = advance()
        let key = try name("a setting name after `set` (month, unit, ci, ties, conventions)")
        if match(.assign) {
            if current.isIdentifier, peekToken().kind == .newline || peekToken().kind == .eof {
                let w = try name("a value"); return .set(key, nil, w)
            }
            return .set(key, try parseExpression(), nil)
        }
        if case .number = current.kind { return .set(key, try parsePrimary(), nil) }
        if case .string = current.kind { return .set(key, try parsePrimary(), nil) }
        let w = try parseWord("a value after `set \(key.text)`")
        return .set(key, nil, w)
    }

    /// table1 -> "table1" sources ("vs" sources)? ":" expr ("," expr)*
    mutating func parseTable1() throws(Diagnostic) -> StatementKind {
        _ = advance()
        let a = try parsePipeline(stopAtVs: true)
        var b: Pipeline? = nil
        if matchWord("vs") { b = try parsePipeline(stopAtVs: true) }
        _ = try expect(.colon, "`:` before the list of variables (table1 omd vs opd: sex, age)")
        var vars = [try parseExpression()]
        while match(.comma) { skipNewlines(); vars.append(try parseExpression()) }
        return .table1(a, b, vars, outputs: try parseTableOutputs("table1"))
    }

    /// `table1 ... | export "t1.tex"`: the stages after a table statement write it; only
    /// `export` may follow.
    mutating func parseTableOutputs(_ statement: String) throws(Diagnostic) -> [Stage] {
        var stages = [Stage]()
        try parsePipedStages(into: &stages)
        if let other = stages.first(where: { $0.verb != .export || $0.dataset != nil }) {
            throw error("`\(other.verb.rawValue)` cannot follow `\(statement)`: write the table to a file with `| export \"table.csv\"` (.csv, .md, .json, .tex, .txt)",
                        at: other.verbRange)
        }
        return stages
    }

    /// R's `Surv(time, status)` where an endpoint's definition starts: lart's spelling, with
    /// the names of R's arguments when they are plain columns.
    func survHint() -> [String] {
        guard current.isWord("Surv") || current.isWord("Surv2") else { return [] }
        let args = peekToken().kind == .leftParen && peekToken(2).isIdentifier && peekToken(3).kind == .comma && peekToken(4).isIdentifier
            ? (peekToken(2).text, peekToken(4).text) : ("time", "status")
        return ["R's `Surv(\(args.0), \(args.1))` is written `time \(args.0) event \(args.1) == 1 unit months` (the event a condition, the unit of the times); dates: `from start_date to event_date censor last_contact_date`"]
    }

    /// A word value, allowing a hyphenated word such as `log-log`.
    mutating func parseWord(_ what: String) throws(Diagnostic) -> Name {
        var n = try name(what)
        while check(.minus), peekToken().isIdentifier, peekToken().range.lowerBound == current.range.upperBound,
              current.range.lowerBound == n.range.upperBound {
            _ = advance()
            let rest = advance()
            n = Name(text: n.text + "-" + rest.text, range: n.range.lowerBound..<rest.range.upperBound)
        }
        return n
    }
}
