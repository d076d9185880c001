import Runtime

/// What a run stood on: the lart version, the script or document (its SHA-256), every data
/// file read (path as written, SHA-256, rows) and the conventions in force at the end.
/// `lart knit` puts it at the end of every document; `lart run --provenance` prints it.
/// Nothing in it depends on the time or the machine, so two runs on the same inputs give
/// the same text.
public struct Provenance: Sendable {
    public struct Input: Sendable, Equatable {
        /// The path as the script wrote it (or as `--param` gave it).
        public var path: String
        /// The table or query read from a database; nil for a CSV file.
        public var selector: String?
        /// Lowercase hex; nil when the file could no longer be read. For a database, the
        /// SHA-256 of the answers lart received (`Interpreter.answersDigest`).
        public var sha256: String?
        /// Rows read; for a database, the rows its statements returned.
        public var rows: Int
        /// For a database, the statements sent (sorted); empty for a file.
        public var statements: [String] = []
    }

    public var version: String
    /// What was run: a script or a document, by the name it was given.
    public var file: String
    public var fileSHA256: String
    public var inputs: [Input]
    /// (name as printed, value) in a fixed order.
    public var conventions: [(String, String)]
    /// The JSON keys of `conventions`, in the same order.
    static let conventionKeys = ["conventions", "ties", "km_interval", "median_interval", "month", "date_unit", "p_style"]

