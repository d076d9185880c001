import Testing
import TestSupport
@testable import Runtime

/// `Presentation` and the formatting helpers: the default must print what the renderers
/// printed before it existed; each option changes only what it names.
struct PresentationTests {
    // MARK: Helpers

    @Test func journalPValues() {
        let cases: [(Double, String)] = [
            (0.0000001, "< 0.001"), (0.00099, "< 0.001"), (0.001, "0.001"), (0.0049, "0.005"), (0.0091, "0.009"),
            (0.01, "0.01"), (0.0123, "0.01"), (0.0449, "0.04"),
            (0.049, "0.049"), (0.0496, "0.050"),   // 2 decimals would give 0.05 for a p below 0.05
            (0.05, "0.05"), (0.051, "0.05"), (0.5, "0.50"), (0.99, "0.99"), (0.991, "> 0.99"), (1, "> 0.99"),
        ]
        for (p, text) in cases { #expect(Format.pValue(p, style: .journal) == text, "p = \(p)") }
        #expect(Format.pValue(.nan, style: .journal) == "NA")
    }

    @Test func rPValuesAreUnchanged() {
        #expect(Format.pValue(1e-20, style: .r) == "< 2e-16")
        #expect(Format.pValue(0.012345, style: .r) == "0.0123")
        #expect(Format.pValue(0.012345, style: .r) == Format.pValue(0.012345))
        #expect(Format.pValue(3.2e-5, style: .r) == "3.2e-05")
    }

    @Test func percentsIntervalsAndHazardRatios() {
        #expect(Format.percent(0.853) == "85.3%")
        #expect(Format.percent(0.853, digits: 0) == "85%")
        #expect(Format.percent(1, digits: 1) == "100.0%")
        #expect(Format.percent(.nan) == "NA")
        #expect(Format.ci(0.24, 0.9) == "0.24-0.90")
        #expect(Format.ci(12.34, 45.67, digits: 1) == "12.3-45.7")
        #expect(Format.ci(-1.5, 2.26, digits: 1) == "-1.5 to 2.3", "a negative limit: `to`, not a hyphen")
        #expect(Format.hrCI(0.47, 0.24, 0.9) == "0.47 (0.24-0.90)")
        #expect(Format.hrCI(2.345, 1.2, 4.5678) == "2.35 (1.20-4.57)" || Format.hrCI(2.345, 1.2, 4.5678) == "2.34 (1.20-4.57)")
        #expect(Format.hrCI(0.0042, 0.001, 0.02) == "0.0042 (0.001-0.02)", "values that would print as 0.00")
        #expect(Format.hrCI(3, 0.5, .infinity) == "3.00 (0.50-Inf)")
    }

    /// A value with a line end or a tab (read from a quoted CSV field) keeps its table's rows
    /// whole: control characters are escaped as R prints strings, in text and in Markdown.
    @Test func controlCharactersInTextAreEscaped() {
        #expect(Format.printable("plain") == "plain")
        #expect(Format.printable("multi\nline\tend\r") == "multi\\nline\\tend\\r")
        #expect(Format.printable("bell\u{07}del\u{7F}") == "bell\\007del\\177")
        let t = ResultTable(title: "Sites", columns: ["site\nname", "n"],
                            rows: [[.text("multi\nline"), .integer(2)], [.text("a|b"), .integer(10)]])
        #expect(TextRenderer.render(t) == "Sites\n  site\\nname    n\n  multi\\nline   2\n  a|b          10\n")
        #expect(MarkdownRenderer.render(t) == "**Sites**\n\n| site\\nname | n |\n|---|---:|\n| multi\\nline | 2 |\n| a\\|b | 10 |\n")
    }

    /// CSV output quotes a value holding a line end of any kind (CR LF is one `Character`).
    @Test func csvQuotesEveryLineEnd() {
        let t = ResultTable(title: "T", columns: ["v"], rows: [[.text("a\r\nb")], [.text("c\rd")], [.text("e\nf")], [.text("g")]])
        #expect(CSVRenderer.render(t) == "# T\nv\n\"a\r\nb\"\n\"c\rd\"\n\"e\nf\"\ng\n")
    }

    @Test func significantPlainAvoidsExponentsForLargeNumbers() {
        #expect(Format.significantPlain(1826.25, digits: 3) == "1830")
        #expect(Format.significantPlain(123456, digits: 4) == "123500")
        #expect(Format.significantPlain(0.012345, digits: 3) == "0.0123")
        #expect(Format.significantPlain(12.345, digits: 3) == "12.3")
        #expect(Format.significant(1826.25, digits: 3) == "1.83e+03", "the default %g is unchanged")
    }

    // MARK: Renderers

    static let table = ResultTable(
        title: "T", columns: ["group", "time", "survival", "SE", "p", "HR (95% CI)"],
        rows: [[.text("A"), .time(12), .survival(0.8), .number(0.123456), .pValue(0.0123), .hrCI(0.47, lower: 0.24, upper: 0.9)],
               [.text("B"), .time(36.5), .survival(0.25), .missing, .pValue(0.4), .missing]],
        notes: ["a note"])

    /// The default output, spelled out: the format the renderers had before `Presentation`.
    @Test func defaultTextIsTheLongStandingFormat() {
        let expected = """
            T
              group  time  survival      SE       p       HR (95% CI)
              A        12       0.8  0.1235  0.0123  0.47 (0.24-0.90)
              B      36.5      0.25       -     0.4                 -
              a note

            """
        #expect(TextRenderer.render(Self.table) == expected)
        #expect(TextRenderer.render([Self.table], presentation: .standard) == expected)
        let md = MarkdownRenderer.render(Self.table)
        #expect(md == """
            **T**

            | group | time | survival | SE | p | HR (95% CI) |
            |---|---:|---:|---:|---:|---:|
            | A | 12 | 0.8 | 0.1235 | 0.0123 | 0.47 (0.24-0.90) |
            | B | 36.5 | 0.25 | - | 0.4 | - |

            a note

            """)
        #expect(CSVRenderer.render(Self.table) == """
            # T
            group,time,survival,SE,p,HR (95% CI)
            A,12.0,0.8,0.123456,0.0123,0.47 (0.24-0.9)
            B,36.5,0.25,NA,0.4,NA

            """)
    }

    @Test func optionsChangeOnlyWhatTheyName() {
        let p = Presentation(digits: 2, survivalAsPercent: true, pStyle: .journal, notes: false)
        let text = TextRenderer.render(Self.table, presentation: p)
        #expect(text == """
            T
              group  time  survival    SE     p       HR (95% CI)
              A        12     80.0%  0.12  0.01  0.47 (0.24-0.90)
              B      36.5     25.0%     -  0.40                 -

            """)
        let md = MarkdownRenderer.render(Self.table, presentation: p)
        #expect(md.contains("| A | 12 | 80.0% | 0.12 | 0.01 |") && !md.contains("a note"))
        // CSV: full precision, survival in percent.
        #expect(CSVRenderer.render(Self.table, presentation: p).contains("A,12.0,80.0,0.123456,0.0123,"))
    }

    @Test func kaplanMeierSurvivalAsPercent() throws {
        let fit = try KaplanMeier.fit(time: [3, 1, 5, 2, 3], event: [true, true, false, false, true], options: .init(times: [2, 4]))
        let tables = fit.tables()
        let text = TextRenderer.render(tables[1], presentation: Presentation(survivalAsPercent: true))
        // S(2) = 4/5, S(4) = 4/15 = 26.7%; SE stays a number.
        #expect(text.contains("80.0%") && text.contains("26.7%"))
        #expect(text.contains("0.1789"), "SE of S(2) = 0.8 sqrt(1/20)")
        #expect(TextRenderer.render(tables[1]).contains("0.2667"))
    }
}
