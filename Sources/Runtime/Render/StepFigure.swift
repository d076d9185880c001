#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One curve of a step figure: a right-continuous step function from (0, start), its
/// censoring times, its pointwise band, its median and its numbers at risk.
public struct StepSeries: Sendable {
    public var label: String
    /// Jump times, increasing, and the value from each on.
    public var time: [Double]
    public var value: [Double]
    public var start: Double
    /// The last observed time: the curve is drawn to here.
    public var end: Double
    /// Times of censored observations (marks on the curve).
    public var censored: [Double]
    /// The band as a step function: from `bandTime[i]` on, `lower[i]`...`upper[i]` (NaN
    /// where there is none); before the first band time, none.
    public var bandTime: [Double]
    public var lower: [Double]
    public var upper: [Double]
    /// The time the curve reaches 0.5 (the median), if it does.
    public var median: Double?

    public init(label: String, time: [Double], value: [Double], start: Double, end: Double? = nil, censored: [Double] = [],
                bandTime: [Double] = [], lower: [Double] = [], upper: [Double] = [], median: Double? = nil) {
        self.label = label; self.time = time; self.value = value; self.start = start
        self.end = end ?? max(time.last ?? 0, censored.max() ?? 0)
        self.censored = censored; self.bandTime = bandTime; self.lower = lower; self.upper = upper
        self.median = median
    }

    /// The step function's value at t.
    func value(at t: Double) -> Double {
        let k = StepSeries.countAtOrBefore(time, t)
        return k == 0 ? start : value[k - 1]
    }

    /// The band at t: nil before the first band time or where it is undefined.
    func band(at t: Double) -> (lower: Double, upper: Double)? {
        let k = StepSeries.countAtOrBefore(bandTime, t)
        guard k > 0, lower[k - 1].isFinite, upper[k - 1].isFinite else { return nil }
        return (lower[k - 1], upper[k - 1])
    }

