import Lang
import Runtime
#if canImport(Glibc)
import Glibc
#endif

/// The read-eval-print loop: reads statements (continued over lines while incomplete),
/// runs them in one session, prints results; meta-commands start with `.`. No error ends
/// the session; only `.quit` or end of input does.
struct ReplLoop {
    let session: Interpreter
    var format: OutputFormat
    let interactive: Bool
    let historyPath: String
    var timer = false
    var entry = 0
    /// Exit status for piped input: 1 if any statement failed.
    var sawError = false
    /// `.output FILE`: results go to this file (appended) until `.output` alone.
    var outputFile: String? = nil
    /// `.once FILE`: the next statement's results go to this file.
    var onceFile: String? = nil
    /// `.bail on`: stop at the first error.
    var bail = false
    /// The last statement run, which a line starting with `|` continues.
    var lastStatement: String? = nil
    /// How many results the last statement showed: a continuation runs it again and shows
    /// only what the new stages add.
    var lastResultCount = 0
    /// Terminal plots in colour (a colour terminal on standard output).
    let colour = terminalHasColour()

    init(session: Interpreter, format: OutputFormat, interactive: Bool, historyPath: String) {
        self.session = session; self.format = format; self.interactive = interactive; self.historyPath = historyPath
    }

    mutating func run() -> Int32 {
        var editor: any LineEditor = interactive ? ReadlineEditor(historyPath: historyPath) : PlainEditor()
        if interactive {
            print("lart \(LartVersion.string): survival analysis for cohort studies. Type .help for help, .quit to leave.")
            let s = session
            completionProvider = { line, word in Completion.candidates(line: line, word: word, session: s) }
        }
        var pending = ""
        var pendingLines = 0
        // Results of the statement a `|` line continues, already shown.
        var shown = 0
        loop: while true {
            let prompt = pending.isEmpty ? "lart> " : "  ... "
            switch editor.readLine(prompt: prompt) {
            case .end:
                if !pending.isEmpty {
                    writeErr("error: the input ended in the middle of a statement:\n  \(pending.replacing("\n", with: "\n  "))")
                    sawError = true
                }
                break loop
            case .interrupted:
                pending = ""; pendingLines = 0
                continue
            case .line(let line, let afterInterrupt):
                if afterInterrupt { pending = ""; pendingLines = 0 }
                let trimmed = line.trimmingCharacters(in: " \t")
                if pending.isEmpty && trimmed.hasPrefix(".") {
                    if !trimmed.hasPrefix(".q") && !trimmed.hasPrefix(".exit") { editor.addHistory(trimmed) }
                    if !meta(trimmed) { break loop }
                    continue
                }
                if pending.isEmpty && (trimmed.isEmpty || trimmed.hasPrefix("#")) { continue }
                // At the prompt, a line that starts with `|` continues the statement before it.
                if pending.isEmpty { shown = 0 }
                if pending.isEmpty, trimmed.hasPrefix("|"), let last = lastStatement {
                    pending = last
                    shown = lastResultCount
                }
                pending += (pending.isEmpty ? "" : "\n") + line
                pendingLines += 1
                // Piped input: a following line that starts with `|` continues the statement.
                if Interpreter.isComplete(pending) {
                    if let plain = editor as? PlainEditor, plain.nextStartsWithPipe() { continue }
                    editor.addHistory(pending.replacing("\n", with: " "))
                    let ok = execute(pending, alreadyShown: shown)
                    lastStatement = pending
                    pending = ""; pendingLines = 0
                    if !ok && bail { break loop }
                }
            }
        }
        editor.close()
        return sawError && !interactive ? ExitStatus.scriptError : ExitStatus.ok
    }

    /// Runs statements; false when one failed.
    @discardableResult
    mutating func execute(_ text: String, alreadyShown: Int = 0) -> Bool {
        entry += 1
        let started = ContinuousClock.now
        let name = interactive ? "input \(entry)" : "stdin"
        interruptRequested.store(false, ordering: .relaxed)
        var report = session.run(text, file: name)
        lastResultCount = report.results.count
        // `| plot` typed after `cohort omd | km pfs`: the statement runs again whole, and the
        // results it showed before (the same, in the same order) are not shown twice. JSON
        // keeps them: its figures refer to results by position.
        if alreadyShown > 0, report.results.count > alreadyShown {
            switch format {
            case .text, .markdown, .csv:
                var skipped = 0
                report.items = report.items.filter { item in
                    guard case .result = item, skipped < alreadyShown else { return true }
                    skipped += 1
                    return false
                }
            case .json: break
            }
        }
        show(report, file: name)
        interruptRequested.store(false, ordering: .relaxed)
        if timer {
            let d = ContinuousClock.now - started
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            print("Run Time: \(Format.fixed(seconds, decimals: 3)) s")
        }
        return report.ok
    }

