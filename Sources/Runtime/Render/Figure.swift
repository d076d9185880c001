/// Figures for a paper, written as standalone SVG (no fonts or libraries needed to view;
/// `Raster` renders them as PDF or PNG).
///
/// A `StepFigure` draws right-continuous step functions (Kaplan-Meier survival, cumulative
/// incidence) with censoring marks, bands, medians and a number-at-risk table; a
/// `ForestFigure` the hazard ratios of a Cox model; a `FlowFigure` and a `FlowTreeFigure`
/// CONSORT-style box diagrams of eligibility flows. Figures sized for print use one SVG unit
/// per point (1/72 in) and give their width and height in millimetres.
public protocol Plottable: Reportable {
    /// The figure of the result drawn as `options` say; nil when the result has none.
    func figure(_ options: FigureOptions) -> Figure?
}

extension Plottable {
    /// The figure with the default options.
    public func figure() -> Figure? { figure(FigureOptions()) }
}

public enum Figure: Sendable {
    case steps(StepFigure)
    case forest(ForestFigure)
    case flow(FlowFigure)
    /// Several cohorts' flows as one tree (`FlowTreeFigure`, in Cohort/FlowDiagram.swift).
    case flowTree(FlowTreeFigure)

    public func svg() -> String {
        switch self {
        case .steps(let f): return f.svg()
        case .forest(let f): return f.svg()
        case .flow(let f): return f.svg()
        case .flowTree(let f): return f.svg()
        }
    }

    /// The figure drawn with characters for a terminal (`TextPlot`); nil for box diagrams,
    /// which only files show. `colour`: ANSI colours and braille dots, else plain ASCII.
    public func text(colour: Bool) -> String? {
        switch self {
        case .steps(let f): return TextPlot.render(f, colour: colour)
        case .forest(let f): return TextPlot.render(f, colour: colour)
        case .flow, .flowTree: return nil
        }
    }
}

/// What the options of `plot` ask of a figure. Times are in the result's time unit.
public struct FigureOptions: Sendable, Equatable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    /// The end of the time axis; nil: the last observed time, rounded up to a tick.
    public var xMax: Double?
    /// The distance between time ticks; nil: whole years (12 for months, 365 for days, 52
    /// for weeks, 1 for years) when the axis spans two years or more, else round numbers.
    public var tickStep: Double?
    /// Probabilities as percentages on the y axis.
    public var percent = false
    /// Shaded pointwise 95% bands.
    public var confidenceBands = false
    public var censorMarks = true
    /// Dashed lines from the median to both axes.
    public var medianLines = false
    /// The p-value of the test between the curves (groups > 1), inside the plot.
    public var pValue = false
    public var riskTable = true
    /// Causes a cumulative incidence figure draws; nil: the event of interest only.
    public var causes: [Int]?
    /// Size in millimetres; nil: the figure's default (85 x 70 mm for curves).
    public var widthMM: Double?
    public var heightMM: Double?
    /// The test between Kaplan-Meier curves, which the caller computes (the log-rank test).
    public var test: FigureTest?
    /// Labels of model terms for forest plots, by variable name (`label sex "Sex" [F:
    /// "female"]`): a term by its title, a factor's levels by their value labels.
    public var termLabels: [String: TermLabel] = [:]

    public init() {}
}

/// A variable's label and its values' labels, as `label` declares them.
public struct TermLabel: Sendable, Equatable {
    public var title: String?
    public var values: [String: String]
    public init(title: String?, values: [String: String]) { self.title = title; self.values = values }
}

/// A test shown on a figure: "Log-rank p = 0.012".
public struct FigureTest: Sendable, Equatable {
    public var name: String
    public var p: Double
    public init(name: String, p: Double) { self.name = name; self.p = p }

    /// The text drawn: the p-value in journal style (`< 0.001`, 3 decimals below 0.01, else 2).
    public var text: String {
        let p = Format.pValue(self.p, style: .journal)
        return name + " p " + (p.hasPrefix("<") || p.hasPrefix(">") ? p : "= " + p)
    }
}

/// The colours and line types of the groups of a figure: the Okabe-Ito palette (safe for
/// colour-blind readers), and a dash pattern per group so that the curves stay apart in
/// greyscale (solid, dashed, dotted, dash-dot).
enum FigureStyle {
    static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]
    static let dashes = ["", "4 2", "1 1.5", "5 1.5 1 1.5"]
    /// Font sizes in points: at the figure's natural size nothing is smaller than 7 pt.
    static let small = 7.5, label = 8.0, title = 9.0

    static func colour(_ k: Int) -> String { colours[k % colours.count] }
    static func dash(_ k: Int) -> String { dashes[k % dashes.count] }
    /// The SVG attribute of the dash pattern ("" for solid).
    static func dashAttribute(_ k: Int) -> String {
        let d = dash(k)
        return d.isEmpty ? "" : " stroke-dasharray=\"\(d)\""
    }

    static let pointsPerMM = 72 / 25.4

    /// The opening tag of a print-sized SVG: width and height in mm, a viewBox in points.
    static func header(width: Double, height: Double) -> String {
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 1) }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width / pointsPerMM))mm\" height=\"\(f(height / pointsPerMM))mm\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(f(small))\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    }
}

/// A CONSORT-style flow: one box per step down the page, exclusions in boxes to the side.
public struct FlowFigure: Sendable {
    public var title: String
    public var steps: [FlowStep]

