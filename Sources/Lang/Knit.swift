import Runtime

/// Files the output stages of a knitted document write, kept until the whole document has
/// run (`knit` writes nothing half-done). Owned by one interpreter while it knits.
final class FileCapture {
    var files: [CapturedFile] = []
    private var unnamed = 0

    /// A name for the figure of a `plot` that names no file: `figure-1.svg`, ...
    func unnamedFigure() -> String {
        unnamed += 1
        return "figure-\(unnamed).svg"
    }
}

struct CapturedFile {
    var path: String
    var what: String
    var contents: String
}

/// How `knit` prepares the document.
public struct KnitOptions: Sendable {
    public enum Target: Sendable {
        /// Markdown with figures as image links into `filesFolder` and plain "Table 2".
        case markdown
        /// Markdown for `KnittedDocument.html()`: anchors, linked references, figures inline.
        case html
    }
    public var target: Target
    /// The folder, relative to the output file, for figures and exported files
    /// (`paper_files` for `paper.md`).
    public var filesFolder: String
    /// The extension figure links use: `svg`, or `png` for Word.
    public var figureExtension: String

    public init(target: Target, filesFolder: String, figureExtension: String = "svg") {
        self.target = target; self.filesFolder = filesFolder; self.figureExtension = figureExtension
    }
}

/// A file `knit` writes beside the output, under `KnitOptions.filesFolder`.
public struct KnitFile: Sendable {
    /// The name inside the files folder (`fig-km.svg`).
    public var name: String
    /// The text written; for a figure, its SVG (to be rendered when `name` is a `.png`).
    public var contents: String
    public var isFigure: Bool
}

/// A knitted document: Markdown, the files it links, and for HTML the figures to inline.
public struct KnittedDocument: Sendable {
    /// The document with results in place, ending with its provenance section.
    public var markdown: String
    /// The first level-1 heading, or the document's name.
    public var title: String
    public var files: [KnitFile]
    /// For the HTML target: figure HTML by the placeholder paragraph that stands for it.
    var figures: [(placeholder: String, html: String)]
    /// Notes and warnings met while running (for standard error).
    public var messages: [String]
    public var provenance: Provenance
}

extension Interpreter {
    /// Runs every lart block of a Markdown document in this session, in order, and replaces
    /// inline results and cross-references. Throws a `KnitError` naming the block and line
    /// of the first error; then nothing of the document should be written.
    /// Sources are read for the columns the blocks and inline statements can reach
    /// (`ColumnPlan`); an error is reported as with every column read (its "did you mean"
    /// among all of them), by a second knit in a session of its own.
    public func knit(_ text: String, name: String, options: KnitOptions) throws -> KnittedDocument {
        let doc = SourceFile(name: name, text: text)
        let parsed = try KnitDocument.parse(doc)
        var code = parsed.blocks.map { SourceFile(name: name, text: $0.code) }
        for case .prose(let t, _) in parsed.pieces {
            code += Knitter.inlineStatements(t).map { SourceFile(name: name, text: $0) }
        }
        let plan = ColumnPlan.of(code)
        let before = columnPlan
        columnPlan = plan
        defer { columnPlan = before }
        do {
            return try knit(doc, parsed, options: options)
        } catch let e as KnitError where plan != .all && !cancellation.isCancelled {
            let again = Interpreter(baseDirectory: baseDirectory, overrides: overrides, strictOverrides: strictOverrides,
                                    cancellation: cancellation)
            _ = try again.knit(doc, parsed, options: options)
            throw e
        }
    }

    private func knit(_ doc: SourceFile, _ parsed: KnitDocument, options: KnitOptions) throws -> KnittedDocument {
        let name = doc.name, text = doc.text
        var knitter = Knitter(doc: doc, options: options, labels: try Knitter.number(parsed.blocks, doc))
        let capture = FileCapture()
        fileCapture = capture
        defer { fileCapture = nil }
        for piece in parsed.pieces {
            switch piece {
            case .prose(let t, let offset): knitter.out += try knitter.prose(t, offset: offset, self)
            case .verbatim(let t): knitter.out += t
            case .block(let b): knitter.out += try knitter.block(b, self, capture)
            }
        }
        // The document by its file name alone: the same document gives the same output
        // wherever it is knitted from.
        let provenance = provenance(file: name.split(separator: "/").last.map(String.init) ?? name, text: text)
        var markdown = knitter.out
        if !markdown.hasSuffix("\n") { markdown += "\n" }
        switch options.target {
        case .markdown: markdown += "\n" + provenance.markdown()
        case .html: break
        }
        return KnittedDocument(markdown: markdown, title: knitter.title ?? name, files: knitter.files,
                               figures: knitter.figures, messages: knitter.messages, provenance: provenance)
    }
}

