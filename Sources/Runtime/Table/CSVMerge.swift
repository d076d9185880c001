/// The columns of a file parsed in pieces (`CSVChunks.swift`): each column's type from its
/// pieces', the pieces whose values must be read again, and the joined columns.
extension CSVReader {

    /// A column of a piece read again, in the column's final type.
    enum Reread {
        /// Dictionary-encoded (the column is text, the piece holds other values).
        case text
        /// Dates in this format (a later value ruled out the one stored).
        case date(format: Int)
        /// Numbers read as doubles (the piece stored `-0` as an integer after doubles).
        case double
    }

    /// The values of one column of one piece read again.
    struct Reparsed {
        var text = TextEncoder()
        var dates = [Int32]()
        var doubles = [Double]()
    }

    /// The type the single-threaded parse gives a column whose first values were of type `a`
    /// and later ones of type `b`.
    static func join(_ a: Kind, _ b: Kind) -> Kind {
        switch (a, b) {
        case (.unknown, _): return b
        case (_, .unknown): return a
        case (.int, .double), (.double, .int): return .double
        case (.int, .int), (.double, .double), (.date, .date), (.bool, .bool): return a
        case (.int, _), (.double, _), (.date, _), (.bool, _), (.text, _): return .text
        }
    }

    /// The final columns from the pieces, in order; the pieces' builders are released as
    /// their columns are joined. Nil (never for one piece) when the pieces cannot be joined
    /// into the single-threaded result: a column of dates whose pieces allow different
    /// formats, or, with more than one date format read, a column with dates and other
    /// values (which values the single-threaded parse accepts, and which it refuses as
    /// impossible dates, depends on the formats still possible when it meets them).
    /// `parsed` is called once every value is read, before the columns are joined (the
    /// bytes may be released then).
    /// Columns in `speculated` (`CSVSpeculation.swift`) are already whole: taken as they are.
    static func merge(_ pieces: inout [Piece], _ bytes: FileBytes, _ ctx: Context, _ layout: Layout,
                      speculated: [Int: Column] = [:], speculatedInvalidUTF8: Bool = false,
                      cancellation: Cancellation?, parsed: ([Piece]) -> Void) throws -> [Column]? {
        let buffer = bytes.buffer
        let m = layout.projection.columns.count
        var kinds = [Kind](repeating: .unknown, count: m)
        var rereads = [[(column: Int, what: Reread)]](repeating: [], count: pieces.count)
        let several = pieces.count > 1
        for j in 0..<m where speculated[j] == nil {
            var kind = Kind.unknown
            var mask: UInt64 = 0
            for piece in pieces {
                let b = piece.builders[j]
                if b.dateMask != 0 {
                    if mask == 0 { mask = b.dateMask } else if mask != b.dateMask, several { return nil }
                }
                kind = join(kind, b.kind)
            }
            if several, ctx.formats.count > 1, mask != 0, kind != .date { return nil }
            kinds[j] = kind
            var doublesBefore = false
            for (i, piece) in pieces.enumerated() {
                let b = piece.builders[j]
                switch kind {
                case .text:
                    if b.kind != .unknown, !(b.kind == .text && b.textFromStart) { rereads[i].append((j, .text)) }
                case .date:
                    let format = mask.trailingZeroBitCount
                    if b.kind == .date, b.dateFormat != format || b.dateReread { rereads[i].append((j, .date(format: format))) }
                case .double:
                    if b.negativeZero, doublesBefore { rereads[i].append((j, .double)) }
                    if b.kind == .double { doublesBefore = true }
                case .int, .bool, .unknown: break
                }
            }
        }
        let again = try reread(pieces, rereads, bytes, ctx, layout, cancellation: cancellation)
        parsed(pieces)
        // One column at a time, on this thread (joined on all cores, the columns were
        // allocated in the worker threads' arenas, which keep freed memory: a second read
        // then had a higher peak).
        var columns = [Column]()
        columns.reserveCapacity(m)
        var invalidUTF8 = speculatedInvalidUTF8
        for j in 0..<m {
            if let c = speculated[j] {
                columns.append(c)
                continue
            }
            // Pages of arrays copied into the column go back as each piece is copied (on all
            // cores): freed memory in pieces is too scattered to hold the next columns.
            columns.append(joinColumn(j, kinds[j], pieces, again, rereads, &invalidUTF8))
            for i in pieces.indices { pieces[i].builders[j] = Builder() }
        }
        // Any byte that is not UTF-8 (in a column read or not) is an encoding error, as
        // when every column is read. (Released or discarded bytes were all UTF-8.)
        if invalidUTF8 || !pieces.allSatisfy(\.utf8) {
            try bytes.restore()
            if let e = encodingError(buffer, origin: ctx.origin) { throw e }
        }
        return columns
    }

