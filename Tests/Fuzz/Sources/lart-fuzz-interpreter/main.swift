import Lang
import Runtime
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

// The interpreter on grammar-aware statements over the bundled registry: the input bytes
// choose productions of lart's grammar (stages, options, expressions, formulas), the
// statements run in a fresh session after a fixed prelude, and the report is printed in
// every output format. Errors are fine; crashes, hangs and NaN printed as a number are not.

typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: TestOneInput) -> Int32

/// Choices read from the input; zeros once it runs out, so every input is a program.
struct Choices {
    let bytes: [UInt8]
    var at = 0
    mutating func next(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        defer { at += 1 }
        return at < bytes.count ? Int(bytes[at]) % n : 0
    }
    mutating func pick<T>(_ xs: [T]) -> T { xs[next(xs.count)] }
    mutating func chance(_ inEight: Int) -> Bool { next(8) < inEight }
    var done: Bool { at >= bytes.count }
}

let registry: String = {
    let here = #filePath  // Tests/Fuzz/Sources/lart-fuzz-interpreter/main.swift
    var parts = here.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(5)
    return parts.joined(separator: "/") + "/examples/data/lart_registry.csv"
}()

let prelude = """
    use "\(registry)" as registry
    let tki = first_line == "tki"
    let all_sites_rt = lesions_treated >= mets_at_dx
    endpoint pfs = from lart_date to first(progression_date, death_date) censor last_contact_date
    endpoint os = from lart_date to death_date censor last_contact_date
    endpoint lf = from lart_date to local_failure_date compete death_date censor last_contact_date
    endpoint num = time age event sex == "F" unit days
    cohort omd = registry where disease_state == "synchronous_oligometastasis"
    cohort opd = registry where disease_state == "repeat_oligoprogression"

    """

let numbers = ["age", "mets_at_dx", "rt_dose_gy", "rt_fractions", "lesions_treated", "line_at_lart", "progressing_sites"]
let texts = ["sex", "histology", "egfr", "first_line", "stage", "t_category", "disease_state", "rt_technique"]
let dates = ["lart_date", "death_date", "progression_date", "last_contact_date", "diagnosis_date"]
let bools = ["tki", "all_sites_rt", "rt_bone", "rt_lung", "systemic_at_lart", "brain_mets_uncontrolled"]
let literals = ["0", "1", "-1", "3", "60", "0.5", "1e308", "1e-308", "12mo", "1y", "10y", "365d", "0d", "6w",
                "\"F\"", "\"tki\"", "\"\"", "\"adenocarcinoma\"", "2015-01-01", "true", "false"]
let endpoints = ["pfs", "os", "lf", "num", "tki", "nope"]
let sources = ["registry", "omd", "opd", "omd + opd", "registry + omd", "kept"]

struct Generator {
    var c: Choices

