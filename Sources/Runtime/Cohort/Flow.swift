/// The eligibility flow of a cohort: each step of its definition with the number of rows
/// before and after, as a CONSORT diagram reports it.
public struct FlowStep: Sendable {
    public enum Kind: String, Sendable { case source, require, exclude, `where`, combine }
    public var kind: Kind
    /// What the step tests, as written (`histology == "adenocarcinoma"`).
    public var condition: String
    /// The reason the author gave, if any (`"not adenocarcinoma"`).
    public var reason: String?
    public var before: Int
    public var after: Int
    /// Rows dropped because the condition could not be evaluated (a missing value).
    public var missing: Int
    /// The cohort this step belongs to (steps of parent cohorts come first).
    public var cohort: String

    public init(kind: Kind, condition: String, reason: String?, before: Int, after: Int, missing: Int = 0, cohort: String) {
        self.kind = kind; self.condition = condition; self.reason = reason
        self.before = before; self.after = after; self.missing = missing; self.cohort = cohort
    }

    /// Every row the step dropped: `failed + missing` (`before - after`).
    public var excluded: Int { before - after }

    /// Rows dropped because the condition failed (false for `require`/`where`, true for
    /// `exclude`): `before - after - missing`. Rows whose condition was missing are not in
    /// this count; they are `missing`.
    public var failed: Int { before - after - missing }

    /// What the step tests, in words: the author's reason, else the step as written
    /// (`exclude mets_at_dx > 3`).
    public var label: String { reason ?? "\(kind.rawValue) \(condition)" }

    /// The reason for the rows dropped, with the missing ones counted apart:
    /// `no positive nodes: 2; condition missing: 18` (or just the reason when none was missing,
    /// nil when there is neither a reason nor a missing value).
    public var exclusionText: String? {
        guard missing > 0 else { return reason }
        return "\(reason ?? "condition \(kind == .exclude ? "true" : "false")"): \(failed); condition missing: \(missing)"
    }
}

public struct FlowResult: Reportable {
    public var cohort: String
    public var steps: [FlowStep]
    public init(cohort: String, steps: [FlowStep]) { self.cohort = cohort; self.steps = steps }

    public var kind: String { "flow" }

    public func tables() -> [ResultTable] {
        var rows = [[Cell]]()
        for s in steps {
            switch s.kind {
            case .source:
                rows.append([.text(s.cohort), .text(s.condition), .integer(s.after), .missing, .missing])
            case .combine:
                rows.append([.text(s.cohort), .text(s.condition), .integer(s.after), .missing, .missing])
            case .require, .exclude, .where:
                // `excluded` is every row dropped; the reason splits it when some had a missing
                // condition (`no positive nodes: 2; condition missing: 18`).
                rows.append([.text(s.cohort), .text("\(s.kind.rawValue) \(s.condition)"), .integer(s.after), .integer(s.excluded),
                             s.exclusionText.map { .text($0) } ?? .missing])
            }
        }
        return [ResultTable(title: "Flow of \(cohort)", columns: ["cohort", "step", "n", "excluded", "reason"], rows: rows,
                            notes: ["\(cohort): \(steps.last?.after ?? 0) patients"])]
    }

    public func json() -> JSONValue {
        .object([
            ("cohort", .string(cohort)),
            ("steps", .array(steps.map { s in
                .object([("cohort", .string(s.cohort)), ("kind", .string(s.kind.rawValue)), ("condition", .string(s.condition)),
                         ("reason", s.reason.map { .string($0) } ?? .null), ("n_before", .int(s.before)),
                         ("n_after", .int(s.after)), ("n_excluded", .int(s.excluded)), ("n_failed", .int(s.failed)), ("n_missing", .int(s.missing))])
            })),
            ("n", .int(steps.last?.after ?? 0)),
        ])
    }
}

/// Row counts, overall or by group.
public struct CountResult: Reportable {
    public var source: String
    public var groupName: String?
    public var groups: [(label: String, n: Int)]
    public var total: Int

    public init(source: String, groupName: String? = nil, groups: [(label: String, n: Int)] = [], total: Int) {
        self.source = source; self.groupName = groupName; self.groups = groups; self.total = total
    }

    public var kind: String { "count" }

    public func tables() -> [ResultTable] {
        if groups.isEmpty {
            return [ResultTable(title: "Count of \(source)", columns: ["source", "n"], rows: [[.text(source), .integer(total)]])]
        }
        var rows = groups.map { [Cell.text($0.label), .integer($0.n)] }
        rows.append([.text("total"), .integer(total)])
        return [ResultTable(title: "Count of \(source) by \(groupName ?? "group")", columns: [groupName ?? "group", "n"], rows: rows)]
    }

    public func json() -> JSONValue {
        var fields: [(String, JSONValue)] = [("source", .string(source)), ("n", .int(total))]
        if !groups.isEmpty {
            fields.append(("by", .string(groupName ?? "group")))
            fields.append(("groups", .array(groups.map { .object([("group", .string($0.label)), ("n", .int($0.n))]) })))
        }
        return .object(fields)
    }
}

/// A window of rows, for `list`.
public struct RowsResult: Reportable {
    public var source: String
    public var table: Table
    public var totalRows: Int

    public init(source: String, table: Table, totalRows: Int) { self.source = source; self.table = table; self.totalRows = totalRows }

    public var kind: String { "rows" }

    public func tables() -> [ResultTable] {
        let rows = (0..<table.rowCount).map { i in table.columns.map { c -> Cell in c.text(at: i).map { .text($0) } ?? .missing } }
        let note = totalRows > table.rowCount ? ["showing \(table.rowCount) of \(totalRows) rows"] : []
        return [ResultTable(title: source, columns: table.names, rows: rows, notes: note)]
    }

    public func json() -> JSONValue {
        .object([("source", .string(source)), ("n_total", .int(totalRows)), ("columns", .strings(table.names)),
                 ("rows", .array((0..<table.rowCount).map { i in
                     .array(table.columns.map { c -> JSONValue in
                         switch c {
                         case .double(let v): return .num(v[i].isNaN ? nil : v[i])
                         case .int(let v): return v[i] == Column.intNA ? .null : .int(Int(v[i]))
                         default: return c.text(at: i).map { .string($0) } ?? .null
                         }
                     })
                 }))])
    }
}