    /// Reads again, in parallel, the columns of the pieces listed.
    private static func reread(_ pieces: [Piece], _ rereads: [[(column: Int, what: Reread)]], _ bytes: FileBytes,
                               _ ctx: Context, _ layout: Layout, cancellation: Cancellation?) throws -> [[Reparsed]] {
        let buffer = bytes.buffer
        let work = pieces.indices.filter { !rereads[$0].isEmpty }
        let slots = UnsafeMutableBufferPointer<Result<[Reparsed], Error>?>.allocate(capacity: pieces.count)
        slots.initialize(repeating: .success([]))
        defer { slots.deinitialize(); slots.deallocate() }
        concurrently(work.count) { w in
            let i = work[w]
            slots[i] = Result {
                try bytes.restore(pieces[i].start..<pieces[i].end)
                let out = try rereadPiece(pieces[i], rereads[i], buffer, ctx, layout, cancellation: cancellation)
                bytes.discard(pieces[i].start, pieces[i].end)
                return out
            }
        }
        return try (0..<pieces.count).map { try slots[$0]!.get() }
    }

    private static func rereadPiece(_ piece: Piece, _ list: [(column: Int, what: Reread)], _ buffer: UnsafeBufferPointer<UInt8>,
                                    _ ctx: Context, _ layout: Layout, cancellation: Cancellation?) throws -> [Reparsed] {
        var slot = [Int](repeating: -1, count: layout.width)
        for (k, r) in list.enumerated() { slot[layout.projection.columns[r.column]] = k }
        var out = [Reparsed](repeating: Reparsed(), count: list.count)
        for k in 0..<list.count {
            switch list[k].what {
            case .text: out[k].text.codes.reserveCapacity(piece.rows)
            case .date: out[k].dates.reserveCapacity(piece.rows)
            case .double: out[k].doubles.reserveCapacity(piece.rows)
            }
        }
        let what = list.map(\.what)
        let missing = ctx.missing
        var scanner = Scanner(buf: buffer, delimiter: ctx.delimiter)
        scanner.pos = piece.start
        scanner.wanted = slot.map { $0 >= 0 }
        var rows = 0
        while scanner.pos < piece.end {
            scanner.skipBlankLines(upTo: piece.end)
            if scanner.pos >= piece.end { break }
            if rows & 0x3FFF == 0x3FFF, let cancellation { try cancellation.check() }
            rows += 1
            _ = try scanner.record(ctx.origin) { col, b in
                guard col < slot.count else { return }
                let k = slot[col]
                if k < 0 { return }
                switch what[k] {
                case .text:
                    if missing.contains(b) { out[k].text.codes.append(Column.stringNA) } else { out[k].text.append(b) }
                case .date(let format):
                    if missing.contains(b) { out[k].dates.append(Column.dateNA); return }
                    switch ctx.formats[format].parse(ctx.typed(b)) {
                    case .date(let d): out[k].dates.append(d.days)
                    case .invalid, .notADate:
                        // Every stored value was read in every format still possible.
                        assertionFailure("a date column's values fit its final format")
                        out[k].dates.append(Column.dateNA)
                    }
                case .double:
                    if missing.contains(b) { out[k].doubles.append(.nan); return }
                    guard let d = ctx.number(ctx.typed(b)) else {
                        assertionFailure("a double column's values are numbers")
                        out[k].doubles.append(.nan); return
                    }
                    out[k].doubles.append(d)
                }
            }
        }
        guard rows == piece.rows, scanner.pos == piece.end else {
            throw DataError(file: ctx.origin, message: "the file changed while it was being read; read it again")
        }
        return out
    }