    mutating func expr(_ depth: Int) -> String {
        if depth <= 0 { return atom() }
        switch c.next(12) {
        case 0, 1, 2: return atom()
        case 3: return "\(expr(depth - 1)) \(c.pick(["+", "-", "*", "/"])) \(expr(depth - 1))"
        case 4: return "\(expr(depth - 1)) \(c.pick(["==", "!=", "<", "<=", ">", ">="])) \(expr(depth - 1))"
        case 5: return "\(expr(depth - 1)) \(c.pick(["and", "or"])) \(expr(depth - 1))"
        case 6: return c.pick(["not ", "-"]) + expr(depth - 1)
        case 7: return "(\(expr(depth - 1)))"
        case 8: return "\(atom()) \(c.pick(["in", "not in"])) [\(expr(0)), \(expr(0))]"
        case 9: return "\(atom()) is \(c.pick(["", "not "]))missing"
        case 10:
            let f = c.pick(["first", "last", "coalesce", "ifelse", "log", "exp", "sqrt", "abs", "round", "floor", "ceil",
                            "year", "days", "eqd2", "bed", "lart_dose", "median", "mean", "sd", "min", "max", "sum", "quantile"])
            let n = c.next(4)
            return "\(f)(" + (0..<n).map { _ in expr(depth - 1) }.joined(separator: ", ") + ")"
        default:
            return "cut(\(c.pick(numbers)), [\(c.pick(["0, 50, 70", "1, 2", "", "3, 1"]))]\(c.chance(4) ? ", labels: [\"a\", \"b\"]" : ""))"
        }
    }

    mutating func atom() -> String {
        switch c.next(5) {
        case 0: return c.pick(numbers)
        case 1: return c.pick(texts)
        case 2: return c.pick(dates)
        case 3: return c.pick(bools)
        default: return c.pick(literals)
        }
    }

    mutating func group() -> String {
        c.pick(["tki", "sex", "cohort", "egfr", "age >= 60", "cut(age, [50, 70])", "factor(mets_at_dx)", "histology", "nope"])
    }

    mutating func times() -> String {
        (0...c.next(3)).map { _ in c.pick(["6mo", "12mo", "1y", "3y", "10y", "100y", "0", "-1", "24", "0d"]) }.joined(separator: ", ")
    }

    mutating func term() -> String {
        switch c.next(6) {
        case 0: return c.pick(numbers)
        case 1: return c.pick(texts)
        case 2: return c.pick(bools)
        case 3: return "factor(\(c.pick(numbers + texts)))"
        case 4: return "\(c.pick(bools)):\(c.pick(numbers))"
        default: return "(\(expr(1)))"
        }
    }

    mutating func formula() -> String {
        if c.chance(2) { return "each(" + (0...c.next(3)).map { _ in term() }.joined(separator: ", ") + ")" }
        return (0...c.next(3)).map { _ in term() }.joined(separator: c.pick([" + ", " * "]))
    }

    mutating func stage(after previous: String) -> String {
        let ep = c.pick(endpoints)
        switch c.next(16) {
        case 0: return "km \(ep)" + (c.chance(4) ? " by \(group())" : "") + (c.chance(4) ? " at \(times())" : "") + (c.chance(2) ? " ci \(c.pick(["log", "log-log", "plain"]))" : "")
        case 1: return "logrank \(ep)" + (c.chance(6) ? " by \(group())" : "") + (c.chance(2) ? " rho \(c.pick(["0", "1", "0.5"]))" : "") + (c.chance(2) ? " strata \(group())" : "") + (c.chance(1) ? " trend" : "")
        case 2: return "cox \(ep) ~ \(formula())" + (c.chance(2) ? " ties \(c.pick(["efron", "breslow", "exact"]))" : "") + (c.chance(2) ? " strata \(group())" : "")
        case 3: return "zph"
        case 4: return "cuminc \(c.pick(["lf", "os", "pfs"]))" + (c.chance(4) ? " by \(group())" : "") + (c.chance(4) ? " at \(times())" : "")
        case 5: return "gray"
        case 6: return "finegray \(c.pick(["lf", "os"])) ~ \(formula())"
        case 7: return "followup \(ep)"
        case 8: return "count" + (c.chance(3) ? " by \(group())" : "")
        case 9: return "flow"
        case 10: return "list limit \(c.pick(["0", "1", "5", "1000"]))"
        case 11: return "summary \(expr(1))" + (c.chance(3) ? ", \(expr(1))" : "") + (c.chance(3) ? " by \(group())" : "")
        case 12: return "where \(expr(2))"
        case 13: return "\(c.pick(["require", "exclude"])) \(expr(2)) \"reason\""
        case 14: return "export \"/tmp/lart-fuzz-out.\(c.pick(["csv", "md", "json", "txt", "xlsx"]))\""
        default: return "plot \"/tmp/lart-fuzz-out.svg\""
        }
    }

    mutating func statement() -> String {
        switch c.next(8) {
        case 0: return "let \(c.pick(["x", "y", "tki", "age"])) = \(expr(3))"
        case 1: return "cohort kept = \(c.pick(["registry", "omd", "opd"])) where \(expr(2))" + (c.chance(3) ? " | exclude \(expr(1)) \"r\"" : "")
        case 2: return "table1 \(c.pick(["omd", "registry"])) vs \(c.pick(["opd", "omd"])): \(c.pick(texts)), \(c.pick(numbers)), \(c.pick(["factor(mets_at_dx)", "median(age)", "fisher(sex)", "multi(rt_bone, rt_lung)"]))"
        case 3: return "set \(c.pick(["month = 30d", "unit days", "unit years", "ci plain", "ties breslow", "conventions spss", "month = 0d"]))"
        case 4: return "\(c.pick(["flow", "count"])) \(c.pick(sources))"
        default:
            var s = "cohort \(c.pick(sources))" + (c.chance(2) ? " where \(expr(2))" : "")
            var previous = ""
            for _ in 0...c.next(4) {
                let st = stage(after: previous)
                s += " | " + st
                previous = st
            }
            return s
        }
    }
}

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    var g = Generator(c: Choices(bytes: bytes))
    var script = prelude
    for _ in 0..<4 where !g.c.done { script += g.statement() + "\n" }
    // LART_FUZZ_PRINT=1 shows the script an input stands for (to turn a crash into a test).
    if getenv("LART_FUZZ_PRINT") != nil { fputs(script, stderr) }
    let session = Interpreter(baseDirectory: "/tmp")
    let report = session.run(script, file: "fuzz.lart")
    for format in [OutputFormat.text, .json, .csv, .markdown] {
        let (out, _) = ReportPrinter(format: format).output(report, file: "fuzz.lart")
        if format == .text, out.contains(" nan") || out.contains("inf ") {
            fatalError("a NaN or infinity printed as a number:\n\(script)\n\(out)")
        }
    }
    return 0
}

@_cdecl("lart_fuzz_interpreter_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) }
}
