import Foundation
import Testing
import Lang
import Runtime

/// A table read from SQLite gives the same results as the same data read from CSV.
struct SQLiteTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func km(_ use: String) throws -> KaplanMeierResult {
        let s = Interpreter(baseDirectory: SQLiteTests.repo.path)
        let r = s.run("""
            \(use)
            endpoint pfs = from lart_date to first(progression_date, death_date) censor last_contact_date
            cohort registry where disease_state == "synchronous_oligometastasis" | km pfs by first_line == "tki" at 12mo
            """, file: "t.lart")
        try #require(r.ok, "\(r.errors.map(\.description))")
        return try #require(r.results.last?.result as? KaplanMeierResult)
    }

    @Test func sameAsCSV() throws {
        let a = try km("use \"examples/data/lart_registry.csv\" as registry")
        let b = try km("use \"examples/data/lart_registry.sqlite\" table patients as registry")
        #expect(a.curves.map(\.label) == b.curves.map(\.label))
        for (x, y) in zip(a.curves, b.curves) {
            #expect(x.survival == y.survival)
            #expect(x.time == y.time)
        }
    }

    /// `why` on a cohort of a database table (read only when first needed) finds the patient
    /// and follows it as from the CSV file, in `lart run` (a checked run) and at the REPL.
    @Test func whyOnADatabaseTable() throws {
        func why(_ use: String, checked: Bool) throws -> String {
            let s = Interpreter(baseDirectory: SQLiteTests.repo.path)
            let text = """
                \(use)
                cohort adeno = registry | require histology == "adenocarcinoma" "not adenocarcinoma"
                why P0001 in adeno
                why P0073 in adeno
                """
            let r = checked ? s.runChecked(text, file: "t.lart") : s.run(text, file: "t.lart")
            try #require(r.ok, "\(r.errors.map(\.description))")
            return ReportPrinter(format: .text).output(r, file: "t.lart").0
        }
        let csv = try why("use \"examples/data/lart_registry.csv\" as registry", checked: true)
        let sqlite = "use \"examples/data/lart_registry.sqlite\" as registry"
        #expect(csv.contains("not in adeno") && csv.contains("large_cell"))
        for checked in [true, false] {
            let db = try why(sqlite, checked: checked)
            // The same words (the source's name is longer, so columns are padded differently).
            func words(_ t: String) -> [Substring] { t.split(whereSeparator: \.isWhitespace) }
            #expect(words(db.replacingOccurrences(of: "lart_registry.sqlite", with: "lart_registry.csv")) == words(csv))
        }
    }

    @Test func columnTypes() throws {
        let t = try SQLiteReader.read(path: SQLiteTests.repo.path + "/examples/data/lart_registry.sqlite", table: "patients")
        #expect(t.rowCount == 311)
        #expect(t["lart_date"]?.kind == .date)
        #expect(t["age"]?.kind == .int)
        #expect(t["rt_dose_gy"]?.kind == .double)
        #expect(t["sex"]?.kind == .string)
        #expect(t["death_date"]?.missingCount == t.rowCount - 206 || t["death_date"]!.missingCount > 0)
    }

    @Test func errorsNameTheProblem() {
        let s = Interpreter(baseDirectory: SQLiteTests.repo.path)
        let r1 = s.run("use \"examples/data/lart_registry.sqlite\" table patient as registry", file: "t.lart")
        #expect(r1.errors.first?.diagnostic.message.contains("no such table: patient") == true)
        // A database with a single table needs no `table`.
        let r2 = s.run("use \"examples/data/lart_registry.sqlite\" as registry\ncount registry", file: "t.lart")
        #expect(r2.ok)
        #expect((r2.results.first?.result as? CountResult)?.total == 311)
    }
}
