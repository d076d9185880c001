import Testing
import TestSupport
@testable import Runtime

/// Wilcoxon rank-sum test with R's defaults. Reference values from SciPy's `mannwhitneyu`
/// (method 'exact', or 'asymptotic' with use_continuity=True; same statistic and p as R).
struct WilcoxonTests {

    /// R: wilcox.test(extra ~ group, data = sleep): W = 25.5, p-value = 0.06933, with the
    /// warning "cannot compute exact p-value with ties".
    @Test func sleepWithTies() {
        let r = WilcoxonRankSum.test(WelchTTests.sleep1, WelchTTests.sleep2)
        expectClose(r.w, 25.5, "W")
        expectClose(r.p, 0.06932757543362658, abs: 1e-12, "p")
        #expect(!r.exact)
        #expect(r.warnings == [WilcoxonRankSum.tiesWarning])
    }

    /// R's ?wilcox.test data: W = 35; two-sided exact p = 0.2544 (= 2 x 0.1272, R's one-sided).
    @Test func exactNoTies() {
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
        let y = [1.15, 0.88, 0.90, 0.74, 1.21]
        let r = WilcoxonRankSum.test(x, y)
        expectClose(r.w, 35, "W")
        expectClose(r.p, 0.2544122544122544, abs: 1e-12, "p")
        #expect(r.exact)
        #expect(r.warnings.isEmpty)
        // The same from the other side: W' = n_x n_y - W.
        let s = WilcoxonRankSum.test(y, x)
        expectClose(s.w, 15, "W swapped")
        expectClose(s.p, r.p, abs: 1e-12, "p swapped")
    }

    /// Complete separation, sizes 3 and 4: P(W = 0) = 1 / C(7, 3) = 1/35, p = 2/35.
    @Test func exactByHand() {
        let r = WilcoxonRankSum.test([1, 2, 3], [4, 5, 6, 7])
        expectClose(r.w, 0, "W")
        expectClose(r.p, 2.0 / 35, abs: 1e-15, "p")
    }

    /// 55 and 52 values without ties: normal approximation (n >= 50), no tie correction.
    @Test func largeSamplesNormal() {
        let x = (0..<55).map { Double($0) }
        let y = (0..<52).map { Double($0) * 1.1 + 0.35 }
        let r = WilcoxonRankSum.test(x, y)
        expectClose(r.w, 1360, "W")
        expectClose(r.p, 0.664875213738569, abs: 1e-12, "p")
        #expect(!r.exact)
        #expect(r.warnings.isEmpty)
    }

    /// Exact distribution at the largest exact size (49 x 49) stays a distribution.
    @Test func exactCountsSumToBinomial() {
        let counts = WilcoxonRankSum.mannWhitneyCounts(5, 4)
        #expect(counts.count == 21)
        #expect(counts.reduce(0, +) == 126)   // C(9, 4)
        #expect(counts == counts.reversed())  // symmetric
        let big = WilcoxonRankSum.test((0..<49).map { Double($0) * 2 }, (0..<49).map { Double($0) * 2 + 1 })
        #expect(big.exact)
        #expect(big.p > 0 && big.p <= 1)
    }

    @Test func badInput() {
        #expect(WilcoxonRankSum.test([], [1, 2]).p.isNaN)
        #expect(WilcoxonRankSum.test([1, 1], [1, 1]).p.isNaN)
    }
}