/// The state of one knit: the output so far, numbered labels, files and figures.
struct Knitter {
    let doc: SourceFile
    let options: KnitOptions
    /// label -> ("Table" | "Figure", number)
    let labels: [String: (kind: String, number: Int)]
    var out = ""
    var files: [KnitFile] = []
    var figures: [(placeholder: String, html: String)] = []
    var messages: [String] = []
    var title: String?

    /// Numbers labelled blocks in order, tables and figures apart.
    static func number(_ blocks: [KnitBlock], _ doc: SourceFile) throws -> [String: (kind: String, number: Int)] {
        var out = [String: (kind: String, number: Int)]()
        var tables = 0, figures = 0
        for b in blocks {
            guard let label = b.options.label else { continue }
            if out[label] != nil {
                let start = doc.lineStarts[b.line - 1]
                throw KnitError.at(doc, start..<start + doc.lineText(b.line).utf8.count, block: b.number, "the label `\(label)` is used twice")
            }
            if label.hasPrefix("tbl-") { tables += 1; out[label] = ("Table", tables) } else { figures += 1; out[label] = ("Figure", figures) }
        }
        return out
    }

    // MARK: Prose

    /// Prose with inline results evaluated and `@tbl-x` / `@fig-x` replaced. Code spans
    /// other than `lart:` ones are copied as they are.
    mutating func prose(_ text: String, offset: Int, _ session: Interpreter) throws -> String {
        if title == nil {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("# ") {
                title = String(line.dropFirst(2)).trimmingSpaces()
                break
            }
        }
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                out.append(b); out.append(bytes[i + 1]); i += 2
                continue
            }
            if b == UInt8(ascii: "`") {
                let (n, close) = Knitter.codeSpan(bytes, at: i)
                guard let close else {
                    out += bytes[i..<i + n]; i += n
                    continue
                }
                let content = String(decoding: bytes[(i + n)..<close], as: UTF8.self)
                let trimmed = content.trimmingSpaces()
                if trimmed.hasPrefix("lart:") {
                    let lead = content.utf8.count - content.drop { $0 == " " || $0 == "\t" }.utf8.count
                    let start = offset + i + n + lead + 5
                    let value = try inline(from: start, to: offset + close, session)
                    out += Array(Knitter.escapeInline(value).utf8)
                } else {
                    out += bytes[i..<close + n]
                }
                i = close + n
                continue
            }
            if b == UInt8(ascii: "@"), i + 4 < bytes.count, i == 0 || !Knitter.isLabelByte(bytes[i - 1]) || bytes[i - 1] == UInt8(ascii: "-") {
                let prefix = String(decoding: bytes[(i + 1)..<min(bytes.count, i + 5)], as: UTF8.self)
                if prefix == "tbl-" || prefix == "fig-" {
                    var j = i + 1
                    while j < bytes.count, Knitter.isLabelByte(bytes[j]) { j += 1 }
                    while j > i + 5, bytes[j - 1] == UInt8(ascii: "-") || bytes[j - 1] == UInt8(ascii: ".") { j -= 1 }
                    let label = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                    guard let target = labels[label] else {
                        throw KnitError(KnitError.render(
                            Diagnostic(.error, "unknown reference `@\(label)`", at: offset + i..<offset + j,
                                       hints: Suggest.hint(for: label, among: Array(labels.keys)) + ["label a block: ```lart {label=\(label)}"]),
                            doc, context: nil))
                    }
                    let name = "\(target.kind) \(target.number)"
                    switch options.target {
                    case .markdown: out += Array(name.utf8)
                    case .html: out += Array("[\(name)](#\(label))".utf8)
                    }
                    i = j
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The code span whose opening run of `n` backticks is at `i`: `close` is where the next
    /// run of exactly `n` backticks starts (nil: none, so the run is text).
    static func codeSpan(_ bytes: [UInt8], at i: Int) -> (n: Int, close: Int?) {
        let tick = UInt8(ascii: "`")
        func run(at j: Int) -> Int {
            var n = 0
            while j + n < bytes.count, bytes[j + n] == tick { n += 1 }
            return n
        }
        let n = run(at: i)
        var j = i + n
        while j < bytes.count {
            if bytes[j] == tick {
                let m = run(at: j)
                if m == n { return (n, j) }
                j += m
            } else {
                j += 1
            }
        }
        return (n, nil)
    }

    /// The statements of the prose's inline results (`lart: ...` code spans), found as
    /// `prose` finds them.
    static func inlineStatements(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var found = [String]()
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
            guard bytes[i] == UInt8(ascii: "`") else { i += 1; continue }
            let (n, close) = codeSpan(bytes, at: i)
            guard let close else { i += n; continue }
            let content = String(decoding: bytes[(i + n)..<close], as: UTF8.self).trimmingSpaces()
            if content.hasPrefix("lart:") { found.append(String(content.dropFirst(5))) }
            i = close + n
        }
        return found
    }

    static func isLabelByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45 || b == 46
    }

