#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing output files (figures, exported tables).
public enum TextFile {
    public static func write(_ text: String, to path: String) throws {
        guard let f = fopen(path, "wb") else {
            throw DataError(file: path, message: "cannot write the file (\(String(cString: strerror(errno))))")
        }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        if n != bytes.count { throw DataError(file: path, message: "short write") }
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
