/// A test statistic with its degrees of freedom and p-value.
public struct TestStatistic: Sendable {
    public var statistic: Double
    public var df: Double
    public var p: Double
    public init(statistic: Double, df: Double, p: Double) {
        self.statistic = statistic; self.df = df; self.p = p
    }
}
