import Runtime

/// Model formulas: each written term becomes design columns.
///
/// - a text column or `factor(x, ref: "level")`: treatment-contrast dummies (reference: the
///   first level in sorted order unless `ref:` names one);
/// - a boolean expression (`age >= 60`, a 0/1 `let`): one 0/1 column named as written;
/// - a number (`age`, `log(bili)`): one column named as written;
/// - `a:b` the products of their columns; `a*b` is `a + b + a:b`.
extension Interpreter {
    /// Most levels a text column may have as a model term (an identifier or free text
    /// column would otherwise become hundreds of dummies and a meaningless fit).
    static let maxTextLevels = 20

    struct BuiltDesign {
        var design: CoxDesign
        /// Term names in order (for `each`).
        var termNames: [String]
    }

    /// `values`: `.namesOnly` for a check, which leaves a factor's dummy columns empty.
    func designColumns(_ part: Expr, _ data: CohortData, _ src: SourceFile, values: DesignValues) throws -> (name: String, columns: DesignColumns) {
        var ev = evaluator(for: data)
        if case .call("factor", let args) = part.kind {
            guard let first = args.first, first.label == nil else {
                throw fail("`factor` takes a column and optionally `ref: \"level\"`", part.range, src)
            }
            var reference: String? = nil
            for a in args.dropFirst() {
                guard a.label == "ref" else { throw fail("`factor` takes only `ref:` after the column", a.value.range, src) }
                switch a.value.kind {
                case .string(let s): reference = s
                case .number(let x): reference = formatNumber(x)
                default: throw fail("`ref:` takes a level in quotes", a.value.range, src)
                }
            }
            let v = try ev.eval(first.value, src)
            let name = "factor(\(Interpreter.displayName(first.value, src)))"
            let variable = variableName(first.value)
            do {
                // A number's or yes/no's values as text codes (levels sorted as numbers when
                // every level is one, as R's factor of a number).
                let (codes, dict) = try factorCodes(v, first.value, src)
                let order = try levelOrder(variable, codes: codes, dictionary: dict, first.value, src)
                return (name, try DesignMatrix.factor(codes: codes, dictionary: dict, order: order, reference: reference, name: name, values: values))
            } catch let e as AnalysisError {
                throw fail(e.message, part.range, src)
            }
        }
        let v = try ev.eval(part, src)
        let name = Interpreter.displayName(part, src)
        switch v {
        case .column(.string(let codes, let dict)):
            // The levels present, by code (a flag per dictionary entry: no hashing per row).
            var seen = [Bool](repeating: false, count: dict.count)
            for c in codes where c != Column.stringNA { seen[Int(c)] = true }
            let levels = seen.reduce(0) { $0 + ($1 ? 1 : 0) }
            if levels > Interpreter.maxTextLevels {
                throw fail("`\(name)` is a text column with \(levels) levels: as a model term it would become \(levels - 1) dummy columns", part.range, src,
                           hints: ["a text term may have at most \(Interpreter.maxTextLevels) levels; group it first (`ifelse`, `in [...]`), or write `factor(\(name))` if you mean every level"])
            }
            let order = try levelOrder(variableName(part), codes: codes, dictionary: dict, part, src, cut: { if case .call("cut", _) = part.kind { return true }; return false }())
            do { return (name, try DesignMatrix.factor(codes: codes, dictionary: dict, order: order, name: name, values: values)) } catch let e as AnalysisError { throw fail(e.message, part.range, src) }
        case .column(.date):
            throw fail("`\(name)` is a date; use a number such as `year(\(name))` or a time difference", part.range, src)
        case .scalar:
            throw fail("`\(name)` is a single value, not a covariate", part.range, src)
        case .column(let c):
            return (name, DesignMatrix.numeric(c.doubles()!, name: name))
        }
    }

    /// The declared level order of a text variable (nil: R's sorted order); `cut` keeps its bins' order.
    func levelOrder(_ name: String?, codes: [UInt32], dictionary: [String], _ e: Expr, _ src: SourceFile, cut: Bool = false) throws -> [String]? {
        if cut { return dictionary }
        guard let name, env.levels[name] != nil else { return nil }
        var present = [Bool](repeating: false, count: dictionary.count)
        for c in codes where c != Column.stringNA { present[Int(c)] = true }
        let levels = dictionary.indices.filter { present[$0] }.map { dictionary[$0] }
        return try orderedLevels(name, present: levels, fallback: levels, e, src)
    }

    /// The values of `factor(x)` as text codes: a text column's own, yes/no as false and
    /// true, a number's distinct values each written once (`Column.textCoded`).
    func factorCodes(_ v: Value, _ e: Expr, _ src: SourceFile) throws -> (codes: [UInt32], dictionary: [String]) {
        switch v {
        case .column(.date): throw fail("cannot make a factor of a date", e.range, src)
        case .column(let c): return c.textCoded()
        case .scalar: throw fail("`factor` needs a column", e.range, src)
        }
    }

