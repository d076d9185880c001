import Runtime

/// The statements that bind names: `use`, `param`, `let`, `endpoint`, `cohort`, `set`.
extension Interpreter {
    func definitionConflict(_ name: Name, _ src: SourceFile, kind: String) throws {
        // One namespace for tables, cohorts and endpoints keeps `cohort x | km x` unambiguous.
        if let existing = env.kindOf(name.text), existing != kind {
            throw fail("`\(name.text)` is already a \(existing); pick another name for this \(kind)", name.range, src)
        }
    }

    /// Where a file that cannot be read was looked for: a script's paths from its folder, a
    /// path given on the command line (`--param data=...`) from the working directory.
    func pathHints(_ pathExpr: Expr) -> [String] {
        if case .name(let n) = pathExpr.kind, overrides[n] != nil {
            return ["`\(n)` is given by `--param \(n)=...`, whose path is relative to the working directory"]
        }
        return ["paths are relative to the folder of the script (at the REPL: the working directory)"]
    }

    /// Handles definitions (and, when checking, resolves pipelines without running them).
    func define(_ s: Statement, _ src: SourceFile, checkOnly: Bool) throws {
        switch s.kind {
        case .use(let pathExpr, let selector, let alias, let options):
            try use(pathExpr, selector, alias, options, src)
        case .param(let n, let e):
            if let o = overrides[n.text] {
                env.params[n.text] = Double(o).map { .number($0) } ?? .text(o)
            } else {
                var ev = Evaluator(table: Table(names: [], columns: []), lets: [:], params: env.params, monthDays: env.settings.monthDays)
                let v = try ev.eval(e, src)
                guard case .scalar(let sc) = v else { throw fail("a parameter must be a single value", e.range, src) }
                env.params[n.text] = sc
            }
            invalidate()
        case .let(let n, let e):
            if let (table, _) = env.tables.first(where: { $0.value[n.text] != nil }) {
                // Columns are found before `let` names, so such a let could never be used.
                throw fail("`\(n.text)` is already a column of `\(table)`; give the derived column another name", n.range, src)
            }
            env.lets[n.text] = Bound(expr: e, source: src)
            env.results.removeValue(forKey: n.text)
            // `let g = cut(x, [...], labels: [...])` orders g's levels as its labels.
            if case .call("cut", let args) = e.kind, let labels = args.first(where: { $0.label == "labels" }),
               case .list(let items) = labels.value.kind {
                var seen = Set<String>()
                let texts = items.compactMap { a -> String? in if case .string(let t) = a.kind { return t }; return nil }
                    .filter { seen.insert($0).inserted }   // bins with one label are one level
                env.levels[n.text] = LevelOrder(values: texts, name: n, source: src)
            }
            invalidate()
        case .endpoint(let n, let spec):
            try definitionConflict(n, src, kind: "endpoint")
            env.endpoints[n.text] = EndpointDefinition(spec: spec, source: src, name: n)
            invalidate()
        case .cohort(let n, let p):
            try definitionConflict(n, src, kind: "cohort")
            if p.sources.contains(where: { $0.text == n.text }) && env.cohorts[n.text] == nil {
                throw fail("cohort `\(n.text)` cannot be defined from itself", p.sources[0].range, src)
            }
            let previous = env.cohorts[n.text]
            env.cohorts[n.text] = CohortDefinition(pipeline: p, source: src)
            invalidate()
            // Resolve now, so that a bad name is reported where the cohort is defined (and a
            // failed redefinition leaves the previous one in place).
            do { _ = try cohortData(n.text, at: nil, deferRows: true) } catch {
                env.cohorts[n.text] = previous
                invalidate()
                throw error
            }
        case .set(let key, let e, let word):
            try applySetting(key, e, word, src)
            invalidate()
        case .table1(let a, let b, let vars, let outputs):
            if checkOnly {
                var sink = RunReport()
                _ = try tableOne(a, b, vars, src, warnings: &sink)
                for o in outputs { _ = try outputPath(o, src) }
            }
        case .why(let id, let cohort):
            if checkOnly { _ = try why(id, cohort, src) }
        case .run(let p):
            if checkOnly { try checkPipeline(p, src) }
        case .table2(let names, let outputs):
            if checkOnly {
                _ = try tableTwo(names, src)
                for o in outputs { _ = try outputPath(o, src) }
            }
        case .show(let e):
            if checkOnly, case .resultPart(let path) = e.kind, !(env.results[path.result.text]?.result is DeclaredResult) {
                _ = try showPart(e, src)
            }
        case .bind(let n, let p):
            if checkOnly {
                // Check binds a stand-in, so later statements that name the result resolve.
                try definitionConflict(n, src, kind: "result")
                try checkPipeline(p, src)
                let last = p.stages.last { $0.verb.kind == .analysis }
                var screenTerms: [SourcedTerm]? = nil
                if let last, last.verb == .cox, let f = last.formula, f.each { screenTerms = try expandTerms(f, src) }
                env.results[n.text] = BoundResult(result: DeclaredResult(verb: last?.verb), screenTerms: screenTerms, name: n, source: src)
            }
        case .terms(let n, let terms):
            try definitionConflict(n, src, kind: "term list")
            env.termLists[n.text] = try expandTerms(Formula(terms: terms, each: false, range: n.range), src)
        case .levels(let n, let values):
            try requireVariable(n, src, statement: "levels")
            var texts = [String]()
            for v in values {
                let t = try levelText(v, src)
                if texts.contains(t) { throw fail("`\(t)` is listed twice", v.range, src) }
                texts.append(t)
            }
            env.levels[n.text] = LevelOrder(values: texts, name: n, source: src)
            invalidate()
        case .label(let n, let title, let values):
            try requireVariable(n, src, statement: "label")
            if let title, title.allSatisfy(\.isWhitespace) {
                throw fail("the label of `\(n.text)` is empty; write what a reader should see, e.g. `label \(n.text) \"\(n.text)\"`", n.range, src)
            }
            var map = [String: String]()
            let present = labelledValuesPresent(n.text)
            for (v, text) in values {
                let value = try levelText(v, src)
                if text.allSatisfy(\.isWhitespace) { throw fail("the label of `\(value)` is empty", v.range, src) }
                map[value] = text
                // A value the column never takes: most likely a typo (`f` for `F`). A yes/no
                // column's values are true and false, shown as yes and no: those are its
                // values too (`levelLabel` looks them up).
                let alias = value == "yes" ? "true" : value == "no" ? "false" : nil
                let boolean = present.map { !$0.isEmpty && $0.isSubset(of: ["true", "false"]) } ?? false
                if let present, !present.contains(value), !(boolean && alias.map(present.contains) == true) {
                    let shown = present.sorted { a, b in Double(a).flatMap { x in Double(b).map { x < $0 } } ?? (a < b) }.prefix(12).map { "\"\($0)\"" }.joined(separator: ", ") + (present.count > 12 ? ", ..." : "")
                    notes.add(LangError(Diagnostic(.warning, "`\(n.text)` has no value \"\(value)\": this label is not used", at: v.range,
                                                   hints: present.isEmpty ? [] : ["its values: \(shown)\(boolean ? " (shown as no and yes)" : "")"]), in: src))
                }
            }
            var label = env.labels[n.text] ?? VariableLabel(title: nil, values: [:])
            if let title { label.title = title }
            label.values.merge(map) { $1 }
            env.labels[n.text] = label
            invalidate()
        }
    }

