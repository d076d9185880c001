/// Stable orderings of rows by numeric keys, for the estimators that walk their data in time
/// order (Kaplan-Meier, log-rank, Cox, concordance, cumulative incidence).
///
/// Every key is first mapped to an unsigned 64-bit integer with the same order (`key(_:)`),
/// then the rows are sorted by a least-significant-digit radix sort (11-bit digits, at most
/// six scatter passes, a pass skipped when every key has the same digit there). The sort
/// is stable, so sorting by a minor key and then by a major key sorts by (major, minor),
/// and rows with equal keys keep their input order. Cost O(n) per pass over flat arrays,
/// instead of O(n log n) comparisons that each look up two rows.
///
/// Source: Knuth, The Art of Computer Programming vol. 3, section 5.2.5 (radix sorting);
/// the float-to-integer order map is the usual IEEE 754 sign-magnitude flip.
enum RowOrder {

    /// An unsigned integer with the same order as `x` (NaN excluded; -0 and +0 equal).
    @inline(__always)
    static func key(_ x: Double) -> UInt64 {
        let bits = (x == 0 ? 0.0 : x).bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
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
        let digitBits = 11, radix = 1 << 11, passes = 6
        var keys = [UInt64](repeating: 0, count: m)
        var positions = [UInt32](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: passes * radix)
        keys.withUnsafeMutableBufferPointer { k in
            counts.withUnsafeMutableBufferPointer { c in
                for p in 0..<m {
                    let v = key(rows[p])
                    k[p] = v
                    for d in 0..<passes { c[d * radix + Int((v >> UInt64(d * digitBits)) & UInt64(radix - 1))] += 1 }
                }
            }
        }
        for p in 0..<m { positions[p] = UInt32(truncatingIfNeeded: p) }
        var keys2 = [UInt64](repeating: 0, count: m)
        var positions2 = [UInt32](repeating: 0, count: m)
        var offsets = [Int](repeating: 0, count: radix)
        for d in 0..<passes {
            // Skip a digit that every key shares.
            let base = d * radix
            var trivial = false
            for b in 0..<radix where counts[base + b] != 0 { trivial = counts[base + b] == m; break }
            if trivial { continue }
            var running = 0
            for b in 0..<radix { offsets[b] = running; running += counts[base + b] }
            let shift = UInt64(d * digitBits)
            keys.withUnsafeBufferPointer { kIn in
                positions.withUnsafeBufferPointer { pIn in
                    keys2.withUnsafeMutableBufferPointer { kOut in
                        positions2.withUnsafeMutableBufferPointer { pOut in
                            offsets.withUnsafeMutableBufferPointer { o in
                                for i in 0..<m {
                                    let v = kIn[i]
                                    let b = Int((v >> shift) & UInt64(radix - 1))
                                    let at = o[b]
                                    o[b] = at + 1
                                    kOut[at] = v
                                    pOut[at] = pIn[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &keys2)
            swap(&positions, &positions2)
        }
        var out = [Int](repeating: 0, count: m)
        rows.withUnsafeBufferPointer { r in
            positions.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<m { o[i] = r[Int(p[i])] }
                }
            }
        }
        return out
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
}
