@preconcurrency import CLibpq
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
        var error: UnsafeMutablePointer<CChar>? = nil
        guard let options = PQconninfoParse(location, &error) else {
            var message = error.map { String(cString: $0) } ?? "not a connection URL"
            if let error { PQfreemem(error) }
            message = PostgresSource.firstLine(message).replacing(location, with: redacted)
            if let secret = PostgresSource.writtenPassword(location), secret.count >= 3 { message = message.replacing(secret, with: "***") }
            throw DataSourceError(DataError(file: redacted, message: "not a PostgreSQL URL (\(message)); write postgresql://user@host:port/database"), .location)
        }
        defer { PQconninfoFree(options) }
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

/// A column's PostgreSQL type and the `Column` kind it is read into.
struct PostgresType: Sendable {
    var oid: UInt32
    var name: String
    var kind: Column.Kind

    /// Types by OID (pg_type.h); others are read as text.
    static func of(_ oid: UInt32) -> PostgresType {
        switch oid {
        case 16: return PostgresType(oid: oid, name: "boolean", kind: .bool)
        case 20: return PostgresType(oid: oid, name: "bigint", kind: .int)
        case 21: return PostgresType(oid: oid, name: "smallint", kind: .int)
        case 23: return PostgresType(oid: oid, name: "integer", kind: .int)
        case 26: return PostgresType(oid: oid, name: "oid", kind: .int)
        case 700: return PostgresType(oid: oid, name: "real", kind: .double)
        case 701: return PostgresType(oid: oid, name: "double precision", kind: .double)
        case 1700: return PostgresType(oid: oid, name: "numeric", kind: .double)
        case 1082: return PostgresType(oid: oid, name: "date", kind: .date)
        case 25: return PostgresType(oid: oid, name: "text", kind: .string)
        case 1043: return PostgresType(oid: oid, name: "character varying", kind: .string)
        case 1042: return PostgresType(oid: oid, name: "character", kind: .string)
        case 19: return PostgresType(oid: oid, name: "name", kind: .string)
        case 18: return PostgresType(oid: oid, name: "\"char\"", kind: .string)
        case 1114: return PostgresType(oid: oid, name: "timestamp", kind: .string)
        case 1184: return PostgresType(oid: oid, name: "timestamptz", kind: .string)
        default: return PostgresType(oid: oid, name: "oid \(oid)", kind: .string)
        }
    }
}

/// One libpq connection. Not shared: made, used and closed by one call of the source.
final class PostgresConnection {
    let conn: OpaquePointer
    let origin: String
    let password: String?

    init(url: String, userOptions: String?, origin: String, password: String?) throws {
        self.origin = origin
        self.password = password
        // Later keywords win: lart's defaults first (the URL may change them), then the URL,
        // then what lart requires (read only, ISO dates, UTF-8).
        var lartOptions = "-c default_transaction_read_only=on -c DateStyle=ISO,YMD -c extra_float_digits=1"
        if let userOptions, !userOptions.isEmpty { lartOptions = userOptions + " " + lartOptions }
        let pairs: [(String, String)] = [
            ("connect_timeout", "10"), ("application_name", "lart"),
            ("dbname", url),
            ("options", lartOptions), ("client_encoding", "UTF8"),
        ]
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer { keywords.forEach { free($0) }; values.forEach { free($0) } }
        let k: [UnsafePointer<CChar>?] = keywords.map { UnsafePointer($0) } + [nil]
        let v: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        guard let c = PQconnectdbParams(k, v, 1) else {
            throw DataSourceError(DataError(file: origin, message: "cannot connect: out of memory"), .location)
        }
        conn = c
        if PQstatus(c) != CONNECTION_OK {
            let raw = String(cString: PQerrorMessage(c))
            PQfinish(c)
            throw DataSourceError(DataError(file: origin, message: PostgresConnection.connectMessage(raw, password: password)), .location)
        }
    }

    func close() { PQfinish(conn) }

    /// libpq's message in lart's words: `cannot connect to server at "127.0.0.1", port 1:
    /// connection refused; is the server running on that host and accepting TCP/IP
    /// connections?`.
    static func connectMessage(_ raw: String, password: String?) -> String {
        let lines = raw.split(separator: "\n", omittingEmptySubsequences: true).map { String($0).trimmingBlanks() }
        var first = lines.first ?? "unknown error"
        let hint = lines.count > 1 && lines[1].hasPrefix("Is the server") ? lines[1] : nil
        var place = ""
        if first.hasPrefix("connection to "), let failed = first.firstRange(of: " failed: ") {
            place = " to " + first[first.index(first.startIndex, offsetBy: "connection to ".count)..<failed.lowerBound]
            first = String(first[failed.upperBound...])
        }
        for prefix in ["FATAL:  ", "ERROR:  "] where first.hasPrefix(prefix) { first = String(first.dropFirst(prefix.count)) }
        var reason: String
        if first.hasPrefix("fe_sendauth: no password supplied") {
            reason = "the server asks for a password and none was given; set PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass"
        } else if first.hasPrefix("password authentication failed") {
            reason = first + "; check the password in PGPASSWORD or ~/.pgpass"
        } else {
            reason = lowercasedFirst(first)
            if let hint { reason += "; " + lowercasedFirst(hint) }
        }
        var message = "cannot connect\(place): \(reason)"
        if let password, password.count >= 3 { message = message.replacing(password, with: "***") }
        return message
    }

