import Runtime

/// Model formulas: each written term becomes design columns.
///
/// - a text column or `factor(x, ref: "level")`: treatment-contrast dummies (reference: the
///   first level in sorted order unless `ref:` names one);
/// - a boolean expression (`age >= 60`, a 0/1 `let`): one 0/1 column named as written;
/// - a number (`age`, `log(bili)`): one column named as written;
/// - `a:b` the products of their columns; `a*b` is `a + b + a:b`.
extension Interpreter {
    struct BuiltDesign {
        var design: CoxDesign
        /// Term names in order (for `each`).
        var termNames: [String]
    }

    func designColumns(_ part: Expr, _ data: CohortData, _ src: SourceFile) throws -> (name: String, columns: DesignColumns) {
        var ev = evaluator(for: data.table)
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
            do {
                if case .column(.string(let codes, let dict)) = v {
                    return (name, try DesignMatrix.factor(codes: codes, dictionary: dict, reference: reference, name: name))
                }
                let values = try factorValues(v, first.value, src)
                return (name, try DesignMatrix.factor(values: values, reference: reference, name: name))
            } catch let e as AnalysisError {
                throw fail(e.message, part.range, src)
            }
        }
        let v = try ev.eval(part, src)
        let name = Interpreter.displayName(part, src)
        switch v {
        case .column(.string(let codes, let dict)):
            do { return (name, try DesignMatrix.factor(codes: codes, dictionary: dict, name: name)) } catch let e as AnalysisError { throw fail(e.message, part.range, src) }
        case .column(.date):
            throw fail("`\(name)` is a date; use a number such as `year(\(name))` or a time difference", part.range, src)
        case .scalar:
            throw fail("`\(name)` is a single value, not a covariate", part.range, src)
        case .column(let c):
            return (name, DesignMatrix.numeric(c.doubles()!, name: name))
        }
    }

    func factorValues(_ v: Value, _ e: Expr, _ src: SourceFile) throws -> [String?] {
        switch v {
        case .column(let c):
            if case .date = c { throw fail("cannot make a factor of a date", e.range, src) }
            if case .bool(let b) = c { return b.map { $0 == Column.boolNA ? nil : ($0 == 1 ? "true" : "false") } }
            return c.strings()
        case .scalar: throw fail("`factor` needs a column", e.range, src)
        }
    }

    func buildDesign(_ formula: Formula, _ data: CohortData, _ src: SourceFile) throws -> BuiltDesign {
        var terms = [(name: String, columns: DesignColumns)]()
        func add(_ t: (name: String, columns: DesignColumns)) {
            if !terms.contains(where: { $0.name == t.name }) { terms.append(t) }
        }
        for term in formula.terms {
            let parts = try term.parts.map { try designColumns($0, data, src) }
            if parts.count == 1 { add(parts[0]); continue }
            if term.crossed { for p in parts { add(p) } }
            var acc = parts[0]
            for p in parts.dropFirst() {
                acc = (acc.name + ":" + p.name, DesignMatrix.interaction(acc.columns, p.columns))
            }
            add(acc)
        }
        for t in terms where t.columns.columns.isEmpty {
            throw fail("`\(t.name)` has a single level in these rows, so it cannot be a covariate", formula.range, src)
        }
        return BuiltDesign(design: DesignMatrix.design(terms), termNames: terms.map(\.name))
    }

    /// Restricts a design (and outcome) to complete rows, R's na.omit.
    func completeCases(_ design: CoxDesign, _ outcome: SurvivalOutcome, strata: Grouping?) -> (rows: RowSelection, dropped: Int) {
        var numeric = design.columns
        numeric.append(outcome.time)
        if let strata { numeric.append(strata.codes.map { $0 < 0 ? .nan : Double($0) }) }
        let (kept, dropped) = DesignMatrix.completeRows(numeric: numeric)
        return (RowSelection(kept, of: outcome.count), dropped)
    }

    func subset(_ design: CoxDesign, _ rows: RowSelection) -> CoxDesign {
        rows.all ? design : CoxDesign(columnNames: design.columnNames, columns: design.columns.map { rows.pick($0) }, terms: design.terms)
    }
}
