import ArgumentParser
import Lang
import Runtime
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Process exit codes, defined in one place.
enum ExitStatus {
    static let ok: Int32 = 0
    /// The script had an error (syntax, name, data or analysis).
    static let scriptError: Int32 = 1
    /// The command line was wrong or a file could not be read.
    static let usage: Int32 = 2
}

@main
struct Lart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lart",
        abstract: "A small language for clinical survival studies.",
        discussion: """
            With no subcommand, lart starts an interactive session (type .help).
            lart run FILE.lart runs a script; lart check FILE.lart checks it without running.
            lart knit paper.md -o paper.html runs the lart blocks of a document into it.
            Note: the lart binary links GNU readline (GPLv3).
            """,
        version: LartVersion.string,
        subcommands: [Repl.self, Run.self, Check.self, Knit.self],
        defaultSubcommand: Repl.self)
}

enum LartVersion { static let string = LangInfo.version }

/// `--param name=value` pairs. A value that is a file path (it names an existing file, or
/// ends in a data-file extension) is relative to the current directory, as any path typed on
/// a command line is: it is made absolute here, before the script (whose own paths are
/// relative to its folder) sees it.
func parseParams(_ raw: [String]) throws -> [String: String] {
    var out = [String: String]()
    for p in raw {
        guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
            throw ValidationError("--param takes name=value, got '\(p)'")
        }
        out[String(p[..<eq])] = absolutePathIfFile(String(p[p.index(after: eq)...]))
    }
    return out
}

func absolutePathIfFile(_ value: String) -> String {
    guard !value.isEmpty, !value.hasPrefix("/") else { return value }
    let extensions = [".csv", ".sqlite", ".sqlite3", ".db", ".lart", ".svg", ".json", ".md", ".txt"]
    guard access(value, F_OK) == 0 || extensions.contains(where: { value.lowercased().hasSuffix($0) }) else { return value }
    guard let cwd = getcwd(nil, 0) else { return value }
    defer { free(cwd) }
    return String(cString: cwd) + "/" + value
}

func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

func readText(_ path: String) -> String? {
    guard let bytes = try? CSVReader.readFile(path) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

func writeErr(_ s: String) {
    var text = s
    if !text.hasSuffix("\n") { text += "\n" }
    // fwrite, not fputs: a NUL in the text must not end the message.
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, stderr) }
}

extension OutputFormat: ExpressibleByArgument {}

/// Whether terminal plots may use colour: standard output is a terminal that is not `dumb`,
/// and `NO_COLOR` (no-color.org) is not set.
func terminalHasColour() -> Bool {
    guard isatty(STDOUT_FILENO) != 0, getenv("NO_COLOR") == nil else { return false }
    guard let term = getenv("TERM").map({ String(cString: $0) }), !term.isEmpty, term != "dumb" else { return false }
    return true
}

/// The message for a data file given where a script is expected (`lart run data.csv`,
/// `.read data.csv`): read as a script, every line of it was an error.
func dataFileAsScript(_ path: String) -> String? {
    let lower = path.lowercased()
    guard ([".csv", ".tsv"] + SQLiteSource.suffixes).contains(where: { lower.hasSuffix($0) }) else { return nil }
    return "error: \(path) is a data file, not a lart script; load it with `use \"\(path)\" as registry` in a script or at the prompt"
}

