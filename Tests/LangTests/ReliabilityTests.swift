import Foundation
import Testing
@testable import Lang
import Runtime

/// Limits instead of crashes, escaped control characters, misspelt statement words.
struct ReliabilityTests {
    static let registry = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/lart/lart_registry.csv").path

    func diagnostics(_ text: String) -> [Diagnostic] { Parser.parse(SourceFile(name: "t", text: text)).diagnostics }

    /// Runs `body` on a thread with a small stack (as Swift concurrency's pool threads have),
    /// so a walk that recurses too deeply crashes here rather than passing on the main thread.
    func onSmallStack(_ kib: Int = 512, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let t = Thread { body(); done.signal() }
        t.stackSize = kib * 1024
        t.start()
        done.wait()
    }

    @Test(arguments: ["(", "not ", "-", "+"])
    func deepNestingIsAnErrorNotACrash(_ opener: String) {
        let closer = opener == "(" ? ")" : ""
        let text = "let x = " + String(repeating: opener, count: 5000) + "1" + String(repeating: closer, count: 5000) + "\nlet y = 2\n"
        let d = diagnostics(text)
        #expect(d.count == 1 || opener == "+")  // `+1` is not a prefix: a different error
        #expect(d.first?.message.contains(opener == "+" ? "expected a value" : "nested too deeply") == true)
    }

    /// At the REPL, a statement's warnings before its error come with that error, not with the
    /// next statement (a cohort whose text value no row has, then `median` of no rows).
    @Test func warningsOfAFailedStatementComeWithItsError() {
        func warnings(_ r: RunReport) -> [String] {
            r.items.compactMap { if case .warning(let w) = $0 { return w.description }; return nil }
        }
        let session = Interpreter()
        _ = session.run("use \"\(Self.registry)\" as registry")
        let failed = session.run("cohort a = registry where histology == \"adenoo\" | where age > median(age)")
        #expect(failed.errors.first?.description.contains("has no value") == true)
        #expect(warnings(failed).contains { $0.contains("no row has `histology` equal to \"adenoo\"") })
        let next = session.run("registry | count")
        #expect(next.errors.isEmpty && warnings(next).isEmpty)
    }

    @Test func longOperatorChainIsBounded() {
        let d = diagnostics("let w = " + Array(repeating: "1", count: 3000).joined(separator: " + ") + "\n")
        #expect(d.first?.message.contains("nested too deeply") == true)
    }

    /// Up to the limit, an expression parses and runs with the stack `lart` has (8 MiB, even
    /// in a debug build); on a 512 KiB stack it is an error or a result, never a crash.
    @Test(arguments: [8192, 512])
    func nestingUpToTheLimitParsesAndRuns(stackKiB: Int) {
        let depth = Parser.maxDepth - 1
        onSmallStack(stackKiB) {
            let session = Interpreter()
            let text = """
                use "\(ReliabilityTests.registry)" as registry
                let a = \(String(repeating: "-", count: depth))age
                let b = \(String(repeating: "(", count: depth))age\(String(repeating: ")", count: depth))
                let c = \(String(repeating: "not ", count: depth - 2))(age > 60)
                let d = \(Array(repeating: "age", count: depth).joined(separator: " + "))
                cohort registry where a < 0 and b > 0 and (c or not c) and d > 0 | count
                """
            let r = session.run(text)
            if stackKiB >= 8192 {
                #expect(r.ok, "\(r.errors.map(\.description))")
            } else {
                #expect(r.ok || r.errors[0].diagnostic.message.contains("for the stack of this thread"))
            }
        }
    }

    @Test func longLetChainIsAnErrorNotACrash() {
        onSmallStack {
            var text = "use \"\(ReliabilityTests.registry)\" as registry\nlet a0 = age\n"
            for i in 1...3000 { text += "let a\(i) = a\(i - 1) + 1\n" }
            text += "cohort registry where a3000 > 0 | count\n"
            let r = Interpreter().run(text)
            #expect(r.errors.first?.diagnostic.message.contains("nested too deeply") == true)
        }
    }

    @Test func controlCharactersAreEscapedInMessagesAndLines() {
        let src = SourceFile(name: "t", text: "let x = 1 \u{0} 2 \u{1b}[31m\n")
        let d = Parser.parse(src).diagnostics
        let text = DiagnosticRenderer().render(d[0], in: src)
        #expect(!text.unicodeScalars.contains { $0.value < 32 && $0 != "\n" })
        #expect(text.contains("unexpected character `\\u{0}`"))
        #expect(text.contains("1 | let x = 1 \\u{0} 2 \\u{1b}[31m"))
        // The caret sits under the escaped character and is as wide as it is shown.
        #expect(text.contains("  |           ^^^^^\n"))
    }

    @Test func aLongLineIsShownAsAWindowAroundTheCaret() {
        let src = SourceFile(name: "t", text: "let x = \"" + String(repeating: "a", count: 1_000_000) + "\" ?\n")
        let d = Parser.parse(src).diagnostics
        let text = DiagnosticRenderer().render(d[0], in: src)
        #expect(text.count < 1000)
        let lines = text.split(separator: "\n")
        let shown = lines[3], caret = lines[4]
        // The caret points at the `?` in the excerpt.
        let col = caret.distance(from: caret.startIndex, to: caret.firstIndex(of: "^")!)
        #expect(Array(shown)[col] == "?")
    }