    static func lowercasedFirst(_ s: String) -> String {
        guard let f = s.first, f.isUppercase, s.dropFirst().first?.isUppercase != true else { return s }
        return f.lowercased() + s.dropFirst()
    }

    /// The server's error as a sentence: the message, then its detail and hint.
    func errorText(_ res: OpaquePointer?) -> String {
        func field(_ code: Character) -> String? {
            guard let res, let p = PQresultErrorField(res, Int32(code.asciiValue!)) else { return nil }
            return String(cString: p)
        }
        var text = field("M") ?? PostgresConnection.firstLineOf(String(cString: PQerrorMessage(conn)))
        if let d = field("D") { text += "; " + d }
        if let h = field("H") { text += "; " + h }
        if let password, password.count >= 3 { text = text.replacing(password, with: "***") }
        return text
    }

    static func firstLineOf(_ s: String) -> String {
        var line = String(s.split(separator: "\n", omittingEmptySubsequences: true).first ?? "unknown error").trimmingBlanks()
        for prefix in ["FATAL:  ", "ERROR:  "] where line.hasPrefix(prefix) { line = String(line.dropFirst(prefix.count)) }
        return line
    }

    /// The error of a failed call: lost connections are said so.
    func failure(_ res: OpaquePointer?, _ what: String, part: DataSourceError.Part, row: Int? = nil) -> DataSourceError {
        if PQstatus(conn) == CONNECTION_BAD {
            let reason = PostgresConnection.firstLineOf(String(cString: PQerrorMessage(conn)))
            let after = row.map { $0 == 0 ? " while reading" : " after \($0) row\($0 == 1 ? "" : "s")" } ?? ""
            return DataSourceError(DataError(file: origin, message: "the connection to the server was lost\(after) (\(reason)); try again"), .location)
        }
        var position: Int? = nil
        if case .query = part, let res, let p = PQresultErrorField(res, Int32(Character("P").asciiValue!)) {
            position = Int(String(cString: p))
        }
        let finalPart: DataSourceError.Part
        switch part {
        case .query: finalPart = .query(position: position)
        case .table, .location: finalPart = part
        }
        return DataSourceError(DataError(file: origin, message: "\(what): \(errorText(res))"), finalPart)
    }

    /// Runs a statement of lart's own (no rows).
    func command(_ sql: String) throws {
        let res = PQexec(conn, sql)
        defer { PQclear(res) }
        guard PQresultStatus(res) == PGRES_COMMAND_OK else { throw failure(res, "`\(sql)` failed", part: .location) }
    }

    /// Rows of a query of lart's own, as text (NULL as nil).
    func rows(_ sql: String, _ params: [String] = []) throws -> [[String?]] {
        let copies = params.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let res = PQexecParams(conn, sql, Int32(params.count), nil, values, nil, nil, 0)
        defer { PQclear(res) }
        guard PQresultStatus(res) == PGRES_TUPLES_OK else { throw failure(res, "reading the catalogue failed", part: .location) }
        let n = Int(PQntuples(res)), w = Int(PQnfields(res))
        return (0..<n).map { r in
            (0..<w).map { c in PQgetisnull(res, Int32(r), Int32(c)) == 1 ? nil : String(cString: PQgetvalue(res, Int32(r), Int32(c))) }
        }
    }

    struct Relation { var schema: String; var name: String; var isTable: Bool }

    /// Tables, views and foreign tables outside the system schemas; `visibleOnly`: those
    /// the search path reaches, first by search path order.
    func relations(visibleOnly: Bool) throws -> [Relation] {
        let sql = """
            SELECT n.nspname, c.relname, c.relkind IN ('r', 'p') FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            \(visibleOnly ? "AND pg_catalog.pg_table_is_visible(c.oid)" : "")
            ORDER BY array_position(pg_catalog.current_schemas(false), n.nspname), 1, 2
            """
        return try rows(sql).map { Relation(schema: $0[0] ?? "", name: $0[1] ?? "", isTable: $0[2] == "t") }
    }

    struct Field { var name: String; var type: PostgresType }

