/// Columnar storage.
///
/// A column is one contiguous Swift array of a fixed element type. Missing values are
/// sentinels inside the array, as R does it (NA_integer_ is INT_MIN, NA_real_ a NaN):
///
/// | case      | element  | missing            | notes                                   |
/// |-----------|----------|--------------------|-----------------------------------------|
/// | `double`  | `Double` | `.nan`             |                                         |
/// | `int`     | `Int64`  | `Int64.min`        | 0/1 columns act as booleans where asked |
/// | `bool`    | `UInt8`  | `Column.boolNA`    | 0 false, 1 true                         |
/// | `date`    | `Int32`  | `Int32.min`        | days since 1970-01-01                   |
/// | `string`  | `UInt32` | `Column.stringNA`  | code into a dictionary of distinct text |
///
/// Sentinels keep every column one allocation and make predicates simple loops.
public enum Column: Sendable {
    case double([Double])
    case int([Int64])
    case bool([UInt8])
    case date([Int32])
    case string(codes: [UInt32], dictionary: [String])

    public static let intNA = Int64.min
    public static let boolNA: UInt8 = 255
    public static let dateNA = Int32.min
    public static let stringNA = UInt32.max

    public enum Kind: String, Sendable {
        case double, int, bool, date, string
    }

    public var kind: Kind {
        switch self {
        case .double: return .double
        case .int: return .int
        case .bool: return .bool
        case .date: return .date
        case .string: return .string
        }
    }

    public var count: Int {
        switch self {
        case .double(let v): return v.count
        case .int(let v): return v.count
        case .bool(let v): return v.count
        case .date(let v): return v.count
        case .string(let c, _): return c.count
        }
    }

    public func isMissing(_ i: Int) -> Bool {
        switch self {
        case .double(let v): return v[i].isNaN
        case .int(let v): return v[i] == Column.intNA
        case .bool(let v): return v[i] == Column.boolNA
        case .date(let v): return v[i] == Column.dateNA
        case .string(let c, _): return c[i] == Column.stringNA
        }
    }

    public var missingCount: Int {
        var n = 0
        for i in 0..<count where isMissing(i) { n += 1 }
        return n
    }