    @Test func misspeltStatementWordIsReportedAtTheWord() {
        let d = diagnostics("cohrt omd where x\n")
        #expect(d.count == 1)
        #expect(d[0].message == "unknown statement `cohrt`")
        #expect(d[0].range == 0..<5)
        #expect(d[0].hints.first == "did you mean `cohort`?")
        #expect(diagnostics("lett x = 1\n").first?.hints.first == "did you mean `let`?")
        #expect(diagnostics("x = 1\n").first?.hints.contains("to define a derived column, write `let x = ...`") == true)
        #expect(diagnostics("km pfs\n").first?.hints.first?.contains("is a stage") == true)
    }

    @Test func bareSourceNamesStayPipelines() {
        // A word close to a keyword is still a source when a source may follow it.
        for text in ["registry | count\n", "cohrt | count\n", "cohrt\n", "cohrt + omd | count\n", "cohrt where x | count\n",
                     "cohrt\n  | count\n", "count omd\n", "flow omd\n"] {
            #expect(diagnostics(text).isEmpty, "\(text)")
        }
    }
}

/// Cancellation (Ctrl-C) reaches the estimators and leaves the session usable.
struct CancellationTests {
    @Test func aCancelledCoxFitThrows() {
        let c = Cancellation()
        c.cancel()
        var options = CoxOptions()
        options.cancellation = c
        let design = CoxDesign(columnNames: ["x"], columns: [[0, 1, 0, 1, 1, 0]])
        #expect(throws: Cancelled.self) {
            _ = try Cox.fit(time: [1, 2, 3, 4, 5, 6], event: [true, true, false, true, false, true], design: design, options: options)
        }
    }

    @Test func anInterruptedRunKeepsEarlierDefinitions() {
        let c = Cancellation()
        let session = Interpreter(cancellation: c)
        let first = session.run("use \"\(ReliabilityTests.registry)\" as registry\nlet older = age >= 60\n")
        #expect(first.ok)
        c.cancel()
        let stopped = session.run("cohort registry where older | count\n")
        #expect(stopped.interrupted)
        #expect(!stopped.ok)
        #expect(stopped.results.isEmpty)
        c.reset()
        let again = session.run("cohort registry where older | count\n")
        #expect(again.ok, "\(again.errors.map(\.description))")
        #expect(session.tableNames == ["registry"])
        #expect(session.letNames.contains("older"))
    }

    @Test func printedInterruptionSaysSo() {
        var report = RunReport()
        report.interrupted = true
        let (_, err) = ReportPrinter(format: .text).output(report, file: "t")
        #expect(err == "interrupted\n")
    }
}

/// Findings of the fuzzers (Tests/Fuzz), kept as regression tests.
struct FuzzRegressionTests {
    /// The interpreter fuzzer: a Cox model with a huge hazard ratio, drawn as a forest
    /// plot, formatted exp(coef) = 1e300 with `%f` into a 64-byte buffer and crashed.
    @Test func hugeNumbersFormatInFull() {
        let text = Format.fixed(1e300, decimals: 2)
        #expect(text.count == 304)
        #expect(text.hasPrefix("10000000000000000525047602552044202487044685811081591549158541"))
        #expect(text.hasSuffix(".00"))
        #expect(Double(text) == 1e300)
        #expect(Format.estimate(1e300).isEmpty == false)
        #expect(Format.hrCI(1e300, 1e-300, 1e308).contains("to") || Format.hrCI(1e300, 1e-300, 1e308).contains("-"))
        #expect(Format.fixed(-1.7976931348623157e308, decimals: 0).count == 310)
    }

    /// The interpreter fuzzer: a date moved by an infinite number of days
    /// (`lart_date + 1e308 * 10`) trapped converting the day count to 32 bits. It is an error
    /// at the expression; a move within the range still works.
    @Test func aDateMovedPastTheRangeIsAnError() throws {
        let use = "use \"\(ReliabilityTests.registry)\" as registry\n"
        let far = Interpreter().run(use + "cohort far = registry where lart_date + 1e308 * 10 > 2015-01-01\ncount far\n")
        #expect(far.errors.count == 1)
        #expect(far.errors.first?.description.contains("moves a date by Inf days, out of the range of dates") == true)
        #expect(far.errors.first?.description.contains(":2:29") == true, "located at the expression")
        let near = Interpreter().run(use + "cohort near = registry where lart_date + 1e7 > 2015-01-01\ncount near\n")
        #expect(near.ok)
        #expect(near.results.count == 1)
    }

    /// The same for an inline count of a huge number (`lart: ...:n` of 1e300): in full, not a trap.
    @Test func aHugeInlineCountIsWrittenInFull() throws {
        let text = try InlineFormatter.number(1e300, .count) { LangError(Diagnostic(.error, $0, at: 0..<0), in: SourceFile(name: "t", text: "")) }
        #expect(text == Format.fixed(1e300, decimals: 0))
        #expect(try InlineFormatter.number(41.6, .count) { _ in fatalError() } == "42")
    }
}
