/// Output formats. Each renders the tables that results describe; JSON renders their JSON
/// values. The runtime never writes to a terminal: these return strings.
public enum OutputFormat: String, Sendable, CaseIterable {
    case text, markdown, json, csv
}

/// Plain text tables: columns padded to their widest cell, numbers right-aligned, the notes
/// indented under the table. `presentation` chooses digits, percentages, p-value style and
/// whether notes print; the default is the long-standing output.
public enum TextRenderer {
    public static func render(_ tables: [ResultTable], presentation: Presentation = .standard) -> String {
        tables.map { render($0, presentation: presentation) }.joined(separator: "\n")
    }

    public static func render(_ t: ResultTable, presentation: Presentation = .standard) -> String {
        let cells = t.rows.map { $0.map { Format.text($0, presentation) } }
        let widths = t.columns.indices.map { j in
            max(Format.printable(t.columns[j]).count, cells.map { j < $0.count ? $0[j].count : 0 }.max() ?? 0)
        }
        func isNumeric(_ j: Int) -> Bool {
            t.rows.contains { row in j < row.count && Format.isNumeric(row[j]) }
        }
        let numeric = t.columns.indices.map(isNumeric)
        func line(_ values: [String]) -> String {
            var parts = [String]()
            for (j, v) in values.enumerated() where j < widths.count {
                let pad = String(repeating: " ", count: max(0, widths[j] - v.count))
                parts.append(numeric[j] ? pad + v : v + pad)
            }
            return "  " + parts.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        var out = t.title + "\n"
        if t.columns.isEmpty { return out }
        out += line(t.columns.map(Format.printable)) + "\n"
        for r in cells { out += line(r) + "\n" }
        if presentation.notes {
            for n in t.notes { out += "  " + n + "\n" }
        }
        return out
    }
}

/// GitHub-flavoured Markdown tables (numeric columns right-aligned), notes as lines under
/// the table when `presentation.notes`.
public enum MarkdownRenderer {
    public static func render(_ tables: [ResultTable], presentation: Presentation = .standard) -> String {
        tables.map { render($0, presentation: presentation) }.joined(separator: "\n")
    }

    public static func render(_ t: ResultTable, presentation: Presentation = .standard) -> String {
        func escape(_ s: String) -> String { Format.printable(s).replacing("|", with: "\\|") }
        // A table without columns is a notice ("figure written: ..."): one line, no table.
        if t.columns.isEmpty {
            var out = escape(t.title) + "\n"
            if presentation.notes && !t.notes.isEmpty { out += "\n" + t.notes.map { escape($0) }.joined(separator: "  \n") + "\n" }
            return out
        }
        var out = "**\(escape(t.title))**\n\n"
        out += "| " + t.columns.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + t.columns.indices.map { j -> String in
            t.rows.contains(where: { j < $0.count && Format.isNumeric($0[j]) }) ? "---:|" : "---|"
        }.joined() + "\n"
        for r in t.rows {
            out += "| " + r.map { escape(Format.text($0, presentation)) }.joined(separator: " | ") + " |\n"
        }
        if presentation.notes && !t.notes.isEmpty {
            out += "\n" + t.notes.map { escape($0) }.joined(separator: "  \n") + "\n"
        }
        return out
    }
}

/// CSV: one block per table (a `# title` line, the header, the rows), numbers at full
/// precision. CSV never carries notes; of the presentation only `survivalAsPercent` applies
/// (survival cells written as 100 x), digits and p-value style do not (full precision is
/// CSV's purpose).
public enum CSVRenderer {
    public static func render(_ tables: [ResultTable], presentation: Presentation = .standard) -> String {
        tables.map { render($0, presentation: presentation) }.joined(separator: "\n")
    }

    static func quote(_ s: String) -> String {
        // By scalars: "\r\n" is one `Character`, equal to neither line end alone.
        s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacing("\"", with: "\"\"") + "\"" : s
    }

    /// One table as a file a spreadsheet opens: the header row and the rows, no title or
    /// notes, numbers as numbers, and text that a spreadsheet would run as a formula (a
    /// leading `=`, `+`, `-`, `@`, tab or carriage return: OWASP's CSV injection guidance)
    /// prefixed with `'`.
    public static func file(_ t: ResultTable, presentation: Presentation = .standard) -> String {
        var out = t.columns.map { quote(safeText($0)) }.joined(separator: ",") + "\n"
        for r in t.rows {
            out += r.map { cell -> String in
                let text = Format.exact(cell, presentation)
                switch cell {
                case .text: return quote(safeText(text))
                case .integer, .number, .pValue, .percent, .missing, .survival, .hrCI, .time: return quote(text)
                }
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func safeText(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return s }
        return "'" + s
    }

    public static func render(_ t: ResultTable, presentation: Presentation = .standard) -> String {
        var out = "# " + t.title + "\n"
        // A table without columns is a notice: its title line alone.
        if t.columns.isEmpty { return out }
        out += t.columns.map(quote).joined(separator: ",") + "\n"
        for r in t.rows { out += r.map { quote(Format.exact($0, presentation)) }.joined(separator: ",") + "\n" }
        return out
    }
}
