import Testing
@testable import Lang

struct ParserTests {
    func parse(_ text: String) -> ([Statement], [Diagnostic]) {
        Parser.parse(SourceFile(name: "t", text: text))
    }

    func expr(_ text: String) throws -> String {
        let (stmts, diags) = parse("let x = " + text)
        try #require(diags.isEmpty, "\(diags.map(\.message))")
        guard case .let(_, let e) = stmts[0].kind else { return "" }
        return render(e)
    }

    /// Fully parenthesised rendering, to check precedence and associativity.
    func render(_ e: Expr) -> String {
        switch e.kind {
        case .number(let x): return x == x.rounded() ? String(Int(x)) : String(x)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return String(b)
        case .date(let d): return "date(\(d))"
        case .duration(let v, let u): return "\(Int(v))\(u.rawValue)"
        case .name(let n): return n
        case .negate(let x): return "(-\(render(x)))"
        case .not(let x): return "(not \(render(x)))"
        case .binary(let op, let l, let r): return "(\(render(l)) \(op.rawValue) \(render(r)))"
        case .call(let f, let args): return "\(f)(" + args.map { ($0.label.map { $0 + ": " } ?? "") + render($0.value) }.joined(separator: ", ") + ")"
        case .inList(let x, let items, let neg): return "(\(render(x)) \(neg ? "not in" : "in") [\(items.map(render).joined(separator: ", "))])"
        case .isMissing(let x, let neg): return "(\(render(x)) is \(neg ? "not " : "")missing)"
        case .list(let items): return "[\(items.map(render).joined(separator: ", "))]"
        case .resultPart(let p): return "\(p.result.text).\(p.part.text)" + (p.key.map { "[\"\($0)\"]" } ?? "") + (p.column.map { ".\($0.text)" } ?? "")
        }
    }

    @Test func resultParts() throws {
        #expect(try expr("uni.terms[\"tki\"].hr < 0.5") == "(uni.terms[\"tki\"].hr < 0.5)")
        let (stmts, diags) = parse("uni.terms")
        #expect(diags.isEmpty)
        guard case .show = stmts.first?.kind else { Issue.record("not a show statement"); return }
    }

    @Test func precedence() throws {
        #expect(try expr("a + b * c") == "(a + (b * c))")
        #expect(try expr("a - b - c") == "((a - b) - c)")
        #expect(try expr("a > 1 and b < 2 or c") == "(((a > 1) and (b < 2)) or c)")
        #expect(try expr("not a and b") == "((not a) and b)")
        #expect(try expr("not x == 1") == "(not (x == 1))")
        #expect(try expr("-a * 2") == "((-a) * 2)")
        #expect(try expr("x in [1, 2] and y is not missing") == "((x in [1, 2]) and (y is not missing))")
        #expect(try expr("eqd2(d, n, ab: 3) >= 43.9") == "(eqd2(d, n, ab: 3) >= 43.9)")
    }

    @Test func contextualKeywordsAsColumns() throws {
        let (stmts, diags) = parse("endpoint death = time time event status == 2 unit days")
        #expect(diags.isEmpty)
        guard case .endpoint(let n, .numeric(let t, let e, nil, let u)) = stmts[0].kind else { Issue.record("not a numeric endpoint"); return }
        #expect(n.text == "death")
        #expect(render(t) == "time")
        #expect(render(e) == "(status == 2)")
        #expect(u?.text == "days")
    }

    @Test func pipelineContinuationLines() {
        let (stmts, diags) = parse("cohort e = r\n  | require a == 1 \"why\"\n  | exclude b > 3\ncount e\n")
        #expect(diags.isEmpty)
        #expect(stmts.count == 2)
        guard case .cohort(_, let p) = stmts[0].kind else { Issue.record("not a cohort"); return }
        #expect(p.stages.map(\.verb) == [.require, .exclude])
        #expect(p.stages[0].label == "why")
    }

    @Test func stageOptionsInAnyOrder() {
        let (stmts, diags) = parse("cohort omd | km pfs ci log-log at 6mo, 12mo by tki")
        #expect(diags.isEmpty)
        guard case .run(let p) = stmts[0].kind else { Issue.record("not a run"); return }
        let km = p.stages[0]
        #expect(km.option(.ci)?.word?.text == "log-log")
        #expect(km.option(.at)?.values.count == 2)
        #expect(km.option(.by) != nil)
    }

    @Test func formulas() {
        let (stmts, diags) = parse("cohort all | cox death ~ factor(trt) * log(bili) + age >= 60 strata edema")
        #expect(diags.isEmpty)
        guard case .run(let p) = stmts[0].kind, let f = p.stages[0].formula else { Issue.record("no formula"); return }
        #expect(f.terms.count == 2)
        #expect(f.terms[0].crossed)
        #expect(render(f.terms[1].parts[0]) == "(age >= 60)")
        #expect(p.stages[0].option(.strata) != nil)
        let (each, d2) = parse("cohort all | cox os ~ each(sex, age >= 60, egfr)")
        #expect(d2.isEmpty)
        guard case .run(let p2) = each[0].kind else { return }
        #expect(p2.stages[0].formula?.each == true)
        #expect(p2.stages[0].formula?.terms.count == 3)
    }

    @Test func recoversAndReportsEveryStatement() {
        let (stmts, diags) = parse("let a = (1 +\nlet b = 2\nlet c = = 3\nlet d = 4")
        #expect(stmts.count == 2)
        #expect(diags.count == 2)
    }

    @Test func errorsSayWhatWasExpected() {
        let (_, d) = parse("cohort omd | km")
        #expect(d.first?.message.contains("expected an endpoint name after `km`") == true)
        let (_, d2) = parse("cohort omd | km pfs bye tki")
        #expect(d2.first?.message == "`bye` is not an option of `km`")
        #expect(d2.first?.hints.first == "did you mean `by`?")
        let (_, d3) = parse("cohort omd | kmm pfs")
        #expect(d3.first?.message == "unknown stage `kmm`")
        let (_, d4) = parse("let x = histology = \"a\"")
        #expect(d4.first?.message.contains("write `==` to compare") == true)
        let (_, d5) = parse("let x = f(a, b")
        #expect(d5.first?.message.contains("to close `f(`") == true)
    }

    @Test func completeness() {
        #expect(Interpreter.isComplete("cohort omd | km pfs"))
        #expect(!Interpreter.isComplete("cohort omd |"))
        #expect(!Interpreter.isComplete("let x = f(a,"))
        #expect(!Interpreter.isComplete("let x = a and"))
        #expect(Interpreter.isComplete(""))
    }
}
