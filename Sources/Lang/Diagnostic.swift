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

    public func render(_ d: Diagnostic, in source: SourceFile) -> String {
        let (line, column) = source.location(of: d.range.lowerBound)
        let text = source.lineText(line)
        let gutter = String(line).count
        let pad = String(repeating: " ", count: gutter)
        // Caret length: the range on this line, at least 1.
        let lineStart = source.lineStarts[line - 1]
        let lineEndOffset = lineStart + Array(text.utf8).count
        let endOffset = min(max(d.range.upperBound, d.range.lowerBound + 1), max(lineEndOffset, d.range.lowerBound + 1))
        let caretCount = max(1, String(decoding: source.bytes[min(d.range.lowerBound, source.bytes.count)..<min(endOffset, source.bytes.count)], as: UTF8.self).count)
        var out = "\(d.severity.rawValue): \(d.message)\n"
        out += "\(pad)--> \(source.name):\(line):\(column)\n"
        out += "\(pad) |\n"
        out += "\(line) | \(text)\n"
        out += "\(pad) | " + String(repeating: " ", count: column - 1) + String(repeating: "^", count: caretCount) + "\n"
        for h in d.hints { out += "\(pad) = hint: \(h)\n" }
        return out
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
