import Testing
@testable import Runtime

/// R's `quantile(type = 7)` to the last bit, and its rule for equal neighbours (values from
/// R 4.2: `sprintf("%.17g", quantile(c(0.1, 0.7, 1.3), 0.3, names = FALSE))`, and
/// `quantile(c(-Inf, Inf, Inf))`).
@Suite struct QuantileTests {
    @Test func interpolatesAsR() {
        let x = [0.1, 0.7, 1.3]
        // R: (1 - h) x[lo] + h x[hi]; x[lo] + h (x[hi] - x[lo]) gives 0.45999999999999996 and
        // 0.64000000000000001 for the first two.
        #expect(Quantile.type7(x, 0.3) == 0.46000000000000002)
        #expect(Quantile.type7(x, 0.45) == 0.6399999999999999)
        #expect(Quantile.type7(x, 0.8) == 1.0600000000000001)
        #expect(Quantile.type7(x, 0.15) == 0.28000000000000003)
        #expect(Quantile.type7(x, 0) == 0.1 && Quantile.type7(x, 1) == 1.3)
        #expect(Quantile.type7([], 0.5).isNaN)
    }

    @Test func equalNeighboursAreNotInterpolated() {
        let x = [-Double.infinity, .infinity, .infinity]
        #expect(Quantile.type7(x, 0) == -.infinity)
        #expect(Quantile.type7(x, 0.25).isNaN)
        #expect(Quantile.type7(x, 0.5) == .infinity)
        #expect(Quantile.type7(x, 0.75) == .infinity)
        #expect(Quantile.type7([Double](repeating: .infinity, count: 5), 0.25) == .infinity)
    }

    /// `ascending` is `sorted()` to the bit (ties, both zeros in input order, infinities,
    /// subnormals), below and above the size where it leaves the comparison sort, with few
    /// distinct values (the counting sort) and many (the radix sort).
    @Test(arguments: [0, 7, 255, 256, 5000, 70000])
    func ascendingIsSorted(_ n: Int) {
        let (mixed, _) = RowOrderTests.data(n, seed: UInt64(n) + 11)
        let few = (0..<n).map { Double(($0 * 7919) % 83) - 20 }   // 83 distinct ages
        for x in [mixed, few, mixed.map { $0 + 0.5 }, few.reversed()] {
            let expected = x.sorted(), got = Quantile.ascending(x)
            #expect(got.map(\.bitPattern) == expected.map(\.bitPattern))
        }
        let withInfinity: [Double] = (0..<n).map { (i: Int) -> Double in
            if i % 5 == 0 { return .infinity }
            return i % 7 == 0 ? -.infinity : Double(i % 13)
        }
        let bits: [UInt64] = Quantile.ascending(withInfinity).map { $0.bitPattern }
        #expect(bits == withInfinity.sorted().map { $0.bitPattern })
    }
}
