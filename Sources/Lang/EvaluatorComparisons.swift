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

    /// `ifelse` on text: each row's code from `a` where the condition holds, from `b` where
    /// it does not, missing where it is missing; the two dictionaries made one, keeping the
    /// values some row takes, in order of first use by code (no text per row).
    static func chooseText(_ cond: [UInt8], _ a: Value, _ b: Value, count n: Int) -> Column {
        func coded(_ v: Value) -> (codes: [UInt32]?, constant: UInt32, dictionary: [String]) {
            switch v {
            case .column(.string(let codes, let dict)): return (codes, 0, dict)
            case .scalar(.text(let s)): return (nil, 0, [s])
            default: return (nil, Column.stringNA, [])
            }
        }
        let x = coded(a), y = coded(b)
        // y's codes after x's; a value in both keeps x's code.
        var merged = x.dictionary
        var index = [String: UInt32]()
        for (k, s) in merged.enumerated() where index[s] == nil { index[s] = UInt32(k) }
        let remap = y.dictionary.map { s -> UInt32 in
            if let k = index[s] { return k }
            let k = UInt32(merged.count)
            merged.append(s)
            index[s] = k
            return k
        }
        var codes = [UInt32](repeating: Column.stringNA, count: n)
        codes.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                switch cond[i] {
                case 1: out[i] = x.codes?[i] ?? x.constant
                case 0:
                    let k = y.codes?[i] ?? y.constant
                    out[i] = k == Column.stringNA ? k : remap[Int(k)]
                default: break
                }
            }
        }
        return Column.compacted(codes: codes, dictionary: merged)
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
