/// Where a table comes from: a CSV file, an SQLite database, a PostgreSQL server.
///
/// Every kind is used the same way: `DataSources.open(location, selection)` picks the kind
/// from the location (one registration point, `DataSources.kinds`) and returns a source;
/// `describe()` lists its columns and their types; `read(columns:)` reads the columns asked
/// for (all when nil) into a typed `Table`. Errors are `DataError`s naming the source (a
/// path, or a URL without its password).
///
/// Adding a kind (Parquet, say): a type conforming to `DataSource` under `Runtime/Table/`,
/// and one line in `DataSources.kinds`.
public protocol DataSource: Sendable {
    /// The kind's name in messages: "CSV", "SQLite", "PostgreSQL".
    static var kindName: String { get }
    /// Whether this kind reads `location` (a path or a URL, as written).
    static func accepts(_ location: String) -> Bool
    /// Whether the location is a file (resolved against the script's folder when relative).
    static var readsFiles: Bool { get }
    /// Whether the kind holds tables, so that `table NAME` and `query "..."` apply.
    static var hasTables: Bool { get }
    /// The kind in a sentence: "an SQLite database (.sqlite, .sqlite3, .db)".
    static var summary: String { get }

    /// Checks the location (no input or output yet). Throws a `DataError` for a malformed
    /// location or a selection the kind cannot serve.
    init(location: String, selection: DataSelection) throws

    /// The source in messages: the path, or the URL without a password.
    var origin: String { get }
    /// A short name for headings and flow labels: the file name, or `database.table`.
    var displayName: String { get }
    /// The columns and their types, as `read` would make them.
    func describe() throws -> [ColumnDescription]
    /// The columns `columns` (all when nil), in the source's order, as a typed `Table`.
    func read(columns: [String]?) throws -> Table
    /// As `read`, with what was read but probably not as meant (a CSV column read as text
    /// because of a few values).
    func readReporting(columns: [String]?) throws -> CSVReadResult
}

extension DataSource {
    public func readReporting(columns: [String]?) throws -> CSVReadResult {
        CSVReadResult(table: try read(columns: columns), warnings: [])
    }
}

/// Which rows of a source `use` reads.
public enum DataSelection: Sendable, Equatable {
    /// The whole file; for a database, its only table.
    case all
    /// A table of a database.
    case table(String)
    /// The rows of a SELECT.
    case query(String)
}

/// A column of a source: its name, the kind of `Column` it is read into, and the type the
/// source gives it (`integer`, `date`, `text`; for a CSV file, the type inferred).
public struct ColumnDescription: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var kind: Column.Kind
    public var sourceType: String

    public init(name: String, kind: Column.Kind, sourceType: String) {
        self.name = name; self.kind = kind; self.sourceType = sourceType
    }

    public var description: String { "\(name) \(sourceType) (\(kind.rawValue))" }
}

/// The kinds of source, and the one place that picks a kind from a location.
public enum DataSources {
    /// Every kind, in the order they are asked; the last (CSV) accepts any path.
    public static let kinds: [any DataSource.Type] = [
        PostgresSource.self,
        SQLiteSource.self,
        CSVSource.self,
    ]

    /// The kind that reads `location`.
    public static func kind(of location: String) -> any DataSource.Type {
        kinds.first { $0.accepts(location) } ?? CSVSource.self
    }

    /// A source for `location` (a path already resolved, or a URL) and `selection`.
    public static func open(_ location: String, _ selection: DataSelection) throws -> any DataSource {
        try kind(of: location).init(location: location, selection: selection)
    }

    /// The kinds that hold tables, for messages: "an SQLite database (.sqlite, .sqlite3,
    /// .db) or a PostgreSQL URL (postgresql://...)".
    public static var tableKinds: String {
        kinds.filter { $0.hasTables }.map { $0.summary }.joined(separator: " or ")
    }
}

extension Table {
    /// The columns `wanted` (all when nil), in the table's order; an error names the first
    /// column that is not there.
    public func selecting(_ wanted: [String]?, origin: String) throws -> Table {
        guard let wanted else { return self }
        for w in wanted where index(of: w) == nil {
            throw DataError(file: origin, column: w, message: "no such column (columns: \(names.joined(separator: ", ")))")
        }
        let keep = Set(wanted)
        var n = [String](), c = [Column]()
        for (i, name) in names.enumerated() where keep.contains(name) { n.append(name); c.append(columns[i]) }
        return Table(names: n, columns: c, origin: self.origin)
    }

    /// Each column's description, with the kind as its type (for sources that infer types).
    public var columnDescriptions: [ColumnDescription] {
        zip(names, columns).map { ColumnDescription(name: $0, kind: $1.kind, sourceType: $1.kind.rawValue) }
    }
}

/// A CSV file (any path that no other kind accepts). Types are inferred from the values.
public struct CSVSource: DataSource {
    public static let kindName = "CSV"
    public static let readsFiles = true
    public static let hasTables = false
    public static let summary = "a CSV file"
    public static func accepts(_ location: String) -> Bool { true }

    public let path: String
    /// How the file is read: missing values, delimiter, date formats.
    public var options = CSVOptions()
    /// Checked while the file is parsed (Ctrl-C): a read stops with `Cancelled`.
    public var cancellation: Cancellation? = nil

    public init(location: String, selection: DataSelection) throws {
        path = location
        guard selection == .all else {
            throw DataError(file: location, message: "`table` and `query` read from a database: \(DataSources.tableKinds); a CSV file is one table")
        }
    }

