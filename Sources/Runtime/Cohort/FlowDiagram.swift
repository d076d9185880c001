/// The CONSORT diagram of a flow tree, in the style of the paper's figure S1: the source on
/// top, the shared steps below it, then one column per branch; each step that drops rows
/// has its exclusion box to the side, with the rows dropped for a missing condition counted
/// apart from the reason's count.
///
/// Sized for print: one SVG unit is one point (1/72 in), the text is 8 pt and the width is
/// given in millimetres, so at its natural size the figure is what a journal prints: the
/// study's single chain is 80 mm wide, its two branches 147 mm, three branches of which one
/// has exclusions 160 mm. Wider trees (four or more branches with exclusions) exceed 170 mm
/// and print below 7 pt if scaled down to it. The output depends on nothing but the tree:
/// text widths come from Helvetica's metrics, not from the fonts installed.
public struct FlowTreeFigure: Sendable {
    public var title: String
    public var tree: FlowTree

    public init(title: String, tree: FlowTree) { self.title = title; self.tree = tree }

    public func svg() -> String {
        let block = FlowDiagramLayout.block(tree.root)
        let m = FlowDiagramLayout.margin
        let top = m + FlowDiagramLayout.titleHeight
        let width = block.width + 2 * m, height = block.height + top + m
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 1) }
        // 1 pt = 25.4 / 72 mm.
        let mm = 25.4 / 72
        let size = FlowDiagramLayout.fontSize
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width * mm))mm\" height=\"\(f(height * mm))mm\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(f(size))\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<defs><marker id=\"flow-arrow\" viewBox=\"0 0 6 6\" markerWidth=\"5\" markerHeight=\"5\" refX=\"6\" refY=\"3\" "
            + "orient=\"auto\" markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L6,3 L0,6 z\" fill=\"black\"/></marker></defs>\n"
        s += "<text class=\"title\" x=\"\(f(m))\" y=\"\(f(m + FlowDiagramLayout.titleSize))\" font-size=\"\(f(FlowDiagramLayout.titleSize))\" "
            + "font-weight=\"bold\">\(escape(title))</text>\n"
        let shapes = block.shapes.map { $0.moved(dx: m, dy: top) }
        // Connectors first, so that boxes are drawn over their ends.
        for shape in shapes {
            switch shape {
            case .line(let x1, let y1, let x2, let y2, let arrow):
                s += "<line class=\"\(arrow ? "arrow" : "link")\" x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" "
                    + "stroke=\"black\" stroke-width=\"0.75\"" + (arrow ? " marker-end=\"url(#flow-arrow)\"" : "") + "/>\n"
            case .box: break
            }
        }
        for shape in shapes {
            switch shape {
            case .line: break
            case .box(let kind, let x, let y, let w, let h, let lines):
                s += "<rect class=\"box \(kind.rawValue)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" "
                    + "fill=\"\(kind.fill)\" stroke=\"black\" stroke-width=\"\(kind.strokeWidth)\"/>\n"
                let centred = kind.centred
                let tx = centred ? x + w / 2 : x + FlowDiagramLayout.padX
                for (i, line) in lines.enumerated() {
                    let baseline = y + FlowDiagramLayout.padY + FlowDiagramLayout.lineHeight * (Double(i) + 0.74)
                    s += "<text x=\"\(f(tx))\" y=\"\(f(baseline))\"" + (centred ? " text-anchor=\"middle\"" : "")
                        + (line.bold ? " font-weight=\"bold\"" : "") + ">\(escape(line.text))</text>\n"
                }
            }
        }
        s += "</svg>\n"
        return s
    }
}

/// One line of text in a box.
struct DiagramText: Sendable, Equatable {
    var text: String
    var bold: Bool
}

/// What the diagram is made of, in points from the top-left corner of its block.
enum DiagramShape: Sendable {
    enum Box: String, Sendable {
        /// The source, a step's remaining rows, a branch's selection, a cohort's final count.
        case source, step, selection, cohort
        /// Beside a step: the rows it excluded. Beside a split: the rows no branch selects.
        case exclusion, unselected

