import Runtime

extension Interpreter {
    /// `| plot ["file.svg|pdf|png"] [options]`: the figure of the result before it (after
    /// `km ... | logrank` or `cuminc ... | gray`, of the curves before the test), written to
    /// the file, or drawn with characters when no file is named.
    func runPlot(_ stage: Stage, _ run: inout PipelineRun) throws {
        let src = run.source
        _ = try outputPath(stage, src)
        let (target, logrank, drawn) = try plotTarget(stage, run)
        // The figure (a file or a terminal plot) is the next result; it refers to the one it drew.
        if let drawn { run.draws[run.nextResultOrdinal] = drawn }
        guard let plottable = target as? any Plottable else {
            throw fail("a `\(target.kind)` result has no figure; plot follows km, cuminc, cox or flow", stage.verbRange, src)
        }
        var options = try figureOptions(stage, for: target, src)
        if options.pValue, let km = target as? KaplanMeierResult, km.curves.count > 1 {
            options.test = try logrank.map { FigureTest(name: $0.rho == 0 ? "Log-rank" : "G-rho (rho = \(formatNumber($0.rho)))", p: $0.p) }
                ?? logRankForPlot(run)
        }
        guard let figure = plottable.figure(options) else {
            throw fail("nothing to draw: the `\(target.kind)` result has no curves for these options", stage.range, src)
        }
        // In a knitted document a plot without a file is a figure of the document.
        guard let path = stage.label ?? fileCapture?.unnamedFigure() else {
            guard figure.text(colour: false) != nil else {
                throw fail("a flow diagram is drawn to a file: write `plot \"flow.svg\"` (or .pdf, .png)", stage.verbRange, src)
            }
            run.items.append(.result(FigurePreview(figure: figure, caption: options.title ?? caption(of: target))))
            return
        }
        let full = path.hasPrefix("/") ? path : baseDirectory + "/" + path
        if path.lowercased().hasSuffix(".svg") || fileCapture != nil {
            // (Knitting keeps the SVG; the document renders it as its format needs.)
            run.items.append(.result(try write(figure.svg(), to: path, what: "figure", stage, src)))
        } else if let format = Raster.format(forPath: path) {
            do {
                let bytes = try Raster.write(svg: figure.svg(), to: full, format: format)
                run.items.append(.result(FileWritten(path: path, what: "figure", bytes: bytes)))
            } catch {
                throw fail("cannot write \(path): \(error)", stage.range, src)
            }
        } else {
            throw fail("figures are written as .svg, .pdf or .png (300 dpi): name the file `....svg`", stage.range, src)
        }
    }

    /// `forest`: `plot` for a Cox model or a univariate screen, refused for anything else.
    func runForest(_ stage: Stage, _ run: inout PipelineRun) throws {
        let (target, _, _) = try plotTarget(stage, run)
        guard target is CoxResult || target is CoxScreenResult else {
            throw fail("`forest` draws a Cox model (`cox pfs ~ tki + sex | forest`); a `\(target.kind)` result is drawn with `plot`",
                       stage.verbRange, run.source)
        }
        try runPlot(stage, &run)
    }

    /// The result a `plot` draws: the one before it, passing over files written, previews,
    /// and a log-rank or Gray test that follows the curves (the log-rank test is returned,
    /// for the p-value on the figure), with the ordinal among the run's results of the one
    /// drawn.
    func plotTarget(_ stage: Stage, _ run: PipelineRun) throws -> (any Reportable, LogRankResult?, Int?) {
        var logrank: (LogRankResult, Int)? = nil
        let results = run.items.compactMap { item -> (any Reportable)? in if case .result(let r) = item { return r }; return nil }
        for (k, r) in results.enumerated().reversed() {
            if r is FileWritten || r is FigurePreview || r is GrayTestReport { continue }
            if let lr = r as? LogRankResult, logrank == nil { logrank = (lr, k); continue }
            return (r, logrank?.0, k)
        }
        if let (lr, k) = logrank { return (lr, nil, k) }
        return (try previousResult(stage, run), nil, nil)
    }

    /// The log-rank test between the groups of the `km` before the plot.
    func logRankForPlot(_ run: PipelineRun) throws -> FigureTest? {
        guard case .km(let endpoint, let by) = run.context, !by.isEmpty else { return nil }
        let src = run.source
        let outcome = try outcome(endpoint, run.data, src)
        guard let g = try grouping(by, run.data, src) else { return nil }
        let (rows, _) = usableRows(outcome, [g])
        let r = try LogRank.test(time: rows.pick(outcome.time), event: rows.pick(outcome.status).map { $0 == 1 },
                                 group: rows.pick(g.codes), groupLabels: g.labels)
        return FigureTest(name: "Log-rank", p: r.p)
    }

