import Runtime

/// Arithmetic with dates: date - date gives days; date +- a number or a duration moves a date.
extension Evaluator {
    /// `l op r` where `a` (the value of `l`) or `b` (of `r`) is a date.
    mutating func dateArithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value,
                                 _ l: Expr, _ r: Expr, _ src: SourceFile) throws -> Value {
        let aDate = a.typeName == "date", bDate = b.typeName == "date"
        if aDate && bDate && op == .subtract {
            let x = try dates(l, src, what: "the left side"), y = try dates(r, src, what: "the right side")
            return .column(.double((0..<n).map { x[$0] == Column.dateNA || y[$0] == Column.dateNA ? .nan : Double(x[$0] - y[$0]) }))
        }
        if aDate && !bDate && (op == .add || op == .subtract) {
            let x = try dates(l, src, what: "the left side")
            let y = try numbers(b, r, src, what: "the days added to a date")
            var out = [Int32]()
            out.reserveCapacity(n)
            for i in 0..<n {
                guard x[i] != Column.dateNA, !y[i].isNaN else { out.append(Column.dateNA); continue }
                // A date is a day count in 32 bits (about 5.8 million years either side of
                // 1970); a move past that (an infinite or huge number of days) is an error.
                let moved = Double(x[i]) + (op == .add ? y[i] : -y[i]).rounded()
                guard let day = Int32(exactly: moved), day != Column.dateNA else {
                    throw fail("`\(src.slice(l.range.lowerBound..<r.range.upperBound))` moves a date by \(formatNumber(y[i])) days, out of the range of dates (about 5.8 million years either side of 1970)",
                               Expr(.bool(true), l.range.lowerBound..<r.range.upperBound), src,
                               hints: ["check the number of days added; a duration is written `30d`, `6mo`, `2y`"])
                }
                out.append(day)
            }
            return .column(.date(out))
        }
        throw fail("cannot \(op == .add ? "add" : op == .multiply ? "multiply" : op == .divide ? "divide" : "subtract") \(a.typeName) and \(b.typeName)",
                   Expr(.bool(true), l.range.lowerBound..<r.range.upperBound), src,
                   hints: ["date - date gives days; date + 30d moves a date"])
    }
}
