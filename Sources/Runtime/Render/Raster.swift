#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CDynamic

/// SVG figures as PDF and PNG, drawn by librsvg on cairo surfaces (the system libraries;
/// `bash .ci/setup` installs them). The SVG is the figure; these are renderings of it:
/// a PDF page of the SVG's size in points (vector, fonts embedded), or a PNG at `dpi`
/// pixels per inch of the SVG's size in millimetres, with the resolution recorded in the
/// file (a pHYs chunk) so that a journal's checker reads 300 dpi.
public enum Raster {
    public enum Format: Sendable, Equatable {
        case pdf
        case png(dpi: Double)
    }

    /// The format a file name asks for: `.pdf`, `.png` (300 dpi); nil for others.
    public static func format(forPath path: String) -> Format? {
        let lower = path.lowercased()
        if lower.hasSuffix(".pdf") { return .pdf }
        if lower.hasSuffix(".png") { return .png(dpi: 300) }
        return nil
    }

    /// Renders `svg` into `path`; returns the size of the file written.
    @discardableResult
    public static func write(svg: String, to finalPath: String, format: Format) throws -> Int {
        // Rendered to a temporary file beside the target, renamed over it when complete, so a
        // reader never sees half a figure and a failure leaves any previous one in place.
        let path = finalPath + ".lart-tmp-\(getpid())"
        defer { unlink(path) }
        var message = [CChar](repeating: 0, count: 512)
        let bytes = Array(svg.utf8)
        let failed: Int32
        switch format {
        case .pdf:
            failed = bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in
                    lart_render_svg(c.baseAddress, c.count, path, 1, 72, &message, message.count)
                }
            }
        case .png(let dpi):
            failed = bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in
                    lart_render_svg(c.baseAddress, c.count, path, 0, dpi, &message, message.count)
                }
            }
        }
        if failed != 0 {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError(file: finalPath, message: text)
        }
        let count: Int
        switch format {
        case .pdf:
            count = try BinaryFile.read(path).count
        case .png(let dpi):
            let png = PNG.withResolution(try BinaryFile.read(path), dotsPerInch: dpi)
            try BinaryFile.write(png, to: path)
            count = png.count
        }
        try OutputFiles.rename(path, to: finalPath)
        return count
    }
}

/// The one PNG edit lart makes: a pHYs chunk (pixels per metre) after the header, which
/// cairo does not write.
enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func withResolution(_ png: [UInt8], dotsPerInch: Double) -> [UInt8] {
        // Signature (8), then IHDR: length (4), type (4), 13 bytes, CRC (4).
        let afterHeader = 8 + 4 + 4 + 13 + 4
        guard png.count > afterHeader, Array(png[0..<8]) == signature, Array(png[12..<16]) == Array("IHDR".utf8) else { return png }
        let perMetre = UInt32((dotsPerInch / 0.0254).rounded())
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        let body = Array("pHYs".utf8) + be(perMetre) + be(perMetre) + [1]
        let chunk = be(9) + body + be(crc32(body))
        return Array(png[0..<afterHeader]) + chunk + Array(png[afterHeader...])
    }

    /// CRC-32 (ISO 3309, as PNG uses it).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Whole files as bytes.
enum BinaryFile {
    static func read(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw DataError(file: path, message: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        defer { fclose(f) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBufferPointer { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let f = fopen(path, "wb") else {
            throw DataError(file: path, message: "cannot write the file (\(String(cString: strerror(errno))))")
        }
        defer { fclose(f) }
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        if n != bytes.count { throw DataError(file: path, message: "short write") }
    }
}
