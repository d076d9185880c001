#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        /// An integer written `-0` was stored as an integer (0): had the column been a double
        /// column by then it would be -0.0 (see `Chunks.merge`).
        var negativeZero = false

        /// Gives back the whole pages of the values' arrays (before they are freed: the
        /// pages read as zeros after).
        /// The values must not be read after (not mutating: the arrays may be shared, and
        /// are not copied for this).
        func discardPages() {
            func discard<T>(_ a: [T]) {
                let capacity = a.capacity
                guard capacity > 0 else { return }
                a.withUnsafeBytes {
                    if let p = $0.baseAddress { FileBytes.discardPages(UnsafeMutableRawPointer(mutating: p), capacity * MemoryLayout<T>.stride) }
                }
            }
            discard(ints); discard(doubles); discard(dates); discard(bools); discard(text.codes)
        }

        /// An integer value (`v` read from `b`).
        @inline(__always)
        mutating func appendInt(_ v: Int64, _ b: UnsafeBufferPointer<UInt8>) {
            if v == 0, b[0] == 45 { negativeZero = true }
            ints.append(v)
        }

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
                if let v = parseInt(b) { appendInt(v, b); return nil }
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
                    ints.reserveCapacity(expectedRows); appendInt(v, b); return nil
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

    /// Dictionary encoding of one text column: values looked up by their bytes in an
    /// open-addressing hash table (no `String` per row); a `String` is made once per
    /// distinct value, when it enters, and checked to be UTF-8 then.
    struct TextEncoder {
        var codes = [UInt32]()
        var dictionary = [String]()
        /// A value was not UTF-8.
        var invalidUTF8 = false
        /// What the table keeps of a value: its key (`key`: its bytes when at most 8), its
        /// length, where its bytes start in `pool`, and its hash.
        struct Entry {
            var key: UInt64
            var hash: UInt64
            var start: Int
            var length: Int
        }
        /// The entries' bytes, end to end.
        private var pool = [UInt8]()
        private var entries = [Entry]()
        /// Slots of the hash table: entry + 1, 0 empty. A power of two, at most half full.
        private var slots = [UInt32](repeating: 0, count: 64)
        /// The last value's code: runs of one value cost one comparison.
        private var last = -1

        mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
            codes.append(code(b))
        }

        /// The code of the bytes, adding them when new.
        @inline(__always)
        mutating func code(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
            let n = b.count
            let key = Self.key(b)
            // A value of at most 8 bytes is its key and length; a longer one is compared.
            let found: Int? = entries.withUnsafeBufferPointer { e -> Int? in
                if last >= 0, e[last].key == key, e[last].length == n, n <= 8 || same(e[last], b) { return last }
                let h = n <= 8 ? Self.mix(key, n) : Self.hash(b)
                return slots.withUnsafeBufferPointer { s -> Int? in
                    let mask = s.count - 1
                    var i = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let k = Int(s[i])
                        if k == 0 { return nil }
                        let entry = e[k - 1]
                        if entry.hash == h, entry.key == key, entry.length == n, n <= 8 || same(entry, b) { return k - 1 }
                        i = (i + 1) & mask
                    }
                }
            }
            if let found { last = found; return UInt32(found) }
            return add(b, key)
        }

        /// A new value: its entry, its slot, its `String`.
        @inline(never)
        private mutating func add(_ b: UnsafeBufferPointer<UInt8>, _ key: UInt64) -> UInt32 {
            let h = b.count <= 8 ? Self.mix(key, b.count) : Self.hash(b)
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            let code = dictionary.count
            dictionary.append(Self.string(b, &invalidUTF8))
            entries.append(Entry(key: key, hash: h, start: pool.count, length: b.count))
            pool.append(contentsOf: b)
            slots[i] = UInt32(code + 1)
            if dictionary.count * 2 > slots.count { grow() }
            last = code
            return UInt32(code)
        }

        /// The bytes of entry `k`.
        func withEntry<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            let e = entries[k]
            return pool.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[e.start..<(e.start + e.length)])) }
        }

        /// The entry has the bytes `b`, given that it has their length.
        private func same(_ e: Entry, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
            pool.withUnsafeBufferPointer { p in memcmp(p.baseAddress! + e.start, b.baseAddress!, b.count) == 0 }
        }

        private mutating func grow() {
            var bigger = [UInt32](repeating: 0, count: slots.count * 2)
            let mask = bigger.count - 1
            for k in 0..<entries.count {
                var i = Int(truncatingIfNeeded: entries[k].hash) & mask
                while bigger[i] != 0 { i = (i + 1) & mask }
                bigger[i] = UInt32(k + 1)
            }
            slots = bigger
        }

        /// Up to the first 8 bytes in a word, read without a loop and without reading past
        /// the value: with the length, the bytes of a value of at most 8 bytes (1-3 bytes:
        /// the first, middle and last; 4-8: the first four and the last four).
        @inline(__always)
        static func key(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
            let n = b.count
            guard let p = b.baseAddress, n > 0 else { return 0 }
            let raw = UnsafeRawPointer(p)
            if n >= 8 { return raw.loadUnaligned(as: UInt64.self) }
            if n >= 4 {
                return UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
            }
            return UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1]) << 16
        }

        @inline(__always)
        static func mix(_ key: UInt64, _ n: Int) -> UInt64 {
            let h = (key ^ UInt64(n) &* 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
            return h ^ (h >> 31)
        }

        /// A hash of all the bytes, eight at a time (multiply and rotate; the length mixed in).
        static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(b.count &+ 1)
            guard let p = b.baseAddress else { return h }
            let raw = UnsafeRawPointer(p)
            var i = 0
            while i + 8 <= b.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                h = (h << 31) | (h >> 33)
                i += 8
            }
            if i < b.count { h = (h ^ key(UnsafeBufferPointer(rebasing: b[i...]))) &* 0x94D0_49BB_1331_11EB }
            return h ^ (h >> 29)
        }

        /// The bytes as a String; `invalid` set when they are not UTF-8 (then repaired).
        @inline(__always)
        static func string(_ b: UnsafeBufferPointer<UInt8>, _ invalid: inout Bool) -> String {
            if !CSVReader.isUTF8(b) { invalid = true }
            return String(decoding: b, as: UTF8.self)
        }
    }
}
