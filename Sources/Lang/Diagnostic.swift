/// Diagnostics are data: the lexer, parser and interpreter produce them; `DiagnosticRenderer`
/// turns them into text. Nothing in Lang prints.
public struct Diagnostic: Error, Sendable {
    public enum Severity: String, Sendable { case error, warning, note }
    public var severity: Severity
    public var message: String
    /// Byte range in the source the diagnostic points at.
    public var range: Range<Int>
    public var hints: [String]

    public init(_ severity: Severity = .error, _ message: String, at range: Range<Int>, hints: [String] = []) {
        self.severity = severity; self.message = message; self.range = range; self.hints = hints
    }
}

/// An error with the source it belongs to, so it can be rendered anywhere.
public struct LangError: Error, Sendable, CustomStringConvertible {
    public var diagnostic: Diagnostic
    public var source: SourceFile

    public init(_ diagnostic: Diagnostic, in source: SourceFile) {
        self.diagnostic = diagnostic; self.source = source
    }

    public var description: String { DiagnosticRenderer().render(diagnostic, in: source) }
}

/// Renders a diagnostic the way compilers do:
///
///     error: unknown column `tkii`
///      --> study.lart:12:18
///        |
///     12 | cohort omd where tkii and all_sites_rt | km pfs at 12mo
///        |                  ^^^^
///        = hint: did you mean `tki`?
public struct DiagnosticRenderer: Sendable {
    public init() {}

    /// Source lines longer than this (in displayed characters) are shown as a window
    /// around the caret, so a 1 MB line prints as one screen line.
    static let window = 100

    public func render(_ d: Diagnostic, in source: SourceFile) -> String {
        let (line, column) = source.location(of: d.range.lowerBound)
        let chars = Array(source.lineText(line))
        let gutter = String(line).count
        let pad = String(repeating: " ", count: gutter)
        // Caret length: the range on this line, at least 1 character.
        let lineStart = source.lineStarts[line - 1]
        let lineEndOffset = lineStart + String(chars).utf8.count
        let endOffset = min(max(d.range.upperBound, d.range.lowerBound + 1), max(lineEndOffset, d.range.lowerBound + 1))
        let caretChars = max(1, String(decoding: source.bytes[min(d.range.lowerBound, source.bytes.count)..<min(endOffset, source.bytes.count)], as: UTF8.self).count)
        let (shown, caretAt, caretWidth) = DiagnosticRenderer.excerpt(chars, caretStart: column - 1, caretLength: caretChars)
        var out = "\(d.severity.rawValue): \(DiagnosticRenderer.escaped(d.message))\n"
        out += "\(pad)--> \(DiagnosticRenderer.escaped(source.name)):\(line):\(column)\n"
        out += "\(pad) |\n"
        out += "\(line) | \(shown)\n"
        out += "\(pad) | " + String(repeating: " ", count: caretAt) + String(repeating: "^", count: caretWidth) + "\n"
        for h in d.hints { out += "\(pad) = hint: \(DiagnosticRenderer.escaped(h))\n" }
        return out
    }

    /// How a character is shown: control characters (NUL, ESC, DEL, ...) as `\u{0}`, so
    /// they neither cut the message short nor drive the terminal; a tab as one space, so the
    /// caret stays under its column.
    static func display(_ c: Character) -> String {
        if c == "\t" { return " " }
        guard c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return String(c) }
        return c.unicodeScalars.map { s in
            s.properties.generalCategory == .control ? "\\u{\(String(s.value, radix: 16))}" : String(s)
        }.joined()
    }

    /// `text` with its control characters shown escaped (newlines too: a message is one line).
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return text.map { display($0) == " " && $0 == "\t" ? "\\t" : display($0) }.joined()
    }

    /// The part of a line to show, and where the caret goes in it (in displayed
    /// characters): the whole line when short, else a window around the caret with `...`
    /// where the line was cut.
    static func excerpt(_ chars: [Character], caretStart: Int, caretLength: Int) -> (text: String, caretAt: Int, caretWidth: Int) {
        let start = min(max(0, caretStart), chars.count)
        let end = min(chars.count, start + caretLength)
        // Every character is shown at least one wide: only a line of more than `window`
        // characters can need a window, and then only the characters in it are measured.
        var from = 0, to = chars.count
        if chars.count > window || chars.reduce(0, { $0 + display($1).count }) > window {
            from = max(0, start - window / 3)
            to = from
            var w = 0
            while to < chars.count {
                let width = display(chars[to]).count
                if w + width > window { break }
                w += width; to += 1
            }
            to = max(to, min(end, from + 1))
        }
        var text = from > 0 ? "..." : ""
        var caretAt = text.count
        var caretWidth = 0
        for i in from..<to {
            let d = display(chars[i])
            if i < start { caretAt += d.count } else if i < end { caretWidth += d.count }
            text += d
        }
        if to < chars.count { text += "..." }
        if start >= to { caretAt = text.count }
        return (text, caretAt, max(1, caretWidth))
    }
}

/// "did you mean" support: the known names closest to `name` by edit distance.
enum Suggest {
    static func nearest(_ name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let lower = name.lowercased()
        let scored = candidates.map { c -> (String, Int) in (c, distance(lower, c.lowercased())) }
        let threshold = max(2, name.count / 3)
        return scored.filter { $0.1 <= threshold || $0.0.lowercased().hasPrefix(lower) || lower.hasPrefix($0.0.lowercased()) && $0.0.count >= 3 }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(limit).map { $0.0 }
    }

    static func hint(for name: String, among candidates: [String]) -> [String] {
        let near = nearest(name, among: candidates)
        if near.isEmpty { return [] }
        return ["did you mean " + near.map { "`\($0)`" }.joined(separator: " or ") + "?"]
    }

    /// Levenshtein distance (two rows).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}
