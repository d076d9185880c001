import Foundation
import Testing
import Lang
@testable import Runtime

/// The PostgreSQL server the tests read: `LART_PG_URL` (set by `.ci/run`, which starts a
/// throwaway cluster with `.ci/postgres`: database `lart` holds `patients`, the bundled
/// registry; database `fixtures` holds `lung` and `kinds`). Without it the tests that need a
/// server are skipped, except under CI, where that is an error.
enum PostgresServer {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["LART_PG_URL"]
    static let available = url != nil
    static let skipped: Comment = "LART_PG_URL is not set: start a server with `source .ci/postgres && pg_start`"

    /// The URL of another database on the same server.
    static func database(_ name: String) -> String {
        let u = url ?? "postgresql://localhost/lart"
        return String(u[..<(u.lastIndex(of: "/") ?? u.endIndex)]) + "/" + name
    }

    /// host:port of the server (for messages).
    static var hostPort: (host: String, port: String) {
        let u = url ?? ""
        let authority = u.split(separator: "@").last.map { String($0.split(separator: "/").first ?? "") } ?? ""
        let parts = authority.split(separator: ":")
        return (parts.first.map(String.init) ?? "", parts.count > 1 ? String(parts[1]) : "5432")
    }
}

/// Under CI the PostgreSQL tests must run, not be skipped.
struct PostgresUnderCITests {
    @Test func serverIsThereUnderCI() {
        if PostgresServer.environment["CI"] == "true" && !PostgresServer.available {
            Issue.record("CI=true but LART_PG_URL is not set: .ci/run must start the PostgreSQL cluster (.ci/postgres), or the PostgreSQL tests are skipped")
        }
    }
}

/// Errors that need no server: a port where nothing listens, a malformed URL, a query that
/// writes. Each names the source without its password.
struct PostgresErrorTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func error(_ script: String) -> String {
        let r = Interpreter(baseDirectory: PostgresErrorTests.repo.path).run(script, file: "t.lart")
        return r.errors.first?.diagnostic.message ?? "no error"
    }

    @Test func connectionRefused() {
        #expect(error("use \"postgresql://lart:s3cret-pw@127.0.0.1:1/lart\" as registry") ==
                "postgresql://lart@127.0.0.1:1/lart: cannot connect to server at \"127.0.0.1\", port 1: connection refused; is the server running on that host and accepting TCP/IP connections?")
    }

    @Test func malformedURL() {
        #expect(error("use \"postgresql://lart:s3cret-pw@[::1:5432/lart\" as registry").hasPrefix(
            "postgresql://lart@[::1:5432/lart: not a PostgreSQL URL ("))
        #expect(!error("use \"postgresql://lart:s3cret-pw@[::1:5432/lart\" as registry").contains("s3cret"))
    }

    @Test func onlyQueriesThatRead() throws {
        let r = Interpreter().run("use \"postgresql://lart@127.0.0.1:1/lart\" query \" /* note */ (DELETE FROM patients\" as x", file: "t.lart")
        let e = try #require(r.errors.first)
        #expect(e.diagnostic.message == "postgresql://lart@127.0.0.1:1/lart: only queries that read are run (SELECT, WITH, VALUES or TABLE); this one starts with `DELETE`")
        // The caret is on DELETE inside the query.
        #expect(e.diagnostic.range.lowerBound == "use \"postgresql://lart@127.0.0.1:1/lart\" query \" /* note */ (".utf8.count)
    }

    @Test func passwordsAreRemovedFromTheURL() {
        #expect(PostgresSource.redact("postgresql://u:p%40ss@h:5/db") == "postgresql://u@h:5/db")
        #expect(PostgresSource.redact("postgres://u@h/db?password=x&sslmode=require") == "postgres://u@h/db?sslmode=require")
        #expect(PostgresSource.redact("postgresql://h/db") == "postgresql://h/db")
        #expect(PostgresSource.redact("postgresql://u:pw@/db?host=/tmp") == "postgresql://u@/db?host=/tmp")
        #expect(PostgresSource.writtenPassword("postgresql://u:p%40ss@h:5/db") == "p%40ss")
        #expect(PostgresSource.writtenPassword("postgres://u@h/db?sslmode=require&password=x") == "x")
        #expect(PostgresSource.writtenPassword("postgresql://u@h/db") == nil)
    }

    @Test func kindFromURL() {
        #expect(DataSources.kind(of: "postgresql://h/db").kindName == "PostgreSQL")
        #expect(DataSources.kind(of: "postgres://h/db").kindName == "PostgreSQL")
        #expect(DataSources.kind(of: "data/postgresql.csv").kindName == "CSV")
    }
}

