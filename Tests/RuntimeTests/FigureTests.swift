import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Two groups of a small study in months: A with 10 patients, B with 10.
enum FigureData {
    static let time: [Double] = [1, 2, 2, 3, 5, 8, 9, 12, 15, 20, 1, 1, 2, 4, 4, 6, 7, 10, 11, 13]
    static let event: [Bool] = [true, true, false, true, false, true, true, false, true, false,
                                true, false, true, true, true, false, true, true, false, true]
    static let group: [Int] = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 10)

    static func km(scale: Double = 1, unit: String = "months") throws -> KaplanMeierResult {
        var r = try KaplanMeier.fit(time: time.map { $0 * scale }, event: event, group: group, groupLabels: ["arm: A", "arm: B"])
        r.timeUnit = unit
        r.endpointName = "pfs"
        return r
    }

    static func cuminc() throws -> CumulativeIncidenceResult {
        // 1 = the event, 2 = competing, 0 = censored.
        let status = [1, 2, 0, 1, 0, 1, 2, 0, 1, 0, 1, 0, 2, 1, 1, 0, 1, 2, 0, 1]
        var r = try CumulativeIncidence.estimate(time: time, status: status, group: group, groupLabels: ["arm: A", "arm: B"],
                                                 causeLabels: [1: "relapse", 2: "death"])
        r.timeUnit = "months"
        r.endpointName = "relapse"
        return r
    }

    static func cox() throws -> CoxResult {
        let x1 = group.map(Double.init)
        let x2: [Double] = [0, 1, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2].map { $0 == 1 ? 1 : 0 }
        let x3: [Double] = [0, 1, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2].map { $0 == 2 ? 1 : 0 }
        let design = CoxDesign(columnNames: ["armB", "site2", "site3"], columns: [x1, x2, x3],
                               terms: [CoxTerm(name: "arm", columns: 0..<1), CoxTerm(name: "site", columns: 1..<3)])
        var r = try Cox.fit(time: time, event: event, design: design)
        r.endpointName = "pfs"
        return r
    }

    static func steps(_ figure: Figure?) -> StepFigure? {
        guard case .steps(let f)? = figure else { return nil }
        return f
    }
}

struct FigureTests {
    @Test func kaplanMeierCurvesMarksAndNumbersAtRisk() throws {
        let km = try FigureData.km()
        let svg = try #require(km.figure()).svg()
        let (doc, ok) = SVGElements.parse(svg)
        #expect(ok)
        #expect(doc.svg.attributes["width"] == "85.0mm" && doc.svg.attributes["height"] == "70.0mm")
        #expect(doc.svg.attributes["viewBox"] == "0 0 240.9 198.4")
        // One curve per group, a step per event time, a mark per censoring time.
        let curves = doc.of(class: "curve")
        #expect(curves.count == 2)
        for (c, path) in zip(km.curves, curves) {
            let eventTimes = zip(c.time, c.nEvent).filter { $0.1 > 0 }.count
            #expect(path.attributes["d"]?.filter { $0 == "V" }.count == eventTimes)
        }
        #expect(curves[0].attributes["stroke-dasharray"] == nil && curves[1].attributes["stroke-dasharray"] == "4 2")
        let censored = km.curves.map { zip($0.time, $0.nCensor).filter { $0.1 > 0 }.count }.reduce(0, +)
        #expect(doc.of(class: "censor").count == censored)
        // Months up to 20: ticks every 6 months to 24; the numbers at risk under them.
        let ticks = [0.0, 6, 12, 18, 24]
        let risk = doc.of(class: "risk").map(\.text)
        #expect(risk == km.curves.flatMap { c in ticks.map { String(c.at($0).nRisk) } })
        #expect(risk.prefix(5) == ["10", "5", "3", "1", "0"])
        #expect(doc.of(class: "risk-label").map(\.text) == ["arm: A", "arm: B"])
        #expect(["0", "6", "12", "18", "24"].allSatisfy(doc.texts.contains))
        // Legend inside the plot, text never below 7 pt at the natural size.
        #expect(doc.texts.contains("arm: A") && doc.texts.contains("Survival probability"))
        #expect(doc.fontSizes.allSatisfy { $0 >= 7 } && doc.fontSizes.count >= 3)
        #expect(doc.of(class: "band").isEmpty && doc.of(class: "median").isEmpty && doc.of(class: "pvalue").isEmpty)
    }

