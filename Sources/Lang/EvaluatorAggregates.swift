import Runtime

extension Evaluator {
    /// Aggregates over the rows being evaluated, as scalars: `median(x)`, `mean(x)`,
    /// `sd(x)`, `quantile(x, p)`, `min(x)`, `max(x)`, `sum(x)`, `n()`. Missing values are
    /// left out (R's `na.rm = TRUE`); the value used is reported as a note, so a split at
    /// the median says where it split.
    ///
    /// median: the middle value, or the mean of the two middle values (R's `median`).
    /// quantile: R's default type 7, Hyndman & Fan (1996), as `Quantile.type7`.
    mutating func aggregate(_ name: String, _ args: [CallArgument], _ e: Expr, _ src: SourceFile) throws -> Value {
        let scopeText = scope.isEmpty ? "" : " of `\(scope)`"
        if name == "n" {
            guard args.isEmpty else { throw fail("`n()` takes no argument; count a condition with `sum(cond)`", e, src) }
            return .scalar(.number(Double(n)))
        }
        let expected = name == "quantile" ? 2 : 1
        guard args.count == expected, args.allSatisfy({ $0.label == nil }) else {
            throw fail("`\(name)` takes \(expected == 1 ? "one column" : "a column and a probability")", e, src, hints: Evaluator.functions[name].map { [$0] } ?? [])
        }
        let v = try eval(args[0].value, src)
        if case .scalar = v { throw fail("`\(name)` summarises a column over the rows, not a single value", args[0].value, src) }
        // In the rows' order (R sums in that order), and sorted for the order statistics.
        let present = try numbers(v, args[0].value, src, what: "the argument of `\(name)`").filter { !$0.isNaN }
        let x = Quantile.ascending(present)
        guard !x.isEmpty else {
            throw fail("`\(src.slice(e.range))` has no value: \(n == 0 ? "there are no rows" : "all \(n) rows")\(scopeText) \(n == 0 ? "to summarise" : "are missing")", e, src,
                       hints: ["an aggregate needs at least one non-missing value; check the cohort it runs on"])
        }
        var value: Double
        switch name {
        case "median":
            let m = x.count / 2
            // R's median.default: the `mean` of the two middle values (no overflow for huge ones).
            value = x.count % 2 == 1 ? x[m] : Moments.mean(x[(m - 1)...m])
        case "mean": value = Moments.mean(present)
        case "sd":
            guard x.count > 1 else { throw fail("`sd` needs at least two values, got one", e, src) }
            value = Moments.variance(present).squareRoot()
        case "min": value = x[0]
        case "max": value = x[x.count - 1]
        case "sum": value = Moments.sum(present)
        default:  // quantile
            guard case .scalar(.number(let p)) = try eval(args[1].value, src), p >= 0, p <= 1 else {
                throw fail("the probability of `quantile` is a number from 0 to 1", args[1].value, src)
            }
            value = Quantile.type7(x, p)
        }
        let missing = n - x.count
        notes?.add(LangError(Diagnostic(.note, "\(src.slice(e.range)) = \(formatNumber(value)) over \(x.count) rows\(scopeText)\(missing > 0 ? " (\(missing) missing left out)" : "")", at: e.range), in: src))
        return .scalar(.number(value))
    }

    /// `date(text, "%d/%m/%Y")`: a text column read as dates in a format (the CSV reader's
    /// `DateFormat`); a value that does not fit is missing and counted in a note.
    mutating func date(_ args: [CallArgument], _ e: Expr, _ src: SourceFile) throws -> Value {
        guard args.count == 2, args.allSatisfy({ $0.label == nil }), case .string(let f) = args[1].value.kind else {
            throw fail("`date` takes a text column and a format in quotes: `date(dx, \"%d/%m/%Y\")`", e, src)
        }
        let format: DateFormat
        do { format = try DateFormat(f) } catch let err as DateFormatError { throw fail(err.description, args[1].value, src) }
        let v = try eval(args[0].value, src)
        if case .column(.date(let d)) = v { return .column(.date(d)) }
        let text = textValues(v)
        guard v.typeName == "text" else {
            throw fail("`date` reads text, but `\(src.slice(args[0].value.range))` is \(v.typeName)", args[0].value, src)
        }
        var out = [Int32](repeating: Column.dateNA, count: n)
        var failed = [String]()
        var failedCount = 0
        for i in 0..<n {
            guard let s = text(i) else { continue }
            switch format.parse(s) {
            case .date(let d): out[i] = d.days
            case .invalid, .notADate:
                failedCount += 1
                if failed.count < 3 { failed.append("\"\(s)\" (row \(i + 1))") }
            }
        }
        if failedCount > 0 {
            notes?.add(LangError(Diagnostic(.warning, "\(failedCount) value\(failedCount == 1 ? "" : "s") of `\(src.slice(args[0].value.range))` \(failedCount == 1 ? "is" : "are") not a date \(format.display) and \(failedCount == 1 ? "is" : "are") missing: \(failed.joined(separator: ", "))", at: e.range), in: src))
        }
        return .column(.date(out))
    }

