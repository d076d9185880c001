import Runtime

/// Inline results in a knitted document: `` `lart: cohort omd | km pfs at 12mo` `` and
/// `` `lart: uni.terms["tki"] | hr_ci` `` become text. The grammar (grammar.md, "Documents"):
///
///     inline    -> "lart:" statement ("|" formatter)?
///     statement -> a pipeline ("cohort" pipeline, "count" ..., a bare pipeline) or a part
///                  of a bound result (uni.terms["tki"].hr)
///     formatter -> "pct" INT? | "p" | "ci" INT? | "hr_ci" INT? | "n" | "num" INT?
///
/// A `|` segment that starts with a formatter's name ends the statement: no stage is called
/// `pct`, `p`, `ci`, `hr_ci`, `n` or `num`.
public enum InlineFormat: Sendable, Equatable {
    /// `pct 1`: a proportion as a percent with that many decimals (1 unless given).
    case percent(decimals: Int)
    /// `p`: a p-value as journals print it (`< 0.001`, `0.012`, `0.43`).
    case p
    /// `ci 2`: a row's interval, `lower-upper` (percents for survival rows).
    case ci(decimals: Int?)
    /// `hr_ci 2`: a row with hr, lower and upper as `0.47 (0.24-0.90)`.
    case hrCI(decimals: Int)
    /// `n`: an integer.
    case count
    /// `num 2`: fixed decimals (2 unless given).
    case fixed(decimals: Int)

    static let names = ["pct", "p", "ci", "hr_ci", "n", "num"]
}

/// An inline result as written: the statement's byte range and its formatter.
struct InlineSpec {
    var statement: Range<Int>
    var format: InlineFormat?
    var formatRange: Range<Int>?

    /// Splits `source` (an inline's text) into the statement and the formatter.
    static func parse(_ source: SourceFile) throws -> InlineSpec {
        let tokens = Lexer.tokenize(source).filter { t in
            if case .newline = t.kind { return false }
            return true
        }
        func fail(_ m: String, _ r: Range<Int>, hints: [String] = []) -> LangError {
            LangError(Diagnostic(.error, m, at: r, hints: hints), in: source)
        }
        var depth = 0
        var formatStart: Int? = nil
        for (i, t) in tokens.enumerated() {
            switch t.kind {
            case .leftParen, .leftBracket: depth += 1
            case .rightParen, .rightBracket: depth -= 1
            case .pipe where depth == 0:
                let next = tokens[min(i + 1, tokens.count - 1)]
                if next.isIdentifier, !next.quoted, InlineFormat.names.contains(next.text), Verb(rawValue: next.text) == nil {
                    formatStart = i
                }
            default: break
            }
            if formatStart != nil { break }
        }
        let end = tokens.last(where: { if case .eof = $0.kind { return false }; return true })?.range.upperBound ?? 0
        let first = tokens.first?.range.lowerBound ?? 0
        guard let formatStart else {
            guard end > first else { throw fail("an inline result needs a statement: `lart: count omd`", 0..<max(1, source.bytes.count)) }
            return InlineSpec(statement: first..<end, format: nil, formatRange: nil)
        }
        let statementEnd = formatStart > 0 ? tokens[formatStart - 1].range.upperBound : first
        guard statementEnd > first else { throw fail("an inline result needs a statement before the formatter", tokens[formatStart].range) }
        let word = tokens[formatStart + 1]
        var args = [Token]()
        var i = formatStart + 2
        while i < tokens.count {
            let t = tokens[i]
            if case .eof = t.kind { break }
            if case .pipe = t.kind {
                throw fail("one formatter per inline result", t.range, hints: ["formatters: " + InlineFormat.names.joined(separator: ", ")])
            }
            args.append(t)
            i += 1
        }
        let range = word.range.lowerBound..<(args.last?.range.upperBound ?? word.range.upperBound)
        func integer(_ default: Int?) throws -> Int? {
            guard let a = args.first else { return `default` }
            guard args.count == 1, case .number(let x) = a.kind, x == x.rounded(), x >= 0, x <= 10 else {
                throw fail("`\(word.text)` takes a number of decimals from 0 to 10: `\(word.text) 1`", args.first?.range ?? word.range)
            }
            return Int(x)
        }
        func none() throws {
            if let a = args.first { throw fail("`\(word.text)` takes no argument", a.range) }
        }
        let format: InlineFormat
        switch word.text {
        case "pct": format = .percent(decimals: try integer(1) ?? 1)
        case "p": try none(); format = .p
        case "ci": format = .ci(decimals: try integer(nil))
        case "hr_ci": format = .hrCI(decimals: try integer(2) ?? 2)
        case "n": try none(); format = .count
        default: format = .fixed(decimals: try integer(2) ?? 2)
        }
        return InlineSpec(statement: first..<statementEnd, format: format, formatRange: range)
    }
}

