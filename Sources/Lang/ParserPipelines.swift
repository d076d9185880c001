/// Pipelines: sources, stages (checked against `Verb.spec`), options and model formulas.
extension Parser {
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

    /// Commands of R, Stata and SPSS that a lart stage does, by name in lower case: what the
    /// command is, and what lart writes instead.
    static let otherPackages: [String: (what: String, lart: String)] = [
        "survfit": ("R's `survfit` (survival)", "`km`"),
        "ggsurvplot": ("survminer's `ggsurvplot`", "`km ... | plot`"),
        "survdiff": ("R's `survdiff` (survival)", "`logrank`"),
        "coxph": ("R's `coxph` (survival)", "`cox`"),
        "crr": ("R's `crr` (cmprsk)", "`finegray`"),
        "rmst2": ("survRM2's `rmst2`", "`rmst`"),
        "tableone": ("the tableone package", "the statement `table1 omd: age, sex`"),
        "createtableone": ("tableone's `CreateTableOne`", "the statement `table1 omd: age, sex`"),
        "tbl_summary": ("gtsummary's `tbl_summary`", "the statement `table1 omd: age, sex`"),
        "sts": ("Stata's `sts`", "`km` (`sts test`: `logrank`; `sts graph`: `km ... | plot`)"),
        "stcox": ("Stata's `stcox`", "`cox`"),
        "stcrreg": ("Stata's `stcrreg`", "`finegray`"),
        "stcurve": ("Stata's `stcurve`", "`km ... | plot`"),
        "stci": ("Stata's `stci`", "`km` (its table has the median and its interval)"),
        "estat": ("Stata's `estat phtest`", "`zph`"),
        "coxreg": ("SPSS's `COXREG`", "`cox`"),
    ]

