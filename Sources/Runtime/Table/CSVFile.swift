#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a file's bytes: in one buffer, on all cores.
extension CSVReader {

    /// The bytes of a file being parsed. Owned bytes can be released before the parse ends
    /// (`release`), after which `buffer` must not be read. Bytes read from a regular file
    /// (`path` set) can also be given back to the system stretch by stretch as soon as they
    /// are parsed (`discard`: their pages then read as zeros) and read from the file again
    /// if needed after all (`restore`), so that the peak holds little of the file and all
    /// of the columns rather than both.
    final class FileBytes {
        let buffer: UnsafeBufferPointer<UInt8>
        private let owned: UnsafeMutableRawPointer?
        private let path: String?
        private(set) var released = false
        /// Only the head of the file is read yet (`readBytes(lazily:)`): each stretch is read
        /// by `restore(range)` when it is parsed, so reading and parsing overlap and the file
        /// is never all in memory. `restore()` of everything ends it.
        fileprivate(set) var lazy = false

        /// Bytes someone else owns (valid while the parse runs).
        init(borrowing buffer: UnsafeBufferPointer<UInt8>) {
            self.buffer = buffer
            owned = nil
            path = nil
        }

        /// `count` bytes at `memory` (from `malloc`), freed by this object; read from the
        /// regular file at `path`, if given.
        init(owning memory: UnsafeMutableRawPointer, count: Int, path: String? = nil) {
            owned = memory
            self.path = path
            buffer = UnsafeBufferPointer(start: memory.assumingMemoryBound(to: UInt8.self), count: count)
        }

        func release() {
            if !released, let owned { free(owned) }
            released = true
        }

        deinit { release() }

        /// Gives back the whole pages of bytes `from..<to` (when they can be read again).
        func discard(_ from: Int, _ to: Int) {
            guard path != nil, let owned, !released else { return }
            Self.discardPages(owned + from, to - from)
        }

        /// Gives back the whole pages of `count` bytes at `start` (`madvise(MADV_DONTNEED)`:
        /// they read as zeros after).
        static func discardPages(_ start: UnsafeMutableRawPointer, _ count: Int) {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            guard page > 0 else { return }
            let lo = (Int(bitPattern: start) + page - 1) / page * page
            let hi = (Int(bitPattern: start) + count) / page * page
            if hi > lo, let p = UnsafeMutableRawPointer(bitPattern: lo) { _ = madvise(p, hi - lo, MADV_DONTNEED) }
        }

        /// Asks for the whole 2 MiB pages of `count` bytes at `start` to be huge pages
        /// (`madvise(MADV_HUGEPAGE)`; a no-op where the system has none): large buffers
        /// filled once then cost one page fault per 2 MiB instead of per 4 KiB.
        static func preferHugePages(_ start: UnsafeMutableRawPointer, _ count: Int) {
            #if os(Linux)
            let huge = 2 << 20
            let lo = (Int(bitPattern: start) + huge - 1) / huge * huge
            let hi = (Int(bitPattern: start) + count) / huge * huge
            if hi > lo, let p = UnsafeMutableRawPointer(bitPattern: lo) { _ = madvise(p, hi - lo, 14 /* MADV_HUGEPAGE */) }
            #endif
        }

        /// Reads bytes `from..<to` (all when nil) from the file again, after `discard`, or
        /// for the first time in a lazy read. Throws when the file is no longer as it was
        /// when opened.
        func restore(_ range: Range<Int>? = nil) throws {
            guard let owned, !released else { return }
            if range == nil { lazy = false }
            let r = range ?? 0..<buffer.count
            try copy(r, to: owned + r.lowerBound)
        }

