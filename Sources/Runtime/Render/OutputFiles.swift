#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a document's files so that none is ever seen half-written: each goes to a
/// temporary file in its folder, then is renamed over the target (rename is atomic within a
/// file system).
public enum OutputFiles {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".lart-tmp-\(getpid())"
        guard let f = fopen(temporary, "wb") else {
            throw DataError(file: path, message: "cannot write the file (\(String(cString: strerror(errno))))")
        }
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        let flushed = fflush(f) == 0
        fclose(f)
        guard n == bytes.count, flushed else {
            unlink(temporary)
            throw DataError(file: path, message: "short write")
        }
        try rename(temporary, to: path)
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Renames `from` over `to` (atomic on one file system).
    public static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(from)
            throw DataError(file: to, message: "cannot write the file (\(reason))")
        }
    }

    /// Creates `path` as a folder unless it is one already.
    public static func makeFolder(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw DataError(file: path, message: "exists and is not a folder") }
            return
        }
        guard mkdir(path, 0o755) == 0 else {
            throw DataError(file: path, message: "cannot create the folder (\(String(cString: strerror(errno))))")
        }
    }

    /// A new empty folder under the system's temporary folder; the caller removes it.
    public static func temporaryFolder() throws -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((base + "/lart-knit-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DataError(file: base, message: "cannot create a temporary folder (\(String(cString: strerror(errno))))")
        }
        return String(cString: made)
    }

    /// Removes a folder made by `temporaryFolder` and the files directly in it.
    public static func removeFolder(_ path: String) {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    /// Whether `path` exists.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
