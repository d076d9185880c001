import Runtime

/// Comparisons the evaluator makes in one pass over a column as stored, and the text of
/// each row for comparisons of text.
extension Evaluator {
    /// `c op y` row by row for an integer, double or logical column and a finite or
    /// infinite number `y` (missing where the value is); nil for another column, `y` NaN or
    /// an operator that is not a comparison. As the general loop: an integer or logical
    /// value is compared as the double it converts to.
    static func compare(_ c: Column, _ op: BinaryOperator, _ y: Double) -> [UInt8]? {
        guard !y.isNaN else { return nil }
        func fill<T>(_ values: [T], missing: (T) -> Bool, _ number: (T) -> Double) -> [UInt8]? {
            @inline(__always) func run(_ test: (Double) -> Bool) -> [UInt8] {
                [UInt8](unsafeUninitializedCapacity: values.count) { out, count in
                    values.withUnsafeBufferPointer { v in
                        for i in 0..<v.count { out[i] = missing(v[i]) ? Column.boolNA : (test(number(v[i])) ? 1 : 0) }
                    }
                    count = values.count
                }
            }
            switch op {
            case .equal: return run { $0 == y }
            case .notEqual: return run { $0 != y }
            case .less: return run { $0 < y }
            case .lessEqual: return run { $0 <= y }
            case .greater: return run { $0 > y }
            case .greaterEqual: return run { $0 >= y }
            case .or, .and, .add, .subtract, .multiply, .divide: return nil
            }
        }
        switch c {
        case .int(let v): return fill(v, missing: { $0 == Column.intNA }) { Double($0) }
        case .double(let v): return fill(v, missing: { $0.isNaN }) { $0 }
        case .bool(let v): return fill(v, missing: { $0 == Column.boolNA }) { Double($0) }
        case .date, .string: return nil
        }
    }

    /// The sign of `a - b` for text, in the order R sorts text (`DesignMatrix.rSortKey`, as
    /// levels are sorted): letters ignoring case first, then lower case before upper case, so
    /// "high" < "low" < "Low", as R's `<` in an English locale.
    static func textOrder(_ a: String, _ b: String) -> Int {
        a == b ? 0 : (DesignMatrix.rSortKey(a, b) ? -1 : 1)
    }

    /// A yes/no for each row of a text column, `test` evaluated once per distinct value (the
    /// column's dictionary) and looked up by code; a missing value gives a missing answer.
    static func byCode(_ codes: [UInt32], _ dictionary: [String], _ test: (String) -> UInt8) -> [UInt8] {
        let answers = dictionary.map(test)
        return [UInt8](unsafeUninitializedCapacity: codes.count) { out, count in
            answers.withUnsafeBufferPointer { answer in
                codes.withUnsafeBufferPointer { c in
                    for i in 0..<c.count {
                        let k = c[i]
                        out[i] = k == Column.stringNA ? Column.boolNA : answer[Int(k)]
                    }
                }
            }
            count = codes.count
        }
    }

    /// The text of each row of a text column or scalar (nil: missing).
    func textValues(_ v: Value) -> (Int) -> String? {
        switch v {
        case .scalar(.text(let s)): return { _ in s }
        case .column(.string(let codes, let dict)): return { codes[$0] == Column.stringNA ? nil : dict[Int(codes[$0])] }
        default: return { _ in nil }
        }
    }
}
