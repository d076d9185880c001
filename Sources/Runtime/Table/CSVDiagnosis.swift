/// What the CSV reader says about a file beyond reading it: the delimiter found from the
/// header line, the encoding, and the text columns that were probably meant to be numbers,
/// dates or booleans.
extension CSVReader {

    // MARK: - Delimiter

    /// Comma, semicolon or tab: the one that splits the header line into the most fields
    /// while the next records (up to 20) split into as many; when none splits every line
    /// alike, the one giving the header the most fields; comma on a tie, for a header of one
    /// field and for an empty file. Quotes are respected (a delimiter inside quotes is text).
    static func detectDelimiter(_ buf: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var best: UInt8 = 44
        var bestScore = (0, 0)
        for d: UInt8 in [44, 59, 9] {
            var pos = Scanner.start(of: buf)
            guard let header = fieldCount(buf, &pos, d) else { return 44 }
            var consistent = true
            for _ in 0..<20 {
                guard let n = fieldCount(buf, &pos, d) else { break }
                if n != header { consistent = false; break }
            }
            let score = (header > 1 && consistent ? 1 : 0, header)
            if score > bestScore { best = d; bestScore = score }
        }
        return best
    }

    /// The number of fields of the record at `pos` (blank lines skipped), nil at the end;
    /// `pos` moves past the record.
    private static func fieldCount(_ buf: UnsafeBufferPointer<UInt8>, _ pos: inout Int, _ d: UInt8) -> Int? {
        let n = buf.count
        while pos < n, buf[pos] == 10 || buf[pos] == 13 { pos += 1 }
        if pos >= n { return nil }
        var fields = 1
        var quoted = false
        while pos < n {
            let c = buf[pos]
            if c == 34 { quoted.toggle() } else if !quoted {
                if c == d { fields += 1 } else if c == 10 || c == 13 { break }
            }
            pos += 1
        }
        return fields
    }

    // MARK: - Encoding

