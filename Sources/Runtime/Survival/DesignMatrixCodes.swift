extension DesignMatrix {
    /// Treatment-contrast dummies straight from a dictionary-encoded text column (no
    /// per-row strings): the same levels, names and reference rule as `factor(values:)`.
    /// `codes[i] == Column.stringNA` is missing. `order`, when given, is the level order (the
    /// first is the reference unless `reference` names another), as R's `factor(x, levels =)`;
    /// levels without rows are left out (R's `droplevels`).
    /// `.namesOnly` gives the dummies' names with empty columns (for a check of a formula,
    /// which needs the columns and their errors, not their values).
    public static func factor(codes: [UInt32], dictionary: [String], order: [String]? = nil, reference: String? = nil, name: String,
                              values: DesignValues = .written) throws -> DesignColumns {
        var present = [Bool](repeating: false, count: dictionary.count)
        for c in codes where c != Column.stringNA { present[Int(c)] = true }
        let presentLevels = dictionary.indices.filter { present[$0] }.map { dictionary[$0] }
        let levels: [String]
        if let order {
            let have = Set(presentLevels)
            levels = order.filter { have.contains($0) }
        } else {
            levels = sortedLevels(presentLevels)
        }
        guard !levels.isEmpty else { throw AnalysisError("factor \(name) has no non-missing values") }
        let ref = reference ?? levels[0]
        guard let refIndex = levels.firstIndex(of: ref) else {
            throw AnalysisError("reference level \"\(ref)\" is not a level of \(name) (levels: \(levels.joined(separator: ", ")))")
        }
        let kept = levels.enumerated().filter { $0.offset != refIndex }.map(\.element)
        // Dictionary code -> dummy column (-1: the reference level).
        var column = [Int](repeating: -1, count: dictionary.count)
        for (k, level) in kept.enumerated() {
            for (code, text) in dictionary.enumerated() where text == level { column[code] = k }
        }
        if values == .namesOnly {
            return DesignColumns(names: kept.map { name + $0 }, columns: [[Double]](repeating: [], count: kept.count), reference: ref)
        }
        // Column by column, each written once in order: 1 where the row's code is the
        // column's level, NaN where missing, else 0 (a table per code, no branch per row);
        // on many rows two threads take half of a column's rows each.
        let n = codes.count
        let threads = n >= 1 << 16 ? 2 : 1
        let columns: [[Double]] = (0..<kept.count).map { k in
            var value = [Double](repeating: 0, count: dictionary.count + 1)
            for code in dictionary.indices where column[code] == k { value[code] = 1 }
            value[dictionary.count] = .nan
            return value.withUnsafeBufferPointer { v in
                codes.withUnsafeBufferPointer { cd in
                    [Double](unsafeUninitializedCapacity: n) { out, count in
                        CSVReader.concurrently(threads) { t in
                            for i in threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) {
                                let c = cd[i]
                                out[i] = v[c == Column.stringNA ? dictionary.count : Int(c)]
                            }
                        }
                        count = n
                    }
                }
            }
        }
        return DesignColumns(names: kept.map { name + $0 }, columns: columns, reference: ref)
    }
}
