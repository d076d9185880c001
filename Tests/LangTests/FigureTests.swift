import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// `plot` from the language on the bundled registry: each kind of figure against its golden
/// SVG (`Golden/figures/*.svg`; `LART_UPDATE_GOLDEN=1` rewrites them), the SVG's structure,
/// PNG and PDF files, terminal plots, the one-line file notices and the option errors.
struct FigureTests {
    static let repo = GoldenTests.repo
    static let golden = GoldenTests.root.appendingPathComponent("Golden/figures")

    /// The quickstart's definitions (data, lets, endpoints, cohorts).
    static func prelude() throws -> String {
        let text = try String(contentsOf: repo.appendingPathComponent("examples/quickstart.lart"), encoding: .utf8)
        return text.components(separatedBy: "\nflow omd")[0] + "\n"
    }

    static func session(_ dir: String) -> Interpreter {
        Interpreter(baseDirectory: dir, overrides: ["registry": repo.appendingPathComponent("examples/data/lart_registry.csv").path])
    }

    static func tempDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "lart-fig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The figures of the golden set: file name and statement.
    static let figures: [(String, String)] = [
        ("km-pfs.svg", #"cohort omd + opd | km pfs by cohort | plot "km-pfs.svg" xmax 60mo percent pvalue median"#),
        ("km-os-tki.svg", #"cohort omd | km os by tki | plot "km-os-tki.svg" ci title "OS by first-line TKI" size 100mm x 80mm"#),
        ("cuminc-lf.svg", #"cohort omd + opd | cuminc lf by cohort | plot "cuminc-lf.svg" pvalue"#),
        ("cuminc-lf-causes.svg", #"cohort omd + opd | cuminc lf by cohort | plot "cuminc-lf-causes.svg" cause 1, 2 ticks 6mo xmax 36mo"#),
        ("forest-pfs.svg", #"cohort omd | cox pfs ~ tki + all_sites_rt + factor(mets_at_dx) | plot "forest-pfs.svg""#),
        ("forest-screen.svg", #"cohort omd | cox pfs ~ each(sex, age >= 60, egfr, mets_at_dx, tki) | plot "forest-screen.svg""#),
    ]

    /// `forest` draws the same figure `plot` draws for a Cox model, and refuses other results.
    @Test func forestIsPlotForCoxModels() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try FigureTests.prelude() + """
            cohort omd | cox pfs ~ tki + factor(mets_at_dx) | plot "by-plot.svg" title "PFS"
            cohort omd | cox pfs ~ tki + factor(mets_at_dx) | forest "by-forest.svg" title "PFS"
            """
        let report = FigureTests.session(dir).run(script, file: "forest.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        let a = try String(contentsOfFile: dir + "/by-plot.svg", encoding: .utf8)
        let b = try String(contentsOfFile: dir + "/by-forest.svg", encoding: .utf8)
        #expect(a == b && a.contains("1 (reference)"))
        let bad = FigureTests.session(dir).run(try FigureTests.prelude() + "cohort omd | km pfs | forest \"km.svg\"", file: "bad.lart")
        #expect(!bad.ok && bad.errors.first?.description.contains("`forest` draws a Cox model") == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/km.svg"))
    }

    @Test func goldenFigures() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try FigureTests.prelude() + FigureTests.figures.map(\.1).joined(separator: "\n")
        let report = FigureTests.session(dir).run(script, file: "figures.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        let update = ProcessInfo.processInfo.environment["LART_UPDATE_GOLDEN"] == "1"
        for (name, _) in FigureTests.figures {
            let svg = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            let (doc, ok) = SVGElements.parse(svg)
            #expect(ok, "\(name) is not well-formed XML")
            #expect(doc.fontSizes.allSatisfy { $0 >= 7 }, "\(name): text below 7 pt")
            let expectedPath = FigureTests.golden.appendingPathComponent(name).path
            if update {
                try FileManager.default.createDirectory(at: FigureTests.golden, withIntermediateDirectories: true)
                try svg.write(toFile: expectedPath, atomically: true, encoding: .utf8)
            } else {
                let expected = try? String(contentsOfFile: expectedPath, encoding: .utf8)
                #expect(expected == svg, "\(name) differs from \(expectedPath) (LART_UPDATE_GOLDEN=1 rewrites it)")
            }
        }
        // The same statements again: the same bytes.
        let again = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: again) }
        _ = FigureTests.session(again).run(script, file: "figures.lart")
        for (name, _) in FigureTests.figures {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)) == Data(contentsOf: URL(fileURLWithPath: again + "/" + name)))
        }
    }

    @Test func figureStructure() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try FigureTests.prelude() + FigureTests.figures.map(\.1).joined(separator: "\n")
        let report = FigureTests.session(dir).run(script, file: "figures.lart")
        #expect(report.ok)
        func doc(_ name: String) throws -> SVGElements { SVGElements.parse(try String(contentsOfFile: dir + "/" + name, encoding: .utf8)).0 }

        // KM by cohort to 60 months: two curves, yearly ticks, the numbers at risk the km
        // result gives at them, the log-rank p and the medians.
        let km = try #require(report.results.first { $0.result.kind == "km" }?.result as? KaplanMeierResult)
        let d = try doc("km-pfs.svg")
        #expect(d.of(class: "curve").count == 2)
        let ticks = [0.0, 12, 24, 36, 48, 60]
        #expect(d.of(class: "risk").map(\.text) == km.curves.flatMap { c in ticks.map { String(c.at($0).nRisk) } })
        #expect(d.of(class: "risk").prefix(6).map(\.text) == ["54", "22", "14", "10", "5", "3"])
        #expect(d.of(class: "risk-label").map(\.text) == ["omd", "opd"])
        for (c, path) in zip(km.curves, d.of(class: "curve")) {
            let steps = zip(c.time, c.nEvent).filter { $0.0 <= 60 && $0.1 > 0 }.count
            #expect(path.attributes["d"]?.filter { $0 == "V" }.count == steps)
        }
        let marks = km.curves.map { zip($0.time, $0.nCensor).filter { $0.0 <= 60 && $0.1 > 0 }.count }.reduce(0, +)
        #expect(d.of(class: "censor").count == marks)
        #expect(d.of(class: "pvalue").map(\.text) == ["Log-rank p < 0.001"])
        #expect(d.of(class: "median").count == 2)
        #expect(d.texts.contains("Survival probability (%)") && d.texts.contains("100"))

        let os = try doc("km-os-tki.svg")
        #expect(os.svg.attributes["width"] == "100.0mm" && os.svg.attributes["height"] == "80.0mm")
        #expect(os.of(class: "band").count == 2 && os.of(class: "title").map(\.text) == ["OS by first-line TKI"])
        #expect(os.of(class: "risk-label").map(\.text) == ["tki: no", "tki: yes"])

        let ci = try doc("cuminc-lf.svg")
        #expect(ci.of(class: "curve").count == 2 && ci.of(class: "pvalue").first?.text.hasPrefix("Gray's test p = ") == true)
        #expect(ci.of(class: "risk").count == 2 * 7)
        let causes = try doc("cuminc-lf-causes.svg")
        #expect(causes.of(class: "curve").count == 4 && causes.of(class: "risk").count == 2 * 7)   // 0, 6, ..., 36

        let forest = try doc("forest-pfs.svg")
        #expect(forest.of(class: "estimate").count == 4 && forest.of(class: "ci").count == 4 && forest.of(class: "reference").count == 1)
        // A factor's reference level is a row of its own, "1 (reference)" and no point.
        #expect(forest.of(class: "label").map(\.text) == ["tki", "all_sites_rt", "factor(mets_at_dx)", "1", "2", "3"])
        #expect(forest.of(class: "hr-text").map(\.text).contains("1 (reference)"))
        let screen = try doc("forest-screen.svg")
        #expect(screen.of(class: "estimate").count == 5 && screen.of(class: "hr-text").count == 7)
        #expect(screen.of(class: "label").map(\.text) == ["sex", "F", "M", "age >= 60", "egfr", "mutant", "wild_type", "mets_at_dx", "tki"])
    }