    /// The values (as `levelText` writes them) that a column of the loaded tables, or a `let`
    /// evaluated on them, takes: for text, yes/no and whole-number columns; nil when not
    /// known (a database table not read yet, another type, a `let` that does not evaluate
    /// on any table), so nothing is said.
    func labelledValuesPresent(_ name: String) -> Set<String>? {
        var out = Set<String>()
        var known = false
        for (tableName, t) in env.tables where env.databases[tableName] == nil {
            let column: Column
            if let c = t[name] {
                column = c
            } else if let bound = env.lets[name] {
                // Evaluated without notes: the statements that use the `let` note its aggregates.
                var ev = evaluator(for: t, noting: false)
                guard case .column(let c)? = try? ev.eval(bound.expr, bound.source) else { continue }
                column = c
            } else {
                continue
            }
            switch column {
            case .string(let codes, let dict):
                var used = [Bool](repeating: false, count: dict.count)
                for k in codes where k != Column.stringNA { used[Int(k)] = true }
                for (k, v) in dict.enumerated() where used[k] { out.insert(v) }
            case .bool(let v):
                if v.contains(1) { out.insert("true") }
                if v.contains(0) { out.insert("false") }
            case .int(let v):
                for x in Set(v) where x != Column.intNA { out.insert(formatNumber(Double(x))) }
            case .double, .date:
                return nil
            }
            known = true
        }
        return known ? out : nil
    }

