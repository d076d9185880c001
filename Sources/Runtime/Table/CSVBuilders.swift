/// Typed column builders: the type inference of one pass, and dictionary encoding of text.
extension CSVReader {

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
}
