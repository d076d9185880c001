import Synchronization

/// Columns written into their final arrays while the pieces are parsed, instead of joined
/// from the pieces' arrays afterwards (`CSVMerge.swift`).
///
/// Joining costs a copy of every value and, above all, the pieces' arrays: fresh memory the
/// system must fault in and zero, as much again as the columns themselves (at 10^7 rows
/// most of a read's system time). Here each column whose type the first records settle
/// (`predict`) gets its final array up front, with room for more rows than the file can
/// hold by its first 64 KiB (the part not written is never touched, so it costs no memory).
/// As soon as the pieces before it are written, a piece's values of those columns are
/// copied to their place and its arrays freed: the next piece parsed on that thread reuses
/// their memory.
///
/// A piece is written only if its values are stored as the join would keep them: the
/// column's predicted type (or all missing), ISO dates, text dictionary-encoded from the
/// start. Text codes are mapped to one dictionary in order of first appearance, piece by
/// piece in order, as the join does. Anything else (another type, a cut inside quotes, more
/// rows than the room) ends the speculation: the pieces already written are parsed again,
/// and the columns are joined as before. The result is the join's in every case.
extension CSVReader {

    final class Speculation {
        /// For each column read: the type its values are written in, or nil (joined).
        let kinds: [Kind?]
        /// Rows the arrays have room for.
        let capacity: Int
        /// Where each speculated column's values go (set while the arrays exist).
        var destinations: [UnsafeMutableRawPointer?]

        private struct State {
            /// The next piece to write; pieces before it are written.
            var next = 0
            /// Rows written.
            var rows = 0
            var failed = false
            /// The dictionary of each text column so far.
            var text: [Int: TextEncoder] = [:]
            /// Double columns of which a written piece held doubles.
            var doubles = Set<Int>()
        }
        private let state = Mutex(State())

        init(kinds: [Kind?], capacity: Int) {
            self.kinds = kinds
            self.capacity = capacity
            destinations = [UnsafeMutableRawPointer?](repeating: nil, count: kinds.count)
        }

        /// The speculation for a read: the types the records at the start of the data give
        /// (parsed from the head of the file, which is read), nil when no column is settled
        /// there or the head does not parse.
        static func predict(_ buffer: UnsafeBufferPointer<UInt8>, _ ctx: Context, _ layout: Layout, head: Int,
                            pieces: Int, sample: Int) -> Speculation? {
            let from = layout.dataStart
            let to = min(head, from + max(sample, 1))
            guard pieces > 1, to > from,
                  let sample = try? parsePiece(UnsafeBufferPointer(rebasing: buffer[0..<head]), ctx, layout, from: from, to: to,
                                               line: layout.firstLine, rowBase: 0, fastPath: true, cancellation: nil),
                  sample.end < head else { return nil }
            let kinds = sample.builders.map { b -> Kind? in
                switch b.kind {
                case .int, .double, .bool: return b.kind
                case .date: return b.dateMask == 1 && b.dateFormat == 0 ? .date : nil
                case .text: return b.textFromStart ? .text : nil
                case .unknown: return nil
                }
            }
            guard kinds.contains(where: { $0 != nil }) else { return nil }
            // The rows the file holds at the sample's density, and a quarter more.
            let expected = Double(max(sample.rows, 1)) * Double(buffer.count - from) / Double(max(sample.end - from, 1))
            return Speculation(kinds: kinds, capacity: Int(expected * 1.25) + 1024)
        }

        /// Makes the speculated columns' arrays, runs `body` while they exist (it returns
        /// the rows written, nil when the speculation failed), and returns them as columns.
        func withColumns(_ body: () throws -> Int?) throws -> [Int: Column]? {
            var out: [Int: Column] = [:]
            var written: Int? = nil
            func make(_ j: Int) throws {
                guard j < kinds.count else { written = try body(); return }
                guard let kind = kinds[j] else { return try make(j + 1) }
                func array<T>(_: T.Type) throws -> [T] {
                    try [T](unsafeUninitializedCapacity: capacity) { buf, count in
                        destinations[j] = UnsafeMutableRawPointer(buf.baseAddress)
                        // Large columns on huge pages: one page fault per 2 MiB written instead of
                        // per 4 KiB (at 10^7 rows of 14 columns, 10,000 faults instead of 230,000).
                        // Not small ones: a column's last huge page is resident whole, which would
                        // be a good part of a column of a few MiB.
                        let bytes = capacity * MemoryLayout<T>.stride
                        if bytes >= 32 << 20, let base = buf.baseAddress { FileBytes.preferHugePages(base, bytes) }
                        defer { destinations[j] = nil }
                        try make(j + 1)
                        // The values are plain numbers: written by copying, nothing to destroy.
                        count = written ?? 0
                    }
                }
                switch kind {
                case .int: out[j] = .int(try array(Int64.self))
                case .double: out[j] = .double(try array(Double.self))
                case .date: out[j] = .date(try array(Int32.self))
                case .bool: out[j] = .bool(try array(UInt8.self))
                case .text:
                    let codes = try array(UInt32.self)
                    out[j] = .string(codes: codes, dictionary: state.withLock { $0.text[j]?.dictionary ?? [] })
                case .unknown: preconditionFailure("a speculated column has a type")
                }
            }
            try make(0)
            return written == nil ? nil : out
        }

