/// A chi-square (or other) test result: the statistic, its degrees of freedom and the
/// upper-tail p-value.
public struct TestStatistic: Sendable, Equatable {
    public var statistic: Double
    public var df: Int
    public var p: Double

    public init(statistic: Double, df: Int, p: Double) {
        self.statistic = statistic; self.df = df; self.p = p
    }

    /// A chi-square test: p = P(X > statistic) for X ~ chi-square(df). With df = 0 the
    /// p-value is NaN (no test).
    public static func chiSquare(_ statistic: Double, df: Int) -> TestStatistic {
        let p = df > 0 ? Distributions.chiSquareUpperTail(statistic, df: Double(df)) : .nan
        return TestStatistic(statistic: statistic, df: df, p: p)
    }
}