    /// `levels` and `label` name a column of a loaded table or a `let`.
    func requireVariable(_ n: Name, _ src: SourceFile, statement: String) throws {
        if env.lets[n.text] != nil || n.text == "cohort" { return }
        // An endpoint's label names it in an ADTTE export (PARAM).
        if statement == "label", env.endpoints[n.text] != nil { return }
        if env.tables.values.contains(where: { $0[n.text] != nil }) { return }
        let known = Array(Set(env.tables.values.flatMap(\.names))) + Array(env.lets.keys)
        throw fail("`\(statement)` names an unknown column `\(n.text)`", n.range, src,
                   hints: Suggest.hint(for: n.text, among: known) + (env.tables.isEmpty ? ["load data first with `use`"] : []))
    }

    /// A level as text: a string as is, a number as formatted, true/false.
    func levelText(_ e: Expr, _ src: SourceFile) throws -> String {
        switch e.kind {
        case .string(let t), .name(let t): return t
        case .number(let x): return formatNumber(x)
        case .bool(let b): return b ? "true" : "false"
        case .negate(let inner):
            if case .number(let x) = inner.kind { return formatNumber(-x) }
            throw fail("a level is a literal: \"text\", a number, true or false", e.range, src)
        case .date, .duration, .not, .binary, .call, .inList, .isMissing, .list, .resultPart:
            throw fail("a level is a literal: \"text\", a number, true or false", e.range, src)
        }
    }

