// The figures of the survival results: Kaplan-Meier and cumulative incidence curves, and
// forest plots of Cox models and univariate screens.

extension KaplanMeierResult: Plottable {
    public func figure(_ options: FigureOptions) -> Figure? {
        let series = curves.map { c -> StepSeries in
            var times = [Double](), values = [Double](), censored = [Double]()
            var lower = [Double](), upper = [Double]()
            for i in 0..<c.time.count {
                if c.nEvent[i] > 0 {
                    times.append(c.time[i]); values.append(c.survival[i])
                    lower.append(c.lower[i] ?? .nan); upper.append(c.upper[i] ?? .nan)
                }
                if c.nCensor[i] > 0 { censored.append(c.time[i]) }
            }
            return StepSeries(label: c.label, time: times, value: values, start: 1, end: c.time.last ?? 0, censored: censored,
                              bandTime: times, lower: lower, upper: upper, median: c.median.estimate)
        }
        let riskAt: [(Double) -> Int] = curves.map { c in { c.at($0).nRisk } }
        var notes = [String]()
        if options.pValue, curves.count > 1, let test = options.test { notes.append(test.text) }
        return .steps(StepFigure.make(.survival, series: series, riskAt: riskAt, unit: timeUnit, options: options, notes: notes))
    }
}

extension CumulativeIncidenceResult: Plottable {
    public func figure(_ options: FigureOptions) -> Figure? {
        let causes = options.causes ?? [failCode]
        let shown = causes.flatMap { cause in curves.filter { $0.cause == cause } }
        guard !shown.isEmpty else { return nil }
        let groups = Set(curves.map(\.group)).count
        let series = shown.map { c -> StepSeries in
            // cmprsk's step functions list each jump twice (before, after); keep the jumps.
            var times = [Double](), values = [Double](), lower = [Double](), upper = [Double]()
            for i in c.time.indices.dropFirst() where c.estimate[i] != c.estimate[i - 1] {
                times.append(c.time[i]); values.append(c.estimate[i])
                let band = c.logLogInterval(c.time[i])
                lower.append(band.lower); upper.append(band.upper)
            }
            let cause = causeLabels[c.cause] ?? "cause \(c.cause)"
            let label: String
            if causes.count == 1 { label = c.group == "(all)" ? cause : c.group }
            else { label = c.group == "(all)" ? cause : "\(c.group): \(cause)" }
            let median = zip(times, values).first { $0.1 >= 0.5 }?.0
            let observed = self.observed.first { $0.group == c.group }
            return StepSeries(label: label, time: times, value: values, start: 0, end: c.time.last ?? 0,
                              censored: observed?.censored ?? [], bandTime: times, lower: lower, upper: upper, median: median)
        }
        // One row of numbers at risk per group: the same for every cause.
        let riskAt: [(Double) -> Int]? = causes.count == 1 && observed.count == groups
            ? shown.map { c in let o = observed.first { $0.group == c.group }; return { o?.atRisk($0) ?? 0 } }
            : nil
        var notes = [String]()
        if options.pValue, groups > 1 {
            for cause in causes {
                guard let g = gray.first(where: { $0.cause == cause }) else { continue }
                let name = causes.count == 1 ? "Gray's test" : "Gray's test (\(causeLabels[cause] ?? String(cause)))"
                notes.append(FigureTest(name: name, p: g.p).text)
            }
        }
        var o = options
        if causes.count > 1, o.riskTable, observed.count == groups {
            // Several causes: one row per group (not per curve), drawn by `multiCauseRisk`.
            o.riskTable = false
        }
        var figure = StepFigure.make(.incidence, series: series, riskAt: riskAt, unit: timeUnit, options: o, notes: notes,
                                     riskLabels: shown.map(\.group))
        if causes.count > 1, options.riskTable, observed.count == groups {
            figure.riskRows = observed.map { g in
                RiskRow(label: g.group == "(all)" ? "All" : g.group, counts: figure.xTicks.map(g.atRisk),
                        style: shown.firstIndex { $0.group == g.group } ?? 0)
            }
        }
        return .steps(figure)
    }
}

extension CoxResult: Plottable {
    public func figure(_ options: FigureOptions) -> Figure? {
        let rows = forestRows(options.termLabels)
        guard !rows.isEmpty else { return nil }
        return .forest(ForestFigure(title: options.title, xLabel: options.xLabel ?? "Hazard ratio", rows: rows,
                                    widthMM: options.widthMM, heightMM: options.heightMM))
    }

    /// One row per coefficient; a factor (or another term of several columns) is a heading
    /// over its levels, each named without the term's prefix (`egfr` over `wild_type`), the
    /// reference level first with "1 (reference)" and no point, as journals print it. Terms
    /// and levels are named by their labels where `labels` has them (a `factor(x)` term by
    /// the labels of `x`).
    func forestRows(_ labels: [String: TermLabel] = [:]) -> [ForestRow] {
        let hr = hazardRatios, lo = confidenceLower, hi = confidenceUpper, p = pValues
        func row(_ j: Int, label: String, indent: Bool) -> ForestRow {
            let note: String? = aliased[j] ? "not estimable (aliased)" : possiblyInfinite[j] ? "not estimable (diverges)" : nil
            return ForestRow(label: label, hr: hr[j], lower: lo[j], upper: hi[j], p: p[j], note: note, indent: indent)
        }
        var rows = [ForestRow]()
        for term in terms where !term.columns.isEmpty && term.columns.upperBound <= coefficients.count {
            let variable = term.name.hasPrefix("factor(") && term.name.hasSuffix(")") ? String(term.name.dropFirst(7).dropLast()) : term.name
            let label = labels[variable]
            if term.columns.count == 1 && term.reference == nil {
                let column = columnNames[term.columns.lowerBound]
                rows.append(row(term.columns.lowerBound, label: column == term.name ? label?.title ?? column : column, indent: false))
                continue
            }
            rows.append(.heading(label?.title ?? term.name))
            func level(_ l: String) -> String { label?.values[l] ?? l }
            if let reference = term.reference {
                rows.append(ForestRow(label: level(reference), hr: .nan, lower: .nan, upper: .nan, p: .nan, note: "1 (reference)", indent: true))
            }
            for j in term.columns {
                let name = columnNames[j]
                let l = name.hasPrefix(term.name) && name.count > term.name.count ? String(name.dropFirst(term.name.count)) : name
                rows.append(row(j, label: level(l), indent: true))
            }
        }
        return rows
    }
}

extension CoxScreenResult: Plottable {
    public func figure(_ options: FigureOptions) -> Figure? {
        let rows = fits.flatMap { $0.1.forestRows(options.termLabels) }
        guard !rows.isEmpty else { return nil }
        return .forest(ForestFigure(title: options.title, xLabel: options.xLabel ?? "Hazard ratio (univariate)", rows: rows,
                                    widthMM: options.widthMM, heightMM: options.heightMM))
    }
}
