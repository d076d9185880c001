#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Parsing a CSV file in pieces on all cores, with the result of the single-threaded parse.
///
/// 1. `plan`: the data (after the header) is cut into pieces at line ends outside quotes:
///    the quotes of each stretch are counted (in parallel), so the quote parity at any
///    byte is known, and each cut is the first line end after its nominal place where the
///    parity is even. A stray quote in an unquoted field makes the parity lie; step 3
///    catches that. A lazy read (`planLazily`) is cut at the first line end after each
///    nominal place, read there; a cut inside quotes is caught by step 3 too, and the
///    file is then read whole and cut by parity.
/// 2. `parsePiece` (in parallel): each piece is parsed from fresh builders, as if it were
///    a file of its own (type inference per piece), its records counted. In a lazy read a
///    piece reads its bytes first and sees nothing past them.
/// 3. Check: each piece must end exactly where the next begins (a record that ran across a
///    cut means the cut was inside a quoted field). Any error in a piece, a piece that does
///    not join, or date columns whose pieces disagree on the formats that fit them: the
///    file is parsed again in one piece, which is the single-threaded parse, errors and
///    all.
/// 4. `merge`: each column's type is the join of its pieces' types, in order (what the
///    single-threaded parse reaches: integers and doubles make doubles, any other mix makes
///    text); pieces whose values are stored otherwise (numbers in a column that is text,
///    dates stored in a format a later piece ruled out, `-0` stored as an integer 0 after a
///    piece of doubles) are read again, in parallel, for those columns only (`reread`);
///    then each column's pieces are joined, text dictionaries in order of first appearance.
///    Columns whose type the first records of the file settle skip the join: each piece's
///    values go into the column's final array as soon as the pieces before it are there, and
///    its arrays are freed for the next piece (`CSVSpeculation.swift`); a piece stored
///    otherwise ends that, and the pieces already written are parsed again.
extension CSVReader {

    /// How a read uses the machine: threads, and the bytes a piece has at least (public
    /// for tests and fuzzing, which cut small inputs into many pieces).
    public struct Parallelism: Sendable {
        public var threads: Int
        public var pieceBytes: Int
        /// Records are taken by the fast path where it can (`CSVFastPath.swift`); false:
        /// every record by the general loop, which tests and fuzzing compare it with.
        public var fastPath: Bool
        /// Columns whose type the first records settle are written into their final arrays
        /// as the pieces are parsed (`CSVSpeculation.swift`); false: every column joined from
        /// the pieces, which tests compare it with.
        public var speculate: Bool
        /// The bytes of data whose records predict the speculated columns' types (tests and
        /// fuzzing make it small, so that small inputs are speculated on).
        public var sampleBytes: Int

        public init(threads: Int, pieceBytes: Int, fastPath: Bool = true, speculate: Bool = true, sampleBytes: Int = 64 << 10) {
            self.threads = threads; self.pieceBytes = pieceBytes; self.fastPath = fastPath; self.speculate = speculate
            self.sampleBytes = sampleBytes
        }

        /// Every processor, pieces of 2 MiB or more, and no bigger than that makes them up to
        /// 256 pieces per thread: a piece's bytes and columns then stay in the cache between
        /// its read, its parse and its copy to the final columns (pieces of 22 MiB, at 10^7
        /// rows, made the read 20% slower per row than at 10^6). The bound keeps what each
        /// piece holds until the join (its own text dictionaries) to a few hundred copies.
        public static var machine: Parallelism {
            Parallelism(threads: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), pieceBytes: 2 << 20)
        }

        /// One thread, one piece: the single-threaded parse.
        public static let single = Parallelism(threads: 1, pieceBytes: Int.max)

