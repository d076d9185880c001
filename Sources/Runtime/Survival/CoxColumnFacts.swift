// MARK: - One read of each design column (finite, centred or not, factor contrasts) for the Cox fit

extension Cox {

    /// What one read of a design column tells: all values finite; all -1, 0 or 1; all +0
    /// or 1 (bit for bit); how many are not 0 (+0 or -0).
    struct ColumnFacts {
        var finite = true, unit = true, binary = true
        var nonzero = 0

        init() {}

        /// Four values at a time, in sums that are 0 exactly when the property holds:
        /// v * 0 is +-0 for finite v (NaN otherwise); v (v^2 - 1) is 0 only for v in
        /// {-1, 0, 1} and v (v - 1) only for v in {0, 1} (v^2 = 1 only when |v| = 1; no
        /// underflow, as v^2 - 1 = -1 and v - 1 = -1 for tiny v); sums of their absolute
        /// values cannot cancel. +0 and 1 are told from -0 by the sign bits.
        init(_ c: UnsafeBufferPointer<Double>) {
            typealias V = SIMD4<Double>
            typealias B = SIMD4<UInt64>
            let n = c.count
            let zero = V(repeating: 0), one = V(repeating: 1), magnitude = B(repeating: ~(1 << 63))
            var notFinite = zero, notUnit = zero, notBinary = zero
            var zeros = SIMD4<Int64>(repeating: 0), bits = B(repeating: 0)
            let raw = UnsafeRawPointer(c.baseAddress)
            var i = 0
            if let raw {
                while i + 4 <= n {
                    let v = raw.loadUnaligned(fromByteOffset: i * 8, as: V.self)
                    notFinite += v * zero
                    notUnit += unsafeBitCast(unsafeBitCast(v * (v * v - one), to: B.self) & magnitude, to: V.self)
                    notBinary += unsafeBitCast(unsafeBitCast(v * (v - one), to: B.self) & magnitude, to: V.self)
                    zeros &-= unsafeBitCast(v .== zero, to: SIMD4<Int64>.self)
                    bits |= unsafeBitCast(v, to: B.self)
                    i += 4
                }
            }
            var f = notFinite.sum(), u = notUnit.sum(), b = notBinary.sum()
            var zeroCount = Int(zeros.wrappedSum()), sign = bits[0] | bits[1] | bits[2] | bits[3]
            while i < n {
                let v = c[i]
                f += v * 0; u += abs(v * (v * v - 1)); b += abs(v * (v - 1))
                zeroCount += v == 0 ? 1 : 0; sign |= v.bitPattern
                i += 1
            }
            finite = f == 0
            unit = finite && u == 0
            binary = finite && b == 0 && sign >> 63 == 0
            nonzero = n - zeroCount
        }
    }

    /// The columns of factor terms (a reference level, every column +0 or 1) as ranges in
    /// column order of at most `LevelRows.maxGroupColumns` columns each.
    static func factorColumns(_ terms: [CoxTerm], _ facts: [ColumnFacts]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for t in terms where t.reference != nil && !t.columns.isEmpty
            && t.columns.lowerBound >= 0 && t.columns.upperBound <= facts.count
            && t.columns.allSatisfy({ facts[$0].binary }) {
            var lo = t.columns.lowerBound
            while lo < t.columns.upperBound {
                let hi = min(lo + LevelRows.maxGroupColumns, t.columns.upperBound)
                ranges.append(lo..<hi)
                lo = hi
            }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        // Terms that share columns are not factors of their own.
        var kept: [Range<Int>] = []
        for r in ranges {
            if let last = kept.last, last.upperBound > r.lowerBound { continue }
            kept.append(r)
        }
        return kept
    }
}