/// A session for a script file (paths relative to the script's folder) and the script's text.
func openScript(_ file: String, params: [String]) throws -> (Interpreter, String) {
    let overrides = try parseParams(params)
    if let message = dataFileAsScript(file) {
        writeErr(message)
        throw ExitCode(ExitStatus.usage)
    }
    guard let text = readText(file) else {
        writeErr("error: cannot read \(file): no such file or not readable")
        throw ExitCode(ExitStatus.usage)
    }
    return (Interpreter(baseDirectory: directory(of: file), overrides: overrides, strictOverrides: true,
                        cancellation: signalCancellation()), text)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a .lart script; stops at the first error (exit code 1).")

    @Argument(help: "The script to run.") var file: String
    @Option(name: .long, help: "Output format: text, markdown, json or csv.") var format: OutputFormat = .text
    @Option(name: .long, help: "Rebind a script parameter: --param registry=other.csv (repeatable).") var param: [String] = []
    @Flag(name: .long, help: "After the results, what they were computed from: lart version, SHA-256 of the script and of each data file, rows, conventions.")
    var provenance = false
    @Flag(name: .long, help: "Print the SQL sent to databases (on standard error).") var explain = false

    func run() throws {
        let (session, text) = try openScript(file, params: param)
        installRunInterruptHandler()
        let report = session.runChecked(text, file: file)
        let printer = ReportPrinter(format: format, colour: terminalHasColour())
        var (out, err) = printer.output(report, file: file)
        if provenance {
            let p = session.provenance(file: basename(file), text: text)
            switch format {
            case .json:
                if case .object(var fields) = printer.jsonDocument(report, file: file) {
                    fields.append(("provenance", p.json()))
                    out = JSONValue.object(fields).serialized(indent: 2) + "\n"
                }
            case .markdown: out += "\n" + p.markdown()
            case .text, .csv: out += "\n" + p.text()
            }
        }
        print(out, terminator: "")
        if !err.isEmpty { writeErr(err) }
        if explain {
            var lines = session.explained.map(\.explained)
            if !session.explained.contains(where: { $0.kind == .sql }) { lines.append("-- no SQL was sent") }
            writeErr(lines.joined(separator: "\n\n"))
        }
        if report.interrupted { throw ExitCode(ExitStatus.interrupted) }
        if !report.ok { throw ExitCode(ExitStatus.scriptError) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse a script and resolve its names without running analyses.")

    @Argument(help: "The script to check.") var file: String
    @Option(name: .long, help: "Rebind a script parameter (repeatable).") var param: [String] = []

    func run() throws {
        let (session, text) = try openScript(file, params: param)
        let errors = session.checkReadingUsedColumns(text, file: file)
        for e in errors { writeErr(e.description) }
        if errors.isEmpty { print("\(file): ok") } else { throw ExitCode(ExitStatus.scriptError) }
    }
}

struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "Start the interactive session (the default).")

    @Option(name: .long, help: "Output format at start: text, markdown, json or csv.") var format: OutputFormat = .text
    @Flag(name: .long, help: "Read plain lines (no line editing), as when input is piped.") var plain = false
    @Option(name: .long, help: "History file (default ~/.lart_history).") var history: String?
    @Option(name: .long, help: "Rebind a script parameter (repeatable).") var param: [String] = []
    @Option(name: .customShort("c"), help: "Run these statements and exit (as a one-line script; paths from the working directory).")
    var command: String?

    func run() throws {
        let params = try parseParams(param)
        if let command {
            // One shot: `lart -c "use \"d.csv\" as d; ..."` runs like a script in the working directory.
            installRunInterruptHandler()
            let session = Interpreter(baseDirectory: ".", overrides: params, strictOverrides: true, cancellation: signalCancellation())
            let report = session.runChecked(command, file: "command line")
            let (out, err) = ReportPrinter(format: format, colour: terminalHasColour()).output(report, file: "command line")
            print(out, terminator: "")
            if !err.isEmpty { writeErr(err) }
            if report.interrupted { throw ExitCode(ExitStatus.interrupted) }
            if !report.ok { throw ExitCode(ExitStatus.scriptError) }
            return
        }
        let interactive = !plain && isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
        let home = getenv("HOME").map { String(cString: $0) } ?? "."
        if !interactive { installRunInterruptHandler() }
        var loop = ReplLoop(session: Interpreter(baseDirectory: ".", overrides: params, cancellation: signalCancellation()), format: format,
                            interactive: interactive, historyPath: history ?? home + "/.lart_history")
        let status = loop.run()
        if status != ExitStatus.ok { throw ExitCode(status) }
    }
}
