#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Reads RFC 4180 CSV (comma separated, optional double quotes, `""` inside quotes, CRLF or
/// LF line ends, optional UTF-8 BOM) into a typed `Table`.
///
/// Types are inferred per column from its non-missing values: integer, then double, then
/// ISO date (`YYYY-MM-DD`), then boolean (`true/false`, `TRUE/FALSE`), else text
/// (dictionary-encoded). An empty field, or an unquoted `NA`, is missing. A value that has
/// the shape of a date but is not a real day (`2019-13-02`) is an error, never silently text.
///
/// Algorithm: one pass over the bytes parses every column speculatively into its typed
/// array (an integer column widens to double in place); only columns that turn out to be
/// text are read again, in a second pass that builds their dictionaries.
public enum CSVReader {

    public static func read(path: String) throws -> Table {
        let bytes = try readFile(path)
        return try parse(bytes, origin: path)
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
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, origin: origin) }
    }

    // MARK: - Scanning

    /// Walks records field by field. `field` gets (columnIndex, bytes, wasQuoted).
    private struct Scanner {
        let buf: UnsafeBufferPointer<UInt8>
        var pos: Int
        var line = 1
        var scratch = [UInt8]()

        init(buf: UnsafeBufferPointer<UInt8>) {
            self.buf = buf
            // Skip a UTF-8 byte-order mark.
            pos = (buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) ? 3 : 0
        }

        var atEnd: Bool { pos >= buf.count }

        /// Reads one record; returns the number of fields, or nil at end of input.
        /// Blank lines are skipped.
        mutating func record(_ origin: String, _ field: (Int, UnsafeBufferPointer<UInt8>, Bool) throws -> Void) throws -> Int? {
            while pos < buf.count, buf[pos] == 10 || buf[pos] == 13 {
                if buf[pos] == 10 { line += 1 }
                pos += 1
            }
            if pos >= buf.count { return nil }
            var col = 0
            while true {
                if pos < buf.count, buf[pos] == 34 { // quoted field
                    let startLine = line
                    pos += 1
                    scratch.removeAll(keepingCapacity: true)
                    var closed = false
                    while pos < buf.count {
                        let c = buf[pos]
                        if c == 34 {
                            if pos + 1 < buf.count, buf[pos + 1] == 34 { scratch.append(34); pos += 2; continue }
                            pos += 1; closed = true; break
                        }
                        if c == 10 { line += 1 }
                        scratch.append(c); pos += 1
                    }
                    if !closed {
                        throw DataError(file: origin, line: startLine, message: "a quoted field is never closed: add the closing \"")
                    }
                    try scratch.withUnsafeBufferPointer { try field(col, $0, true) }
                    if pos < buf.count, buf[pos] != 44, buf[pos] != 10, buf[pos] != 13 {
                        throw DataError(file: origin, line: line, message: "unexpected text after a closing quote; a quote inside a quoted field is written \"\"")
                    }
                } else {
                    let start = pos
                    while pos < buf.count, buf[pos] != 44, buf[pos] != 10, buf[pos] != 13 { pos += 1 }
                    try field(col, UnsafeBufferPointer(rebasing: buf[start..<pos]), false)
                }
                col += 1
                if pos >= buf.count { break }
                let c = buf[pos]
                if c == 44 { pos += 1; if pos >= buf.count { try field(col, UnsafeBufferPointer(rebasing: buf[pos..<pos]), false); col += 1; break }; continue }
                // end of record
                if c == 13 { pos += 1; if pos < buf.count, buf[pos] == 10 { pos += 1 } } else { pos += 1 }
                line += 1
                break
            }
            return col
        }
    }

    // MARK: - Typed builders

    private enum Kind { case unknown, int, double, date, bool, text }

    private struct Builder {
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
        mutating func append(_ b: UnsafeBufferPointer<UInt8>) -> String? {
            switch kind {
            case .text:
                if textFromStart { text.append(b) }
                return nil
            case .int:
                if let v = parseInt(b) { ints.append(v); return nil }
                if let d = parseDouble(b) {
                    doubles = []
                    doubles.reserveCapacity(expectedRows)
                    for v in ints { doubles.append(v == Column.intNA ? .nan : Double(v)) }
                    ints = []
                    doubles.append(d); kind = .double; return nil
                }
                return becomeText(b)
            case .double:
                if let d = parseDouble(b) { doubles.append(d); return nil }
                return becomeText(b)
            case .date:
                switch CivilDate.parse(b) {
                case .date(let d): dates.append(d.days); return nil
                case .invalid: return "'\(String(decoding: b, as: UTF8.self))' is not a date (expected YYYY-MM-DD with a real month and day)"
                case .notADate: return becomeText(b)
                }
            case .bool:
                if let v = parseBool(b) { bools.append(v); return nil }
                return becomeText(b)
            case .unknown:
                if let v = parseInt(b) {
                    kind = .int; ints = [Int64](repeating: Column.intNA, count: leadingMissing)
                    ints.reserveCapacity(expectedRows); ints.append(v); return nil
                }
                if let d = parseDouble(b) {
                    kind = .double; doubles = [Double](repeating: .nan, count: leadingMissing)
                    doubles.reserveCapacity(expectedRows); doubles.append(d); return nil
                }
                switch CivilDate.parse(b) {
                case .date(let d):
                    kind = .date; dates = [Int32](repeating: Column.dateNA, count: leadingMissing); dates.append(d.days); return nil
                case .invalid:
                    return "'\(String(decoding: b, as: UTF8.self))' is not a date (expected YYYY-MM-DD with a real month and day)"
                case .notADate: break
                }
                if let v = parseBool(b) {
                    kind = .bool; bools = [UInt8](repeating: Column.boolNA, count: leadingMissing); bools.append(v); return nil
                }
                kind = .text
                textFromStart = true
                text.codes = [UInt32](repeating: Column.stringNA, count: leadingMissing)
                text.codes.reserveCapacity(expectedRows)
                text.append(b)
                return nil
            }
        }

        private mutating func becomeText(_ b: UnsafeBufferPointer<UInt8>) -> String? {
            // A date column that meets an impossible-looking date is an error; any other
            // column that meets text becomes a text column.
            if kind == .date || kind == .int || kind == .double, case .invalid = CivilDate.parse(b) {
                return "'\(String(decoding: b, as: UTF8.self))' is not a date (expected YYYY-MM-DD with a real month and day)"
            }
            kind = .text; ints = []; doubles = []; dates = []; bools = []
            return nil
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
    struct TextEncoder {
        var codes = [UInt32]()
        var dictionary = [String]()
        /// The first `linearLimit` entries' bytes, end to end, and where each starts.
        private var pool = [UInt8]()
        private var starts = [0]
        private var lookup = [String: UInt32]()
        private var last = -1
        static let linearLimit = 16

        mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
            let small = dictionary.count <= Self.linearLimit
            if small {
                let hit = pool.withUnsafeBufferPointer { p -> Int in
                    if last >= 0, Self.same(p, starts[last], starts[last + 1], b) { return last }
                    for k in 0..<(starts.count - 1) where Self.same(p, starts[k], starts[k + 1], b) { return k }
                    return -1
                }
                if hit >= 0 { last = hit; codes.append(UInt32(hit)); return }
            } else {
                let s = String(decoding: b, as: UTF8.self)
                if let code = lookup[s] { codes.append(code); return }
            }
            let s = String(decoding: b, as: UTF8.self)
            let code = UInt32(dictionary.count)
            dictionary.append(s); lookup[s] = code
            if dictionary.count <= Self.linearLimit {
                pool.append(contentsOf: b); starts.append(pool.count)
                last = Int(code)
            }
            codes.append(code)
        }

        @inline(__always)
        static func same(_ pool: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
            guard to - from == b.count else { return false }
            for i in 0..<b.count where pool[from + i] != b[i] { return false }
            return true
        }
    }

    static func isMissing(_ b: UnsafeBufferPointer<UInt8>, quoted: Bool) -> Bool {
        if b.isEmpty { return true }
        return !quoted && b.count == 2 && b[0] == 78 && b[1] == 65 // NA
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
            let c = b[i]
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
            i += 1
        }
        return neg ? -v : v
    }

    /// Decimal number (digits, optional point, optional exponent), `Inf`, `-Inf`, `NaN`.
    /// Simple shapes with at most 15 significant digits and a small exponent are built
    /// exactly from an integer mantissa and a power of ten (both exact in binary64, so one
    /// correctly rounded division or multiplication); everything else goes to strtod.
    static func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
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
        // General path: validate the shape, then strtod.
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

    private static func looksNumeric(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = String(decoding: b, as: UTF8.self)
        if ["Inf", "-Inf", "+Inf", "NaN"].contains(s) { return true }
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

    static func parseBool(_ b: UnsafeBufferPointer<UInt8>) -> UInt8? {
        switch String(decoding: b, as: UTF8.self) {
        case "true", "TRUE", "True": return 1
        case "false", "FALSE", "False": return 0
        default: return nil
        }
    }

    // MARK: - Driver

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, origin: String) throws -> Table {
        var scanner = Scanner(buf: buffer)
        var header = [String]()
        guard try scanner.record(origin, { _, b, _ in header.append(String(decoding: b, as: UTF8.self)) }) != nil else {
            throw DataError(file: origin, message: "the file is empty: expected a header row naming the columns")
        }
        try checkHeader(header, origin: origin)
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
        var firstError: DataError?
        // The builders are reached through their buffer: no copy-on-write check per field.
        try builders.withUnsafeMutableBufferPointer { bp in
            while true {
                let line = scanner.line
                let rowNumber = rows + 1
                let n = try scanner.record(origin) { col, b, quoted in
                    guard col < width else { return }
                    if isMissing(b, quoted: quoted) { bp[col].appendMissing(); return }
                    // The common cases inline: a number in a numeric column, a text column.
                    switch bp[col].kind {
                    case .double: if let d = parseDouble(b) { bp[col].doubles.append(d); return }
                    case .int: if let v = parseInt(b) { bp[col].ints.append(v); return }
                    case .text: if bp[col].textFromStart { bp[col].text.append(b); return }
                    default: break
                    }
                    if let msg = bp[col].append(b), firstError == nil {
                        firstError = DataError(file: origin, line: line, row: rowNumber, column: header[col], message: msg)
                    }
                }
                guard let n else { break }
                if let firstError { throw firstError }
                if n != width {
                    throw DataError(file: origin, line: line, row: rowNumber,
                                    message: "has \(n) field\(n == 1 ? "" : "s") but the header has \(width); check for a missing or extra comma")
                }
                rows += 1
            }
        }
        var columns = [Column?](repeating: nil, count: width)
        var textColumns = [Int]()
        for c in 0..<width {
            if builders[c].kind == .text && !builders[c].textFromStart {
                textColumns.append(c)
            } else {
                columns[c] = builders[c].column(rows: rows)
            }
            builders[c] = Builder()
        }
        if !textColumns.isEmpty {
            // Second pass: dictionary-encode the text columns.
            var slot = [Int](repeating: -1, count: width)
            for (k, c) in textColumns.enumerated() { slot[c] = k }
            var codes = [[UInt32]](repeating: [], count: textColumns.count)
            for k in 0..<codes.count { codes[k].reserveCapacity(rows) }
            var dicts = [[String]](repeating: [], count: textColumns.count)
            var lookup = [[String: UInt32]](repeating: [:], count: textColumns.count)
            var again = Scanner(buf: buffer)
            _ = try again.record(origin) { _, _, _ in }
            while try again.record(origin, { col, b, quoted in
                guard col < width else { return }
                let k = slot[col]
                guard k >= 0 else { return }
                if isMissing(b, quoted: quoted) { codes[k].append(Column.stringNA); return }
                let s = String(decoding: b, as: UTF8.self)
                if let code = lookup[k][s] { codes[k].append(code) } else {
                    let code = UInt32(dicts[k].count)
                    dicts[k].append(s); lookup[k][s] = code; codes[k].append(code)
                }
            }) != nil {}
            for (k, c) in textColumns.enumerated() { columns[c] = .string(codes: codes[k], dictionary: dicts[k]) }
        }
        return Table(names: header, columns: columns.map { $0! }, origin: origin)
    }

    private static func checkHeader(_ header: [String], origin: String) throws {
        var seen = Set<String>()
        for (i, name) in header.enumerated() {
            if name.isEmpty {
                throw DataError(file: origin, line: 1, message: "column \(i + 1) of the header has no name; every column needs one")
            }
            if !seen.insert(name).inserted {
                throw DataError(file: origin, line: 1, message: "the header names column '\(name)' twice; column names must be unique")
            }
        }
    }
}