    /// The lines of the section, in Markdown (the knit document's last section).
    public func markdown(heading: String = "## Provenance") -> String {
        var out = heading + "\n\n"
        out += "- lart \(version)\n"
        out += "- \(file): SHA-256 `\(fileSHA256)`\n"
        for i in inputs {
            if i.statements.isEmpty {
                out += "- data `\(i.path)`" + (i.selector.map { " (\($0))" } ?? "") + ": \(i.rows) rows, SHA-256 `\(i.sha256 ?? "unreadable")`\n"
                continue
            }
            out += "- data `\(i.path)`" + (i.selector.map { " (\($0))" } ?? "") + ": \(i.rows) rows returned by \(i.statements.count) "
                + "statement\(i.statements.count == 1 ? "" : "s"), SHA-256 of the answers `\(i.sha256 ?? "unreadable")`\n"
            for sql in i.statements { out += "\n  ```sql\n" + sql.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n  ```\n" }
        }
        if inputs.isEmpty { out += "- no data files\n" }
        out += "- conventions: " + conventionsText + "\n"
        return out
    }

    /// `r; ties efron; Kaplan-Meier interval log; ...`: the setting `conventions` by its
    /// value alone, the others by name and value.
    public var conventionsText: String {
        conventions.map { $0.0 == "conventions" ? $0.1 : "\($0.0) \($0.1)" }.joined(separator: "; ")
    }

    /// Plain text, for `lart run --provenance`.
    public func text() -> String {
        var out = "Provenance\n"
        out += "  lart \(version)\n"
        out += "  \(file)  sha256 \(fileSHA256)\n"
        for i in inputs {
            if i.statements.isEmpty {
                out += "  data \(i.path)" + (i.selector.map { " (\($0))" } ?? "") + "  \(i.rows) rows  sha256 \(i.sha256 ?? "unreadable")\n"
                continue
            }
            out += "  data \(i.path)" + (i.selector.map { " (\($0))" } ?? "") + "  \(i.rows) rows returned by \(i.statements.count) "
                + "statement\(i.statements.count == 1 ? "" : "s")  answers sha256 \(i.sha256 ?? "unreadable")\n"
            for sql in i.statements { out += sql.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + ";\n" }
        }
        out += "  conventions: " + conventionsText + "\n"
        return out
    }

    public func json() -> JSONValue {
        .object([
            ("lart_version", .string(version)),
            ("file", .object([("path", .string(file)), ("sha256", .string(fileSHA256))])),
            ("data", .array(inputs.map { i in
                var fields: [(String, JSONValue)] = [("path", .string(i.path))]
                if let s = i.selector { fields.append(("selector", .string(s))) }
                fields.append(("sha256", i.sha256.map { .string($0) } ?? .null))
                fields.append(("rows", .int(i.rows)))
                if !i.statements.isEmpty { fields.append(("sql", .array(i.statements.map { .string($0) }))) }
                return .object(fields)
            })),
            ("conventions", .object(zip(Provenance.conventionKeys, conventions).map { ($0, .string($1.1)) })),
        ])
    }
}

extension Interpreter {
    /// The provenance of what this session has run: `file` is the script or document as
    /// named, `text` its contents.
    public func provenance(file: String, text: String) -> Provenance {
        var inputs = databaseInputs()
        let databases = Set(describedDatabases.keys)
        for (key, (table, _)) in loadedFiles where !databases.contains(key) {
            // The cache key: the resolved path, then after a NUL a database's table or query
            // (or a CSV file's reading options, not shown).
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let resolved = parts[0]
            let selector = parts.count > 1 && (parts[1].hasPrefix("table ") || parts[1].hasPrefix("query ")) ? parts[1] : nil
            let bytes = try? CSVReader.readFile(resolved)
            inputs.append(Provenance.Input(path: table.origin.isEmpty ? resolved : table.origin, selector: selector,
                                           sha256: bytes.map { SHA256.hex($0) }, rows: table.rowCount))
        }
        inputs.sort { ($0.path, $0.selector ?? "") < ($1.path, $1.selector ?? "") }
        let s = env.settings
        let conventions: [(String, String)] = [
            ("conventions", s.conventions.rawValue),
            ("ties", s.ties.rawValue),
            ("Kaplan-Meier interval", s.confidenceTransform.rawValue),
            ("median interval", s.medianInterval == .inverted ? "inverted band" : "SPSS (median +- 1.96 SE)"),
            ("month", formatNumber(s.monthDays) + " days"),
            ("date endpoints in", s.dateUnit == .months ? "months" : s.dateUnit == .days ? "days" : s.dateUnit == .weeks ? "weeks" : "years"),
            ("p-values", s.presentation.pStyle.rawValue),
        ]
        return Provenance(version: LangInfo.version, file: file, fileSHA256: SHA256.hex(Array(text.utf8)),
                          inputs: inputs, conventions: conventions)
    }
}

extension Interpreter {
    /// What was read from each database: for a table or query, the statements sent and the
    /// SHA-256 of their answers (`answersDigest`), and the rows they returned. A database is
    /// not a file whose bytes can be hashed (and an SQLite file changes its bytes without
    /// changing its rows), so the data a run stood on is what came back.
    func databaseInputs() -> [Provenance.Input] {
        var byTable = [String: [SQLAnswers]]()
        for a in sqlAnswers.values { byTable[a.cacheKey, default: []].append(a) }
        return byTable.compactMap { key, answers in
            guard let db = describedDatabases[key] else { return nil }
            let sorted = answers.flatMap { a in zip(a.statements, a.tables) }.sorted { $0.0 < $1.0 }
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let selector = parts.count > 1 && (parts[1].hasPrefix("table ") || parts[1].hasPrefix("query ")) ? parts[1] : nil
            let path = type(of: db.source).readsFiles ? db.label : db.source.origin
            return Provenance.Input(path: path, selector: selector, sha256: Interpreter.answersDigest(sorted),
                                    rows: sorted.reduce(0) { $0 + $1.1.rowCount }, statements: sorted.map(\.0))
        }
    }

    /// SHA-256 of statements and their answers in a canonical text, so that the same rows
    /// give the same digest whatever the order the database returned them in: for each
    /// statement (sorted by its text), the statement, a line; the column names separated by
    /// tabs, a line; then each row, values separated by tabs (numbers in their shortest
    /// exact decimal form, dates as YYYY-MM-DD, booleans true/false, missing as `\N`, text
    /// with `\`, tab, LF and CR escaped as `\\`, `\t`, `\n`, `\r`), the rows sorted, each ending
    /// in a newline.
    static func answersDigest(_ answers: [(String, Table)]) -> String {
        var bytes = [UInt8]()
        for (sql, table) in answers {
            bytes += Array((sql + "\n" + table.names.joined(separator: "\t") + "\n").utf8)
            var lines = [String]()
            lines.reserveCapacity(table.rowCount)
            for r in 0..<table.rowCount {
                lines.append(table.columns.map { canonical($0, r) }.joined(separator: "\t"))
            }
            lines.sort()
            for line in lines { bytes += Array(line.utf8); bytes.append(10) }
        }
        return SHA256.hex(bytes)
    }

    static func canonical(_ c: Column, _ i: Int) -> String {
        switch c {
        case .double(let v): return v[i].isNaN ? "\\N" : String(v[i])
        case .int(let v): return v[i] == Column.intNA ? "\\N" : String(v[i])
        case .bool(let v): return v[i] == Column.boolNA ? "\\N" : (v[i] == 1 ? "true" : "false")
        case .date(let v): return v[i] == Column.dateNA ? "\\N" : CivilDate(days: v[i]).description
        case .string(let codes, let dict):
            guard codes[i] != Column.stringNA else { return "\\N" }
            return escaped(dict[Int(codes[i])])
        }
    }

    /// Text with `\`, tab, LF and CR written `\\`, `\t`, `\n`, `\r`, byte by byte (by
    /// Unicode scalar: a CR LF is one `Character`, which a `Character` replacement misses).
    static func escaped(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default: out.append(u)
            }
        }
        return String(out)
    }
}