    @Test func optionsShapeTheCurves() throws {
        let km = try FigureData.km()
        var o = FigureOptions()
        o.title = "PFS by arm"; o.xLabel = "Months since LART"; o.yLabel = "PFS (%)"
        o.xMax = 15; o.tickStep = 5; o.percent = true; o.confidenceBands = true; o.medianLines = true
        o.pValue = true; o.test = FigureTest(name: "Log-rank", p: 0.0042)
        o.widthMM = 120; o.heightMM = 90
        let (doc, ok) = SVGElements.parse(try #require(km.figure(o)).svg())
        #expect(ok)
        #expect(doc.svg.attributes["width"] == "120.0mm" && doc.svg.attributes["height"] == "90.0mm")
        #expect(doc.of(class: "title").map(\.text) == ["PFS by arm"])
        #expect(doc.of(class: "xlab").map(\.text) == ["Months since LART"] && doc.of(class: "ylab").map(\.text) == ["PFS (%)"])
        #expect(["0", "20", "40", "60", "80", "100"].allSatisfy(doc.texts.contains))
        #expect(doc.of(class: "risk").count == 2 * 4)   // 0, 5, 10, 15
        #expect(doc.of(class: "band").count == 2)
        #expect(doc.of(class: "median").count == km.curves.filter { ($0.median.estimate ?? .infinity) <= 15 }.count)
        #expect(doc.of(class: "pvalue").map(\.text) == ["Log-rank p = 0.004"])
        // Nothing drawn past the end of the axis: marks only up to 15 months.
        let censoredBy15 = km.curves.map { zip($0.time, $0.nCensor).filter { $0.1 > 0 && $0.0 <= 15 }.count }.reduce(0, +)
        #expect(doc.of(class: "censor").count == censoredBy15)

        var off = FigureOptions()
        off.censorMarks = false; off.riskTable = false
        let (plain, _) = SVGElements.parse(try #require(km.figure(off)).svg())
        #expect(plain.of(class: "censor").isEmpty && plain.of(class: "risk").isEmpty && plain.of(class: "risk-head").isEmpty)
    }

    @Test func timeTicksAreWholeYears() throws {
        #expect(TimeAxis.make(dataMax: 60, unit: "months", xMax: nil, step: nil).ticks == [0, 12, 24, 36, 48, 60])
        #expect(TimeAxis.make(dataMax: 66, unit: "months", xMax: nil, step: nil).ticks == [0, 12, 24, 36, 48, 60, 72])
        #expect(TimeAxis.make(dataMax: 1022, unit: "days", xMax: nil, step: nil).ticks == [0, 365, 730, 1095])
        #expect(TimeAxis.make(dataMax: 240, unit: "months", xMax: nil, step: nil).ticks == stride(from: 0.0, through: 240, by: 24).map { $0 })
        #expect(TimeAxis.make(dataMax: 9, unit: "months", xMax: nil, step: nil).ticks == [0, 3, 6, 9])
        #expect(TimeAxis.make(dataMax: 3.7, unit: "years", xMax: nil, step: nil).ticks == [0, 1, 2, 3, 4])
        #expect(TimeAxis.make(dataMax: 0.7, unit: "", xMax: nil, step: nil).ticks.map { TimeAxis.label($0) } == ["0", "0.2", "0.4", "0.6", "0.8"])
        #expect(TimeAxis.make(dataMax: 70, unit: "months", xMax: 60, step: 6).ticks.count == 11)
        // Past a thousand years: round numbers of years, ten ticks or fewer (not 1,001 ticks
        // of 100 years bunched at 0, as a fuzzed time of 1e300 months gave).
        #expect(TimeAxis.make(dataMax: 24_000, unit: "months", xMax: nil, step: nil).ticks == stride(from: 0.0, through: 24_000, by: 2_400).map { $0 })
        let huge = TimeAxis.make(dataMax: 3e300, unit: "months", xMax: nil, step: nil)
        #expect(huge.ticks.count >= 4 && huge.ticks.count <= 11 && huge.end >= 3e300 && huge.ticks.last! <= huge.end)
        // Scaled to years of months, the curves get yearly ticks.
        let km = try FigureData.km(scale: 3)
        let f = try #require(FigureData.steps(km.figure()))
        #expect(f.xTicks == [0, 12, 24, 36, 48, 60])
    }

    @Test func cumulativeIncidenceDrawsTheChosenCauses() throws {
        let ci = try FigureData.cuminc()
        var o = FigureOptions()
        o.pValue = true
        let (doc, ok) = SVGElements.parse(try #require(ci.figure(o)).svg())
        #expect(ok)
        // The event of interest only: one curve per group, rising from 0.
        #expect(doc.of(class: "curve").count == 2)
        #expect(doc.of(class: "curve").allSatisfy { $0.attributes["d"]?.hasPrefix("M") == true })
        #expect(doc.of(class: "risk").count == 2 * 5)
        #expect(doc.of(class: "risk").prefix(5).map(\.text) == ["10", "5", "3", "1", "0"])
        let gray = try #require(ci.gray.first { $0.cause == 1 })
        #expect(doc.of(class: "pvalue").map(\.text) == [FigureTest(name: "Gray's test", p: gray.p).text])
        #expect(doc.texts.contains("Cumulative incidence"))
        let censored = ci.observed.map(\.censored.count).reduce(0, +)
        #expect(doc.of(class: "censor").count == censored)

        o.causes = [1, 2]
        let (both, _) = SVGElements.parse(try #require(ci.figure(o)).svg())
        #expect(both.of(class: "curve").count == 4)
        #expect(both.of(class: "risk-label").map(\.text) == ["arm: A", "arm: B"])
        #expect(both.texts.contains("arm: A: relapse") && both.texts.contains("arm: B: death"))
        #expect(both.of(class: "pvalue").count == 2)
    }

    @Test func ungroupedCurvesAreCalledAll() throws {
        let status = [1, 2, 0, 1, 0, 1, 2, 0, 1, 0, 1, 0, 2, 1, 1, 0, 1, 2, 0, 1]
        let ci = try CumulativeIncidence.estimate(time: FigureData.time, status: status, group: Array(repeating: 0, count: 20),
                                                  groupLabels: ["(all)"], causeLabels: [1: "relapse", 2: "death"])
        let (doc, ok) = SVGElements.parse(try #require(ci.figure()).svg())
        #expect(ok && doc.of(class: "curve").count == 1)
        #expect(doc.of(class: "risk-label").map(\.text) == ["All"] && doc.all.filter { $0.attributes["class"] == "legend" }.isEmpty)
        let km = try KaplanMeier.fit(time: FigureData.time, event: FigureData.event)
        let (kmDoc, _) = SVGElements.parse(try #require(km.figure()).svg())
        #expect(kmDoc.of(class: "risk-label").map(\.text) == ["All"] && kmDoc.of(class: "risk").first?.text == "20")
    }

    @Test func forestPlotOfACoxModel() throws {
        let cox = try FigureData.cox()
        let (doc, ok) = SVGElements.parse(try #require(cox.figure()).svg())
        #expect(ok)
        #expect(doc.of(class: "estimate").count == 3 && doc.of(class: "ci").count == 3)
        #expect(doc.of(class: "reference").count == 1)
        // The factor's name over its levels, without its prefix.
        #expect(doc.of(class: "label").map(\.text) == ["armB", "site", "2", "3"])
        let hr = cox.hazardRatios, lo = cox.confidenceLower, hi = cox.confidenceUpper
        #expect(doc.of(class: "hr-text").map(\.text) == (0..<3).map { Format.hrCI(hr[$0], lo[$0], hi[$0], digits: 2) })
        #expect(doc.of(class: "p-text").map(\.text) == cox.pValues.map { Format.pValue($0, style: .journal) })
        #expect(doc.texts.contains("HR (95% CI)") && doc.texts.contains("1") && doc.texts.contains("Hazard ratio"))
        #expect(doc.fontSizes.allSatisfy { $0 >= 7 })
        let width = Double(doc.svg.attributes["width"]?.dropLast(2) ?? "") ?? 0
        #expect(width >= 85)

        // The reference line sits at HR 1 on the log axis, between the ticks around it.
        let ref = try #require(doc.of(class: "reference").first?.attributes["x1"].flatMap(Double.init))
        let ticks = doc.all.filter { $0.attributes["class"] == "tick" }.compactMap { $0.attributes["x1"].flatMap(Double.init) }
        #expect(ticks.contains { abs($0 - ref) < 0.01 })
    }

    @Test func forestPlotOfAUnivariateScreen() throws {
        let full = try FigureData.cox()
        let one = try Cox.fit(time: FigureData.time, event: FigureData.event,
                              design: CoxDesign(columnNames: ["armB"], columns: [FigureData.group.map(Double.init)]))
        let screen = CoxScreenResult(endpointName: "pfs", fits: [("arm", one), ("site", full)], ties: .efron)
        let (doc, ok) = SVGElements.parse(try #require(screen.figure()).svg())
        #expect(ok)
        #expect(doc.of(class: "estimate").count == 4)
        #expect(doc.of(class: "label").first?.text == "armB")
    }

    @Test func figuresAreByteStable() throws {
        let a = try #require(FigureData.km().figure()).svg()
        let b = try #require(FigureData.km().figure()).svg()
        #expect(a == b)
        var o = FigureOptions()
        o.causes = [1, 2]; o.confidenceBands = true
        #expect(try #require(FigureData.cuminc().figure(o)).svg() == (try #require(FigureData.cuminc().figure(o)).svg()))
        #expect(try #require(FigureData.cox().figure()).svg() == (try #require(FigureData.cox().figure()).svg()))
    }

    @Test func pngAndPdfThroughLibrsvg() throws {
        let dir = NSTemporaryDirectory() + "lart-raster-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let svg = try #require(FigureData.km().figure()).svg()
        let n = try Raster.write(svg: svg, to: dir + "/km.png", format: .png(dpi: 300))
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/km.png")))
        #expect(n == png.count && png.count > 1000)
        #expect(Array(png.prefix(8)) == PNG.signature)
        // 85 x 70 mm at 300 dpi, and the resolution recorded (11811 pixels per metre).
        func be(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be(16) == 1004 && be(20) == 827)
        let phys = try #require(png.indices.first { png[$0..<min($0 + 4, png.count)].elementsEqual(Array("pHYs".utf8)) })
        #expect(be(phys + 4) == 11811 && be(phys + 8) == 11811 && png[phys + 12] == 1)

        try Raster.write(svg: svg, to: dir + "/km.pdf", format: .pdf)
        let pdf = try Data(contentsOf: URL(fileURLWithPath: dir + "/km.pdf"))
        #expect(pdf.prefix(5) == Data("%PDF-".utf8) && pdf.count > 1000)
        try Raster.write(svg: svg, to: dir + "/again.pdf", format: .pdf)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/again.pdf")) == pdf)

        #expect(throws: DataError.self) { try Raster.write(svg: "<svg", to: dir + "/bad.png", format: .png(dpi: 300)) }
        #expect(Raster.format(forPath: "a.PNG") == .png(dpi: 300) && Raster.format(forPath: "a.pdf") == .pdf && Raster.format(forPath: "a.svg") == nil)
    }

    @Test func flowTreeRendersToPNG() throws {
        let dir = NSTemporaryDirectory() + "lart-flow-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = FlowTreeResult(tree: try FlowTree(flows: FlowFixtures.study()))
        let svg = try #require(r.figure()).svg()
        let path = ProcessInfo.processInfo.environment["LART_FIGURE_OUT"].map { $0 + "/flow-tree.png" } ?? dir + "/flow-tree.png"
        let n = try Raster.write(svg: svg, to: path, format: .png(dpi: 300))
        #expect(n > 1000)
    }

    @Test func terminalPlots() throws {
        let f = try #require(FigureData.km().figure())
        let plain = try #require(f.text(colour: false))
        #expect(!plain.contains("\u{1B}") && plain.contains("*") && plain.contains("o"))
        #expect(plain.contains("** arm: A") && plain.contains("oo arm: B") && plain.contains("No. at risk"))
        let lines = plain.split(separator: "\n").map(String.init)
        let table = try #require(lines.firstIndex(of: "No. at risk"))
        #expect(lines[table + 1].split(separator: " ").suffix(5) == ["10", "5", "3", "1", "0"])
        let colour = try #require(f.text(colour: true))
        #expect(colour.contains("\u{1B}[34m") && colour.contains("\u{1B}[31m"))
        #expect(colour.unicodeScalars.contains { $0.value >= 0x2801 && $0.value <= 0x28FF })
        #expect(f.text(colour: false) == plain)

        let forest = try #require(FigureData.cox().figure()?.text(colour: false))
        #expect(forest.contains("HR (95% CI)") && forest.contains("|") && forest.contains("o"))
        #expect(Figure.flow(FlowFigure(title: "x", steps: [])).text(colour: false) == nil)
    }

    @Test func fileNoticeIsOneLineInEveryFormat() {
        let w = FileWritten(path: "fig.svg", what: "figure", bytes: 12_345)
        #expect(TextRenderer.render(w.tables()) == "figure written: fig.svg (12 kB)\n")
        #expect(MarkdownRenderer.render(w.tables()) == "figure written: fig.svg (12 kB)\n")
        #expect(CSVRenderer.render(w.tables()) == "# figure written: fig.svg (12 kB)\n")
        #expect(FileWritten.size(812) == "812 B" && FileWritten.size(1_400_000) == "1.4 MB")
    }
}
