import Runtime

/// A Markdown document with lart blocks, split into what `knit` keeps as written (prose,
/// other code blocks) and the ```` ```lart ```` blocks it runs. Fences follow CommonMark: a
/// line of three or more backticks or tildes, indented at most three spaces, closed by a
/// line of the same character at least as long.
struct KnitDocument {
    enum Piece {
        /// Markdown text, starting at byte `offset` of the document.
        case prose(String, offset: Int)
        /// A fenced block that is not lart: copied as it is.
        case verbatim(String)
        case block(KnitBlock)
    }

    var pieces: [Piece]
    var source: SourceFile

    var blocks: [KnitBlock] {
        pieces.compactMap { if case .block(let b) = $0 { return b }; return nil }
    }

    static func parse(_ source: SourceFile) throws -> KnitDocument {
        let bytes = source.bytes
        var pieces = [Piece]()
        var prose = ""
        var proseOffset = 0
        var blockNumber = 0
        var line = 1
        // Line i (1-based) covers bytes lineStarts[i-1] ..< next line start.
        let starts = source.lineStarts
        func lineEnd(_ n: Int) -> Int { n < starts.count ? starts[n] : bytes.count }
        func flushProse(next: Int) {
            if !prose.isEmpty { pieces.append(.prose(prose, offset: proseOffset)) }
            prose = ""
            proseOffset = next
        }
        while line <= starts.count {
            let start = starts[line - 1], end = lineEnd(line)
            let text = source.lineText(line)
            guard let fence = Fence(text) else {
                prose += String(decoding: bytes[start..<end], as: UTF8.self)
                line += 1
                continue
            }
            flushProse(next: start)
            // Find the closing fence.
            var close = line + 1
            while close <= starts.count, !fence.isClosed(by: source.lineText(close)) { close += 1 }
            if fence.isLart {
                blockNumber += 1
                guard close <= starts.count else {
                    throw KnitError.at(source, start..<start + text.utf8.count, block: blockNumber,
                                       "this lart block is not closed: end it with a line of \(String(repeating: fence.character, count: fence.length))")
                }
                let options = try BlockOptions.parse(fence.options, source: source, line: line, offset: start + fence.optionsOffset, block: blockNumber)
                let codeStart = lineEnd(line), codeEnd = starts[close - 1]
                pieces.append(.block(KnitBlock(number: blockNumber, line: line, codeStart: codeStart, codeEnd: codeEnd,
                                               code: String(decoding: bytes[codeStart..<codeEnd], as: UTF8.self), options: options)))
            } else {
                let last = min(close, starts.count)
                pieces.append(.verbatim(String(decoding: bytes[start..<lineEnd(last)], as: UTF8.self)))
            }
            line = close + 1
            proseOffset = lineEnd(min(close, starts.count))
        }
        flushProse(next: bytes.count)
        return KnitDocument(pieces: pieces, source: source)
    }
}

/// The opening line of a fenced code block.
struct Fence {
    var character: Character
    var length: Int
    var info: String
    var isLart: Bool
    /// The text after `lart` (`{echo=false}`) and its byte offset in the line.
    var options: String
    var optionsOffset: Int

    init?(_ line: String) {
        let bytes = Array(line.utf8)
        var i = 0
        while i < bytes.count, i < 4, bytes[i] == 32 { i += 1 }
        guard i < 4, i < bytes.count, bytes[i] == UInt8(ascii: "`") || bytes[i] == UInt8(ascii: "~") else { return nil }
        let c = bytes[i]
        var n = 0
        while i + n < bytes.count, bytes[i + n] == c { n += 1 }
        guard n >= 3 else { return nil }
        let rest = bytes[(i + n)...]
        if c == UInt8(ascii: "`"), rest.contains(UInt8(ascii: "`")) { return nil }
        character = Character(UnicodeScalar(c))
        length = n
        let infoText = String(decoding: rest, as: UTF8.self)
        info = infoText.trimmingSpaces()
        let word = info.prefix { $0 != " " && $0 != "{" && $0 != "\t" }
        isLart = word == "lart"
        if isLart {
            let lead = infoText.utf8.count - infoText.drop { $0 == " " || $0 == "\t" }.utf8.count
            let after = String(info.dropFirst(4))
            let trimmed = after.trimmingSpaces()
            options = trimmed
            optionsOffset = i + n + lead + 4 + (after.utf8.count - after.drop { $0 == " " || $0 == "\t" }.utf8.count)
        } else {
            options = ""; optionsOffset = 0
        }
    }

    func isClosed(by line: String) -> Bool {
        let trimmedLead = line.drop { $0 == " " }
        guard line.count - trimmedLead.count < 4 else { return false }
        let run = trimmedLead.prefix { $0 == character }
        return run.count >= length && trimmedLead.dropFirst(run.count).allSatisfy { $0 == " " || $0 == "\t" }
    }
}

