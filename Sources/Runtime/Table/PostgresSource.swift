@preconcurrency import CDynamic
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A table or the rows of a query on a PostgreSQL server, through the system's libpq:
/// `postgresql://user@host:port/database` (or `postgres://`).
///
/// The password is never in the location as shown: libpq reads it from `PGPASSWORD` or
/// `~/.pgpass` (`PGPASSFILE`); one written in the URL is removed from every message.
/// Every session is read only (`default_transaction_read_only=on` in the connection options,
/// each read in a `BEGIN READ ONLY` transaction), a query must start with SELECT, WITH,
/// VALUES or TABLE, and it is sent alone (the extended protocol takes one statement).
///
/// Types come from the catalogue (the row description of the statement): boolean is a
/// boolean column; smallint, integer, bigint integers; real, double precision and numeric
/// numbers; date a date column; every other type (text, varchar, timestamp, ...) text, as
/// the server writes it (`character(n)` without its padding). NULL is missing, and so is
/// empty text, as in a CSV file or an SQLite database. Rows are fetched through a cursor, 50,000 at a time,
/// in text and parsed straight into typed columns.
public struct PostgresSource: SQLSource {
    public static let kindName = "PostgreSQL"
    public static let readsFiles = false
    public static let hasTables = true
    public static let summary = "a PostgreSQL URL (postgresql://...)"
    public static func accepts(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// The URL as written (with its password, if it has one): only ever given to libpq.
    let url: String
    public let selection: DataSelection
    /// The URL without its password.
    public let origin: String
    /// The database's name (from the URL, else the user's name, as libpq does).
    public let database: String
    /// The password written in the URL, removed from messages.
    let password: String?
    /// `options` written in the URL, kept before lart's own.
    let userOptions: String?

    public init(location: String, selection: DataSelection) throws {
        url = location
        self.selection = selection
        let redacted = PostgresSource.redact(location)
        origin = redacted
        // libpq is opened with the first PostgreSQL source (not at lart's start).
        if let problem = lart_pq_open() {
            throw DataSourceError(DataError(file: redacted, message: String(cString: problem)), .location)
        }
        var error: UnsafeMutablePointer<CChar>? = nil
        guard let options = lart_PQconninfoParse(location, &error) else {
            var message = error.map { String(cString: $0) } ?? "not a connection URL"
            if let error { lart_PQfreemem(error) }
            message = PostgresSource.firstLine(message).replacing(location, with: redacted)
            if let secret = PostgresSource.writtenPassword(location), secret.count >= 3 { message = message.replacing(secret, with: "***") }
            throw DataSourceError(DataError(file: redacted, message: "not a PostgreSQL URL (\(message)); write postgresql://user@host:port/database"), .location)
        }
        defer { lart_PQconninfoFree(options) }
        var values = [String: String]()
        var i = 0
        while let keyword = options[i].keyword {
            if let v = options[i].val { values[String(cString: keyword)] = String(cString: v) }
            i += 1
        }
        password = values["password"].flatMap { $0.isEmpty ? nil : $0 }
        userOptions = values["options"]
        database = values["dbname"] ?? values["user"] ?? (getenv("PGDATABASE").map { String(cString: $0) }) ?? (getenv("USER").map { String(cString: $0) }) ?? "postgres"
        if case .query(let sql) = selection { try PostgresSource.checkReadOnly(sql, origin: redacted) }
    }

    public var displayName: String {
        switch selection {
        case .all: return database
        case .table(let t): return database + "." + t
        case .query: return database + " (query)"
        }
    }

    public func describe() throws -> [ColumnDescription] {
        try withConnection { c in
            let (sql, _) = try statement(c)
            return try c.describe(sql, part: queryPart).map { ColumnDescription(name: $0.name, kind: $0.type.kind, sourceType: $0.type.name) }
        }
    }

    public func read(columns: [String]?) throws -> Table {
        try withConnection { c in
            let (sql, what) = try statement(c)
            let fields = try c.describe(sql, part: queryPart)
            var chosen = fields
            var select = sql
            if let columns {
                let names = fields.map(\.name)
                for w in columns where !names.contains(w) {
                    throw DataSourceError(DataError(file: origin, column: w, message: "no such column in \(what) (columns: \(names.joined(separator: ", ")))"), queryPart)
                }
                let keep = Set(columns)
                chosen = fields.filter { keep.contains($0.name) }
                select = "SELECT " + chosen.map { PostgresSource.quote($0.name) }.joined(separator: ", ") + " FROM (\n" + sql + "\n) AS lart_source"
            }
            var bytes = 0
            return try c.fetch(select, fields: chosen, origin: origin, part: queryPart, bytes: &bytes)
        }
    }

    /// Where errors of the statement belong: the query, or the table named.
    var queryPart: DataSourceError.Part {
        switch selection {
        case .query: return .query(position: nil)
        case .table: return .table
        case .all: return .location
        }
    }

    // MARK: - Connection

    /// Connects (read only), begins a read-only transaction, runs `body`, ends the
    /// transaction and disconnects.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let c = try PostgresConnection(url: url, userOptions: userOptions, origin: origin, password: password)
        defer { c.close() }
        try c.command("BEGIN READ ONLY")
        let result = try body(c)
        try c.command("ROLLBACK")
        return result
    }

    /// The SELECT that reads the selection, and what it reads in words ("table patients").
    func statement(_ c: PostgresConnection) throws -> (sql: String, what: String) {
        let (relation, what) = try self.relation(c)
        if case .query(let sql) = selection { return (PostgresSource.trimmed(sql), what) }
        return ("SELECT * FROM " + relation, what)
    }