    /// `factorCodes` as categories (Table 1).
    func factorCategories(_ v: Value, _ e: Expr, _ src: SourceFile) throws -> Categories {
        let (codes, dictionary) = try factorCodes(v, e, src)
        return Categories(dictionaryCodes: codes, dictionary: dictionary)
    }

    func buildDesign(_ formula: Formula, _ data: CohortData, _ src: SourceFile, values: DesignValues = .written) throws -> BuiltDesign {
        try buildDesign(try expandTerms(formula, src), range: formula.range, data, src, values: values)
    }

    /// A model with as many coefficients as events cannot be estimated: an error at the
    /// formula (found by fuzzing: such fits ran for minutes or asked for gigabytes).
    /// `events` names what is counted ("events", "events of the cause").
    func requireFewerCoefficients(_ coefficients: Int, than events: Int, counted: String, model: String,
                                  _ formula: Formula, _ src: SourceFile) throws {
        guard coefficients > 1, coefficients >= events else { return }
        throw fail("the model has \(coefficients) coefficients for \(events) \(counted): too many to estimate", formula.range, src,
                   hints: ["a \(model) model needs several events per coefficient (10 is a common rule); drop or group terms (a factor with many levels, an interaction of factors)"])
    }

    /// Design columns for terms that may come from other statements (`terms(...)`,
    /// `select(...)`): each term is read in the source it was written in.
    /// With `.namesOnly` (a check) the errors are the same, and a factor's columns are empty.
    func buildDesign(_ sourced: [SourcedTerm], range: Range<Int>, _ data: CohortData, _ src: SourceFile,
                     values: DesignValues = .written) throws -> BuiltDesign {
        var terms = [(name: String, columns: DesignColumns)]()
        func add(_ t: (name: String, columns: DesignColumns)) {
            if !terms.contains(where: { $0.name == t.name }) { terms.append(t) }
        }
        for st in sourced {
            let term = st.term
            let parts = try term.parts.map { try designColumns($0, data, st.source, values: values) }
            if parts.count == 1 { add(parts[0]); continue }
            if term.crossed { for p in parts { add(p) } }
            var acc = parts[0]
            for p in parts.dropFirst() {
                // Every combination is a column: more columns than rows cannot be estimated,
                // and `factor(id) * factor(id)` would ask for rows squared of them.
                let n = data.table.rowCount
                let count = acc.columns.columns.count.multipliedReportingOverflow(by: p.columns.columns.count)
                if count.overflow || count.partialValue > n {
                    throw fail("the interaction `\(acc.name):\(p.name)` has \(count.overflow ? "too many" : String(count.partialValue)) columns for \(n) rows: too many to estimate",
                               range, src, hints: ["an interaction of factors has a column for each combination of their levels; group the levels or drop a factor"])
                }
                acc = (acc.name + ":" + p.name, DesignMatrix.interaction(acc.columns, p.columns))
            }
            add(acc)
        }
        for t in terms where t.columns.columns.isEmpty {
            throw fail("`\(t.name)` has a single level in these rows, so it cannot be a covariate", range, src)
        }
        return BuiltDesign(design: DesignMatrix.design(terms), termNames: terms.map(\.name))
    }

    /// The terms of a formula with term lists (`let vars = terms(...)`) and selections
    /// (`select(uni, p < 0.05)`) expanded, each with the source it was written in.
    func expandTerms(_ formula: Formula, _ src: SourceFile) throws -> [SourcedTerm] {
        var out = [SourcedTerm]()
        for term in formula.terms {
            if term.parts.count == 1, case .name(let n) = term.parts[0].kind, let list = env.termLists[n] {
                out += list
                continue
            }
            if term.parts.count == 1, case .call("select", let args) = term.parts[0].kind {
                out += try select(args, term.parts[0], src)
                continue
            }
            for part in term.parts {
                if case .call("select", _) = part.kind {
                    throw fail("`select(...)` stands alone as a term; it cannot be part of an interaction", part.range, src)
                }
            }
            out.append(SourcedTerm(term: term, source: src))
        }
        return out
    }