    @Test func pngAndPdfFiles() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = FigureTests.session(dir).run(try FigureTests.prelude() + """
            cohort omd + opd | km pfs by cohort | plot "km.png" pvalue | plot "km.pdf"
            cohort omd | cox pfs ~ tki + sex | plot "forest.PNG"
            flow omd | plot "flow.pdf"
            flow registry -> omd, opd | plot "tree.svg" title "Patients"
            """, file: "raster.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        for name in ["km.png", "forest.PNG"] {
            let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && png.count > 10_000)
        }
        for name in ["km.pdf", "flow.pdf"] {
            let pdf = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            #expect(pdf.prefix(5) == Data("%PDF-".utf8) && pdf.count > 1000)
        }
        let tree = try String(contentsOfFile: dir + "/tree.svg", encoding: .utf8)
        #expect(SVGElements.parse(tree).0.of(class: "title").map(\.text) == ["Patients"])
        let notices = report.results.filter { $0.result.kind == "file" }.map { ReportPrinter(format: .text).render($0.result) }
        #expect(notices.count == 5 && notices.allSatisfy { $0.hasPrefix("figure written: ") && $0.hasSuffix(" kB)\n") })
    }

    @Test func plotWithoutAFileDrawsInTheTerminal() throws {
        let report = FigureTests.session(NSTemporaryDirectory()).run(try FigureTests.prelude() + """
            cohort omd | km pfs by tki | logrank | plot pvalue
            cohort omd | cox pfs ~ tki + sex | plot title "PFS"
            """, file: "terminal.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        let plots = report.results.map(\.result).compactMap { $0 as? FigurePreview }
        #expect(plots.count == 2)
        let text = ReportPrinter(format: .text).render(plots[0])
        #expect(text.hasPrefix("Kaplan-Meier: pfs in omd\n") && text.contains("** tki: no") && text.contains("No. at risk"))
        // The p-value of the log-rank stage before the plot.
        let lr = try #require(report.results.map(\.result).compactMap { $0 as? LogRankResult }.first)
        #expect(text.contains(FigureTest(name: "Log-rank", p: lr.p).text))
        #expect(!text.contains("\u{1B}"))
        #expect(ReportPrinter(format: .text, colour: true).render(plots[0]).contains("\u{1B}[34m"))
        #expect(ReportPrinter(format: .markdown).render(plots[1]).hasPrefix("```\nPFS\n"))
        #expect(ReportPrinter(format: .json).render(plots[1]).contains("\"forest\""))
    }

    /// A forest plot names terms and levels by their labels; a factor's reference level is
    /// its first row, "1 (reference)" without a point.
    @Test func forestRowsUseLabelsAndShowTheReference() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = FigureTests.session(dir).run(try FigureTests.prelude() + """
            label sex "Sex" [F: "female", M: "male"]
            label tki "First-line TKI"
            label mets_at_dx "Metastases"
            cohort omd | cox pfs ~ sex + tki + factor(mets_at_dx) | plot "forest.svg"
            """, file: "forest.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        let (doc, ok) = SVGElements.parse(try String(contentsOfFile: dir + "/forest.svg", encoding: .utf8))
        #expect(ok)
        #expect(doc.of(class: "label").map(\.text) == ["Sex", "female", "male", "First-line TKI", "Metastases", "1", "2", "3"])
        #expect(doc.of(class: "hr-text").map(\.text).filter { $0 == "1 (reference)" }.count == 2)
        #expect(doc.of(class: "estimate").count == 4)
    }

    @Test func fileNoticesAreOneLine() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = FigureTests.session(dir).run(try FigureTests.prelude() + """
            cohort omd | km pfs | plot "km.svg"
            cohort omd | cox pfs ~ tki | export "cox.csv"
            """, file: "notice.lart")
        #expect(report.ok)
        let markdown = ReportPrinter(format: .markdown).output(report, file: "notice.lart").stdout
        #expect(!markdown.contains("|  |") && !markdown.contains("\n|\n"))
        #expect(markdown.contains("\nfigure written: km.svg (") && markdown.contains("\ntable written: cox.csv ("))
        let csv = ReportPrinter(format: .csv).output(report, file: "notice.lart").stdout
        #expect(csv.contains("# figure written: km.svg (") && !csv.contains("# figure written: km.svg (5 kB)\n\n\n"))
    }

    @Test(arguments: [
        (#"cohort omd | km pfs | plot "x.svg" cause 2"#, "`cause` chooses the causes of cumulative incidence curves (cause 1, 2)"),
        (#"cohort omd | cuminc lf | plot "x.svg" cause 3"#, "`cause` takes cause numbers: 1 (lf), 2 (competing)"),
        (#"cohort omd | cox pfs ~ tki | plot "x.svg" xmax 60mo"#, "`xmax` applies to Kaplan-Meier and cumulative incidence curves, not to a `cox` figure"),
        (#"cohort omd | km pfs | plot "x.svg" title pfs"#, "`title` takes text in quotes: `title \"...\"`"),
        (#"cohort omd | km pfs | plot "x.svg" censor maybe"#, "`censor` takes on or off"),
        (#"cohort omd | km pfs | plot "x.gif""#, "figures are written as .svg, .pdf or .png (300 dpi): name the file `....svg`"),
        (#"cohort omd | km pfs | plot "x.svg" size 5mm x 70mm"#, "a figure from 20 to 1000 mm on each side, please (size 85mm x 70mm)"),
        (#"flow omd | plot"#, "a flow diagram is drawn to a file: write `plot \"flow.svg\"` (or .pdf, .png)"),
        (#"flow omd | plot "f.svg" xlab "x""#, "`xlab` does not apply to a `flow` figure"),
    ])
    func optionErrors(_ statement: String, _ message: String) throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = FigureTests.session(dir).run(try FigureTests.prelude() + statement, file: "t.lart")
        #expect(report.errors.first?.diagnostic.message == message)
    }

    @Test func plotOptionsParse() {
        let (statements, diagnostics) = Parser.parse(SourceFile(name: "t", text: """
            cohort omd | km pfs by tki | plot "f.png" title "PFS" xlab "Months" ylab "PFS" xmax 60mo ticks 12mo percent ci censor off median pvalue risktable on size 85mm x 7cm
            cohort omd | km pfs | plot
            cohort omd | km pfs | plot size 2in x 70
            """))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        guard statements.count == 3, case .run(let p) = statements[0].kind, case .run(let bare) = statements[1].kind,
              case .run(let inches) = statements[2].kind else { Issue.record("not three pipelines"); return }
        let plot = p.stages[1]
        #expect(plot.label == "f.png" && plot.options.count == 12)
        #expect(plot.option(.size)?.values.map { if case .number(let x) = $0.kind { x } else { -1 } } == [85, 70])
        #expect(plot.option(.censor)?.word?.text == "off")
        #expect(bare.stages[1].label == nil && bare.stages[1].options.isEmpty)
        #expect(inches.stages[1].option(.size)?.values.map { if case .number(let x) = $0.kind { x } else { -1 } } == [50.8, 70])

        let (_, bad) = Parser.parse(SourceFile(name: "t", text: "cohort omd | km pfs | export \"x.csv\" title \"t\"\ncohort omd | km pfs | plot size 85mm 70mm"))
        #expect(bad.map(\.message) == ["`title` is not an option of `export`",
                                       "expected `x` between the width and the height (size 85mm x 70mm), found `70mm`"])
    }
}
