#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Runtime

/// Evaluates expressions over a whole table at once: every operator is one loop over
/// contiguous arrays (vectorised), never a per-row walk of the tree.
struct Evaluator {
    let table: Table
    let lets: [String: Bound]
    let params: [String: Scalar]
    /// Days in a month (`set month`), for `12mo` and `1y` literals.
    let monthDays: Double
    /// Where notes go (the value an aggregate took); nil drops them.
    let notes: NoteSink?
    /// The rows being evaluated, for messages (`omd`).
    let scope: String
    /// Bound results, for `uni.terms["tki"].hr`.
    var results: [String: any Reportable] = [:]
    /// Names being evaluated, to report `let a = b; let b = a`.
    var evaluating: Set<String> = []
    /// Levels of expression being evaluated through `let` names right now: each expression
    /// is at most `Parser.maxDepth` deep, but a chain of lets stacks them, so the sum is bounded.
    var letDepth = 0
    /// The most levels a chain of `let`s may stack (four times the parser's limit).
    static let maxLetDepth = 4 * Parser.maxDepth
    /// Levels of `eval` on the stack now, and the backstop for threads with small stacks.
    var depth = 0
    var stack = StackGuard()
    /// Warnings met (e.g. a text literal that matches no row).
    var warnings: [LangError] = []

    var n: Int { table.rowCount }

    init(table: Table, lets: [String: Bound], params: [String: Scalar], monthDays: Double, notes: NoteSink? = nil, scope: String = "") {
        self.table = table; self.lets = lets; self.params = params; self.monthDays = monthDays
        self.notes = notes; self.scope = scope
    }

    func fail(_ message: String, _ e: Expr, _ source: SourceFile, hints: [String] = []) -> LangError {
        LangError(Diagnostic(.error, message, at: e.range, hints: hints), in: source)
    }

    // MARK: Entry points

    mutating func evaluate(_ b: Bound) throws -> Value { try eval(b.expr, b.source) }

    /// A condition for row stages: true/false/missing per row (missing = Column.boolNA).
    mutating func condition(_ e: Expr, _ src: SourceFile) throws -> [UInt8] {
        let v = try eval(e, src)
        return try booleans(v, e, src, what: "a condition")
    }

    mutating func numbers(_ e: Expr, _ src: SourceFile, what: String) throws -> [Double] {
        let v = try eval(e, src)
        return try numbers(v, e, src, what: what)
    }

    mutating func dates(_ e: Expr, _ src: SourceFile, what: String) throws -> [Int32] {
        let v = try eval(e, src)
        switch v {
        case .column(.date(let d)): return d
        case .scalar(.date(let d)): return [Int32](repeating: d, count: n)
        case .scalar(.missing): return [Int32](repeating: Column.dateNA, count: n)
        case .column(.string(let codes, let dict)) where codes.allSatisfy({ $0 == Column.stringNA }) && dict.isEmpty:
            return [Int32](repeating: Column.dateNA, count: n)  // an all-empty column reads as text
        default:
            throw fail("\(what) must be a date, but `\(src.slice(e.range))` is \(v.typeName)", e, src,
                       hints: ["dates are read from YYYY-MM-DD columns, or written as literals like 2021-06-30"])
        }
    }

    // MARK: Conversions

    func numbers(_ v: Value, _ e: Expr, _ src: SourceFile, what: String) throws -> [Double] {
        switch v {
        case .column(let c):
            switch c {
            case .double(let x): return x
            case .int, .bool: return c.doubles()!
            case .date, .string:
                throw fail("\(what) must be a number, but `\(src.slice(e.range))` is \(v.typeName)", e, src,
                           hints: c.kind == .string ? textHint(c) : ["subtract two dates to get days: `death_date - lart_date`"])
            }
        case .scalar(let s):
            return [Double](repeating: try number(s, e, src, what: what), count: n)
        }
    }

