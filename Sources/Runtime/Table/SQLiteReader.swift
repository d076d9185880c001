@preconcurrency import CSQLite

/// Reads a table (or the rows of a query) from an SQLite database into a typed `Table`,
/// through the system's libsqlite3.
///
/// Column types follow the values, as the CSV reader does: integers, reals, text that is
/// entirely ISO dates (`YYYY-MM-DD`) becomes a date column, other text a dictionary-encoded
/// text column; NULL is missing. A column mixing numbers and text is read as text.
public enum SQLiteReader {
    /// All rows of `table`.
    public static func read(path: String, table: String) throws -> Table {
        return try query(path: path, sql: "SELECT * FROM \(quote(table))", origin: "\(path) (table \(table))")
    }

    /// A quoted identifier: `"ph.ecog"`.
    public static func quote(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }

    /// The user tables of a database, sorted.
    public static func tables(path: String) throws -> [String] {
        let t = try query(path: path, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        guard let c = t["name"] else { return [] }
        return (0..<t.rowCount).compactMap { c.text(at: $0) }
    }

    /// The only table of a database; an error naming the tables when there are several.
    public static func readOnlyTable(path: String) throws -> Table {
        let names = try tables(path: path)
        guard names.count == 1 else {
            throw DataError(file: path, message: names.isEmpty ? "the database has no table"
                : "the database has \(names.count) tables (\(names.joined(separator: ", "))): say which with `table NAME`")
        }
        return try read(path: path, table: names[0])
    }

    /// The rows of a SELECT statement.
    public static func query(path: String, sql: String, origin: String? = nil) throws -> Table {
        var bytes = 0
        return try query(path: path, sql: sql, origin: origin, bytes: &bytes)
    }

    /// The rows of a SELECT statement; `bytes` grows by the bytes of the values read (text
    /// as stored, 8 for a number).
    public static func query(path: String, sql: String, origin: String?, bytes: inout Int) throws -> Table {
        let origin = origin ?? path
        var db: OpaquePointer? = nil
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw DataError(file: path, message: "cannot open the database (\(message)); check the path")
        }
        defer { sqlite3_close(db) }
        var stmt: OpaquePointer? = nil
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw DataError(file: path, message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(stmt) }
        let width = Int(sqlite3_column_count(stmt))
        let names = (0..<width).map { String(cString: sqlite3_column_name(stmt, Int32($0))) }
        // Collect values per column, remembering which storage classes were seen.
        var numbers = [[Double]](repeating: [], count: width)
        var texts = [[String?]](repeating: [], count: width)
        var sawText = [Bool](repeating: false, count: width)
        var sawReal = [Bool](repeating: false, count: width)
        var sawNumber = [Bool](repeating: false, count: width)
        var rows = 0
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw DataError(file: path, row: rows + 1, message: String(cString: sqlite3_errmsg(db))) }
            for c in 0..<width {
                let k = Int32(c)
                switch sqlite3_column_type(stmt, k) {
                case SQLITE_NULL:
                    numbers[c].append(.nan); texts[c].append(nil)
                case SQLITE_INTEGER:
                    let v = sqlite3_column_int64(stmt, k)
                    numbers[c].append(Double(v)); texts[c].append(String(v)); sawNumber[c] = true; bytes += 8
                case SQLITE_FLOAT:
                    let v = sqlite3_column_double(stmt, k)
                    numbers[c].append(v); texts[c].append(String(v)); sawNumber[c] = true; sawReal[c] = true; bytes += 8
                default:
                    let s = sqlite3_column_text(stmt, k).map { String(cString: $0) } ?? ""
                    bytes += Int(sqlite3_column_bytes(stmt, k))
                    if s.isEmpty { numbers[c].append(.nan); texts[c].append(nil); continue }
                    numbers[c].append(.nan); texts[c].append(s); sawText[c] = true
                }
            }
            rows += 1
        }
        var columns = [Column]()
        for c in 0..<width {
            if sawText[c] && !sawNumber[c] {
                let dates = texts[c].map { t -> Int32? in
                    guard let t else { return Column.dateNA }
                    if case .date(let d) = CivilDate.parse(t) { return d.days }
                    return nil
                }
                if texts[c].contains(where: { $0 != nil }), dates.allSatisfy({ $0 != nil }) {
                    columns.append(.date(dates.map { $0! }))
                } else {
                    columns.append(Column.fromStrings(texts[c]))
                }
            } else if sawText[c] {
                columns.append(Column.fromStrings(texts[c]))
            } else if sawReal[c] || !sawNumber[c] {
                columns.append(.double(numbers[c]))
            } else {
                columns.append(.int(numbers[c].map { $0.isNaN ? Column.intNA : Int64($0) }))
            }
        }
        return Table(names: names, columns: columns, origin: origin)
    }
}
