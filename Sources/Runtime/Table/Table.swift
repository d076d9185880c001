/// A table: named columns of equal length. Value type; row subsets are gathered copies.
public struct Table: Sendable {
    public private(set) var names: [String]
    public private(set) var columns: [Column]
    public let rowCount: Int
    /// Where the table came from (a file path), for messages.
    public var origin: String

    private var indexByName: [String: Int]

    public init(names: [String], columns: [Column], origin: String = "") {
        precondition(names.count == columns.count, "one name per column")
        self.names = names
        self.columns = columns
        self.rowCount = columns.first?.count ?? 0
        self.origin = origin
        var idx = [String: Int]()
        for (i, n) in names.enumerated() { idx[n] = i }
        indexByName = idx
    }

    public var columnCount: Int { columns.count }

    public func index(of name: String) -> Int? { indexByName[name] }

    public subscript(name: String) -> Column? {
        indexByName[name].map { columns[$0] }
    }

    /// Convenience for callers outside the language: a column's values as doubles
    /// (NaN = missing), or nil if the column is absent or textual.
    public func doubles(_ name: String) -> [Double]? { self[name]?.doubles() }

    /// A column's values as optional strings, or nil if the column is absent.
    public func strings(_ name: String) -> [String?]? { self[name]?.strings() }

    /// Rows `indices`, in order.
    public func gather(_ indices: [Int]) -> Table {
        // Large tables: the columns shared among the cores (each gather is its own array).
        guard columns.count > 1, indices.count * columns.count >= 1 << 20 else {
            return Table(names: names, columns: columns.map { $0.gather(indices) }, origin: origin)
        }
        var gathered = [Column?](repeating: nil, count: columns.count)
        gathered.withUnsafeMutableBufferPointer { out in
            CSVReader.concurrently(columns.count) { k in out[k] = columns[k].gather(indices) }
        }
        return Table(names: names, columns: gathered.map { $0! }, origin: origin)
    }

    /// Rows where `mask` is true.
    public func filter(_ mask: [Bool]) -> Table {
        var idx = [Int]()
        idx.reserveCapacity(mask.count)
        for i in 0..<mask.count where mask[i] { idx.append(i) }
        // Every row kept: the same table, not a copy.
        return idx.count == rowCount ? self : gather(idx)
    }

    /// A copy with `column` added under `name` (replacing a column of that name).
    public func adding(_ name: String, _ column: Column) -> Table {
        precondition(column.count == rowCount || columns.isEmpty)
        var n = names, c = columns
        if let i = indexByName[name] { c[i] = column } else { n.append(name); c.append(column) }
        return Table(names: n, columns: c, origin: origin)
    }

    /// Rows of `a` then rows of `b`, on the columns both have (kinds must agree).
    public static func stack(_ a: Table, _ b: Table) -> Table {
        var names = [String](), cols = [Column]()
        for (i, n) in a.names.enumerated() {
            guard let j = b.index(of: n), let c = Column.concatenate(a.columns[i], b.columns[j]) else { continue }
            names.append(n); cols.append(c)
        }
        return Table(names: names, columns: cols, origin: a.origin)
    }
}
