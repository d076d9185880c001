/// Results are values. Every analysis result in the runtime conforms to `Reportable`: it
/// describes itself once as tables of cells (for text, Markdown and CSV) and once as a
/// JSON value (full precision, for machines). Renderers turn those into text; no result
/// prints anything itself.

/// One cell of a result table. Numbers keep their full value; the renderer decides digits.
public enum Cell: Sendable, Equatable {
    case text(String)
    case integer(Int)
    /// A number shown with `digits` significant digits in text (full precision in CSV/JSON).
    case number(Double, digits: Int = 4)
    /// A p-value: R's `format.pval` style in text (`< 2e-16`), full precision elsewhere.
    case pValue(Double)
    /// A percentage of a proportion (0.5 -> "50.0%").
    case percent(Double, digits: Int = 1)
    /// A probability read off a survival or cumulative incidence curve (an estimate or a
    /// limit): like `number`, but shown as a percentage when `Presentation.survivalAsPercent`.
    case survival(Double, digits: Int = 4)
    /// A hazard ratio with its interval, `0.47 (0.24-0.90)` with `digits` decimals in text
    /// (`Format.hrCI`); full precision in CSV.
    case hrCI(Double, lower: Double, upper: Double, digits: Int = 2)
    /// A time on the analysis time axis, `digits` significant digits in text; unlike
    /// `number`, not changed by `Presentation.digits`.
    case time(Double, digits: Int = 6)
    case missing

    public static func num(_ x: Double?, digits: Int = 4) -> Cell {
        guard let x, !x.isNaN else { return .missing }
        return .number(x, digits: digits)
    }

    /// A survival probability, `missing` for nil or NaN (R's NA).
    public static func surv(_ x: Double?, digits: Int = 4) -> Cell {
        guard let x, !x.isNaN else { return .missing }
        return .survival(x, digits: digits)
    }
}

/// A titled table: the unit that text, Markdown and CSV renderers print.
public struct ResultTable: Sendable, Equatable {
    public var title: String
    public var columns: [String]
    public var rows: [[Cell]]
    /// Lines printed under the table (tests, warnings, notes).
    public var notes: [String]

    public init(title: String, columns: [String], rows: [[Cell]], notes: [String] = []) {
        self.title = title; self.columns = columns; self.rows = rows; self.notes = notes
    }
}

/// A JSON document value. Numbers are Doubles written with the shortest round-trip text;
/// NaN is written as `null` (R's NA), infinities as the strings "Inf" / "-Inf".
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    public static func num(_ x: Double?) -> JSONValue {
        guard let x else { return .null }
        return .number(x)
    }

    public static func nums(_ xs: [Double]) -> JSONValue { .array(xs.map { .number($0) }) }
    public static func nums(_ xs: [Double?]) -> JSONValue { .array(xs.map { num($0) }) }
    public static func ints(_ xs: [Int]) -> JSONValue { .array(xs.map { .int($0) }) }
    public static func strings(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }

    /// Compact serialization, or indented with `indent` spaces per level.
    public func serialized(indent: Int? = nil) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let x):
            if x.isNaN { out += "null" } else if x.isInfinite { out += x > 0 ? "\"Inf\"" : "\"-Inf\"" } else { out += String(x) }
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                v.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                JSONValue.escape(k, into: &out)
                out += indent == nil ? ":" : ": "
                v.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }

    private static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}

/// What every analysis result provides.
public protocol Reportable: Sendable {
    /// A short kind name used in JSON (`"km"`, `"cox"`, `"logrank"`, ...).
    var kind: String { get }
    /// Tables for text, Markdown and CSV output, in reading order.
    func tables() -> [ResultTable]
    /// Every number at full precision.
    func json() -> JSONValue
    /// What the reader must know about the numbers (also among the tables' notes), for
    /// where only one number is shown (an inline result).
    var warnings: [String] { get }
}

extension Reportable {
    public var warnings: [String] { [] }
}