        /// Reads bytes `range` of the file to `destination` (`range.count` bytes there),
        /// leaving this object's buffer as it is: a lazy read's piece is read into memory its
        /// thread reuses, which costs no fresh pages. Throws when the file is no longer as it
        /// was when opened.
        func copy(_ range: Range<Int>, to destination: UnsafeMutableRawPointer) throws {
            guard let path, !released else { return }
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw changed(path) }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, Int(st.st_size) == buffer.count else { throw changed(path) }
            var at = range.lowerBound
            while at < range.upperBound {
                let n = pread(fd, destination + (at - range.lowerBound), range.upperBound - at, off_t(at))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw changed(path) }
                at += n
            }
        }

        /// Whether the bytes can be read again from their file (`copy`, `restore`).
        var rereadable: Bool { path != nil && owned != nil && !released }

        private func changed(_ path: String) -> DataError {
            DataError(file: path, message: "the file changed while it was being read; read it again")
        }
    }

    /// The bytes of a file. A regular file is read with `pread` into one buffer of its size,
    /// in stretches on `threads` threads (copying from the page cache is a good part of
    /// reading a cached file); if it is not a regular file, or it changes size while being
    /// read, it is read again as a stream (`readFile`). Never mapped: a file truncated
    /// while mapped would end the process.
    ///
    /// `lazily`: a regular file of more than `lazyAbove` bytes (4 MiB) whose first line ends
    /// within its first MiB is not read beyond that MiB and its last byte here (see
    /// `FileBytes.lazy`).
    static func readBytes(_ path: String, threads: Int, lazily: Bool = false, lazyAbove: Int = 4 << 20) throws -> FileBytes {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return try copied(readFile(path), path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else { return try copied(readFile(path), path) }
        let size = Int(st.st_size)
        guard let memory = malloc(size) else { throw DataError(file: path, message: "not enough memory to read the file (\(size) bytes)") }
        let bytes = FileBytes(owning: memory, count: size, path: path)
        if lazily, threads > 1, size > lazyAbove {
            // (Not on huge pages: a stretch read to find a cut would make 2 MiB resident.)
            // The head (header, delimiter, encoding) and the last byte (a final line end).
            let head = min(size, 1 << 20)
            try bytes.restore(0..<head)
            try bytes.restore((size - 1)..<size)
            if memchr(memory, 10, head) != nil {
                // The rest of the buffer is filled only if the whole file must be read after
                // all; the pieces read theirs elsewhere. Memory malloc recycles may still be
                // resident (freed blocks are kept, see `ProcessTuning`): given back now.
                FileBytes.discardPages(memory + head, size - head)
                bytes.lazy = true
                return bytes
            }
        }
        FileBytes.preferHugePages(memory, size)
        let stretches = max(1, min(threads * 4, size >> 23))
        let complete = UnsafeMutableBufferPointer<Bool>.allocate(capacity: stretches)
        defer { complete.deallocate() }
        complete.initialize(repeating: false)
        concurrently(stretches) { k in
            var at = Int((Int64(size) * Int64(k)) / Int64(stretches))
            let end = Int((Int64(size) * Int64(k + 1)) / Int64(stretches))
            while at < end {
                let n = pread(fd, memory + at, end - at, off_t(at))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return }
                at += n
            }
            complete[k] = true
        }
        // All there, and nothing more: else the file changed while being read.
        var probe: UInt8 = 0
        if complete.allSatisfy({ $0 }), pread(fd, &probe, 1, off_t(size)) == 0 { return bytes }
        bytes.release()
        return try copied(readFile(path), path)
    }

    /// The first `limit` bytes of the file at `path` (fewer if it is shorter); nil when it
    /// cannot be opened or read.
    public static func readHead(_ path: String, upTo limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var failed = false
        let head = [UInt8](unsafeUninitializedCapacity: max(limit, 0)) { buf, count in
            count = 0
            while count < limit {
                let n = pread(fd, buf.baseAddress! + count, limit - count, off_t(count))
                if n < 0, errno == EINTR { continue }
                if n < 0 { failed = true }
                if n <= 0 { break }
                count += n
            }
        }
        return failed ? nil : head
    }

    private static func copied(_ array: [UInt8], _ path: String) throws -> FileBytes {
        guard let memory = malloc(max(array.count, 1)) else { throw DataError(file: path, message: "not enough memory to read the file") }
        array.withUnsafeBytes { if let base = $0.baseAddress { memory.copyMemory(from: base, byteCount: $0.count) } }
        return FileBytes(owning: memory, count: array.count)
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
}