    /// `select(RESULT, CONDITION [, test: wald|lr|score])`: the terms of a univariate screen
    /// whose row of `RESULT.terms` meets the condition. `p` is the Wald p of each univariate
    /// model unless `test:` names another; `p_wald`, `p_lr`, `p_score`, `hr`, `lower`,
    /// `upper`, `n`, `events` can be used too.
    func select(_ args: [CallArgument], _ call: Expr, _ src: SourceFile) throws -> [SourcedTerm] {
        let positional = args.filter { $0.label == nil }
        guard positional.count == 2, case .name(let resultName) = positional[0].value.kind else {
            throw fail("`select` takes a bound screen and a condition: `select(uni, p < 0.05)`", call.range, src,
                       hints: ["bind the screen first: `let uni = cohort omd | cox pfs ~ each(sex, age >= 60, tki)`"])
        }
        guard let bound = env.results[resultName] else {
            throw fail("unknown result `\(resultName)`", positional[0].value.range, src,
                       hints: Suggest.hint(for: resultName, among: Array(env.results.keys))
                        + ["bind a screen with `let \(resultName) = cohort ... | cox ENDPOINT ~ each(...)`"])
        }
        if bound.result is DeclaredResult, let screenTerms = bound.screenTerms {
            return screenTerms  // `lart check`: the screen has not run; every term may be kept
        }
        guard let screen = bound.result as? CoxScreenResult, let screenTerms = bound.screenTerms,
              var frame = screen.frame("terms") else {
            throw fail("`\(resultName)` is a \(bound.result.kind) result; `select` chooses from a univariate screen (`cox ... ~ each(...)`)",
                       positional[0].value.range, src)
        }
        var testName = "Wald"
        for a in args where a.label != nil {
            guard a.label == "test" else { throw fail("`select` takes only `test:` after the condition", a.value.range, src) }
            let word: String
            switch a.value.kind {
            case .name(let w), .string(let w): word = w
            case .number, .bool, .date, .duration, .negate, .not, .binary, .call, .inList, .isMissing, .list, .resultPart:
                throw fail("`test:` takes wald, lr or score", a.value.range, src)
            }
            let column: String
            switch word {
            case "wald": column = "p_wald"; testName = "Wald"
            case "lr": column = "p_lr"; testName = "likelihood-ratio"
            case "score": column = "p_score"; testName = "score"
            default: throw fail("`test:` takes wald, lr or score", a.value.range, src)
            }
            if let i = frame.table.names.firstIndex(of: "p"), let c = frame.table[column] {
                var cols = frame.table.columns
                cols[i] = c
                frame.table = Table(names: frame.table.names, columns: cols)
            }
        }
        var ev = Evaluator(table: frame.table, lets: [:], params: env.params, monthDays: env.settings.monthDays)
        let flags = try ev.condition(positional[1].value, src)
        let kept = flags.indices.filter { flags[$0] == 1 }
        let condition = src.slice(positional[1].value.range)
        let names = kept.map { screenTerms[$0].text }
        if kept.isEmpty {
            notes.add(LangError(Diagnostic(.warning, "select kept none of the \(screenTerms.count) terms of `\(resultName)` by `\(condition)` (p: \(testName) test of each univariate model)",
                                           at: call.range, hints: ["the smallest p is \(formatNumber(frame.table["p"]?.doubles()?.min() ?? .nan))"]), in: src))
        } else {
            notes.add(LangError(Diagnostic(.note, "select kept \(kept.count) of \(screenTerms.count) terms of `\(resultName)` by `\(condition)` (p: \(testName) test of each univariate model): \(names.joined(separator: ", "))",
                                           at: call.range), in: src))
        }
        return kept.map { screenTerms[$0] }
    }

    /// Restricts a design (and outcome) to complete rows, R's na.omit.
    func completeCases(_ design: CoxDesign, _ outcome: SurvivalOutcome, strata: Grouping?) -> (rows: RowSelection, dropped: Int) {
        var numeric = design.columns
        numeric.append(outcome.time)
        if let strata { numeric.append(strata.codes.map { $0 < 0 ? .nan : Double($0) }) }
        let (kept, dropped) = DesignMatrix.completeRows(numeric: numeric)
        return (RowSelection(kept, of: outcome.count), dropped)
    }

    /// The design on `rows` alone. The columns are compacted where they are (the kept rows
    /// are ascending, so each moves down or stays): a design no one else holds costs no new
    /// memory, and at 10^6 rows the copy was a fifth of a Cox run's fresh pages.
    func subset(_ design: consuming CoxDesign, _ rows: RowSelection) -> CoxDesign {
        if rows.all { return design }
        assert(zip(rows.indices, rows.indices.dropFirst()).allSatisfy { $0 < $1 }, "rows kept in their order")
        var kept = consume design
        for j in kept.columns.indices {
            let n = kept.columns[j].count
            kept.columns[j].withUnsafeMutableBufferPointer { p in
                var k = 0
                for i in rows.indices { p[k] = p[i]; k &+= 1 }
            }
            kept.columns[j].removeLast(n - rows.count)
        }
        return kept
    }
}
