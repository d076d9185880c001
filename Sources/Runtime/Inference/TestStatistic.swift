/// A test result: the statistic, its degrees of freedom and the upper-tail p-value.
public struct TestStatistic: Sendable, Equatable {
    public var statistic: Double
    public var df: Double
    public var p: Double

    public init(statistic: Double, df: Double, p: Double) {
        self.statistic = statistic; self.df = df; self.p = p
    }

    /// A chi-square test: p = P(X > statistic) for X ~ chi-square(df). With df = 0 the
    /// p-value is NaN (no test).
    public static func chiSquare(_ statistic: Double, df: Int) -> TestStatistic {
        let p = df > 0 ? Distributions.chiSquareUpperTail(statistic, df: Double(df)) : .nan
        return TestStatistic(statistic: statistic, df: Double(df), p: p)
    }
}
