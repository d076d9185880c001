#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing output files (figures, exported tables).
public enum TextFile {
    /// Writes atomically (`OutputFiles.write`: a temporary file in the same folder, renamed
    /// over `path`), after saying plainly why the path cannot be written, if it cannot.
    public static func write(_ text: String, to path: String) throws {
        if let problem = cannotWrite(path) { throw DataError(file: path, message: problem) }
        try OutputFiles.write(text, to: path)
    }

    /// Why `path` cannot be written, found without writing: its folder is missing, is not a
    /// folder or is not writable, or the path names a folder. Nil when it looks writable.
    public static func cannotWrite(_ path: String) -> String? {
        let folder: String
        if let slash = path.lastIndex(of: "/") {
            folder = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            folder = "."
        }
        var st = stat()
        guard stat(folder, &st) == 0 else { return "the folder \(folder) does not exist" }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return "\(folder) is not a folder" }
        guard access(folder, W_OK) == 0 else { return "the folder \(folder) is not writable" }
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return "\(path) is a folder" }
        return nil
    }
}

/// What an output stage did.
public struct FileWritten: Reportable {
    public var path: String
    public var what: String
    public var bytes: Int
    public init(path: String, what: String, bytes: Int) { self.path = path; self.what = what; self.bytes = bytes }
    public var kind: String { "file" }
    /// One line in every format: "figure written: fig.svg (12 kB)".
    public func tables() -> [ResultTable] {
        [ResultTable(title: "\(what) written: \(path) (\(FileWritten.size(bytes)))", columns: [], rows: [])]
    }

    /// A file size as people read it: "812 B", "12 kB", "1.4 MB" (powers of 1000).
    public static func size(_ bytes: Int) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        if bytes < 999_500 { return "\(Int((Double(bytes) / 1000).rounded())) kB" }
        return Format.fixed(Double(bytes) / 1e6, decimals: 1) + " MB"
    }
    public func json() -> JSONValue {
        .object([("path", .string(path)), ("what", .string(what)), ("bytes", .int(bytes))])
    }
}
