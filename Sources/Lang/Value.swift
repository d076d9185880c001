import Runtime

/// A value during evaluation: a scalar (from a literal or `param`) or a column as long as
/// the table being evaluated. Columns reuse the runtime's `Column` representation, so
/// expressions compile to loops over contiguous arrays.
enum Value {
    case scalar(Scalar)
    case column(Column)

    var typeName: String {
        switch self {
        case .scalar(let s): return s.typeName
        case .column(let c):
            switch c {
            case .double, .int: return "number"
            case .bool: return "boolean"
            case .date: return "date"
            case .string: return "text"
            }
        }
    }
}

enum Scalar {
    case number(Double)
    case text(String)
    case bool(Bool)
    case date(Int32)
    /// A duration, kept in days.
    case duration(Double)
    case missing

    var typeName: String {
        switch self {
        case .number: "number"
        case .text: "text"
        case .bool: "boolean"
        case .date: "date"
        case .duration: "duration"
        case .missing: "missing"
        }
    }

    var display: String {
        switch self {
        case .number(let x): return formatNumber(x)
        case .text(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return CivilDate(days: d).description
        case .duration(let d): return formatNumber(d) + "d"
        case .missing: return "missing"
        }
    }
}
