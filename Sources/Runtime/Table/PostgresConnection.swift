@preconcurrency import CDynamic
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The libpq connection of PostgresSource, and the server's column types

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
        guard let c = lart_PQconnectdbParams(k, v, 1) else {
            throw DataSourceError(DataError(file: origin, message: "cannot connect: out of memory"), .location)
        }
        conn = c
        if lart_PQstatus(c) != CONNECTION_OK {
            let raw = String(cString: lart_PQerrorMessage(c))
            lart_PQfinish(c)
            throw DataSourceError(DataError(file: origin, message: PostgresConnection.connectMessage(raw, password: password)), .location)
        }
    }

    func close() { lart_PQfinish(conn) }

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
            guard let res, let p = lart_PQresultErrorField(res, Int32(code.asciiValue!)) else { return nil }
            return String(cString: p)
        }
        var text = field("M") ?? PostgresConnection.firstLineOf(String(cString: lart_PQerrorMessage(conn)))
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
        if lart_PQstatus(conn) == CONNECTION_BAD {
            let reason = PostgresConnection.firstLineOf(String(cString: lart_PQerrorMessage(conn)))
            let after = row.map { $0 == 0 ? " while reading" : " after \($0) row\($0 == 1 ? "" : "s")" } ?? ""
            return DataSourceError(DataError(file: origin, message: "the connection to the server was lost\(after) (\(reason)); try again"), .location)
        }
        var position: Int? = nil
        if case .query = part, let res, let p = lart_PQresultErrorField(res, Int32(Character("P").asciiValue!)) {
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
        let res = lart_PQexec(conn, sql)
        defer { lart_PQclear(res) }
        guard lart_PQresultStatus(res) == PGRES_COMMAND_OK else { throw failure(res, "`\(sql)` failed", part: .location) }
    }

    /// Rows of a query of lart's own, as text (NULL as nil).
    func rows(_ sql: String, _ params: [String] = []) throws -> [[String?]] {
        let copies = params.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let res = lart_PQexecParams(conn, sql, Int32(params.count), nil, values, nil, nil, 0)
        defer { lart_PQclear(res) }
        guard lart_PQresultStatus(res) == PGRES_TUPLES_OK else { throw failure(res, "reading the catalogue failed", part: .location) }
        let n = Int(lart_PQntuples(res)), w = Int(lart_PQnfields(res))
        return (0..<n).map { r in
            (0..<w).map { c in lart_PQgetisnull(res, Int32(r), Int32(c)) == 1 ? nil : String(cString: lart_PQgetvalue(res, Int32(r), Int32(c))) }
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
        let prepared = lart_PQprepare(conn, "", sql, 0, nil)
        defer { lart_PQclear(prepared) }
        guard lart_PQresultStatus(prepared) == PGRES_COMMAND_OK else { throw failure(prepared, what, part: part) }
        let res = lart_PQdescribePrepared(conn, "")
        defer { lart_PQclear(res) }
        guard lart_PQresultStatus(res) == PGRES_COMMAND_OK else { throw failure(res, what, part: part) }
        var fields = [Field]()
        var seen = Set<String>()
        for c in 0..<lart_PQnfields(res) {
            let name = String(cString: lart_PQfname(res, c))
            if !seen.insert(name).inserted {
                throw DataSourceError(DataError(file: origin, column: name, message: "\(what): two columns are called \(name); name them apart with AS"), part)
            }
            fields.append(Field(name: name, type: PostgresType.of(UInt32(lart_PQftype(res, c)))))
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
            let res = lart_PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0)
            defer { lart_PQclear(res) }
            guard lart_PQresultStatus(res) == PGRES_TUPLES_OK else { throw statementFailure(res, what, part: part, row: 0) }
            try append(res, to: &builders, after: 0, fields: fields, origin: origin, part: part, bytes: &bytes)
            return Table(names: fields.map(\.name), columns: builders.map { $0.column() }, origin: origin)
        }
        let declare = lart_PQexecParams(conn, "DECLARE lart_rows NO SCROLL CURSOR FOR " + sql, 0, nil, nil, nil, nil, 0)
        defer { lart_PQclear(declare) }
        guard lart_PQresultStatus(declare) == PGRES_COMMAND_OK else { throw statementFailure(declare, what, part: part, row: nil) }
        var rows = 0
        while true {
            let res = lart_PQexec(conn, "FETCH FORWARD 50000 FROM lart_rows")
            defer { lart_PQclear(res) }
            guard lart_PQresultStatus(res) == PGRES_TUPLES_OK else { throw statementFailure(res, what, part: part, row: rows) }
            let n = Int(lart_PQntuples(res))
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
        let n = Int(lart_PQntuples(res))
        for c in 0..<fields.count {
            let col = Int32(c)
            for r in 0..<n {
                let row = Int32(r)
                if lart_PQgetisnull(res, row, col) == 1 { builders[c].appendMissing(); continue }
                let length = Int(lart_PQgetlength(res, row, col))
                bytes += length
                let value = UnsafeBufferPointer(start: UnsafeRawPointer(lart_PQgetvalue(res, row, col)!).assumingMemoryBound(to: UInt8.self), count: length)
                if let problem = builders[c].append(value) {
                    throw DataSourceError(DataError(file: origin, row: rows + r + 1, column: fields[c].name, message: problem), part)
                }
            }
        }
    }
}

extension String {
    /// Without blanks at either end (libpq's messages end in a newline, hints start with a tab).
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
