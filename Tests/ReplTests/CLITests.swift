import Foundation
import Testing

/// The `lart` executable as a process: exit codes, output modes, piped stdin.
struct CLITests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lart")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        for dir in [".build/debug", ".build/release"] {
            let u = repo.appendingPathComponent(dir).appendingPathComponent("lart")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return beside
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func lart(_ args: [String], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = repo
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporaryScript(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "lart-cli-\(UUID().uuidString).lart"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runQuickstart() throws {
        let r = try CLITests.lart(["run", "examples/quickstart.lart"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("omd: 54 patients"))
        #expect(r.stdout.contains("opd: 122 patients"))
    }

    @Test func checkTheStudyScript() throws {
        // Bound results, selections and table2 resolve without running the models.
        let r = try CLITests.lart(["check", "examples/lart_study.lart"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("examples/lart_study.lart: ok"))
    }

    @Test func scriptErrorExitsOneWithCaretOnStderr() throws {
        let path = try CLITests.temporaryScript("use \"\(CLITests.repo.path)/examples/data/lart_registry.csv\" as registry\ncohort registry where agee > 60 | count\n")
        let r = try CLITests.lart(["run", path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("error: unknown column `agee`"))
        #expect(r.stderr.contains("\(path):2:23"))
        #expect(r.stderr.contains("^^^^"))
        #expect(r.stderr.contains("did you mean `age`?"))
    }

    @Test func jsonOutputIsOneDocument() throws {
        let r = try CLITests.lart(["run", "--format", "json", "examples/quickstart.lart"])
        #expect(r.status == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let results = doc?["results"] as? [[String: Any]]
        #expect(results?.isEmpty == false)
        #expect(results?.first?["line"] as? Int != nil)
        #expect(doc?["ok"] as? Bool == true)
    }

    @Test func markdownOutput() throws {
        let r = try CLITests.lart(["run", "--format", "markdown", "examples/quickstart.lart"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("| cohort |"))
    }

    @Test func paramOverride() throws {
        let r = try CLITests.lart(["run", "examples/quickstart.lart", "--param", "registry=nowhere.csv"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nowhere.csv"))
        // The path on the command line is read from the working directory, not the script's
        // folder; the hint says which.
        #expect(r.stderr.contains("`registry` is given by `--param registry=...`, whose path is relative to the working directory"))
        #expect(!r.stderr.contains("relative to the folder of the script"))
    }

    @Test func checkDoesNotRun() throws {
        let ok = try CLITests.lart(["check", "examples/quickstart.lart"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("ok"))
        let path = try CLITests.temporaryScript("let x = (1 +\nlet y = 2 2\n")
        let bad = try CLITests.lart(["check", path])
        #expect(bad.status == 1)
        #expect(bad.stderr.components(separatedBy: "error:").count == 3)  // both statements reported
        // The check reads only the columns the script names; a misspelt one is still
        // suggested from all of the file's columns.
        let typo = try CLITests.temporaryScript("use \"\(CLITests.repo.path)/examples/data/lart_registry.csv\" as registry\nregistry | count by histolgy\n")
        let misspelt = try CLITests.lart(["check", typo])
        #expect(misspelt.status == 1)
        #expect(misspelt.stderr.contains("unknown column `histolgy`") && misspelt.stderr.contains("`histology`"))
    }

    @Test func pipedStdinRunsStatementsAndSurvivesErrors() throws {
        let script = """
            use "examples/data/lart_registry.csv" as registry
            cohort registry where nope | count
            cohort registry
              | where age >= 60
              | count
            """
        let r = try CLITests.lart([], stdin: script)
        #expect(r.stderr.contains("unknown column `nope`"))
        #expect(r.stdout.contains("registry  "))
        #expect(r.status == 1)  // piped input reports that a statement failed
    }

    /// A database that cannot be reached is an error like any other: the session goes on.
    @Test func unreachableDatabaseAndTheSessionGoesOn() throws {
        let script = """
            use "postgresql://lart:not-printed@127.0.0.1:1/lart" as registry
            use "examples/data/lart_registry.csv" as registry
            count registry
            """
        let r = try CLITests.lart([], stdin: script)
        #expect(r.stderr.contains("postgresql://lart@127.0.0.1:1/lart: cannot connect to server at \"127.0.0.1\", port 1: connection refused"))
        // Not even in the line the error shows.
        #expect(!r.stderr.contains("not-printed"))
        #expect(r.stderr.contains("use \"postgresql://lart:***********@127.0.0.1:1/lart\" as registry"))
        #expect(r.stdout.contains("registry  311"))
    }

    /// `--explain` prints the SQL sent to a database, after the output, on standard error.
    @Test func explainPrintsTheSQLSent() throws {
        let db = CLITests.repo.appendingPathComponent("examples/data/lart_registry.sqlite").path
        let script = try CLITests.temporaryScript("""
            use "\(db)" as registry
            cohort adeno = registry | require histology == "adenocarcinoma" | exclude mets_at_dx > 3
            cohort adeno | count
            cohort adeno | summary age
            """)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let r = try CLITests.lart(["run", script, "--explain"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("adeno   289"))
        #expect(r.stderr.contains("-- \(db)\nSELECT COUNT(*) AS n_0,"))
        // The count is the flow's; the summary fetches the rows, only the columns the script
        // names (and the id column), with what came back.
        #expect(r.stderr.contains("SELECT \"patient_id\", \"age\", \"histology\", \"mets_at_dx\" FROM \"patients\"\nWHERE ((NULLIF(\"histology\", '') = 'adenocarcinoma')) IS TRUE\n  AND ((\"mets_at_dx\" > 3)) IS FALSE;\n-- 289 rows, "))
        let csv = try CLITests.lart(["run", "examples/quickstart.lart", "--explain"])
        #expect(csv.stderr.contains("-- columns read: "))
        #expect(csv.stderr.hasSuffix("-- no SQL was sent\n"))
    }

    @Test func missingScriptIsUsageError() throws {
        let r = try CLITests.lart(["run", "no/such/file.lart"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot read"))
    }

    /// A data file given as a script is one message saying how to load it, not an error for
    /// each of its lines (312 for the registry); in `run`, `check` and `.read`.
    @Test func dataFileAsScriptIsOneMessage() throws {
        let message = "examples/data/lart_registry.csv is a data file, not a lart script; load it with `use \"examples/data/lart_registry.csv\" as registry`"
        for command in ["run", "check"] {
            let r = try CLITests.lart([command, "examples/data/lart_registry.csv"])
            #expect(r.status == 2)
            #expect(r.stderr.contains(message))
            #expect(r.stderr.components(separatedBy: "error:").count == 2, "one error")
        }
        let repl = try CLITests.lart([], stdin: ".read examples/data/lart_registry.csv\nuse \"examples/data/lart_registry.csv\" as registry\ncount registry\n")
        #expect(repl.stderr.contains(message))
        #expect(repl.stderr.components(separatedBy: "error:").count == 2, "one error")
        #expect(repl.stdout.contains("registry  311"), "the session goes on")
    }
}
