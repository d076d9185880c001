#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads CSV (RFC 4180: optional double quotes, `""` inside quotes, CRLF or LF line ends) in
/// UTF-8, with or without a byte-order mark, into a typed `Table`. Files are opened read
/// only. `CSVOptions` says what is missing, the delimiter (else comma, semicolon or tab,
/// found from the header line), the date formats, whether numbers may have spaces around
/// them and whether they may have a decimal comma (by default: in semicolon files).
///
/// Types are inferred per column from its non-missing values: integer, then double, then
/// date (ISO `YYYY-MM-DD`, or a format of `CSVOptions.dateFormats`, one format per column),
/// then boolean (`true/false`, `TRUE/FALSE`, `True/False`), else text (dictionary-encoded).
/// An empty field and the `naStrings` (`NA` by default, quoted or not, as R's `read.csv`)
/// are missing. Numbers are decimal (`1.5`, `-2e3`); `Inf`, `-Inf` and `Infinity` in any
/// case are the infinite numbers (as R reads them: a survival time of Inf is the language's
/// to refuse), `NaN` in any case is missing (lart has one missing value for numbers). A
/// value that has the shape of a date but is not a real day (`2019-13-02`) is an error,
/// never silently text. Header names lose the spaces around them.
///
/// A column that is numbers (or dates, or booleans) but for a few values is read as text
/// and reported by a `DataWarning` naming the values and where they are (the rule is on
/// `CSVReader.diagnose`); so is a column of dates in a usual format not asked for
/// (`03/25/2019`). With date formats given, a column mostly of dates with other values is
/// an error instead.
///
/// Errors (`DataError`) name the file, line, row and column: a file that is not UTF-8 (with
/// the byte, the field as Latin-1 would read it, and the `iconv` command), a quote never
/// closed, text after a closing quote, a row with more or fewer fields than the header, an
/// empty or duplicate column name, an empty file, a date format that cannot be read.
///
/// Algorithm: one pass over the bytes parses every column speculatively into its typed
/// array (an integer column widens to double in place); only columns that turn out to be
/// text, or dates in another format than their first values suggested, are read again, in
/// a second pass. Text is checked to be UTF-8 when it enters a dictionary (numbers are
/// ASCII by construction), so a file of numbers is never scanned for its encoding. Then
/// the distinct values of each text column are classified (`diagnose`).
public enum CSVReader {

    /// The table of a CSV file with the default options (warnings dropped).
    public static func read(path: String) throws -> Table {
        try read(path: path, options: CSVOptions()).table
    }

    /// The table of a CSV file and what in it was probably not read as meant.
    public static func read(path: String, options: CSVOptions) throws -> CSVReadResult {
        let bytes = try readFile(path)
        return try parse(bytes, origin: path, options: options)
    }

