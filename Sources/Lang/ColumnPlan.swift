import Runtime

/// The columns a script can reach, so that a source is read for those alone (`lart run` and
/// `lart knit`: the whole script, or every block and inline result of the document, is known
/// before anything runs).
///
/// Conservative: every word of the script (identifiers, quoted or not) may name a column, so
/// a column reached through a `let`, an endpoint, a cohort's conditions, a stage's terms,
/// options or `by`, `table1`, `summary`, `levels`/`label` or a term list is read; a word that
/// is not a column costs nothing. Statements that show a table's columns without naming them
/// (`list`, `why`) read every column. The columns that identify a patient (`id`,
/// `patient_id`, `subject_id`, `usubjid`) and the first are always read: messages name rows
/// by them. At the REPL,
/// where later statements are unknown, there is no plan: every column is read.
struct ColumnPlan: Sendable, Equatable {
    /// The words of the script; nil: every column.
    var words: Set<String>?

    static let all = ColumnPlan(words: nil)

    /// The plan of a script (already parsed without errors).
    static func of(_ source: SourceFile) -> ColumnPlan { of([source]) }

    /// The plan of the pieces of code of one run (a document's blocks and inline statements).
    static func of(_ sources: [SourceFile]) -> ColumnPlan {
        var words = Set<String>()
        for source in sources {
            for t in Lexer.tokenize(source) {
                guard case .identifier = t.kind else { continue }
                // Statements that show columns they do not name.
                if !t.quoted, t.text == Verb.list.rawValue || t.text == "why" { return .all }
                words.insert(t.text)
            }
        }
        return ColumnPlan(words: words)
    }

    /// The columns of `names` (a source's, in its order) to read; nil: all of them.
    func columns(of names: [String]) -> [String]? {
        guard let words else { return nil }
        // Every column named as an id (`why`, robust Cox and `export adtte` each pick one by
        // their own order), and the first.
        let ids = Set(Interpreter.idColumnNames)
        var keep = names.filter { words.contains($0) || ids.contains($0.lowercased()) }
        if let first = names.first, !keep.contains(first) { keep.append(first) }
        guard keep.count < names.count else { return nil }
        let wanted = Set(keep)
        return names.filter { wanted.contains($0) }
    }
}

extension Interpreter {
    /// The names of a CSV file's columns, from its first line alone (parsed by the CSV
    /// reader); nil when they cannot be had so (a quoted header, a very long line).
    static func csvHeader(_ path: String, _ options: CSVOptions) -> [String]? {
        guard let bytes = CSVReader.readHead(path, upTo: 1 << 16) else { return nil }
        guard let newline = bytes.firstIndex(of: 10), !bytes[..<newline].contains(34) else { return nil }
        guard let parsed = try? CSVReader.parse(Array(bytes[...newline]), origin: path, options: options) else { return nil }
        let names = parsed.table.names
        return names.isEmpty ? nil : names
    }
}
