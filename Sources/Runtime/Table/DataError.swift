/// An error in input data: names the file and, where known, the line, row and column.
public struct DataError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var row: Int?
    public var column: String?
    public var message: String

    public init(file: String, line: Int? = nil, row: Int? = nil, column: String? = nil, message: String) {
        self.file = file; self.line = line; self.row = row; self.column = column; self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        var parts = [String]()
        if let row { parts.append("row \(row)") }
        if let column { parts.append("column \(column)") }
        if !parts.isEmpty { s += parts.joined(separator: ", ") + ": " }
        return s + message
    }
}

/// Something in input data that was read, but probably not as meant: a column read as text
/// because a few of its values are not numbers (or dates, or true/false), or a column of
/// dates in a format that was not asked for. The table is still loaded.
public struct DataWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Numbers but for a few values: read as text.
        case nearlyNumbers
        /// Dates (in a format read) but for a few values: read as text.
        case nearlyDates
        /// true/false but for a few values: read as text.
        case nearlyBooleans
        /// Dates in a format not asked for (`03/25/2019` without `dates "%m/%d/%Y"`): read as text.
        case datesInAnotherFormat
        /// ISO dates with a time of day (`2019-03-25 10:00:00`), which are not read: text.
        case dateTimes
    }

    public var kind: Kind
    public var file: String
    public var column: String
    /// The values that made the column text (at most 5, in order of first appearance), as
    /// they are in the file (without the quotes of a quoted field).
    public var values: [String]
    /// For each of `values`, the 1-based data row and the file line where it first occurs.
    public var rows: [Int]
    public var lines: [Int]
    /// The explanation and what to do, without the file and column.
    public var message: String

    public init(kind: Kind, file: String, column: String, values: [String], rows: [Int], lines: [Int], message: String) {
        self.kind = kind; self.file = file; self.column = column
        self.values = values; self.rows = rows; self.lines = lines; self.message = message
    }

    public var description: String { "\(file): column \(column): \(message)" }
}
