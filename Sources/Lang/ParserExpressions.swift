/// Expressions: precedence climbing over `BinaryOperator.precedence`, with the nesting
/// limit, calls, lists and parts of bound results.
extension Parser {
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
            if op.isComparison, !left.parenthesized, case .binary(let inner, _, _) = left.kind, inner.isComparison {
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
            var inner = Expr(e.kind, t.range.lowerBound..<previousEnd)
            inner.parenthesized = true
            return inner
        case .identifier:
            if !t.quoted && (t.text == "true" || t.text == "false") { _ = advance(); return Expr(.bool(t.text == "true"), t.range) }
            _ = advance()
            if check(.dot), peekToken().isIdentifier, peekToken().range.lowerBound == current.range.upperBound {
                _ = advance()
                let partToken = advance()
                // R's dotted functions: `is.na(x)` is `x is missing` here.
                if check(.leftParen) {
                    let dotted = "\(t.text).\(partToken.text)"
                    let hint = ["is.na": "write `x is missing` (or `x is not missing`)", "as.numeric": "a column of numbers is read as numbers; one read as text has a value that is not a number (`use` warns which): mark it missing with `na [...]`",
                                "as.factor": "write `factor(x)` in a model formula"][dotted]
                    throw error("`\(dotted)(...)` is not a lart function", at: t.range.lowerBound..<current.range.upperBound,
                                hints: hint.map { [$0] } ?? ["functions are called without dots: `round(x)`, `first(a, b)`"])
                }
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
