import Foundation
import Testing
@testable import Lang
import Runtime

/// What `lart run` fetches: only the columns the script names; survival inputs grouped and
/// counted in the database; each source described once; `set pushdown off`; provenance of
/// database sources. Outputs equal those of the same data read whole from CSV.
struct PushdownReadsTests {
    static let repo = PushdownTests.repo
    static let csv = PushdownTests.csv
    static let sqlite = PushdownTests.sqlite

    static let script = """
        endpoint os = from lart_date to death_date censor last_contact_date
        endpoint lf = from lart_date to local_failure_date compete death_date censor last_contact_date
        let tki = first_line == "tki"
        cohort adeno = registry
          | require histology == "adenocarcinoma" "not adenocarcinoma"
          | exclude mets_at_dx > 3 "more than 3 metastases"
        flow registry -> adeno
        cohort adeno | km os by tki at 12mo, 2y | logrank
        cohort adeno | cuminc lf by sex at 1y | gray
        cohort adeno | followup os by tki
        cohort adeno | count by egfr
        cohort older = registry | require age >= 70 | require lart_dose(rt_dose_gy, rt_fractions) "LART dose"
        cohort older | cox os ~ sex + egfr
        """

    /// `lart run`'s way (checked, then run) with `use`, as a transcript with the source's
    /// label made the CSV's.
    static func run(_ use: String, _ text: String = script, label: String) -> (Interpreter, String, RunReport) {
        let session = Interpreter(baseDirectory: repo.path)
        let report = session.runChecked(use + "\n" + text, file: "t.lart")
        return (session, PushdownTests.normalized(ReportPrinter(format: .text).transcript(report), label), report)
    }

    static func selects(_ s: Interpreter) -> [String] { s.explained.filter { $0.kind == .sql }.map(\.sql) }

    /// The script on `location` and on the CSV file: the same output (but for the source's
    /// label), and no statement fetching every column. The session and the statements sent.
    static func sameAsCSV(_ location: String, label: String) -> (Interpreter, [String]) {
        let (_, fromCSV, r1) = run("use \"\(csv)\" as registry", label: "registry (lart_registry.csv)")
        let (session, fromSource, r2) = run("use \"\(location)\" as registry", label: label)
        #expect(r1.ok && r2.ok, "\((r1.errors + r2.errors).map(\.description))")
        #expect(fromSource == fromCSV)
        let sent = selects(session)
        #expect(!sent.contains { $0.contains("SELECT *") })
        return (session, sent)
    }

    @Test func sqliteReadsNamedColumnsAndGroupedInputs() throws {
        let (session, sent) = PushdownReadsTests.sameAsCSV(PushdownReadsTests.sqlite, label: "registry (lart_registry.sqlite)")
        // Kaplan-Meier and log-rank: one grouped statement (time in days after the origin).
        let km = sent.filter { $0.contains("GROUP BY") && $0.contains("\"first_line\"") }
        #expect(km.count == 1)
        #expect(km.first?.contains("AS lart_n") == true && km.first?.contains("julianday") == true)
        #expect(sent.filter { $0.contains("GROUP BY") && $0.contains("\"local_failure_date\"") }.count == 1)
        // Cox on `older`: the rows its translated step keeps, the script's columns only.
        let rows = try #require(sent.first { $0.contains("WHERE ((\"age\" >= 70)) IS TRUE") && !$0.contains("GROUP BY") })
        #expect(rows.hasPrefix("SELECT \"patient_id\", \"sex\", \"age\", \"histology\", \"egfr\", \"mets_at_dx\", \"first_line\", \"lart_date\", \"rt_dose_gy\", \"rt_fractions\", \"local_failure_date\", \"death_date\", \"last_contact_date\" FROM"))
        // The flow needs the table's count, not its rows.
        #expect(sent.contains("SELECT COUNT(*) AS n_0 FROM \"patients\""))
        // The grouped answers are smaller than the cohort.
        let grouped = session.explained.filter { $0.sql.contains("GROUP BY") }
        #expect(grouped.allSatisfy { ($0.rows ?? .max) <= 289 })
        // Follow-up by tki has Kaplan-Meier's inputs: the answer is reused. The counts by egfr
        // (two values in adeno) come grouped too.
        #expect(sent.filter { $0.contains("GROUP BY") }.count == 3)
        #expect(session.explained.contains { $0.sql.hasPrefix("SELECT \"egfr\", COUNT(*) AS lart_n") && $0.rows == 2 })
    }

