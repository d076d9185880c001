@preconcurrency import CReadline
@preconcurrency import Glibc
import Synchronization

/// Where input lines come from: GNU readline at a terminal, plain `readLine()` otherwise.
protocol LineEditor {
    /// The next line without its newline; nil at end of input. `.interrupted` after Ctrl-C.
    mutating func readLine(prompt: String) -> LineInput
    mutating func addHistory(_ entry: String)
    mutating func close()
}

enum LineInput {
    /// A line; `afterInterrupt` when Ctrl-C was pressed since the previous line (any
    /// statement being continued is then cancelled).
    case line(String, afterInterrupt: Bool)
    case interrupted
    case end
}

/// Plain input for pipes and files: `lart < script.lart`. Reads all input first, so that a
/// line beginning with `|` can join the statement above it, as in a script.
struct PlainEditor: LineEditor {
    private var lines: [String] = []
    private var next = 0

    init() {
        while let l = Swift.readLine(strippingNewline: true) { lines.append(l) }
    }

    mutating func readLine(prompt: String) -> LineInput {
        guard next < lines.count else { return .end }
        defer { next += 1 }
        return .line(lines[next], afterInterrupt: false)
    }

    /// True when the next non-blank line starts with `|` (it continues the statement).
    func nextStartsWithPipe() -> Bool {
        var k = next
        while k < lines.count, lines[k].allSatisfy({ $0 == " " || $0 == "\t" }) { k += 1 }
        guard k < lines.count else { return false }
        return lines[k].drop(while: { $0 == " " || $0 == "\t" }).first == "|"
    }
    mutating func addHistory(_ entry: String) {}
    mutating func close() {}
}

// MARK: - GNU readline

/// Set by the SIGINT handler; the loop reads and clears it after each line.
let sigintSeen = Atomic<Bool>(false)
/// The prompt to redisplay after Ctrl-C.
nonisolated(unsafe) private var currentPrompt: UnsafeMutablePointer<CChar>? = nil

/// The first-line prompt, shown after Ctrl-C: the statement being continued is dropped.
nonisolated(unsafe) private let primaryPrompt = strdup("lart> ")  // set once, never written

/// Ctrl-C at the prompt: forget the current line and any statement being continued, start
/// a fresh one at the first-line prompt (readline restores the terminal and re-enters
/// reading after the handler returns). Ctrl-C while a statement runs: ask it to stop.
private func onSIGINT(_ signal: Int32) {
    guard readingLine.load(ordering: .relaxed) else {
        interruptRequested.store(true, ordering: .relaxed)
        return
    }
    sigintSeen.store(true, ordering: .relaxed)
    rl_crlf()
    rl_on_new_line()
    rl_replace_line("", 0)
    rl_set_prompt(primaryPrompt)
    rl_redisplay()
}

/// Completion candidates: set by the REPL before each read, read by the C callback.
nonisolated(unsafe) var completionProvider: ((_ line: String, _ word: String) -> [String])? = nil
nonisolated(unsafe) private var completionMatches: [String] = []
nonisolated(unsafe) private var completionIndex = 0

private func completionGenerator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    if state == 0 {
        let word = text.map { String(cString: $0) } ?? ""
        let line = rl_line_buffer.map { String(cString: $0) } ?? ""
        let upTo = String(line.utf8.prefix(Int(rl_point))) ?? line
        completionMatches = completionProvider?(upTo, word) ?? []
        completionIndex = 0
    }
    guard completionIndex < completionMatches.count else { return nil }
    defer { completionIndex += 1 }
    return strdup(completionMatches[completionIndex])
}

private func attemptedCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1   // no filename completion fallback
    return rl_completion_matches(text, completionGenerator)
}

struct ReadlineEditor: LineEditor {
    let historyPath: String
    var lastEntry: String? = nil

    init(historyPath: String) {
        self.historyPath = historyPath
        rl_readline_name = UnsafePointer(strdup("lart"))  // leaked on purpose: readline keeps it
        rl_attempted_completion_function = attemptedCompletion
        // `.` starts meta-commands and `-` is in log-log: keep them inside words.
        rl_basic_word_break_characters = UnsafePointer(strdup(" \t\n\"\\'`@$><=;|&{(,~+*:["))
        using_history()
        stifle_history(2000)
        _ = read_history(historyPath)
        signal(SIGINT, onSIGINT)
        unblockSIGINT()
    }

    mutating func readLine(prompt: String) -> LineInput {
        if let p = currentPrompt { free(p) }
        currentPrompt = strdup(prompt)
        sigintSeen.store(false, ordering: .relaxed)
        readingLine.store(true, ordering: .relaxed)
        let read = readline(prompt)
        readingLine.store(false, ordering: .relaxed)
        guard let raw = read else {
            if sigintSeen.exchange(false, ordering: .relaxed) { return .interrupted }
            return .end
        }
        defer { free(raw) }
        let line = String(cString: raw)
        let interrupted = sigintSeen.exchange(false, ordering: .relaxed)
        return .line(line, afterInterrupt: interrupted)
    }

    mutating func addHistory(_ entry: String) {
        guard !entry.isEmpty, !entry.hasPrefix(" "), entry != lastEntry else { return }
        add_history(entry)
        lastEntry = entry
    }

    mutating func close() {
        _ = write_history(historyPath)
    }
}