/// What an inline statement gave: a number (a cell, a count, a p-value), text, or one row of
/// a result's part.
enum InlineValue {
    case number(Double, column: String?)
    case text(String)
    /// `unit`: the time unit of a median's row ("months"), when known.
    case row(ResultFrame, Int, unit: String?)
}

extension Interpreter {
    /// The text of an inline result: runs the statement (a pipeline or a part of a bound
    /// result), takes its headline value and formats it. Notes and warnings go to `warnings`.
    /// `source` holds the inline's text after "lart:", preceded by whitespace that puts it on
    /// its line and column of the document.
    func inlineText(_ source: SourceFile, warnings: inout [LangError]) throws -> String {
        let spec = try InlineSpec.parse(source)
        // The statement alone, at the same byte offsets (what comes before it is the padding
        // that puts it on its line and column of the document), so diagnostics point into it.
        let src = SourceFile(name: source.name, text: source.slice(0..<spec.statement.upperBound))
        let (statements, diagnostics) = Parser.parse(src)
        if let d = diagnostics.first { throw LangError(d, in: src) }
        guard statements.count == 1, let s = statements.first else {
            throw fail("an inline result is one statement", spec.statement, src)
        }
        let value: InlineValue
        switch s.kind {
        case .run(let p):
            if let out = p.stages.first(where: { $0.verb.kind == .output }) {
                throw fail("an inline result writes no file: put `\(out.verb.rawValue)` in a block", out.verbRange, src)
            }
            var scratch = RunReport()
            defer { for item in scratch.items { if case .warning(let w) = item { warnings.append(w) } } }
            let last = try runPipeline(p, s, src, into: &scratch)
            guard let last else { throw fail("the statement gave no result", s.range, src) }
            value = try headline(last.result, s.range, src)
            // The result's warnings (a time after the last follow-up, ...) are among its
            // notes in a block; the sentence shows one number, so they go to standard error.
            for w in last.result.warnings { warnings.append(LangError(Diagnostic(.warning, w, at: s.range), in: src)) }
        case .show(let e):
            let part = try showPart(e, src)
            if let row = part.row, let column = part.column {
                switch Evaluator.cell(part.frame, row: row, column: column) {
                case .number(let x), .duration(let x): value = .number(x, column: column)
                case .text(let t): value = .text(t)
                case .bool(let b): value = .text(b ? "yes" : "no")
                case .date(let d): value = .text(CivilDate(days: d).description)
                case .missing: value = .text("NA")
                }
            } else if let row = part.row {
                value = .row(part.frame, row, unit: timeUnit(of: e))
            } else if part.frame.rowCount == 1 {
                value = .row(part.frame, 0, unit: timeUnit(of: e))
            } else {
                throw fail("`\(src.slice(e.range))` has \(part.frame.rowCount) rows; name one: `\(src.slice(e.range))[\"\(part.frame.keys.first ?? "key")\"]`",
                           e.range, src, hints: ["rows: " + part.frame.keys.map { "\"\($0)\"" }.joined(separator: ", ")])
            }
        case .use, .param, .let, .endpoint, .cohort, .set, .terms, .levels, .label, .bind, .table1, .table2, .why:
            throw fail("an inline result computes a value (a pipeline or a part of a bound result); definitions and tables go in a block",
                       s.range, src)
        }
        for note in notes.drain() { warnings.append(note) }
        return try InlineFormatter.text(value, spec.format, at: spec.formatRange ?? spec.statement, src)
    }