        var fill: String {
            switch self {
            case .source, .step, .cohort: return "white"
            case .selection: return "#e8eef6"
            case .exclusion, .unselected: return "#f2f2f2"
            }
        }
        var strokeWidth: String {
            switch self {
            case .cohort: return "1.5"
            case .source, .step, .selection, .exclusion, .unselected: return "0.75"
            }
        }
        /// Main boxes centre their text; side boxes align it left.
        var centred: Bool {
            switch self {
            case .source, .step, .selection, .cohort: return true
            case .exclusion, .unselected: return false
            }
        }
    }

    case box(Box, x: Double, y: Double, width: Double, height: Double, lines: [DiagramText])
    case line(x1: Double, y1: Double, x2: Double, y2: Double, arrow: Bool)

    func moved(dx: Double, dy: Double) -> DiagramShape {
        switch self {
        case .box(let k, let x, let y, let w, let h, let lines): return .box(k, x: x + dx, y: y + dy, width: w, height: h, lines: lines)
        case .line(let x1, let y1, let x2, let y2, let a): return .line(x1: x1 + dx, y1: y1 + dy, x2: x2 + dx, y2: y2 + dy, arrow: a)
        }
    }
}

/// A laid-out subtree: its size, the x of its vertical axis (where the arrow into it
/// arrives), and whether it starts with a box (else with a step's segment, whose own arrow
/// leads to its first box).
struct DiagramBlock: Sendable {
    var width: Double
    var height: Double
    var axis: Double
    var startsWithBox: Bool
    var shapes: [DiagramShape]
}

enum FlowDiagramLayout {
    // Sizes in points. 8 pt text stays >= 7 pt when the figure is scaled to 7/8 of its size.
    static let fontSize = 8.0
    static let titleSize = 9.0
    static let titleHeight = 16.0
    static let lineHeight = 9.6            // 1.2 em
    static let padX = 5.0, padY = 3.5
    static let mainWidth = 100.0           // every main box
    static let sideMaxWidth = 116.0        // exclusion boxes, text wrapped to fit
    static let armGap = 8.0                // main box edge to exclusion box
    static let gap = 14.0                  // shortest arrow between boxes
    static let sideMargin = 5.0            // above and below an exclusion box in its segment
    static let columnGap = 14.0            // between branch columns
    static let margin = 8.0

    static func boxHeight(_ lines: Int) -> Double { Double(lines) * lineHeight + 2 * padY }

    /// Text wrapped to a box's inner width.
    static func wrap(_ text: String, bold: Bool, width: Double) -> [DiagramText] {
        TextMetrics.wrap(text, width: width, size: fontSize, bold: bold).map { DiagramText(text: $0, bold: bold) }
    }

    static func sideBox(_ lines: [String]) -> (lines: [DiagramText], width: Double, height: Double) {
        let inner = sideMaxWidth - 2 * padX
        let wrapped = lines.flatMap { wrap($0, bold: false, width: inner) }
        let widest = wrapped.map { TextMetrics.width($0.text, size: fontSize, bold: $0.bold) }.max() ?? 0
        return (wrapped, min(sideMaxWidth, (widest + 2 * padX).rounded(.up)), boxHeight(wrapped.count))
    }

    /// A step's exclusion box: every row dropped, then the reason's count and the missing
    /// count apart when some rows had a missing condition.
    static func exclusionLines(_ n: FlowNode) -> [String] {
        let head = "Excluded (n = \(n.step.excluded))"
        guard n.missing > 0 else { return [head, n.label] }
        return [head, "\(n.label) (n = \(n.failed))", "condition missing (n = \(n.missing))"]
    }

    /// One main box of a chain, with the exclusion box before it if the step dropped rows.
    private struct Entry {
        var kind: DiagramShape.Box
        var title: String?
        var exclusion: [String]?
        /// The last node the box stands for (steps that drop nobody share the box above),
        /// and its index in the chain.
        var node: FlowNode
        var index: Int
    }