    /// Values as doubles (missing = NaN); nil for text columns. Dates become day numbers,
    /// booleans 0/1.
    public func doubles() -> [Double]? {
        switch self {
        case .double(let v): return v
        case .int(let v):
            // On many rows two threads take half of the rows each.
            let n = v.count, threads = n >= 1 << 16 ? 2 : 1
            return v.withUnsafeBufferPointer { src in
                [Double](unsafeUninitializedCapacity: n) { out, count in
                    CSVReader.concurrently(threads) { t in
                        for i in threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) {
                            out[i] = src[i] == Column.intNA ? .nan : Double(src[i])
                        }
                    }
                    count = n
                }
            }
        case .bool(let v): return v.map { $0 == Column.boolNA ? .nan : Double($0) }
        case .date(let v): return v.map { $0 == Column.dateNA ? .nan : Double($0) }
        case .string: return nil
        }
    }

    /// Values as booleans (0/1), when the column is boolean or a numeric column holding only
    /// 0, 1 and missing. Missing stays `Column.boolNA`.
    public func booleans() -> [UInt8]? {
        switch self {
        case .bool(let v): return v
        case .int(let v):
            // Without a branch per value (a value other than 0, 1 and missing is noted and
            // ends the answer after the read); on many rows two threads, half of the rows each.
            let n = v.count, threads = n >= 1 << 16 ? 2 : 1
            var bad: [Int64] = [0, 0]
            let out = v.withUnsafeBufferPointer { src in
                bad.withUnsafeMutableBufferPointer { bad in
                    [UInt8](unsafeUninitializedCapacity: n) { dst, count in
                        CSVReader.concurrently(threads) { t in
                            var other: Int64 = 0
                            for i in threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) {
                                let x = src[i], missing = x == Column.intNA
                                dst[i] = missing ? Column.boolNA : UInt8(truncatingIfNeeded: x)
                                other |= (missing ? 0 : x) & ~1
                            }
                            bad[t] = other
                        }
                        count = n
                    }
                }
            }
            return bad == [0, 0] ? out : nil
        case .double(let v):
            var out = [UInt8](repeating: 0, count: v.count)
            for i in 0..<v.count {
                if v[i].isNaN { out[i] = Column.boolNA } else if v[i] == 0 { out[i] = 0 } else if v[i] == 1 { out[i] = 1 } else { return nil }
            }
            return out
        case .date, .string: return nil
        }
    }

    /// Values as optional strings (for display and for factor levels).
    public func strings() -> [String?] {
        (0..<count).map { text(at: $0) }
    }

    /// The column as text codes, each distinct value written once as `text(at:)` writes it:
    /// a text column's own codes and dictionary; a number, date or yes/no column coded by the
    /// dense rank of its values (the dictionary ascending), so a factor of a number costs a
    /// sort of the values, not a string per row.
    public func textCoded() -> (codes: [UInt32], dictionary: [String]) {
        switch self {
        case .string(let c, let d): return (c, d)
        case .bool(let v): return (v.map { $0 == Column.boolNA ? Column.stringNA : UInt32($0) }, ["false", "true"])
        case .double(let v):
            return Column.coded(count: v.count, missing: { v[$0].isNaN }, key: { RowOrder.key(v[$0]) }, text: { formatNumber(v[$0]) })
        case .int(let v):
            return Column.coded(count: v.count, missing: { v[$0] == Column.intNA }, key: { RowOrder.key(Int(v[$0])) }, text: { String(v[$0]) })
        case .date(let v):
            return Column.coded(count: v.count, missing: { v[$0] == Column.dateNA }, key: { RowOrder.key(Int(v[$0])) },
                                text: { CivilDate(days: v[$0]).description })
        }
    }

    /// Codes by the dense rank of `key` over the rows not `missing`; each rank's text from its
    /// first row.
    static func coded(count n: Int, missing: (Int) -> Bool, key: (Int) -> UInt64, text: (Int) -> String) -> (codes: [UInt32], dictionary: [String]) {
        var rows = [Int]()
        rows.reserveCapacity(n)
        for i in 0..<n where !missing(i) { rows.append(i) }
        let (rank, distinct) = RowOrder.denseRanks(keys: rows.map(key))
        var dictionary = [String?](repeating: nil, count: distinct)
        var codes = [UInt32](repeating: Column.stringNA, count: n)
        for (p, i) in rows.enumerated() {
            let r = Int(rank[p]) - 1
            codes[i] = UInt32(r)
            if dictionary[r] == nil { dictionary[r] = text(i) }
        }
        return (codes, dictionary.map { $0 ?? "" })
    }

    /// One cell rendered as text, nil when missing.
    public func text(at i: Int) -> String? {
        switch self {
        case .double(let v): return v[i].isNaN ? nil : formatNumber(v[i])
        case .int(let v): return v[i] == Column.intNA ? nil : String(v[i])
        case .bool(let v): return v[i] == Column.boolNA ? nil : (v[i] == 1 ? "true" : "false")
        case .date(let v): return v[i] == Column.dateNA ? nil : CivilDate(days: v[i]).description
        case .string(let c, let d): return c[i] == Column.stringNA ? nil : d[Int(c[i])]
        }
    }

    /// The rows `indices`, in that order.
    public func gather(_ indices: [Int]) -> Column {
        switch self {
        case .double(let v): return .double(Column.pick(v, indices))
        case .int(let v): return .int(Column.pick(v, indices))
        case .bool(let v): return .bool(Column.pick(v, indices))
        case .date(let v): return .date(Column.pick(v, indices))
        case .string(let c, let d): return .string(codes: Column.pick(c, indices), dictionary: d)
        }
    }

    /// `indices.map { values[$0] }` in one loop over raw buffers (an index out of range
    /// stops the program, as the subscript would).
    static func pick<T>(_ values: [T], _ indices: [Int]) -> [T] {
        values.withUnsafeBufferPointer { v in
            [T](unsafeUninitializedCapacity: indices.count) { out, count in
                indices.withUnsafeBufferPointer { idx in
                    let n = UInt(v.count)
                    for i in 0..<idx.count {
                        let j = idx[i]
                        precondition(UInt(bitPattern: j) < n, "row index out of range")
                        (out.baseAddress! + i).initialize(to: v[j])
                    }
                }
                count = indices.count
            }
        }
    }

    /// Concatenation of two columns of the same kind (strings are re-coded into one dictionary).
    public static func concatenate(_ a: Column, _ b: Column) -> Column? {
        switch (a, b) {
        case (.double(let x), .double(let y)): return .double(x + y)
        case (.int(let x), .int(let y)): return .int(x + y)
        case (.bool(let x), .bool(let y)): return .bool(x + y)
        case (.date(let x), .date(let y)): return .date(x + y)
        case (.string(let c1, let d1), .string(let c2, let d2)):
            var dict = d1
            var index = [String: UInt32]()
            for (i, s) in d1.enumerated() { index[s] = UInt32(i) }
            var remap = [UInt32](repeating: 0, count: d2.count)
            for (i, s) in d2.enumerated() {
                if let k = index[s] { remap[i] = k } else {
                    let k = UInt32(dict.count); dict.append(s); index[s] = k; remap[i] = k
                }
            }
            return .string(codes: c1 + c2.map { $0 == Column.stringNA ? $0 : remap[Int($0)] }, dictionary: dict)
        case (.int, .double), (.double, .int):
            return .double(a.doubles()! + b.doubles()!)
        default: return nil
        }
    }

    /// Builds a dictionary-encoded string column from optional strings.
    /// A text column without the dictionary entries no row uses, the others in their order.
    public static func compacted(codes: [UInt32], dictionary: [String]) -> Column {
        var used = [Bool](repeating: false, count: dictionary.count)
        for c in codes where c != Column.stringNA { used[Int(c)] = true }
        if !used.contains(false) { return .string(codes: codes, dictionary: dictionary) }
        var renumber = [UInt32](repeating: Column.stringNA, count: dictionary.count)
        var kept = [String]()
        for k in dictionary.indices where used[k] { renumber[k] = UInt32(kept.count); kept.append(dictionary[k]) }
        return .string(codes: codes.map { $0 == Column.stringNA ? $0 : renumber[Int($0)] }, dictionary: kept)
    }

    public static func fromStrings(_ values: [String?]) -> Column {
        var dict = [String]()
        var index = [String: UInt32]()
        var codes = [UInt32](repeating: Column.stringNA, count: values.count)
        for (i, v) in values.enumerated() {
            guard let v else { continue }
            if let k = index[v] { codes[i] = k } else {
                let k = UInt32(dict.count); dict.append(v); index[v] = k; codes[i] = k
            }
        }
        return .string(codes: codes, dictionary: dict)
    }
}

/// Shortest text that reads back as the same double, without a trailing ".0" for integers.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "NA" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return String(x)
}