    static func countAtOrBefore(_ xs: [Double], _ t: Double) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi { let mid = (lo + hi) / 2; if xs[mid] <= t { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}

/// A row of the number-at-risk table: its label, the numbers at the figure's ticks, and
/// the style (colour) of the curve it belongs to.
public struct RiskRow: Sendable, Equatable {
    public var label: String
    public var counts: [Int]
    public var style: Int
    public init(label: String, counts: [Int], style: Int) { self.label = label; self.counts = counts; self.style = style }
}

/// Kaplan-Meier or cumulative incidence curves on a time axis, sized for a journal column
/// (85 x 70 mm unless the options say otherwise; text 7.5 to 9 pt at that size), with the
/// number-at-risk table under the axis, aligned with its ticks.
public struct StepFigure: Sendable {
    /// Survival curves fall from 1 (y axis 0 to 1); incidence curves rise from 0 (y axis
    /// to a round value above the highest curve).
    public enum Measure: Sendable { case survival, incidence }

    public var measure: Measure
    public var title: String?
    public var xLabel: String
    public var yLabel: String
    public var series: [StepSeries]
    public var xMax: Double
    public var xTicks: [Double]
    public var yMax: Double
    public var yTicks: [Double]
    public var percent: Bool
    public var bands: Bool
    public var censorMarks: Bool
    public var medianLines: Bool
    /// Lines under the legend (the test between the curves).
    public var notes: [String]
    /// The number-at-risk table (empty: none).
    public var riskRows: [RiskRow]
    public var widthMM: Double
    public var heightMM: Double

    public var hasRiskTable: Bool { !riskRows.isEmpty }

    /// A figure from its curves: the axes from the data and the options; `riskAt[k]` gives
    /// the number at risk of series k at a time (nil: no table), in the row named
    /// `riskLabels[k]` (default: the series' label; "(all)" reads "All").
    public static func make(_ measure: Measure, series: [StepSeries], riskAt: [(Double) -> Int]?, unit: String,
                            options o: FigureOptions, notes: [String], riskLabels: [String]? = nil) -> StepFigure {
        let dataMax = series.map { max($0.end, $0.time.last ?? 0) }.max() ?? 0
        let axis = TimeAxis.make(dataMax: dataMax, unit: unit, xMax: o.xMax, step: o.tickStep)
        var riskRows = [RiskRow]()
        if let riskAt, o.riskTable, riskAt.count == series.count {
            let labels = riskLabels ?? series.map(\.label)
            riskRows = series.indices.map { k in
                RiskRow(label: labels[k] == "(all)" ? "All" : labels[k], counts: axis.ticks.map(riskAt[k]), style: k)
            }
        }
        let y: (max: Double, ticks: [Double])
        switch measure {
        case .survival:
            y = (1, (0...5).map { Double($0) / 5 })
        case .incidence:
            var top = 0.0
            for s in series {
                for (t, v) in zip(s.time, s.value) where t <= axis.end { top = max(top, v) }
                if o.confidenceBands {
                    for (t, u) in zip(s.bandTime, s.upper) where t <= axis.end && u.isFinite { top = max(top, u) }
                }
            }
            y = TimeAxis.incidenceAxis(top)
        }
        let unitText = unit.isEmpty ? "" : " (\(unit))"
        let defaultY: String
        switch measure {
        case .survival: defaultY = "Survival probability"
        case .incidence: defaultY = "Cumulative incidence"
        }
        return StepFigure(measure: measure, title: o.title, xLabel: o.xLabel ?? "Time" + unitText,
                          yLabel: o.yLabel ?? defaultY + (o.percent ? " (%)" : ""), series: series,
                          xMax: axis.end, xTicks: axis.ticks, yMax: y.max, yTicks: y.ticks, percent: o.percent,
                          bands: o.confidenceBands, censorMarks: o.censorMarks, medianLines: o.medianLines, notes: notes, riskRows: riskRows,
                          widthMM: o.widthMM ?? 85, heightMM: o.heightMM ?? 70)
    }

    /// A tick label of the y axis: percent without decimals, or a proportion with as many
    /// decimals as the step needs.
    func yTickLabel(_ v: Double) -> String {
        if percent { return Format.fixed(v * 100, decimals: 0) }
        let step = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 0.2
        return Format.fixed(v, decimals: step < 0.1 - 1e-9 ? 2 : 1)
    }

    /// The label of series k in the legend and the risk table ("All" for an ungrouped curve).
    func label(_ k: Int) -> String { series[k].label == "(all)" ? "All" : series[k].label }

    /// Geometry in points.
    struct Layout {
        var width, height, left, right, top, bottom: Double
        var tickBase, xLabelBase, riskHeadBase: Double
        var riskLine: Double
        var xMax, yMax: Double
        func x(_ t: Double) -> Double { left + (right - left) * t / xMax }
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / yMax }
        func t(_ x: Double) -> Double { (x - left) / (right - left) * xMax }
    }

    static let margin = 6.0, tickLength = 2.5, lineHeight = 9.0

    func layout() -> Layout {
        let W = widthMM * FigureStyle.pointsPerMM, H = heightMM * FigureStyle.pointsPerMM
        let m = StepFigure.margin, small = FigureStyle.small, cap = 0.72
        let titleHeight = title == nil ? 0 : FigureStyle.title + 5
        let top = m + titleHeight + 4
        let below = StepFigure.tickLength + 2 + small * cap + 4 + FigureStyle.label * cap + 2
        let rows = riskRows.count
        let riskHeight = rows > 0 ? 7 + small * cap + StepFigure.lineHeight * Double(rows) + 2 : 0
        let bottom = H - m - riskHeight - below
        let yTickWidth = yTicks.map { TextMetrics.width(yTickLabel($0), size: small, bold: false) }.max() ?? 0
        var left = m + FigureStyle.label * cap + 4 + yTickWidth + StepFigure.tickLength + 1.5
        if rows > 0 {
            let widest = riskRows.map { TextMetrics.width($0.label, size: small, bold: false) }.max() ?? 0
            let heading = TextMetrics.width("No. at risk", size: small, bold: true)
            left = max(left, m + min(max(widest, heading), W * 0.4) + 6)
        }
        var rightOverhang = TextMetrics.width(TimeAxis.label(xTicks.last ?? 0), size: small, bold: false) / 2
        if rows > 0 {
            for r in riskRows { rightOverhang = max(rightOverhang, TextMetrics.width(String(r.counts.last ?? 0), size: small, bold: false) / 2) }
        }
        let right = W - m - rightOverhang
        let tickBase = bottom + StepFigure.tickLength + 2 + small * cap
        let xLabelBase = tickBase + 4 + FigureStyle.label * cap
        return Layout(width: W, height: H, left: left, right: right, top: top, bottom: bottom, tickBase: tickBase,
                      xLabelBase: xLabelBase, riskHeadBase: xLabelBase + 7 + small * cap, riskLine: StepFigure.lineHeight,
                      xMax: xMax, yMax: yMax)
    }

    public func svg() -> String {
        let L = layout()
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 2) }
        let m = StepFigure.margin
        var s = FigureStyle.header(width: L.width, height: L.height)
        if let title {
            s += "<text class=\"title\" x=\"\(f(m))\" y=\"\(f(m + FigureStyle.title * 0.72))\" font-size=\"\(f(FigureStyle.title))\" font-weight=\"bold\">\(escape(title))</text>\n"
        }
        // Bands first, then medians, curves and marks over them.
        if bands {
            for (k, c) in series.enumerated() {
                for d in bandPaths(c, L) {
                    s += "<path class=\"band\" d=\"\(d)\" fill=\"\(FigureStyle.colour(k))\" fill-opacity=\"0.15\" stroke=\"none\"/>\n"
                }
            }
        }
        if medianLines {
            for c in series {
                guard let md = c.median, md <= xMax, 0.5 <= yMax else { continue }
                s += "<path class=\"median\" d=\"M\(f(L.left)),\(f(L.y(0.5))) H\(f(L.x(md))) V\(f(L.bottom))\" fill=\"none\" "
                    + "stroke=\"#555555\" stroke-width=\"0.5\" stroke-dasharray=\"2 1.5\"/>\n"
            }
        }
        for (k, c) in series.enumerated() {
            s += "<path class=\"curve\" d=\"\(curvePath(c, L))\" fill=\"none\" stroke=\"\(FigureStyle.colour(k))\" stroke-width=\"1\"\(FigureStyle.dashAttribute(k))/>\n"
            if censorMarks {
                for t in c.censored where t <= xMax {
                    let yy = L.y(min(c.value(at: t), yMax))
                    s += "<line class=\"censor\" x1=\"\(f(L.x(t)))\" y1=\"\(f(yy - 1.75))\" x2=\"\(f(L.x(t)))\" y2=\"\(f(yy + 1.75))\" "
                        + "stroke=\"\(FigureStyle.colour(k))\" stroke-width=\"0.6\"/>\n"
                }
            }
        }
        // Axes.
        s += "<path class=\"axis\" d=\"M\(f(L.left)),\(f(L.top)) V\(f(L.bottom)) H\(f(L.right))\" fill=\"none\" stroke=\"black\" stroke-width=\"0.75\"/>\n"
        for t in xTicks {
            s += "<line class=\"tick\" x1=\"\(f(L.x(t)))\" y1=\"\(f(L.bottom))\" x2=\"\(f(L.x(t)))\" y2=\"\(f(L.bottom + StepFigure.tickLength))\" stroke=\"black\" stroke-width=\"0.75\"/>\n"
            s += "<text x=\"\(f(L.x(t)))\" y=\"\(f(L.tickBase))\" text-anchor=\"middle\">\(TimeAxis.label(t))</text>\n"
        }
        for v in yTicks {
            s += "<line class=\"tick\" x1=\"\(f(L.left - StepFigure.tickLength))\" y1=\"\(f(L.y(v)))\" x2=\"\(f(L.left))\" y2=\"\(f(L.y(v)))\" stroke=\"black\" stroke-width=\"0.75\"/>\n"
            s += "<text x=\"\(f(L.left - StepFigure.tickLength - 1.5))\" y=\"\(f(L.y(v) + FigureStyle.small * 0.36))\" text-anchor=\"end\">\(yTickLabel(v))</text>\n"
        }
        s += "<text class=\"xlab\" x=\"\(f((L.left + L.right) / 2))\" y=\"\(f(L.xLabelBase))\" text-anchor=\"middle\" font-size=\"\(f(FigureStyle.label))\">\(escape(xLabel))</text>\n"
        s += "<text class=\"ylab\" transform=\"translate(\(f(m + FigureStyle.label * 0.72)) \(f((L.top + L.bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\" font-size=\"\(f(FigureStyle.label))\">\(escape(yLabel))</text>\n"
        s += legend(L)
        // Number at risk, under the ticks.
        if hasRiskTable {
            s += "<text class=\"risk-head\" x=\"\(f(m))\" y=\"\(f(L.riskHeadBase))\" font-weight=\"bold\">No. at risk</text>\n"
            for (k, r) in riskRows.enumerated() {
                let yy = L.riskHeadBase + L.riskLine * Double(k + 1)
                s += "<text class=\"risk-label\" x=\"\(f(m))\" y=\"\(f(yy))\" fill=\"\(FigureStyle.colour(r.style))\">\(escape(fit(r.label, L.left - m - 4)))</text>\n"
                for (t, n) in zip(xTicks, r.counts) {
                    s += "<text class=\"risk\" x=\"\(f(L.x(t)))\" y=\"\(f(yy))\" text-anchor=\"middle\">\(n)</text>\n"
                }
            }
        }
        s += "</svg>\n"
        return s
    }

    /// Text cut with an ellipsis to `width` points.
    func fit(_ text: String, _ width: Double) -> String {
        guard TextMetrics.width(text, size: FigureStyle.small, bold: false) > width else { return text }
        var t = text
        while !t.isEmpty, TextMetrics.width(t + "...", size: FigureStyle.small, bold: false) > width { t.removeLast() }
        return t + "..."
    }

    /// The curve to the end of the axis: right-continuous steps, each jump a vertical line.
    func curvePath(_ c: StepSeries, _ L: Layout) -> String {
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 2) }
        var d = "M\(f(L.x(0))),\(f(L.y(min(c.start, yMax))))"
        var level = c.start
        for (t, v) in zip(c.time, c.value) where t <= xMax {
            guard v != level else { continue }
            d += " H\(f(L.x(t))) V\(f(L.y(min(v, yMax))))"
            level = v
        }
        d += " H\(f(L.x(min(c.end, xMax))))"
        return d
    }

    /// The band as closed polygons, one per stretch where it is defined.
    func bandPaths(_ c: StepSeries, _ L: Layout) -> [String] {
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 2) }
        let stop = min(c.end, xMax)
        var paths = [String]()
        var i = 0
        let n = c.bandTime.count
        while i < n {
            guard c.bandTime[i] < stop, c.lower[i].isFinite, c.upper[i].isFinite else { i += 1; continue }
            var j = i
            while j < n, c.bandTime[j] < stop, c.lower[j].isFinite, c.upper[j].isFinite { j += 1 }
            // Steps i..<j; step k holds from bandTime[k] to the next band time (or the end).
            func next(_ k: Int) -> Double { k + 1 < n ? min(c.bandTime[k + 1], stop) : stop }
            var upper = [String](), lower = [String]()
            for k in i..<j {
                upper.append("\(f(L.x(c.bandTime[k]))),\(f(L.y(min(c.upper[k], yMax)))) \(f(L.x(next(k)))),\(f(L.y(min(c.upper[k], yMax))))")
                lower.append("\(f(L.x(next(k)))),\(f(L.y(min(c.lower[k], yMax)))) \(f(L.x(c.bandTime[k]))),\(f(L.y(min(c.lower[k], yMax))))")
            }
            paths.append("M" + upper.joined(separator: " L") + " L" + lower.reversed().joined(separator: " L") + " Z")
            i = j
        }
        return paths
    }

    /// The legend (one line per curve when there are several) and the notes, in the corner
    /// of the plot that the curves cross least.
    func legend(_ L: Layout) -> String {
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 2) }
        let entries = series.count > 1 ? series.indices.map { label($0) } : []
        guard !entries.isEmpty || !notes.isEmpty else { return "" }
        let small = FigureStyle.small, sample = 12.0, pad = 3.0, rowHeight = 8.5
        let entryWidth = entries.map { sample + 3 + TextMetrics.width($0, size: small, bold: false) }.max() ?? 0
        let noteWidth = notes.map { TextMetrics.width($0, size: small, bold: false) }.max() ?? 0
        let w = max(entryWidth, noteWidth) + 2 * pad
        let h = Double(entries.count + notes.count) * rowHeight + 2 * pad - (rowHeight - small)
        let inset = 4.0
        let xs = (left: L.left + inset, right: L.right - inset - w)
        let ys = (top: L.top + inset, bottom: L.bottom - inset - h)
        // The preferred corners first, then the rest of a 7 x 7 grid of places inside the
        // plot; the place the curves cross least wins, the earlier on a tie.
        let corners: [(Double, Double)]
        switch measure {
        case .survival: corners = [(xs.left, ys.bottom), (xs.right, ys.top), (xs.right, ys.bottom), (xs.left, ys.top)]
        case .incidence: corners = [(xs.left, ys.top), (xs.right, ys.bottom), (xs.right, ys.top), (xs.left, ys.bottom)]
        }
        var places = corners
        for i in 0...6 {
            for j in 0...6 {
                places.append((xs.left + (xs.right - xs.left) * Double(j) / 6, ys.top + (ys.bottom - ys.top) * Double(i) / 6))
            }
        }
        var best = places[0], bestScore = Int.max
        for place in places where place.0 >= xs.left - 1e-9 && place.1 >= ys.top - 1e-9 {
            let score = crossings(x0: place.0, y0: place.1, w: w, h: h, L)
            if score < bestScore { best = place; bestScore = score }
        }
        let (x0, y0) = best
        var s = "<g class=\"legend\">\n"
        s += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"none\"/>\n"
        for (k, text) in entries.enumerated() {
            let base = y0 + pad + small * 0.72 + Double(k) * rowHeight
            let mid = base - small * 0.3
            s += "<line x1=\"\(f(x0 + pad))\" y1=\"\(f(mid))\" x2=\"\(f(x0 + pad + sample))\" y2=\"\(f(mid))\" stroke=\"\(FigureStyle.colour(k))\" stroke-width=\"1\"\(FigureStyle.dashAttribute(k))/>\n"
            s += "<text x=\"\(f(x0 + pad + sample + 3))\" y=\"\(f(base))\">\(escape(text))</text>\n"
        }
        for (k, note) in notes.enumerated() {
            let base = y0 + pad + small * 0.72 + Double(entries.count + k) * rowHeight
            s += "<text class=\"pvalue\" x=\"\(f(x0 + pad))\" y=\"\(f(base))\">\(escape(note))</text>\n"
        }
        s += "</g>\n"
        return s
    }

    /// How much the curves (and bands, when drawn) pass through a box: at 41 points across
    /// it, 4 for each curve whose step (the segment from the point before) meets the box,
    /// 1 for each band that does.
    func crossings(x0: Double, y0: Double, w: Double, h: Double, _ L: Layout) -> Int {
        var count = 0
        let top = y0 - 2, bottom = y0 + h + 2
        for c in series {
            var previous: Double?
            for i in 0...40 {
                let t = L.t(x0 + w * Double(i) / 40)
                guard t <= min(c.end, xMax) else { break }
                let yy = L.y(min(c.value(at: t), yMax))
                let from = min(previous ?? yy, yy), to = max(previous ?? yy, yy)
                if to >= top && from <= bottom { count += 4 }
                previous = yy
                if bands, let b = c.band(at: t) {
                    let hi = L.y(min(b.upper, yMax)), lo = L.y(min(b.lower, yMax))
                    if lo >= top && hi <= bottom { count += 1 }
                }
            }
        }
        return count
    }
}

