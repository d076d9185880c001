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
/// Algorithm: the file is cut into pieces parsed on all cores (`CSVChunks.swift`); a large
/// file is read lazily, each piece's bytes when it is parsed, so that reading overlaps
/// parsing and the file is never all in memory (`CSVFile.swift`). Each piece parses every
/// column read speculatively into its typed array (an integer column widens to double in
/// place); records whose fields are all of their columns' settled types go through a fast
/// path (`CSVFastPath.swift`: numbers and ISO dates read while the field is scanned, values
/// batched), every other record through the general loop, which defines the result. The
/// pieces' types are joined as the single-threaded parse would reach them and the few
/// pieces whose values are stored otherwise are read again for those columns only
/// (`CSVMerge.swift`): the result is the single-threaded parse's, which is also what runs
/// when anything is in doubt. Text is checked to be UTF-8 when it enters a dictionary
/// (numbers are ASCII by construction), so a file of numbers is only looked at eight bytes
/// at a time for its encoding. Then the distinct values of each text column are classified
/// (`diagnose`). Files: options prepared (`CSVContext.swift`), fields (`CSVScanner.swift`),
/// type inference and text dictionaries (`CSVBuilders.swift`), numbers (`CSVNumbers.swift`),
/// what the reader says about a file (`CSVDiagnosis.swift`).
public enum CSVReader {

    /// The table of a CSV file with the default options (warnings dropped).
    public static func read(path: String) throws -> Table {
        try read(path: path, options: CSVOptions()).table
    }

    /// The table of a CSV file and what in it was probably not read as meant.
    public static func read(path: String, options: CSVOptions) throws -> CSVReadResult {
        try read(path: path, options: options, columns: nil)
    }

    public static func parse(_ bytes: [UInt8], origin: String) throws -> Table {
        try parse(bytes, origin: origin, options: CSVOptions()).table
    }

