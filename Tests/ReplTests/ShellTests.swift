import Foundation
import Testing

/// The shell as a process: one-shot `-c`, `.output`/`.once`, `.bail`, `.show`, unknown
/// meta-commands in piped mode, `--param` checks, and `.help` for every topic.
struct ShellTests {
    static let registry = "examples/data/lart_registry.csv"

    @Test func oneShotCommand() throws {
        let ok = try CLITests.lart(["-c", "use \"\(ShellTests.registry)\" as r\ncount r"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("r       311"))
        let bad = try CLITests.lart(["-c", "cohrt r where age > 1"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown statement `cohrt`"))
        #expect(bad.stderr.contains("did you mean `cohort`?"))
    }

    @Test func unknownMetaCommandInPipedModeExitsOne() throws {
        let r = try CLITests.lart([], stdin: "use \"\(ShellTests.registry)\" as r\n.nonsense\ncount r\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown command .nonsense"))
        #expect(!r.stdout.contains("Count of r"))  // stopped there
    }

    @Test func outputOnceAndShow() throws {
        let dir = NSTemporaryDirectory() + "lart-shell-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
            use "\(ShellTests.registry)" as r
            .once \(dir)/once.txt
            count r
            count r
            .output \(dir)/all.txt
            cohort r where age > 60 | count
            flow r
            .output
            .show
            """
        let r = try CLITests.lart([], stdin: script)
        #expect(r.status == 0, "\(r.stderr)")
        let once = try String(contentsOfFile: dir + "/once.txt", encoding: .utf8)
        let all = try String(contentsOfFile: dir + "/all.txt", encoding: .utf8)
        #expect(once.contains("Count of r"))
        #expect(r.stdout.components(separatedBy: "Count of r").count == 2)  // the second count only
        #expect(all.contains("Flow of r") || all.contains("Count of r"))
        #expect(r.stdout.contains("version: "))
        #expect(r.stdout.contains("set ties: efron"))
        #expect(r.stdout.contains("table r: \(ShellTests.registry)"))
    }

    /// A line starting with `|` (here after a comment, as typed at the prompt) continues
    /// the statement before it: it runs again whole, and only what the new stage adds is shown.
    @Test func pipeLineShowsOnlyWhatTheNewStageAdds() throws {
        let script = """
            use "\(ShellTests.registry)" as r
            endpoint os = from lart_date to death_date censor last_contact_date
            r | km os by sex
            # a comment ends the statement: the next lines continue it as typed at the prompt
            | logrank
            # again
            | count
            """
        let r = try CLITests.lart([], stdin: script)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "Kaplan-Meier: os").count == 2)   // once
        #expect(r.stdout.components(separatedBy: "Log-rank test: os").count == 2)
        #expect(r.stdout.contains("Count of r"))
        // JSON keeps every result of the statement run (its figures refer to them by position).
        let j = try CLITests.lart(["--format", "json"], stdin: script)
        let last = try #require(j.stdout.components(separatedBy: "\"lart_version\"").last)
        #expect(["km", "logrank", "count"].allSatisfy { last.contains("\"kind\": \"\($0)\"") })
    }

    @Test func bailStopsAtTheFirstError() throws {
        let r = try CLITests.lart([], stdin: ".bail on\nuse \"\(ShellTests.registry)\" as r\ncount nope\ncount r\n")
        #expect(r.status == 1)
        #expect(!r.stdout.contains("Count of r"))
    }

    @Test func unknownParamIsAnErrorListingDeclaredOnes() throws {
        let r = try CLITests.lart(["run", "examples/quickstart.lart", "--param", "dat=x.csv"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown parameter `dat`"))
        #expect(r.stderr.contains("the script declares: registry"))
        #expect(r.stdout.isEmpty)  // nothing ran
    }

    @Test func paramPathIsRelativeToTheWorkingDirectory() throws {
        // The script lives in a temporary folder; the data path is given from the
        // repository (the working directory of the process).
        let script = try CLITests.temporaryScript("param data = \"unused.csv\"\nuse data as r\ncount r\n")
        let r = try CLITests.lart(["run", script, "--param", "data=\(ShellTests.registry)"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("311"))
    }

    @Test func runChecksEverythingBeforeRunning() throws {
        let script = try CLITests.temporaryScript("""
            use "\(CLITests.repo.path)/\(ShellTests.registry)" as r
            endpoint os = from lart_date to death_date censor last_contact_date
            count r
            cohort r | km os | export "no/such/folder/t.csv"
            """)
        let run = try CLITests.lart(["run", script])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)  // the count before the bad export did not run
        #expect(run.stderr.contains("the folder no/such/folder does not exist"))
        let check = try CLITests.lart(["check", script])
        #expect(check.status == 1)
        #expect(check.stderr.contains("the folder no/such/folder does not exist"))
    }

    @Test func helpHasAnEntryForEveryTopic() throws {
        let topics = ["km", "logrank", "cox", "zph", "cuminc", "gray", "finegray", "followup", "count", "flow", "list",
                      "summary", "plot", "export", "where", "require", "exclude",
                      "first", "log", "cut", "median", "eqd2", "ifelse",
                      "month", "unit", "ci", "ties", "conventions",
                      "d", "w", "mo", "y"]
        let r = try CLITests.lart([], stdin: topics.map { ".help \($0)" }.joined(separator: "\n") + "\n.help functions\n.help settings\n.help units\n.help stages\n")
        #expect(r.status == 0)
        #expect(!r.stdout.contains("no help for"))
        #expect(r.stdout.components(separatedBy: "  example: ").count == topics.count + 1)
    }

    /// A stage's syntax line names what each option takes: `by` expressions (one or a list),
    /// `at` times, `ci` one of the interval transforms.
    @Test func helpSyntaxNamesWhatOptionsTake() throws {
        let r = try CLITests.lart([], stdin: ".help km\n.help followup\n")
        #expect(r.stdout.contains("SOURCE | km ENDPOINT [at T1, T2, ...] [by EXPR, EXPR, ...] [ci log|log-log|plain]"))
        #expect(r.stdout.contains("SOURCE | followup ENDPOINT [by EXPR]"))
    }
}
