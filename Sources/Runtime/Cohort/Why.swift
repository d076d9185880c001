/// Why one patient is in a cohort or not: each step of the cohort's definition that the
/// patient's rows met, with the value of its condition for them and the values of the columns
/// it read, up to the step that dropped them.
public struct WhyStep: Sendable {
    public enum Outcome: String, Sendable {
        /// The table (or stacked cohort) the rows come from.
        case source
        case kept
        case dropped
        /// Dropped because the condition could not be evaluated (a missing value).
        case droppedMissing = "dropped (condition missing)"
    }
    /// The cohort the step belongs to.
    public var cohort: String
    /// `require`, `exclude`, `where`, `source`, `combine`.
    public var kind: String
    /// The condition as written (or the source's name).
    public var condition: String
    public var reason: String?
    /// For patients with several rows ((start, stop] data): which row; nil for one row.
    public var row: Int?
    /// The condition's value for the row: "true", "false", "missing"; nil for a source.
    public var value: String?
    /// The columns and derived values the condition reads, with their values for the row.
    public var inputs: [(name: String, value: String)]
    public var outcome: Outcome

    public init(cohort: String, kind: String, condition: String, reason: String?, row: Int?, value: String?,
                inputs: [(name: String, value: String)], outcome: Outcome) {
        self.cohort = cohort; self.kind = kind; self.condition = condition; self.reason = reason; self.row = row
        self.value = value; self.inputs = inputs; self.outcome = outcome
    }
}

public struct WhyResult: Sendable {
    /// The id as matched, the column it was matched in, the cohort asked about.
    public var id: String
    public var idColumn: String
    public var cohort: String
    public var steps: [WhyStep]
    /// Rows of the patient in the cohort at the end (0: not in it).
    public var rowsIn: Int
    /// Rows of the patient in the source data.
    public var rowsFound: Int

    public init(id: String, idColumn: String, cohort: String, steps: [WhyStep], rowsIn: Int, rowsFound: Int) {
        self.id = id; self.idColumn = idColumn; self.cohort = cohort; self.steps = steps
        self.rowsIn = rowsIn; self.rowsFound = rowsFound
    }
}

extension WhyResult: Reportable {
    public var kind: String { "why" }

    var verdict: String {
        if rowsIn == rowsFound { return "in \(cohort)" }
        if rowsIn == 0 {
            if let s = steps.last(where: { $0.outcome == .dropped || $0.outcome == .droppedMissing }) {
                return "not in \(cohort): dropped by `\(s.kind) \(s.condition)`" + (s.reason.map { " (\($0))" } ?? "")
            }
            return "not in \(cohort)"
        }
        return "in \(cohort) with \(rowsIn) of \(rowsFound) rows"
    }

    public func tables() -> [ResultTable] {
        let several = rowsFound > 1
        var columns = ["cohort", "step"]
        if several { columns.append("row") }
        columns += ["value", "reads", "result"]
        let rows: [[Cell]] = steps.map { s in
            var r: [Cell] = [.text(s.cohort), .text(s.kind == "source" ? "source \(s.condition)" : "\(s.kind) \(s.condition)")]
            if several { r.append(s.row.map { .integer($0) } ?? .missing) }
            r.append(s.value.map { .text($0) } ?? .missing)
            r.append(s.inputs.isEmpty ? .missing : .text(s.inputs.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")))
            var result = s.outcome.rawValue
            if s.outcome == .dropped || s.outcome == .droppedMissing, let reason = s.reason { result += ": " + reason }
            r.append(.text(result))
            return r
        }
        let notes = ["Patients are matched on the column `\(idColumn)` (a column named id, patient_id, subject_id or usubjid, else the first column)."]
        return [ResultTable(title: "Why \(idColumn) \(id): \(verdict)", columns: columns, rows: rows, notes: notes)]
    }

    public func json() -> JSONValue {
        .object([
            ("kind", .string(kind)), ("id", .string(id)), ("id_column", .string(idColumn)), ("cohort", .string(cohort)),
            ("in_cohort", .bool(rowsIn > 0)), ("rows_found", .int(rowsFound)), ("rows_in", .int(rowsIn)),
            ("steps", .array(steps.map { s in
                .object([
                    ("cohort", .string(s.cohort)), ("kind", .string(s.kind)), ("condition", .string(s.condition)),
                    ("reason", s.reason.map { .string($0) } ?? .null), ("row", s.row.map { .int($0) } ?? .null),
                    ("value", s.value.map { .string($0) } ?? .null),
                    ("reads", .object(s.inputs.map { ($0.name, JSONValue.string($0.value)) })),
                    ("result", .string(s.outcome.rawValue)),
                ])
            })),
        ])
    }
}