    /// What a terminal plot is called when `title` gives no name.
    func caption(of result: any Reportable) -> String {
        func named(_ base: String, _ cohort: String?) -> String { base + (cohort.map { " in " + $0 } ?? "") }
        if let km = result as? KaplanMeierResult { return named("Kaplan-Meier: \(km.endpointName)", km.cohortName) }
        if let ci = result as? CumulativeIncidenceResult { return named("Cumulative incidence: \(ci.endpointName)", ci.cohortName) }
        if let cox = result as? CoxResult { return named("Hazard ratios: \(cox.endpointName)", cox.cohortName) }
        if let screen = result as? CoxScreenResult { return named("Hazard ratios (univariate): \(screen.endpointName)", screen.cohortName) }
        return result.kind
    }

    /// The options of a `plot` stage, checked against the figure they shape.
    func figureOptions(_ stage: Stage, for target: any Reportable, _ src: SourceFile) throws -> FigureOptions {
        var o = FigureOptions()
        let curves: Bool, unit: String
        if let km = target as? KaplanMeierResult { curves = true; unit = km.timeUnit }
        else if let ci = target as? CumulativeIncidenceResult { curves = true; unit = ci.timeUnit }
        else { curves = false; unit = "" }
        let forest = target is CoxResult || target is CoxScreenResult
        if forest { o.termLabels = env.labels.mapValues { TermLabel(title: $0.title, values: $0.values) } }
        for option in stage.options {
            let key = option.key
            // Options of curves only; `xlab` and `size` also suit a forest plot, `title` any figure.
            switch key {
            case .xmax, .ticks, .percent, .ci, .censor, .median, .pvalue, .risktable, .cause, .ylab:
                guard curves else {
                    throw fail("`\(key.rawValue)` applies to Kaplan-Meier and cumulative incidence curves, not to a `\(target.kind)` figure", option.keyRange, src)
                }
            case .xlab, .size:
                guard curves || forest else {
                    throw fail("`\(key.rawValue)` does not apply to a `\(target.kind)` figure", option.keyRange, src)
                }
            case .title, .by, .at, .rho, .strata, .trend, .ties, .limit, .tau, .weights, .robust, .id:
                break
            }
            func text() throws -> String {
                guard let e = option.values.first, case .string(let s) = e.kind else {
                    throw fail("`\(key.rawValue)` takes text in quotes: `\(key.rawValue) \"...\"`", option.keyRange, src)
                }
                return s
            }
            func time() throws -> Double {
                guard let e = option.values.first else { throw fail("`\(key.rawValue)` takes a time such as 60mo", option.keyRange, src) }
                let t = try timePoints([e], unit: unit, src)[0]
                guard t > 0, t.isFinite else { throw fail("`\(key.rawValue)` takes a time above 0", e.range, src) }
                return t
            }
            func onOff() throws -> Bool {
                guard let w = option.word, w.text == "on" || w.text == "off" else {
                    throw fail("`\(key.rawValue)` takes on or off", option.word?.range ?? option.keyRange, src)
                }
                return w.text == "on"
            }
            switch key {
            case .title: o.title = try text()
            case .xlab: o.xLabel = try text()
            case .ylab: o.yLabel = try text()
            case .xmax: o.xMax = try time()
            case .ticks: o.tickStep = try time()
            case .percent: o.percent = true
            case .ci: o.confidenceBands = true
            case .censor: o.censorMarks = try onOff()
            case .median: o.medianLines = true
            case .pvalue: o.pValue = true
            case .risktable: o.riskTable = try onOff()
            case .cause:
                guard let ci = target as? CumulativeIncidenceResult else {
                    throw fail("`cause` chooses the causes of cumulative incidence curves (cause 1, 2)", option.keyRange, src)
                }
                let known = Set(ci.curves.map(\.cause)).sorted()
                o.causes = try option.values.map { e in
                    guard case .number(let x) = e.kind, x == x.rounded(), abs(x) < 1e9, known.contains(Int(x)) else {
                        throw fail("`cause` takes cause numbers: " + known.map { "\($0) (\(ci.causeLabels[$0] ?? String($0)))" }.joined(separator: ", "), e.range, src)
                    }
                    return Int(x)
                }
            case .size:
                guard option.values.count == 2, case .number(let w) = option.values[0].kind, case .number(let h) = option.values[1].kind else {
                    throw fail("`size` takes a width and a height: size 85mm x 70mm", option.keyRange, src)
                }
                guard w >= 20, h >= 20, w <= 1000, h <= 1000 else {
                    throw fail("a figure from 20 to 1000 mm on each side, please (size 85mm x 70mm)", option.keyRange, src)
                }
                o.widthMM = w; o.heightMM = h
            case .by, .at, .rho, .strata, .trend, .ties, .limit, .tau, .weights, .robust, .id:
                throw fail("`\(key.rawValue)` is not an option of `plot`", option.keyRange, src)
            }
        }
        return o
    }