/// Time axes: where the ticks go and where the axis ends.
enum TimeAxis {
    /// A tick's text: six significant digits, so that 3 x 0.1 reads 0.3.
    static func label(_ t: Double) -> String { Format.significant(t, digits: 6) }

    /// The axis for data up to `dataMax`: to `xMax` when given, else to the first tick at or
    /// after the data; ticks every `step`, or every `defaultStep`.
    static func make(dataMax: Double, unit: String, xMax: Double?, step: Double?) -> (end: Double, ticks: [Double]) {
        let span = xMax ?? (dataMax > 0 && dataMax.isFinite ? dataMax : 1)
        let tick = step.flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? defaultStep(span: span, unit: unit)
        let end = xMax ?? max(tick, (span / tick - 1e-9).rounded(.up) * tick)
        var ticks = [Double]()
        var k = 0
        while Double(k) * tick <= end * (1 + 1e-12), k <= 1000 {
            ticks.append(Double(k) * tick)
            k += 1
        }
        return (end, ticks)
    }

    /// Whole years when the axis spans two years or more (0, 12, 24 months; 0, 365, 730
    /// days), in multiples of years that keep ten ticks or fewer (past 100 years, 1, 2 or 5
    /// times a power of ten years); half and quarter years for shorter month axes; otherwise
    /// round numbers (1, 2 or 5 times a power of ten).
    static func defaultStep(span: Double, unit: String) -> Double {
        let year: Double?
        switch unit {
        case "months": year = 12
        case "days": year = 365
        case "weeks": year = 52
        case "years": year = 1
        default: year = nil
        }
        if let year, span >= 2 * year {
            for multiple in [1.0, 2, 5, 10, 20, 50, 100] where span / (year * multiple) <= 10 { return year * multiple }
            // Longer still: round numbers of years, ten ticks or fewer.
            return year * roundStep(span / year / 10)
        }
        if unit == "months" {
            if span >= 12 { return 6 }
            if span >= 6 { return 3 }
        }
        return roundStep(span / 6)
    }

    /// The smallest of 1, 2, 5 times a power of ten at least `raw`.
    static func roundStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw * (1 - 1e-9) { return m * p }
        return 10 * p
    }

    /// The y axis of incidence curves: the first round top at or above the highest value.
    static func incidenceAxis(_ top: Double) -> (max: Double, ticks: [Double]) {
        let choices: [(Double, Double)] = [(0.1, 0.02), (0.2, 0.05), (0.3, 0.05), (0.4, 0.1), (0.5, 0.1), (0.6, 0.1), (0.8, 0.2), (1, 0.2)]
        let (top, step) = choices.first { $0.0 >= top - 1e-12 } ?? (1, 0.2)
        let n = Int((top / step).rounded())
        return (top, (0...n).map { Double($0) * step })
    }
}
