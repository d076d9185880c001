/// Numbers split by group, for the summaries of Table 1 and `summary ... by`.
enum GroupedValues {
    /// The non-missing values of `rows` in each group (in row order), and the missing count
    /// of each group: the values counted by group, then placed, in two passes.
    static func split(_ values: [Double], groupOf: [Int], rows: [Int], groups g: Int) -> (values: [[Double]], missing: [Int]) {
        var size = [Int](repeating: 0, count: g), missing = [Int](repeating: 0, count: g)
        values.withUnsafeBufferPointer { v in
            groupOf.withUnsafeBufferPointer { group in
                size.withUnsafeMutableBufferPointer { size in
                    missing.withUnsafeMutableBufferPointer { missing in
                        for i in rows {
                            if v[i].isNaN { missing[group[i]] += 1 } else { size[group[i]] += 1 }
                        }
                    }
                }
            }
        }
        var start = [Int](repeating: 0, count: g + 1)
        for k in 0..<g { start[k + 1] = start[k] + size[k] }
        var next = Array(start.dropLast())
        let flat = [Double](unsafeUninitializedCapacity: start[g]) { out, count in
            values.withUnsafeBufferPointer { v in
                groupOf.withUnsafeBufferPointer { group in
                    next.withUnsafeMutableBufferPointer { next in
                        for i in rows {
                            let x = v[i]
                            if x.isNaN { continue }
                            let k = group[i]
                            out[next[k]] = x
                            next[k] += 1
                        }
                    }
                }
            }
            count = start[g]
        }
        return ((0..<g).map { Array(flat[start[$0]..<start[$0 + 1]]) }, missing)
    }
}