    /// `| export "file.csv|md|json|tex|txt"`: the result before it, in the format of the
    /// extension; `| export adtte pfs, os "adtte.csv"`: the endpoints of the cohort's rows as
    /// a CDISC ADaM ADTTE dataset, in the same formats.
    func runExport(_ stage: Stage, _ run: inout PipelineRun) throws {
        let result: any Reportable
        switch stage.dataset {
        case .adtte(let endpoints, _)?:
            let (dataset, notes) = try adtteDataset(endpoints, stage, run.data, run.source)
            for n in notes { run.items.append(.warning(LangError(Diagnostic(.note, n, at: stage.range), in: run.source))) }
            result = dataset
            run.produced = true  // the file is the stage's output: no row count after it
        case nil:
            result = try previousResult(stage, run)
        }
        run.items += try export(result, stage, run.source).map { .result($0) }
    }

    /// Writes a result in the format of the stage's file; the notices of the files written
    /// (a CSV holds one table: a result's other tables go to files beside it).
    func export(_ result: any Reportable, _ stage: Stage, _ src: SourceFile) throws -> [FileWritten] {
        let path = try outputPath(stage, src) ?? ""
        let presentation = env.settings.presentation
        var written = [FileWritten]()
        let text: String
        switch ExportFormat(path: path) {
        case .csv:
            // One table per file: the first at the path, the others beside it (`x-2.csv`, ...).
            let tables = result.tables().filter { !$0.columns.isEmpty }
            for (k, table) in tables.enumerated().dropFirst() {
                let extra = String(path.dropLast(4)) + "-\(k + 1).csv"
                written.append(try write(CSVRenderer.file(table, presentation: presentation), to: extra, what: "table", stage, src))
            }
            text = tables.first.map { CSVRenderer.file($0, presentation: presentation) } ?? ""
        case .markdown: text = MarkdownRenderer.render(result.tables(), presentation: presentation)
        case .json: text = result.json().serialized(indent: 2) + "\n"
        case .latex: text = LaTeXRenderer.render(result.tables(), presentation: presentation)
        case .text: text = TextRenderer.render(result.tables(), presentation: presentation)
        case nil: throw fail(ExportFormat.message, stage.range, src)
        }
        written.append(try write(text, to: path, what: stage.dataset == nil ? "table" : "dataset", stage, src))
        return written
    }

    /// The file an output stage writes (nil: a plot drawn on the terminal), checked without
    /// writing, so that `lart check` and the check before `lart run` find a bad one: an
    /// extension the stage writes, in a folder that exists and is writable.
    func outputPath(_ stage: Stage, _ src: SourceFile) throws -> String? {
        guard let path = stage.label else { return nil }
        if stage.verb == .plot || stage.verb == .forest, !path.lowercased().hasSuffix(".svg"), Raster.format(forPath: path) == nil {
            throw fail("figures are written as .svg, .pdf or .png (300 dpi): name the file `....svg`", stage.range, src)
        }
        if stage.verb == .export, stage.dataset == nil, let id = stage.option(.id) {
            throw fail("`id` names the patients of `export adtte`; `export \"file\"` writes the result before it as it is", id.keyRange, src)
        }
        if stage.verb == .export, ExportFormat(path: path) == nil {
            throw fail(ExportFormat.message, stage.range, src,
                       hints: ["the extension picks the format, e.g. `export \"table2.csv\"`"])
        }
        let full = path.hasPrefix("/") ? path : baseDirectory + "/" + path
        if let problem = TextFile.cannotWrite(full) {
            // Name folders as the script wrote them, not with the script's folder in front.
            throw fail("cannot write \(path): \(problem.replacing(baseDirectory + "/", with: ""))", stage.range, src,
                       hints: ["output paths are relative to the script's folder (at the REPL: the working directory)"])
        }
        return path
    }

    func previousResult(_ stage: Stage, _ run: PipelineRun) throws -> any Reportable {
        guard let previous = run.last else {
            throw fail("`\(stage.verb.rawValue)` writes the result of the stage before it: write `... | km pfs | \(stage.verb.rawValue) \"file\"`", stage.verbRange, run.source)
        }
        return previous
    }

    /// Writes next to the script (or, when knitting, keeps the file for the document).
    func write(_ text: String, to path: String, what: String, _ stage: Stage, _ src: SourceFile) throws -> FileWritten {
        if let fileCapture {
            fileCapture.files.append(CapturedFile(path: path, what: what, contents: text))
            return FileWritten(path: path, what: what, bytes: text.utf8.count)
        }
        let full = path.hasPrefix("/") ? path : baseDirectory + "/" + path
        do {
            try TextFile.write(text, to: full)
        } catch {
            throw fail("cannot write \(path): \(error)", stage.range, src)
        }
        return FileWritten(path: path, what: what, bytes: text.utf8.count)
    }
}

/// The formats `export` writes, by the file's extension.
enum ExportFormat {
    case csv, markdown, json, latex, text

    init?(path: String) {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "csv": self = .csv
        case "md": self = .markdown
        case "json": self = .json
        case "tex": self = .latex
        case "txt": self = .text
        default: return nil
        }
    }

    static let message = "export writes .csv, .md, .json, .tex or .txt files"
}
