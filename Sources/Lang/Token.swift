import Runtime

/// A token: its kind, the byte range it covers, and its decoded value.
/// Words are all `.identifier`; keywords are contextual and recognised by the parser, so a
/// column may be called `time`, `event` or `unit`. A backtick-quoted name is `.identifier`
/// with `quoted == true` and is never read as a keyword.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case identifier
        case number(Double)
        case string(String)
        case date(Int32)                 // days since 1970-01-01
        case duration(Double, DurationUnit)
        case length(Double)              // a figure size in millimetres (85mm, 8.5cm, 3.3in)
        case pipe, plus, minus, star, slash, colon, comma, tilde, dot
        case leftParen, rightParen, leftBracket, rightBracket
        case assign                      // =
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        case newline
        case eof
        case error(String)               // the message; the lexer carries on after it
    }

    public var kind: Kind
    public var range: Range<Int>
    /// Identifier text (without backticks) or the raw lexeme.
    public var text: String
    public var quoted: Bool = false

    public func isWord(_ w: String) -> Bool {
        if case .identifier = kind, !quoted { return text == w }
        return false
    }

    public var isIdentifier: Bool { if case .identifier = kind { return true }; return false }
    public var isString: Bool { if case .string = kind { return true }; return false }
}

/// Units of a duration literal; `days` is the base unit of all times inside lart.
public enum DurationUnit: String, Sendable, Equatable, CaseIterable {
    case days = "d", weeks = "w", months = "mo", years = "y"

    public static func parse(_ s: String) -> DurationUnit? {
        switch s {
        case "d", "day", "days": return .days
        case "w", "wk", "week", "weeks": return .weeks
        case "mo", "month", "months": return .months
        case "y", "yr", "year", "years": return .years
        default: return nil
        }
    }

    public var name: String {
        switch self { case .days: "days"; case .weeks: "weeks"; case .months: "months"; case .years: "years" }
    }
}