    /// Inline text is Markdown: characters that would start emphasis, a link or HTML are
    /// escaped (`<` only before what could open a tag, so `< 0.001` stays as it is).
    static func escapeInline(_ s: String) -> String {
        var out = ""
        let chars = Array(s)
        for (i, c) in chars.enumerated() {
            switch c {
            case "*", "_", "`", "[", "]", "\\": out += "\\" + String(c)
            case "<" where i + 1 < chars.count && (chars[i + 1].isLetter || "/!?".contains(chars[i + 1])): out += "\\<"
            default: out.append(c)
            }
        }
        return out
    }

    /// Evaluates the inline whose statement is at bytes `start..<end` of the document.
    mutating func inline(from start: Int, to end: Int, _ session: Interpreter) throws -> String {
        // The document up to the statement with everything but line breaks blanked, then the
        // statement (line breaks inside a code span are spaces): offsets are the document's.
        var bytes = doc.bytes[0..<start].map { $0 == 10 ? UInt8(10) : UInt8(32) }
        bytes += doc.bytes[start..<end].map { $0 == 10 || $0 == 13 ? UInt8(32) : $0 }
        let src = SourceFile(name: doc.name, text: String(decoding: bytes, as: UTF8.self))
        var warnings = [LangError]()
        do {
            let text = try session.inlineText(src, warnings: &warnings)
            messages += warnings.map { render($0, block: nil) }
            return text
        } catch let e as LangError {
            throw KnitError(render(e, block: nil))
        }
    }

    /// A diagnostic against the document (its line as written, with the caret).
    func render(_ e: LangError, block: Int?) -> String {
        guard e.source.name == doc.name, e.diagnostic.range.upperBound <= doc.bytes.count else {
            return (block.map { "in block \($0): " } ?? "") + e.description
        }
        return KnitError.render(e.diagnostic, doc, block: block)
    }

    // MARK: Blocks

    mutating func block(_ b: KnitBlock, _ session: Interpreter, _ capture: FileCapture) throws -> String {
        var bytes = doc.bytes[0..<b.codeStart].map { $0 == 10 ? UInt8(10) : UInt8(32) }
        bytes += doc.bytes[b.codeStart..<b.codeEnd]
        let report = session.run(String(decoding: bytes, as: UTF8.self), file: doc.name)
        if !report.ok {
            throw KnitError(report.errors.map { render($0, block: b.number) }.joined())
        }
        let o = b.options
        let label = o.label.flatMap { l in labels[l].map { (l, $0) } }
        let isTable = label?.1.kind == "Table"
        // A figure block shows its figures: the results drawn are in the tables elsewhere.
        let figuresOnly = label?.1.kind == "Figure"
        let captionLine: String? = label.map { "**\($0.1.kind) \($0.1.number).**" + (o.caption.map { " " + $0 } ?? "") }
            ?? o.caption.map { "**\($0)**" }
        var parts = [String]()
        if o.echo { parts.append("```lart\n" + b.code + (b.code.hasSuffix("\n") ? "" : "\n") + "```\n") }
        var captionPlaced = false
        var blockFigures = [Int]()   // indices into parts of figure paragraphs
        for item in report.items {
            switch item {
            case .warning(let w):
                let text = render(w, block: b.number)
                messages.append(text)
                if w.diagnostic.severity == .warning {
                    let fenced = "```text\n" + text + (text.hasSuffix("\n") ? "" : "\n") + "```\n"
                    switch options.target {
                    case .markdown: parts.append(fenced)
                    case .html: parts.append("<div class=\"lart-warning\">\n\n" + fenced + "\n</div>\n")
                    }
                }
            case .result(let output):
                if let written = output.result as? FileWritten, !capture.files.isEmpty {
                    let file = capture.files.removeFirst()
                    parts.append(place(file, written))
                    if file.what == "figure" { blockFigures.append(parts.count - 1) }
                    continue
                }
                if figuresOnly { continue }
                var tables = output.result.tables()
                var text = ""
                if isTable, !captionPlaced, let captionLine, !tables.isEmpty {
                    text += captionLine + "\n\n"
                    tables[0].title = ""
                    captionPlaced = true
                }
                text += tables.map { Knitter.markdown($0, output.presentation) }.joined(separator: "\n")
                parts.append(text)
            }
        }
        guard o.include else { return "" }
        if let captionLine, !captionPlaced {
            if let last = blockFigures.last, case .html = options.target {
                // The caption goes into the figure's <figcaption>.
                let placeholder = parts[last].trimmingSpaces().replacing("\n", with: "")
                if let k = figures.firstIndex(where: { $0.placeholder == placeholder }) {
                    figures[k].html = figures[k].html.replacing("</figure>", with:
                        "<figcaption>" + Knitter.inlineHTML(captionLine) + "</figcaption></figure>")
                }
            } else {
                parts.append(captionLine + "\n")
            }
        }
        var body = parts.joined(separator: "\n")
        if let (l, _) = label, case .html = options.target {
            body = "<div class=\"lart-block\" id=\"\(l)\">\n\n" + body + "\n</div>\n"
        }
        return body.isEmpty ? "" : body + "\n"
    }

