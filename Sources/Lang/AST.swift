/// The syntax tree. Every node carries the byte range it was parsed from, for diagnostics.
/// Nodes are structs holding a range and an indirect enum kind; code switches over kinds
/// exhaustively (no visitors).

public struct Expr: Sendable {
    public var kind: ExprKind
    public var range: Range<Int>
    /// Levels of the tree under this node (a literal is 1). Computed from the children when
    /// the node is made, so no walk is needed; the parser keeps it at most
    /// `Parser.maxDepth`, which bounds every recursive walk over expressions.
    public let height: Int
    /// Written in parentheses: `(a > b) == c` compares a comparison on purpose, where
    /// `a > b == c` is a chain (an error).
    public var parenthesized = false
    public init(_ kind: ExprKind, _ range: Range<Int>) {
        self.kind = kind; self.range = range
        switch kind {
        case .number, .string, .bool, .date, .duration, .name, .resultPart: height = 1
        case .negate(let x), .not(let x), .isMissing(let x, _): height = x.height + 1
        case .binary(_, let l, let r): height = max(l.height, r.height) + 1
        case .call(_, let args): height = (args.map(\.value.height).max() ?? 0) + 1
        case .inList(let x, let items, _): height = max(x.height, items.map(\.height).max() ?? 0) + 1
        case .list(let items): height = (items.map(\.height).max() ?? 0) + 1
        }
    }
}

public indirect enum ExprKind: Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case date(Int32)
    case duration(Double, DurationUnit)
    /// A column, `let` or `param` name.
    case name(String)
    case negate(Expr)
    case not(Expr)
    case binary(BinaryOperator, Expr, Expr)
    case call(String, [CallArgument])
    case inList(Expr, [Expr], negated: Bool)
    case isMissing(Expr, negated: Bool)
    /// `[a, b, c]`: a list of values, as an argument (`cut(x, [1, 2, 3])`).
    case list([Expr])
    /// `uni.terms`, `uni.terms["tki"]`, `uni.terms["tki"].hr`: a part of a bound result, a
    /// row of it by its key, a cell.
    case resultPart(ResultPath)
}

public struct ResultPath: Sendable {
    public var result: Name
    public var part: Name
    public var key: String?
    public var column: Name?
}

public struct CallArgument: Sendable {
    public var label: String?
    public var value: Expr
}

/// Binary operators from loosest to tightest binding; `precedence` is the climbing table.
public enum BinaryOperator: String, Sendable {
    case or = "or"                 // 1
    case and = "and"               // 2
    case equal = "=="              // 4  (3 is prefix `not`)
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case add = "+"                 // 5
    case subtract = "-"
    case multiply = "*"            // 6
    case divide = "/"

    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: 4
        case .add, .subtract: 5
        case .multiply, .divide: 6
        }
    }

    var isComparison: Bool { precedence == 4 }

    /// The comparison with its sides swapped (`1 < x` is `x > 1`); other operators as they are.
    var mirrored: BinaryOperator {
        switch self {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        case .equal, .notEqual, .or, .and, .add, .subtract, .multiply, .divide: self
        }
    }
}

/// A model formula right-hand side: `a + b * c + d:e` or `each(a, b, c)`.
public struct Formula: Sendable {
    public var terms: [FormulaTerm]
    /// `each(...)`: one univariate model per term.
    public var each: Bool
    public var range: Range<Int>
}

/// One written term: parts joined by `:` (interaction only) or `*` (main effects plus
/// interaction, as in R).
public struct FormulaTerm: Sendable {
    public var parts: [Expr]
    public var crossed: Bool
    public var range: Range<Int>
}

public struct Name: Sendable {
    public var text: String
    public var range: Range<Int>
}

/// `verb [endpoint] [~ formula] option*`, or a row stage `where|require|exclude expr [label]`.
public struct Stage: Sendable {
    public var verb: Verb
    /// Where the verb word is, for messages about the stage as a whole.
    public var verbRange: Range<Int>
    public var endpoint: Name?
    public var formula: Formula?
    public var condition: Expr?
    /// The reason of a row step, or the path of an output stage.
    public var label: String?
    public var options: [StageOption]
    public var range: Range<Int>
    /// Expressions right after the verb (`summary a, b`).
    public var arguments: [Expr] = []
    /// `export adtte pfs, os "adtte.csv"`: a dataset built from the rows rather than the
    /// result before the stage.
    public var dataset: ExportDataset? = nil

