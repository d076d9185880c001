/// Building a model matrix as R's `model.matrix` does for the Cox model (no intercept).
///
/// - A numeric covariate is one column, named as given.
/// - A factor uses treatment contrasts: one 0/1 column per non-reference level, named
///   `name` pasted with the level (`factor(sex)2`, `celltypesmallcell`, `sexM`). Levels
///   are the distinct values sorted as R sorts them (numerically when every value is a
///   number, as `factor()` of a numeric vector; otherwise as text, see `rSortKey`), unless
///   given. The reference is the first level unless given.
/// - An interaction `a:b` is the product of every column of `a` with every column of `b`,
///   the columns of `a` varying fastest (R's order), named `"aCol:bCol"`.
/// - Missing values (nil text, NaN numbers) propagate as NaN; `completeRows` then gives the
///   rows R's `na.omit` keeps.
///
/// Everything is column-major: `columns[j][i]` is row i of column j.
/// Whether design columns are written, or only named (a check of a formula: a factor of
/// 10 levels on 10^7 rows would write 720 MB that nothing reads).
public enum DesignValues: Sendable {
    case written
    case namesOnly
}

public struct DesignColumns: Sendable, Equatable {
    public var names: [String]
    public var columns: [[Double]]
    /// A factor's reference level (the level without a column); nil for other terms.
    public var reference: String?

    public init(names: [String], columns: [[Double]], reference: String? = nil) {
        self.names = names; self.columns = columns; self.reference = reference
    }

    public var count: Int { columns.first?.count ?? 0 }
}

public enum DesignMatrix {

    /// A numeric covariate used as is.
    public static func numeric(_ values: [Double], name: String) -> DesignColumns {
        DesignColumns(names: [name], columns: [values])
    }

    /// Treatment-contrast dummies for a factor. Throws when a given reference is not a
    /// level, or when a value is not among given levels.
    public static func factor(values: [String?], levels: [String]? = nil, reference: String? = nil,
                              name: String) throws -> DesignColumns {
        let lv: [String]
        if let levels {
            lv = levels
            let known = LevelLookup(levels)
            if let bad = values.first(where: { $0 != nil && known.index(of: $0!) == nil }) {
                throw AnalysisError("value \"\(bad!)\" of \(name) is not one of its levels \(levels)")
            }
        } else {
            lv = sortedLevels(distinctValues(values))
        }
        guard !lv.isEmpty else { throw AnalysisError("factor \(name) has no non-missing values") }
        let ref = reference ?? lv[0]
        guard let refIndex = lv.firstIndex(of: ref) else {
            throw AnalysisError("reference level \"\(ref)\" is not a level of \(name) (levels: \(lv.joined(separator: ", ")))")
        }
        let kept = lv.enumerated().filter { $0.offset != refIndex }.map(\.element)
        let index = LevelLookup(kept)
        // One pass giving each row its column (-1: the reference, -2: missing), then one
        // pass per column: no per-row hashing and sequential writes.
        var slot = [Int](repeating: -1, count: values.count)
        var last: String? = nil, lastSlot = -1
        for (i, v) in values.enumerated() {
            guard let v else { slot[i] = -2; continue }
            if v != last { last = v; lastSlot = index.index(of: v) ?? -1 }
            slot[i] = lastSlot
        }
        var columns: [[Double]] = []
        for k in 0..<kept.count {
            var column = [Double](repeating: 0, count: values.count)
            column.withUnsafeMutableBufferPointer { c in
                slot.withUnsafeBufferPointer { sl in
                    for i in 0..<sl.count where sl[i] == k || sl[i] == -2 { c[i] = sl[i] == k ? 1 : .nan }
                }
            }
            columns.append(column)
        }
        return DesignColumns(names: kept.map { name + $0 }, columns: columns, reference: ref)
    }

    /// All products of a column of `a` with a column of `b`, `a` varying fastest.
    public static func interaction(_ a: DesignColumns, _ b: DesignColumns) -> DesignColumns {
        var names: [String] = []
        var columns: [[Double]] = []
        for (jb, cb) in b.columns.enumerated() {
            for (ja, ca) in a.columns.enumerated() {
                names.append(a.names[ja] + ":" + b.names[jb])
                columns.append(zip(ca, cb).map { $0 * $1 })
            }
        }
        return DesignColumns(names: names, columns: columns)
    }

    /// Puts named terms side by side into a Cox design (one `CoxTerm` per term).
    public static func design(_ terms: [(name: String, columns: DesignColumns)]) -> CoxDesign {
        var names: [String] = []
        var columns: [[Double]] = []
        var coxTerms: [CoxTerm] = []
        for t in terms {
            let start = columns.count
            names += t.columns.names
            columns += t.columns.columns
            coxTerms.append(CoxTerm(name: t.name, columns: start..<columns.count, reference: t.columns.reference))
        }
        return CoxDesign(columnNames: names, columns: columns, terms: coxTerms)
    }

