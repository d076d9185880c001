#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a file's bytes: in one buffer, on all cores.
extension CSVReader {

    /// The bytes of a file being parsed. Owned bytes can be released before the parse ends
    /// (`release`), after which `buffer` must not be read.
    final class FileBytes {
        let buffer: UnsafeBufferPointer<UInt8>
        private let owned: UnsafeMutableRawPointer?
        private(set) var released = false

        /// Bytes someone else owns (valid while the parse runs).
        init(borrowing buffer: UnsafeBufferPointer<UInt8>) {
            self.buffer = buffer
            owned = nil
        }

        /// `count` bytes at `memory` (from `malloc`), freed by this object.
        init(owning memory: UnsafeMutableRawPointer, count: Int) {
            owned = memory
            buffer = UnsafeBufferPointer(start: memory.assumingMemoryBound(to: UInt8.self), count: count)
        }

        func release() {
            if !released, let owned { free(owned) }
            released = true
        }

        deinit { release() }
    }

    /// The bytes of a file. A regular file is read with `pread` into one buffer of its size,
    /// in stretches on `threads` threads (copying from the page cache is a good part of
    /// reading a cached file); if it is not a regular file, or it changes size while being
    /// read, it is read again as a stream (`readFile`). Never mapped: a file truncated
    /// while mapped would end the process.
    static func readBytes(_ path: String, threads: Int) throws -> FileBytes {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return try copied(readFile(path), path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else { return try copied(readFile(path), path) }
        let size = Int(st.st_size)
        guard let memory = malloc(size) else { throw DataError(file: path, message: "not enough memory to read the file (\(size) bytes)") }
        let bytes = FileBytes(owning: memory, count: size)
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
