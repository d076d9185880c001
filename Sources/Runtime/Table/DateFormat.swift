/// A format dates are written in, for reading, in the notation of strftime / R's `as.Date`:
/// `%Y` a four-digit year, `%m` a month (1 or 2 digits), `%d` a day (1 or 2 digits), `%b` or
/// `%B` an English month name (abbreviated or full, any case), `%%` a percent sign; every
/// other character stands for itself. `%Y-%m-%d` (ISO) reads `2019-03-05` and `2019-3-5`.
public struct DateFormat: Sendable, Hashable, CustomStringConvertible {
    /// The format as written, e.g. `%d/%m/%Y`.
    public let text: String
    let pieces: [Piece]
    let isISO: Bool

    enum Piece: Sendable, Hashable { case year, month, day, monthName, literal(UInt8) }

    public static let iso = DateFormat(iso: ())

    private init(iso: Void) {
        text = "%Y-%m-%d"
        pieces = [.year, .literal(45), .month, .literal(45), .day]
        isISO = true
    }

    /// Throws `DateFormatError` when the text is not a format lart reads dates with.
    public init(_ text: String) throws {
        var pieces = [Piece]()
        let b = Array(text.utf8)
        var i = 0
        while i < b.count {
            guard b[i] == 37 else { pieces.append(.literal(b[i])); i += 1; continue } // %
            guard i + 1 < b.count else {
                throw DateFormatError(format: text, message: "ends with a lone %; a percent sign is written %%")
            }
            switch b[i + 1] {
            case 89: pieces.append(.year)            // Y
            case 109: pieces.append(.month)          // m
            case 100: pieces.append(.day)            // d
            case 98, 66: pieces.append(.monthName)   // b, B
            case 37: pieces.append(.literal(37))     // %%
            case 121:                                // y
                throw DateFormatError(format: text, message: "%y (a two-digit year) is not read, as its century would be a guess; use %Y")
            case 72, 77, 83, 73, 112, 84, 82:        // H M S I p T R
                throw DateFormatError(format: text, message: "times are not read, only dates: use %Y, %m, %d and %b")
            default:
                let s = String(decoding: b[i...i + 1], as: UTF8.self)
                throw DateFormatError(format: text, message: "\(s) is not read; a format uses %Y (year), %m (month), %d (day), %b (month name)")
            }
            i += 2
        }
        var years = 0, months = 0, days = 0
        for p in pieces {
            switch p {
            case .year: years += 1
            case .month, .monthName: months += 1
            case .day: days += 1
            case .literal: break
            }
        }
        guard years == 1, months == 1, days == 1 else {
            throw DateFormatError(format: text, message: "a date format needs one %Y, one %m (or %b) and one %d")
        }
        for k in 1..<pieces.count where Self.isNumber(pieces[k - 1]) && Self.isNumber(pieces[k]) {
            throw DateFormatError(format: text, message: "put a separator between the year, month and day (%Y-%m-%d); 20190325 is read as a number")
        }
        self.text = text
        self.pieces = pieces
        self.isISO = pieces == [.year, .literal(45), .month, .literal(45), .day]
    }

    private static func isNumber(_ p: Piece) -> Bool {
        switch p {
        case .year, .month, .day: return true
        case .monthName, .literal: return false
        }
    }

    public var description: String { text }

    /// The format for people: `DD/MM/YYYY`, `YYYY-MM-DD`, `DD Mon YYYY`.
    public var display: String {
        var s = ""
        for p in pieces {
            switch p {
            case .year: s += "YYYY"
            case .month: s += "MM"
            case .day: s += "DD"
            case .monthName: s += "Mon"
            case .literal(let c): s += String(decoding: [c], as: UTF8.self)
            }
        }
        return s
    }

    /// `.date` for a real day written in this format, `.invalid` when the text has the
    /// format's shape but names no real day (month 13, 30 February), `.notADate` otherwise.
    public func parse(_ b: UnsafeBufferPointer<UInt8>) -> CivilDate.ParseResult {
        if isISO {
            let r = CivilDate.parse(b)
            switch r {
            case .date, .invalid: return r
            case .notADate: if b.count < 8 || b.count > 9 { return r }   // 2019-3-5 .. 2019-03-5
            }
        }
        let n = b.count
        var i = 0
        var year = 0, month = 0, day = 0
        for p in pieces {
            switch p {
            case .literal(let c):
                guard i < n, b[i] == c else { return .notADate }
                i += 1
            case .year:
                guard i + 4 <= n else { return .notADate }
                var v = 0
                for k in i..<(i + 4) {
                    let c = b[k]
                    guard c >= 48, c <= 57 else { return .notADate }
                    v = v * 10 + Int(c - 48)
                }
                year = v; i += 4
            case .month, .day:
                guard i < n, b[i] >= 48, b[i] <= 57 else { return .notADate }
                var v = Int(b[i] - 48)
                i += 1
                if i < n, b[i] >= 48, b[i] <= 57 { v = v * 10 + Int(b[i] - 48); i += 1 }
                if case .month = p { month = v } else { day = v }
            case .monthName:
                var end = i
                while end < n, (b[end] | 0x20) >= 97, (b[end] | 0x20) <= 122 { end += 1 }
                guard let m = Self.month(named: UnsafeBufferPointer(rebasing: b[i..<end])) else { return .notADate }
                month = m; i = end
            }
        }
        guard i == n else { return .notADate }
        if let d = CivilDate(year: year, month: month, day: day) { return .date(d) }
        return .invalid
    }

    public func parse(_ text: String) -> CivilDate.ParseResult {
        var t = text
        return t.withUTF8 { parse($0) }
    }

    /// 1...12 for an English month name, full or abbreviated to three letters (or `Sept`), any case.
    static func month(named b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard b.count >= 3 else { return nil }
        let lower = String(decoding: b.map { $0 | 0x20 }, as: UTF8.self)
        switch lower {
        case "jan", "january": return 1
        case "feb", "february": return 2
        case "mar", "march": return 3
        case "apr", "april": return 4
        case "may": return 5
        case "jun", "june": return 6
        case "jul", "july": return 7
        case "aug", "august": return 8
        case "sep", "sept", "september": return 9
        case "oct", "october": return 10
        case "nov", "november": return 11
        case "dec", "december": return 12
        default: return nil
        }
    }
}

/// A date format lart cannot read dates with (`%y`, a time, a missing day).
public struct DateFormatError: Error, Sendable, CustomStringConvertible {
    public var format: String
    public var message: String
    public var description: String { "date format \"\(format)\": \(message)" }
}