    public var dialect: SQLDialect { .postgres }

    public func run(_ make: (String) -> [SQLStatement]) throws -> [SQLAnswer] {
        try withConnection { c in
            let (relation, _) = try self.relation(c)
            return try make(relation).map { statement in
                let fields = try c.describe(statement.sql, part: queryPart)
                var bytes = 0
                let t = try c.fetch(statement.sql, fields: fields, origin: origin, part: queryPart, bytes: &bytes,
                                    cursor: statement.answer == .rows)
                return SQLAnswer(table: t, bytes: bytes)
            }
        }
    }

    /// The relation the selection reads (a table, or the query in parentheses), and what it
    /// reads in words ("table patients").
    func relation(_ c: PostgresConnection) throws -> (sql: String, what: String) {
        switch selection {
        case .query(let sql):
            return ("(\n" + PostgresSource.trimmed(sql) + "\n) AS lart_source", "the query")
        case .table(let name):
            let tables = try c.relations(visibleOnly: true)
            guard let t = tables.first(where: { $0.name == name }) else {
                let lower = tables.first { $0.name.lowercased() == name.lowercased() }
                let list = tables.map(\.name)
                var message = "no table `\(name)` in database \(database)"
                if let lower { message += "; did you mean `\(lower.name)`?" }
                message += list.isEmpty ? " (it has no tables)" : " (tables: \(list.joined(separator: ", ")))"
                throw DataSourceError(DataError(file: origin, message: message), .table)
            }
            return (PostgresSource.quote(t.schema) + "." + PostgresSource.quote(t.name), "table \(name)")
        case .all:
            let tables = try c.relations(visibleOnly: false).filter { $0.schema == "public" && $0.isTable }
            guard tables.count == 1 else {
                throw DataSourceError(DataError(file: origin, message: tables.isEmpty
                    ? "database \(database) has no table in schema public; name one with `table NAME`, or read a query with `query \"SELECT ...\"`"
                    : "database \(database) has \(tables.count) tables (\(tables.map(\.name).joined(separator: ", "))): say which with `table NAME`"), .location)
            }
            return ("public." + PostgresSource.quote(tables[0].name), "table \(tables[0].name)")
        }
    }

    // MARK: - Text

    /// The URL without a password: `postgresql://user:secret@host/db?password=x` becomes
    /// `postgresql://user@host/db`.
    public static func redact(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        var rest = String(url[scheme.upperBound...])
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            let params = rest[rest.index(after: q)...].split(separator: "&").filter { !$0.lowercased().hasPrefix("password=") }
            query = params.isEmpty ? "" : "?" + params.joined(separator: "&")
            rest = String(rest[..<q])
        }
        // The user information ends at the last '@' before the path.
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            let user = rest[..<at]
            if let colon = user.firstIndex(of: ":") {
                rest = String(user[..<colon]) + String(rest[at...])
            }
        }
        return String(url[..<scheme.upperBound]) + rest + query
    }

    /// The password written in a URL (`user:secret@` or `password=secret`), as written.
    public static func writtenPassword(_ url: String) -> String? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        if let q = rest.firstIndex(of: "?"),
           let p = rest[rest.index(after: q)...].split(separator: "&").first(where: { $0.lowercased().hasPrefix("password=") }) {
            return String(p.dropFirst("password=".count))
        }
        let authority = rest[..<(rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex)]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        return String(authority[authority.index(after: colon)..<at])
    }

    /// A quoted identifier: `"ph.ecog"`.
    static func quote(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }

    /// The query without trailing blanks and semicolons.
    static func trimmed(_ sql: String) -> String {
        var s = Substring(sql)
        while let last = s.last, last == ";" || last.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    static func firstLine(_ s: String) -> String {
        String(s.split(separator: "\n", omittingEmptySubsequences: true).first ?? "").trimmingBlanks()
    }

    /// Only queries that read: the first word (after blanks, comments and parentheses) is
    /// SELECT, WITH, VALUES or TABLE. The read-only transaction stops the rest.
    static func checkReadOnly(_ sql: String, origin: String) throws {
        let chars = Array(sql)
        var i = 0
        while i < chars.count {
            if chars[i].isWhitespace || chars[i] == "(" { i += 1; continue }
            if chars[i] == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                i += 2
                while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 2
                continue
            }
            break
        }
        var word = ""
        let start = i
        while i < chars.count, chars[i].isLetter { word.append(chars[i]); i += 1 }
        guard !["select", "with", "values", "table"].contains(word.lowercased()) else { return }
        let shown = word.isEmpty ? "nothing" : "`\(word)`"
        throw DataSourceError(DataError(file: origin, message: "only queries that read are run (SELECT, WITH, VALUES or TABLE); this one starts with \(shown)"),
                              .query(position: start < chars.count ? start + 1 : nil))
    }
}

/// Where an error of a source belongs in the statement that opened it, so the language can
/// point at the URL, the table name or the place in the query.
public struct DataSourceError: Error, Sendable, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        /// The path or URL (cannot connect, no table to choose).
        case location
        /// The table named with `table NAME`.
        case table
        /// The query; `position` is the 1-based character in it, when the server says.
        case query(position: Int?)
    }
    public var error: DataError
    public var part: Part

    public init(_ error: DataError, _ part: Part) { self.error = error; self.part = part }

    public var description: String { error.description }
}