        /// The single-threaded parse by the general loop alone: the reference.
        public static let general = Parallelism(threads: 1, pieceBytes: Int.max, fastPath: false)
    }

    /// The columns read: for each column of the file its index among those read (-1: not read).
    struct Projection {
        let slot: [Int]
        /// The file's column of each column read.
        let columns: [Int]
        /// For the scanner: which fields to pass (empty: all).
        let wanted: [Bool]

        init(width: Int, reading: [Int]?) {
            guard let reading else {
                slot = Array(0..<width); columns = Array(0..<width); wanted = []
                return
            }
            var s = [Int](repeating: -1, count: width)
            for (k, c) in reading.enumerated() { s[c] = k }
            slot = s; columns = reading
            wanted = s.map { $0 >= 0 }
        }
    }

    /// What one piece of the data gave.
    struct Piece {
        var start: Int
        var end: Int
        var rows = 0
        /// Lines the scanner counted in the piece.
        var lines = 0
        /// The piece's bytes are UTF-8.
        var utf8 = true
        /// Columns not read with a value that may be an impossible date (`2019-13-02`): the
        /// single-threaded parse of all columns may stop there (see `parseTable`).
        var suspicious: [Int] = []
        var builders: [Builder] = []
    }

    /// Where the records of one file are: the header's end and line, the columns.
    struct Layout {
        let dataStart: Int
        let firstLine: Int
        let header: [String]
        let projection: Projection
        var width: Int { header.count }
    }

    // MARK: - Cutting

    /// The starts of the pieces (the first is `from`), cut at line ends outside quotes.
    static func plan(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, _ parallel: Parallelism) -> [Int] {
        let size = buffer.count - from
        let k = pieceCount(size, parallel)
        guard k > 1, let base = buffer.baseAddress else { return [from] }
        let nominal = (0...k).map { from + Int((Int64(size) * Int64($0)) / Int64(k)) }
        // The quotes in each stretch, counted in parallel.
        let quotes = UnsafeMutableBufferPointer<Int>.allocate(capacity: k)
        defer { quotes.deallocate() }
        quotes.initialize(repeating: 0)
        concurrently(k) { i in
            var n = 0
            var p = UnsafeRawPointer(base + nominal[i])
            let end = UnsafeRawPointer(base + nominal[i + 1])
            while p < end, let hit = memchr(p, 34, p.distance(to: end)) { n += 1; p = UnsafeRawPointer(hit) + 1 }
            quotes[i] = n
        }
        var starts = [from]
        var parity = quotes[0] & 1
        for i in 1..<k {
            // The first line end at or after the nominal cut with an even number of quotes
            // before it (a cut past the nominal place has an even number before it).
            var p = nominal[i], odd = parity
            if starts[starts.count - 1] >= p { p = starts[starts.count - 1]; odd = 0 }
            while p < buffer.count {
                let c = base[p]
                if c == 34 { odd ^= 1 } else if c == 10, odd == 0 { break }
                p += 1
            }
            if p + 1 < buffer.count, p + 1 > starts[starts.count - 1] { starts.append(p + 1) }
            parity ^= quotes[i] & 1
        }
        return starts
    }

    /// How many pieces `size` bytes of data are cut into (1: not cut): as many as have
    /// `pieceBytes` each, at most 256 per thread.
    static func pieceCount(_ size: Int, _ parallel: Parallelism) -> Int {
        guard parallel.threads > 1, parallel.pieceBytes > 0, size > parallel.pieceBytes else { return 1 }
        return min(size / parallel.pieceBytes, parallel.threads * 256)
    }

    /// The starts of the pieces of a lazy read (the first is `from`): the first line end at
    /// or after each nominal cut, read there (into scratch memory: the pieces read their
    /// bytes into memory of their own); nil when a line is too long to find it so.
    static func planLazily(_ bytes: FileBytes, from: Int, _ parallel: Parallelism) throws -> [Int]? {
        let count = bytes.buffer.count
        let size = count - from
        let k = pieceCount(size, parallel)
        guard k > 1 else { return [from] }
        let probe = 64 << 10
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: probe, alignment: 16)
        defer { scratch.deallocate() }
        var starts = [from]
        for i in 1..<k {
            let nominal = max(from + Int((Int64(size) * Int64(i)) / Int64(k)), starts[starts.count - 1])
            let end = min(nominal + probe, count)
            try bytes.copy(nominal..<end, to: scratch)
            guard let hit = memchr(scratch, 10, end - nominal) else { return nil }
            let cut = nominal + (UnsafeRawPointer(hit) - UnsafeRawPointer(scratch)) + 1
            if cut < count, cut > starts[starts.count - 1] { starts.append(cut) }
        }
        return starts
    }

    // MARK: - Parsing a piece

    /// Parses the records that start in `from..<to` (the last may run past `to`) into fresh
    /// builders. Errors name lines from `line` and rows after `rowBase`.
    static func parsePiece(_ buffer: UnsafeBufferPointer<UInt8>, _ ctx: Context, _ layout: Layout,
                           from: Int, to: Int, line: Int, rowBase: Int, fastPath: Bool, cancellation: Cancellation?) throws -> Piece {
        let origin = ctx.origin
        let width = layout.width
        var scanner = Scanner(buf: buffer, delimiter: ctx.delimiter)
        scanner.pos = from
        scanner.line = line
        scanner.names = layout.header
        var template = Builder()
        template.expectedRows = expectedRecords(buffer, from: from, to: to)
        var builders = [Builder](repeating: template, count: layout.projection.columns.count)
        var rows = 0
        var firstError: (column: Int, message: String)?
        let missing = ctx.missing
        let typedMissing = ctx.typedMissing
        let slot = layout.projection.slot
        let partial = !layout.projection.wanted.isEmpty
        var suspicious = [Int]()
        // The builders are reached through their buffer: no copy-on-write check per field.
        var batch = FastBatch(width: width, read: layout.projection.columns.count, delimiter: ctx.delimiter)
        defer { batch.free() }
        try builders.withUnsafeMutableBufferPointer { bp in
            try slot.withUnsafeBufferPointer { sp in
                while scanner.pos < to {
                    // Records the fast path takes (`CSVFastPath.swift`); the next, if any, here.
                    if fastPath, try fastRecords(buffer, to: to, pos: &scanner.pos, line: &scanner.line, rows: &rows, bp, sp, ctx,
                                       partial: partial, &batch, cancellation: cancellation) > 0, scanner.pos >= to { break }
                    scanner.skipBlankLines(upTo: to)
                    if scanner.pos >= to { break }
                    if rows & 0x3FFF == 0x3FFF, let cancellation { try cancellation.check() }
                    let n = try scanner.record(origin) { col, b in
                        guard col < width else { return }
                        let k = sp[col]
                        if k < 0 {
                            if partial, ctx.mayBeImpossibleDate(b), !suspicious.contains(col) { suspicious.append(col) }
                            return
                        }
                        // The common cases inline: a number in a numeric column (a value that
                        // parses is not missing, unless a missing value can look like a number),
                        // a value in a text column. The rest in `field`.
                        switch bp[k].kind {
                        case .double: if !typedMissing, let d = parseDouble(b) { bp[k].doubles.append(d); return }
                        case .int: if !typedMissing, let v = parseInt(b) { bp[k].appendInt(v, b); return }
                        case .text:
                            if bp[k].textFromStart, !missing.contains(b) { bp[k].text.append(b); return }
                        case .date, .unknown, .bool: break
                        }
                        if let msg = field(&bp[k], b, ctx), firstError == nil { firstError = (col, msg) }
                    }
                    guard let n else { break }
                    let rowNumber = rowBase + rows + 1
                    if let firstError {
                        throw DataError(file: origin, line: scanner.recordLine, row: rowNumber,
                                        column: layout.header[firstError.column], message: firstError.message)
                    }
                    if n != width {
                        throw DataError(file: origin, line: scanner.recordLine, row: rowNumber,
                                        message: "has \(n) field\(n == 1 ? "" : "s") but the header has \(width); check for a missing or extra \(ctx.delimiterName)")
                    }
                    rows += 1
                }
            }
        }
        let utf8 = isUTF8(UnsafeBufferPointer(rebasing: buffer[from..<scanner.pos]))
        return Piece(start: from, end: scanner.pos, rows: rows, lines: scanner.line - line, utf8: utf8,
                     suspicious: suspicious, builders: builders)
    }

    /// About the records in `from..<to`, a little more rather than less, to reserve in each
    /// column: the line ends there, counted in the first 64 KiB and scaled to the whole (an
    /// array that needs more grows).
    static func expectedRecords(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard let base = buffer.baseAddress, from < to else { return 1 }
        let sample = min(to - from, 1 << 16)
        var lineEnds = 0
        var p = UnsafeRawPointer(base + from)
        let end = p + sample
        while p < end, let hit = memchr(p, 10, p.distance(to: end)) { lineEnds += 1; p = UnsafeRawPointer(hit) + 1 }
        if sample == to - from { return lineEnds + 1 }
        return Int(Double(lineEnds + 1) * Double(to - from) / Double(sample) * 1.05) + 16
    }

    /// One field, past the inline cases of the field loop: missing values, ISO dates,
    /// columns whose type is not settled, values that change a column's type.
    @inline(never)
    static func field(_ builder: inout Builder, _ b: UnsafeBufferPointer<UInt8>, _ ctx: Context) -> String? {
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

    /// Parses the data in pieces on `parallel.threads` threads; nil when the pieces do not
    /// give the single-threaded result by joining (see the type's comment): the caller
    /// then parses in one piece.
    /// A lazy read's pieces are read as they are parsed (below); otherwise the bytes of each
    /// piece parsed are discarded (`FileBytes.discard`) when UTF-8.
    static func parsePieces(_ bytes: FileBytes, _ ctx: Context, _ layout: Layout, starts: [Int], threads: Int, fastPath: Bool,
                            speculation: Speculation? = nil, cancellation: Cancellation?) throws -> [Piece]? {
        let buffer = bytes.buffer
        let k = starts.count
        let ends = Array(starts.dropFirst()) + [buffer.count]
        let slots = UnsafeMutableBufferPointer<Result<Piece, Error>?>.allocate(capacity: k)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        let lazy = bytes.lazy && bytes.rereadable
        // A lazy read: each worker reads its pieces one after the other into one window
        // of its own, reused (no fresh pages per piece, nothing to give back), and the
        // piece is parsed there with positions relative to the window, so nothing past
        // it is looked at (a record running past the piece does not join, as above).
        // The window starts one byte early: the fast path looks back from the piece's
        // end for its last line end, which is that byte (the line end before the cut)
        // when the piece has none.
        let longest = zip(starts, ends).map { $1 - $0 }.max() ?? 0
        func parse(_ i: Int, window: UnsafeMutableRawPointer?) -> Result<Piece, Error> {
            Result {
                if cancellation?.isCancelled == true { throw Cancelled() }
                guard let window else {
                    let piece = try parsePiece(buffer, ctx, layout, from: starts[i], to: ends[i], line: 1, rowBase: 0,
                                               fastPath: fastPath, cancellation: cancellation)
                    if piece.utf8 { bytes.discard(piece.start, piece.end) }
                    return piece
                }
                let first = max(starts[i] - 1, 0), length = ends[i] - first
                try bytes.copy(first..<ends[i], to: window)
                let view = UnsafeBufferPointer(start: window.assumingMemoryBound(to: UInt8.self), count: length)
                var piece = try parsePiece(view, ctx, layout, from: starts[i] - first, to: length, line: 1, rowBase: 0,
                                           fastPath: fastPath, cancellation: cancellation)
                piece.start += first
                piece.end += first
                return piece
            }
        }
        /// Parses pieces `0..<count` on `workers` threads, each taking the next piece.
        func parseAll(_ count: Int, workers: Int, speculation: Speculation?) {
            let next = Atomic<Int>(0)
            concurrently(min(count, workers)) { _ in
                // Mapped, not from malloc: freeing a large malloc'd block raises glibc's
                // threshold for mapping, and the pieces' columns would then come from the
                // arenas, which keep freed memory (a higher peak).
                var window: UnsafeMutableRawPointer? = nil
                if lazy {
                    guard let w = mmap(nil, longest + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                          w != MAP_FAILED else { return }
                    window = w
                }
                defer { if let window { munmap(window, longest + 1) } }
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < count else { break }
                    let result = parse(i, window: window)
                    if let speculation { speculation.completed(i, result, slots, ends: ends) } else { slots[i] = result }
                }
            }
        }
        parseAll(k, workers: lazy ? threads : k, speculation: speculation)
        // A speculation that failed: the pieces it wrote (their speculated columns taken
        // out) are parsed again, whole.
        if let speculation, case let written = speculation.writtenBeforeFailure, written > 0 {
            for i in 0..<written { slots[i] = nil }
            if !lazy { try bytes.restore(starts[0]..<ends[written - 1]) }
            parseAll(written, workers: lazy ? threads : written, speculation: nil)
        }
        var pieces = [Piece]()
        pieces.reserveCapacity(k)
        for i in 0..<k {
            // A piece no worker took: no memory to read it in.
            guard let slot = slots[i] else {
                throw DataError(file: ctx.origin, message: "not enough memory to read the file")
            }
            switch slot {
            case .success(let p):
                // A record that ran past the cut: the cut was inside a quoted field.
                if p.end != ends[i] { return nil }
                pieces.append(p)
            case .failure(let e):
                if e is Cancelled { throw e }
                return nil
            }
            slots[i] = nil
        }
        return pieces
    }
}

extension CSVReader {
    /// Runs `body(0)` ... `body(n - 1)` on all cores (Dispatch; the calling thread takes
    /// part) and returns when all are done. The body is not `@Sendable`: it only reads what
    /// the iterations share and writes to its own index of a buffer.
    static func concurrently(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 { if n == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { b in
            let shared = Unchecked(b)
            DispatchQueue.concurrentPerform(iterations: n) { shared.value($0) }
        }
    }
}

/// A value handed to the iterations of `concurrently`, which keep to their own parts.
private final class Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