    /// Column `j` from its pieces (and their values read again).
    private static func joinColumn(_ j: Int, _ kind: Kind, _ pieces: [Piece], _ again: [[Reparsed]],
                                   _ rereads: [[(column: Int, what: Reread)]], _ invalidUTF8: inout Bool) -> Column {
        let total = pieces.reduce(0) { $0 + $1.rows }
        /// The values piece `i` read again for column `j`, if it did.
        func reparsed(_ i: Int) -> Int? { rereads[i].firstIndex { $0.column == j } }
        if pieces.count == 1, rereads[0].isEmpty {
            // One piece and nothing read again: its arrays as they are.
            invalidUTF8 = invalidUTF8 || pieces[0].builders[j].text.invalidUTF8
            return pieces[0].builders[j].column(rows: total)
        }
        switch kind {
        case .unknown:
            return .string(codes: [UInt32](repeating: Column.stringNA, count: total), dictionary: [])
        case .int:
            return .int(assemble(pieces, j, total) { i, out in
                let b = pieces[i].builders[j]
                if b.kind == .unknown { out.initialize(repeating: Column.intNA) } else { _ = out.initialize(from: b.ints) }
            })
        case .bool:
            return .bool(assemble(pieces, j, total) { i, out in
                let b = pieces[i].builders[j]
                if b.kind == .unknown { out.initialize(repeating: Column.boolNA) } else { _ = out.initialize(from: b.bools) }
            })
        case .double:
            return .double(assemble(pieces, j, total) { i, out in
                let b = pieces[i].builders[j]
                if let k = reparsed(i) { _ = out.initialize(from: again[i][k].doubles); return }
                switch b.kind {
                case .double: _ = out.initialize(from: b.doubles)
                case .int: for r in 0..<out.count { out[r] = b.ints[r] == Column.intNA ? .nan : Double(b.ints[r]) }
                case .unknown, .date, .bool, .text: out.initialize(repeating: .nan)
                }
            })
        case .date:
            return .date(assemble(pieces, j, total) { i, out in
                let b = pieces[i].builders[j]
                if let k = reparsed(i) { _ = out.initialize(from: again[i][k].dates); return }
                if b.kind == .unknown { out.initialize(repeating: Column.dateNA) } else { _ = out.initialize(from: b.dates) }
            })
        case .text:
            // One dictionary in order of first appearance: each piece's entries in its order
            // (in piece order here), then each piece's codes mapped (in parallel).
            var merged = TextEncoder()
            func encoder(_ i: Int) -> TextEncoder? {
                let k = reparsed(i)
                guard pieces[i].builders[j].kind != .unknown || k != nil else { return nil }
                return k.map { again[i][$0].text } ?? pieces[i].builders[j].text
            }
            let remaps = pieces.indices.map { i -> [UInt32] in
                guard let e = encoder(i) else { return [] }
                return (0..<e.dictionary.count).map { k in e.withEntry(k) { merged.code($0) } }
            }
            let codes = assemble(pieces, j, total) { (i: Int, out: UnsafeMutableBufferPointer<UInt32>) in
                guard let e = encoder(i) else { out.initialize(repeating: Column.stringNA); return }
                remaps[i].withUnsafeBufferPointer { remap in
                    e.codes.withUnsafeBufferPointer { codes in
                        for r in 0..<out.count {
                            let c = codes[r]
                            out[r] = c == Column.stringNA ? c : remap[Int(c)]
                        }
                    }
                }
            }
            invalidUTF8 = invalidUTF8 || merged.invalidUTF8
            return .string(codes: codes, dictionary: merged.dictionary)
        }
    }

    /// Column `j`: an array of `total` values, piece `i` writing its rows (initializing them
    /// all), the pieces on all cores (the array is allocated on this thread); then the pages
    /// of the piece's arrays go back (`Builder.discardPages`), when there are several.
    private static func assemble<T>(_ pieces: [Piece], _ j: Int, _ total: Int,
                                    _ write: (Int, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
        var starts = [0]
        for piece in pieces { starts.append(starts[starts.count - 1] + piece.rows) }
        return [T](unsafeUninitializedCapacity: total) { buf, count in
            if let base = buf.baseAddress { FileBytes.preferHugePages(base, total * MemoryLayout<T>.stride) }
            concurrently(pieces.count) { i in
                write(i, UnsafeMutableBufferPointer(rebasing: buf[starts[i]..<starts[i + 1]]))
                if pieces.count > 1 { pieces[i].builders[j].discardPages() }
            }
            count = total
        }
    }
}