    /// The time unit of the result a part belongs to (`km_pfs.median["omd"]`: months).
    func timeUnit(of e: Expr) -> String? {
        guard case .resultPart(let path) = e.kind, let r = env.results[path.result.text]?.result else { return nil }
        if let km = r as? KaplanMeierResult { return km.timeUnit }
        return nil
    }

    /// The one value a result stands for in a sentence.
    func headline(_ r: any Reportable, _ range: Range<Int>, _ src: SourceFile) throws -> InlineValue {
        func single(_ frame: ResultFrame?, what: String, unit: String? = nil) throws -> InlineValue {
            guard let frame else { throw fail("this \(what) has no value to put in the text", range, src) }
            guard frame.rowCount == 1 else {
                throw fail("this \(what) has \(frame.rowCount) rows (\(frame.keys.joined(separator: ", "))); an inline result is one value",
                           range, src, hints: ["bind it in a block (`let r = ...`) and name a row: `r.\(frame.name)[\"\(frame.keys.first ?? "")\"]`"])
            }
            return .row(frame, 0, unit: unit)
        }
        if let km = r as? KaplanMeierResult {
            return try single(km.frame(km.options.times.isEmpty ? "median" : "at"), what: "Kaplan-Meier estimate", unit: km.timeUnit)
        }
        if let lr = r as? LogRankResult { return .number(lr.p, column: "p") }
        if let count = r as? CountResult {
            guard count.groups.isEmpty else {
                throw fail("a count by group has \(count.groups.count) values; an inline result is one value", range, src,
                           hints: ["count one group: `count omd where tki`"])
            }
            return .number(Double(count.total), column: "n")
        }
        if let cox = r as? CoxResult { return try single(cox.frame("terms"), what: "Cox model") }
        if let screen = r as? CoxScreenResult { return try single(screen.frame("terms"), what: "Cox screen") }
        if let ci = r as? CumulativeIncidenceResult { return try single(ci.frame("at"), what: "cumulative incidence") }
        if let f = r as? FollowUpResult {
            // The median follow-up (reverse Kaplan-Meier) with its interval.
            let frame = ResultFrame(name: "followup", keyColumn: "what", names: ["what", "median", "lower", "upper"],
                                    columns: [Column.fromStrings(["median follow-up"]), .double([f.reverseMedian ?? .nan]),
                                              .double([f.reverseLower ?? .nan]), .double([f.reverseUpper ?? .nan])])
            return .row(frame, 0, unit: f.timeUnit)
        }
        if let summary = r as? DescriptiveSummary {
            // One variable (in one group): its row.
            let frames = summary.frameNames.compactMap { summary.frame($0) }
            if frames.count == 1, frames[0].rowCount == 1 { return .row(frames[0], 0, unit: nil) }
            let keys = frames.flatMap { f in f.keys.map { "\(f.name)[\"\($0)\"]" } }
            throw fail("this summary has \(keys.count) rows; an inline result is one value", range, src,
                       hints: ["bind it in a block (`let s = cohort ... | summary ...`) and name a row: " + keys.prefix(4).map { "`s.\($0)`" }.joined(separator: ", ")])
        }
        throw fail("a `\(r.kind)` result has no single value to put in the text", range, src,
                   hints: ["inline results: km at one time, a median, a count, a log-rank p, a Cox model with one term, a summary of one variable, or a cell (`uni.terms[\"tki\"].hr`)"])
    }
}