    /// `use "file.csv" as name`, `use param`, `use "db" table t`, `use "db" query "..."`.
    func use(_ pathExpr: Expr, _ selector: UseSelector?, _ alias: Name?, _ options: UseOptions, _ src: SourceFile) throws {
        var path: String
        var defaultName: String
        switch pathExpr.kind {
        case .string(let p):
            path = p
            let file = p.split(separator: "/").last.map(String.init) ?? p
            defaultName = file.split(separator: ".").first.map(String.init) ?? file
        case .name(let n):
            guard let v = env.params[n] else {
                throw fail("unknown parameter `\(n)`: declare it with `param \(n) = \"file.csv\"`, or write the path in quotes", pathExpr.range, src,
                           hints: Suggest.hint(for: n, among: paramNames))
            }
            guard case .text(let p) = v else { throw fail("parameter `\(n)` is not a path (\(v.display))", pathExpr.range, src) }
            path = p; defaultName = n
        default:
            throw fail("expected a path", pathExpr.range, src)
        }
        // One registration point picks the kind of source from the path or URL.
        let kind = DataSources.kind(of: path)
        let selection: DataSelection
        switch selector {
        case .table(let t)?: selection = .table(t.text); defaultName = t.text
        case .query(let q, _)?: selection = .query(q)
        case nil: selection = .all
        }
        let name = alias?.text ?? defaultName
        if let alias { try definitionConflict(alias, src, kind: "table") }
        let resolved = !kind.readsFiles || path.hasPrefix("/") ? path : baseDirectory + "/" + path
        var csv = CSVOptions()
        if let na = options.na { csv.naStrings = na }
        if let (d, r) = options.delimiter {
            guard let byte = d == "\\t" ? 9 : d.utf8.first, d.utf8.count == 1 || d == "\\t" else {
                throw fail("a delimiter is one character: `delimiter \";\"` or `delimiter \"\\t\"`", r, src)
            }
            csv.delimiter = byte
        }
        for (f, r) in options.dates {
            do { _ = try DateFormat(f) } catch let e as DateFormatError { throw fail(e.description, r, src) }
            csv.dateFormats.append(f)
        }
        if !options.isEmpty && (kind.hasTables || selector != nil), let r = options.range {
            throw fail("`na`, `delimiter` and `dates` describe a CSV file; a database has typed columns", r, src)
        }
        if !kind.hasTables, selector != nil {
            throw fail("`table` and `query` read from \(DataSources.tableKinds), not from \(kind.summary)", pathExpr.range, src)
        }
        let cacheKey: String
        switch selection {
        case .table(let t): cacheKey = resolved + "\u{0}table " + t
        case .query(let q): cacheKey = resolved + "\u{0}query " + q
        case .all: cacheKey = resolved + "\u{0}" + "\(csv.naStrings)\(csv.delimiter ?? 0)\(csv.dateFormats)"
        }
        let table: Table
        let label: String
        var database: DatabaseTable? = nil
        if kind is any SQLSource.Type, loadedFiles[cacheKey] == nil {
            // A database table is described now (names, types, errors where the `use` is)
            // and read when first needed, its leading row steps in the database.
            do {
                let db: DatabaseTable
                if let known = checkedDatabases[cacheKey] {
                    db = known
                    describedDatabases[cacheKey] = known
                } else {
                    guard let source = try DataSources.open(resolved, selection) as? any SQLSource else { throw DataError(file: path, message: "not a database") }
                    db = DatabaseTable(source: source, described: try source.describe(), cacheKey: cacheKey,
                                       label: kind.readsFiles ? path : source.displayName)
                    describedDatabases[cacheKey] = db
                    sourceReads.append(SourceRead(origin: source.origin, kind: .describe))
                }
                table = Table.empty(db.described, origin: db.source.origin)
                label = db.label
                database = db
            } catch let e as DataSourceError {
                throw sourceFailure(e, path, pathExpr, selector, src)
            } catch let e as DataError {
                throw fail(fileMessage(e, path, resolved), pathExpr.range, src, hints: e.line == nil && kind.readsFiles ? pathHints(pathExpr) : [])
            }
        } else if let (t, l) = loadedFiles[cacheKey] {
            table = t; label = l
            // Read by the check before this run: its warnings are this run's to show.
            for w in loadWarnings.removeValue(forKey: cacheKey) ?? [] { notes.add(w) }
        } else {
            do {
                var source = try DataSources.open(resolved, selection)
                var columns: [String]? = nil
                if var file = source as? CSVSource {
                    file.options = csv; file.cancellation = cancellation; source = file
                    columns = Interpreter.csvHeader(resolved, csv).flatMap { columnPlan.columns(of: $0) }
                    if let columns { explained.append(SentSQL(origin: path, sql: columns.joined(separator: ", "), kind: .columns)) }
                }
                let read = try source.readReporting(columns: columns)
                sourceReads.append(SourceRead(origin: source.origin, kind: .read(columns: columns)))
                var t = read.table
                // Columns read as text because of a few values: a warning at the `use`.
                for w in read.warnings {
                    var text = w.description
                    if !path.hasPrefix("/") { text = text.replacing(baseDirectory + "/", with: "") }
                    let warning = LangError(Diagnostic(.warning, text, at: pathExpr.range), in: src)
                    notes.add(warning)
                    loadWarnings[cacheKey, default: []].append(warning)
                }
                t.origin = kind.readsFiles ? path : source.origin
                table = t
                label = kind.readsFiles ? path : source.displayName
            } catch let e as DataError {
                throw fail(fileMessage(e, path, resolved), pathExpr.range, src, hints: e.line == nil && kind.readsFiles ? pathHints(pathExpr) : [])
            } catch let e as DataSourceError {
                throw sourceFailure(e, path, pathExpr, selector, src)
            }
            loadedFiles[cacheKey] = (table, label)
        }
        env.tables[name] = table
        env.databases[name] = database
        env.tablePaths[name] = label
        invalidate()
    }

    /// A data error's message with the path as written.
    func fileMessage(_ e: DataError, _ path: String, _ resolved: String) -> String {
        var msg = e.description
        // Name files as the script wrote them, not by where the checkout lives.
        if !path.hasPrefix("/") { msg = msg.replacing(baseDirectory + "/", with: "") }
        return msg
    }

    /// A source's error where it belongs; a password written in the script is masked in the
    /// line the error shows.
    func sourceFailure(_ e: DataSourceError, _ path: String, _ pathExpr: Expr, _ selector: UseSelector?, _ src: SourceFile) -> LangError {
        var shown = src
        if let secret = PostgresSource.writtenPassword(path), !secret.isEmpty, src.text.contains(secret) {
            shown = SourceFile(name: src.name, text: src.text.replacing(secret, with: String(repeating: "*", count: secret.utf8.count)))
        }
        return fail(e.description, sourceErrorRange(e.part, pathExpr, selector, src), shown)
    }