    public static func parse(_ bytes: [UInt8], origin: String, options: CSVOptions) throws -> CSVReadResult {
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, origin: origin, options: options) }
    }

    /// As `parse`, of the columns `columns` (all when nil), with the given parallelism.
    public static func parse(_ bytes: [UInt8], origin: String, options: CSVOptions, columns: [String]?,
                             parallel: Parallelism) throws -> CSVReadResult {
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, origin: origin, options: options, columns: columns, parallel: parallel) }
    }

    /// The columns `columns` of a CSV file (all when nil, else in the file's order; a name
    /// not in the header is an error naming it). Only those columns are parsed: another
    /// column's values are stepped over and give no warning, but the errors are a full
    /// read's (a byte that is not UTF-8 anywhere; a column with a value that may be an
    /// impossible date is read too, then dropped). `cancellation` is checked as the
    /// records are read.
    public static func read(path: String, options: CSVOptions, columns: [String]?,
                            cancellation: Cancellation? = nil) throws -> CSVReadResult {
        let parallel = Parallelism.machine
        let bytes = try readBytes(path, threads: parallel.threads, lazily: true)
        return try parse(bytes, origin: path, options: options, columns: columns, cancellation: cancellation, parallel: parallel)
    }


    // MARK: - Driver

    static func parse(buffer: UnsafeBufferPointer<UInt8>, origin: String, options: CSVOptions, columns: [String]? = nil,
                      cancellation: Cancellation? = nil, parallel: Parallelism = .machine) throws -> CSVReadResult {
        try parse(FileBytes(borrowing: buffer), origin: origin, options: options, columns: columns,
                  cancellation: cancellation, parallel: parallel)
    }

    static func parse(_ bytes: FileBytes, origin: String, options: CSVOptions, columns: [String]?,
                      cancellation: Cancellation?, parallel: Parallelism) throws -> CSVReadResult {
        let buffer = bytes.buffer
        if let d = options.delimiter, d == 34 || d == 10 || d == 13 || d >= 128 {
            throw DataError(file: origin, message: "the delimiter cannot be a quote, a line end or a byte above 127")
        }
        try checkNotUTF16(buffer, origin: origin)
        let ctx = try Context(origin: origin, delimiter: options.delimiter ?? detectDelimiter(buffer), options: options)
        do {
            return try parseTable(bytes, ctx, columns: columns, cancellation: cancellation, parallel: parallel)
        } catch let e as DataError {
            // A file in another encoding is reported as such before anything it causes
            // (bytes released early were UTF-8).
            if !bytes.released, (try? bytes.restore()) != nil, let encoding = encodingError(buffer, origin: origin) { throw encoding }
            throw e
        }
    }

    private static func parseTable(_ bytes: FileBytes, _ ctx: Context, columns wanted: [String]?,
                                   cancellation: Cancellation?, parallel: Parallelism) throws -> CSVReadResult {
        let buffer = bytes.buffer
        let origin = ctx.origin
        try cancellation?.check()
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
        var reading: [Int]? = nil
        if let wanted {
            // The error for a column not in the file is the one of `Table.selecting`.
            let described = header.map { ColumnDescription(name: $0, kind: .string, sourceType: "") }
            let names = Set(try Table.empty(described, origin: origin).selecting(wanted, origin: origin).names)
            reading = header.indices.filter { names.contains(header[$0]) }
        }
        var layout = Layout(dataStart: scanner.pos, firstLine: scanner.line, header: header,
                            projection: Projection(width: header.count, reading: reading))
        // A lazy read is cut at the first line end after each nominal place (read there);
        // if a cut falls inside a quoted field, the pieces do not join and the whole file is
        // read and cut by quote parity.
        var starts: [Int]
        if bytes.lazy, let cuts = try planLazily(bytes, from: layout.dataStart, parallel) {
            starts = cuts
        } else {
            try bytes.restore()
            starts = plan(buffer, from: layout.dataStart, parallel)
        }
        // Where data row r (0-based) is: line r + 2 when the line ends counted are one per
        // record (no blank line, no line end inside quotes); else found by another scan.
        let lastEnds = buffer.last == 10 || buffer.last == 13
        var oneLinePerRecord = false
        // Once the values are parsed, the bytes are needed again only to name a line in a
        // file with more lines than records, or a byte that is not UTF-8: else they are
        // released before the columns are joined (the peak is not the bytes and the
        // columns twice).
        func parsed(_ pieces: [Piece]) {
            let rows = pieces.reduce(0) { $0 + $1.rows }
            let lines = pieces.reduce(layout.firstLine) { $0 + $1.lines }
            oneLinePerRecord = lines - 1 == rows + (lastEnds ? 1 : 0)
            if oneLinePerRecord, headerUTF8, pieces.allSatisfy(\.utf8) { bytes.release() }
        }
        /// The columns of `layout`; nil (and `suspicious` set) when a column not read has a
        /// value that may be an impossible date.
        func parseColumns(_ suspicious: inout Set<Int>) throws -> [Column]? {
            var pieces = [Piece]()
            var columns: [Column]? = nil
            func flagged() -> Bool {
                suspicious = Set(pieces.flatMap(\.suspicious))
                return !suspicious.isEmpty
            }
            var pieced: [Piece]? = nil
            var speculated: [Int: Column] = [:]
            var speculatedInvalidUTF8 = false
            if starts.count > 1 {
                // Columns whose type the first records settle are written into their final
                // arrays as the pieces are parsed (`CSVSpeculation.swift`); the others, and
                // all of them if that fails, are joined from the pieces.
                let head = bytes.lazy ? min(buffer.count, 1 << 20) : buffer.count
                if parallel.speculate, let speculation = Speculation.predict(buffer, ctx, layout, head: head, pieces: starts.count,
                                                                                    sample: parallel.sampleBytes) {
                    speculated = try speculation.withColumns {
                        pieced = try parsePieces(bytes, ctx, layout, starts: starts, threads: parallel.threads, fastPath: parallel.fastPath,
                                                 speculation: speculation, cancellation: cancellation)
                        return pieced == nil ? nil : speculation.rows(pieces: starts.count)
                    } ?? [:]
                    speculatedInvalidUTF8 = speculation.invalidUTF8
                } else {
                    pieced = try parsePieces(bytes, ctx, layout, starts: starts, threads: parallel.threads, fastPath: parallel.fastPath,
                                             cancellation: cancellation)
                }
                if pieced == nil, bytes.lazy {
                    try bytes.restore()
                    starts = plan(buffer, from: layout.dataStart, parallel)
                    if starts.count > 1 {
                        pieced = try parsePieces(bytes, ctx, layout, starts: starts, threads: parallel.threads, fastPath: parallel.fastPath, cancellation: cancellation)
                    }
                }
            }
            if let p = pieced {
                pieces = p
                if flagged() { return nil }
                columns = try merge(&pieces, bytes, ctx, layout, speculated: speculated, speculatedInvalidUTF8: speculatedInvalidUTF8,
                                    cancellation: cancellation, parsed: parsed)
            }
            if columns == nil {
                // In one piece: the single-threaded parse (its errors name the right lines and rows).
                try bytes.restore()
                pieces = [try parsePiece(buffer, ctx, layout, from: layout.dataStart, to: buffer.count, line: layout.firstLine,
                                         rowBase: 0, fastPath: parallel.fastPath, cancellation: cancellation)]
                if flagged() { return nil }
                columns = try merge(&pieces, bytes, ctx, layout, cancellation: cancellation, parsed: parsed)
            }
            return columns
        }
        // A value in a column not asked for that may be an impossible date: those columns
        // are read too (and dropped), so that the file gives the error it gives when every
        // column is read.
        var extra = Set<Int>()
        var columns: [Column]
        while true {
            var suspicious = Set<Int>()
            if let c = try parseColumns(&suspicious) { columns = c; break }
            try bytes.restore()
            extra.formUnion(suspicious)
            let all = Set(reading ?? []).union(extra)
            layout = Layout(dataStart: layout.dataStart, firstLine: layout.firstLine, header: header,
                            projection: Projection(width: header.count, reading: all.sorted()))
        }
        // Lines of rows are found by scanning the bytes again.
        if !oneLinePerRecord { try bytes.restore() }
        var table = Table(names: layout.projection.columns.map { header[$0] }, columns: columns, origin: origin)
        let lineOfRow: ((Int) -> Int)? = oneLinePerRecord ? { $0 + 2 } : nil
        var warnings = try diagnose(table, buffer, ctx, lineOfRow: lineOfRow)
        if !extra.isEmpty {
            let asked = Set((reading ?? []).map { header[$0] })
            table = try table.selecting(table.names.filter(asked.contains), origin: origin)
            warnings = warnings.filter { asked.contains($0.column) }
        }
        return CSVReadResult(table: table, warnings: warnings)
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
