import Runtime

/// Turns a run's results into the chosen output format. Errors are printed by the caller
/// (on stderr); warnings go with the results.
public struct ReportPrinter {
    public var format: OutputFormat
    public var version: String
    /// Terminal plots (`plot` without a file) in ANSI colour; the REPL sets it for a colour
    /// terminal. Never set for files or pipes.
    public var colour: Bool

    public init(format: OutputFormat, version: String = LangInfo.version, colour: Bool = false) {
        self.format = format; self.version = version; self.colour = colour
    }

    /// What a run shows: on standard output the results and warnings in order (text,
    /// Markdown, CSV) or one JSON document; on standard error the errors. `lart run`, the
    /// REPL and the golden tests all print through this.
    public func output(_ report: RunReport, file: String) -> (stdout: String, stderr: String) {
        let errors = report.errors.map(\.description).joined() + (report.interrupted ? "interrupted\n" : "")
        switch format {
        case .json:
            return (jsonDocument(report, file: file).serialized(indent: 2) + "\n", errors)
        case .text, .markdown, .csv:
            var out = ""
            for item in report.items {
                switch item {
                case .result(let o): out += render(o.result, o.presentation) + "\n"
                case .warning(let w): out += w.description + "\n"
                }
            }
            return (out, errors)
        }
    }

    public func render(_ r: any Reportable, _ presentation: Presentation = .standard) -> String {
        if let plot = r as? FigurePreview {
            switch format {
            case .text: return plot.text(colour: colour)
            case .markdown: return "```\n" + plot.text(colour: false) + "```\n"
            case .csv, .json: break
            }
        }
        switch format {
        case .text: return TextRenderer.render(r.tables(), presentation: presentation)
        case .markdown: return MarkdownRenderer.render(r.tables(), presentation: presentation)
        case .csv: return CSVRenderer.render(r.tables(), presentation: presentation)
        case .json: return r.json().serialized(indent: 2) + "\n"
        }
    }

    /// The JSON document of a run (schema in docs/json-output.md).
    public func jsonDocument(_ report: RunReport, file: String) -> JSONValue {
        var results = [JSONValue]()
        var warnings = [JSONValue]()
        for item in report.items {
            switch item {
            case .result(let o):
                results.append(.object([("file", .string(o.file)), ("line", .int(o.line)), ("statement", .string(o.statement)),
                                        ("kind", .string(o.result.kind))]
                                       + (o.draws.map { [("draws", JSONValue.int($0))] } ?? [])
                                       + [("result", o.result.json())]))
            case .warning(let w): warnings.append(diagnosticJSON(w))
            }
        }
        return .object([
            ("lart_version", .string(version)),
            ("file", .string(file)),
            ("ok", .bool(report.ok)),
            ("results", .array(results)),
            ("warnings", .array(warnings)),
            ("errors", .array(report.errors.map(diagnosticJSON))),
        ] + (report.interrupted ? [("interrupted", JSONValue.bool(true))] : []))
    }

    public func diagnosticJSON(_ e: LangError) -> JSONValue {
        let (line, column) = e.source.location(of: e.diagnostic.range.lowerBound)
        return .object([("file", .string(e.source.name)), ("line", .int(line)), ("column", .int(column)),
                        ("severity", .string(e.diagnostic.severity.rawValue)), ("message", .string(e.diagnostic.message)),
                        ("hints", .strings(e.diagnostic.hints))])
    }
}

/// Facts about this build of the language.
public enum LangInfo {
    public static let version = "0.1.0"
}

extension ReportPrinter {
    /// What `lart run` shows a person, standard output then standard error, as one text
    /// (the golden tests compare it).
    public func transcript(_ report: RunReport, file: String = "") -> String {
        let (out, err) = output(report, file: file)
        return out + err
    }
}