    /// Lays out the subtree from `start`: its chain of single-child nodes down to a split or
    /// a cohort's end, then the branches side by side, the chain centred over them.
    static func block(_ start: FlowNode) -> DiagramBlock {
        var chain = [start]
        while let last = chain.last, last.children.count == 1, last.ends.isEmpty { chain.append(last.children[0]) }

        var entries = [Entry]()
        for (i, n) in chain.enumerated() {
            switch n.role {
            case .source: entries.append(Entry(kind: .source, title: n.label, exclusion: nil, node: n, index: i))
            case .selection: entries.append(Entry(kind: .selection, title: n.label, exclusion: nil, node: n, index: i))
            case .step:
                if n.step.excluded == 0, !entries.isEmpty {
                    // Nothing dropped: the box above stands for this step too.
                    entries[entries.count - 1].node = n; entries[entries.count - 1].index = i
                } else {
                    entries.append(Entry(kind: .step, title: nil, exclusion: n.step.excluded > 0 ? exclusionLines(n) : nil, node: n, index: i))
                }
            }
        }

        // Main boxes: [title], [cohort name], count. A box names the cohort whose
        // definition it closes (the next step belongs to another cohort) or that ends here.
        let inner = mainWidth - 2 * padX
        func mainLines(_ e: Entry) -> [DiagramText] {
            var lines = e.title.map { wrap($0, bold: true, width: inner) } ?? []
            let next = e.index + 1 < chain.count ? [chain[e.index + 1]] : chain[e.index].children
            var name: String? = nil
            if !e.node.ends.isEmpty {
                name = e.node.ends.joined(separator: ", ")
            } else if e.kind == .step, next.contains(where: { $0.step.cohort != e.node.step.cohort }) {
                name = e.node.step.cohort
            }
            let count = "n = \(e.node.after)"
            if let name {
                if lines.isEmpty { lines = wrap(name, bold: true, width: inner) + [DiagramText(text: count, bold: false)] }
                else { lines += wrap("\(name): \(count)", bold: false, width: inner) }
            } else {
                lines.append(DiagramText(text: count, bold: false))
            }
            return lines
        }

        let axis = mainWidth / 2
        // The chain's right edge: its main boxes, or its widest side box.
        var right = mainWidth
        var shapes = [DiagramShape]()
        var bottom: Double? = nil
        let sideX = axis + mainWidth / 2 + armGap
        for e in entries {
            let lines = mainLines(e)
            let y: Double
            if let ex = e.exclusion {
                // The segment from the box above (or the block's top) holds the exclusion
                // box at its middle; the arrow down passes it and a side arrow leads to it.
                let side = sideBox(ex)
                let top = bottom ?? 0
                let segment = max(gap, side.height + 2 * sideMargin)
                let mid = top + segment / 2
                shapes.append(.line(x1: axis, y1: top, x2: axis, y2: top + segment, arrow: true))
                shapes.append(.line(x1: axis, y1: mid, x2: sideX, y2: mid, arrow: true))
                shapes.append(.box(.exclusion, x: sideX, y: mid - side.height / 2, width: side.width, height: side.height, lines: side.lines))
                right = max(right, sideX + side.width)
                y = top + segment
            } else if let b = bottom {
                shapes.append(.line(x1: axis, y1: b, x2: axis, y2: b + gap, arrow: true))
                y = b + gap
            } else {
                y = 0
            }
            let kind: DiagramShape.Box = e.node.ends.isEmpty ? e.kind : .cohort
            let h = boxHeight(lines.count)
            shapes.append(.box(kind, x: axis - mainWidth / 2, y: y, width: mainWidth, height: h, lines: lines))
            bottom = y + h
        }
        let chainBottom = bottom ?? 0
        let startsWithBox = entries.first?.exclusion == nil
        guard let last = chain.last, !last.children.isEmpty else {
            return DiagramBlock(width: right, height: chainBottom, axis: axis, startsWithBox: startsWithBox, shapes: shapes)
        }

        // The branches, side by side.
        let kids = last.children.map(block)
        var offsets = [Double]()
        var x = 0.0
        for kid in kids { offsets.append(x); x += kid.width + columnGap }
        let kidsWidth = x - columnGap
        let kidAxes = zip(offsets, kids).map { $0 + $1.axis }
        let straight = kids.count == 1 && (last.notInAnyBranch ?? 0) == 0
        let barY: Double
        if straight {
            barY = chainBottom
        } else {
            // From the split box down to a bar over the branches; rows no branch selects
            // get their own box beside that segment.
            var segment = gap
            if let rest = last.notInAnyBranch, rest > 0 {
                let side = sideBox(["Not in any branch (n = \(rest))"])
                segment = max(gap, side.height + 2 * sideMargin)
                let mid = chainBottom + segment / 2
                shapes.append(.line(x1: axis, y1: mid, x2: sideX, y2: mid, arrow: true))
                shapes.append(.box(.unselected, x: sideX, y: mid - side.height / 2, width: side.width, height: side.height, lines: side.lines))
                right = max(right, sideX + side.width)
            }
            barY = chainBottom + segment
            shapes.append(.line(x1: axis, y1: chainBottom, x2: axis, y2: barY, arrow: false))
        }
        // The chain's axis over the middle of the branches' axes; nothing left of 0.
        let centre = ((kidAxes.first ?? 0) + (kidAxes.last ?? 0)) / 2
        let kidsX = max(0, axis - centre)
        let chainX = kidsX + centre - axis
        var out = shapes.map { $0.moved(dx: chainX, dy: 0) }
        let barLeft = min(kidsX + (kidAxes.first ?? 0), chainX + axis)
        let barRight = max(kidsX + (kidAxes.last ?? 0), chainX + axis)
        if !straight, barRight > barLeft {
            out.append(.line(x1: barLeft, y1: barY, x2: barRight, y2: barY, arrow: false))
        }
        var height = chainBottom
        for (kid, (offset, kidAxis)) in zip(kids, zip(offsets, kidAxes)) {
            let ax = kidsX + kidAxis
            // Into a branch: an arrow to its first box, or its own segment from the bar.
            let top = straight && !kid.startsWithBox ? barY : barY + gap
            if kid.startsWithBox {
                out.append(.line(x1: ax, y1: barY, x2: ax, y2: top, arrow: true))
            } else if top > barY {
                out.append(.line(x1: ax, y1: barY, x2: ax, y2: top, arrow: false))
            }
            out += kid.shapes.map { $0.moved(dx: kidsX + offset, dy: top) }
            height = max(height, top + kid.height)
        }
        return DiagramBlock(width: max(kidsX + kidsWidth, chainX + right), height: height, axis: chainX + axis,
                            startsWithBox: startsWithBox, shapes: out)
    }
}