    public init(verb: Verb, verbRange: Range<Int>, endpoint: Name? = nil, formula: Formula? = nil, condition: Expr? = nil,
                label: String? = nil, options: [StageOption] = [], range: Range<Int>, arguments: [Expr] = []) {
        self.verb = verb; self.verbRange = verbRange; self.endpoint = endpoint; self.formula = formula
        self.condition = condition; self.label = label; self.options = options; self.range = range; self.arguments = arguments
    }

    public func option(_ key: OptionKey) -> StageOption? { options.first { $0.key == key } }
}

/// What `export DATASET ENDPOINT, ... "file"` writes from a cohort's rows.
public enum ExportDataset: Sendable {
    /// CDISC ADaM ADTTE: one record per patient and endpoint, in the order named.
    case adtte(endpoints: [Name], range: Range<Int>)
}

public struct StageOption: Sendable {
    public var key: OptionKey
    public var keyRange: Range<Int>
    public var values: [Expr]
    /// For word-valued options (`ties breslow`, `ci log-log`).
    public var word: Name?
}

/// `name (+ name)*`: a table or cohort, or several cohorts stacked with a `cohort` column.
public struct Pipeline: Sendable {
    public var sources: [Name]
    public var stages: [Stage]
    public var range: Range<Int>
}

public struct Statement: Sendable {
    public var kind: StatementKind
    public var range: Range<Int>
}

public enum StatementKind: Sendable {
    /// `use "file.csv" as name`, `use param_name [as name]`,
    /// `use "study.db" table patients as name`, `use "study.db" query "SELECT ..." as name`
    case use(path: Expr, selector: UseSelector?, alias: Name?, options: UseOptions)
    /// `param name = literal`
    case param(Name, Expr)
    /// `let name = expr`
    case `let`(Name, Expr)
    /// `endpoint name = ...`
    case endpoint(Name, EndpointSpec)
    /// `cohort name = pipeline-of-row-stages`
    case cohort(Name, Pipeline)
    /// `set key = value` or `set key word`
    case set(Name, Expr?, Name?)
    /// `table1 a vs b: var, var` (a and b sources; vars expressions), then `| export "file"`s
    case table1(Pipeline, Pipeline?, [Expr], outputs: [Stage])
    /// `cohort pipeline`, `flow x`, `count x`, or a bare pipeline: run and show results.
    case run(Pipeline)
    /// `let name = cohort ... | stage`: run, show, and bind the last result to `name`.
    case bind(Name, Pipeline)
    /// `let name = terms(a, b >= 1, c)`: a list of model terms for `each(name)` or `~ name`.
    case terms(Name, [FormulaTerm])
    /// `levels column [v1, v2, ...]`: the order of a column's values; the first is the reference.
    case levels(Name, [Expr])
    /// `label column "Text" [value: "Text", ...]`: a variable label and value labels.
    case label(Name, title: String?, values: [(Expr, String)])
    /// `uni.terms` (and a row or a cell of it): show a part of a bound result.
    case show(Expr)
    /// `table2 uni, multi, ...`: bound Cox results side by side, one row per term, one
    /// column group per endpoint.
    case table2([Name], outputs: [Stage])
    /// `why ID in COHORT`: the steps that kept or dropped one patient.
    case why(id: Expr, cohort: Name)
}

/// How a CSV file is read: `na ["NA", "."]`, `delimiter ";"`, `dates "%d/%m/%Y"` (or a list).
public struct UseOptions: Sendable {
    public var na: [String]?
    public var delimiter: (String, Range<Int>)?
    public var dates: [(String, Range<Int>)] = []
    public var range: Range<Int>?
    public init() {}
    public var isEmpty: Bool { na == nil && delimiter == nil && dates.isEmpty }
}

/// Which rows of a database a `use` reads.
public enum UseSelector: Sendable {
    case table(Name)
    case query(String, Range<Int>)
}

public enum EndpointSpec: Sendable {
    /// `from origin to event (compete date)? censor date`
    case dates(origin: Expr, event: Expr, compete: Expr?, censor: Expr)
    /// `time expr event expr (compete expr)? (unit u)?`
    case numeric(time: Expr, event: Expr, compete: Expr?, unit: Name?)
    /// `landmark ENDPOINT at TIME`: the rows at risk at the landmark, time from it.
    case landmark(base: Name, at: Expr)
    /// `start expr stop expr event expr (unit u)?`: counting-process (start, stop] rows.
    case counting(start: Expr, stop: Expr, event: Expr, unit: Name?)
}
