import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// `km ... by a, b` and `logrank by a, b`: one curve per combination that occurs, as
/// `survfit(~ sex + ph.ecog)` and `survdiff(~ sex + ph.ecog)` on lung
/// (`Tests/Fixtures/public/km_two_groups.R` made the reference).
struct TwoGroupingTests {
    @Test func matchesR() throws {
        let r = try Fixture("public/km_two_groups.ref.json").root
        let interpreter = Interpreter(baseDirectory: Fixture.path("public"))
        let report = interpreter.run("""
            use "lung.csv" as lung
            endpoint death = time time event status == 2 unit days
            cohort lung | km death by sex, `ph.ecog` at 365 | logrank
            """)
        #expect(report.ok, "\(report.errors.map(\.description).joined())")
        let km = try #require(report.results.compactMap { $0.result as? KaplanMeierResult }.first)
        let lr = try #require(report.results.compactMap { $0.result as? LogRankResult }.first)
        let strata = r["strata"] as? [String] ?? []
        // R: "sex=1, ph.ecog=0"; lart: "sex: 1, ph.ecog: 0".
        #expect(km.curves.map(\.label) == strata.map { $0.replacingOccurrences(of: "=", with: ": ") })
        #expect(km.curves.map(\.n) == (r["n"] as? [Int] ?? []))
        #expect(km.curves.map(\.events) == (r["events"] as? [Int] ?? []))
        expectClose(km.curves.map { $0.median.estimate }, rNumbers(r["median"]), "medians")
        expectClose(km.curves.map { $0.at(365).survival }, rNumbers(r["surv_365"]), "survival at 365 days")
        expectClose(lr.chiSquare, rNumber(r["logrank_chisq"]), "log-rank chi-square")
        #expect(lr.df == r["logrank_df"] as? Int)
    }
}
