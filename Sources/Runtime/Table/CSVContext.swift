#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The options of one CSV read, prepared for the field loop.
extension CSVReader {

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

        /// The value has the shape of a date in a format read but names no real day (a quick
        /// test first: ISO dates have a dash after the year). Such a value stops the
        /// single-threaded parse unless its column is text by then.
        @inline(__always)
        func mayBeImpossibleDate(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
            let b = typed(raw)
            if formats.count == 1 {
                guard b.count >= 8, b.count <= 10, b[4] == 45 else { return false }
                // Month 01-12 and day 01-28: a real day whatever the year (the usual case).
                if b.count == 10 {
                    let m1 = b[5] &- 48, m2 = b[6] &- 48, d1 = b[8] &- 48, d2 = b[9] &- 48
                    if m1 <= 1, m2 <= 9, d1 <= 2, d2 <= 9 {
                        let m = m1 * 10 + m2, d = d1 * 10 + d2
                        if m >= 1, m <= 12, d >= 1, d <= 28 { return false }
                    }
                }
                guard case .invalid = formats[0].parse(b) else { return false }
                return true
            }
            guard mayBeTyped(b) else { return false }
            for f in formats { if case .invalid = f.parse(b) { return true } }
            return false
        }

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
}