    /// Results and warnings on stdout, errors on stderr, as `lart run` prints them.
    mutating func show(_ report: RunReport, file: String) {
        let toFile = outputFile != nil || onceFile != nil
        let (out, err) = ReportPrinter(format: format, colour: colour && !toFile).output(report, file: file)
        emit(out)
        if !err.isEmpty { writeErr(err) }
        if !report.ok { sawError = true }
    }

    /// Results to the `.once` file, the `.output` file, or standard output.
    mutating func emit(_ text: String) {
        if let once = onceFile {
            onceFile = nil
            if !appendText(text, to: once, truncate: true) { writeErr("error: cannot write \(once)") }
        } else if let file = outputFile {
            if !appendText(text, to: file, truncate: false) { writeErr("error: cannot write \(file)") }
        } else {
            print(text, terminator: "")
        }
    }

    /// Runs a meta-command; false means quit.
    mutating func meta(_ line: String) -> Bool {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let command = words[0]
        let arg = words.count > 1 ? words[1] : nil
        switch command {
        case ".quit", ".exit", ".q":
            return false
        case ".help":
            print(Help.text(for: arg))
        case ".tables":
            let names = session.tableNames
            print(names.isEmpty ? "no tables: load one with `use \"file.csv\" as name`" : names.map { "\($0)  (\(session.columns(of: $0)?.count ?? 0) columns)" }.joined(separator: "\n"))
        case ".cohorts":
            let names = session.cohortNames
            print(names.isEmpty ? "no cohorts defined" : names.joined(separator: "\n"))
        case ".endpoints":
            let names = session.endpointNames
            print(names.isEmpty ? "no endpoints defined" : names.joined(separator: "\n"))
        case ".columns":
            guard let arg else { writeErr("usage: .columns TABLE_OR_COHORT"); return true }
            guard let cols = session.columns(of: arg) else {
                writeErr("error: unknown table or cohort `\(arg)`; .tables and .cohorts list them")
                return true
            }
            let width = cols.map { $0.name.count }.max() ?? 0
            print(cols.map { $0.name + String(repeating: " ", count: width - $0.name.count + 2) + $0.kind }.joined(separator: "\n"))
        case ".read":
            guard let arg else { writeErr("usage: .read FILE.lart"); return true }
            if let message = dataFileAsScript(arg) { writeErr(message); return true }
            guard let text = readText(arg) else { writeErr("error: cannot read \(arg)"); return true }
            let saved = session.baseDirectory
            session.baseDirectory = directory(of: arg)
            let report = session.run(text, file: arg)
            session.baseDirectory = saved
            show(report, file: arg)
        case ".mode":
            guard let arg, let f = OutputFormat(rawValue: arg) else {
                writeErr("usage: .mode text|markdown|json|csv (now \(format.rawValue))"); return true
            }
            format = f
        case ".timer":
            guard let arg, arg == "on" || arg == "off" else { writeErr("usage: .timer on|off"); return true }
            timer = arg == "on"
        case ".bail":
            guard let arg, arg == "on" || arg == "off" else { writeErr("usage: .bail on|off"); return true }
            bail = arg == "on"
        case ".output":
            if let arg {
                guard appendText("", to: arg, truncate: true) else { writeErr("error: cannot write \(arg)"); return true }
                outputFile = arg
            } else {
                outputFile = nil
            }
        case ".once":
            guard let arg else { writeErr("usage: .once FILE"); return true }
            onceFile = arg
        case ".show":
            var lines = ["version: \(LartVersion.string)", "mode: \(format.rawValue)", "timer: \(timer ? "on" : "off")",
                         "bail: \(bail ? "on" : "off")", "output: \(outputFile ?? "stdout")"]
            lines += session.settingsDescription.map { "set \($0.key): \($0.value)" }
            let sources = session.tableSources
            lines += sources.isEmpty ? ["tables: none"] : sources.map { "table \($0.name): \($0.path)" }
            emit(lines.joined(separator: "\n") + "\n")
        default:
            writeErr("error: unknown command \(command); .help lists the commands")
            // A script piped in with a wrong command should not pass for a good one.
            if !interactive { sawError = true; return false }
        }
        return true
    }
}

/// Writes (or appends) text to a file; false when it cannot.
func appendText(_ text: String, to path: String, truncate: Bool) -> Bool {
    guard let f = fopen(path, truncate ? "wb" : "ab") else { return false }
    defer { fclose(f) }
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) } == bytes.count
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