    /// stage -> ("where" | "require" | "exclude") expr STRING?
    ///        | VERB ENDPOINT? ("~" formula)? option*
    mutating func parseStage() throws(Diagnostic) -> Stage {
        let start = current.range.lowerBound
        guard current.isIdentifier, !current.quoted else { throw expected("a stage after `|` (km, cox, where, ...)") }
        let verbToken = current
        guard let verb = Verb.named(verbToken.text) else {
            let known = Verb.allCases.map(\.rawValue)
            // `where a > 1 | b == 2`: R's `|` for "or".
            let comparison: Bool
            switch peekToken().kind {
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: comparison = true
            default: comparison = false
            }
            let or = comparison ? ["`|` starts a stage; to join two conditions write `or`: `where age > 60 or sex == \"F\"`"] : []
            let other = Parser.otherPackages[verbToken.text.lowercased()].map { ["`\(verbToken.text)` is \($0.what); lart writes \($0.lart)"] }
            throw error("unknown stage `\(verbToken.text)`", at: verbToken.range,
                        hints: (or.isEmpty ? other ?? Suggest.hint(for: verbToken.text, among: known) : or) + ["stages are: " + known.sorted().joined(separator: ", ")])
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
            let dataset = verb == .export ? try parseExportDataset() : nil
            var path: String? = nil
            if case .string(let p) = current.kind {
                _ = advance()
                path = p
            } else if !spec.pathOptional {
                throw expected("a file name in quotes after `\(verb.rawValue)` (e.g. `\(spec.example)`)")
            }
            let options = try parseOptions(for: verb)
            var stage = Stage(verb: verb, verbRange: verbToken.range, label: path, options: options, range: start..<previousEnd)
            stage.dataset = dataset
            return stage
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
        let options = try parseOptions(for: verb, endpoint: endpoint)
        return Stage(verb: verb, verbRange: verbToken.range, endpoint: endpoint, formula: formula, options: options, range: start..<previousEnd)
    }

    /// export-dataset -> "adtte" NAME ("," NAME)*   (before the file name of `export`)
    mutating func parseExportDataset() throws(Diagnostic) -> ExportDataset? {
        guard current.isIdentifier, !current.quoted else { return nil }
        let word = current
        guard word.text == "adtte" else {
            throw error("`export` writes the result before it (`export \"table.csv\"`) or a dataset of the cohort's rows (`export adtte pfs, os \"adtte.csv\"`)",
                        at: word.range, hints: Suggest.hint(for: word.text, among: ["adtte"]))
        }
        _ = advance()
        guard current.isIdentifier, current.quoted || OptionKey(rawValue: current.text) == nil else {
            throw expected("the endpoints to write after `export adtte` (e.g. `export adtte pfs, os \"adtte.csv\"`)")
        }
        var endpoints = [try name("an endpoint")]
        while match(.comma) { skipNewlines(); endpoints.append(try name("an endpoint after `,`")) }
        return .adtte(endpoints: endpoints, range: word.range.lowerBound..<previousEnd)
    }

    /// What an R user most likely meant where a stage's options end unexpectedly: a group as
    /// a formula (`km pfs ~ sex`, as `survfit(Surv(...) ~ sex)`), or options after commas.
    func rStyleOptionHints(_ verb: Verb, endpoint: Name?, _ options: [StageOption]) -> [String] {
        let spec = verb.spec
        if check(.tilde), !spec.formula, spec.options[.by] != nil {
            let group = peekToken().isIdentifier ? peekToken().text : "sex"
            return ["groups are written with `by`: `\(verb.rawValue) \(endpoint.map { $0.text + " " } ?? "")by \(group)` (R's `~ \(group)`)"]
        }
        // `by sex, at 12mo`: the comma made `at` a second value of `by`.
        if let last = options.last, last.values.count > 1, case .name(let word)? = last.values.last?.kind,
           let key = OptionKey(rawValue: word), spec.options[key] != nil {
            return ["the comma before `\(word)` made it a second value of `\(last.key.rawValue)`; options follow without commas: `\(last.key.rawValue) ... \(word) ...`"]
        }
        if check(.comma) { return ["options follow the stage after spaces, without commas"] }
        return []
    }

    /// An R-style named argument at the token `k` ahead (`na.rm = TRUE`, `ties = "efron"`):
    /// a name, possibly dotted, then `=`; its name and the token of its value.
    func namedArgumentAhead(_ k: Int) -> (name: String, range: Range<Int>, value: Token)? {
        let first = peekToken(k)
        guard first.isIdentifier, !first.quoted else { return nil }
        var name = first.text, at = k
        while peekToken(at + 1).kind == .dot, peekToken(at + 2).isIdentifier {
            name += "." + peekToken(at + 2).text
            at += 2
        }
        guard peekToken(at + 1).kind == .assign else { return nil }
        return (name, first.range.lowerBound..<peekToken(at + 1).range.upperBound, peekToken(at + 2))
    }

    /// R's argument names whose lart option has another name (survfit's `conf.type`,
    /// summary.survfit's `times`).
    static let rOptionNames: [String: OptionKey] = ["conf.type": .ci, "times": .at]

    /// The error for an R-style named argument among a stage's options.
    func namedArgumentError(_ verb: Verb, _ arg: (name: String, range: Range<Int>, value: Token)) -> Diagnostic {
        let spec = verb.spec
        var hints: [String]
        if arg.name == "na.rm" {
            hints = ["missing values are left out already (and counted in a note); drop `na.rm = ...`"]
        } else if let key = OptionKey(rawValue: arg.name) ?? Parser.rOptionNames[arg.name], spec.options[key] != nil {
            // The value as written: a string's text, a word, a number or a duration.
            var shown = "..."
            if case .string(let v) = arg.value.kind { shown = v }
            if case .identifier = arg.value.kind { shown = arg.value.text }
            if case .number = arg.value.kind { shown = arg.value.text }
            if case .duration = arg.value.kind { shown = arg.value.text }
            hints = ["write `\(key.rawValue) \(shown)`"]
        } else {
            hints = Suggest.hint(for: arg.name, among: spec.optionWords)
                + [spec.optionWords.isEmpty ? "`\(verb.rawValue)` takes no options" : "options of `\(verb.rawValue)`: " + spec.optionWords.joined(separator: ", ")]
        }
        return error("`\(arg.name) =` is R's named argument; options of `\(verb.rawValue)` follow the stage without commas or `=`", at: arg.range, hints: hints)
    }

    /// option -> KEY (expr | expr ("," expr)* | WORD)?   as the verb's table says
    mutating func parseOptions(for verb: Verb, endpoint: Name? = nil) throws(Diagnostic) -> [StageOption] {
        let spec = verb.spec
        var options = [StageOption]()
        while current.isIdentifier, !current.quoted {
            if let arg = namedArgumentAhead(0) { throw namedArgumentError(verb, arg) }
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
                while match(.comma) {
                    skipNewlines()
                    if let arg = namedArgumentAhead(0) { throw namedArgumentError(verb, arg) }
                    values.append(try parseExpression())
                }
                options.append(StageOption(key: key, keyRange: keyToken.range, values: values, word: nil))
            case .word:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: [], word: try parseWord("a value after `\(key.rawValue)`")))
            case .flag:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: [], word: nil))
            case .size:
                options.append(StageOption(key: key, keyRange: keyToken.range, values: try parseSize(), word: nil))
            }
        }
        if check(.comma), let arg = namedArgumentAhead(1) { throw namedArgumentError(verb, arg) }
        if !atStatementEnd && !check(.pipe) && !isWord("vs") && !check(.colon) {
            let allowed = spec.optionWords
            throw expected(allowed.isEmpty ? "`|` or the end of the statement" : "an option of `\(verb.rawValue)` (\(allowed.joined(separator: ", "))), `|` or the end of the statement",
                           hints: rStyleOptionHints(verb, endpoint: endpoint, options))
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
}
