import Testing
import TestSupport
@testable import Runtime

/// Reference values: R 4.2 `qnorm`, `pnorm`, `pchisq(lower = FALSE)`, `pt`, `qt` (identical
/// to SciPy 1.17 to the last digit shown), printed with 16-17 significant digits.
struct DistributionsTests {
    @Test func normalQuantile() {
        expectClose(Distributions.normalQuantile(0.975), 1.959963984540054, abs: 1e-15, "qnorm(0.975)")
        expectClose(Distributions.normalQuantile(0.5), 0, abs: 0, "qnorm(0.5)")
        expectClose(Distributions.normalQuantile(1e-10), -6.3613409024040557, abs: 1e-13, "qnorm(1e-10)")
        expectClose(Distributions.normalQuantile(0.05), -1.6448536269514729, abs: 1e-15, "qnorm(0.05)")
    }

    @Test func normalTails() {
        expectClose(Distributions.normalTwoSided(1.959963984540054), 0.05, abs: 1e-15, "2 pnorm(-1.96)")
        expectClose(Distributions.normalUpperTail(10), 7.6198530241605269e-24, rel: 1e-12, "pnorm(10, lower=F)")
    }

    @Test func chiSquareTails() {
        expectClose(Distributions.chiSquareUpperTail(3.841458820694124, df: 1), 0.05, abs: 1e-14, "pchisq 1 df")
        expectClose(Distributions.chiSquareUpperTail(5.991464547107979, df: 2), 0.05, abs: 1e-14, "pchisq 2 df")
        expectClose(Distributions.chiSquareUpperTail(11.070497693516351, df: 5), 0.05, abs: 1e-14, "pchisq 5 df")
        // 2 df has the closed form exp(-x/2).
        expectClose(Distributions.chiSquareUpperTail(100, df: 2), 1.9287498479639178e-22, rel: 1e-12, "exp(-50)")
    }

    @Test func studentT() {
        expectClose(Distributions.tTwoSided(2.228138851986274, df: 10), 0.05, abs: 1e-13, "pt 10 df")
        expectClose(Distributions.tQuantile(0.975, df: 10), 2.228138851986274, abs: 1e-12, "qt(0.975, 10)")
        // 1 df is Cauchy: P(T > 1) = 1/4.
        expectClose(Distributions.tUpperTail(1, df: 1), 0.25, abs: 1e-15, "Cauchy")
    }
}
