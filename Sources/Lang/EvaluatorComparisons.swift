import Runtime

/// Comparisons (`==` ... `>=`, `in`), in one pass over a column as stored where they can be,
/// and the evaluator's work on text: once per distinct value, through dictionaries.
extension Evaluator {
    mutating func compare(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ e: Expr, _ src: SourceFile) throws -> Value {
        let a = try eval(l, src), b = try eval(r, src)
        func result(_ c: Int?) -> UInt8 {  // c: sign of a - b, nil = missing
            guard let c else { return Column.boolNA }
            switch op {
            case .equal: return c == 0 ? 1 : 0
            case .notEqual: return c != 0 ? 1 : 0
            case .less: return c < 0 ? 1 : 0
            case .lessEqual: return c <= 0 ? 1 : 0
            case .greater: return c > 0 ? 1 : 0
            case .greaterEqual: return c >= 0 ? 1 : 0
            default: return Column.boolNA
            }
        }
        // Text against text.
        if a.typeName == "text" || b.typeName == "text" {
            guard a.typeName == "text" || a.typeName == "missing", b.typeName == "text" || b.typeName == "missing" else {
                let (textSide, other) = a.typeName == "text" ? (l, r) : (r, l)
                let otherType = a.typeName == "text" ? b.typeName : a.typeName
                var hints = [String]()
                if case .column(let c) = (a.typeName == "text" ? a : b) { hints = textHint(c) }
                _ = textSide
                throw fail("cannot compare text with \(otherType)", other, src, hints: hints)
            }
            // Warn when a literal matches no value of a text column (a likely typo).
            if case .column(.string(_, let dict)) = a, case .scalar(.text(let lit)) = b, !dict.contains(lit), op == .equal || op == .notEqual {
                warnings.append(LangError(Diagnostic(.warning, "no row has `\(src.slice(l.range))` equal to \"\(lit)\"", at: r.range,
                                                     hints: Suggest.hint(for: lit, among: dict) + ["values are: " + dict.sorted().map { "\"\($0)\"" }.joined(separator: ", ")]), in: src))
            }
            // A text column against a text value (`histology == "adeno"`): compared once per
            // distinct value of the column, then one lookup per row.
            if case .column(.string(let codes, let dict)) = a, case .scalar(.text(let t)) = b {
                return .column(.bool(Self.byCode(codes, dict) { s in result(Self.textOrder(s, t)) }))
            }
            if case .scalar(.text(let s)) = a, case .column(.string(let codes, let dict)) = b {
                return .column(.bool(Self.byCode(codes, dict) { t in result(Self.textOrder(s, t)) }))
            }
            let x = textValues(a), y = textValues(b)
            return .column(.bool((0..<n).map { i in
                guard let s = x(i), let t = y(i) else { return Column.boolNA }
                return result(Self.textOrder(s, t))
            }))
        }
        if a.typeName == "date" || b.typeName == "date" {
            let x = try dates(l, src, what: "the left side of `\(op.rawValue)`")
            let y = try dates(r, src, what: "the right side of `\(op.rawValue)`")
            return .column(.bool((0..<n).map { i in
                x[i] == Column.dateNA || y[i] == Column.dateNA ? Column.boolNA : result(x[i] == y[i] ? 0 : (x[i] < y[i] ? -1 : 1))
            }))
        }
        // A column of numbers against a number (`status == 1`, `age >= 18`): one pass over
        // the column as stored, the same results as the general loop below.
        if case .column(let c) = a, case .scalar(.number(let y)) = b, let out = Self.compare(c, op, y) { return .column(.bool(out)) }
        if case .scalar(.number(let x)) = a, case .column(let c) = b, let out = Self.compare(c, op.mirrored, x) {
            return .column(.bool(out))
        }
        let x = try numbers(a, l, src, what: "the left side of `\(op.rawValue)`")
        let y = try numbers(b, r, src, what: "the right side of `\(op.rawValue)`")
        var out = [UInt8](repeating: 0, count: n)
        for i in 0..<n {
            out[i] = x[i].isNaN || y[i].isNaN ? Column.boolNA : result(x[i] == y[i] ? 0 : (x[i] < y[i] ? -1 : 1))
        }
        return .column(.bool(out))
    }

    mutating func membership(_ x: Expr, _ items: [Expr], _ negated: Bool, _ src: SourceFile) throws -> Value {
        let v = try eval(x, src)
        var out = [UInt8](repeating: 0, count: n)
        if v.typeName == "text" {
            var set = Set<String>()
            for it in items {
                guard case .string(let s) = it.kind else { throw fail("the list after `in` must hold text values to match text", it, src) }
                set.insert(s)
            }
            if case .column(.string(let codes, let dict)) = v {
                return .column(.bool(Self.byCode(codes, dict) { set.contains($0) != negated ? 1 : 0 }))
            }
            let get = textValues(v)
            for i in 0..<n { if let s = get(i) { out[i] = set.contains(s) != negated ? 1 : 0 } else { out[i] = Column.boolNA } }
            return .column(.bool(out))
        }
        let xs = try numbers(v, x, src, what: "the value before `in`")
        var set = Set<Double>()
        for it in items {
            let iv = try eval(it, src)
            guard case .scalar(let s) = iv, case .number(let d) = s else { throw fail("the list after `in` must hold numbers to match numbers", it, src) }
            set.insert(d)
        }
        // A short list (`ecog in [0, 1]`) is compared in turn, without hashing every row.
        let few = set.count <= 16 ? Array(set) : nil
        for i in 0..<n {
            let x = xs[i]
            out[i] = x.isNaN ? Column.boolNA : ((few?.contains(x) ?? set.contains(x)) != negated ? 1 : 0)
        }
        return .column(.bool(out))
    }

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
