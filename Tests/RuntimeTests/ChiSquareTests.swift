import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Pearson chi-square against R's `chisq.test(correct = FALSE)` on the lart Table 1 count
/// tables (every case, including the site-count table), plus Yates and hand-derived cases.
struct ChiSquareTests {

    @Test func lartTableOneCases() throws {
        let cases = try LartCountCase.all()
        #expect(cases.count == 19)
        for c in cases {
            let r = ChiSquareTest.pearson(c.table)
            expectClose(r.statistic, c.statistic, "\(c.id) statistic")
            expectClose(r.df, c.df, "\(c.id) df")
            expectClose(r.p, c.p, "\(c.id) p")
            #expect(r.warnings == c.warnings, "\(c.id) warnings")
            #expect(!r.corrected)
        }
    }

    /// 2 x 2 [[10, 20], [30, 15]]: N = 75, E = [[16, 14], [24, 21]], |O - E| = 6 everywhere.
    /// Without correction X^2 = 36 (1/16 + 1/14 + 1/24 + 1/21) = 36 * 75/336 = 675/84;
    /// with Yates 5.5^2 (75/336) = 30.25 * 75/336.
    @Test func yatesTwoByTwo() {
        let t = [[10, 20], [30, 15]]
        let plain = ChiSquareTest.pearson(t)
        expectClose(plain.statistic, 36 * 75.0 / 336, "X^2")
        let yates = ChiSquareTest.pearson(t, correct: true)
        #expect(yates.corrected)
        expectClose(yates.statistic, 30.25 * 75.0 / 336, "X^2 Yates")
        expectClose(yates.p, Distributions.chiSquareUpperTail(30.25 * 75.0 / 336, df: 1), "p Yates")
        #expect(yates.warnings.isEmpty)
        // R: Yates never applies beyond 2 x 2.
        let big = ChiSquareTest.pearson([[10, 20, 5], [30, 15, 9]], correct: true)
        #expect(!big.corrected)
    }

    /// R's correction is min(0.5, |O - E|): with |O - E| < 0.5 the term vanishes.
    @Test func yatesSmallDeviation() {
        // [[5, 5], [5, 6]]: E_11 = 10 * 10 / 21, |O - E| = 5 - 100/21 = 5/21 < 0.5.
        let r = ChiSquareTest.pearson([[5, 5], [5, 6]], correct: true)
        expectClose(r.statistic, 0, "X^2")
        expectClose(r.p, 1, "p")
    }

    @Test func degenerateTables() {
        #expect(ChiSquareTest.pearson([[1, 2]]).statistic.isNaN)
        #expect(ChiSquareTest.pearson([[0, 0], [0, 0]]).p.isNaN)
        let zeroRow = ChiSquareTest.pearson([[0, 0], [3, 4], [5, 1]])
        #expect(zeroRow.statistic.isNaN)
        #expect(zeroRow.warnings.contains(ChiSquareTest.smallExpectedWarning))
        #expect(ChiSquareTest.pearson([[1, -2], [3, 4]]).statistic.isNaN)
    }
}
