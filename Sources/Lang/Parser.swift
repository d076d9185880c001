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
                if !atStatementEnd { throw expected("the end of the statement") }
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
                kind = .table2(names)
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
        throw expected("`from` (dates), `time` (a numeric time column), `start` ((start, stop] intervals) or `landmark` after `endpoint \(n.text) =`")
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
        return .table1(a, b, vars)
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

    // MARK: Pipelines

    /// sources -> NAME ("+" NAME)*
    mutating func parseSources() throws(Diagnostic) -> [Name] {
        var out = [try name("a table or cohort name")]
        while match(.plus) { out.append(try name("a cohort name after `+`")) }
        return out
    }

    /// pipeline -> sources ("where" expr)? ("|" stage)*
    mutating func parsePipeline(stopAtVs: Bool = false) throws(Diagnostic) -> Pipeline {
        let start = current.range.lowerBound
        let sources = try parseSources()
        var stages = [Stage]()
        if isWord("where") {
            stages.append(try parseStage())
        }
        try parsePipedStages(into: &stages)
        return Pipeline(sources: sources, stages: stages, range: start..<previousEnd)
    }

    /// stage -> ("where" | "require" | "exclude") expr STRING?
    ///        | VERB ENDPOINT? ("~" formula)? option*
    mutating func parseStage() throws(Diagnostic) -> Stage {
        let start = current.range.lowerBound
        guard current.isIdentifier, !current.quoted else { throw expected("a stage after `|` (km, cox, where, ...)") }
        let verbToken = current
        guard let verb = Verb.named(verbToken.text) else {
            let known = Verb.allCases.map(\.rawValue)
            throw error("unknown stage `\(verbToken.text)`", at: verbToken.range,
                        hints: Suggest.hint(for: verbToken.text, among: known) + ["stages are: " + known.sorted().joined(separator: ", ")])
        }
        let spec = verb.spec
        _ = advance()
        switch verb.kind {
        case .row:
            let cond = try parseExpression()
            var label: String? = nil
            if case .string(let s) = current.kind { _ = advance(); label = s }
            return Stage(verb: verb, verbRange: verbToken.range, condition: cond, label: label, range: start..<previousEnd)
        case .output:
            var path: String? = nil
            if case .string(let p) = current.kind {
                _ = advance()
                path = p
            } else if !spec.pathOptional {
                throw expected("a file name in quotes after `\(verb.rawValue)` (e.g. `\(spec.example)`)")
            }
            let options = try parseOptions(for: verb)
            return Stage(verb: verb, verbRange: verbToken.range, label: path, options: options, range: start..<previousEnd)
        case .analysis:
            break
        }
        if spec.arguments {
            var args = [try parseExpression()]
            while match(.comma) { skipNewlines(); args.append(try parseExpression()) }
            return Stage(verb: verb, verbRange: verbToken.range, options: try parseOptions(for: verb), range: start..<previousEnd, arguments: args)
        }
        var endpoint: Name? = nil
        if spec.endpoint != .none, current.isIdentifier, OptionKey(rawValue: current.text).map({ spec.options[$0] == nil }) ?? true || current.quoted {
            endpoint = try name("an endpoint")
        } else if spec.endpoint == .required {
            throw expected("an endpoint name after `\(verb.rawValue)` (e.g. `\(spec.example)`)")
        }
        var formula: Formula? = nil
        if spec.formula {
            _ = try expect(.tilde, "`~` and the covariates after `\(verb.rawValue) \(endpoint?.text ?? "")` (e.g. `\(spec.example)`)")
            formula = try parseFormula()
        }
        let options = try parseOptions(for: verb)
        return Stage(verb: verb, verbRange: verbToken.range, endpoint: endpoint, formula: formula, options: options, range: start..<previousEnd)
    }

    /// option -> KEY (expr | expr ("," expr)* | WORD)?   as the verb's table says
    mutating func parseOptions(for verb: Verb) throws(Diagnostic) -> [StageOption] {
        let spec = verb.spec
        var options = [StageOption]()
        while current.isIdentifier, !current.quoted {
            let keyToken = current
            guard let key = OptionKey(rawValue: keyToken.text), let kind = spec.options[key] else {
                let allowed = spec.optionWords
                throw error("`\(keyToken.text)` is not an option of `\(verb.rawValue)`", at: keyToken.range,
                            hints: Suggest.hint(for: keyToken.text, among: allowed)
                                + [allowed.isEmpty ? "`\(verb.rawValue)` takes no options" : "options of `\(verb.rawValue)`: " + allowed.joined(separator: ", ")])
            }
            if options.contains(where: { $0.key == key }) {
                throw error("option `\(key.rawValue)` is given twice", at: keyToken.range)
            }
            _ = advance()
            switch kind {
            case .expr:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: [try parseExpression()], word: nil))
            case .list:
                var values = [try parseExpression()]
                while match(.comma) { skipNewlines(); values.append(try parseExpression()) }
                options.append(StageOption(key: key, keyRange: keyToken.range, values: values, word: nil))
            case .word:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: [], word: try parseWord("a value after `\(key.rawValue)`")))
            case .flag:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: [], word: nil))
            case .size:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: try parseSize(), word: nil))
            }
        }
        if !atStatementEnd && !check(.pipe) && !isWord("vs") && !check(.colon) {
            let allowed = spec.optionWords
            throw expected(allowed.isEmpty ? "`|` or the end of the statement" : "an option of `\(verb.rawValue)` (\(allowed.joined(separator: ", "))), `|` or the end of the statement")
        }
        return options
    }

    /// size -> LENGTH "x" LENGTH, a length `85mm`, `8.5cm`, `3.3in` or a number of mm;
    /// the two values as numbers of millimetres.
    mutating func parseSize() throws(Diagnostic) -> [Expr] {
        func length(_ what: String) throws(Diagnostic) -> Expr {
            let t = current
            switch t.kind {
            case .length(let mm), .number(let mm):
                guard mm > 0 else { throw error("a \(what) must be more than 0", at: t.range) }
                _ = advance()
                return Expr(.number(mm), t.range)
            default:
                throw expected("the \(what) of the figure, e.g. `size 85mm x 70mm` (mm, cm or in)")
            }
        }
        let width = try length("width")
        try expectWord("x", "between the width and the height (size 85mm x 70mm)")
        return [width, try length("height")]
    }

    /// formula -> "each" "(" fterm ("," fterm)* ")" | fterm ("+" fterm)*
    /// fterm   -> fatom ((":" | "*") fatom)*
    mutating func parseFormula() throws(Diagnostic) -> Formula {
        let start = current.range.lowerBound
        if isWord("each"), peekToken().kind == .leftParen {
            _ = advance(); _ = advance()
            var terms = [try parseFormulaTerm()]
            while match(.comma) { terms.append(try parseFormulaTerm()) }
            _ = try expect(.rightParen, "`)` to close `each(`")
            return Formula(terms: terms, each: true, range: start..<previousEnd)
        }
        var terms = [try parseFormulaTerm()]
        while match(.plus) { terms.append(try parseFormulaTerm()) }
        return Formula(terms: terms, each: false, range: start..<previousEnd)
    }

    mutating func parseFormulaTerm() throws(Diagnostic) -> FormulaTerm {
        let start = current.range.lowerBound
        var parts = [try parseExpression(formula: true)]
        var crossed = false
        while check(.colon) || check(.star) {
            if advance().kind == .star { crossed = true }
            parts.append(try parseExpression(formula: true))
        }
        return FormulaTerm(parts: parts, crossed: crossed, range: start..<previousEnd)
    }

    // MARK: Expressions

    /// expr -> precedence climbing over BinaryOperator.precedence; in a formula, `+ - * /`
    /// belong to the formula, so arithmetic there must be parenthesised.
    public mutating func parseExpression(formula: Bool = false) throws(Diagnostic) -> Expr {
        try parseBinary(minPrecedence: 1, formula: formula)
    }

    func binaryOperator(formula: Bool) -> BinaryOperator? {
        switch current.kind {
        case .identifier where !current.quoted:
            if current.text == "and" { return .and }
            if current.text == "or" { return .or }
            return nil
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        case .plus: return formula ? nil : .add
        case .minus: return formula ? nil : .subtract
        case .star: return formula ? nil : .multiply
        case .slash: return formula ? nil : .divide
        case .assign: return .equal
        default: return nil
        }
    }

    mutating func parseBinary(minPrecedence: Int, formula: Bool) throws(Diagnostic) -> Expr {
        var left = try parsePrefix(formula: formula)
        while true {
            // Postfix forms at comparison level: `in [...]`, `not in [...]`, `is (not)? missing`.
            if minPrecedence <= 4 {
                if isWord("in") || (isWord("not") && peekToken().isWord("in")) {
                    let negated = matchWord("not")
                    _ = advance()
                    _ = try expect(.leftBracket, "`[` to start the list after `in` (e.g. `in [\"a\", \"b\"]`)")
                    var items = [Expr]()
                    if !check(.rightBracket) {
                        items.append(try parseExpression())
                        while match(.comma) { items.append(try parseExpression()) }
                    }
                    _ = try expect(.rightBracket, "`]` to close the list")
                    left = try bounded(Expr(.inList(left, items, negated: negated), left.range.lowerBound..<previousEnd), at: tokens[index - 1].range)
                    continue
                }
                if isWord("is") {
                    _ = advance()
                    let negated = matchWord("not")
                    try expectWord("missing", "after `is` (`x is missing` or `x is not missing`)")
                    left = try bounded(Expr(.isMissing(left, negated: negated), left.range.lowerBound..<previousEnd), at: tokens[index - 1].range)
                    continue
                }
            }
            guard let op = binaryOperator(formula: formula), op.precedence >= minPrecedence else { return left }
            if case .assign = current.kind {
                throw error("`=` assigns; write `==` to compare", hints: ["e.g. `histology == \"adenocarcinoma\"`"])
            }
            let opToken = advance()
            let right = try parseBinary(minPrecedence: op.precedence + 1, formula: formula)
            if op.isComparison, case .binary(let inner, _, _) = left.kind, inner.isComparison {
                throw error("comparisons do not chain: write `a < b and b < c`", at: left.range.lowerBound..<right.range.upperBound)
            }
            left = try bounded(Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound), at: opToken.range)
        }
    }

    /// The error for an expression deeper than `maxDepth`, at the token where it got too deep.
    func tooDeep(at range: Range<Int>) -> Diagnostic {
        Diagnostic(.error, nesting > Parser.maxDepth || nesting == 0
                   ? "expression nested too deeply: more than \(Parser.maxDepth) levels of brackets, operators, `not` or `-`"
                   : "expression nested too deeply for the stack of this thread (\(nesting) levels)",
                   at: range, hints: ["split it into parts with `let` names; a long chain of `or` is often `x in [a, b, c]`"])
    }

    /// A node built by the expression parser, refused when deeper than `maxDepth`.
    func bounded(_ e: Expr, at range: Range<Int>) throws(Diagnostic) -> Expr {
        guard e.height <= Parser.maxDepth else { throw tooDeep(at: range) }
        return e
    }

    /// prefix -> "not" prefix-at-level-3 | "-" prefix | postfix
    /// Every nested expression passes here, so this is where recursion is bounded.
    mutating func parsePrefix(formula: Bool) throws(Diagnostic) -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Parser.maxDepth, nesting < 16 || !stack.exhausted() else { throw tooDeep(at: current.range) }
        let e = try parseUnbounded(formula: formula)
        return try bounded(e, at: e.range)
    }

    mutating func parseUnbounded(formula: Bool) throws(Diagnostic) -> Expr {
        if isWord("not") {
            let t = advance()
            let operand = try parseBinary(minPrecedence: 4, formula: formula)
            return Expr(.not(operand), t.range.lowerBound..<operand.range.upperBound)
        }
        if check(.minus) {
            let t = advance()
            let operand = try parsePrefix(formula: formula)
            return Expr(.negate(operand), t.range.lowerBound..<operand.range.upperBound)
        }
        return try parsePrimary()
    }

    /// primary -> NUMBER | STRING | DATE | DURATION | "true" | "false" | NAME ("(" args ")")?
    ///          | "(" expr ")"
    mutating func parsePrimary() throws(Diagnostic) -> Expr {
        let t = current
        switch t.kind {
        case .number(let v): _ = advance(); return Expr(.number(v), t.range)
        case .string(let s): _ = advance(); return Expr(.string(s), t.range)
        case .date(let d): _ = advance(); return Expr(.date(d), t.range)
        case .duration(let v, let u): _ = advance(); return Expr(.duration(v, u), t.range)
        case .leftBracket:
            _ = advance()
            var items = [Expr]()
            if !check(.rightBracket) {
                items.append(try parseExpression())
                while match(.comma) { items.append(try parseExpression()) }
            }
            _ = try expect(.rightBracket, "`]` to close the list opened at column \(source.location(of: t.range.lowerBound).column)")
            return Expr(.list(items), t.range.lowerBound..<previousEnd)
        case .leftParen:
            _ = advance()
            let e = try parseExpression()
            guard check(.rightParen) else {
                throw expected("`)` to close the `(` at column \(source.location(of: t.range.lowerBound).column)")
            }
            _ = advance()
            return Expr(e.kind, t.range.lowerBound..<previousEnd)
        case .identifier:
            if !t.quoted && (t.text == "true" || t.text == "false") { _ = advance(); return Expr(.bool(t.text == "true"), t.range) }
            _ = advance()
            if check(.dot), peekToken().isIdentifier, peekToken().range.lowerBound == current.range.upperBound {
                _ = advance()
                let partToken = advance()
                var path = ResultPath(result: Name(text: t.text, range: t.range), part: Name(text: partToken.text, range: partToken.range))
                if check(.leftBracket) {
                    _ = advance()
                    guard case .string(let key) = current.kind else { throw expected("a row key in quotes (`\(t.text).\(partToken.text)[\"tki\"]`)") }
                    _ = advance()
                    _ = try expect(.rightBracket, "`]` after the row key")
                    path.key = key
                    if check(.dot) {
                        _ = advance()
                        path.column = try name("a column name after `.` (e.g. `hr`, `p`)")
                    }
                }
                return Expr(.resultPart(path), t.range.lowerBound..<previousEnd)
            }
            if check(.leftParen), !t.quoted {
                let open = advance()
                var args = [CallArgument]()
                if !check(.rightParen) {
                    repeat {
                        var label: String? = nil
                        if current.isIdentifier, peekToken().kind == .colon {
                            label = advance().text; _ = advance()
                        }
                        args.append(CallArgument(label: label, value: try parseExpression()))
                    } while match(.comma)
                }
                guard check(.rightParen) else {
                    throw expected("`,` or `)` to close `\(t.text)(` opened at column \(source.location(of: open.range.lowerBound).column)")
                }
                _ = advance()
                return Expr(.call(t.text, args), t.range.lowerBound..<previousEnd)
            }
            return Expr(.name(t.text), t.range)
        case .error(let m):
            throw Diagnostic(.error, m, at: t.range)
        default:
            throw expected("a value (a number, \"text\", a date, a duration like 12mo, or a column name)")
        }
    }
}