    /// Where a source's error points: the path or URL, the table's name, or the query (at
    /// the character the server names, when the query is written without escapes).
    func sourceErrorRange(_ part: DataSourceError.Part, _ pathExpr: Expr, _ selector: UseSelector?, _ src: SourceFile) -> Range<Int> {
        switch (part, selector) {
        case (.table, .table(let t)?):
            return t.range
        case (.query(let position), .query(let sql, let range)?):
            // The literal in the file is `"` + sql + `"` when it has no escapes.
            let bytes = src.bytes
            guard let position, position >= 1, range.upperBound <= bytes.count,
                  range.count == sql.utf8.count + 2,
                  String(decoding: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)], as: UTF8.self) == sql,
                  let at = sql.index(sql.startIndex, offsetBy: position - 1, limitedBy: sql.endIndex), at < sql.endIndex
            else { return range }
            let offset = range.lowerBound + 1 + sql.utf8.distance(from: sql.startIndex, to: at)
            return offset..<(offset + sql[at].utf8.count)
        case (.location, _), (.table, _), (.query, _):
            return pathExpr.range
        }
    }

    func applySetting(_ keyName: Name, _ e: Expr?, _ word: Name?, _ src: SourceFile) throws {
        guard let key = SettingKey(rawValue: keyName.text) else {
            let all = SettingKey.allCases.map(\.rawValue)
            throw fail("unknown setting `\(keyName.text)`", keyName.range, src,
                       hints: Suggest.hint(for: keyName.text, among: all) + ["settings: " + all.joined(separator: ", ")])
        }
        let wordRange = (word?.range ?? e?.range) ?? keyName.range
        switch key {
        case .month:
            guard let e, case .duration(let v, let u) = e.kind, u == .days, v > 0 else {
                throw fail("`set month` takes a number of days, e.g. `set month = 30.4375d`", e?.range ?? keyName.range, src)
            }
            env.settings.monthDays = v
        case .unit:
            guard let w = word ?? e.flatMap({ if case .name(let n) = $0.kind { return Name(text: n, range: $0.range) }; return nil }),
                  let u = DurationUnit.parse(w.text) else {
                throw fail("`set unit` takes days, weeks, months or years", wordRange, src)
            }
            env.settings.dateUnit = u
        case .ci:
            guard let w = word, let t = ConfidenceTransform(rawValue: w.text) else {
                throw fail("`set ci` takes log, log-log or plain", wordRange, src)
            }
            env.settings.confidenceTransform = t
        case .ties:
            guard let w = word, let t = CoxTies(rawValue: w.text) else {
                throw fail("`set ties` takes efron, breslow or exact", wordRange, src)
            }
            env.settings.ties = t
        case .conventions:
            guard let w = word, let c = Conventions(rawValue: w.text) else {
                throw fail("`set conventions` takes r or spss", wordRange, src,
                           hints: ["r: Efron ties, log intervals; spss: Breslow ties, plain intervals"])
            }
            env.settings.conventions = c
            switch c {
            case .r:
                env.settings.ties = .efron; env.settings.confidenceTransform = .log; env.settings.medianInterval = .inverted
            case .spss:
                env.settings.ties = .breslow; env.settings.confidenceTransform = .plain; env.settings.medianInterval = .spss
            }
        case .digits:
            guard let e, case .number(let d) = e.kind, d >= 1, d <= 15, d == d.rounded() else {
                throw fail("`set digits` takes a whole number from 1 to 15, e.g. `set digits 3`", wordRange, src)
            }
            env.settings.presentation.digits = Int(d)
        case .survival:
            guard let w = word, w.text == "percent" || w.text == "proportion" else {
                throw fail("`set survival` takes percent or proportion", wordRange, src)
            }
            env.settings.presentation.survivalAsPercent = w.text == "percent"
        case .p:
            guard let w = word, let style = PValueStyle(rawValue: w.text == "journal" ? "journal" : w.text) else {
                throw fail("`set p` takes journal or r", wordRange, src, hints: ["journal: < 0.001, 0.012, 0.34; r: < 2e-16, 0.01234"])
            }
            env.settings.presentation.pStyle = style
        case .study:
            guard let e, case .string(let id) = e.kind, !id.allSatisfy(\.isWhitespace) else {
                throw fail("`set study` takes the study identifier in quotes, e.g. `set study \"LART-01\"`", wordRange, src)
            }
            env.settings.studyID = id
        case .notes:
            guard let w = word, w.text == "on" || w.text == "off" else {
                throw fail("`set notes` takes on or off", wordRange, src)
            }
            env.settings.presentation.notes = w.text == "on"
        case .pushdown:
            guard let w = word, let mode = Pushdown(rawValue: w.text) else {
                throw fail("`set pushdown` takes on or off", wordRange, src,
                           hints: ["on: row steps and survival aggregates run in the database; off: the table is fetched and they run in lart"])
            }
            env.settings.pushdown = mode
        }
    }
}
