import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// `summary` against the registry fixture's descriptive cases (R: median(), range()).
struct SummaryTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    @Test func eqd2OverTheAnalysedCohort() throws {
        let s = Interpreter(baseDirectory: SummaryTests.fixtures)
        let r = s.run("""
            use "lart/lart_registry.csv" as registry
            cohort eligible = registry
              | require histology == "adenocarcinoma"
              | exclude mets_at_dx > 3
              | require lart_dose(rt_dose_gy, rt_fractions)
            cohort omd = eligible where disease_state == "synchronous_oligometastasis" and systemic_at_lart and not brain_mets_uncontrolled
            cohort opd = eligible where disease_state == "repeat_oligoprogression" and not brain_mets_uncontrolled
            cohort omd + opd | summary eqd2(rt_dose_gy, rt_fractions), sex
            """, file: "t.lart")
        try #require(r.ok, "\(r.errors.map(\.description))")
        let summary = try #require(r.results.last?.result as? DescriptiveSummary)
        let eqd2 = try #require(summary.rows.first?.numbers)
        // lart.eqd2.analysed: n 176, median 43.86666666666666, min 22, max 150
        #expect(eqd2.n == 176)
        #expect(abs(eqd2.median - 43.86666666666666) < 1e-12)
        #expect(eqd2.min == 22)
        #expect(eqd2.max == 150)
        let sex = try #require(summary.rows.last?.levels)
        #expect(sex.map(\.count) == [103, 73])  // Table 1: F 34 + 69, M 20 + 53
    }
}
