#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting shared by the text-like renderers.
public enum Format {
    /// printf-style `%.<digits>g`.
    public static func significant(_ x: Double, digits: Int) -> String {
        printf("%.*g", max(1, digits), x)
    }

    /// Fixed decimals (`%.<decimals>f`).
    public static func fixed(_ x: Double, decimals: Int) -> String {
        printf("%.*f", max(0, decimals), x)
    }

    /// One number through a C format with a precision argument (`%.*g`, `%.*f`).
    private static func printf(_ format: String, _ precision: Int, _ x: Double) -> String {
        if x.isNaN { return "NA" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = withVaList([Int32(precision), x]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 64, format, args) }
        }
        return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// p-values as R's `format.pval` prints them by default: 3 significant digits, and
    /// `< 2e-16` below machine epsilon.
    public static func pValue(_ p: Double) -> String {
        if p.isNaN { return "NA" }
        if p < 2.220446049250313e-16 { return "< 2e-16" }
        return significant(p, digits: 3)
    }

    /// A cell as text (for text and Markdown).
    public static func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let x, let digits): return significant(x, digits: digits)
        case .pValue(let p): return pValue(p)
        case .percent(let x, let digits): return x.isNaN ? "NA" : fixed(x * 100, decimals: digits) + "%"
        case .missing: return "-"
        }
    }

    static func isNumeric(_ cell: Cell) -> Bool {
        switch cell {
        case .text, .missing: return false
        case .integer, .number, .pValue, .percent: return true
        }
    }

    /// A cell at full precision (for CSV).
    public static func exact(_ cell: Cell) -> String {
        switch cell {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let x, _), .pValue(let x), .percent(let x, _): return x.isNaN ? "NA" : String(x)
        case .missing: return "NA"
        }
    }
}
