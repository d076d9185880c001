/// Stable orderings of rows by numeric keys, for the estimators that walk their data in time
/// order (Kaplan-Meier, log-rank, Cox, concordance, cumulative incidence).
///
/// Every key is first mapped to an unsigned 64-bit integer with the same order (`key(_:)`).
/// Keys with few distinct values (at most min(2^14, n/8)) are sorted by counting: an id per
/// distinct key from a small hash table, the distinct keys sorted, one scatter pass. Other
/// keys go through a least-significant-digit radix sort on the top 32 bits where they
/// differ (11-bit digits, at most three scatter passes, a pass skipped when every key has
/// the same digit there), runs equal on those bits then ordered by the full key. Both are
/// stable, so sorting by a minor key and then by a major key sorts by (major, minor), and
/// rows with equal keys keep their input order. Cost O(n) per pass over flat arrays,
/// instead of O(n log n) comparisons that each look up two rows.
///
/// Source: Knuth, The Art of Computer Programming vol. 3, sections 5.2 (counting sort),
/// 5.2.5 (radix sorting) and 6.4 (open addressing with linear probing);
/// the float-to-integer order map is the usual IEEE 754 sign-magnitude flip.
enum RowOrder {

    /// An unsigned integer with the same order as `x` (NaN excluded; -0 and +0 equal).
    @inline(__always)
    static func key(_ x: Double) -> UInt64 {
        let bits = (x == 0 ? 0.0 : x).bitPattern
        // Negative: all bits flipped; otherwise the sign bit set (without a branch: the
        // mask is all ones for a negative value, else 0).
        let mask = UInt64(bitPattern: Int64(bitPattern: bits) >> 63)
        return bits ^ (mask | (1 << 63))
    }

    /// An unsigned integer with the same order as `x`.
    @inline(__always)
    static func key(_ x: Int) -> UInt64 { UInt64(bitPattern: Int64(x)) ^ (1 << 63) }

    /// `rows` stably sorted by `key(row)` ascending.
    static func stableSorted(_ rows: [Int], by key: (Int) -> UInt64) -> [Int] {
        let m = rows.count
        if m < 256 || m > Int(UInt32.max) {
            // Small (or huge) inputs: comparison sort with the position as the tie-break.
            var pairs = [(key: UInt64, position: Int)]()
            pairs.reserveCapacity(m)
            for (p, r) in rows.enumerated() { pairs.append((key(r), p)) }
            pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
            return pairs.map { rows[$0.position] }
        }
        var keys = [UInt64](repeating: 0, count: m)
        keys.withUnsafeMutableBufferPointer { k in
            rows.withUnsafeBufferPointer { r in
                for p in 0..<m { k[p] = key(r[p]) }
            }
        }
        return rows.withUnsafeBufferPointer { r in
            keys.withUnsafeBufferPointer { k in
                var out = [Int](repeating: 0, count: m)
                out.withUnsafeMutableBufferPointer { o in
                    if let d = distinctIds(k) {
                        // Counting sort: start offset of each id (ids in key order), one scatter.
                        var offset = [Int](repeating: 0, count: d.distinct.count)
                        var running = 0
                        for id in d.rankOrder { offset[id] = running; running += d.counts[id] }
                        d.ids.withUnsafeBufferPointer { idIn in
                            offset.withUnsafeMutableBufferPointer { off in
                                for p in 0..<m {
                                    let id = Int(idIn[p])
                                    o[off[id]] = r[p]
                                    off[id] += 1
                                }
                            }
                        }
                    } else {
                        let sorted = radixPositions(k)
                        sorted.positions.withUnsafeBufferPointer { p in
                            for i in 0..<m { o[i] = r[Int(p[i])] }
                        }
                    }
                }
                return out
            }
        }
    }

    /// Dense ranks 1...count of `x` (equal values share a rank, -0 equals +0; no NaN), from
    /// one counting or radix sort of the keys.
    static func denseRanks(_ x: [Double]) -> (rank: [Int32], count: Int) {
        var keys = [UInt64](repeating: 0, count: x.count)
        keys.withUnsafeMutableBufferPointer { k in
            x.withUnsafeBufferPointer { v in for p in 0..<v.count { k[p] = key(v[p]) } }
        }
        return denseRanks(keys: keys)
    }

    /// Dense ranks 1...count of order-preserving keys (see `key(_:)`).
    static func denseRanks(keys: [UInt64]) -> (rank: [Int32], count: Int) {
        let m = keys.count
        var rank = [Int32](repeating: 0, count: m)
        if m == 0 { return (rank, 0) }
        precondition(m < Int(Int32.max), "too many values for 32-bit ranks")
        if m < 256 {
            let order = (0..<m).sorted { keys[$0] < keys[$1] }
            var size: Int32 = 0
            for i in 0..<m {
                if i == 0 || keys[order[i]] != keys[order[i - 1]] { size += 1 }
                rank[order[i]] = size
            }
            return (rank, Int(size))
        }
        let count = keys.withUnsafeBufferPointer { k in
            rank.withUnsafeMutableBufferPointer { out -> Int in
                if let d = distinctIds(k) {
                    var rankOfId = [Int32](repeating: 0, count: d.distinct.count)
                    for (r, id) in d.rankOrder.enumerated() { rankOfId[id] = Int32(r + 1) }
                    d.ids.withUnsafeBufferPointer { ids in
                        for p in 0..<m { out[p] = rankOfId[Int(ids[p])] }
                    }
                    return d.distinct.count
                }
                let sorted = radixPositions(k)
                var size: Int32 = 0
                sorted.positions.withUnsafeBufferPointer { pos in
                    sorted.prefix.withUnsafeBufferPointer { pre in
                        for i in 0..<m {
                            // Equal prefixes are equal keys when the prefix is the whole key.
                            if i == 0 || pre[i] != pre[i - 1]
                                || (!sorted.exact && k[Int(pos[i])] != k[Int(pos[i - 1])]) { size += 1 }
                            out[Int(pos[i])] = size
                        }
                    }
                }
                return Int(size)
            }
        }
        return (rank, count)
    }