    public init(title: String, steps: [FlowStep]) { self.title = title; self.steps = steps }

    public func svg() -> String {
        // Steps that exclude nobody add a box with nothing to say: leave them out.
        let steps = self.steps.enumerated().filter { $0.offset == 0 || $0.element.kind == .source || $0.element.kind == .combine || $0.element.excluded > 0 }.map(\.element)
        // Rows dropped for a missing condition are counted apart, never in the reason's count:
        // "Excluded (n = 20): no positive nodes (n = 2); condition missing (n = 18)".
        let reasons = steps.map { s in
            "Excluded (n = \(s.excluded)): " + s.label + (s.missing > 0 ? " (n = \(s.failed)); condition missing (n = \(s.missing))" : "")
        }
        let boxWidth = 300.0, boxHeight = 44.0, gap = 34.0, left = 40.0, sideLeft = 390.0
        let sideWidth = max(300, Double(reasons.map(\.count).max() ?? 0) * 6.8 + 16)
        let width = Int(sideLeft + sideWidth + 20)
        let height = 70 + Double(steps.count) * (boxHeight + gap)
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 1) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(Int(height))\" viewBox=\"0 0 \(width) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"black\"/></marker></defs>\n"
        s += "<text x=\"\(f(left))\" y=\"28\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
        var yy = 50.0
        var previousBottom: Double? = nil
        for (index, step) in steps.enumerated() {
            let kept: String
            switch step.kind {
            case .source: kept = "\(step.condition): n = \(step.after)"
            case .combine: kept = "\(step.condition)"
            default: kept = "n = \(step.after)"
            }
            if let pb = previousBottom {
                s += "<line x1=\"\(f(left + boxWidth / 2))\" y1=\"\(f(pb))\" x2=\"\(f(left + boxWidth / 2))\" y2=\"\(f(yy))\" stroke=\"black\" marker-end=\"url(#arrow)\"/>\n"
            }
            if step.kind != .source && step.kind != .combine && step.excluded > 0 {
                let midY = yy - gap / 2
                s += "<line x1=\"\(f(left + boxWidth / 2))\" y1=\"\(f(midY))\" x2=\"\(f(sideLeft))\" y2=\"\(f(midY))\" stroke=\"black\" marker-end=\"url(#arrow)\"/>\n"
                s += "<rect x=\"\(f(sideLeft))\" y=\"\(f(midY - 14))\" width=\"\(f(sideWidth))\" height=\"28\" fill=\"#f6f6f6\" stroke=\"black\"/>\n"
                s += "<text x=\"\(f(sideLeft + 8))\" y=\"\(f(midY + 4))\">\(escape(reasons[index]))</text>\n"
            }
            s += "<rect x=\"\(f(left))\" y=\"\(f(yy))\" width=\"\(f(boxWidth))\" height=\"\(f(boxHeight))\" fill=\"white\" stroke=\"black\"/>\n"
            s += "<text x=\"\(f(left + boxWidth / 2))\" y=\"\(f(yy + 18))\" text-anchor=\"middle\" font-weight=\"bold\">\(escape(step.cohort))</text>\n"
            s += "<text x=\"\(f(left + boxWidth / 2))\" y=\"\(f(yy + 34))\" text-anchor=\"middle\">\(escape(kept))</text>\n"
            previousBottom = yy + boxHeight
            yy += boxHeight + gap
        }
        s += "</svg>\n"
        return s
    }
}

func escape(_ s: String) -> String {
    replacingCharacters(s) { c in
        switch c {
        case "&": "&amp;"
        case "<": "&lt;"
        case ">": "&gt;"
        case "\"": "&quot;"
        default: nil
        }
    }
}

/// `s` with each character that `replacement` maps (to non-nil) replaced: the one loop of
/// the XML and LaTeX escapes.
func replacingCharacters(_ s: String, _ replacement: (Character) -> String?) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
        if let r = replacement(c) { out += r } else { out.append(c) }
    }
    return out
}

extension FlowResult: Plottable {
    /// The print layout of the flow tree (`FlowTreeFigure`): one chain for one cohort, the
    /// branching tree for stacked cohorts of one source (`flow omd + opd`). Only a flow the
    /// tree cannot show (stacked cohorts of different sources, or steps after stacking) keeps
    /// the plain diagram.
    public func figure(_ options: FigureOptions) -> Figure? {
        let title = options.title ?? "Flow of \(cohort)"
        if let tree = try? FlowTree(flows: FlowResult.chains(steps)) {
            return .flowTree(FlowTreeFigure(title: title, tree: tree))
        }
        return .flow(FlowFigure(title: title, steps: steps))
    }

    /// The flows of the cohorts a flow stacks (each from its source step on), without the
    /// step that stacks them; the flow itself when it stacks nothing.
    static func chains(_ steps: [FlowStep]) -> [[FlowStep]] {
        guard let combine = steps.firstIndex(where: { $0.kind == .combine }) else { return [steps] }
        guard combine == steps.count - 1 else { return [] }  // steps after stacking: no tree
        var chains = [[FlowStep]]()
        for step in steps.dropLast() {
            if step.kind == .source || chains.isEmpty { chains.append([]) }
            chains[chains.count - 1].append(step)
        }
        return chains
    }
}

extension FlowTreeResult: Plottable {
    public func figure(_ options: FigureOptions) -> Figure? { .flowTree(FlowTreeFigure(title: options.title ?? title, tree: tree)) }
}