    /// The CSV reader is asked for the named columns only; an SQLite database is described
    /// once by `lart run` (the check's description serves the run).
    @Test func readsAndDescriptionsAreCounted() throws {
        let (csvSession, _, r1) = PushdownReadsTests.run("use \"\(PushdownReadsTests.csv)\" as registry", label: "")
        #expect(r1.ok)
        let csvReads = csvSession.sourceReads.filter { if case .read = $0.kind { return true }; return false }
        #expect(csvReads.count == 1)
        if case .read(let columns)? = csvReads.first?.kind {
            #expect(columns?.contains("egfr") == true && columns?.contains("death_date") == true)
            #expect(columns?.contains("tox_fibrosis") == false && columns?.contains("rt_technique") == false)
        }
        let (session, _, r2) = PushdownReadsTests.run("use \"\(PushdownReadsTests.sqlite)\" as registry", label: "")
        #expect(r2.ok)
        #expect(session.sourceReads.filter { $0.kind == .describe }.count == 1)
        // Each statement is sent once, by the check or by the run.
        #expect(Set(PushdownReadsTests.selects(session)).count == PushdownReadsTests.selects(session).count)
        // Nothing is read whole when every use of the table is pushed down.
        #expect(!session.sourceReads.contains { if case .read = $0.kind { return true }; return false })
    }

    /// `list` and `why` show columns they do not name: every column is read.
    @Test func listReadsEveryColumn() throws {
        let text = "cohort a = registry | require age > 80\ncohort a | list limit 2"
        let (session, fromSQLite, r) = PushdownReadsTests.run("use \"\(PushdownReadsTests.sqlite)\" as registry", text, label: "registry (lart_registry.sqlite)")
        #expect(r.ok, "\(r.errors.map(\.description))")
        #expect(PushdownReadsTests.selects(session).contains { $0.hasPrefix("SELECT * FROM \"patients\"\nWHERE") })
        let (csvSession, fromCSV, _) = PushdownReadsTests.run("use \"\(PushdownReadsTests.csv)\" as registry", text, label: "registry (lart_registry.csv)")
        #expect(fromSQLite == fromCSV)
        #expect(csvSession.sourceReads.contains { $0.kind == .read(columns: nil) })
    }

    /// A misspelt column is still an error where it is written, with the suggestion among
    /// all the table's columns (not only those the script names).
    @Test func unknownColumnIsLocated() throws {
        for use in ["use \"\(PushdownReadsTests.csv)\" as registry", "use \"\(PushdownReadsTests.sqlite)\" as registry"] {
            let (_, _, r) = PushdownReadsTests.run(use, "cohort a = registry | require egfrr == \"mutant\"\ncohort a | count", label: "")
            let e = try #require(r.errors.first)
            #expect(e.description.contains("t.lart:2:"), "\(e.description)")
            #expect(e.description.contains("egfr"), "\(e.description)")
            #expect(e.diagnostic.range.lowerBound == (use + "\ncohort a = registry | require ").utf8.count)
        }
    }

    /// A date in `by` is used for itself, not as days after the origin (a row whose origin is
    /// missing still has it): the dates are sent as they are, and the output is the CSV's.
    @Test func datesInGroupsAreSentAsDates() throws {
        let text = """
            endpoint os = from lart_date to death_date censor last_contact_date
            cohort a = registry | require age >= 50
            cohort a | km os by progression_date is missing
            """
        let (session, fromSQLite, r1) = PushdownReadsTests.run("use \"\(PushdownReadsTests.sqlite)\" as registry", text, label: "x")
        let (_, fromCSV, r2) = PushdownReadsTests.run("use \"\(PushdownReadsTests.csv)\" as registry", text, label: "x")
        #expect(r1.ok && r2.ok, "\((r1.errors + r2.errors).map(\.description))")
        #expect(fromSQLite == fromCSV)
        let grouped = try #require(PushdownReadsTests.selects(session).first { $0.contains("GROUP BY") })
        #expect(!grouped.contains("julianday"))
        #expect(grouped.hasPrefix("SELECT \"lart_date\", \"progression_date\", \"death_date\", \"last_contact_date\", COUNT(*)"))
    }

    /// `export adtte` writes a record per patient: on a cohort whose steps all ran in the
    /// database it fetches the rows (with the id column), and writes what the CSV gives.
    @Test func adtteExportFetchesTheRows() throws {
        var written = [String]()
        for data in [PushdownReadsTests.csv, PushdownReadsTests.sqlite] {
            let dir = try FigureTests.tempDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = Interpreter(baseDirectory: dir).runChecked("""
                use "\(PushdownReadsTests.repo.path)/\(data)" as registry
                endpoint os = from lart_date to death_date censor last_contact_date
                cohort a = registry | require age >= 70
                cohort a | export adtte os "adtte.csv"
                """, file: "t.lart")
            #expect(r.ok, "\(r.errors.map(\.description))")
            written.append(try String(contentsOfFile: dir + "/adtte.csv", encoding: .utf8))
        }
        #expect(written[0].hasPrefix("USUBJID,PARAMCD,"))
        #expect(written[0] == written[1])
    }