    /// The positions of `keys` in ascending key order (stable) and the dense rank 1...count
    /// of the key at each of those positions (so `rank` is non-decreasing), from the same
    /// counting or radix sort as `denseRanks`.
    static func rankOrder(keys: [UInt64]) -> (order: [UInt32], rank: [Int32], count: Int) {
        let m = keys.count
        if m == 0 { return ([], [], 0) }
        precondition(m < Int(Int32.max), "too many values for 32-bit ranks")
        var order = [UInt32](repeating: 0, count: m)
        var rank = [Int32](repeating: 0, count: m)
        if m < 256 {
            let sorted = (0..<m).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            var size: Int32 = 0
            for i in 0..<m {
                if i == 0 || keys[sorted[i]] != keys[sorted[i - 1]] { size += 1 }
                order[i] = UInt32(truncatingIfNeeded: sorted[i]); rank[i] = size
            }
            return (order, rank, Int(size))
        }
        let count = keys.withUnsafeBufferPointer { k in
            order.withUnsafeMutableBufferPointer { out in
                rank.withUnsafeMutableBufferPointer { rk -> Int in
                    if let d = distinctIds(k) {
                        // Counting sort by id, ids taken in key order.
                        var offset = [Int](repeating: 0, count: d.distinct.count)
                        var rankOfId = [Int32](repeating: 0, count: d.distinct.count)
                        var running = 0
                        for (r, id) in d.rankOrder.enumerated() {
                            offset[id] = running; running += d.counts[id]; rankOfId[id] = Int32(r + 1)
                        }
                        d.ids.withUnsafeBufferPointer { ids in
                            for p in 0..<m {
                                let id = Int(ids[p])
                                let at = offset[id]
                                offset[id] = at + 1
                                out[at] = UInt32(truncatingIfNeeded: p); rk[at] = rankOfId[id]
                            }
                        }
                        return d.distinct.count
                    }
                    let sorted = radixPositions(k)
                    var size: Int32 = 0
                    sorted.positions.withUnsafeBufferPointer { pos in
                        sorted.prefix.withUnsafeBufferPointer { pre in
                            for i in 0..<m {
                                if i == 0 || pre[i] != pre[i - 1]
                                    || (!sorted.exact && k[Int(pos[i])] != k[Int(pos[i - 1])]) { size += 1 }
                                out[i] = pos[i]; rk[i] = size
                            }
                        }
                    }
                    return Int(size)
                }
            }
        }
        return (order, rank, count)
    }

    /// Rows `0..<time.count` (or `rows`) ordered by (stratum, time), ascending or with time
    /// descending; equal keys keep their input order. NaN times must have been removed.
    static func byStratumAndTime(time: [Double], strata: [Int]?, rows: [Int]? = nil,
                                 descending: Bool = false) -> [Int] {
        let start = rows ?? Array(0..<time.count)
        var order = time.withUnsafeBufferPointer { t in
            descending ? stableSorted(start) { ~key(t[$0]) } : stableSorted(start) { key(t[$0]) }
        }
        if let strata {
            order = strata.withUnsafeBufferPointer { s in stableSorted(order) { key(s[$0]) } }
        }
        return order
    }

    /// The sorted position of every row `0..<time.count` in the order of `byStratumAndTime`
    /// (stratum, then time ascending, ties in input order): the inverse permutation. With
    /// few distinct (stratum, time) pairs it comes from a counting sort without building the
    /// order: ids per row, bucket offsets, then positions handed out in one sequential pass.
    /// Callers then write each row's values to its position, reading the rows in input
    /// order; with few buckets those writes stream (one moving cursor per bucket), instead
    /// of gathering every value from a random row. NaN times must have been removed.
    static func positions(time: [Double], strata: [Int]?) -> [UInt32] {
        let n = time.count
        precondition(n < Int(UInt32.max), "too many rows for 32-bit positions")
        var out = [UInt32](repeating: 0, count: n)
        if let b = buckets(time: time, strata: strata) {
            var offset = [Int](repeating: 0, count: b.count + 1)
            b.bucket.withUnsafeBufferPointer { bk in
                for i in 0..<n { offset[Int(bk[i]) + 1] += 1 }
            }
            for k in 1..<offset.count { offset[k] += offset[k - 1] }
            out.withUnsafeMutableBufferPointer { o in
                b.bucket.withUnsafeBufferPointer { bk in
                    offset.withUnsafeMutableBufferPointer { c in
                        for i in 0..<n {
                            let bucket = Int(bk[i])
                            o[i] = UInt32(truncatingIfNeeded: c[bucket])
                            c[bucket] += 1
                        }
                    }
                }
            }
            return out
        }
        let order = byStratumAndTime(time: time, strata: strata)
        out.withUnsafeMutableBufferPointer { o in
            for (pos, i) in order.enumerated() { o[i] = UInt32(truncatingIfNeeded: pos) }
        }
        return out
    }

    /// `values` written to their sorted positions: out[position[i]] = values[i].
    static func scatter<T>(_ values: [T], to position: [UInt32], zero: T) -> [T] {
        var out = [T](repeating: zero, count: values.count)
        out.withUnsafeMutableBufferPointer { o in
            values.withUnsafeBufferPointer { v in
                position.withUnsafeBufferPointer { p in
                    for i in 0..<v.count { o[Int(p[i])] = v[i] }
                }
            }
        }
        return out
    }
}
