/// LaTeX tables for `export "x.tex"`: a fragment to `\input{}` into a paper whose preamble
/// loads booktabs (`\usepackage{booktabs}`). Each table is a `table` float: its title as the
/// `\caption` (so the paper numbers it and `\label`/`\ref` work), a `tabular` with booktabs
/// rules (`\toprule`, `\midrule`, `\bottomrule`), numeric columns right-aligned (numbers of
/// a column have the same decimals, so their points line up), text columns left-aligned,
/// and the footnotes in small type under the rules. Text is escaped for LaTeX: the ten
/// special characters (`& % $ # _ { } ~ ^ \`), `<`, `>` and `|` (which the default OT1
/// font encoding would print as other glyphs), and a few Unicode signs pdfLaTeX does not
/// know without packages (≥, ≤, ±, –, —, ×).
public enum LaTeXRenderer {
    public static func render(_ tables: [ResultTable], presentation: Presentation = .standard) -> String {
        "% Written by lart. Needs \\usepackage{booktabs} in the preamble.\n"
            + tables.map { render($0, presentation: presentation) }.joined(separator: "\n")
    }

    public static func render(_ t: ResultTable, presentation: Presentation = .standard) -> String {
        // A table without columns is a notice ("figure written: ..."): a comment.
        if t.columns.isEmpty { return "% " + t.title.replacing("\n", with: " ") + "\n" }
        let numeric = t.columns.indices.map { j in t.rows.contains { j < $0.count && Format.isNumeric($0[j]) } }
        var out = "\\begin{table}[htbp]\n\\centering\n"
        out += "\\caption{" + escape(t.title) + "}\n"
        out += "\\begin{tabular}{" + numeric.map { $0 ? "r" : "l" }.joined() + "}\n"
        out += "\\toprule\n"
        out += t.columns.map(escape).joined(separator: " & ") + " \\\\\n"
        out += "\\midrule\n"
        var texts = t.rows.map { r in (0..<t.columns.count).map { j in j < r.count ? Format.text(r[j], presentation) : "" } }
        for j in t.columns.indices where numeric[j] { alignDecimals(&texts, column: j) }
        for r in texts {
            out += r.map(escape).joined(separator: " & ") + " \\\\\n"
        }
        out += "\\bottomrule\n\\end{tabular}\n"
        if presentation.notes && !t.notes.isEmpty {
            out += "\n\\smallskip\n{\\footnotesize\n" + t.notes.map { escape($0) + "\\par\n" }.joined() + "}\n"
        }
        out += "\\end{table}\n"
        return out
    }

    /// Pads plain numbers of a right-aligned column with invisible digits after them
    /// (`\phantom{0}`, marked here as U+2007 FIGURE SPACE until `escape`) so that their
    /// decimal points line up: `12.5` over `3.25`. Other cells (`NA`, `< 0.001`, an
    /// interval) are left as they are.
    static func alignDecimals(_ rows: inout [[String]], column j: Int) {
        func decimals(_ s: String) -> Int? {
            guard s.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?%?/) != nil else { return nil }
            let digits = s.hasSuffix("%") ? s.dropLast() : Substring(s)
            return digits.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first.map { $0.count } ?? 0
        }
        let widest = rows.compactMap { decimals($0[j]) }.max() ?? 0
        guard widest > 0 else { return }
        for i in rows.indices {
            guard let d = decimals(rows[i][j]), d < widest else { continue }
            let percent = rows[i][j].hasSuffix("%")
            var s = percent ? String(rows[i][j].dropLast()) : rows[i][j]
            // A whole number also lacks the point: pad for it too (U+2008, `\phantom{.}`).
            s += (d == 0 ? "\u{2008}" : "") + String(repeating: "\u{2007}", count: widest - d)
            rows[i][j] = s + (percent ? "%" : "")
        }
    }

    /// Text as LaTeX typesets it literally.
    public static func escape(_ s: String) -> String {
        replacingCharacters(s) { c in
            switch c {
            case "\\": "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": "\\" + String(c)
            case "~": "\\textasciitilde{}"
            case "^": "\\textasciicircum{}"
            case "<": "\\textless{}"
            case ">": "\\textgreater{}"
            case "|": "\\textbar{}"
            case "≥": "$\\geq$"
            case "≤": "$\\leq$"
            case "±": "$\\pm$"
            case "×": "$\\times$"
            case "–": "--"
            case "—": "---"
            case "\n": " "
            case "\u{2007}": "\\phantom{0}"
            case "\u{2008}": "\\phantom{.}"
            default: nil
            }
        }
    }
}
