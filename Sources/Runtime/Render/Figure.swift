/// Figures for a paper, written as standalone SVG (no fonts or libraries needed to view).
///
/// A `StepFigure` holds right-continuous step functions (Kaplan-Meier survival, cumulative
/// incidence) with optional censoring marks and a number-at-risk table; a `FlowFigure` is a
/// CONSORT-style box diagram of an eligibility flow.
public protocol Plottable: Reportable {
    func figure() -> Figure?
}

public enum Figure: Sendable {
    case steps(StepFigure)
    case flow(FlowFigure)
    /// Several cohorts' flows as one tree (`FlowTreeFigure`, in Cohort/FlowDiagram.swift).
    case flowTree(FlowTreeFigure)

    public func svg() -> String {
        switch self {
        case .steps(let f): return f.svg()
        case .flow(let f): return f.svg()
        case .flowTree(let f): return f.svg()
        }
    }
}

public struct StepSeries: Sendable {
    public var label: String
    /// Jump times and the value from each time on; the curve starts at (0, start).
    public var time: [Double]
    public var value: [Double]
    public var start: Double
    /// Times of censored observations (drawn as ticks on the curve).
    public var censored: [Double]

    public init(label: String, time: [Double], value: [Double], start: Double, censored: [Double] = []) {
        self.label = label; self.time = time; self.value = value; self.start = start; self.censored = censored
    }

    /// The step function's value at t.
    func value(at t: Double) -> Double {
        var lo = 0, hi = time.count
        while lo < hi { let mid = (lo + hi) / 2; if time[mid] <= t { lo = mid + 1 } else { hi = mid } }
        return lo == 0 ? start : value[lo - 1]
    }
}

