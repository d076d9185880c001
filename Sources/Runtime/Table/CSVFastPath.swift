/// The field loop's fast path: records whose every field is of its column's settled type
/// (or missing), unquoted, on one line, parsed without the general scanner.
///
/// The general loop (`parsePiece`'s `Scanner.record` and `field`) is the definition of what
/// a record gives; this loop only takes records for which the result is plainly the same,
/// and leaves any other record to it, whole: a quote, a blank line, a value that is not of
/// its column's type and not missing, a column whose type is not settled by a value, a
/// field count other than the header's, an integer written `-0`, a value in a column not
/// read that may be an impossible date. The values of the records it takes go into a small
/// column-wise batch first and are appended to the builders when the batch is full or the
/// loop stops, so a record it leaves half read changes nothing (text dictionaries may have
/// met its values already; the general loop then meets them in the same order, so the codes
/// are the same).
///
/// What makes it fast: the columns' plan is fixed for a batch (no closure or optional per
/// field), numbers and ISO dates are read while the field is scanned, values are stored
/// through plain pointers, and one line end is counted per record.
extension CSVReader {

    /// What the fast path does with the fields of one column of the file.
    enum FastColumn: UInt8 {
        /// Not read: stepped over.
        case skip
        /// Not read, in a partial read: stepped over, unless it may be an impossible date.
        case skipChecked
        case int
        case double
        /// ISO dates only (`dateMask == 1`).
        case isoDate
        case bool
        /// Text dictionary-encoded from the start.
        case text
        /// A column that turned to text after its first values: read again in the merge.
        case ignore
        /// No value yet: only missing values keep it so.
        case missingOnly
        /// Left to the general loop.
        case none
    }

    /// The batch the fast path fills before appending to the builders.
    struct FastBatch {
        @inline(__always) static var rows: Int { 512 }
        /// One stretch of `rows` 8-byte values per column read.
        let values: UnsafeMutableRawPointer
        let plan: UnsafeMutableBufferPointer<FastColumn>
        /// 1 for the bytes that end a field (the delimiter, CR, LF), else 0.
        let ends: UnsafeMutablePointer<UInt8>
        /// Records that left the fast path at their start in a row, and records to give the
        /// general loop before trying again (a column the fast path cannot take costs little).
        var misses = 0
        var wait = 0
        /// The end of the input's last line end (-1: not found yet).
        var safe = -1

        init(width: Int, read: Int, delimiter: UInt8) {
            values = .allocate(byteCount: max(read, 1) * Self.rows * 8, alignment: 64)
            plan = .allocate(capacity: max(width, 1))
            ends = .allocate(capacity: 256)
            ends.initialize(repeating: 0, count: 256)
            ends[Int(delimiter)] = 1; ends[10] = 1; ends[13] = 1
        }

        func free() {
            values.deallocate()
            plan.deallocate()
            ends.deallocate()
        }

        @inline(__always)
        static func slot<T>(_ values: UnsafeMutableRawPointer, _ k: Int, _ type: T.Type) -> UnsafeMutablePointer<T> {
            (values + k &* (rows &* 8)).assumingMemoryBound(to: T.self)
        }
    }

    /// The plan of each column of the file from its builder's state; false when some column
    /// read leaves every record to the general loop.
    static func fastPlan(_ plan: UnsafeMutableBufferPointer<FastColumn>, _ builders: UnsafeMutableBufferPointer<Builder>,
                         _ slot: UnsafeBufferPointer<Int>, partial: Bool) -> Bool {
        for col in 0..<slot.count {
            let k = slot[col]
            guard k >= 0 else { plan[col] = partial ? .skipChecked : .skip; continue }
            let b = builders[k]
            let p: FastColumn
            switch b.kind {
            case .unknown: p = .missingOnly
            case .int: p = .int
            case .double: p = .double
            case .date: p = b.dateMask == 1 && b.dateFormat == 0 ? .isoDate : .none
            case .bool: p = .bool
            case .text: p = b.textFromStart ? .text : .ignore
            }
            if p == .none { return false }
            plan[col] = p
        }
        return true
    }

