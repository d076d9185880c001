/// A proleptic Gregorian calendar date, stored as days since 1970-01-01.
///
/// Conversions use Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms
/// ("chrono-Compatible Low-Level Date Algorithms"), exact for every representable year.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let days: Int32

    public init(days: Int32) { self.days = days }

    /// nil when the fields do not form a real date (month 13, February 30, ...).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else { return nil }
        days = Self.daysFromCivil(year: year, month: month, day: day)
    }

    /// `days_from_civil` of a real date (not checked).
    @inline(__always)
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int32(era * 146097 + doe - 719468)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        default: return 0
        }
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public var description: String {
        let (y, m, d) = components
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Parses `YYYY-MM-DD`. Returns `.invalid` when the text has the shape of a date but names
    /// no real day, `.notADate` when it has another shape.
    public enum ParseResult: Sendable { case date(CivilDate), invalid, notADate }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ParseResult {
        guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45 else { return .notADate }
        @inline(__always) func digits(_ a: Int, _ b: Int) -> Int? {
            var x = 0
            for i in a..<b {
                let c = bytes[i]
                guard c >= 48, c <= 57 else { return nil }
                x = x * 10 + Int(c - 48)
            }
            return x
        }
        guard let y = digits(0, 4), let m = digits(5, 7), let d = digits(8, 10) else { return .notADate }
        if let date = CivilDate(year: y, month: m, day: d) { return .date(date) }
        return .invalid
    }

    public static func parse(_ text: String) -> ParseResult {
        var t = text
        return t.withUTF8 { parse($0) }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.days < b.days }
}
