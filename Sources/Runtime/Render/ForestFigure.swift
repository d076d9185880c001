#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One row of a forest plot: a coefficient's hazard ratio with its interval and p, or the
/// name of a term over its levels.
public struct ForestRow: Sendable, Equatable {
    public var label: String
    public var hr: Double
    public var lower: Double
    public var upper: Double
    public var p: Double
    /// A term's name over its level rows: text only.
    public var heading: Bool
    /// Shown instead of the numbers ("not estimable").
    public var note: String?
    /// A level of the term above it, indented.
    public var indent: Bool

    public init(label: String, hr: Double, lower: Double, upper: Double, p: Double, heading: Bool = false, note: String? = nil, indent: Bool = false) {
        self.label = label; self.hr = hr; self.lower = lower; self.upper = upper; self.p = p
        self.heading = heading; self.note = note; self.indent = indent
    }

    static func heading(_ label: String) -> ForestRow { ForestRow(label: label, hr: .nan, lower: .nan, upper: .nan, p: .nan, heading: true) }

    /// Drawn with a marker and an interval.
    var estimable: Bool { !heading && note == nil && hr.isFinite && hr > 0 && lower.isFinite && upper.isFinite && lower > 0 }
}

/// The hazard ratios of a Cox model (or of a univariate screen) as a forest plot: term
/// labels on the left, the estimates and 95% intervals on a log axis with a line at 1, and
/// the HR (95% CI) and p as text columns on the right. As wide as the text needs, at
/// least 85 mm, unless the options give a size; text 7.5 pt.
public struct ForestFigure: Sendable {
    public var title: String?
    public var xLabel: String
    public var rows: [ForestRow]
    public var widthMM: Double?
    public var heightMM: Double?

    public init(title: String?, xLabel: String, rows: [ForestRow], widthMM: Double? = nil, heightMM: Double? = nil) {
        self.title = title; self.xLabel = xLabel; self.rows = rows; self.widthMM = widthMM; self.heightMM = heightMM
    }