    /// Parses records from `pos` while they start before `to` and the fast path can take
    /// them; advances `pos`, `line` and `rows`. Returns the records taken.
    @inline(never)
    static func fastRecords(_ buffer: UnsafeBufferPointer<UInt8>, to: Int, pos: inout Int, line: inout Int, rows: inout Int,
                            _ builders: UnsafeMutableBufferPointer<Builder>, _ slot: UnsafeBufferPointer<Int>,
                            _ ctx: Context, partial: Bool, _ batch: inout FastBatch, cancellation: Cancellation?) throws -> Int {
        guard let base = buffer.baseAddress, !ctx.typedMissing else { return 0 }
        if batch.wait > 0 { batch.wait -= 1; return 0 }
        let width = slot.count
        let lastColumn = width - 1
        let plan = batch.plan
        guard fastPlan(plan, builders, slot, partial: partial) else { return 0 }
        // Records taken end at a line end before `safe` (the end of the last line end): no
        // field read here runs past it, so the scans need no other bound.
        if batch.safe < 0 {
            var last = buffer.count - 1
            while last >= 0, base[last] != 10, base[last] != 13 { last -= 1 }
            batch.safe = last + 1
        }
        let n = batch.safe
        let limit = min(to, n)
        let d = ctx.delimiter
        let missing = ctx.missing
        let values = batch.values
        let trim = ctx.trim
        let isoOnly = ctx.formats.count == 1
        let (minDate, maxDate) = isoOnly ? (8, 10) : (1, Int.max)
        let ends = batch.ends
        // A 10-byte ISO date cannot hold a field end when the delimiter is not `-` or a digit.
        let wholeDates = isoOnly && d != 45 && (d < 48 || d > 57)
        var p = pos
        var taken = 0
        @inline(__always) func isEnd(_ c: UInt8) -> Bool { ends[Int(c)] != 0 }
        /// The end of the field starting at `i`.
        @inline(__always) func fieldEnd(_ i: Int) -> Int {
            var e = i
            while !isEnd(base[e]) { e &+= 1 }
            return e
        }
        @inline(__always) func bytes(_ i: Int, _ e: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: base + i, count: e - i)
        }
        while true {
            var r = 0
            var lines = 0
            records: while r < FastBatch.rows, p < limit {
                let first = base[p]
                if first == 10 || first == 13 { break }
                var q = p
                for col in 0..<width {
                    // A field that starts with a quote is left to the general loop: the cases
                    // that step over or keep the bytes check for it; a number or a date that
                    // does not parse checks for it before its other cases.
                    let k = slot[col]
                    switch plan[col] {
                    case .skip:
                        if base[q] == 34 { break records }
                        q = fieldEnd(q)
                    case .skipChecked:
                        // The usual value first: a real ISO date, told without a scan or a day count.
                        if wholeDates, q &+ 10 < n, isEnd(base[q &+ 10]), isISODate(base + q) { q &+= 10; break }
                        if base[q] == 34 { break records }
                        let e = fieldEnd(q)
                        // Dates are 6 bytes or more (`1/2/19`); ISO alone, 8 to 10, and a real
                        // ISO date is quickly told.
                        if e - q >= minDate, e - q <= maxDate || trim, !(isoOnly && e - q == 10 && isoDays(base + q) != nil),
                           ctx.mayBeImpossibleDate(bytes(q, e)) { break records }
                        q = e
                    case .int:
                        // Sign and at most 18 digits, read while scanning (as `parseInt`).
                        var i = q
                        let neg = base[i] == 45
                        if neg || base[i] == 43 { i &+= 1 }
                        let s = i
                        var v: Int64 = 0
                        while true {
                            let digit = base[i] &- 48
                            if digit > 9 { break }
                            v = v &* 10 &+ Int64(digit); i &+= 1
                        }
                        let digits = i &- s
                        if digits > 0, digits <= 18, isEnd(base[i]) {
                            if v == 0, neg { break records }
                            FastBatch.slot(values, k, Int64.self)[r] = neg ? -v : v
                            q = i
                        } else {
                            if base[q] == 34 { break records }
                            let e = fieldEnd(q)
                            guard missing.contains(bytes(q, e)) else { break records }
                            FastBatch.slot(values, k, Int64.self)[r] = Column.intNA
                            q = e
                        }
                    case .double:
                        // The usual shape read while scanning (as `parseDouble`'s quick path),
                        // anything else by `parseDouble`.
                        var i = q
                        let neg = base[i] == 45
                        if neg || base[i] == 43 { i &+= 1 }
                        var mantissa: Int64 = 0
                        let intStart = i
                        while true {
                            let digit = base[i] &- 48
                            if digit > 9 { break }
                            mantissa = mantissa &* 10 &+ Int64(digit); i &+= 1
                        }
                        let intDigits = i &- intStart
                        var fracDigits = 0
                        if base[i] == 46 {
                            i &+= 1
                            let fracStart = i
                            while true {
                                let digit = base[i] &- 48
                                if digit > 9 { break }
                                mantissa = mantissa &* 10 &+ Int64(digit); i &+= 1
                            }
                            fracDigits = i &- fracStart
                        }
                        let digits = intDigits &+ fracDigits
                        if digits > 0, digits <= 15, isEnd(base[i]) {
                            let v = fracDigits == 0 ? Double(mantissa) : Double(mantissa) / pow10(fracDigits)
                            FastBatch.slot(values, k, Double.self)[r] = neg ? -v : v
                            q = i
                        } else {
                            if base[q] == 34 { break records }
                            let e = fieldEnd(q)
                            let b = bytes(q, e)
                            if let v = parseDouble(b) {
                                FastBatch.slot(values, k, Double.self)[r] = v
                            } else {
                                guard missing.contains(b) else { break records }
                                FastBatch.slot(values, k, Double.self)[r] = .nan
                            }
                            q = e
                        }
                    case .isoDate:
                        if q + 10 < n, isEnd(base[q + 10]), let days = isoDays(base + q) {
                            FastBatch.slot(values, k, Int32.self)[r] = days
                            q &+= 10
                        } else {
                            if base[q] == 34 { break records }
                            let e = fieldEnd(q)
                            guard missing.contains(bytes(q, e)) else { break records }
                            FastBatch.slot(values, k, Int32.self)[r] = Column.dateNA
                            q = e
                        }
                    case .bool:
                        if base[q] == 34 { break records }
                        let e = fieldEnd(q)
                        let b = bytes(q, e)
                        if let v = parseBool(b) {
                            FastBatch.slot(values, k, UInt8.self)[r] = v
                        } else {
                            guard missing.contains(b) else { break records }
                            FastBatch.slot(values, k, UInt8.self)[r] = Column.boolNA
                        }
                        q = e
                    case .text:
                        if base[q] == 34 { break records }
                        let e = fieldEnd(q)
                        let b = bytes(q, e)
                        FastBatch.slot(values, k, UInt32.self)[r] = missing.contains(b) ? Column.stringNA : builders[k].text.code(b)
                        q = e
                    case .ignore:
                        if base[q] == 34 { break records }
                        q = fieldEnd(q)
                    case .missingOnly:
                        if base[q] == 34 { break records }
                        let e = fieldEnd(q)
                        guard missing.contains(bytes(q, e)) else { break records }
                        q = e
                    case .none:
                        break records
                    }
                    // The field's end: a delimiter before the last column, a line end after it.
                    if col != lastColumn {
                        guard base[q] == d else { break records }
                        q &+= 1
                    } else {
                        let c = base[q]
                        if c == 10 { q &+= 1 } else if c == 13 {
                            q &+= 1
                            if q < buffer.count, base[q] == 10 { q &+= 1 }
                        } else { break records }
                        lines &+= 1
                    }
                }
                p = q
                r &+= 1
            }
            // The batch's values to the builders.
            if r > 0 {
                for col in 0..<width {
                    let k = slot[col]
                    guard k >= 0 else { continue }
                    switch plan[col] {
                    case .int: builders[k].ints.append(contentsOf: UnsafeBufferPointer(start: FastBatch.slot(values, k, Int64.self), count: r))
                    case .double: builders[k].doubles.append(contentsOf: UnsafeBufferPointer(start: FastBatch.slot(values, k, Double.self), count: r))
                    case .isoDate: builders[k].dates.append(contentsOf: UnsafeBufferPointer(start: FastBatch.slot(values, k, Int32.self), count: r))
                    case .bool: builders[k].bools.append(contentsOf: UnsafeBufferPointer(start: FastBatch.slot(values, k, UInt8.self), count: r))
                    case .text: builders[k].text.codes.append(contentsOf: UnsafeBufferPointer(start: FastBatch.slot(values, k, UInt32.self), count: r))
                    case .missingOnly: builders[k].leadingMissing += r
                    case .ignore, .skip, .skipChecked, .none: break
                    }
                }
                pos = p
                line += lines
                rows += r
                taken += r
            }
            if r < FastBatch.rows || p >= to { break }
            if let cancellation { try cancellation.check() }
        }
        // A record left at once: wait longer each time before trying again.
        if taken == 0 {
            batch.misses += 1
            batch.wait = min(1 << min(batch.misses, 12), 4096) - 1
        } else {
            batch.misses = 0
        }
        return taken
    }

    /// The days of an ISO date `YYYY-MM-DD` in the 10 bytes at `p` (nil when not of that
    /// shape or not a real day), as `CivilDate.parse`: Hinnant's `days_from_civil`.
    @inline(__always)
    static func isoDays(_ p: UnsafePointer<UInt8>) -> Int32? {
        guard let (year, month, day) = isoFields(p) else { return nil }
        return CivilDate.daysFromCivil(year: year, month: month, day: day)
    }

    /// The 10 bytes at `p` are a real ISO date (`isoDays` would give a day).
    @inline(__always)
    static func isISODate(_ p: UnsafePointer<UInt8>) -> Bool { isoFields(p) != nil }

    /// Year, month and day of an ISO date `YYYY-MM-DD` in the 10 bytes at `p`, when of that
    /// shape and a real day.
    @inline(__always)
    static func isoFields(_ p: UnsafePointer<UInt8>) -> (year: Int, month: Int, day: Int)? {
        guard p[4] == 45, p[7] == 45 else { return nil }
        let y0 = p[0] &- 48, y1 = p[1] &- 48, y2 = p[2] &- 48, y3 = p[3] &- 48
        let m0 = p[5] &- 48, m1 = p[6] &- 48, d0 = p[8] &- 48, d1 = p[9] &- 48
        guard y0 <= 9, y1 <= 9, y2 <= 9, y3 <= 9, m0 <= 9, m1 <= 9, d0 <= 9, d1 <= 9 else { return nil }
        let year = Int(y0) &* 1000 &+ Int(y1) &* 100 &+ Int(y2) &* 10 &+ Int(y3)
        let month = Int(m0) &* 10 &+ Int(m1), day = Int(d0) &* 10 &+ Int(d1)
        guard month >= 1, month <= 12, day >= 1 else { return nil }
        if day > 28, day > CivilDate.daysInMonth(year: year, month: month) { return nil }
        return (year, month, day)
    }
}