public struct StepFigure: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [StepSeries]
    /// Number at risk per series at `riskTimes` (empty: no table).
    public var riskTimes: [Double]
    public var atRisk: [[Int]]

    public init(title: String, xLabel: String, yLabel: String, series: [StepSeries], riskTimes: [Double] = [], atRisk: [[Int]] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.riskTimes = riskTimes; self.atRisk = atRisk
    }

    static let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#30362f"]

    /// Round axis ticks covering 0...maxValue (1, 2 or 5 times a power of ten).
    static func ticks(upTo maxValue: Double, count: Int = 6) -> [Double] {
        guard maxValue > 0, maxValue.isFinite else { return [0, 1] }
        let raw = maxValue / Double(count)
        var p = 1.0
        while p * 10 <= raw { p *= 10 }
        while p > raw { p /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? 10 * p
        var out = [Double]()
        var t = 0.0
        while t <= maxValue + step * 1e-9 { out.append(t); t += step }
        if (out.last ?? 0) < maxValue { out.append(t) }
        return out
    }

    public func svg() -> String {
        let width = 720.0, plotLeft = 70.0, plotRight = 560.0, plotTop = 50.0, plotBottom = 330.0
        let tableRowHeight = 18.0
        let height = plotBottom + 60 + (atRisk.isEmpty ? 0 : tableRowHeight * Double(series.count + 1) + 10)
        let maxTime = series.flatMap { $0.time + $0.censored }.max() ?? 1
        let xTicks = StepFigure.ticks(upTo: maxTime)
        let xMax = xTicks.last ?? maxTime
        func x(_ t: Double) -> Double { plotLeft + (plotRight - plotLeft) * t / xMax }
        func y(_ v: Double) -> Double { plotBottom - (plotBottom - plotTop) * v }
        func f(_ v: Double) -> String { Format.fixed(v, decimals: 1) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(plotLeft))\" y=\"28\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
        // Axes and grid.
        for t in xTicks {
            s += "<line x1=\"\(f(x(t)))\" y1=\"\(f(plotBottom))\" x2=\"\(f(x(t)))\" y2=\"\(f(plotBottom + 5))\" stroke=\"black\"/>\n"
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(plotBottom + 18))\" text-anchor=\"middle\">\(formatNumber(t))</text>\n"
        }
        for k in 0...5 {
            let v = Double(k) / 5
            s += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(y(v)))\" x2=\"\(f(plotRight))\" y2=\"\(f(y(v)))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(plotLeft - 8))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(Format.fixed(v, decimals: 1))</text>\n"
        }
        s += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(plotBottom))\" x2=\"\(f(plotRight))\" y2=\"\(f(plotBottom))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(plotTop))\" x2=\"\(f(plotLeft))\" y2=\"\(f(plotBottom))\" stroke=\"black\"/>\n"
        s += "<text x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(plotBottom + 38))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text transform=\"translate(20 \(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        // Curves.
        for (k, c) in series.enumerated() {
            let color = StepFigure.palette[k % StepFigure.palette.count]
            var d = "M\(f(x(0))),\(f(y(c.start)))"
            var level = c.start
            for (t, v) in zip(c.time, c.value) {
                d += " H\(f(x(t)))"
                if v != level { d += " V\(f(y(v)))"; level = v }
            }
            let end = max(c.time.last ?? 0, c.censored.max() ?? 0)
            d += " H\(f(x(end)))"
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for t in c.censored {
                let yy = y(c.value(at: t))
                s += "<line x1=\"\(f(x(t)))\" y1=\"\(f(yy - 4))\" x2=\"\(f(x(t)))\" y2=\"\(f(yy + 4))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            }
            // Legend.
            let ly = plotTop + 10 + Double(k) * 18
            s += "<line x1=\"\(f(plotRight + 20))\" y1=\"\(f(ly))\" x2=\"\(f(plotRight + 44))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            s += "<text x=\"\(f(plotRight + 50))\" y=\"\(f(ly + 4))\">\(escape(c.label))</text>\n"
        }
        // Number at risk.
        if !atRisk.isEmpty {
            let top = plotBottom + 60
            s += "<text x=\"\(f(plotLeft))\" y=\"\(f(top))\" font-weight=\"bold\">Number at risk</text>\n"
            for (k, row) in atRisk.enumerated() {
                let yy = top + tableRowHeight * Double(k + 1)
                let color = StepFigure.palette[k % StepFigure.palette.count]
                s += "<text x=\"\(f(plotRight + 20))\" y=\"\(f(yy))\" fill=\"\(color)\">\(escape(series[k].label))</text>\n"
                for (t, n) in zip(riskTimes, row) {
                    s += "<text x=\"\(f(x(t)))\" y=\"\(f(yy))\" text-anchor=\"middle\">\(n)</text>\n"
                }
            }
        }
        s += "</svg>\n"
        return s
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
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

extension KaplanMeierResult: Plottable {
    public func figure() -> Figure? {
        let series = curves.map { c -> StepSeries in
            var times = [Double](), values = [Double](), censored = [Double]()
            for i in 0..<c.time.count {
                if c.nEvent[i] > 0 { times.append(c.time[i]); values.append(c.survival[i]) }
                if c.nCensor[i] > 0 { censored.append(c.time[i]) }
            }
            return StepSeries(label: c.label, time: times, value: values, start: 1, censored: censored)
        }
        let maxTime = curves.flatMap(\.time).max() ?? 1
        let riskTimes = StepFigure.ticks(upTo: maxTime).filter { $0 <= maxTime }
        let atRisk = curves.map { c in riskTimes.map { c.at($0).nRisk } }
        let unit = timeUnit.isEmpty ? "time" : timeUnit
        return .steps(StepFigure(title: "Kaplan-Meier: \(endpointName)", xLabel: "Time (\(unit))", yLabel: "Survival probability",
                                 series: series, riskTimes: riskTimes, atRisk: atRisk))
    }
}

extension CumulativeIncidenceResult: Plottable {
    public func figure() -> Figure? {
        let series = curves.map { c -> StepSeries in
            // cmprsk's step functions list each jump twice (before, after); keep the jumps.
            var times = [Double](), values = [Double]()
            for i in 0..<c.time.count where i == 0 || c.estimate[i] != c.estimate[i - 1] {
                times.append(c.time[i]); values.append(c.estimate[i])
            }
            let cause = causeLabels[c.cause] ?? "cause \(c.cause)"
            return StepSeries(label: c.group == "(all)" ? cause : "\(c.group): \(cause)", time: times, value: values, start: 0)
        }
        let unit = timeUnit.isEmpty ? "time" : timeUnit
        return .steps(StepFigure(title: "Cumulative incidence: \(endpointName)", xLabel: "Time (\(unit))",
                                 yLabel: "Cumulative incidence", series: series))
    }
}

extension FlowResult: Plottable {
    public func figure() -> Figure? { .flow(FlowFigure(title: "Flow of \(cohort)", steps: steps)) }
}

extension FlowTreeResult: Plottable {
    public func figure() -> Figure? { .flowTree(FlowTreeFigure(title: title, tree: tree)) }
}
