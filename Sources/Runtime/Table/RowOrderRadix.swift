// MARK: - RowOrder's radix sort: keys with many distinct values

extension RowOrder {

    /// LSD radix sort (11-bit digits) on the top 32 bits where the keys differ, carrying
    /// positions; runs that share those 32 bits but differ further down are then sorted by
    /// the full key (stably: the positions in a run are increasing). For scores and other
    /// continuous values this is three scatter passes of 8 bytes per row instead of six of 12.
    /// Returns the positions in key order, the 32-bit prefixes in that order, and whether the
    /// prefix is the whole key (every key agrees above it).
    static func radixPositions(_ keys: UnsafeBufferPointer<UInt64>)
        -> (positions: [UInt32], prefix: [UInt32], exact: Bool) {
        let m = keys.count
        var differ: UInt64 = 0
        let first = keys[0]
        for p in 0..<m { differ |= keys[p] ^ first }
        let significant = 64 - differ.leadingZeroBitCount
        let shift = UInt64(max(significant - 32, 0))
        let digitBits = 11, radix = 1 << 11, passes = 3
        var prefix = [UInt32](repeating: 0, count: m)
        var positions = [UInt32](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: passes * radix)
        prefix.withUnsafeMutableBufferPointer { pre in
            counts.withUnsafeMutableBufferPointer { c in
                for p in 0..<m {
                    let v = UInt32(truncatingIfNeeded: keys[p] >> shift)
                    pre[p] = v
                    c[Int(v & 0x7FF)] += 1
                    c[radix + Int((v >> 11) & 0x7FF)] += 1
                    c[2 * radix + Int(v >> 22)] += 1
                }
            }
        }
        for p in 0..<m { positions[p] = UInt32(truncatingIfNeeded: p) }
        var prefix2 = [UInt32](repeating: 0, count: m)
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
            let digitShift = UInt32(d * digitBits)
            prefix.withUnsafeBufferPointer { kIn in
                positions.withUnsafeBufferPointer { pIn in
                    prefix2.withUnsafeMutableBufferPointer { kOut in
                        positions2.withUnsafeMutableBufferPointer { pOut in
                            offsets.withUnsafeMutableBufferPointer { o in
                                for i in 0..<m {
                                    let v = kIn[i]
                                    let b = Int((v >> digitShift) & UInt32(radix - 1))
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
            swap(&prefix, &prefix2)
            swap(&positions, &positions2)
        }
        if shift > 0 {
            // Runs equal on the prefix: order by the full key (insertion sort keeps the
            // increasing positions of equal keys in order).
            positions.withUnsafeMutableBufferPointer { pos in
                var start = 0
                while start < m {
                    var end = start + 1
                    while end < m && prefix[end] == prefix[start] { end += 1 }
                    if end - start > 1 {
                        if end - start <= 32 {
                            for i in (start + 1)..<end {
                                let v = pos[i], kv = keys[Int(v)]
                                var j = i
                                while j > start && keys[Int(pos[j - 1])] > kv { pos[j] = pos[j - 1]; j -= 1 }
                                pos[j] = v
                            }
                        } else {
                            var run = Array(pos[start..<end])
                            run.sort { keys[Int($0)] != keys[Int($1)] ? keys[Int($0)] < keys[Int($1)] : $0 < $1 }
                            for i in start..<end { pos[i] = run[i - start] }
                        }
                    }
                    start = end
                }
            }
        }
        return (positions, prefix, shift == 0)
    }
}