    /// A file an output stage wrote: a figure (linked or inlined) or an exported table.
    mutating func place(_ file: CapturedFile, _ written: FileWritten) -> String {
        var base = file.path.split(separator: "/").last.map(String.init) ?? file.path
        if file.what == "figure", let dot = base.lastIndex(of: ".") { base = String(base[..<dot]) + "." + options.figureExtension }
        var name = base
        var k = 2
        while files.contains(where: { $0.name == name }) || figures.contains(where: { $0.placeholder.hasSuffix("-" + name) }) {
            let dot = base.lastIndex(of: ".") ?? base.endIndex
            name = String(base[..<dot]) + "-\(k)" + String(base[dot...])
            k += 1
        }
        let link = options.filesFolder + "/" + name
        guard file.what == "figure" else {
            files.append(KnitFile(name: name, contents: file.contents, isFigure: false))
            return "Exported: [\(name)](\(link))\n"
        }
        switch options.target {
        case .markdown:
            files.append(KnitFile(name: name, contents: file.contents, isFigure: true))
            return "![\(name)](\(link))\n"
        case .html:
            let placeholder = "LARTKNITFIGURE\(figures.count + 1)-\(name)"
            figures.append((placeholder, "<figure class=\"lart-figure\">" + Knitter.inlineSVG(file.contents, prefix: "f\(figures.count + 1)-") + "</figure>"))
            return placeholder + "\n"
        }
    }

    /// A result table in Markdown: a table with no columns is its title alone; an empty title
    /// (replaced by a caption) is left out.
    static func markdown(_ t: ResultTable, _ presentation: Presentation) -> String {
        if t.columns.isEmpty {
            var out = t.title.isEmpty ? "" : "**\(t.title)**\n"
            if presentation.notes, !t.notes.isEmpty { out += "\n" + t.notes.joined(separator: "  \n") + "\n" }
            return out
        }
        let text = MarkdownRenderer.render(t, presentation: presentation)
        guard t.title.isEmpty, let cut = text.firstRange(of: "\n\n") else { return text }
        return String(text[cut.upperBound...])
    }

    /// A caption's Markdown as inline HTML.
    static func inlineHTML(_ markdown: String) -> String {
        var html = MarkdownHTML.render(markdown).trimmingSpaces()
        while html.hasSuffix("\n") { html.removeLast() }
        if html.hasPrefix("<p>"), html.hasSuffix("</p>") { html = String(html.dropFirst(3).dropLast(4)) }
        return html
    }

    /// An SVG to place inside HTML: without an XML declaration, its ids prefixed so that two
    /// figures on one page never share one, and on screen at most 1.4 times its print size
    /// (its text then reads like the page's; print uses the size itself).
    static func inlineSVG(_ svg: String, prefix: String) -> String {
        var s = svg
        if s.hasPrefix("<?xml"), let end = s.firstRange(of: "?>") { s = String(s[end.upperBound...]) }
        s = s.replacing("id=\"", with: "id=\"\(prefix)").replacing("url(#", with: "url(#\(prefix)")
            .replacing("href=\"#", with: "href=\"#\(prefix)")
        s = s.trimmingSpaces()
        if s.hasPrefix("<svg "), let w = s.firstRange(of: " width=\"") {
            let digits = s[w.upperBound...].prefix { $0.isNumber || $0 == "." }
            let unit = s[w.upperBound...].dropFirst(digits.count).prefix(2)
            if let x = Double(digits) {
                let px = unit == "mm" ? x / 25.4 * 96 * 1.4 : x
                s = "<svg style=\"max-width: \(Int(px.rounded()))px\" " + s.dropFirst(5)
            }
        }
        return s
    }
}
