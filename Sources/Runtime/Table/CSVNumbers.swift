#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers, booleans and quoting, straight from bytes.
extension CSVReader {

    /// Decimal integer with optional sign, at most 18 digits.
    @inline(__always)
    static func parseInt(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var neg = false
        if b.count > 0, b[0] == 45 || b[0] == 43 { neg = b[0] == 45; i = 1 }
        let digits = b.count - i
        guard digits > 0, digits <= 18 else { return nil }
        var v: Int64 = 0
        while i < b.count {
            let d = b[i] &- 48
            guard d <= 9 else { return nil }
            v = v &* 10 &+ Int64(d)    // at most 18 digits: no overflow
            i += 1
        }
        return neg ? -v : v
    }

    /// Decimal number (digits, optional point, optional exponent), `Inf`, `-Inf`, `NaN`.
    /// Simple shapes with at most 15 significant digits and a small exponent are built
    /// exactly from an integer mantissa and a power of ten (both exact in binary64, so one
    /// correctly rounded division or multiplication); everything else goes to strtod.
    @inline(__always)
    static func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        // The usual shape first: digits, an optional point and digits, 15 digits at most
        // (so the mantissa is exact and the arithmetic cannot overflow).
        let n = b.count
        guard n > 0, let p = b.baseAddress else { return nil }
        var i = 0
        let neg = p[0] == 45
        if neg || p[0] == 43 { i = 1 }
        var mantissa: Int64 = 0
        let intStart = i
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ Int64(d); i += 1
        }
        let intDigits = i - intStart
        var fracDigits = 0
        if i < n, p[i] == 46 {
            i += 1
            let fracStart = i
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ Int64(d); i += 1
            }
            fracDigits = i - fracStart
        }
        let digits = intDigits + fracDigits
        if i == n, digits > 0, digits <= 15 {
            let v = fracDigits == 0 ? Double(mantissa) : Double(mantissa) / pow10(fracDigits)
            return neg ? -v : v
        }
        return parseDoubleGeneral(b)
    }

    /// Every other shape of `parseDouble`: more digits, exponents, Inf and NaN.
    @inline(never)
    static func parseDoubleGeneral(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = b.count
        guard n > 0 else { return nil }
        var i = 0
        var neg = false
        if b[0] == 45 || b[0] == 43 { neg = b[0] == 45; i = 1 }
        var mantissa: Int64 = 0
        var significant = 0
        var fracDigits = 0
        var sawDigit = false
        var sawPoint = false
        var simple = true
        while i < n {
            let c = b[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                if mantissa > 0 || c != 48 { significant += 1 }
                if significant > 15 { simple = false; break }
                mantissa = mantissa * 10 + Int64(c - 48)
                if sawPoint { fracDigits += 1 }
            } else if c == 46 && !sawPoint {
                sawPoint = true
            } else { simple = false; break }
            i += 1
        }
        if simple && sawDigit && fracDigits <= 22 {
            let v = fracDigits == 0 ? Double(mantissa) : Double(mantissa) / pow10(fracDigits)
            return neg ? -v : v
        }
        // General path: Inf, NaN, or validate the shape, then strtod.
        if let special = specialNumber(b) { return special }
        guard looksNumeric(b) else { return nil }
        var text = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { text[k] = CChar(bitPattern: b[k]) }
        return text.withUnsafeMutableBufferPointer { p -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let r = strtod(p.baseAddress!, &end)
            return end == p.baseAddress! + n ? r : nil
        }
    }

    /// 10^k for 0 <= k <= 22, exact in binary64 (a literal table: no lazy global to check).
    @inline(__always)
    static func pow10(_ k: Int) -> Double {
        switch k {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// A number with one decimal comma (`-1,5`, `2,5e3`), read as with a point.
    static func parseDecimalComma(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var comma = -1
        for i in 0..<b.count {
            if b[i] == 46 { return nil }
            if b[i] == 44 { if comma >= 0 { return nil }; comma = i }
        }
        guard comma >= 0, b.count <= 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: b.count) { tmp -> Double? in
            for i in 0..<b.count { tmp[i] = b[i] }
            tmp[comma] = 46
            return parseDouble(UnsafeBufferPointer(tmp))
        }
    }

    /// `Inf`, `+Inf`, `-Inf`, `Infinity`, `NaN` in any case (NaN is the missing number).
    static func specialNumber(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var sign: Double = 1
        if b.count > 0, b[0] == 45 || b[0] == 43 { sign = b[0] == 45 ? -1 : 1; i = 1 }
        let n = b.count - i
        guard n == 3 || n == 8 else { return nil }
        @inline(__always) func lower(_ k: Int) -> UInt8 { b[i + k] | 0x20 }
        if n == 3, lower(0) == 110, lower(1) == 97, lower(2) == 110 { return i == 0 ? .nan : nil } // nan
        guard lower(0) == 105, lower(1) == 110, lower(2) == 102 else { return nil }              // inf
        if n == 8 {
            // "inity"
            guard lower(3) == 105, lower(4) == 110, lower(5) == 105, lower(6) == 116, lower(7) == 121 else { return nil }
        }
        return sign * .infinity
    }

    private static func looksNumeric(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        if i < n, b[i] == 45 || b[i] == 43 { i += 1 }
        var digits = 0
        while i < n, b[i] >= 48, b[i] <= 57 { i += 1; digits += 1 }
        if i < n, b[i] == 46 { i += 1; while i < n, b[i] >= 48, b[i] <= 57 { i += 1; digits += 1 } }
        guard digits > 0 else { return false }
        if i < n, b[i] == 101 || b[i] == 69 {
            i += 1
            if i < n, b[i] == 45 || b[i] == 43 { i += 1 }
            var e = 0
            while i < n, b[i] >= 48, b[i] <= 57 { i += 1; e += 1 }
            guard e > 0 else { return false }
        }
        return i == n
    }

    /// `true`/`false`, `TRUE`/`FALSE`, `True`/`False`.
    static func parseBool(_ b: UnsafeBufferPointer<UInt8>) -> UInt8? {
        let n = b.count
        guard n == 4 || n == 5, n > 1 else { return nil }
        // The letters after the first are all lower case, or (after a capital) all upper case.
        let upperRest = b[0] < 97 && b[1] < 97
        for k in 1..<n where (b[k] < 97) != upperRest { return nil }
        @inline(__always) func lower(_ k: Int) -> UInt8 { b[k] | 0x20 }
        if n == 4, lower(0) == 116, lower(1) == 114, lower(2) == 117, lower(3) == 101 { return 1 }                 // true
        if n == 5, lower(0) == 102, lower(1) == 97, lower(2) == 108, lower(3) == 115, lower(4) == 101 { return 0 } // false
        return nil
    }

    /// The value for messages: in double quotes, as a lart string (`\"`, `\\`, `\n`, `\r`, `\t`).
    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