    public var origin: String { path }
    public var displayName: String { path.split(separator: "/").last.map(String.init) ?? path }
    public func describe() throws -> [ColumnDescription] { try read(columns: nil).columnDescriptions }
    public func read(columns: [String]?) throws -> Table {
        try readReporting(columns: columns).table
    }
    /// Parses only the columns asked for (see `CSVReader.read(path:options:columns:)`).
    public func readReporting(columns: [String]?) throws -> CSVReadResult {
        try CSVReader.read(path: path, options: options, columns: columns, cancellation: cancellation)
    }
}

/// An SQLite database file (`.sqlite`, `.sqlite3`, `.db`), through the system's libsqlite3.
public struct SQLiteSource: SQLSource {
    public static let kindName = "SQLite"
    public static let readsFiles = true
    public static let hasTables = true
    public static let suffixes = [".sqlite", ".sqlite3", ".db"]
    public static let summary = "an SQLite database (.sqlite, .sqlite3, .db)"
    public static func accepts(_ location: String) -> Bool { suffixes.contains { location.hasSuffix($0) } }

    public let path: String
    public let selection: DataSelection

    public init(location: String, selection: DataSelection) throws {
        path = location; self.selection = selection
    }

    public var origin: String { path }
    public var displayName: String { path.split(separator: "/").last.map(String.init) ?? path }
    public func describe() throws -> [ColumnDescription] { try read(columns: nil).columnDescriptions }
    public func read(columns: [String]?) throws -> Table {
        let t: Table
        switch selection {
        case .all: t = try SQLiteReader.readOnlyTable(path: path)
        case .table(let name): t = try SQLiteReader.read(path: path, table: name)
        case .query(let sql): t = try SQLiteReader.query(path: path, sql: sql)
        }
        return try t.selecting(columns, origin: path)
    }

    public var dialect: SQLDialect { .sqlite }

    public func run(_ make: (String) -> [SQLStatement]) throws -> [SQLAnswer] {
        let relation: String
        switch selection {
        case .all:
            let names = try SQLiteReader.tables(path: path)
            guard names.count == 1 else { _ = try SQLiteReader.readOnlyTable(path: path); return [] }
            relation = SQLiteReader.quote(names[0])
        case .table(let name): relation = SQLiteReader.quote(name)
        case .query(let sql): relation = "(\n" + sql + "\n) AS lart_source"
        }
        return try make(relation).map { statement in
            var bytes = 0
            let t = try SQLiteReader.query(path: path, sql: statement.sql, origin: nil, bytes: &bytes)
            return SQLAnswer(table: t, bytes: bytes)
        }
    }
}

// MARK: - Sources that run SQL

/// The SQL a source speaks, where the two differ (date literals, casts, NaN).
public enum SQLDialect: Sendable {
    case postgres, sqlite
}

/// A source that runs SQL (SQLite, PostgreSQL): row steps and their counts can be computed
/// where the data are, and only their rows fetched.
public protocol SQLSource: DataSource {
    var dialect: SQLDialect { get }
    /// Runs SELECTs of lart's own, in one read-only session: `make` gets the relation the
    /// selection reads (`"public"."patients"`, or the query in parentheses) and returns the
    /// statements. Columns named as in `describe` keep its kinds.
    func run(_ make: (String) -> [SQLStatement]) throws -> [SQLAnswer]
}

/// A SELECT of lart's own, and what its answer is like.
public struct SQLStatement: Sendable, Equatable {
    public enum Answer: Sendable, Equatable {
        /// Rows of the table (possibly millions): fetched in batches.
        case rows
        /// Aggregates (counts, grouped inputs): fetched at once, which lets a server run the
        /// statement in parallel.
        case summary
    }
    public var sql: String
    public var answer: Answer

    public init(_ sql: String, _ answer: Answer) { self.sql = sql; self.answer = answer }
}

/// The rows a statement returned, and how many bytes of values came with them: the text of
/// each value as PostgreSQL sent it; for SQLite, the bytes of text values and 8 for each
/// number (NULL counts nothing).
public struct SQLAnswer: Sendable {
    public var table: Table
    public var bytes: Int

    public init(table: Table, bytes: Int) { self.table = table; self.bytes = bytes }
}

extension Table {
    /// This table with the kinds `described` gives its columns (rows of a query on SQLite
    /// infer kinds from the rows they hold: integers where the whole table has reals, a
    /// column with no value at all). Nil when a column cannot be brought to its kind.
    public func conforming(to described: [ColumnDescription]) -> Table? {
        var cols = columns
        for d in described {
            guard let i = index(of: d.name) else { continue }
            let c = cols[i]
            if c.kind == d.kind { continue }
            if c.missingCount == c.count {
                cols[i] = Column.missing(d.kind, count: c.count)
                continue
            }
            switch (c.kind, d.kind) {
            case (.int, .double), (.bool, .double): cols[i] = .double(c.doubles()!)
            case (_, .string): cols[i] = Column.fromStrings(c.strings())
            default: return nil
            }
        }
        return Table(names: names, columns: cols, origin: origin)
    }

    /// A table with `described`'s columns and no rows.
    public static func empty(_ described: [ColumnDescription], origin: String) -> Table {
        Table(names: described.map(\.name), columns: described.map { Column.missing($0.kind, count: 0) }, origin: origin)
    }
}

extension Column {
    /// `count` missing values of a kind.
    public static func missing(_ kind: Kind, count: Int) -> Column {
        switch kind {
        case .double: return .double([Double](repeating: .nan, count: count))
        case .int: return .int([Int64](repeating: Column.intNA, count: count))
        case .bool: return .bool([UInt8](repeating: Column.boolNA, count: count))
        case .date: return .date([Int32](repeating: Column.dateNA, count: count))
        case .string: return .string(codes: [UInt32](repeating: Column.stringNA, count: count), dictionary: [])
        }
    }
}