    /// A single value as a number (what `numbers` repeats for every row).
    func number(_ s: Scalar, _ e: Expr, _ src: SourceFile, what: String) throws -> Double {
        switch s {
        case .number(let x), .duration(let x): return x
        case .bool(let b): return b ? 1 : 0
        case .missing: return .nan
        case .text, .date:
            throw fail("\(what) must be a number, but `\(src.slice(e.range))` is \(s.typeName)", e, src)
        }
    }

    func textHint(_ c: Column) -> [String] {
        guard case .string(_, let dict) = c else { return [] }
        let shown = dict.sorted().prefix(6).map { "\"\($0)\"" }.joined(separator: ", ")
        return ["it holds text values (\(shown)\(dict.count > 6 ? ", ..." : "")); compare it with a string, e.g. `== \(dict.sorted().first.map { "\"\($0)\"" } ?? "\"...\"")`"]
    }

    func booleans(_ v: Value, _ e: Expr, _ src: SourceFile, what: String) throws -> [UInt8] {
        switch v {
        case .column(let c):
            if let b = c.booleans() { return b }
            var hint = [String]()
            if c.kind == .string { hint = textHint(c) } else if c.kind == .int || c.kind == .double { hint = ["only 0/1 columns act as yes/no; compare it, e.g. `\(src.slice(e.range)) > 0`"] }
            throw fail("\(what) must be true or false, but `\(src.slice(e.range))` is \(v.typeName)", e, src, hints: hint)
        case .scalar(let s):
            switch s {
            case .bool(let b): return [UInt8](repeating: b ? 1 : 0, count: n)
            case .missing: return [UInt8](repeating: Column.boolNA, count: n)
            case .number(let x) where x == 0 || x == 1: return [UInt8](repeating: UInt8(x), count: n)
            default: throw fail("\(what) must be true or false, but `\(src.slice(e.range))` is \(s.typeName)", e, src)
            }
        }
    }

    // MARK: Evaluation

    mutating func eval(_ e: Expr, _ src: SourceFile) throws -> Value {
        depth += 1
        defer { depth -= 1 }
        if depth >= 16, stack.exhausted() {
            throw fail("expression nested too deeply for this thread's stack (\(depth) levels)", e, src,
                       hints: ["split it into parts with `let` names"])
        }
        switch e.kind {
        case .number(let x): return .scalar(.number(x))
        case .string(let s): return .scalar(.text(s))
        case .bool(let b): return .scalar(.bool(b))
        case .date(let d): return .scalar(.date(d))
        case .duration(let v, let u): return .scalar(.duration(v * Evaluator.days(in: u, monthDays: monthDays)))
        case .name(let name): return try resolve(name, e, src)
        case .negate(let inner):
            let v = try eval(inner, src)
            if case .scalar(.number(let x)) = v { return .scalar(.number(-x)) }
            if case .scalar(.duration(let x)) = v { return .scalar(.duration(-x)) }
            return .column(.double(try numbers(v, inner, src, what: "the operand of `-`").map { -$0 }))
        case .not(let inner):
            let b = try booleans(try eval(inner, src), inner, src, what: "the operand of `not`")
            return .column(.bool(b.map { $0 == Column.boolNA ? $0 : 1 - $0 }))
        case .binary(let op, let l, let r):
            return try binary(op, l, r, e, src)
        case .inList(let x, let items, let negated):
            return try membership(x, items, negated, src)
        case .isMissing(let x, let negated):
            let v = try eval(x, src)
            switch v {
            case .scalar(let s):
                let m = { if case .missing = s { return true }; return false }()
                return .scalar(.bool(m != negated))
            case .column(let c):
                return .column(.bool((0..<n).map { c.isMissing($0) != negated ? 1 : 0 }))
            }
        case .call(let name, let args):
            return try call(name, args, e, src)
        case .list:
            throw fail("a list `[...]` is an argument (`cut(x, [1, 2, 3])`, `in [...]`), not a value", e, src)
        case .resultPart(let path):
            if results[path.result.text] is DeclaredResult { return .scalar(.missing) }  // `lart check`
            let (frame, row, column) = try Evaluator.locate(path, in: results, src)
            guard let row, let column else {
                throw fail("`\(src.slice(e.range))` is a table; in an expression name one cell, e.g. `\(path.result.text).\(path.part.text)[\"\(frame.keys.first ?? "key")\"].\(frame.table.names.dropFirst().first ?? "p")`", e, src)
            }
            return .scalar(Evaluator.cell(frame, row: row, column: column))
        }
    }

    static func days(in unit: DurationUnit, monthDays: Double) -> Double {
        switch unit {
        case .days: return 1
        case .weeks: return 7
        case .months: return monthDays
        case .years: return monthDays * 12
        }
    }

    mutating func resolve(_ name: String, _ e: Expr, _ src: SourceFile) throws -> Value {
        if let c = table[name] { return .column(c) }
        if let b = lets[name] {
            if evaluating.contains(name) {
                throw fail("`\(name)` is defined in terms of itself", e, src)
            }
            guard letDepth + b.expr.height <= Evaluator.maxLetDepth else {
                throw fail("`\(name)` is defined through `let`s nested too deeply (more than \(Evaluator.maxLetDepth) levels in all)", e, src,
                           hints: ["a chain of `let`s each using the one before stacks their expressions; compute fewer steps"])
            }
            evaluating.insert(name)
            letDepth += b.expr.height
            defer { evaluating.remove(name); letDepth -= b.expr.height }
            do {
                return try eval(b.expr, b.source)
            } catch let err as LangError where err.source.name != src.name || err.diagnostic.range != e.range {
                // Point at the use too: the error is inside the definition of `name`.
                var d = err.diagnostic
                d.hints.append("while evaluating `\(name)`, used at \(src.name):\(src.location(of: e.range.lowerBound).line)")
                throw LangError(d, in: err.source)
            }
        }
        if let p = params[name] { return .scalar(p) }
        let candidates = table.names + Array(lets.keys) + Array(params.keys)
        // R's constants, told in lart's words.
        let r: [String: String] = ["TRUE": "write `true`", "FALSE": "write `false`", "T": "write `true`", "F": "write `false` (or `\"F\"` for the text F)",
                                   "NA": "test for a missing value with `x is missing`; `coalesce(x, 0)` replaces one",
                                   "NULL": "test for a missing value with `x is missing`"]
        throw fail("unknown column `\(name)`", e, src, hints: r[name].map { [$0] } ?? Suggest.hint(for: name, among: candidates))
    }

    // MARK: Operators

    mutating func binary(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ e: Expr, _ src: SourceFile) throws -> Value {
        switch op {
        case .and, .or:
            let a = try booleans(try eval(l, src), l, src, what: "each side of `\(op.rawValue)`")
            let b = try booleans(try eval(r, src), r, src, what: "each side of `\(op.rawValue)`")
            var out = [UInt8](repeating: 0, count: n)
            // Three-valued logic as R: NA and FALSE = FALSE, NA or TRUE = TRUE.
            for i in 0..<n {
                let x = a[i], y = b[i]
                if op == .and {
                    out[i] = (x == 0 || y == 0) ? 0 : ((x == Column.boolNA || y == Column.boolNA) ? Column.boolNA : 1)
                } else {
                    out[i] = (x == 1 || y == 1) ? 1 : ((x == Column.boolNA || y == Column.boolNA) ? Column.boolNA : 0)
                }
            }
            return .column(.bool(out))
        case .add, .subtract, .multiply, .divide:
            return try arithmetic(op, l, r, src)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            return try compare(op, l, r, e, src)
        }
    }

    mutating func arithmetic(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ src: SourceFile) throws -> Value {
        let a = try eval(l, src), b = try eval(r, src)
        let aDate = a.typeName == "date", bDate = b.typeName == "date"
        // date - date = days; date +- number/duration = date (`EvaluatorDates.swift`).
        if aDate || bDate { return try dateArithmetic(op, a, b, l, r, src) }
        if case .scalar(let sa) = a, case .scalar(let sb) = b {
            let isDuration: Bool = { if case .duration = sa { return true }; if case .duration = sb { return true }; return false }()
            // Two single values give one, whatever the rows (none included).
            let x = try number(sa, l, src, what: "the left side of `\(op.rawValue)`")
            let y = try number(sb, r, src, what: "the right side of `\(op.rawValue)`")
            let v = Evaluator.apply(op, x, y)
            return .scalar(isDuration && (op == .add || op == .subtract) ? .duration(v) : .number(v))
        }
        let x = try numbers(a, l, src, what: "the left side of `\(op.rawValue)`")
        let y = try numbers(b, r, src, what: "the right side of `\(op.rawValue)`")
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = Evaluator.apply(op, x[i], y[i]) }
        return .column(.double(out))
    }

    static func apply(_ op: BinaryOperator, _ x: Double, _ y: Double) -> Double {
        switch op {
        case .add: return x + y
        case .subtract: return x - y
        case .multiply: return x * y
        case .divide: return x / y
        default: return .nan
        }
    }

    // MARK: Functions

    static let functions: [String: String] = [
        "first": "first(a, b, ...): the earliest (smallest) non-missing value per row",
        "last": "last(a, b, ...): the latest (largest) non-missing value per row",
        "log": "log(x): natural logarithm", "exp": "exp(x)", "sqrt": "sqrt(x)", "abs": "abs(x)",
        "round": "round(x, digits)", "floor": "floor(x)", "ceil": "ceil(x)",
        "eqd2": "eqd2(dose, fractions, ab: 10): equivalent dose in 2 Gy fractions",
        "bed": "bed(dose, fractions, ab: 10): biologically effective dose",
        "lart_dose": "lart_dose(dose, fractions): true when the course meets the LART dose criteria",
        "year": "year(date)", "days": "days(date - date) or days(duration)",
        "coalesce": "coalesce(a, b, ...): the first non-missing value per row (numbers, dates or text: `coalesce(site, \"unknown\")`)",
        "ifelse": "ifelse(condition, a, b): a where the condition holds, b where it does not (missing where it is missing)",
        "median": "median(x): the median of x over the rows it is evaluated on (missing values left out)",
        "mean": "mean(x): the mean of x over the rows (missing values left out)",
        "sd": "sd(x): the standard deviation (n - 1) of x over the rows",
        "quantile": "quantile(x, p): the p-quantile of x over the rows (R's type 7)",
        "min": "min(x): the smallest value of x over the rows", "max": "max(x): the largest value of x over the rows",
        "sum": "sum(x): the sum of x over the rows", "n": "n(): the number of rows",
        "date": "date(text, \"%d/%m/%Y\"): text read as dates in a format (%Y %m %d %b); a value that does not fit is missing, with a note",
        "cut": "cut(x, [b1, b2, ...], labels: [\"l1\", \"l2\", ...]): the bin of x, [b1, b2) -> l1, ..., [bk, inf) -> lk",
    ]

    mutating func call(_ name: String, _ args: [CallArgument], _ e: Expr, _ src: SourceFile) throws -> Value {
        func arity(_ k: ClosedRange<Int>) throws {
            guard k.contains(args.count) else {
                throw fail("`\(name)` takes \(k.lowerBound == k.upperBound ? "\(k.lowerBound)" : "\(k.lowerBound) to \(k.upperBound)") argument\(k.upperBound == 1 ? "" : "s"), got \(args.count)", e, src,
                           hints: Evaluator.functions[name].map { [$0] } ?? [])
            }
        }
        func labelled(_ label: String, default d: Double) throws -> Double {
            guard let a = args.first(where: { $0.label == label }) else { return d }
            let v = try eval(a.value, src)
            guard case .scalar(.number(let x)) = v else { throw fail("`\(label):` must be a number", a.value, src) }
            return x
        }
        let positional = args.filter { $0.label == nil }
        switch name {
        case "first", "last", "coalesce":
            guard !positional.isEmpty else { throw fail("`\(name)` needs at least one argument", e, src) }
            let values = try positional.map { try eval($0.value, src) }
            if name == "coalesce", values.contains(where: { $0.typeName == "text" }) {
                // Text: a label for the missing (`coalesce(site, "unknown")`).
                for (v, arg) in zip(values, positional) where v.typeName != "text" && v.typeName != "missing" {
                    let written = src.slice(arg.value.range)
                    throw fail("the values of `coalesce` are text when one is; `\(written)` is a \(v.typeName)", arg.value, src,
                               hints: v.typeName == "number" ? ["write it as text: `\"\(written)\"`"] : [])
                }
                return .column(Self.coalesceText(values, count: n))
            }
            if values.allSatisfy({ $0.typeName == "date" || $0.typeName == "missing" }) {
                let cols = try positional.map { try dates($0.value, src, what: "each argument of `\(name)`") }
                var out = [Int32](repeating: Column.dateNA, count: n)
                for i in 0..<n {
                    for c in cols where c[i] != Column.dateNA {
                        if out[i] == Column.dateNA { out[i] = c[i]; if name == "coalesce" { break } }
                        else if name == "first" { out[i] = min(out[i], c[i]) } else if name == "last" { out[i] = max(out[i], c[i]) }
                    }
                }
                return .column(.date(out))
            }
            let cols = try zip(values, positional).map { try numbers($0, $1.value, src, what: "each argument of `\(name)`") }
            var out = [Double](repeating: .nan, count: n)
            for i in 0..<n {
                for c in cols where !c[i].isNaN {
                    if out[i].isNaN { out[i] = c[i]; if name == "coalesce" { break } }
                    else if name == "first" { out[i] = min(out[i], c[i]) } else if name == "last" { out[i] = max(out[i], c[i]) }
                }
            }
            return .column(.double(out))
        case "log", "exp", "sqrt", "abs", "floor", "ceil":
            try arity(1...1)
            let x = try numbers(args[0].value, src, what: "the argument of `\(name)`")
            let f: (Double) -> Double = {
                switch name {
                case "log": return { Foundation_log($0) }
                case "exp": return { Foundation_exp($0) }
                case "sqrt": return { $0.squareRoot() }
                case "abs": return { Swift.abs($0) }
                case "floor": return { $0.rounded(.down) }
                default: return { $0.rounded(.up) }
                }
            }()
            let y = x.map(f)
            if name == "log" || name == "sqrt" {
                // R gives NaN with a warning ("NaNs produced"); here the rows are missing, and said so.
                let lost = zip(x, y).reduce(0) { $0 + (!$1.0.isNaN && $1.1.isNaN ? 1 : 0) }
                if lost > 0 {
                    let what = name == "log" ? "the logarithm of a negative number" : "the square root of a negative number"
                    notes?.add(LangError(Diagnostic(.note, "`\(src.slice(e.range))` is missing for \(lost) row\(lost == 1 ? "" : "s"): \(what) is not a number (R gives NaN with a warning)", at: e.range), in: src))
                }
            }
            return .column(.double(y))
        case "round":
            try arity(1...2)
            let x = try numbers(args[0].value, src, what: "the argument of `round`")
            // R's `round`: the digits to a whole number; past 15 decimals a double has nothing
            // left to round, and a value too large to scale stays as it is.
            let digits = (args.count > 1 ? try numbers(args[1].value, src, what: "the digits of `round`").first ?? 0 : 0).rounded()
            if digits > 15 { return .column(.double(x)) }
            if digits < -308 { return .column(.double(x.map { $0.isNaN ? $0 : 0 })) }
            let scale = Foundation_pow(10, digits)
            return .column(.double(x.map { v in
                let scaled = v * scale
                return scaled.isFinite ? scaled.rounded(.toNearestOrEven) / scale : v
            }))
        case "eqd2", "bed", "lart_dose":
            guard positional.count == 2 else {
                throw fail("`\(name)` takes the total dose and the number of fractions", e, src, hints: [Evaluator.functions[name]!])
            }
            let dose = try numbers(positional[0].value, src, what: "the dose of `\(name)`")
            let fx = try numbers(positional[1].value, src, what: "the fractions of `\(name)`")
            if name == "lart_dose" {
                return .column(.bool((0..<n).map { i in
                    Radiotherapy.meetsLARTCriteria(totalDose: dose[i], fractions: fx[i]).map { $0 ? 1 : 0 } ?? Column.boolNA
                }))
            }
            let ab = try labelled("ab", default: 10)
            // A course of no fractions (0 or fewer) has no dose per fraction: missing, and said so.
            let none = (0..<n).reduce(0) { $0 + (!dose[$1].isNaN && !fx[$1].isNaN && fx[$1] <= 0 ? 1 : 0) }
            if none > 0 {
                notes?.add(LangError(Diagnostic(.note, "`\(src.slice(e.range))` is missing for \(none) row\(none == 1 ? "" : "s") with 0 or fewer fractions (no dose per fraction)", at: e.range), in: src))
            }
            return .column(.double((0..<n).map { i in
                name == "eqd2" ? Radiotherapy.eqd2(totalDose: dose[i], fractions: fx[i], alphaBeta: ab)
                    : Radiotherapy.bed(totalDose: dose[i], fractions: fx[i], alphaBeta: ab)
            }))
        case "year":
            try arity(1...1)
            let d = try dates(args[0].value, src, what: "the argument of `year`")
            return .column(.double(d.map { $0 == Column.dateNA ? .nan : Double(CivilDate(days: $0).components.year) }))
        case "days":
            try arity(1...1)
            return .column(.double(try numbers(args[0].value, src, what: "the argument of `days`")))
        case "ifelse":
            try arity(3...3)
            let cond = try booleans(try eval(args[0].value, src), args[0].value, src, what: "the condition of `ifelse`")
            let a = try eval(args[1].value, src), b = try eval(args[2].value, src)
            if a.typeName == "date" || b.typeName == "date" {
                let x = try dates(args[1].value, src, what: "both values of `ifelse`"), y = try dates(args[2].value, src, what: "both values of `ifelse`")
                return .column(.date((0..<n).map { cond[$0] == Column.boolNA ? Column.dateNA : (cond[$0] == 1 ? x[$0] : y[$0]) }))
            }
            if a.typeName == "text" || b.typeName == "text" {
                for (v, arg) in [(a, args[1]), (b, args[2])] where v.typeName != "text" && v.typeName != "missing" {
                    let written = src.slice(arg.value.range)
                    throw fail("both values of `ifelse` are text when one is; `\(written)` is a \(v.typeName)", arg.value, src,
                               hints: v.typeName == "number" ? ["write it as text: `\"\(written)\"`"] : [])
                }
                return .column(Self.chooseText(cond, a, b, count: n))
            }
            let x = try numbers(a, args[1].value, src, what: "both values of `ifelse`"), y = try numbers(b, args[2].value, src, what: "both values of `ifelse`")
            return .column(.double((0..<n).map { cond[$0] == Column.boolNA ? .nan : (cond[$0] == 1 ? x[$0] : y[$0]) }))
        case "median", "mean", "sd", "quantile", "min", "max", "sum", "n":
            return try aggregate(name, args, e, src)
        case "cut":
            return try cut(args, e, src)
        case "date":
            return try date(args, e, src)
        case "factor", "each", "select", "terms":
            throw fail("`\(name)(...)` belongs in a model formula (after `~`)", e, src)
        case "strata" where args.count == 1:
            // R's formula special; in lart it is an option of the stage.
            let inner = src.slice(args[0].value.range)
            throw fail("`strata(...)` is R's formula notation; in lart stratify with the `strata` option after the formula", e, src,
                       hints: ["`cox pfs ~ tki strata \(inner)` (also `logrank ... strata \(inner)`)"])
        case "cluster":
            throw fail("`cluster(...)` is R's formula notation; in lart `robust` after the formula gives the robust variance, clustered by patient for (start, stop] endpoints", e, src,
                       hints: ["`cox pfs ~ tki robust`"])
        default:
            throw fail("unknown function `\(name)`", e, src,
                       hints: Suggest.hint(for: name, among: Array(Evaluator.functions.keys)) + ["functions: " + Evaluator.functions.keys.sorted().joined(separator: ", ")])
        }
    }
}

// libm names, so that the calls above are unambiguous.
@inline(__always) func Foundation_log(_ x: Double) -> Double { log(x) }
@inline(__always) func Foundation_exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func Foundation_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