/// Inline values as text: each kind has a default (the headline a paper prints), and a
/// formatter overrides it.
enum InlineFormatter {
    static func text(_ value: InlineValue, _ format: InlineFormat?, at range: Range<Int>, _ src: SourceFile) throws -> String {
        func fail(_ m: String) -> LangError { LangError(Diagnostic(.error, m, at: range), in: src) }
        switch value {
        case .text(let t):
            guard format == nil else { throw fail("`\(t)` is text; formatters apply to numbers") }
            return t
        case .number(let x, let column):
            guard let format else { return defaultNumber(x, column: column) }
            // A count is not a proportion (`count omd | pct` printed "7200.0%").
            if case .percent = format, let column, ["n", "events", "missing"].contains(column) {
                throw fail("`pct` writes a proportion as a percent, but `\(column)` is a count; use `n`")
            }
            // Nor is a median, a mean or a quartile (of ages, of months).
            if case .percent = format, let column, ["median", "mean", "sd", "q1", "q3", "min", "max"].contains(column) {
                throw fail("`pct` writes a proportion as a percent, but `\(column)` is a value of the variable; use `num 1`")
            }
            return try number(x, format, fail)
        case .row(let frame, let i, let unit):
            func cell(_ name: String) -> Double? {
                guard let c = frame.table[name], let xs = c.doubles() else { return nil }
                let x = xs[i]
                return x.isNaN ? nil : x
            }
            let has = Set(frame.table.names)
            let isSurvival = has.contains("survival")
            let primary = ["survival", "estimate", "hr", "median", "proportion", "p", "n"].first { has.contains($0) }
            // A summary's row of dates: `2017-02-03 (IQR 2016-01-24 to 2019-02-24)`.
            if case .date(let days)? = frame.table["median"] {
                guard format == nil else { throw fail("a row of dates takes no formatter; name a column (`.median`) for one date") }
                func day(_ name: String) -> String {
                    guard case .date(let d)? = frame.table[name], d[i] != Column.dateNA else { return "NA" }
                    return CivilDate(days: d[i]).description
                }
                guard days[i] != Column.dateNA else { return "NA" }
                return day("median") + " (IQR " + day("q1") + " to " + day("q3") + ")"
            }
            guard let format else {
                if has.contains("hr"), let hr = cell("hr"), let lo = cell("lower"), let hi = cell("upper") {
                    return "HR " + Format.estimate(hr, digits: 2) + " (95% CI " + Format.ci(lo, hi, digits: 2) + ")"
                }
                if isSurvival, let s = cell("survival") {
                    guard let lo = cell("lower"), let hi = cell("upper") else { return Format.percent(s, digits: 1) }
                    return Format.percent(s, digits: 1) + " (95% CI " + percentRange(lo, hi, 1) + ")"
                }
                if has.contains("q1") {
                    // A summary's row of numbers: its median and quartiles, `64.0 (IQR 57.0-71.0)`.
                    guard let m = cell("median"), let q1 = cell("q1"), let q3 = cell("q3") else { return "NA" }
                    return Format.fixed(m, decimals: 1) + " (IQR " + Format.ci(q1, q3, digits: 1) + ")"
                }
                if has.contains("proportion"), let n = cell("n") {
                    // A summary's level: `54 (35.1%)`.
                    return try number(n, .count, fail) + (cell("proportion").map { " (" + Format.percent($0, digits: 1) + ")" } ?? "")
                }
                if has.contains("median") {
                    // "11.6 months (95% CI 7.2-31.8)"; an upper limit never reached is said so.
                    guard let m = cell("median") else { return "not reached" }
                    let estimate = Format.fixed(m, decimals: 1) + (unit.map { $0.isEmpty ? "" : " " + $0 } ?? "")
                    let lo = cell("lower").map { Format.fixed($0, decimals: 1) } ?? "NA"
                    guard let hi = cell("upper") else { return estimate + " (95% CI " + lo + " to not reached)" }
                    return estimate + " (95% CI " + lo + "-" + Format.fixed(hi, decimals: 1) + ")"
                }
                if has.contains("estimate"), let e = cell("estimate") { return Format.percent(e, digits: 1) }
                throw fail("a row of `\(frame.name)` has several values; name a column (`.hr`) or give a formatter (`| hr_ci`)")
            }
            switch format {
            case .ci(let d):
                guard let lo = cell("lower"), let hi = cell("upper") else { throw fail("`ci` needs a row with `lower` and `upper`") }
                return isSurvival ? percentRange(lo, hi, d ?? 1) : Format.ci(lo, hi, digits: d ?? 2)
            case .hrCI(let d):
                guard let hr = cell("hr"), let lo = cell("lower"), let hi = cell("upper") else {
                    throw fail("`hr_ci` needs a row with `hr`, `lower` and `upper` (a Cox model's term)")
                }
                return Format.hrCI(hr, lo, hi, digits: d)
            case .p:
                guard let p = cell("p") else { throw fail("`p` needs a row with a `p` column") }
                return Format.pValue(p, style: .journal)
            case .count:
                guard let n = cell("n") else { throw fail("`n` needs a row with an `n` column") }
                return try number(n, .count, fail)
            case .percent, .fixed:
                // A summary's median is a value of the variable, not a proportion (`pct` made 61.5 "6150.0%").
                if case .percent = format, has.contains("q1") {
                    throw fail("`pct` writes a proportion as a percent, but this row's value is a median; use `num 1`")
                }
                guard let primary, let x = cell(primary) else { throw fail("this row has no value for `\(formatName(format))`") }
                return try number(x, format, fail)
            }
        }
    }

