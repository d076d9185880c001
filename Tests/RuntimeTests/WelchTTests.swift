import Testing
import TestSupport
@testable import Runtime

/// Welch's t-test against R's `t.test(extra ~ group, data = sleep)`: t = -1.8608, df = 17.776,
/// p-value = 0.07939, 95% CI -3.3654832 0.2054832, means 0.75 and 2.33. Full digits from
/// SciPy's `ttest_ind(equal_var=False)` (identical formulas; R prints the rounded values above).
struct WelchTTests {
    static let sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    static let sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

    @Test func sleep() {
        let r = WelchTTest.test(Self.sleep1, Self.sleep2)
        expectClose(r.t, -1.8608134674868526, abs: 1e-12, "t")
        expectClose(r.df, 17.776473516178488, abs: 1e-10, "df")
        expectClose(r.p, 0.0793941401873583, abs: 1e-12, "p")
        expectClose(r.confidenceInterval.lower, -3.3654832307117104, abs: 1e-9, "CI lower")
        expectClose(r.confidenceInterval.upper, 0.20548323071171137, abs: 1e-9, "CI upper")
        expectClose(r.meanX, 0.75, abs: 1e-15, "mean x")
        expectClose(r.meanY, 2.33, abs: 1e-15, "mean y")
        #expect(r.warnings.isEmpty)
    }

    /// R's ?wilcox.test two-sample data, unequal sizes (SciPy values).
    @Test func unequalSizes() {
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
        let y = [1.15, 0.88, 0.90, 0.74, 1.21]
        let r = WelchTTest.test(x, y)
        expectClose(r.t, 2.0413830922100695, abs: 1e-12, "t")
        expectClose(r.df, 12.970538443257544, abs: 1e-10, "df")
        expectClose(r.p, 0.06210134378107847, abs: 1e-12, "p")
        expectClose(r.confidenceInterval.lower, -0.01972499633510394, abs: 1e-9, "CI lower")
        expectClose(r.confidenceInterval.upper, 0.6937249963351039, abs: 1e-9, "CI upper")
    }

    @Test func missingValuesDropped() {
        let r = WelchTTest.test(Self.sleep1 + [.nan], Self.sleep2)
        expectClose(r.t, -1.8608134674868526, abs: 1e-12, "t")
        #expect(r.nX == 10)
    }

    @Test func badInput() {
        #expect(WelchTTest.test([1], [2, 3]).p.isNaN)
        #expect(!WelchTTest.test([1], [2, 3]).warnings.isEmpty)
        #expect(WelchTTest.test([1, 1], [2, 2]).p.isNaN)
        #expect(WelchTTest.test([1, 1], [2, 2]).warnings == ["data are essentially constant"])
    }
}