/// A ```` ```lart ```` block: its number (1 for the first), the line of its opening fence,
/// the bytes of its code in the document and its options.
struct KnitBlock {
    var number: Int
    var line: Int
    var codeStart: Int
    var codeEnd: Int
    var code: String
    var options: BlockOptions
}

/// `{echo=false, include=false, label=tbl-table2, caption="..."}`.
struct BlockOptions {
    /// Show the code above the results.
    var echo = true
    /// Show anything at all (false: run it, show nothing; a setup block).
    var include = true
    /// `tbl-...` or `fig-...`: numbered in order, referred to as `@tbl-...`.
    var label: String?
    var caption: String?

    static let keys = ["echo", "include", "label", "caption"]

    static func parse(_ text: String, source: SourceFile, line: Int, offset: Int, block: Int) throws -> BlockOptions {
        var o = BlockOptions()
        guard !text.isEmpty else { return o }
        let bytes = Array(text.utf8)
        func fail(_ m: String, _ at: Int, _ length: Int = 1, hints: [String] = []) -> KnitError {
            KnitError.at(source, offset + at..<offset + at + max(1, length), block: block, m, hints: hints)
        }
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            throw fail("block options are written in braces: ```lart {echo=false, label=tbl-table2, caption=\"...\"}", 0, bytes.count)
        }
        var i = 1
        let end = bytes.count - 1
        func skipSpace() { while i < end, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == UInt8(ascii: ",") { i += 1 } }
        func isWordByte(_ b: UInt8) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45 || b == 46
        }
        skipSpace()
        while i < end {
            let keyStart = i
            while i < end, isWordByte(bytes[i]) { i += 1 }
            let key = String(decoding: bytes[keyStart..<i], as: UTF8.self)
            guard !key.isEmpty else { throw fail("expected an option name (\(keys.joined(separator: ", ")))", i) }
            guard keys.contains(key) else {
                throw fail("unknown block option `\(key)`", keyStart, key.utf8.count,
                           hints: Suggest.hint(for: key, among: keys) + ["options: " + keys.joined(separator: ", ")])
            }
            while i < end, bytes[i] == 32 { i += 1 }
            guard i < end, bytes[i] == UInt8(ascii: "=") else { throw fail("expected `=` after `\(key)`", i) }
            i += 1
            while i < end, bytes[i] == 32 { i += 1 }
            let valueStart = i
            var value: String
            if i < end, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                var out = [UInt8]()
                while i < end, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < end { i += 1 }
                    out.append(bytes[i]); i += 1
                }
                guard i < end else { throw fail("this text has no closing quote", valueStart) }
                i += 1
                value = String(decoding: out, as: UTF8.self)
            } else {
                while i < end, isWordByte(bytes[i]) { i += 1 }
                value = String(decoding: bytes[valueStart..<i], as: UTF8.self)
                guard !value.isEmpty else { throw fail("expected a value after `\(key)=`", i) }
            }
            func flag() throws -> Bool {
                switch value.lowercased() {
                case "true": return true
                case "false": return false
                default: throw fail("`\(key)` is true or false", valueStart, value.utf8.count)
                }
            }
            switch key {
            case "echo": o.echo = try flag()
            case "include": o.include = try flag()
            case "label":
                guard value.hasPrefix("tbl-") || value.hasPrefix("fig-"), value.count > 4 else {
                    throw fail("a label starts with `tbl-` (a table) or `fig-` (a figure): label=tbl-table2", valueStart, value.utf8.count)
                }
                o.label = value
            default: o.caption = value
            }
            skipSpace()
        }
        return o
    }
}

/// A document that could not be knitted: the message names the document, the line and the
/// block (`paper.md:42: in block 3: error: ...`) and shows the line with a caret.
public struct KnitError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }

    /// `file:line: in block N: ` before a diagnostic rendered against the document.
    static func at(_ doc: SourceFile, _ range: Range<Int>, block: Int?, _ message: String, hints: [String] = []) -> KnitError {
        KnitError(render(Diagnostic(.error, message, at: range, hints: hints), doc, block: block))
    }

    static func render(_ d: Diagnostic, _ doc: SourceFile, block: Int?) -> String {
        render(d, doc, context: block.map { "in block \($0)" } ?? "in an inline result")
    }

    /// `file:line: context: ` before the diagnostic (no context: `file:line: `).
    static func render(_ d: Diagnostic, _ doc: SourceFile, context: String?) -> String {
        let line = doc.location(of: d.range.lowerBound).line
        return "\(doc.name):\(line): " + (context.map { $0 + ": " } ?? "") + DiagnosticRenderer().render(d, in: doc)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
