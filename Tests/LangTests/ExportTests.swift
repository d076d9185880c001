import Foundation
import Testing
import Lang
import Runtime

/// `export adtte` (CDISC ADaM ADTTE) and `export "x.tex"` (LaTeX) on the bundled registry:
/// the files against golden copies (`Golden/exports/`; `LART_UPDATE_GOLDEN=1` rewrites
/// them), rows checked by hand, and the errors.
struct ExportTests {
    static let golden = GoldenTests.root.appendingPathComponent("Golden/exports")

    /// Runs `statements` after the quickstart's definitions in a fresh folder; returns the
    /// folder and the report.
    static func run(_ statements: String) throws -> (String, RunReport) {
        let dir = try FigureTests.tempDirectory()
        let report = FigureTests.session(dir).run(try FigureTests.prelude() + statements, file: "export.lart")
        return (dir, report)
    }

    /// Compares a written file with its golden copy (or rewrites the copy).
    static func expectGolden(_ dir: String, _ name: String) throws {
        let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
        let path = golden.appendingPathComponent(name).path
        if ProcessInfo.processInfo.environment["LART_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: golden, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try? String(contentsOfFile: path, encoding: .utf8)
        #expect(expected == text, "\(name) differs from \(path) (LART_UPDATE_GOLDEN=1 rewrites it)")
    }

    @Test func adtteDataset() throws {
        let (dir, report) = try ExportTests.run("""
            label os "Overall survival"
            cohort omd | export adtte pfs, os, lf "adtte.csv"
            cohort omd | export adtte os, pfs "adtte.json" id patient_id
            """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(report.ok, "\(report.errors.map(\.description))")
        #expect(report.results.map { $0.result.kind } == ["file", "file"])
        try ExportTests.expectGolden(dir, "adtte.csv")
        let lines = try String(contentsOfFile: dir + "/adtte.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines[0] == "USUBJID,PARAMCD,PARAM,STARTDT,ADT,AVAL,AVALU,CNSR,EVNTDESC,CNSDTDSC")
        // omd has 54 patients: one record per patient and endpoint.
        let n = lines.count - 1
        #expect(n == 54 * 3)
        // By hand from the registry: P0094 (LART 2015-09-30) has no progression, death or
        // local failure and was last seen 2019-04-29: 1307 days = 42.94 months, censored
        // (CNSR 1) at the last contact for every endpoint, in the order named.
        let p94 = lines.filter { $0.hasPrefix("P0094,") }
        #expect(p94 == [
            "P0094,PFS,Progression-Free Survival,2015-09-30,2019-04-29,42.940451745379875,MONTHS,1,censored,last_contact_date",
            "P0094,OS,Overall survival,2015-09-30,2019-04-29,42.940451745379875,MONTHS,1,censored,last_contact_date",
            "P0094,LF,Time to local_failure_date,2015-09-30,2019-04-29,42.940451745379875,MONTHS,1,censored,last_contact_date",
        ])
        // P0073 progressed on 2019-01-23 (PFS event, named by the date that came first) and
        // was alive at the last contact (OS censored).
        #expect(lines.contains("P0073,PFS,Progression-Free Survival,2015-06-24,2019-01-23,43.006160164271044,MONTHS,0,progression_date,"))
        #expect(lines.contains("P0073,OS,Overall survival,2015-06-24,2021-05-17,70.76796714579055,MONTHS,1,censored,last_contact_date"))
        // P0075 died before any local failure: a competing event of LF, CNSR 2.
        #expect(lines.contains("P0075,LF,Time to local_failure_date,2015-07-01,2016-03-22,8.706365503080082,MONTHS,2,competing event: death_date,death_date"))
        // Sorted by subject, then by the endpoints' order as named.
        let subjects = lines.dropFirst().map { $0.split(separator: ",")[0] }
        #expect(subjects == subjects.sorted())
        // JSON: one object per record, os before pfs as named.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/adtte.json"))) as? [[String: Any]]
        #expect(json?.count == 2 * n / 3)
        #expect(json?.first?["PARAMCD"] as? String == "OS" && json?[1]["PARAMCD"] as? String == "PFS")
        #expect(json?.first?["CNSR"] as? Int != nil && json?.first?["AVAL"] as? Double != nil)
    }

    /// `set study "..."` gives STUDYID, the first column.
    @Test func adtteStudyIdentifier() throws {
        let (dir, report) = try ExportTests.run("""
            set study "LART-01"
            cohort omd | export adtte os "adtte.csv"
            """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(report.ok, "\(report.errors.map(\.description))")
        let lines = try String(contentsOfFile: dir + "/adtte.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "STUDYID,USUBJID,PARAMCD,PARAM,STARTDT,ADT,AVAL,AVALU,CNSR,EVNTDESC,CNSDTDSC")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("LART-01,P") })
        let bad = FigureTests.session(dir).run("set study 3", file: "t.lart")
        #expect(bad.errors.first?.diagnostic.message.contains("`set study` takes the study identifier in quotes") == true)
    }

    @Test func adtteNumericEndpointAndMissingTimes() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "usubjid,futime,status\nS-10,30,1\nS-2,45,0\nS-3,,1\nS-1,12,2\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        let report = Interpreter(baseDirectory: dir).run("""
            use "d.csv" as d
            endpoint death = time futime event status == 1 compete status == 2 unit days
            cohort d | export adtte death "a.csv"
            """, file: "t.lart")
        #expect(report.ok, "\(report.errors.map(\.description))")
        // The row without a time is left out, with a note naming it.
        let notes = report.items.compactMap { item -> String? in if case .warning(let w) = item { return w.diagnostic.message }; return nil }
        #expect(notes.contains { $0.contains("1 patient with a missing time or status left out") && $0.contains("S-3") })
        let text = try String(contentsOfFile: dir + "/a.csv", encoding: .utf8)
        #expect(text == """
            USUBJID,PARAMCD,PARAM,STARTDT,ADT,AVAL,AVALU,CNSR,EVNTDESC,CNSDTDSC
            S-1,DEATH,Time to status == 1,,,12.0,DAYS,2,competing event: status == 2,
            S-10,DEATH,Time to status == 1,,,30.0,DAYS,0,status == 1,
            S-2,DEATH,Time to status == 1,,,45.0,DAYS,1,censored,

            """)
    }

    @Test func adtteErrors() throws {
        let dir = try FigureTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name,futime,status\na,30,1\nb,45,0\n".write(toFile: dir + "/d.csv", atomically: true, encoding: .utf8)
        func error(_ line: String) -> String? {
            let r = Interpreter(baseDirectory: dir).runChecked("""
                use "d.csv" as d
                endpoint death = time futime event status == 1 unit days
                \(line)
                """, file: "t.lart")
            return r.errors.first?.description
        }
        let noID = try #require(error(#"cohort d | export adtte death "a.csv""#))
        #expect(noID.contains("no column is named usubjid, subject_id, patient_id or id") && noID.contains("id name"))
        #expect(error(#"cohort d | export adtte death "a.csv" id name"#) == nil)
        let unknown = try #require(error(#"cohort d | export adtte deth "a.csv" id name"#))
        #expect(unknown.contains("unknown endpoint `deth`") && unknown.contains("death") && unknown.contains("t.lart:3:25"))
        let none = try #require(error(#"cohort d | export adtte "a.csv" id name"#))
        #expect(none.contains("the endpoints to write after `export adtte`"))
        let afterTable = try #require(error(#"table1 d: futime | plot "t1.svg""#))
        #expect(afterTable.contains("`plot` cannot follow `table1`"))
        #expect(error(#"table1 d: futime | export "t1.tex""#) == nil)
        let idElsewhere = try #require(error(#"cohort d | count | export "n.csv" id name"#))
        #expect(idElsewhere.contains("`id` names the patients of `export adtte`"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/a.csv") || error(#"cohort d | export adtte death "a.csv" id name"#) == nil)
    }

    @Test func latexTables() throws {
        let (dir, report) = try ExportTests.run("""
            cohort omd + opd | km pfs by cohort at 12mo | export "km.tex"
            table1 omd vs opd: sex, age, egfr | export "table1.tex"
            """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(report.ok, "\(report.errors.map(\.description))")
        for name in ["km.tex", "table1.tex"] {
            try ExportTests.expectGolden(dir, name)
            let tex = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"))
            #expect(tex.contains("\\begin{table}[htbp]") && tex.contains("\\caption{"))
            #expect(!tex.contains("% ") || tex.contains("\\%"))
        }
        try ExportTests.compileIfPossible(dir, ["km.tex", "table1.tex"])
    }

    @Test func latexEscapesAndAligns() {
        #expect(LaTeXRenderer.escape(##"a & b % c $ d # e _ f { g } h ~ i ^ j \ k < l > m"##)
            == ##"a \& b \% c \$ d \# e \_ f \{ g \} h \textasciitilde{} i \textasciicircum{} j \textbackslash{} k \textless{} l \textgreater{} m"##)
        let t = ResultTable(title: "50% of x_1", columns: ["term", "hr"],
                            rows: [[.text("age >= 60"), .number(12.5)], [.text("b"), .number(3.25)], [.text("c"), .number(7)]],
                            notes: ["p < 0.05"])
        let tex = LaTeXRenderer.render(t)
        #expect(tex.contains("\\caption{50\\% of x\\_1}"))
        #expect(tex.contains("12.5\\phantom{0} \\\\") && tex.contains("3.25 \\\\") && tex.contains("7\\phantom{.}\\phantom{0}\\phantom{0} \\\\"))
        #expect(tex.contains("{\\footnotesize\np \\textless{} 0.05\\par"))
    }

    /// Runs pdflatex over a document that inputs the tables, where pdflatex is installed
    /// (texlive-latex-base and texlive-latex-recommended); skipped otherwise.
    static func compileIfPossible(_ dir: String, _ names: [String]) throws {
        guard let pdflatex = ["/usr/bin/pdflatex", "/usr/local/bin/pdflatex"].first(where: FileManager.default.isExecutableFile) else {
            print("pdflatex not installed: the LaTeX tables were not compiled")
            return
        }
        let doc = "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{booktabs}\n\\begin{document}\n"
            + names.map { "\\input{\($0)}\n" }.joined() + "\\end{document}\n"
        try doc.write(toFile: dir + "/doc.tex", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pdflatex)
        p.arguments = ["-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "pdflatex failed: see \(dir)/doc.log")
        #expect(FileManager.default.fileExists(atPath: dir + "/doc.pdf"))
    }
}