    /// The columns a statement returns, from the server's row description (not run).
    func describe(_ sql: String, part: DataSourceError.Part) throws -> [Field] {
        let what: String
        switch part {
        case .query: what = "the query fails"
        case .table, .location: what = "cannot read the table"
        }
        let prepared = PQprepare(conn, "", sql, 0, nil)
        defer { PQclear(prepared) }
        guard PQresultStatus(prepared) == PGRES_COMMAND_OK else { throw failure(prepared, what, part: part) }
        let res = PQdescribePrepared(conn, "")
        defer { PQclear(res) }
        guard PQresultStatus(res) == PGRES_COMMAND_OK else { throw failure(res, what, part: part) }
        var fields = [Field]()
        var seen = Set<String>()
        for c in 0..<PQnfields(res) {
            let name = String(cString: PQfname(res, c))
            if !seen.insert(name).inserted {
                throw DataSourceError(DataError(file: origin, column: name, message: "\(what): two columns are called \(name); name them apart with AS"), part)
            }
            fields.append(Field(name: name, type: PostgresType.of(UInt32(PQftype(res, c)))))
        }
        // Names for the types read as text, from the catalogue.
        let unknown = Set(fields.filter { $0.type.name.hasPrefix("oid ") }.map(\.type.oid))
        for oid in unknown {
            let name = try rows("SELECT pg_catalog.format_type($1::oid, NULL)", [String(oid)]).first?.first ?? nil
            for i in fields.indices where fields[i].type.oid == oid { fields[i].type.name = name ?? "oid \(oid)" }
        }
        return fields
    }

    /// Runs `sql` and parses its rows into typed columns; `bytes` grows by the length of the
    /// values' text. Rows come through a cursor, 50,000 at a time; with `cursor: false` (an
    /// answer known to be small) in one result, so that the server may plan the statement
    /// in parallel (it never does for a cursor's).
    func fetch(_ sql: String, fields: [Field], origin: String, part: DataSourceError.Part, bytes: inout Int, cursor: Bool = true) throws -> Table {
        let what: String
        switch part {
        case .query: what = "the query fails"
        case .table, .location: what = "cannot read the table"
        }
        var builders = fields.map { PostgresColumnBuilder(kind: $0.type.kind, padded: $0.type.oid == 1042) }
        if !cursor {
            let res = PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0)
            defer { PQclear(res) }
            guard PQresultStatus(res) == PGRES_TUPLES_OK else { throw statementFailure(res, what, part: part, row: 0) }
            try append(res, to: &builders, after: 0, fields: fields, origin: origin, part: part, bytes: &bytes)
            return Table(names: fields.map(\.name), columns: builders.map { $0.column() }, origin: origin)
        }
        let declare = PQexecParams(conn, "DECLARE lart_rows NO SCROLL CURSOR FOR " + sql, 0, nil, nil, nil, nil, 0)
        defer { PQclear(declare) }
        guard PQresultStatus(declare) == PGRES_COMMAND_OK else { throw statementFailure(declare, what, part: part, row: nil) }
        var rows = 0
        while true {
            let res = PQexec(conn, "FETCH FORWARD 50000 FROM lart_rows")
            defer { PQclear(res) }
            guard PQresultStatus(res) == PGRES_TUPLES_OK else { throw statementFailure(res, what, part: part, row: rows) }
            let n = Int(PQntuples(res))
            if n == 0 { break }
            try append(res, to: &builders, after: rows, fields: fields, origin: origin, part: part, bytes: &bytes)
            rows += n
        }
        try command("CLOSE lart_rows")
        return Table(names: fields.map(\.name), columns: builders.map { $0.column() }, origin: origin)
    }

    /// The error of a statement of lart's (positions are in the statement sent, not in the
    /// query as written).
    func statementFailure(_ res: OpaquePointer?, _ what: String, part: DataSourceError.Part, row: Int?) -> DataSourceError {
        let e = failure(res, what, part: part, row: row)
        if case .query = e.part { return DataSourceError(e.error, .query(position: nil)) }
        return e
    }

    /// Appends the rows of one result, the first of them row `after + 1` of the statement.
    func append(_ res: OpaquePointer?, to builders: inout [PostgresColumnBuilder], after rows: Int, fields: [Field], origin: String,
                part: DataSourceError.Part, bytes: inout Int) throws {
        let n = Int(PQntuples(res))
        for c in 0..<fields.count {
            let col = Int32(c)
            for r in 0..<n {
                let row = Int32(r)
                if PQgetisnull(res, row, col) == 1 { builders[c].appendMissing(); continue }
                let length = Int(PQgetlength(res, row, col))
                bytes += length
                let value = UnsafeBufferPointer(start: UnsafeRawPointer(PQgetvalue(res, row, col)!).assumingMemoryBound(to: UInt8.self), count: length)
                if let problem = builders[c].append(value) {
                    throw DataSourceError(DataError(file: origin, row: rows + r + 1, column: fields[c].name, message: problem), part)
                }
            }
        }
    }
}

extension String {
    /// Without blanks at either end (libpq's messages end in a newline, hints start with a tab).
    fileprivate func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
