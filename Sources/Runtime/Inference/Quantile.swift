/// Sample quantiles as R's default, `quantile(x, type = 7)` (Hyndman & Fan 1996, definition
/// 7), in the arithmetic of R's `quantile.default`: index = 1 + (n - 1) p, lo = floor(index),
/// hi = ceiling(index), h = index - lo; the quantile is x[lo], replaced by
/// (1 - h) x[lo] + h x[hi] only when h > 0 and x[hi] != x[lo]. Written so, a median of
/// (-Inf, Inf, Inf) is Inf, as R's, not Inf + 0 (Inf - Inf) = NaN, and the last bit of an
/// interpolated value is R's.
public enum Quantile {
    /// `values` (no NaN) in ascending order, equal values (-0 and +0 among them) in their
    /// input order: `sorted()`'s result, by `RowOrder`'s counting or radix sort (O(n) passes
    /// instead of O(n log n) comparisons; a million ages in a few milliseconds).
    public static func ascending(_ values: [Double]) -> [Double] {
        let n = values.count
        guard n >= 256 else { return values.sorted() }
        return values.withUnsafeBufferPointer { v in
            let order = RowOrder.stableSorted(Array(0..<n)) { RowOrder.key(v[$0]) }
            return order.map { v[$0] }
        }
    }

    /// The p-quantile of `sorted` (ascending, no missing values); NaN when it is empty.
    public static func type7(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        // 1-based, as R: the `1 +` rounds, so h is R's to the last bit (1 + 0.6 - 1 is not 0.6).
        let index = 1 + Double(sorted.count - 1) * p
        let lo = Int(index.rounded(.down))
        let h = index - Double(lo)
        let hi = Swift.min(lo + 1, sorted.count)
        let a = sorted[lo - 1], b = sorted[hi - 1]
        guard h > 0, b != a else { return a }
        return (1 - h) * a + h * b
    }
}
