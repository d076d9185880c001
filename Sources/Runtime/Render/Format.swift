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
        // vsnprintf returns the length the text needs, which is more than the buffer for a
        // huge number in `%f` (1e300 has 301 digits; found by fuzzing): then size it to fit.
        var size = 64
        while true {
            var buffer = [CChar](repeating: 0, count: size)
            let n = withVaList([Int32(precision), x]) { args in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, size, format, args) }
            }
            guard n >= 0 else { return String(x) }
            if Int(n) < size { return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            size = Int(n) + 1
        }
    }

    /// p-values as R's `format.pval` prints them by default: 3 significant digits, and
    /// `< 2e-16` below machine epsilon.
    public static func pValue(_ p: Double) -> String {
        if p.isNaN { return "NA" }
        if p < 2.220446049250313e-16 { return "< 2e-16" }
        return significant(p, digits: 3)
    }

    /// A p-value in the given style. `.r` is `pValue(_:)`. `.journal` follows the AMA Manual
    /// of Style (11th ed., 2020, statistics chapter; NEJM's author instructions state the
    /// same rule): `< 0.001` below 0.001; 3 decimals for 0.001 <= p < 0.01; 2 decimals
    /// for 0.01 <= p <= 0.99; `> 0.99` above 0.99. One guard: a p below 0.05 that 2
    /// decimals would round up to "0.05" keeps 3 decimals (0.049, not 0.05), so rounding
    /// never moves a p across 0.05. NaN prints `NA`.
    public static func pValue(_ p: Double, style: PValueStyle) -> String {
        switch style {
        case .r:
            return pValue(p)
        case .journal:
            if p.isNaN { return "NA" }
            if p < 0.001 { return "< 0.001" }
            if p > 0.99 { return "> 0.99" }
            if p < 0.01 { return fixed(p, decimals: 3) }
            let two = fixed(p, decimals: 2)
            if p < 0.05 && two == "0.05" { return fixed(p, decimals: 3) }
            return two
        }
    }

    /// A proportion as a percentage with `digits` decimals: 0.853 -> "85.3%". NaN: "NA".
    public static func percent(_ x: Double, digits: Int = 1) -> String {
        x.isNaN ? "NA" : fixed(x * 100, decimals: digits) + "%"
    }

    /// A number with `digits` decimals for a table of estimates; a nonzero value that would
    /// print as zero gets `digits` significant digits instead (0.0042, not 0.00).
    public static func estimate(_ x: Double, digits: Int = 2) -> String {
        let text = fixed(x, decimals: digits)
        if x != 0, x.isFinite, Double(text) == 0 { return significant(x, digits: max(1, digits)) }
        return text
    }

    /// An interval `lower-upper` with `digits` decimals ("0.24-0.90"); written
    /// `lower to upper` when a limit is negative, where a hyphen would read as a minus sign
    /// (the AMA Manual of Style's advice for ranges with negative values).
    public static func ci(_ lower: Double, _ upper: Double, digits: Int = 2) -> String {
        let lo = estimate(lower, digits: digits), hi = estimate(upper, digits: digits)
        return lower < 0 || upper < 0 ? lo + " to " + hi : lo + "-" + hi
    }

    /// A hazard ratio with its interval: `0.47 (0.24-0.90)`.
    public static func hrCI(_ hr: Double, _ lower: Double, _ upper: Double, digits: Int = 2) -> String {
        estimate(hr, digits: digits) + " (" + ci(lower, upper, digits: digits) + ")"
    }

    /// `digits` significant digits as `%g` gives them, except that a number too large for
    /// `digits` digits is rounded and written out in full (1826.25 at 3 digits: "1830", where
    /// `%g` gives "1.83e+03"), as R's `signif` prints.
    public static func significantPlain(_ x: Double, digits: Int) -> String {
        let g = significant(x, digits: digits)
        guard x.isFinite, g.contains("e+"), let rounded = Double(g) else { return g }
        return fixed(rounded, decimals: 0)
    }

    /// A cell as text (for text and Markdown) with the default presentation.
    public static func text(_ cell: Cell) -> String { text(cell, .standard) }

    /// A cell as text (for text and Markdown).
    public static func text(_ cell: Cell, _ presentation: Presentation) -> String {
        func number(_ x: Double, _ digits: Int) -> String {
            guard let d = presentation.digits else { return significant(x, digits: digits) }
            return significantPlain(x, digits: d)
        }
        switch cell {
        case .text(let s): return printable(s)
        case .integer(let i): return String(i)
        case .number(let x, let digits): return number(x, digits)
        case .pValue(let p): return pValue(p, style: presentation.pStyle)
        case .percent(let x, let digits): return percent(x, digits: digits)
        case .survival(let x, let digits):
            return presentation.survivalAsPercent ? percent(x, digits: presentation.percentDecimals) : number(x, digits)
        case .hrCI(let hr, let lower, let upper, let digits): return hrCI(hr, lower, upper, digits: digits)
        case .time(let t, let digits): return significant(t, digits: digits)
        case .missing: return "-"
        }
    }

    /// Text with its control characters written as escapes, as R prints strings
    /// (`encodeString`): `\n`, `\r`, `\t`, the others in three octal digits (`\001`). A value
    /// read from a quoted CSV field may hold a line end; in a text or Markdown table it would
    /// break the row.
    public static func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else { return s }
        var out = ""
        for c in s.unicodeScalars {
            switch c.value {
            case 10: out += "\\n"
            case 13: out += "\\r"
            case 9: out += "\\t"
            case 0..<32, 127:
                let octal = String(c.value, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func isNumeric(_ cell: Cell) -> Bool {
        switch cell {
        case .text, .missing: return false
        case .integer, .number, .pValue, .percent, .survival, .hrCI, .time: return true
        }
    }

    /// A cell at full precision (for CSV) with the default presentation.
    public static func exact(_ cell: Cell) -> String { exact(cell, .standard) }

    /// A cell at full precision (for CSV). Of the presentation only `survivalAsPercent`
    /// applies: survival cells are then written as 100 x, at full precision.
    public static func exact(_ cell: Cell, _ presentation: Presentation) -> String {
        func full(_ x: Double) -> String { x.isNaN ? "NA" : String(x) }
        switch cell {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let x, _), .pValue(let x), .percent(let x, _), .time(let x, _): return full(x)
        case .survival(let x, _): return full(presentation.survivalAsPercent ? x * 100 : x)
        case .hrCI(let hr, let lower, let upper, _): return full(hr) + " (" + full(lower) + "-" + full(upper) + ")"
        case .missing: return "NA"
        }
    }
}
