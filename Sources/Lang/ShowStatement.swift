import Runtime

extension Interpreter {
    /// `uni.terms`, `uni.terms["tki"]`, `uni.terms["tki"].hr`: a part of a bound result, one
    /// row of it, or one cell, at full precision.
    func showPart(_ e: Expr, _ src: SourceFile) throws -> PartResult {
        guard case .resultPart(let path) = e.kind else {
            throw fail("expected a part of a bound result, such as `uni.terms`", e.range, src)
        }
        let (frame, row, column) = try Evaluator.locate(path, in: env.results.mapValues(\.result), src)
        return PartResult(title: src.slice(e.range), frame: frame, row: row, column: column)
    }
}

/// A part of a result shown on its own.
struct PartResult: Reportable {
    var title: String
    var frame: ResultFrame
    var row: Int?
    var column: String?
    var kind: String { "part" }

    var rows: [Int] { row.map { [$0] } ?? Array(0..<frame.rowCount) }
    var columns: [String] { column.map { [frame.keyColumn, $0] } ?? frame.table.names }

    func cell(_ name: String, _ i: Int) -> Cell {
        switch Evaluator.cell(frame, row: i, column: name) {
        case .number(let x): return .number(x, digits: 6)
        case .text(let t): return .text(t)
        case .missing: return .missing
        case .bool(let b): return .text(b ? "true" : "false")
        case .date(let d): return .text(CivilDate(days: d).description)
        case .duration(let d): return .number(d, digits: 6)
        }
    }

    func tables() -> [ResultTable] {
        [ResultTable(title: title, columns: columns, rows: rows.map { i in columns.map { cell($0, i) } })]
    }

    func json() -> JSONValue {
        .array(rows.map { i in
            .object(columns.map { name in
                switch Evaluator.cell(frame, row: i, column: name) {
                case .number(let x): return (name, .number(x))
                case .text(let t): return (name, .string(t))
                case .missing: return (name, .null)
                case .bool(let b): return (name, .bool(b))
                case .date(let d): return (name, .string(CivilDate(days: d).description))
                case .duration(let d): return (name, .number(d))
                }
            })
        })
    }
}
