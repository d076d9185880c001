import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// `plot` and `export` write files next to the script and pass the result on.
struct OutputStageTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    @Test func plotAndExportWriteFiles() throws {
        let dir = NSTemporaryDirectory() + "lart-out-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let csv = OutputStageTests.fixtures + "/public/lung.csv"
        let s = Interpreter(baseDirectory: dir)
        let report = s.run("""
            use "\(csv)" as lung
            endpoint death = time time event status == 2 unit days
            cohort lung | km death by sex | plot "km.svg"
            cohort lung | cox death ~ age + factor(sex) | export "cox.csv"
            cohort lung where age > 70 | flow | plot "flow.svg"
            cohort lung | cox death ~ age | export "cox.json"
            """, file: "t.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        let svg = try String(contentsOfFile: dir + "/km.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("sex: 1") && svg.contains("No. at risk"))
        let table = try String(contentsOfFile: dir + "/cox.csv", encoding: .utf8)
        #expect(table.contains("factor(sex)2,-0.5"))
        let flow = try String(contentsOfFile: dir + "/flow.svg", encoding: .utf8)
        #expect(flow.contains("Excluded (n ="))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/cox.json"))) as? [String: Any]
        #expect(json?["n"] as? Int == 228)
        // The analysis result comes first, then the note that the file was written.
        #expect(report.results.map { $0.result.kind } == ["km", "file", "cox", "file", "flow", "file", "cox", "file"])
    }

    /// A CSV export is one table a spreadsheet opens safely: a header row, no `#` title or
    /// notes, numbers as numbers, formula-like text prefixed with `'`; a result's other
    /// tables go to files beside it.
    @Test func csvExportIsOneSafeTable() throws {
        let dir = NSTemporaryDirectory() + "lart-csv-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "id,group,time,status\n1,=SUM(A1),10,1\n2,+x,12,0\n3,=SUM(A1),5,1\n4,+x,7,1\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let s = Interpreter(baseDirectory: dir)
        let report = s.run("""
            use "d.csv" as d
            endpoint e = time time event status == 1 unit days
            cohort d | km e by group at 6 | export "km.csv"
            cohort d | list | export "rows.csv"
            """, file: "t.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        let main = try String(contentsOfFile: dir + "/km.csv", encoding: .utf8)
        #expect(!main.contains("#"))
        #expect(main.hasPrefix("group,n,events"))
        let second = try String(contentsOfFile: dir + "/km-2.csv", encoding: .utf8)
        #expect(second.hasPrefix("group,time (days),n at risk"))
        #expect(second.contains(",0.3535533905932738,"))
        let rows = try String(contentsOfFile: dir + "/rows.csv", encoding: .utf8)
        #expect(rows.contains("'=SUM(A1)") && rows.contains("'+x"))
        #expect(!rows.contains(",=SUM") && !rows.contains(",+x"))
    }

    @Test func plotNeedsAFigure() {
        let s = Interpreter(baseDirectory: OutputStageTests.fixtures)
        let r = s.run("use \"public/lung.csv\" as lung\ncount lung | plot \"x.svg\"", file: "t.lart")
        #expect(r.errors.first?.diagnostic.message == "a `count` result has no figure; plot follows km, cuminc, cox or flow")
    }
}
