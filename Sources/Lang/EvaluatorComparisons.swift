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

    /// Text values (columns, single values, missing) read through one dictionary: each
    /// value's codes mapped into it, a value met again keeping its first code.
    struct MergedText {
        var dictionary: [String] = []
        private var index: [String: UInt32] = [:]

        /// A value's code at row i in the merged dictionary (`Column.stringNA`: missing).
        struct Reader {
            let codes: [UInt32]?
            let constant: UInt32
            let remap: [UInt32]
            @inline(__always) func code(_ i: Int) -> UInt32 {
                let k = codes?[i] ?? constant
                return k == Column.stringNA ? k : remap[Int(k)]
            }
        }

        mutating func add(_ v: Value) -> Reader {
            let (codes, constant, own): ([UInt32]?, UInt32, [String]) = {
                switch v {
                case .column(.string(let codes, let dict)): return (codes, 0, dict)
                case .scalar(.text(let s)): return (nil, 0, [s])
                default: return (nil, Column.stringNA, [])
                }
            }()
            let remap = own.map { s -> UInt32 in
                if let k = index[s] { return k }
                let k = UInt32(dictionary.count)
                dictionary.append(s)
                index[s] = k
                return k
            }
            return Reader(codes: codes, constant: constant, remap: remap)
        }
    }

    /// `ifelse` on text: each row's code from `a` where the condition holds, from `b` where
    /// it does not, missing where it is missing; the dictionaries made one, keeping the
    /// values some row takes (no text per row).
    static func chooseText(_ cond: [UInt8], _ a: Value, _ b: Value, count n: Int) -> Column {
        var merged = MergedText()
        let x = merged.add(a), y = merged.add(b)
        var codes = [UInt32](repeating: Column.stringNA, count: n)
        codes.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                switch cond[i] {
                case 1: out[i] = x.code(i)
                case 0: out[i] = y.code(i)
                default: break
                }
            }
        }
        return Column.compacted(codes: codes, dictionary: merged.dictionary)
    }

    /// `coalesce` on text: each row's first value that is not missing.
    static func coalesceText(_ values: [Value], count n: Int) -> Column {
        var merged = MergedText()
        let readers = values.map { merged.add($0) }
        var codes = [UInt32](repeating: Column.stringNA, count: n)
        codes.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                for r in readers {
                    let k = r.code(i)
                    if k != Column.stringNA { out[i] = k; break }
                }
            }
        }
        return Column.compacted(codes: codes, dictionary: merged.dictionary)
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