    static let candidates: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]

    /// The axis: from the largest round value at or below every lower limit to the smallest
    /// at or above every upper limit, 1 included, within 0.01...100 (longer intervals end
    /// in an arrow).
    func axis() -> (lo: Double, hi: Double, ticks: [Double]) {
        let shown = rows.filter(\.estimable)
        let lows = shown.map { min($0.lower, $0.hr) }, highs = shown.map { max($0.upper, $0.hr) }
        let lo = max(0.01, min(1, lows.min() ?? 0.5)), hi = min(100, max(1, highs.max() ?? 2))
        let c = ForestFigure.candidates
        var axisLo = c.last { $0 <= lo * (1 + 1e-9) } ?? 0.01
        var axisHi = c.first { $0 >= hi * (1 - 1e-9) } ?? 100
        if axisLo == 1 { axisLo = 0.5 }
        if axisHi == 1 { axisHi = 2 }
        var ticks = c.filter { $0 >= axisLo && $0 <= axisHi }
        if ticks.count > 7 {
            // Decades, and an end of the axis only where it is clear of them (not 10 and 20).
            let decades: [Double] = [0.01, 0.1, 1, 10, 100]
            ticks = ticks.filter { t in
                decades.contains(t) || ((t == axisLo || t == axisHi) && decades.allSatisfy { abs(log($0 / t)) >= log(3) })
            }
        }
        return (axisLo, axisHi, ticks)
    }

    func hrText(_ r: ForestRow) -> String {
        if r.heading { return "" }
        if let note = r.note { return note }
        return Format.hrCI(r.hr, r.lower, r.upper, digits: 2)
    }

    func pText(_ r: ForestRow) -> String {
        r.heading || r.note != nil || r.p.isNaN ? "" : Format.pValue(r.p, style: .journal)
    }

    func labelText(_ r: ForestRow) -> String { r.label }

    public func svg() -> String {
        let m = 6.0, small = FigureStyle.small, cap = 0.72, indent = 6.0, gap = 8.0
        func w(_ s: String, bold: Bool = false) -> Double { TextMetrics.width(s, size: small, bold: bold) }
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 2) }
        let labelWidth = rows.map { w($0.label, bold: $0.heading) + ($0.indent ? indent : 0) }.max() ?? 0
        let hrHead = "HR (95% CI)", pHead = "p"
        let hrWidth = max(w(hrHead, bold: true), rows.map { w(hrText($0)) }.max() ?? 0)
        let pWidth = max(w(pHead, bold: true), rows.map { w(pText($0)) }.max() ?? 0)
        let fixedWidth = 2 * m + labelWidth + 3 * gap + hrWidth + pWidth
        let W = widthMM.map { $0 * FigureStyle.pointsPerMM } ?? max(85 * FigureStyle.pointsPerMM, fixedWidth + 100)
        let plotWidth = max(30, W - fixedWidth)
        let titleHeight = title == nil ? 0 : FigureStyle.title + 5
        let headTop = m + titleHeight
        let below = 3 + 2.5 + 2 + small * cap + 4 + FigureStyle.label * cap + 2
        let rowsTop = headTop + small * cap + 5
        let rowHeight: Double
        if let hmm = heightMM {
            rowHeight = max(6, (hmm * FigureStyle.pointsPerMM - rowsTop - below - m) / Double(max(1, rows.count)))
        } else {
            rowHeight = 11
        }
        let rowsBottom = rowsTop + rowHeight * Double(rows.count)
        let H = heightMM.map { $0 * FigureStyle.pointsPerMM } ?? rowsBottom + below + m
        let plotLeft = m + labelWidth + gap, plotRight = plotLeft + plotWidth
        let hrLeft = plotRight + gap, pLeft = hrLeft + hrWidth + gap
        let (lo, hi, ticks) = axis()
        func x(_ v: Double) -> Double { plotLeft + (log(v) - log(lo)) / (log(hi) - log(lo)) * plotWidth }
        let axisY = rowsBottom + 3

        var s = FigureStyle.header(width: W, height: H)
        if let title {
            s += "<text class=\"title\" x=\"\(f(m))\" y=\"\(f(m + FigureStyle.title * cap))\" font-size=\"\(f(FigureStyle.title))\" font-weight=\"bold\">\(escape(title))</text>\n"
        }
        let headBase = headTop + small * cap
        s += "<text x=\"\(f(hrLeft))\" y=\"\(f(headBase))\" font-weight=\"bold\">\(hrHead)</text>\n"
        s += "<text x=\"\(f(pLeft))\" y=\"\(f(headBase))\" font-weight=\"bold\">\(pHead)</text>\n"
        s += "<line class=\"reference\" x1=\"\(f(x(1)))\" y1=\"\(f(rowsTop))\" x2=\"\(f(x(1)))\" y2=\"\(f(axisY))\" stroke=\"#777777\" stroke-width=\"0.6\" stroke-dasharray=\"2 1.5\"/>\n"
        for (i, r) in rows.enumerated() {
            let mid = rowsTop + rowHeight * (Double(i) + 0.5)
            let base = mid + small * 0.36
            s += "<text class=\"label\" x=\"\(f(m + (r.indent ? indent : 0)))\" y=\"\(f(base))\"" + (r.heading ? " font-weight=\"bold\"" : "")
                + ">\(escape(r.label))</text>\n"
            if r.heading { continue }
            s += "<text class=\"hr-text\" x=\"\(f(hrLeft))\" y=\"\(f(base))\">\(escape(hrText(r)))</text>\n"
            let p = pText(r)
            if !p.isEmpty { s += "<text class=\"p-text\" x=\"\(f(pLeft))\" y=\"\(f(base))\">\(escape(p))</text>\n" }
            guard r.estimable else { continue }
            let a = x(max(lo, r.lower)), b = x(min(hi, r.upper))
            s += "<line class=\"ci\" x1=\"\(f(a))\" y1=\"\(f(mid))\" x2=\"\(f(b))\" y2=\"\(f(mid))\" stroke=\"black\" stroke-width=\"0.75\"/>\n"
            // An interval past the axis ends in an arrow.
            if r.lower < lo { s += "<path class=\"arrow\" d=\"M\(f(a)),\(f(mid)) l3,-1.75 v3.5 z\" fill=\"black\"/>\n" }
            if r.upper > hi { s += "<path class=\"arrow\" d=\"M\(f(b)),\(f(mid)) l-3,-1.75 v3.5 z\" fill=\"black\"/>\n" }
            if r.hr >= lo && r.hr <= hi {
                s += "<rect class=\"estimate\" x=\"\(f(x(r.hr) - 1.75))\" y=\"\(f(mid - 1.75))\" width=\"3.5\" height=\"3.5\" fill=\"black\"/>\n"
            }
        }
        s += "<line class=\"axis\" x1=\"\(f(plotLeft))\" y1=\"\(f(axisY))\" x2=\"\(f(plotRight))\" y2=\"\(f(axisY))\" stroke=\"black\" stroke-width=\"0.75\"/>\n"
        let tickBase = axisY + 2.5 + 2 + small * cap
        for t in ticks {
            s += "<line class=\"tick\" x1=\"\(f(x(t)))\" y1=\"\(f(axisY))\" x2=\"\(f(x(t)))\" y2=\"\(f(axisY + 2.5))\" stroke=\"black\" stroke-width=\"0.75\"/>\n"
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(tickBase))\" text-anchor=\"middle\">\(TimeAxis.label(t))</text>\n"
        }
        s += "<text class=\"xlab\" x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(tickBase + 4 + FigureStyle.label * cap))\" text-anchor=\"middle\" "
            + "font-size=\"\(f(FigureStyle.label))\">\(escape(xLabel))</text>\n"
        s += "</svg>\n"
        return s
    }
}
