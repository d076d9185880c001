/// Output formats. Each renders the tables that results describe; JSON renders their JSON
/// values. The runtime never writes to a terminal: these return strings.
public enum OutputFormat: String, Sendable, CaseIterable {
    case text, markdown, json, csv
}

public enum TextRenderer {
    public static func render(_ tables: [ResultTable]) -> String {
        tables.map(render).joined(separator: "\n")
    }

    public static func render(_ t: ResultTable) -> String {
        let cells = t.rows.map { $0.map(Format.text) }
        let widths = t.columns.indices.map { j in
            max(t.columns[j].count, cells.map { j < $0.count ? $0[j].count : 0 }.max() ?? 0)
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
        out += line(t.columns) + "\n"
        for r in cells { out += line(r) + "\n" }
        for n in t.notes { out += "  " + n + "\n" }
        return out
    }
}

public enum MarkdownRenderer {
    public static func render(_ tables: [ResultTable]) -> String {
        tables.map(render).joined(separator: "\n")
    }

    public static func render(_ t: ResultTable) -> String {
        func escape(_ s: String) -> String { s.replacing("|", with: "\\|") }
        var out = "**\(escape(t.title))**\n\n"
        out += "| " + t.columns.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + t.columns.indices.map { j -> String in
            t.rows.contains(where: { j < $0.count && Format.isNumeric($0[j]) }) ? "---:|" : "---|"
        }.joined() + "\n"
        for r in t.rows { out += "| " + r.map { escape(Format.text($0)) }.joined(separator: " | ") + " |\n" }
        if !t.notes.isEmpty { out += "\n" + t.notes.map { escape($0) }.joined(separator: "  \n") + "\n" }
        return out
    }
}

public enum CSVRenderer {
    public static func render(_ tables: [ResultTable]) -> String {
        tables.map(render).joined(separator: "\n")
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacing("\"", with: "\"\"") + "\"" : s
    }

    public static func render(_ t: ResultTable) -> String {
        var out = "# " + t.title + "\n"
        out += t.columns.map(quote).joined(separator: ",") + "\n"
        for r in t.rows { out += r.map { quote(Format.exact($0)) }.joined(separator: ",") + "\n" }
        return out
    }
}
