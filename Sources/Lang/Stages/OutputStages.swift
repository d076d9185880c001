import Runtime

extension Interpreter {
    /// `| plot "file.svg"`: the figure of the result before it.
    func runPlot(_ stage: Stage, _ run: inout PipelineRun) throws {
        let previous = try previousResult(stage, run)
        guard let p = previous as? any Plottable, let figure = p.figure() else {
            throw fail("a `\(previous.kind)` result has no figure; plot follows km, cuminc or flow", stage.verbRange, run.source)
        }
        let path = stage.label ?? ""
        guard path.hasSuffix(".svg") else { throw fail("figures are written as SVG: name the file `....svg`", stage.range, run.source) }
        let written = try write(figure.svg(), to: path, what: "figure", stage, run.source)
        run.items.append(.result(written))
    }

    /// `| export "file.csv|md|json|txt"`: the result before it, in the format of the extension.
    func runExport(_ stage: Stage, _ run: inout PipelineRun) throws {
        let previous = try previousResult(stage, run)
        let path = stage.label ?? ""
        let text: String
        if path.hasSuffix(".csv") {
            text = CSVRenderer.render(previous.tables(), presentation: env.settings.presentation)
        } else if path.hasSuffix(".md") {
            text = MarkdownRenderer.render(previous.tables(), presentation: env.settings.presentation)
        } else if path.hasSuffix(".json") {
            text = previous.json().serialized(indent: 2) + "\n"
        } else if path.hasSuffix(".txt") {
            text = TextRenderer.render(previous.tables(), presentation: env.settings.presentation)
        } else {
            throw fail("export writes .csv, .md, .json or .txt files", stage.range, run.source)
        }
        let written = try write(text, to: path, what: "table", stage, run.source)
        run.items.append(.result(written))
    }

    func previousResult(_ stage: Stage, _ run: PipelineRun) throws -> any Reportable {
        guard let previous = run.last else {
            throw fail("`\(stage.verb.rawValue)` writes the result of the stage before it: write `... | km pfs | \(stage.verb.rawValue) \"file\"`", stage.verbRange, run.source)
        }
        return previous
    }

    /// Writes next to the script.
    func write(_ text: String, to path: String, what: String, _ stage: Stage, _ src: SourceFile) throws -> FileWritten {
        let full = path.hasPrefix("/") ? path : baseDirectory + "/" + path
        do {
            try TextFile.write(text, to: full)
        } catch {
            throw fail("cannot write \(path): \(error)", stage.range, src)
        }
        return FileWritten(path: path, what: what, bytes: text.utf8.count)
    }
}