/// Text widths from the Adobe font metrics of Helvetica (the widths Arial, Liberation Sans
/// and Nimbus Sans share), so that boxes fit their text whatever machine draws the SVG.
enum TextMetrics {
    /// Advance widths in 1/1000 em of the characters " " (32) to "~" (126).
    static let regular: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,   // space to /
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,   // 0 to ?
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  // @ to O
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,   // P to _
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,   // ` to o
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,        // p to ~
    ]
    static let bold: [Int] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ]
    /// Other characters are taken as wide as a digit.
    static let fallback = 556

    /// Width in points of `text` set in `size`-point Helvetica: Σ advance / 1000 × size,
    /// plus 4 % for fonts a little wider than Helvetica.
    static func width(_ text: String, size: Double, bold: Bool) -> Double {
        let table = bold ? TextMetrics.bold : regular
        var units = 0
        for u in text.unicodeScalars {
            let k = Int(u.value) - 32
            units += k >= 0 && k < table.count ? table[k] : fallback
        }
        return Double(units) / 1000 * size * 1.04
    }

    /// Greedy word wrap to `width` points; a word longer than a line is cut.
    static func wrap(_ text: String, width: Double, size: Double, bold: Bool) -> [String] {
        var lines = [String]()
        var current = ""
        func fits(_ s: String) -> Bool { self.width(s, size: size, bold: bold) <= width }
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if fits(candidate) { current = candidate; continue }
            if !current.isEmpty { lines.append(current); current = "" }
            var rest = word
            while !fits(rest) {
                // The longest prefix that fits (at least one character).
                var cut = rest.startIndex
                var next = rest.index(after: cut)
                while next <= rest.endIndex, fits(String(rest[..<next])) {
                    cut = next
                    if next == rest.endIndex { break }
                    next = rest.index(after: next)
                }
                if cut == rest.startIndex { cut = rest.index(after: cut) }
                // Rather after a `_`, `-`, `/`, `,` or `.` inside the part that fits.
                if cut < rest.endIndex, let soft = rest[..<cut].lastIndex(where: { "_-/,.".contains($0) }), soft > rest.startIndex {
                    cut = rest.index(after: soft)
                }
                lines.append(String(rest[..<cut]))
                rest = String(rest[cut...])
            }
            current = rest
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