    /// True when the bytes are UTF-8 (ASCII checked first, 32 bytes at a time).
    @inline(__always)
    static func isUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = b.baseAddress else { return true }
        let n = b.count
        var i = 0
        // Four words at a time, into four accumulators (no chain of dependent ORs).
        var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0, h3: UInt64 = 0
        while i &+ 32 <= n {
            let q = UnsafeRawPointer(p + i)
            h0 |= q.loadUnaligned(as: UInt64.self)
            h1 |= q.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            h2 |= q.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            h3 |= q.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            i &+= 32
        }
        var tail: UInt8 = 0
        while i < n { tail |= p[i]; i &+= 1 }
        if (h0 | h1 | h2 | h3) & 0x8080_8080_8080_8080 == 0, tail < 0x80 { return true }
        return invalidUTF8Offset(b) == nil
    }

    /// Where the first byte that does not start a well-formed UTF-8 character is, or nil.
    static func invalidUTF8Offset(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            guard i + need < n, b[i + 1] >= lo, b[i + 1] <= hi else { return i }
            if need >= 2 {
                for k in 2...need where b[i + k] & 0xC0 != 0x80 { return i }
            }
            i += need + 1
        }
        return nil
    }

    /// A UTF-16 file (it starts with a UTF-16 byte-order mark) is refused with the command
    /// that converts it.
    static func checkNotUTF16(_ buf: UnsafeBufferPointer<UInt8>, origin: String) throws {
        guard buf.count >= 2, (buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF) else { return }
        throw DataError(file: origin, line: 1, message: "the file is UTF-16, not UTF-8 (it starts with a UTF-16 byte-order mark): convert it with `iconv -f utf-16 -t utf-8 \(shellQuote(origin)) > \(shellQuote(converted(origin)))`")
    }

    /// The error for a file that is not UTF-8, naming the first bad byte, its line and
    /// the field it is in read as Latin-1 (or Windows-1252); nil when the file is UTF-8.
    static func encodingError(_ buf: UnsafeBufferPointer<UInt8>, origin: String) -> DataError? {
        guard let at = invalidUTF8Offset(buf) else { return nil }
        var line = 1, lineStart = 0
        for i in 0..<at where buf[i] == 10 { line += 1; lineStart = i + 1 }
        let byte = buf[at]
        // The field around the byte, as Latin-1 / Windows-1252 would read it.
        var from = at, to = at + 1
        while from > lineStart, at - from < 30, !isFieldEnd(buf[from - 1]) { from -= 1 }
        while to < buf.count, to - at < 30, !isFieldEnd(buf[to]) { to += 1 }
        var field = ""
        for i in from..<to { field.unicodeScalars.append(windows1252(buf[i])) }
        let cp1252 = (0x80...0x9F).contains(byte)
        let name = cp1252 ? "Windows-1252" : "Latin-1"
        let iconv = cp1252 ? "cp1252" : "latin1"
        let hex = String(byte, radix: 16, uppercase: true)
        return DataError(file: origin, line: line, message: "the file is not UTF-8 (byte 0x\(hex) at line \(line), byte \(at - lineStart + 1) of the line); it looks like \(name), where the field reads \(quote(field)): convert it with `iconv -f \(iconv) -t utf-8 \(shellQuote(origin)) > \(shellQuote(converted(origin)))`")
    }

    private static func isFieldEnd(_ c: UInt8) -> Bool { c == 10 || c == 13 || c == 44 || c == 59 || c == 9 || c == 34 }

    /// A byte read as Windows-1252 (Latin-1 with printable characters at 0x80-0x9F).
    private static func windows1252(_ c: UInt8) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(c) else { return Unicode.Scalar(c) }
        let high: [UInt32] = [0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                              0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178]
        return Unicode.Scalar(high[Int(c) - 0x80]) ?? "?"
    }

    private static func shellQuote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+".contains($0) }) ? s : "'" + s.replacing("'", with: "'\\''") + "'"
    }

    private static func converted(_ path: String) -> String {
        path.hasSuffix(".csv") ? String(path.dropLast(4)) + "-utf8.csv" : path + ".utf8"
    }

    // MARK: - Text columns that were probably meant otherwise

    /// The usual ways of writing dates, looked for in text columns that no format read.
    static let otherDateFormats: [String] = [
        "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y.%m.%d",
        "%d %b %Y", "%d-%b-%Y", "%d/%b/%Y", "%b %d %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
    ]

    /// What a text column was probably meant to be.
    struct Finding {
        enum What {
            /// Numbers, booleans or dates (`format`) but for a few values: a warning.
            case nearly(DataWarning.Kind, format: Int?)
            /// Dates in `format` (half the values or more) with other values, when formats
            /// were asked for: an error.
            case strictDates(format: Int)
            /// Dates in a format not asked for: a warning.
            case otherFormat([DateFormat])
            /// Dates with a time of day: a warning.
            case dateTimes
        }
        var column: String
        var what: What
        /// Codes of the values shown (at most 5; the smallest codes are the first to appear).
        var shown: [UInt32]
        /// The 0-based row where each shown value first occurs.
        var rows: [Int] = []
        var badDistinct = 0
        var badRows = 0
        var nonMissing = 0
        var dictionary: [String]
        /// For `strictDates`: the other read formats each shown value is a date in (a mask).
        var otherMasks: [UInt64] = []
    }

    /// Looks at every text column of a freshly read table. The rule: a column whose non-missing values are, in half of its rows or more,
    /// numbers (or true/false, or dates in one format read), and whose other values are few
    /// (at most 5% of its rows, or at most 10 distinct values), is reported: a warning
    /// naming up to 5 of the other values with the row and line where each first occurs,
    /// suggesting `na [...]`; for dates when formats were asked for, an error at the first
    /// other value. A text column half or more of whose values are dates in a usual format
    /// not read (`%d/%m/%Y`, `%m/%d/%Y`, `%d.%m.%Y`, `%d-%b-%Y`, ...) gets a warning
    /// suggesting `dates "..."`. Only distinct values are classified; rows are counted only
    /// for columns with a typed value, so a column of names or codes costs one look at
    /// each distinct value.
    static func diagnose(_ table: Table, _ buffer: UnsafeBufferPointer<UInt8>, _ ctx: Context,
                         lineOfRow: ((Int) -> Int)?) throws -> [DataWarning] {
        var findings = [Finding]()
        for (c, column) in table.columns.enumerated() {
            guard case .string(let codes, let dictionary) = column, !dictionary.isEmpty else { continue }
            if let f = examine(table.names[c], codes, dictionary, ctx) { findings.append(f) }
        }
        if findings.isEmpty { return [] }
        // The rows where the shown values first occur, then their lines.
        for k in findings.indices {
            guard case .string(let codes, _)? = table[findings[k].column] else { continue }
            findings[k].rows = firstRows(of: findings[k].shown, in: codes)
        }
        let wanted = Set(findings.flatMap(\.rows))
        let lines = lineOfRow.map { line in Dictionary(uniqueKeysWithValues: wanted.map { ($0, line($0)) }) }
            ?? lineNumbers(ofRows: wanted, buffer, ctx)
        func place(_ row: Int) -> String { "row \(row + 1), line \(lines[row] ?? 0)" }

        // An error for dates that are not all dates, at the earliest such row.
        var earliest: (row: Int, finding: Finding)? = nil
        for f in findings {
            guard case .strictDates = f.what, let row = f.rows.first else { continue }
            if earliest == nil || row < earliest!.row { earliest = (row, f) }
        }
        if let (row, f) = earliest, case .strictDates(let k) = f.what {
            let format = ctx.formats[k]
            let value = f.dictionary[Int(f.shown[0])]
            let good = f.nonMissing - f.badRows
            let message: String
            if f.otherMasks[0] != 0 {
                let other = ctx.formats[f.otherMasks[0].trailingZeroBitCount]
                message = "\(quote(value)) is a date \(other.display) (\(other.text)), but \(good) of the column's \(f.nonMissing) values are dates \(format.display) (\(format.text)); write a column's dates one way"
            } else {
                message = "\(quote(value)) is not a date \(format.display) (\(format.text)), as \(good) of the column's \(f.nonMissing) values are; if it means missing, say so: na [\(suggestion(ctx, [value]))]"
            }
            throw DataError(file: ctx.origin, line: lines[row], row: row + 1, column: f.column, message: message)
        }

        var warnings = [DataWarning]()
        for f in findings {
            let values = f.shown.map { f.dictionary[Int($0)] }
            let message: String
            let kind: DataWarning.Kind
            switch f.what {
            case .strictDates: continue
            case .nearly(let k, let format):
                kind = k
                let (one, many): (String, String)
                switch k {
                case .nearlyNumbers: (one, many) = ("a number", "numbers")
                case .nearlyBooleans: (one, many) = ("true or false", "true or false")
                case .nearlyDates:
                    let f = ctx.formats[format ?? 0]
                    (one, many) = ("a date \(f.display)", "dates \(f.display)")
                case .datesInAnotherFormat, .dateTimes: (one, many) = ("a date", "dates")
                }
                var listing = zip(values, f.rows).map { "\(quote($0)) (\(place($1)))" }.joined(separator: ", ")
                if f.badDistinct > values.count {
                    let more = f.badDistinct - values.count
                    listing += " and \(more) other value\(more == 1 ? "" : "s")"
                }
                let verb = f.badRows == 1 ? "is not \(one)" : "are not \(many)"
                message = "read as text, not as \(many): \(f.badRows) of its \(f.nonMissing) values \(verb): \(listing); if they mean missing, say so: na [\(suggestion(ctx, values))]"
            case .dateTimes:
                kind = .dateTimes
                message = "read as text: its values look like dates with a time of day (\(quote(values[0])), \(place(f.rows[0]))), and lart reads dates without a time; keep the date (the first 10 characters, YYYY-MM-DD) in the file"
            case .otherFormat(let formats):
                kind = .datesInAnotherFormat
                let written = formats.map(\.display).joined(separator: " or ")
                var message0 = "read as text: its values look like dates written \(written) (\(quote(values[0])), \(place(f.rows[0])))"
                if formats.count > 1 { message0 += "; every value fits \(formats.count == 2 ? "both" : "each"): check which is meant" }
                let say = formats.map { f in
                    ctx.strictDates
                        ? "dates [" + (ctx.formats.dropFirst().map(\.text) + [f.text]).map(quote).joined(separator: ", ") + "]"
                        : "dates \(quote(f.text))"
                }.joined(separator: " or ")
                message = message0 + "; to read them as dates, say so: \(say)"
            }
            warnings.append(DataWarning(kind: kind, file: ctx.origin, column: f.column, values: values,
                                        rows: f.rows.map { $0 + 1 }, lines: f.rows.map { lines[$0] ?? 0 }, message: message))
        }
        return warnings
    }

    /// The missing values to write: those read now (but the empty string), then the new ones.
    private static func suggestion(_ ctx: Context, _ values: [String]) -> String {
        var list = ctx.naStrings.filter { !$0.isEmpty }
        for v in values where !list.contains(v) { list.append(v) }
        return list.map(quote).joined(separator: ", ")
    }

    private static func examine(_ name: String, _ codes: [UInt32], _ dictionary: [String], _ ctx: Context) -> Finding? {
        let distinct = dictionary.count
        var number = [Bool](repeating: false, count: distinct)
        var boolean = [Bool](repeating: false, count: distinct)
        var dateMask = [UInt64](repeating: 0, count: distinct)
        var anyTyped = false
        for j in 0..<distinct {
            withBytes(dictionary[j]) { raw in
                let b = ctx.typed(raw)
                guard ctx.mayBeTyped(b) else { return }
                if ctx.number(b) != nil { number[j] = true; anyTyped = true; return }
                if parseBool(b) != nil { boolean[j] = true; anyTyped = true; return }
                var m: UInt64 = 0
                for k in 0..<ctx.formats.count {
                    if case .date = ctx.formats[k].parse(b) { m |= 1 << UInt64(k) }
                }
                if m != 0 { dateMask[j] = m; anyTyped = true }
            }
        }
        var counts: [Int] = []
        var nonMissing = 0
        func count() {
            guard counts.isEmpty else { return }
            counts = [Int](repeating: 0, count: distinct)
            codes.withUnsafeBufferPointer { p in
                for c in p where c != Column.stringNA { counts[Int(c)] += 1 }
            }
            nonMissing = counts.reduce(0, +)
        }
        if anyTyped {
            count()
            var numberRows = 0, boolRows = 0
            var dateRows = [Int](repeating: 0, count: ctx.formats.count)
            for j in 0..<distinct {
                if number[j] { numberRows += counts[j] }
                if boolean[j] { boolRows += counts[j] }
                var m = dateMask[j]
                while m != 0 { dateRows[m.trailingZeroBitCount] += counts[j]; m &= m - 1 }
            }
            // The kind most rows have: numbers, then booleans, then the first format.
            var best = numberRows
            var isGood: (Int) -> Bool = { number[$0] }
            var what = Finding.What.nearly(.nearlyNumbers, format: nil)
            if boolRows > best { best = boolRows; isGood = { boolean[$0] }; what = .nearly(.nearlyBooleans, format: nil) }
            for k in 0..<dateRows.count where dateRows[k] > best {
                best = dateRows[k]
                isGood = { dateMask[$0] & (1 << UInt64(k)) != 0 }
                what = ctx.strictDates ? .strictDates(format: k) : .nearly(.nearlyDates, format: k)
            }
            if best * 2 >= nonMissing {
                var bad = [UInt32]()
                for j in 0..<distinct where !isGood(j) && counts[j] > 0 { bad.append(UInt32(j)) }
                let badRows = nonMissing - best
                guard !bad.isEmpty else { return nil }
                var finding = Finding(column: name, what: what, shown: Array(bad.prefix(5)), badDistinct: bad.count,
                                      badRows: badRows, nonMissing: nonMissing, dictionary: dictionary)
                switch what {
                case .strictDates(let k):
                    finding.otherMasks = finding.shown.map { dateMask[Int($0)] & ~(1 << UInt64(k)) }
                    return finding
                case .nearly, .otherFormat, .dateTimes:
                    return badRows * 20 <= nonMissing || bad.count <= 10 ? finding : nil
                }
            }
        }
        return otherFormat(name, codes, dictionary, ctx, number: number, count: { count(); return (counts, nonMissing) })
    }

    /// A text column half or more of whose rows are dates in a usual format not read.
    private static func otherFormat(_ name: String, _ codes: [UInt32], _ dictionary: [String], _ ctx: Context,
                                    number: [Bool], count: () -> ([Int], Int)) -> Finding? {
        var candidates = [DateFormat]()
        for text in otherDateFormats {
            guard let f = try? DateFormat(text) else { continue }
            // Not one read already, nor the same as one before (%b and %B read alike).
            if !ctx.formats.contains(where: { $0.pieces == f.pieces }) && !candidates.contains(where: { $0.pieces == f.pieces }) {
                candidates.append(f)
            }
        }
        // A first look at up to 200 distinct values, most columns of text stop here.
        let sample = min(dictionary.count, 200)
        var hits = [Int](repeating: 0, count: candidates.count)
        var dateTimes = 0
        for j in 0..<sample where !number[j] {
            withBytes(dictionary[j]) { raw in
                let b = ctx.typed(raw)
                if isDateTime(b) { dateTimes += 1; return }
                for k in 0..<candidates.count { if case .date = candidates[k].parse(b) { hits[k] += 1 } }
            }
        }
        if dateTimes > 0, dateTimes * 2 >= sample {
            // ISO dates with a time of day, which no format reads.
            let (counts, nonMissing) = count()
            var rows = 0, first = -1
            for j in 0..<dictionary.count where counts[j] > 0 {
                withBytes(dictionary[j]) { raw in
                    if isDateTime(ctx.typed(raw)) { rows += counts[j]; if first < 0 { first = j } }
                }
            }
            guard rows * 2 >= nonMissing, first >= 0 else { return nil }
            return Finding(column: name, what: .dateTimes, shown: [UInt32(first)], nonMissing: nonMissing, dictionary: dictionary)
        }
        let promising = (0..<candidates.count).filter { hits[$0] * 2 >= sample && hits[$0] > 0 }
        guard !promising.isEmpty else { return nil }
        let (counts, nonMissing) = count()
        var rows = [Int](repeating: 0, count: candidates.count)
        var first = [Int](repeating: Int.max, count: candidates.count)
        for j in 0..<dictionary.count where counts[j] > 0 {
            withBytes(dictionary[j]) { raw in
                let b = ctx.typed(raw)
                for k in promising {
                    if case .date = candidates[k].parse(b) { rows[k] += counts[j]; first[k] = min(first[k], j) }
                }
            }
        }
        guard let most = promising.map({ rows[$0] }).max(), most * 2 >= nonMissing else { return nil }
        let chosen = promising.filter { rows[$0] == most }
        let example = UInt32(first[chosen[0]])
        return Finding(column: name, what: .otherFormat(chosen.map { candidates[$0] }), shown: [example],
                       nonMissing: nonMissing, dictionary: dictionary)
    }

    /// An ISO date, then a space or `T` and more (`2019-03-25 10:00:00`, `2019-03-25T10:00Z`).
    private static func isDateTime(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count > 11, b.count <= 40, b[10] == 32 || b[10] == 84,
              case .date = CivilDate.parse(UnsafeBufferPointer(rebasing: b[0..<10])) else { return false }
        return true
    }

    /// The UTF-8 bytes of a string, in place when it has them contiguous (native strings do).
    @inline(__always)
    private static func withBytes(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if s.utf8.withContiguousStorageIfAvailable(body) == nil {
            var copy = s
            copy.withUTF8(body)
        }
    }

    /// The first row where each code occurs (codes that occur).
    private static func firstRows(of wanted: [UInt32], in codes: [UInt32]) -> [Int] {
        var rows = [Int](repeating: -1, count: wanted.count)
        var left = wanted.count
        var i = 0
        while left > 0, i < codes.count {
            if let k = wanted.firstIndex(of: codes[i]), rows[k] < 0 { rows[k] = i; left -= 1 }
            i += 1
        }
        return rows
    }

    /// The file line each 0-based data row starts on (one more scan, up to the last row asked).
    private static func lineNumbers(ofRows rows: Set<Int>, _ buffer: UnsafeBufferPointer<UInt8>, _ ctx: Context) -> [Int: Int] {
        var out = [Int: Int]()
        guard let last = rows.max() else { return out }
        var scanner = Scanner(buf: buffer, delimiter: ctx.delimiter)
        _ = try? scanner.record(ctx.origin) { _, _ in }
        var row = 0
        while row <= last, (try? scanner.record(ctx.origin, { _, _ in })) != nil {
            if rows.contains(row) { out[row] = scanner.recordLine }
            row += 1
        }
        return out
    }
}