    public static func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw DataError(file: path, message: "cannot open the file (\(String(cString: strerror(errno)))); check the path")
        }
        defer { fclose(f) }
        // A regular file is read in one go into a buffer of its size.
        var st = stat()
        if fstat(fileno(f), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 {
            let size = Int(st.st_size)
            var got = 0
            let out = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
                while got < size {
                    let n = fread(buf.baseAddress! + got, 1, size - got, f)
                    if n == 0 { break }
                    got += n
                }
                count = got
            }
            if ferror(f) != 0 { throw DataError(file: path, message: "read error") }
            let next = fgetc(f)
            if got == size && next == EOF { return out }
            // The file changed while being read: read what is left in chunks.
            var rest = out
            if next != EOF { rest.append(UInt8(truncatingIfNeeded: next)) }
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 1 << 20, f) }
                if n > 0 { rest.append(contentsOf: chunk[0..<n]) }
                if n < (1 << 20) { break }
            }
            return rest
        }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 1 << 20, f) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if n < (1 << 20) { break }
        }
        if ferror(f) != 0 { throw DataError(file: path, message: "read error") }
        return out
    }

    public static func parse(_ bytes: [UInt8], origin: String) throws -> Table {
        try parse(bytes, origin: origin, options: CSVOptions()).table
    }

    public static func parse(_ bytes: [UInt8], origin: String, options: CSVOptions) throws -> CSVReadResult {
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, origin: origin, options: options) }
    }


    // MARK: - Driver

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, origin: String, options: CSVOptions) throws -> CSVReadResult {
        if let d = options.delimiter, d == 34 || d == 10 || d == 13 || d >= 128 {
            throw DataError(file: origin, message: "the delimiter cannot be a quote, a line end or a byte above 127")
        }
        try checkNotUTF16(buffer, origin: origin)
        let ctx = try Context(origin: origin, delimiter: options.delimiter ?? detectDelimiter(buffer), options: options)
        do {
            return try parseTable(buffer, ctx)
        } catch let e as DataError {
            // A file in another encoding is reported as such before anything it causes.
            if let encoding = encodingError(buffer, origin: origin) { throw encoding }
            throw e
        }
    }

    private static func parseTable(_ buffer: UnsafeBufferPointer<UInt8>, _ ctx: Context) throws -> CSVReadResult {
        let origin = ctx.origin
        var scanner = Scanner(buf: buffer, delimiter: ctx.delimiter)
        var header = [String]()
        var headerUTF8 = true
        guard try scanner.record(origin, { _, b in
            if !isUTF8(b) { headerUTF8 = false }
            header.append(String(decoding: Context.trimmed(b, ctx.isSpace), as: UTF8.self))
        }) != nil else {
            throw DataError(file: origin, message: "the file is empty: expected a header row naming the columns")
        }
        if !headerUTF8, let e = encodingError(buffer, origin: origin) { throw e }
        try checkHeader(header, origin: origin)
        scanner.names = header
        let width = header.count
        // Records are at most the line ends left: reserve that much in each column.
        var lineEnds = 0
        if let base = buffer.baseAddress, scanner.pos < buffer.count {
            var p = UnsafeRawPointer(base + scanner.pos)
            let end = UnsafeRawPointer(base + buffer.count)
            while let hit = memchr(p, 10, p.distance(to: end)) { lineEnds += 1; p = UnsafeRawPointer(hit) + 1 }
        }
        var template = Builder()
        template.expectedRows = lineEnds + 1
        var builders = [Builder](repeating: template, count: width)
        var rows = 0
        var firstError: (column: Int, message: String)?
        let missing = ctx.missing
        let typedMissing = ctx.typedMissing
        // The builders are reached through their buffer: no copy-on-write check per field.
        try builders.withUnsafeMutableBufferPointer { bp in
            while true {
                let rowNumber = rows + 1
                let n = try scanner.record(origin) { col, b in
                    guard col < width else { return }
                    // The common cases inline: a number in a numeric column (a value that
                    // parses is not missing, unless a missing value can look like a number),
                    // a value in a text column. The rest in `field`.
                    switch bp[col].kind {
                    case .double: if !typedMissing, let d = parseDouble(b) { bp[col].doubles.append(d); return }
                    case .int: if !typedMissing, let v = parseInt(b) { bp[col].ints.append(v); return }
                    case .text:
                        if bp[col].textFromStart, !missing.contains(b) { bp[col].text.append(b); return }
                    case .date, .unknown, .bool: break
                    }
                    if let msg = field(&bp[col], b, ctx), firstError == nil { firstError = (col, msg) }
                }
                guard let n else { break }
                if let firstError {
                    throw DataError(file: origin, line: scanner.recordLine, row: rowNumber, column: header[firstError.column], message: firstError.message)
                }
                if n != width {
                    throw DataError(file: origin, line: scanner.recordLine, row: rowNumber,
                                    message: "has \(n) field\(n == 1 ? "" : "s") but the header has \(width); check for a missing or extra \(ctx.delimiterName)")
                }
                rows += 1
            }
        }
        if builders.contains(where: { $0.text.invalidUTF8 }), let e = encodingError(buffer, origin: origin) { throw e }
        var columns = [Column?](repeating: nil, count: width)
        var textColumns = [Int]()
        var rereadColumns = [(column: Int, format: Int)]()
        for c in 0..<width {
            if builders[c].kind == .text && !builders[c].textFromStart {
                textColumns.append(c)
            } else if builders[c].kind == .date && builders[c].dateReread {
                rereadColumns.append((c, builders[c].dateFormat))
            } else {
                columns[c] = builders[c].column(rows: rows)
            }
            builders[c] = Builder()
        }
        if !textColumns.isEmpty || !rereadColumns.isEmpty {
            try secondPass(buffer, ctx, width: width, rows: rows, text: textColumns, dates: rereadColumns, into: &columns)
        }
        let table = Table(names: header, columns: columns.map { $0! }, origin: origin)
        // Where data row r (0-based) is: line r + 2 when the line ends counted are one per
        // record (no blank line, no line end inside quotes); else found by another scan.
        let lastEnds = buffer.last == 10 || buffer.last == 13
        let oneLinePerRecord = scanner.line - 1 == rows + (lastEnds ? 1 : 0)
        let lineOfRow: ((Int) -> Int)? = oneLinePerRecord ? { $0 + 2 } : nil
        let warnings = try diagnose(table, buffer, ctx, lineOfRow: lineOfRow)
        return CSVReadResult(table: table, warnings: warnings)
    }

    /// One field, past the inline cases of the field loop: missing values, ISO dates,
    /// columns whose type is not settled, values that change a column's type.
    @inline(never)
    private static func field(_ builder: inout Builder, _ b: UnsafeBufferPointer<UInt8>, _ ctx: Context) -> String? {
        let missing = ctx.missing
        switch builder.kind {
        case .double, .int:
            if ctx.typedMissing, missing.contains(b) { builder.appendMissing(); return nil }
        case .date:
            if builder.dateMask == 1, case .date(let d) = CivilDate.parse(b), !ctx.typedMissing || !missing.contains(b) {
                builder.dates.append(d.days); return nil
            }
        case .text, .unknown, .bool: break
        }
        if missing.contains(b) { builder.appendMissing(); return nil }
        return builder.append(b, ctx)
    }

    /// Reads again the columns that turned to text after typed values (dictionary-encoding
    /// them) and the date columns whose format a later value settled.
    private static func secondPass(_ buffer: UnsafeBufferPointer<UInt8>, _ ctx: Context, width: Int, rows: Int,
                                   text textColumns: [Int], dates rereadColumns: [(column: Int, format: Int)],
                                   into columns: inout [Column?]) throws {
        // slot >= 0: a text column; slot <= -2: date column -2 - slot.
        var slot = [Int](repeating: -1, count: width)
        for (k, c) in textColumns.enumerated() { slot[c] = k }
        for (j, r) in rereadColumns.enumerated() { slot[r.column] = -2 - j }
        var codes = [[UInt32]](repeating: [], count: textColumns.count)
        for k in 0..<codes.count { codes[k].reserveCapacity(rows) }
        var dicts = [[String]](repeating: [], count: textColumns.count)
        var lookup = [[String: UInt32]](repeating: [:], count: textColumns.count)
        var dates = [[Int32]](repeating: [], count: rereadColumns.count)
        for j in 0..<dates.count { dates[j].reserveCapacity(rows) }
        var invalidUTF8 = false
        let missing = ctx.missing
        var again = Scanner(buf: buffer, delimiter: ctx.delimiter)
        _ = try again.record(ctx.origin) { _, _ in }
        while try again.record(ctx.origin, { col, b in
            guard col < width else { return }
            let k = slot[col]
            if k == -1 { return }
            if k >= 0 {
                if missing.contains(b) { codes[k].append(Column.stringNA); return }
                let s = TextEncoder.string(b, &invalidUTF8)
                if let code = lookup[k][s] { codes[k].append(code) } else {
                    let code = UInt32(dicts[k].count)
                    dicts[k].append(s); lookup[k][s] = code; codes[k].append(code)
                }
            } else {
                let j = -2 - k
                if missing.contains(b) { dates[j].append(Column.dateNA); return }
                switch ctx.formats[rereadColumns[j].format].parse(ctx.typed(b)) {
                case .date(let d): dates[j].append(d.days)
                case .invalid, .notADate:
                    // Every stored value was read in every format still possible.
                    assertionFailure("a date column's values fit its final format")
                    dates[j].append(Column.dateNA)
                }
            }
        }) != nil {}
        if invalidUTF8, let e = encodingError(buffer, origin: ctx.origin) { throw e }
        for (k, c) in textColumns.enumerated() { columns[c] = .string(codes: codes[k], dictionary: dicts[k]) }
        for (j, r) in rereadColumns.enumerated() { columns[r.column] = .date(dates[j]) }
    }

    private static func checkHeader(_ header: [String], origin: String) throws {
        var seen = [String: Int]()
        for (i, name) in header.enumerated() {
            if name.isEmpty {
                throw DataError(file: origin, line: 1, message: "column \(i + 1) of the header has no name; every column needs one")
            }
            if let first = seen[name] {
                throw DataError(file: origin, line: 1, message: "the header names column '\(name)' twice (columns \(first + 1) and \(i + 1)); column names must be unique")
            }
            seen[name] = i
        }
    }
}