        /// The rows written, nil if the speculation failed or not every piece was written.
        func rows(pieces: Int) -> Int? {
            state.withLock { $0.failed || $0.next != pieces ? nil : $0.rows }
        }

        /// The pieces written before the speculation failed (to parse again), 0 if it did not.
        var writtenBeforeFailure: Int { state.withLock { $0.failed ? $0.next : 0 } }

        /// A text column's dictionary took a value that is not UTF-8.
        var invalidUTF8: Bool { state.withLock { $0.text.values.contains { $0.invalidUTF8 } } }

        /// Piece `i` is parsed (`result`): stored in `slots`, and every piece from the next to
        /// write on that is there is written (its speculated builders emptied).
        /// A piece that does not end at the next one's start (`ends`) is not written.
        func completed(_ i: Int, _ result: Result<Piece, Error>, _ slots: UnsafeMutableBufferPointer<Result<Piece, Error>?>,
                       ends: [Int]) {
            state.withLock { s in
                slots[i] = result
                while !s.failed, s.next < slots.count, let slot = slots[s.next] {
                    guard case .success(var piece) = slot, piece.end == ends[s.next] else { s.failed = true; break }
                    slots[s.next] = nil
                    if write(&piece, &s) {
                        slots[s.next] = .success(piece)
                        s.rows += piece.rows
                        s.next += 1
                    } else {
                        slots[s.next] = .success(piece)
                        s.failed = true
                    }
                }
            }
        }

        /// The piece's speculated columns copied to their place; false (nothing changed for
        /// the caller to rely on) when one of them is not stored as the join would keep it.
        private func write(_ piece: inout Piece, _ s: inout State) -> Bool {
            let at = s.rows, n = piece.rows
            guard at + n <= capacity else { return false }
            // First check every column, then write: a piece is written whole or not at all.
            for (j, kind) in kinds.enumerated() {
                guard let kind else { continue }
                let b = piece.builders[j]
                if b.kind == .unknown { continue }
                guard b.kind == kind else { return false }
                let count: Int
                switch kind {
                case .int: count = b.ints.count
                case .double:
                    // `-0` stored as an integer 0 before the piece turned to doubles: after
                    // doubles, the single-threaded parse has -0.0 there (the join reads
                    // such a piece again; `merge`).
                    guard !(b.negativeZero && s.doubles.contains(j)) else { return false }
                    count = b.doubles.count
                case .date:
                    guard b.dateMask == 1, b.dateFormat == 0, !b.dateReread else { return false }
                    count = b.dates.count
                case .bool: count = b.bools.count
                case .text:
                    guard b.textFromStart else { return false }
                    count = b.text.codes.count
                case .unknown: return false
                }
                guard count == n else { return false }
            }
            for (j, kind) in kinds.enumerated() {
                guard let kind, let base = destinations[j] else { continue }
                let b = piece.builders[j]
                func put<T>(_ values: [T], missing: T) {
                    let out = base.assumingMemoryBound(to: T.self) + at
                    if b.kind == .unknown { out.initialize(repeating: missing, count: n); return }
                    values.withUnsafeBufferPointer { out.initialize(from: $0.baseAddress!, count: n) }
                }
                switch kind {
                case .int: put(b.ints, missing: Column.intNA)
                case .double:
                    put(b.doubles, missing: .nan)
                    if b.kind == .double { s.doubles.insert(j) }
                case .date: put(b.dates, missing: Column.dateNA)
                case .bool: put(b.bools, missing: Column.boolNA)
                case .text:
                    let out = base.assumingMemoryBound(to: UInt32.self) + at
                    if b.kind == .unknown { out.initialize(repeating: Column.stringNA, count: n); break }
                    var merged = s.text[j] ?? TextEncoder()
                    let e = b.text
                    let remap = (0..<e.dictionary.count).map { k in e.withEntry(k) { merged.code($0) } }
                    s.text[j] = merged
                    remap.withUnsafeBufferPointer { remap in
                        e.codes.withUnsafeBufferPointer { codes in
                            for r in 0..<n {
                                let c = codes[r]
                                out[r] = c == Column.stringNA ? c : remap[Int(c)]
                            }
                        }
                    }
                case .unknown: break
                }
                piece.builders[j] = Builder()
            }
            return true
        }
    }
}
