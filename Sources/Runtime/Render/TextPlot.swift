#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Figures drawn with characters, for `plot` without a file. With `colour`, curves are
/// braille dots (2 x 4 per character) in an ANSI colour per group, axes in box-drawing
/// characters; without, each group draws with its own ASCII character (`*`, `o`, `+`, `x`)
/// so that the plot reads in any terminal, log file or test.
public enum TextPlot {
    static let marks: [Character] = ["*", "o", "+", "x", "#", "@", "%", "&"]
    /// ANSI colours in the order of `FigureStyle.colours` (blue, red, green, magenta, yellow, cyan).
    static let ansi = [34, 31, 32, 35, 33, 36, 37, 90]
    static let reset = "\u{1B}[0m"

    static func paint(_ text: String, _ style: Int, _ colour: Bool) -> String {
        colour ? "\u{1B}[\(ansi[style % ansi.count])m" + text + reset : text
    }

    static func mark(_ k: Int) -> Character { marks[k % marks.count] }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let n = max(0, width - s.count)
        return right ? String(repeating: " ", count: n) + s : s + String(repeating: " ", count: n)
    }

    static func clip(_ s: String, _ width: Int) -> String {
        s.count <= width ? s : String(s.prefix(max(0, width - 1))) + "~"
    }

    /// Kaplan-Meier or cumulative incidence curves: `width` x `height` characters of plot,
    /// y ticks on the left, time ticks and the number-at-risk table under it, the legend
    /// and the test below. The title is not drawn: `FigurePreview` prints its caption above.
    public static func render(_ f: StepFigure, colour: Bool, width: Int = 60, height: Int = 16) -> String {
        let w = max(10, width), h = max(4, height)
        // The gutter: y tick labels and risk-table labels, right-aligned.
        let yLabels = f.yTicks.map { f.yTickLabel($0) }
        let riskLabels = f.riskRows.map { clip($0.label, 14) }
        let gutter = max(yLabels.map(\.count).max() ?? 0, riskLabels.map(\.count).max() ?? 0, 3) + 1
        // Cells: the character and the series that drew it.
        var cells = [[(Character, Int)?]](repeating: [(Character, Int)?](repeating: nil, count: w), count: h)
        if colour {
            // Braille: dot (dx, dy) of a cell is bit `bits[dy][dx]`.
            let bits: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
            var dots = [[UInt32]](repeating: [UInt32](repeating: 0, count: w), count: h)
            var owner = [[Int]](repeating: [Int](repeating: -1, count: w), count: h)
            let dw = 2 * w, dh = 4 * h
            for (k, c) in f.series.enumerated() {
                var previous: Int?
                for px in 0..<dw {
                    let t = f.xMax * Double(px) / Double(dw - 1)
                    guard t <= c.end + f.xMax * 1e-9 else { previous = nil; continue }
                    let v = min(c.value(at: t), f.yMax)
                    let py = Int(((1 - v / f.yMax) * Double(dh - 1)).rounded())
                    let from = previous.map { min($0, py) } ?? py, to = previous.map { max($0, py) } ?? py
                    for y in from...to {
                        dots[y / 4][px / 2] |= bits[y % 4][px % 2]
                        owner[y / 4][px / 2] = k
                    }
                    previous = py
                }
            }
            for r in 0..<h {
                for col in 0..<w where dots[r][col] != 0 {
                    cells[r][col] = (Character(Unicode.Scalar(0x2800 + dots[r][col])!), owner[r][col])
                }
            }
        } else {
            for (k, c) in f.series.enumerated() {
                var previous: Int?
                for col in 0..<w {
                    let t = f.xMax * Double(col) / Double(w - 1)
                    guard t <= c.end + f.xMax * 1e-9 else { previous = nil; continue }
                    let v = min(c.value(at: t), f.yMax)
                    let row = Int(((1 - v / f.yMax) * Double(h - 1)).rounded())
                    let from = previous.map { min($0, row) } ?? row, to = previous.map { max($0, row) } ?? row
                    for y in from...to { cells[y][col] = (mark(k), k) }
                    previous = row
                }
            }
        }
        // The row of each y tick.
        var tickAtRow = [Int: String]()
        for (v, label) in zip(f.yTicks, yLabels) {
            tickAtRow[Int(((1 - v / f.yMax) * Double(h - 1)).rounded())] = label
        }
        var out = ""
        out += f.yLabel + "\n"
        let vertical = colour ? "┤" : "|", blank = colour ? "│" : "|"
        for r in 0..<h {
            var line = pad(tickAtRow[r] ?? "", gutter - 1, right: true) + " " + (tickAtRow[r] != nil ? vertical : blank)
            var current = -1
            for col in 0..<w {
                if let (ch, k) = cells[r][col] {
                    if colour && k != current { line += "\u{1B}[\(ansi[k % ansi.count])m"; current = k }
                    line.append(ch)
                } else {
                    if colour && current >= 0 { line += reset; current = -1 }
                    line.append(" ")
                }
            }
            if colour && current >= 0 { line += reset }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        // The time axis: ticks at their columns, labels centred on them where they fit.
        let columns = f.xTicks.map { Int(($0 / f.xMax * Double(w - 1)).rounded()) }
        var axis = [Character](repeating: colour ? "─" : "-", count: w)
        for c in columns where c >= 0 && c < w { axis[c] = colour ? "┬" : "+" }
        out += String(repeating: " ", count: gutter) + (colour ? "└" : "+") + String(axis) + "\n"
        out += String(repeating: " ", count: gutter + 1) + aligned(f.xTicks.map { TimeAxis.label($0) }, at: columns, width: w) + "\n"
        out += String(repeating: " ", count: gutter + 1) + pad("", max(0, (w - f.xLabel.count) / 2)) + f.xLabel + "\n"
        if f.series.count > 1 {
            let entries = f.series.indices.map { k -> String in
                let sample = colour ? paint("━━", k, true) : String(repeating: mark(k), count: 2)
                return sample + " " + f.label(k)
            }
            out += String(repeating: " ", count: gutter + 1) + entries.joined(separator: "   ") + "\n"
        }
        for note in f.notes { out += String(repeating: " ", count: gutter + 1) + note + "\n" }
        if !f.riskRows.isEmpty {
            out += pad("No. at risk", gutter) + "\n"
            for (row, label) in zip(f.riskRows, riskLabels) {
                let name = colour ? paint(pad(label, gutter - 1, right: true), row.style, true) : pad(label, gutter - 1, right: true)
                out += name + "  " + aligned(row.counts.map(String.init), at: columns, width: w) + "\n"
            }
        }
        return out
    }

    /// Texts centred on their columns; one that would touch the previous is left out.
    static func aligned(_ texts: [String], at columns: [Int], width: Int) -> String {
        var line = [Character](repeating: " ", count: width + 8)
        var free = 0
        for (text, c) in zip(texts, columns) {
            let start = max(0, c - (text.count - 1) / 2)
            guard start >= free, start + text.count <= line.count else { continue }
            for (i, ch) in text.enumerated() { line[start + i] = ch }
            free = start + text.count + 1
        }
        var s = String(line)
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// A forest plot: each row's label, its interval on a log axis (a `|` at 1), and its
    /// hazard ratio with interval and p.
    public static func render(_ f: ForestFigure, colour: Bool, width: Int = 36) -> String {
        let (lo, hi, ticks) = f.axis()
        let w = max(12, width)
        func col(_ v: Double) -> Int {
            Int(((log(min(hi, max(lo, v))) - log(lo)) / (log(hi) - log(lo)) * Double(w - 1)).rounded())
        }
        let labels = f.rows.map { ($0.indent ? "  " : "") + $0.label }
        let labelWidth = min(28, labels.map(\.count).max() ?? 0)
        let hrTexts = f.rows.map { f.hrText($0) }
        let hrWidth = max("HR (95% CI)".count, hrTexts.map(\.count).max() ?? 0)
        var out = ""
        out += pad("", labelWidth) + "  " + pad("", w) + "  " + pad("HR (95% CI)", hrWidth) + "  p\n"
        let one = col(1)
        for (i, r) in f.rows.enumerated() {
            var line = [Character](repeating: " ", count: w)
            line[one] = colour ? "│" : "|"
            if r.estimable {
                let a = col(r.lower), b = col(r.upper)
                for c in a...b { line[c] = colour ? "─" : "-" }
                if r.lower < lo { line[a] = "<" }
                if r.upper > hi { line[b] = ">" }
                line[col(r.hr)] = colour ? "■" : "o"
            }
            var plot = String(line)
            if colour && r.estimable { plot = paint(plot, 0, true) }
            out += pad(clip(labels[i], labelWidth), labelWidth) + "  " + plot + "  " + pad(hrTexts[i], hrWidth) + "  " + f.pText(r)
            while out.hasSuffix(" ") { out.removeLast() }
            out += "\n"
        }
        let columns = ticks.map(col)
        var axis = [Character](repeating: colour ? "─" : "-", count: w)
        for c in columns { axis[c] = colour ? "┴" : "+" }
        out += pad("", labelWidth) + "  " + String(axis) + "\n"
        out += pad("", labelWidth) + "  " + aligned(ticks.map { TimeAxis.label($0) }, at: columns, width: w) + "\n"
        out += pad("", labelWidth) + "  " + pad("", max(0, (w - f.xLabel.count) / 2)) + f.xLabel + "\n"
        return out
    }
}

/// `plot` without a file: the figure drawn with characters. In text output it prints as
/// the plot (`text(colour:)`; the REPL chooses colour for a colour terminal), in Markdown
/// as a code block; its JSON names the figure, and the result it drew is the document's
/// entry its `draws` names.
public struct FigurePreview: Reportable {
    public var figure: Figure
    public var caption: String

    public init(figure: Figure, caption: String) { self.figure = figure; self.caption = caption }

    public var kind: String { "plot" }

    public func text(colour: Bool) -> String {
        caption + "\n" + (figure.text(colour: colour) ?? "")
    }

    public func tables() -> [ResultTable] {
        [ResultTable(title: caption, columns: [], rows: [])]
    }

    /// What was drawn, not the numbers again: the result the plot drew is in the same JSON
    /// document (the entry's `draws` gives its index).
    public func json() -> JSONValue {
        let kind = switch figure {
        case .steps: "curves"
        case .forest: "forest"
        case .flow, .flowTree: "diagram"
        }
        return .object([("kind", .string(kind)), ("caption", .string(caption))])
    }
}