    static func formatName(_ f: InlineFormat) -> String {
        switch f {
        case .percent: "pct"
        case .p: "p"
        case .ci: "ci"
        case .hrCI: "hr_ci"
        case .count: "n"
        case .fixed: "num"
        }
    }

    static func number(_ x: Double, _ format: InlineFormat, _ fail: (String) -> LangError) throws -> String {
        switch format {
        case .percent(let d): return Format.percent(x, digits: d)
        case .p:
            // A p-value is a probability: `count omd | p` printed "> 0.99" for 72 patients.
            guard x.isNaN || (x >= 0 && x <= 1 + 1e-9) else {
                throw fail("`p` writes a p-value, from 0 to 1, but this value is \(formatNumber(x)); use `n` or `num`")
            }
            return Format.pValue(x, style: .journal)
        case .count:
            guard x.isFinite else { return "NA" }
            // Past 64-bit integers (a count is never that large, but a value can be): in full.
            guard let whole = Int(exactly: x.rounded()) else { return Format.fixed(x, decimals: 0) }
            return String(whole)
        case .fixed(let d): return Format.fixed(x, decimals: d)
        case .ci, .hrCI: throw fail("`\(formatName(format))` applies to a row (`uni.terms[\"tki\"]`), not to one number")
        }
    }

    /// A cell without a formatter: p-values as journals print them, counts as integers,
    /// hazard ratios with 2 decimals, other numbers with 3 significant digits.
    static func defaultNumber(_ x: Double, column: String?) -> String {
        if x.isNaN { return "NA" }
        switch column ?? "" {
        case "p", "p_wald", "p_lr", "p_score": return Format.pValue(x, style: .journal)
        case "hr", "lower", "upper": return Format.estimate(x, digits: 2)
        default:
            if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
            return Format.significantPlain(x, digits: 3)
        }
    }

    /// `37.2-65.3%`.
    static func percentRange(_ lo: Double, _ hi: Double, _ d: Int) -> String {
        Format.fixed(lo * 100, decimals: d) + "-" + Format.fixed(hi * 100, decimals: d) + "%"
    }
}