    /// Rows with no missing value in any of the numeric columns (NaN) or text columns (nil),
    /// in their original order, and how many were dropped (R's `na.omit`).
    public static func completeRows(numeric: [[Double]], text: [[String?]] = []) -> (kept: [Int], dropped: Int) {
        let n = numeric.first?.count ?? text.first?.count ?? 0
        // Column by column (each read in order), marking the rows with a missing value.
        // On many rows two threads each take half of the rows, through every column.
        // (Flags as bytes, set without a branch.) A column is first read for whether it has a
        // NaN at all (the sum of v * 0 is NaN then, else +-0; four at a time), and only
        // columns that do are read row by row.
        var missing = [UInt8](repeating: 0, count: n)
        let threads = n >= 1 << 16 ? 2 : 1
        var dropped = 0
        missing.withUnsafeMutableBufferPointer { m in
            CSVReader.concurrently(threads) { t in
                let rows = threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n)
                for c in numeric {
                    c.withUnsafeBufferPointer { v in
                        guard let base = v.baseAddress, hasNaN(base + rows.lowerBound, count: rows.count) else { return }
                        for i in rows { m[i] |= v[i].isNaN ? 1 : 0 }
                    }
                }
            }
            for c in text {
                for i in 0..<n where c[i] == nil { m[i] = 1 }
            }
            for i in 0..<n { dropped &+= Int(m[i]) }
        }
        let kept = missing.withUnsafeBufferPointer { m in
            [Int](unsafeUninitializedCapacity: n - dropped) { out, count in
                var k = 0
                for i in 0..<n where m[i] == 0 { out[k] = i; k += 1 }
                count = k
            }
        }
        return (kept, dropped)
    }

    /// Whether one of `count` values is NaN (or infinite: the sum of v * 0 is then NaN).
    static func hasNaN(_ v: UnsafePointer<Double>, count: Int) -> Bool {
        var sum = SIMD4<Double>(repeating: 0)
        let zero = SIMD4<Double>(repeating: 0)
        let raw = UnsafeRawPointer(v)
        var i = 0
        while i + 4 <= count {
            sum += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self) * zero
            i += 4
        }
        var total = sum.sum()
        while i < count { total += v[i] * 0; i += 1 }
        return total != 0
    }

    /// The distinct non-missing values, in first-seen order.
    static func distinctValues(_ values: [String?]) -> [String] {
        var distinct: [String] = []
        var seen = Set<String>()
        var last: String? = nil
        for v in values {
            guard let v, v != last else { continue }
            last = v
            // A short list is searched directly; a long one through a set.
            if distinct.count < LevelLookup.linearLimit {
                if !distinct.contains(v) {
                    distinct.append(v)
                    if distinct.count == LevelLookup.linearLimit { seen = Set(distinct) }
                }
            } else if seen.insert(v).inserted {
                distinct.append(v)
            }
        }
        return distinct
    }

    /// Levels in R's order: numeric order when all values are numbers, otherwise text order.
    public static func sortedLevels(_ values: [String]) -> [String] {
        let distinct = Array(Set(values))
        let asNumbers = distinct.map { Double($0) }
        if !distinct.isEmpty, asNumbers.allSatisfy({ $0 != nil }) {
            return zip(distinct, asNumbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
        }
        return distinct.sorted { rSortKey($0, $1) }
    }

    /// R's `sort()` on text in an English UTF-8 locale compares letters ignoring case first,
    /// then puts lower case before upper case ("apple" < "Banana", "a" < "A"). This is an
    /// approximation of the locale's collation that is exact for ASCII letters and digits.
    public static func rSortKey(_ a: String, _ b: String) -> Bool {
        let la = a.lowercased(), lb = b.lowercased()
        if la != lb { return la < lb }
        // Same letters: lower case first at the first difference.
        for (x, y) in zip(a.unicodeScalars, b.unicodeScalars) where x != y {
            let xLower = x.properties.isLowercase, yLower = y.properties.isLowercase
            if xLower != yLower { return xLower }
            return x.value < y.value
        }
        return a.unicodeScalars.count < b.unicodeScalars.count
    }
}

/// Position of a value among levels: a linear search while there are few levels (comparing
/// short strings is cheaper than hashing them), a dictionary beyond that.
struct LevelLookup {
    static let linearLimit = 16
    let levels: [String]
    let dictionary: [String: Int]

    init(_ levels: [String]) {
        self.levels = levels
        var d: [String: Int] = [:]
        if levels.count > Self.linearLimit {
            for (k, level) in levels.enumerated() where d[level] == nil { d[level] = k }
        }
        dictionary = d
    }

    func index(of value: String) -> Int? {
        if levels.count > Self.linearLimit { return dictionary[value] }
        return levels.firstIndex(of: value)
    }
}

extension CoxDesign {
    /// The design restricted to the given rows (e.g. the kept rows of `completeRows`).
    /// On many rows two threads each gather every other column.
    public func rows(_ indices: [Int]) -> CoxDesign {
        let m = indices.count
        var lowest = 0, highest = -1
        if let first = indices.first { lowest = first; highest = first }
        for i in indices { lowest = min(lowest, i); highest = max(highest, i) }
        for c in columns { precondition(lowest >= 0 && highest < c.count, "row index out of range") }
        // Each column gathered; on many rows two threads take half of its rows each.
        let threads = m >= 1 << 16 ? 2 : 1
        let gathered = columns.map { c in
            c.withUnsafeBufferPointer { v in
                indices.withUnsafeBufferPointer { idx in
                    [Double](unsafeUninitializedCapacity: m) { o, count in
                        CSVReader.concurrently(threads) { t in
                            for k in threads == 1 ? 0..<m : (t == 0 ? 0..<(m / 2) : (m / 2)..<m) { o[k] = v[idx[k]] }
                        }
                        count = m
                    }
                }
            }
        }
        return CoxDesign(columnNames: columnNames, columns: gathered, terms: terms)
    }
}
