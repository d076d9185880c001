import Foundation
import Testing
import Lang
import Runtime

/// Row steps of a cohort defined on a database table run in the database (one query for
/// every step's count, one for the rows kept): the flow and the analyses equal those of the
/// same data read from CSV, on SQLite and on PostgreSQL.
struct PushdownTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let csv = "examples/data/lart_registry.csv"
    static let sqlite = "examples/data/lart_registry.sqlite"

    /// Cohorts whose steps translate (comparisons, and/or/not, in, is missing, arithmetic,
    /// dates, a let, a parameter), one that stops at a function, and their analyses.
    static let analyses = """
        param cutoff = 3
        let older = age >= 70
        endpoint os = from lart_date to death_date censor last_contact_date
        cohort a = registry
          | require histology == "adenocarcinoma" "adenocarcinoma"
          | exclude mets_at_dx > cutoff "many metastases"
          | where lart_date >= 2014-01-01 and not (sex == "M" and older)
          | require egfr in ["mutant", "wild_type"] or alk not in ["positive"]
          | exclude progression_date is missing and death_date is not missing
          | where rt_dose_gy * rt_fractions - 10 > -(5) and age + 0.5 != 60.5
          | require line_at_lart in [1, 2, 3, 4, 5, 6] "line known"
        cohort b = registry
          | require first_line != "tki"
          | require lart_dose(rt_dose_gy, rt_fractions) "LART dose"
          | where rt_technique == "cyberknife"
        flow a
        flow b
        cohort a | km os at 12mo
        cohort b | count
        """

    static func transcript(_ use: String, _ interpreter: Interpreter = Interpreter(baseDirectory: repo.path)) -> (String, RunReport) {
        let report = interpreter.run(use + "\n" + analyses, file: "t.lart")
        return (ReportPrinter(format: .text).transcript(report), report)
    }

    static func normalized(_ s: String, _ label: String) -> String {
        s.replacingOccurrences(of: label, with: "registry (lart_registry.csv)")
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    @Test func sqliteSameAsCSV() throws {
        let (fromCSV, r1) = PushdownTests.transcript("use \"\(PushdownTests.csv)\" as registry")
        let session = Interpreter(baseDirectory: PushdownTests.repo.path)
        let (fromSQLite, r2) = PushdownTests.transcript("use \"\(PushdownTests.sqlite)\" as registry", session)
        #expect(r1.ok && r2.ok, "\((r1.errors + r2.errors).map(\.description))")
        #expect(fromCSV.contains("line known"))
        #expect(PushdownTests.normalized(fromSQLite, "registry (lart_registry.sqlite)") == PushdownTests.normalized(fromCSV, "registry (lart_registry.csv)"))
        // Cohort a: all seven steps in one WHERE (its Kaplan-Meier fetches its inputs grouped);
        // cohort b: its first step only.
        let sent = session.explained.map(\.sql)
        #expect(sent.count == 4)
        #expect(sent.contains { $0.contains("GROUP BY") && $0.components(separatedBy: "\n  AND ").count == 7 })
        #expect(sent.contains { $0.hasPrefix("SELECT * FROM \"patients\"\nWHERE") && !$0.contains("AND") && $0.contains("tki") })
        #expect(sent.contains { $0.contains("AS missing_7") })
    }

    /// A condition that does not translate (a 0/1 column as a condition) runs in memory.
    @Test func untranslatableStepsRunInMemory() throws {
        let session = Interpreter(baseDirectory: PushdownTests.repo.path)
        let r = session.run("""
            use "\(PushdownTests.sqlite)" as registry
            cohort c = registry | exclude brain_mets_uncontrolled | require age > 50
            cohort c | count
            """, file: "t.lart")
        #expect(r.ok, "\(r.errors.map(\.description))")
        #expect(session.explained.map(\.sql) == ["SELECT * FROM \"patients\""])
        let csv = Interpreter(baseDirectory: PushdownTests.repo.path).run("""
            use "\(PushdownTests.csv)" as registry
            cohort c = registry | exclude brain_mets_uncontrolled | require age > 50
            cohort c | count
            """, file: "t.lart")
        #expect((r.results.last?.result as? CountResult)?.total == (csv.results.last?.result as? CountResult)?.total)
    }

    /// A `use` that fails leaves the table bound before it as it was.
    @Test func failedUseKeepsTheTableBefore() throws {
        let session = Interpreter(baseDirectory: PushdownTests.repo.path)
        #expect(session.run("use \"\(PushdownTests.sqlite)\" as registry", file: "t.lart").ok)
        #expect(!session.run("use \"examples/data/no_such.sqlite\" as registry", file: "t.lart").ok)
        let r = session.run("count registry", file: "t.lart")
        #expect((r.results.first?.result as? CountResult)?.total == 311)
    }

    @Test(.enabled(if: PostgresServer.available, PostgresServer.skipped))
    func postgresSameAsCSV() throws {
        let url = try #require(PostgresServer.url)
        let (fromCSV, r1) = PushdownTests.transcript("use \"\(PushdownTests.csv)\" as registry")
        let session = Interpreter(baseDirectory: PushdownTests.repo.path)
        let (fromPostgres, r2) = PushdownTests.transcript("use \"\(url)\" as registry", session)
        #expect(r1.ok && r2.ok, "\((r1.errors + r2.errors).map(\.description))")
        #expect(PushdownTests.normalized(fromPostgres, "registry (lart)") == PushdownTests.normalized(fromCSV, "registry (lart_registry.csv)"))
        let sent = session.explained.map(\.sql)
        #expect(sent.count == 4)
        #expect(sent.contains { $0.contains("FROM public.\"patients\"\nWHERE") && $0.contains("GROUP BY") && $0.components(separatedBy: "\n  AND ").count == 7 })
        #expect(sent.contains { $0.contains("DATE '2014-01-01'") })
    }

    /// NaN in a PostgreSQL double column is missing, as in memory; so is empty text.
    @Test(.enabled(if: PostgresServer.available, PostgresServer.skipped))
    func postgresNaNAndEmptyTextAreMissing() throws {
        let session = Interpreter(baseDirectory: PushdownTests.repo.path)
        let r = session.run("""
            use "\(PostgresServer.database("fixtures"))" table kinds
            cohort positive = kinds | where x > 0
            cohort noted = kinds | where note is not missing and flag
            flow positive
            cohort noted | count
            """, file: "t.lart")
        #expect(r.ok, "\(r.errors.map(\.description))")
        let text = ReportPrinter(format: .text).transcript(r)
        #expect(text.contains("where x > 0"))
        #expect((r.results.last?.result as? CountResult)?.total == 1)
        // The two flows' counts: the flow of `positive` and the total of `noted` need no rows.
        #expect(session.explained.count == 2)
        // x: 1.25, NaN, -1e300: one kept, one missing, one failed.
        let flow = session.explained.first { $0.sql.contains("NULLIF(\"x\", 'NaN')") }
        #expect(flow != nil)
        #expect(text.contains("condition missing: 1"))
    }
}
