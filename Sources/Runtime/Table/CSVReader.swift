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

    // MARK: - Settings of one read

    /// The options of one read, prepared. A class, so that the field loop reaches it
    /// without copying (and retaining) its arrays.
    final class Context {
        let origin: String
        let delimiter: UInt8
        /// ISO first, then the formats asked for.
        let formats: [DateFormat]
        /// Formats were asked for: a column mostly of dates with other values is an error.
        let strictDates: Bool
        let trim: Bool
        /// `1,5` is one and a half.
        let decimalComma: Bool
        let naStrings: [String]
        /// The missing values, end to end, and where each starts (owned here, see `missing`).
        private let pool: UnsafeMutableBufferPointer<UInt8>
        private let starts: UnsafeMutableBufferPointer<Int>
        /// The matcher of missing values: plain pointers into `pool`, valid while this lives.
        let missing: MissingValues
        /// A missing value reads as a number, a date or a boolean.
        let typedMissing: Bool
        /// The first bytes of values that may be typed (see `mayBeTyped`).
        private let typedFirstLow: UInt64
        private let typedFirstHigh: UInt64
        private let typedFirstNonASCII: Bool

        /// False when the bytes (trimmed if trimming) cannot be a number, a boolean or a
        /// date in a format read: a quick test on the first byte.
        @inline(__always)
        func mayBeTyped(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let c = b.first else { return false }
            if c < 64 { return (typedFirstLow >> UInt64(c)) & 1 != 0 }
            if c < 128 { return (typedFirstHigh >> UInt64(c - 64)) & 1 != 0 }
            return typedFirstNonASCII
        }

        init(origin: String, delimiter: UInt8, options: CSVOptions) throws {
            self.origin = origin
            self.delimiter = delimiter
            var formats = [DateFormat.iso]
            for text in options.dateFormats {
                let f: DateFormat
                do { f = try DateFormat(text) } catch let e as DateFormatError {
                    throw DataError(file: origin, message: e.description)
                }
                if !formats.contains(where: { $0.pieces == f.pieces }) { formats.append(f) }
            }
            guard formats.count <= 64 else { throw DataError(file: origin, message: "at most 63 date formats") }
            self.formats = formats
            strictDates = !options.dateFormats.isEmpty
            trim = options.trimNumbers
            decimalComma = options.decimalComma ?? (delimiter == 59)
            naStrings = options.naStrings
            var bytes = [UInt8](), ends = [0]
            for v in options.naStrings where !v.isEmpty { bytes.append(contentsOf: v.utf8); ends.append(bytes.count) }
            pool = .allocate(capacity: max(bytes.count, 1))
            _ = pool.initialize(from: bytes)
            starts = .allocate(capacity: ends.count)
            _ = starts.initialize(from: ends)
            var low: UInt64 = 0, high: UInt64 = 0, nonASCII = false
            for v in options.naStrings {
                guard let c = v.utf8.first else { continue }
                if c < 64 { low |= 1 << UInt64(c) } else if c < 128 { high |= 1 << UInt64(c - 64) } else { nonASCII = true }
            }
            missing = MissingValues(pool: UnsafePointer(pool.baseAddress!), starts: UnsafePointer(starts.baseAddress!),
                                    count: ends.count - 1, maxLength: zip(ends.dropFirst(), ends).map { $0 - $1 }.max() ?? 0,
                                    trim: options.trimNumbers, tabIsSpace: delimiter != 9,
                                    firstLow: low, firstHigh: high, firstNonASCII: nonASCII)
            // Can a missing value pass for a number, a date or a boolean (`-99`, `1900-01-01`)?
            // If not, a value that parses as the column's type is never missing, and the
            // field loop parses first and looks for missing values only when that fails.
            var typed = false
            for v in options.naStrings where !v.isEmpty {
                var t = v
                t.withUTF8 { raw in
                    let b = Self.trimmed(raw) { $0 == 32 || $0 == 9 }
                    if parseDouble(b) != nil || parseDecimalComma(b) != nil || parseBool(b) != nil { typed = true }
                    for f in formats { if case .date = f.parse(b) { typed = true } }
                }
            }
            typedMissing = typed
            // The bytes a number, a boolean or a date in one of the formats can start with.
            var first = Set<UInt8>(Array("0123456789+-.iInNtTfF".utf8))
            for f in formats {
                switch f.pieces.first {
                case .literal(let c)?: first.insert(c)
                case .monthName?: first.formUnion(Array("jfmasondJFMASOND".utf8))
                case .year?, .month?, .day?, nil: break
                }
            }
            var tLow: UInt64 = 0, tHigh: UInt64 = 0
            for c in first where c < 128 { if c < 64 { tLow |= 1 << UInt64(c) } else { tHigh |= 1 << UInt64(c - 64) } }
            typedFirstLow = tLow; typedFirstHigh = tHigh
            typedFirstNonASCII = first.contains { $0 >= 128 }
        }

        deinit {
            pool.deallocate()
            starts.deallocate()
        }

        @inline(__always)
        func isSpace(_ c: UInt8) -> Bool { c == 32 || (c == 9 && delimiter != 9) }

        /// A number, with a decimal point or (when read) a decimal comma.
        func number(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
            if let d = parseDouble(b) { return d }
            guard decimalComma else { return nil }
            return parseDecimalComma(b)
        }

        /// The bytes without the spaces around them (when trimming).
        @inline(__always)
        func typed(_ b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
            guard trim, b.count > 0, isSpace(b[0]) || isSpace(b[b.count - 1]) else { return b }
            return Self.trimmed(b, isSpace)
        }

        static func trimmed(_ b: UnsafeBufferPointer<UInt8>, _ space: (UInt8) -> Bool) -> UnsafeBufferPointer<UInt8> {
            var lo = 0, hi = b.count
            while lo < hi, space(b[lo]) { lo += 1 }
            while hi > lo, space(b[hi - 1]) { hi -= 1 }
            return UnsafeBufferPointer(rebasing: b[lo..<hi])
        }

        var delimiterName: String {
            switch delimiter {
            case 44: return "comma"
            case 59: return "semicolon"
            case 9: return "tab"
            default: return "'" + String(decoding: [delimiter], as: UTF8.self) + "'"
            }
        }
    }

    /// The values that mean missing, compared byte by byte. Plain pointers (no reference
    /// counting in the field loop) into storage its `Context` owns.
    struct MissingValues {
        let pool: UnsafePointer<UInt8>
        let starts: UnsafePointer<Int>
        let count: Int
        let maxLength: Int
        let trim: Bool
        let tabIsSpace: Bool
        /// The first bytes of the values: bits for 0-63 and 64-127, and whether one is above.
        let firstLow: UInt64
        let firstHigh: UInt64
        let firstNonASCII: Bool

        @inline(__always)
        func contains(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            let n = b.count
            if n == 0 { return true }
            let c = b[0]
            if trim, isSpace(c) || isSpace(b[n - 1]) {
                let t = Context.trimmed(b, isSpace)
                return t.isEmpty || (t.count <= maxLength && listed(t)) || (n <= maxLength && listed(b))
            }
            guard n <= maxLength, startsOne(c) else { return false }
            return listed(b)
        }

        @inline(__always)
        private func startsOne(_ c: UInt8) -> Bool {
            if c < 64 { return (firstLow >> UInt64(c)) & 1 != 0 }
            if c < 128 { return (firstHigh >> UInt64(c - 64)) & 1 != 0 }
            return firstNonASCII
        }

        @inline(__always)
        private func isSpace(_ c: UInt8) -> Bool { c == 32 || (c == 9 && tabIsSpace) }

        private func listed(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            for k in 0..<count {
                let from = starts[k], to = starts[k + 1]
                guard to - from == b.count else { continue }
                var same = true
                for i in 0..<b.count where pool[from + i] != b[i] { same = false; break }
                if same { return true }
            }
            return false
        }
    }

    // MARK: - Scanning

    /// Walks records field by field. `field` gets (columnIndex, bytes).
    struct Scanner {
        let buf: UnsafeBufferPointer<UInt8>
        let delimiter: UInt8
        var pos: Int
        var line = 1
        /// The line the last record started on.
        var recordLine = 1
        var scratch = [UInt8]()
        /// Column names for messages (empty while the header is read).
        var names: [String] = []

        init(buf: UnsafeBufferPointer<UInt8>, delimiter: UInt8) {
            self.buf = buf
            self.delimiter = delimiter
            pos = Self.start(of: buf)
        }

        /// Where the text starts: after a UTF-8 byte-order mark, if any.
        static func start(of buf: UnsafeBufferPointer<UInt8>) -> Int {
            (buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) ? 3 : 0
        }

        func columnName(_ col: Int) -> String {
            col < names.count ? names[col] : String(col + 1)
        }

        /// Reads one record; returns the number of fields, or nil at end of input.
        /// Blank lines are skipped.
        @inline(__always)
        mutating func record(_ origin: String, _ field: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int? {
            // Position and line in locals (registers) while scanning; written back at the end.
            let d = delimiter
            let n = buf.count
            guard let base = buf.baseAddress else { return nil }
            var p = pos
            var ln = line
            defer { pos = p; line = ln }
            while p < n, base[p] == 10 || base[p] == 13 {
                if base[p] == 10 { ln += 1 }
                p += 1
            }
            if p >= n { return nil }
            recordLine = ln
            var col = 0
            while true {
                if p < n, base[p] == 34 { // quoted field
                    let startLine = ln
                    p += 1
                    scratch.removeAll(keepingCapacity: true)
                    var closed = false
                    while p < n {
                        let c = base[p]
                        if c == 34 {
                            if p + 1 < n, base[p + 1] == 34 { scratch.append(34); p += 2; continue }
                            p += 1; closed = true; break
                        }
                        if c == 10 { ln += 1 }
                        scratch.append(c); p += 1
                    }
                    if !closed {
                        throw DataError(file: origin, line: startLine, column: columnName(col),
                                        message: "a quoted field is never closed: add the closing \" (the field runs to the end of the file)")
                    }
                    try scratch.withUnsafeBufferPointer { try field(col, $0) }
                    if p < n, base[p] != d, base[p] != 10, base[p] != 13 {
                        throw afterQuote(origin, col, startLine, at: p, line: ln)
                    }
                } else {
                    let start = p
                    while p < n { let c = base[p]; if c == d || c == 10 || c == 13 { break }; p += 1 }
                    try field(col, UnsafeBufferPointer(start: base + start, count: p - start))
                }
                col += 1
                if p >= n { break }
                let c = base[p]
                if c == d { p += 1; if p >= n { try field(col, UnsafeBufferPointer(start: base + p, count: 0)); col += 1; break }; continue }
                // end of record
                if c == 13 { p += 1; if p < n, base[p] == 10 { p += 1 } } else { p += 1 }
                ln += 1
                break
            }
            return col
        }

        /// The error for text after a closing quote (at `pos`), with what the text suggests.
        private func afterQuote(_ origin: String, _ col: Int, _ startLine: Int, at pos: Int, line: Int) -> DataError {
            var end = pos
            while end < buf.count, end - pos < 20, buf[end] != 10, buf[end] != 13 { end += 1 }
            let after = String(decoding: UnsafeBufferPointer(rebasing: buf[pos..<end]), as: UTF8.self)
            var message = "unexpected text after a closing quote (\(CSVReader.quote(after)))"
            if startLine != line { message += ", in a quoted field opened on line \(startLine)" }
            message += "; a quote inside a quoted field is written \"\""
            let c = buf[pos]
            if c == 44 || c == 59 || c == 9 {
                let name = c == 44 ? "\",\"" : c == 59 ? "\";\"" : "\"\\t\""
                message += "; if the fields are separated by \(name), say so: delimiter \(name)"
            }
            return DataError(file: origin, line: line, column: columnName(col), message: message)
        }
    }

    // MARK: - Typed builders

    enum Kind { case unknown, int, double, date, bool, text }

    struct Builder {
        var kind = Kind.unknown
        var leadingMissing = 0
        /// Capacity to reserve for a typed array (an upper bound on the rows).
        var expectedRows = 0
        var ints = [Int64]()
        var doubles = [Double]()
        var dates = [Int32]()
        var bools = [UInt8]()
        /// A column whose first value is text is dictionary-encoded in the first pass; a
        /// column that turns to text later is read again in the second pass.
        var textFromStart = false
        var text = TextEncoder()
        /// A date column: the formats (bits into `Context.formats`) that read every value so
        /// far, and the one the values are stored in.
        var dateMask: UInt64 = 0
        var dateFormat = 0
        /// The stored dates were read in a format a later value ruled out: read them again.
        var dateReread = false

        mutating func appendMissing() {
            switch kind {
            case .unknown: leadingMissing += 1
            case .int: ints.append(Column.intNA)
            case .double: doubles.append(.nan)
            case .date: dates.append(Column.dateNA)
            case .bool: bools.append(Column.boolNA)
            case .text: if textFromStart { text.codes.append(Column.stringNA) }
            }
        }

        /// Returns a message when the value is an error (an impossible date).
        mutating func append(_ raw: UnsafeBufferPointer<UInt8>, _ ctx: Context) -> String? {
            let b = ctx.typed(raw)
            switch kind {
            case .text:
                if textFromStart { text.append(raw) }
                return nil
            case .int:
                if let v = parseInt(b) { ints.append(v); return nil }
                if let d = ctx.number(b) {
                    doubles = []
                    doubles.reserveCapacity(expectedRows)
                    for v in ints { doubles.append(v == Column.intNA ? .nan : Double(v)) }
                    ints = []
                    doubles.append(d); kind = .double; return nil
                }
                return becomeText(b, ctx)
            case .double:
                if let d = ctx.number(b) { doubles.append(d); return nil }
                return becomeText(b, ctx)
            case .date:
                return appendDate(b, ctx)
            case .bool:
                if let v = parseBool(b) { bools.append(v); return nil }
                return becomeText(b, ctx)
            case .unknown:
                if let v = parseInt(b) {
                    kind = .int; ints = [Int64](repeating: Column.intNA, count: leadingMissing)
                    ints.reserveCapacity(expectedRows); ints.append(v); return nil
                }
                if let d = ctx.number(b) {
                    kind = .double; doubles = [Double](repeating: .nan, count: leadingMissing)
                    doubles.reserveCapacity(expectedRows); doubles.append(d); return nil
                }
                var mask: UInt64 = 0
                var first: Int32 = 0
                var invalid = -1
                for k in 0..<ctx.formats.count {
                    switch ctx.formats[k].parse(b) {
                    case .date(let d):
                        if mask == 0 { first = d.days; dateFormat = k }
                        mask |= 1 << UInt64(k)
                    case .invalid: if invalid < 0 { invalid = k }
                    case .notADate: break
                    }
                }
                if mask != 0 {
                    kind = .date; dateMask = mask
                    dates = [Int32](repeating: Column.dateNA, count: leadingMissing)
                    dates.reserveCapacity(expectedRows); dates.append(first); return nil
                }
                if invalid >= 0 { return notARealDay(b, ctx.formats[invalid]) }
                if let v = parseBool(b) {
                    kind = .bool; bools = [UInt8](repeating: Column.boolNA, count: leadingMissing); bools.append(v); return nil
                }
                kind = .text
                textFromStart = true
                text.codes = [UInt32](repeating: Column.stringNA, count: leadingMissing)
                text.codes.reserveCapacity(expectedRows)
                text.append(raw)
                return nil
            }
        }

        /// A value in a date column: kept in the stored format if it fits; else in the first
        /// format still possible (the column is then read again); else the column is text.
        private mutating func appendDate(_ b: UnsafeBufferPointer<UInt8>, _ ctx: Context) -> String? {
            var fits: UInt64 = 0
            var stored: Int32? = nil
            var firstFit = -1, firstDays: Int32 = 0
            var invalid = -1
            var m = dateMask
            while m != 0 {
                let k = m.trailingZeroBitCount
                m &= m - 1
                switch ctx.formats[k].parse(b) {
                case .date(let d):
                    fits |= 1 << UInt64(k)
                    if k == dateFormat { stored = d.days }
                    if firstFit < 0 { firstFit = k; firstDays = d.days }
                case .invalid: if invalid < 0 { invalid = k }
                case .notADate: break
                }
            }
            if fits != 0 {
                dateMask = fits
                if let stored { dates.append(stored) } else {
                    dateFormat = firstFit; dateReread = true; dates.append(firstDays)
                }
                return nil
            }
            if invalid >= 0 { return notARealDay(b, ctx.formats[invalid]) }
            return becomeText(b, ctx)
        }

        private mutating func becomeText(_ b: UnsafeBufferPointer<UInt8>, _ ctx: Context) -> String? {
            // A value with the shape of a date but no real day is an error in any column;
            // any other value that is not of the column's type makes it a text column.
            var invalid = -1, isDate = false
            for k in 0..<ctx.formats.count {
                switch ctx.formats[k].parse(b) {
                case .date: isDate = true
                case .invalid: if invalid < 0 { invalid = k }
                case .notADate: break
                }
            }
            if !isDate, invalid >= 0 { return notARealDay(b, ctx.formats[invalid]) }
            kind = .text; ints = []; doubles = []; dates = []; bools = []
            return nil
        }

        private func notARealDay(_ b: UnsafeBufferPointer<UInt8>, _ format: DateFormat) -> String {
            "'\(String(decoding: b, as: UTF8.self))' is not a date (expected \(format.display) with a real month and day)"
        }

        func column(rows: Int) -> Column {
            switch kind {
            case .unknown: return .string(codes: [UInt32](repeating: Column.stringNA, count: rows), dictionary: [])
            case .int: return .int(ints)
            case .double: return .double(doubles)
            case .date: return .date(dates)
            case .bool: return .bool(bools)
            case .text:
                precondition(textFromStart, "text columns that turned to text late are built in the second pass")
                return .string(codes: text.codes, dictionary: text.dictionary)
            }
        }
    }

    /// Dictionary encoding of one text column. A handful of distinct values (the usual
    /// factor) is matched byte by byte without building a String; past that, a hash map.
    /// Each new value is checked to be UTF-8.
    struct TextEncoder {
        var codes = [UInt32]()
        var dictionary = [String]()
        /// A value was not UTF-8.
        var invalidUTF8 = false
        /// The first `linearLimit` entries' bytes, end to end, and where each starts.
        private var pool = [UInt8]()
        private var starts = [0]
        private var lookup = [String: UInt32]()
        private var last = -1
        static let linearLimit = 16

        mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
            let small = dictionary.count <= Self.linearLimit
            var s: String
            if small {
                let hit = pool.withUnsafeBufferPointer { p -> Int in
                    if last >= 0, Self.same(p, starts[last], starts[last + 1], b) { return last }
                    for k in 0..<(starts.count - 1) where Self.same(p, starts[k], starts[k + 1], b) { return k }
                    return -1
                }
                if hit >= 0 { last = hit; codes.append(UInt32(hit)); return }
                s = Self.string(b, &invalidUTF8)
            } else {
                s = Self.string(b, &invalidUTF8)
                if let code = lookup[s] { codes.append(code); return }
            }
            let code = UInt32(dictionary.count)
            dictionary.append(s); lookup[s] = code
            if dictionary.count <= Self.linearLimit {
                pool.append(contentsOf: b); starts.append(pool.count)
                last = Int(code)
            }
            codes.append(code)
        }

        /// The bytes as a String; `invalid` set when they are not UTF-8 (then repaired).
        @inline(__always)
        static func string(_ b: UnsafeBufferPointer<UInt8>, _ invalid: inout Bool) -> String {
            if !CSVReader.isUTF8(b) { invalid = true }
            return String(decoding: b, as: UTF8.self)
        }

        @inline(__always)
        static func same(_ pool: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
            guard to - from == b.count else { return false }
            for i in 0..<b.count where pool[from + i] != b[i] { return false }
            return true
        }
    }

    /// Decimal integer with optional sign, at most 18 digits.
    static func parseInt(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var neg = false
        if b.count > 0, b[0] == 45 || b[0] == 43 { neg = b[0] == 45; i = 1 }
        let digits = b.count - i
        guard digits > 0, digits <= 18 else { return nil }
        var v: Int64 = 0
        while i < b.count {
            let d = b[i] &- 48
            guard d <= 9 else { return nil }
            v = v &* 10 &+ Int64(d)    // at most 18 digits: no overflow
            i += 1
        }
        return neg ? -v : v
    }

    /// Decimal number (digits, optional point, optional exponent), `Inf`, `-Inf`, `NaN`.
    /// Simple shapes with at most 15 significant digits and a small exponent are built
    /// exactly from an integer mantissa and a power of ten (both exact in binary64, so one
    /// correctly rounded division or multiplication); everything else goes to strtod.
    @inline(__always)
    static func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        // The usual shape first: digits, an optional point and digits, 15 digits at most
        // (so the mantissa is exact and the arithmetic cannot overflow).
        let n = b.count
        guard n > 0, let p = b.baseAddress else { return nil }
        var i = 0
        let neg = p[0] == 45
        if neg || p[0] == 43 { i = 1 }
        var mantissa: Int64 = 0
        let intStart = i
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ Int64(d); i += 1
        }
        let intDigits = i - intStart
        var fracDigits = 0
        if i < n, p[i] == 46 {
            i += 1
            let fracStart = i
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ Int64(d); i += 1
            }
            fracDigits = i - fracStart
        }
        let digits = intDigits + fracDigits
        if i == n, digits > 0, digits <= 15 {
            let v = fracDigits == 0 ? Double(mantissa) : Double(mantissa) / pow10(fracDigits)
            return neg ? -v : v
        }
        return parseDoubleGeneral(b)
    }

    /// Every other shape of `parseDouble`: more digits, exponents, Inf and NaN.
    @inline(never)
    static func parseDoubleGeneral(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = b.count
        guard n > 0 else { return nil }
        var i = 0
        var neg = false
        if b[0] == 45 || b[0] == 43 { neg = b[0] == 45; i = 1 }
        var mantissa: Int64 = 0
        var significant = 0
        var fracDigits = 0
        var sawDigit = false
        var sawPoint = false
        var simple = true
        while i < n {
            let c = b[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                if mantissa > 0 || c != 48 { significant += 1 }
                if significant > 15 { simple = false; break }
                mantissa = mantissa * 10 + Int64(c - 48)
                if sawPoint { fracDigits += 1 }
            } else if c == 46 && !sawPoint {
                sawPoint = true
            } else { simple = false; break }
            i += 1
        }
        if simple && sawDigit && fracDigits <= 22 {
            let v = fracDigits == 0 ? Double(mantissa) : Double(mantissa) / pow10(fracDigits)
            return neg ? -v : v
        }
        // General path: Inf, NaN, or validate the shape, then strtod.
        if let special = specialNumber(b) { return special }
        guard looksNumeric(b) else { return nil }
        var text = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { text[k] = CChar(bitPattern: b[k]) }
        return text.withUnsafeMutableBufferPointer { p -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let r = strtod(p.baseAddress!, &end)
            return end == p.baseAddress! + n ? r : nil
        }
    }

    /// 10^k for 0 <= k <= 22, exact in binary64 (a literal table: no lazy global to check).
    @inline(__always)
    private static func pow10(_ k: Int) -> Double {
        switch k {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// A number with one decimal comma (`-1,5`, `2,5e3`), read as with a point.
    static func parseDecimalComma(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var comma = -1
        for i in 0..<b.count {
            if b[i] == 46 { return nil }
            if b[i] == 44 { if comma >= 0 { return nil }; comma = i }
        }
        guard comma >= 0, b.count <= 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: b.count) { tmp -> Double? in
            for i in 0..<b.count { tmp[i] = b[i] }
            tmp[comma] = 46
            return parseDouble(UnsafeBufferPointer(tmp))
        }
    }

    /// `Inf`, `+Inf`, `-Inf`, `Infinity`, `NaN` in any case (NaN is the missing number).
    static func specialNumber(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var sign: Double = 1
        if b.count > 0, b[0] == 45 || b[0] == 43 { sign = b[0] == 45 ? -1 : 1; i = 1 }
        let n = b.count - i
        guard n == 3 || n == 8 else { return nil }
        @inline(__always) func lower(_ k: Int) -> UInt8 { b[i + k] | 0x20 }
        if n == 3, lower(0) == 110, lower(1) == 97, lower(2) == 110 { return i == 0 ? .nan : nil } // nan
        guard lower(0) == 105, lower(1) == 110, lower(2) == 102 else { return nil }              // inf
        if n == 8 {
            // "inity"
            guard lower(3) == 105, lower(4) == 110, lower(5) == 105, lower(6) == 116, lower(7) == 121 else { return nil }
        }
        return sign * .infinity
    }

    private static func looksNumeric(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        if i < n, b[i] == 45 || b[i] == 43 { i += 1 }
        var digits = 0
        while i < n, b[i] >= 48, b[i] <= 57 { i += 1; digits += 1 }
        if i < n, b[i] == 46 { i += 1; while i < n, b[i] >= 48, b[i] <= 57 { i += 1; digits += 1 } }
        guard digits > 0 else { return false }
        if i < n, b[i] == 101 || b[i] == 69 {
            i += 1
            if i < n, b[i] == 45 || b[i] == 43 { i += 1 }
            var e = 0
            while i < n, b[i] >= 48, b[i] <= 57 { i += 1; e += 1 }
            guard e > 0 else { return false }
        }
        return i == n
    }

    /// `true`/`false`, `TRUE`/`FALSE`, `True`/`False`.
    static func parseBool(_ b: UnsafeBufferPointer<UInt8>) -> UInt8? {
        let n = b.count
        guard n == 4 || n == 5, n > 1 else { return nil }
        // The letters after the first are all lower case, or (after a capital) all upper case.
        let upperRest = b[0] < 97 && b[1] < 97
        for k in 1..<n where (b[k] < 97) != upperRest { return nil }
        @inline(__always) func lower(_ k: Int) -> UInt8 { b[k] | 0x20 }
        if n == 4, lower(0) == 116, lower(1) == 114, lower(2) == 117, lower(3) == 101 { return 1 }                 // true
        if n == 5, lower(0) == 102, lower(1) == 97, lower(2) == 108, lower(3) == 115, lower(4) == 101 { return 0 } // false
        return nil
    }

    /// The value for messages: in double quotes, as a lart string (`\"`, `\\`, `\n`, `\t`).
    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
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
