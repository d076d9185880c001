/// The values of a categorical variable as R keeps a factor: a code per row into a list of
/// distinct values (`codes[i]` indexes `values`; -1 is missing). Table 1 and `summary`
/// count levels with one array increment per row, where text per row would hash a string.
/// A text column's dictionary codes are such codes already.
public struct Categories: Sendable {
    public static let missing: Int32 = -1

    public var codes: [Int32]
    public var values: [String]

    public var count: Int { codes.count }

    public init(codes: [Int32], values: [String]) {
        self.codes = codes
        self.values = values
    }

    /// From a value per row (nil: missing); the values listed in order of first appearance
    /// (`Column.fromStrings`'s dictionary).
    public init(_ strings: [String?]) {
        guard case .string(let codes, let dictionary) = Column.fromStrings(strings) else { preconditionFailure("fromStrings makes text") }
        self.init(dictionaryCodes: codes, dictionary: dictionary)
    }

    /// A text column's dictionary codes (`Column.stringNA` missing).
    public init(dictionaryCodes: [UInt32], dictionary: [String]) {
        codes = dictionaryCodes.map { $0 == Column.stringNA ? Categories.missing : Int32(truncatingIfNeeded: $0) }
        values = dictionary
    }

    /// A yes/no column (`Column.boolNA` missing) as the values `no` and `yes` are named.
    public init(booleans: [UInt8], no: String, yes: String) {
        codes = booleans.map { $0 == Column.boolNA ? Categories.missing : Int32($0) }
        values = [no, yes]
    }

    /// The value of row `i` (nil: missing).
    public subscript(i: Int) -> String? {
        let k = codes[i]
        return k < 0 ? nil : values[Int(k)]
    }

    /// Which of `values` some row takes (of `rows` when given).
    public func present(rows: [Int]? = nil) -> [Bool] {
        var seen = [Bool](repeating: false, count: values.count)
        codes.withUnsafeBufferPointer { c in
            if let rows {
                for i in rows where c[i] >= 0 { seen[Int(c[i])] = true }
            } else {
                for k in c where k >= 0 { seen[Int(k)] = true }
            }
        }
        return seen
    }

    /// The values some row takes, in the order of `values`.
    public var presentValues: [String] {
        zip(values, present()).compactMap { $1 ? $0 : nil }
    }

    /// The same rows with each value renamed (value labels); values renamed alike become
    /// one value.
    public func renamed(_ name: (String) -> String) -> Categories {
        var index = [String: Int32]()
        var renamed = [String]()
        let map = values.map { v -> Int32 in
            let s = name(v)
            if let k = index[s] { return k }
            let k = Int32(renamed.count)
            index[s] = k
            renamed.append(s)
            return k
        }
        return Categories(codes: recoded(map), values: renamed)
    }

    /// Codes through `map` (old code -> new code, -1 for missing): one lookup per row.
    public func recoded(_ map: [Int32]) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: codes.count) { out, count in
            codes.withUnsafeBufferPointer { c in
                map.withUnsafeBufferPointer { m in
                    for i in 0..<c.count {
                        let k = c[i]
                        out[i] = k < 0 ? Categories.missing : m[Int(k)]
                    }
                }
            }
            count = codes.count
        }
    }

    /// For each of `values`, its index in `levels` (-1 when not among them).
    public func positions(in levels: [String]) -> [Int32] {
        var index = [String: Int32]()
        for (k, l) in levels.enumerated() where index[l] == nil { index[l] = Int32(k) }
        return values.map { index[$0] ?? Categories.missing }
    }
}