/// Reading from a running server: types from the catalogue, the same results as from CSV,
/// located errors.
@Suite(.enabled(if: PostgresServer.available, PostgresServer.skipped))
struct PostgresTests {
    static let repo = PostgresErrorTests.repo
    let url = PostgresServer.url ?? ""
    let fixtures = PostgresServer.database("fixtures")

    func run(_ script: String) -> RunReport {
        Interpreter(baseDirectory: PostgresTests.repo.path).run(script, file: "t.lart")
    }

    func error(_ script: String) -> LangError? { run(script).errors.first }

    @Test func typesFromTheCatalogue() throws {
        let source = try DataSources.open(fixtures, .table("kinds"))
        let described = try source.describe()
        #expect(described.map(\.name) == ["id", "flag", "small", "amount", "ratio", "x", "day", "label", "code", "note", "at"])
        #expect(described.map(\.kind) == [.int, .bool, .int, .double, .double, .double, .date, .string, .string, .string, .string])
        #expect(described.map(\.sourceType) == ["bigint", "boolean", "smallint", "numeric", "real", "double precision", "date",
                                                "character varying", "character", "text", "timestamp"])
        let t = try source.read(columns: nil)
        #expect(t.rowCount == 3)
        #expect(t.strings("id") == ["1", "2", "3"])
        #expect(t.strings("flag") == ["true", "false", nil])
        #expect(t.strings("small") == ["3", nil, "-7"])
        #expect(t.doubles("amount")?.map { $0.isNaN ? -999 : $0 } == [12.5, -3, -999])
        #expect(t.strings("day") == ["2020-02-29", "1969-12-31", nil])
        #expect(t.strings("label") == ["first", nil, "third"])
        #expect(t.strings("code") == ["ab", "xyz", nil])                 // character(3) without padding
        #expect(t.strings("note") == ["é \"quoted\", comma", nil, nil])   // empty text is missing
        #expect(t.doubles("x")?[1].isNaN == true)
        #expect(t.doubles("x")?[2] == -1e300)
        #expect(t.strings("at") == ["2020-01-02 03:04:05", nil, "1999-12-31 23:59:59"])
        let two = try source.read(columns: ["day", "id"])
        #expect(two.names == ["id", "day"])
    }

    @Test func registryHasTheCSVsColumns() throws {
        let pg = try DataSources.open(url, .all).describe()
        let csv = try DataSources.open(PostgresTests.repo.appendingPathComponent("examples/data/lart_registry.csv").path, .all).describe()
        #expect(pg.map(\.name) == csv.map(\.name))
        #expect(pg.map(\.kind) == csv.map(\.kind))
    }

    /// lung from PostgreSQL gives the same Kaplan-Meier, log-rank and Cox output as from CSV.
    @Test func lungSameAsCSV() throws {
        let analyses = """
            endpoint death = time time event status == 2 unit days
            cohort lung | km death by sex at 180d, 365d | logrank
            cohort lung | cox death ~ age + sex + `ph.ecog`
            cohort lung where age >= 60 | km death
            """
        let csv = run("use \"Tests/Fixtures/public/lung.csv\" as lung\n" + analyses)
        let pg = run("use \"\(fixtures)\" table lung\n" + analyses)
        #expect(csv.ok && pg.ok, "\((csv.errors + pg.errors).map(\.description))")
        let a = ReportPrinter(format: .text).transcript(csv), b = ReportPrinter(format: .text).transcript(pg)
        #expect(b.count > 1000)
        #expect(a == b)
        let km = try #require(pg.results.first?.result as? KaplanMeierResult)
        #expect(km.curves.count == 2)
    }

    @Test func queryRows() throws {
        let r = run("""
            use "\(fixtures)" query "SELECT time, status, sex FROM lung WHERE age >= 60 ORDER BY time" as older
            count older
            """)
        #expect(r.ok, "\(r.errors.map(\.description))")
        #expect((r.results.first?.result as? CountResult)?.total == 145)
    }

    @Test func severalTablesNeedTable() {
        #expect(error("use \"\(fixtures)\" as x")?.diagnostic.message ==
                "\(fixtures): database fixtures has 2 tables (kinds, lung): say which with `table NAME`")
    }

    @Test func unknownTableIsLocatedAtItsName() throws {
        let script = "use \"\(fixtures)\" table Lungs as x"
        let e = try #require(error(script))
        #expect(e.diagnostic.message == "\(fixtures): no table `Lungs` in database fixtures (tables: kinds, lung)")
        #expect(e.diagnostic.range == (script.utf8.count - "Lungs as x".utf8.count)..<(script.utf8.count - " as x".utf8.count))
        let e2 = try #require(error("use \"\(fixtures)\" table Lung as x"))
        #expect(e2.diagnostic.message == "\(fixtures): no table `Lung` in database fixtures; did you mean `lung`? (tables: kinds, lung)")
    }

    @Test func unknownColumnIsLocatedInTheQuery() throws {
        let script = "use \"\(fixtures)\" query \"SELECT time, statuss FROM lung\" as x"
        let e = try #require(error(script))
        #expect(e.diagnostic.message == "\(fixtures): the query fails: column \"statuss\" does not exist; Perhaps you meant to reference the column \"lung.status\".")
        let at = script.utf8.count - "statuss FROM lung\" as x".utf8.count
        #expect(e.diagnostic.range == at..<(at + 1))
    }

    @Test func badSQL() throws {
        let e = try #require(error("use \"\(fixtures)\" query \"SELECT time FROM lung WHERE\" as x"))
        #expect(e.diagnostic.message == "\(fixtures): the query fails: syntax error at end of input")
        // An error met while the rows are read shows where the table is first used (`use`
        // only describes it). (`count x` would not read them: its total is a COUNT(*).)
        let script = "use \"\(fixtures)\" query \"SELECT 1/(time - time) FROM lung\" as x\nx | list"
        let e2 = try #require(error(script))
        #expect(e2.diagnostic.message == "\(fixtures): the query fails: division by zero")
        let at = script.utf8.count - "x | list".utf8.count
        #expect(e2.diagnostic.range == at..<(at + 1))
    }

    @Test func readOnly() throws {
        let e = try #require(error("use \"\(fixtures)\" query \"SELECT * FROM lung FOR UPDATE\" as x\ncount x"))
        #expect(e.diagnostic.message == "\(fixtures): the query fails: cannot execute SELECT FOR UPDATE in a read-only transaction")
        let e2 = try #require(error("use \"\(fixtures)\" query \"WITH d AS (DELETE FROM lung RETURNING *) SELECT * FROM d\" as x\ncount x"))
        #expect(e2.diagnostic.message.hasPrefix("\(fixtures): the query fails: "))
        let e3 = try #require(error("use \"\(fixtures)\" query \"SELECT 1; DROP TABLE lung\" as x"))
        #expect(e3.diagnostic.message == "\(fixtures): the query fails: cannot insert multiple commands into a prepared statement")
        #expect(run("use \"\(fixtures)\" table lung\ncount lung").ok)
        // Nothing was deleted.
        let left = run("use \"\(fixtures)\" table lung\ncount lung")
        #expect((left.results.first?.result as? CountResult)?.total == 228)
    }

    @Test func wrongPasswordIsNotPrinted() throws {
        let (host, port) = PostgresServer.hostPort
        let e = try #require(error("use \"postgresql://lart:wrong-secret@\(host):\(port)/lart\" as x"))
        #expect(e.diagnostic.message == "postgresql://lart@\(host):\(port)/lart: cannot connect to server at \"\(host)\", port \(port): password authentication failed for user \"lart\"; check the password in PGPASSWORD or ~/.pgpass")
        #expect(!e.description.replacingOccurrences(of: "wrong-secret@", with: "").contains("wrong-secret"))
    }

    @Test func noPassword() throws {
        let (host, port) = PostgresServer.hostPort
        let e = try #require(error("use \"postgresql://lart@\(host):\(port)/lart?passfile=/nonexistent\" as x"))
        #expect(e.diagnostic.message == "postgresql://lart@\(host):\(port)/lart?passfile=/nonexistent: cannot connect to server at \"\(host)\", port \(port): the server asks for a password and none was given; set PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass")
    }

    @Test func unknownDatabase() throws {
        let other = PostgresServer.database("nodb")
        let e = try #require(error("use \"\(other)\" as x"))
        let (host, port) = PostgresServer.hostPort
        #expect(e.diagnostic.message == "\(other): cannot connect to server at \"\(host)\", port \(port): database \"nodb\" does not exist")
    }

    /// The server ends the session while rows are read: a clear message, and the session
    /// goes on.
    @Test func droppedConnection() throws {
        let s = Interpreter(baseDirectory: PostgresTests.repo.path)
        let r = s.run("use \"\(fixtures)\" query \"SELECT pg_terminate_backend(pg_backend_pid())\" as x\ncount x", file: "t.lart")
        #expect(r.errors.first?.diagnostic.message ==
                "\(fixtures): the connection to the server was lost while reading (terminating connection due to administrator command); try again")
        let again = s.run("use \"\(fixtures)\" table lung\ncount lung", file: "t.lart")
        #expect(again.ok)
    }
}
