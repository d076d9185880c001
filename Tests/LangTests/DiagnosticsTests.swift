import Foundation
import Testing
import TestSupport
@testable import Lang
import Runtime

struct DiagnosticsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    @Test func rendersLineColumnCaretAndHint() {
        let src = SourceFile(name: "study.lart", text: "let a = 1\ncohort omd where tkii and x\n")
        let d = Diagnostic(.error, "unknown column `tkii`", at: 27..<31, hints: ["did you mean `tki`?"])
        #expect(DiagnosticRenderer().render(d, in: src) == """
            error: unknown column `tkii`
             --> study.lart:2:18
              |
            2 | cohort omd where tkii and x
              |                  ^^^^
              = hint: did you mean `tki`?

            """)
    }

    func firstError(_ text: String) -> LangError? {
        let s = Interpreter(baseDirectory: DiagnosticsTests.fixtures)
        return s.run(text, file: "t.lart").errors.first
    }

    let prelude = "use \"lart/lart_registry.csv\" as registry\nlet tki = first_line == \"tki\"\n"

    @Test func unknownColumnSuggestsNearest() throws {
        let e = try #require(firstError(prelude + "cohort registry where tkii | count"))
        #expect(e.diagnostic.message == "unknown column `tkii`")
        #expect(e.diagnostic.hints.first == "did you mean `tki`?")
        #expect(e.source.location(of: e.diagnostic.range.lowerBound) == (3, 23))
    }

    @Test func wrongArgumentType() throws {
        let e = try #require(firstError(prelude + "cohort registry where histology > 3 | count"))
        #expect(e.diagnostic.message == "cannot compare text with number")
        let e2 = try #require(firstError(prelude + "cohort registry where log(sex) > 1 | count"))
        #expect(e2.diagnostic.message.contains("must be a number, but `sex` is text"))
    }

    @Test func missingFile() throws {
        let e = try #require(firstError("use \"nowhere.csv\" as x"))
        #expect(e.diagnostic.message.contains("nowhere.csv: cannot open the file"))
    }

    @Test func malformedCSVRowNamesFileRowAndColumn() throws {
        let e = try #require(firstError("use \"bad/bad_date.csv\" as x"))
        #expect(e.diagnostic.message == "bad/bad_date.csv:4: row 3, column lart_date: '2019-13-02' is not a date (expected YYYY-MM-DD with a real month and day)")
        let e2 = try #require(firstError("use \"bad/short_row.csv\" as x"))
        #expect(e2.diagnostic.message == "bad/short_row.csv:3: row 2: has 2 fields but the header has 3; check for a missing or extra comma")
    }

    @Test func unknownEndpointAndCohort() throws {
        let e = try #require(firstError(prelude + "cohort registry | km pfss"))
        #expect(e.diagnostic.message == "unknown endpoint `pfss`")
        let e2 = try #require(firstError(prelude + "cohort omdd | count"))
        #expect(e2.diagnostic.message == "unknown table or cohort `omdd`")
    }

    @Test func replSessionSurvivesErrors() {
        let s = Interpreter(baseDirectory: DiagnosticsTests.fixtures)
        #expect(!s.run("let x = (", file: "1").ok)
        #expect(!s.run(prelude + "cohort nope | count", file: "2").ok)
        let r = s.run("cohort registry where tki | count", file: "3")
        #expect(r.ok)
        #expect((r.results.first?.result as? Runtime.CountResult)?.total == 139)
    }
}