    /// `set pushdown off`: the table's columns are fetched and everything runs in lart; the
    /// output is the same.
    @Test func pushdownOff() throws {
        let (_, on, r1) = PushdownReadsTests.run("use \"\(PushdownReadsTests.sqlite)\" as registry", label: "x")
        let (session, off, r2) = PushdownReadsTests.run("use \"\(PushdownReadsTests.sqlite)\" as registry\nset pushdown off", label: "x")
        #expect(r1.ok && r2.ok, "\((r1.errors + r2.errors).map(\.description))")
        #expect(on == off)
        let sent = PushdownReadsTests.selects(session)
        #expect(sent.count == 1)
        #expect(sent.first?.hasPrefix("SELECT \"patient_id\", ") == true && sent.first?.hasSuffix("FROM \"patients\"") == true)
        let bad = Interpreter(baseDirectory: PushdownReadsTests.repo.path).runChecked("set pushdown maybe", file: "t.lart")
        #expect(bad.errors.first?.description.contains("`set pushdown` takes on or off") == true)
    }

    /// Provenance of a database table only queried through pushdown: the statements, the
    /// rows they returned and the SHA-256 of the answers, the same in two sessions.
    @Test func provenanceOfPushedDownTable() throws {
        func provenance() throws -> Provenance.Input {
            let (session, _, r) = PushdownReadsTests.run("use \"\(PushdownReadsTests.sqlite)\" as registry", label: "")
            #expect(r.ok)
            let p = session.provenance(file: "t.lart", text: "")
            #expect(p.inputs.count == 1)
            return try #require(p.inputs.first)
        }
        let a = try provenance(), b = try provenance()
        #expect(a.path == PushdownReadsTests.sqlite)
        #expect(a.sha256 != nil && a.sha256 == b.sha256)
        #expect(a.statements.count >= 4 && a.statements == a.statements.sorted())
        #expect(a.rows > 0)
        let text = Provenance(version: "x", file: "t.lart", fileSHA256: "0", inputs: [a], conventions: []).text()
        #expect(text.contains("rows returned by \(a.statements.count) statements  answers sha256 \(a.sha256!)"))
        #expect(text.contains("GROUP BY"))
    }

    /// The canonical serialization: the order of the rows does not change the digest; a
    /// value does.
    @Test func answersDigestIgnoresRowOrder() {
        let t1 = Table(names: ["a", "b"], columns: [.int([1, 2, Column.intNA]), Column.fromStrings(["x\ty", nil, "z"])])
        let t2 = Table(names: ["a", "b"], columns: [.int([Column.intNA, 1, 2]), Column.fromStrings(["z", "x\ty", nil])])
        let t3 = Table(names: ["a", "b"], columns: [.int([Column.intNA, 1, 3]), Column.fromStrings(["z", "x\ty", nil])])
        #expect(Interpreter.answersDigest([("q", t1)]) == Interpreter.answersDigest([("q", t2)]))
        #expect(Interpreter.answersDigest([("q", t1)]) != Interpreter.answersDigest([("q", t3)]))
        #expect(Interpreter.answersDigest([("q", t1)]) != Interpreter.answersDigest([("r", t1)]))
    }

    /// A line end inside a value is escaped, CR LF too (one `Character` in Swift): one row
    /// holding `a` CR LF `b` is not the two rows `a` CR and `b`.
    @Test func answersDigestEscapesLineEndsInValues() {
        let one = Table(names: ["v"], columns: [Column.fromStrings(["a\r\nb"])])
        let two = Table(names: ["v"], columns: [Column.fromStrings(["a\r", "b"])])
        #expect(Interpreter.answersDigest([("q", one)]) != Interpreter.answersDigest([("q", two)]))
        #expect(Interpreter.escaped("a\r\nb\t\\") == "a\\r\\nb\\t\\\\")
    }

    @Test(.enabled(if: PostgresServer.available, PostgresServer.skipped))
    func postgresReadsNamedColumnsAndGroupedInputs() throws {
        let url = try #require(PostgresServer.url)
        let (session, sent) = PushdownReadsTests.sameAsCSV(url, label: "registry (lart)")
        #expect(sent.contains { $0.contains("(\"death_date\" - \"lart_date\") AS lart_days_") && $0.contains("GROUP BY 1, 2, 3, 4") })
        let p = session.provenance(file: "t.lart", text: "")
        let input = try #require(p.inputs.first)
        #expect(input.sha256 != nil)
        #expect(input.path == url)
        #expect(!p.text().contains("unreadable"))
    }
}