    /// `cut(x, [b1, ..., bk], labels: [l1, ..., lk])`: bins closed on the left, [b_i, b_i+1),
    /// the last open to the right; a value below b1 is missing. Without labels the bins are
    /// named `[b1, b2)` ... `>= bk`. The result is text whose levels keep the bins' order
    /// when bound with `let`.
    mutating func cut(_ args: [CallArgument], _ e: Expr, _ src: SourceFile) throws -> Value {
        let positional = args.filter { $0.label == nil }
        guard positional.count == 2, case .list(let breakExprs) = positional[1].value.kind, !breakExprs.isEmpty else {
            throw fail("`cut` takes a column and a list of breaks: `cut(x, [1, 2, 3], labels: [\"1\", \"2\", \"3+\"])`", e, src)
        }
        var breaks = [Double]()
        for b in breakExprs {
            guard case .scalar(.number(let x)) = try eval(b, src) else { throw fail("a break of `cut` is a number", b, src) }
            if let last = breaks.last, x <= last { throw fail("the breaks of `cut` must increase", b, src) }
            breaks.append(x)
        }
        var labels = zip(breaks, breaks.dropFirst()).map { "[\(formatNumber($0)), \(formatNumber($1)))" } + [">= \(formatNumber(breaks.last!))"]
        for a in args where a.label != nil {
            guard a.label == "labels", case .list(let items) = a.value.kind else {
                throw fail("`cut` takes `labels: [\"...\", ...]` after the breaks", a.value, src)
            }
            guard items.count == breaks.count else {
                throw fail("`cut` has \(breaks.count) bins (one per break, the last open) but \(items.count) labels", a.value, src)
            }
            labels = try items.map { item in
                guard case .string(let t) = item.kind else { throw fail("a label of `cut` is text in quotes", item, src) }
                return t
            }
        }
        let x = try numbers(positional[0].value, src, what: "the value `cut` bins")
        // The dictionary in label order, so the levels keep the bins' order; bins with the
        // same label are one level, as R's `cut` makes them.
        var dictionary = [String]()
        let binCode: [UInt32] = labels.map { l in
            if let k = dictionary.firstIndex(of: l) { return UInt32(k) }
            dictionary.append(l)
            return UInt32(dictionary.count - 1)
        }
        var below = 0
        let codes = x.map { v -> UInt32 in
            if v.isNaN { return Column.stringNA }
            if v < breaks[0] { below += 1; return Column.stringNA }
            var k = 0
            while k + 1 < breaks.count && v >= breaks[k + 1] { k += 1 }
            return binCode[k]
        }
        if below > 0 {
            notes?.add(LangError(Diagnostic(.note, "\(below) row\(below == 1 ? "" : "s") below \(formatNumber(breaks[0])) fall in no bin of `cut` and are missing", at: e.range), in: src))
        }
        return .column(.string(codes: codes, dictionary: dictionary))
    }
}

extension Evaluator {
    /// The frame a path names, and its row and column when given. Errors list what exists.
    static func locate(_ path: ResultPath, in results: [String: any Reportable], _ src: SourceFile) throws -> (ResultFrame, Int?, String?) {
        func fail(_ m: String, _ r: Range<Int>, _ hints: [String] = []) -> LangError {
            LangError(Diagnostic(.error, m, at: r, hints: hints), in: src)
        }
        guard let result = results[path.result.text] else {
            throw fail("unknown result `\(path.result.text)`", path.result.range,
                       Suggest.hint(for: path.result.text, among: Array(results.keys)) + ["bind one with `let \(path.result.text) = cohort ... | km ...`"])
        }
        guard let framed = result as? any HasFrames else {
            throw fail("a `\(result.kind)` result has no parts to address", path.result.range)
        }
        guard let frame = framed.frame(path.part.text) else {
            throw fail("`\(path.result.text)` has no part `\(path.part.text)`", path.part.range,
                       Suggest.hint(for: path.part.text, among: framed.frameNames) + ["its parts: " + framed.frameNames.joined(separator: ", ")])
        }
        guard let key = path.key else { return (frame, nil, nil) }
        guard let row = frame.row(key) else {
            throw fail("`\(path.result.text).\(path.part.text)` has no row \"\(key)\"", path.part.range.upperBound..<(path.column?.range.lowerBound ?? path.part.range.upperBound + key.utf8.count + 4),
                       Suggest.hint(for: key, among: frame.keys) + ["rows: " + frame.keys.map { "\"\($0)\"" }.joined(separator: ", ")
                                                                     + (frame.shortKeys == frame.keys ? "" : " (or without the groupings' names: "
                                                                        + frame.shortKeys.map { "\"\($0)\"" }.joined(separator: ", ") + ")")])
        }
        guard let column = path.column else { return (frame, row, nil) }
        guard frame.table[column.text] != nil else {
            throw fail("`\(path.result.text).\(path.part.text)` has no column `\(column.text)`", column.range,
                       Suggest.hint(for: column.text, among: frame.table.names) + ["columns: " + frame.table.names.joined(separator: ", ")])
        }
        return (frame, row, column.text)
    }

    static func cell(_ frame: ResultFrame, row: Int, column: String) -> Scalar {
        guard let c = frame.table[column] else { return .missing }
        switch c {
        case .double, .int, .bool:
            let x = c.doubles()?[row] ?? .nan
            return x.isNaN ? .missing : .number(x)
        case .date(let days):
            return days[row] == Column.dateNA ? .missing : .date(days[row])
        case .string:
            return c.text(at: row).map { .text($0) } ?? .missing
        }
    }
}
