import Testing
import TestSupport
@testable import Runtime

/// cox.zph(fit, transform = "km") against R 4.2.2 / survival 3.5-3.
struct CoxZphTests {
    static let caseIDs = ["lung.zph.multi.efron", "veteran.zph.multi.efron", "mgus2.zph.tied.efron"]

    @Test func everyZphCaseIsCovered() throws {
        #expect(Set(try CoxFixtureCase.caseIDs(ofType: "cox_zph")) == Set(Self.caseIDs))
    }

    @Test(arguments: caseIDs)
    func matchesR(_ id: String) throws {
        let (c, fit, data) = try CoxFixtureCase.withReferencedFit(id)
        let zph = try CoxZph.test(fit, time: data.time, event: data.event, design: data.design, strata: data.strata)
        let rows = (c["results"] as! [String: Any])["rows"] as! [[String: Any]]
        let ours = zph.terms + [zph.global]
        #expect(ours.map(\.term) == rows.map { $0["term"] as! String })
        for (mine, r) in zip(ours, rows) {
            let what = "\(id) \(mine.term)"
            expectClose(mine.chiSquare, rNumber(r["chisq"]), abs: Tolerance.closedForm, rel: Tolerance.iterativeRelative, "\(what) chisq")
            #expect(mine.df == r["df"] as! Int, "\(what) df")
            expectClose(mine.p, rNumber(r["p"]), abs: Tolerance.closedForm, rel: Tolerance.iterativeRelative, "\(what) p")
        }
        #expect(zph.tables()[0].rows.count == rows.count)
    }

    /// g(t) = 1 - S(t-): S(t-) is 1 up to and including the first event time.
    @Test func kmTransformByHand() {
        // Times 1 (event), 2 (censored), 3 (event), 3 (event); S: 1 -> 3/4 after t=1 -> 0 after t=3.
        let g = CoxZph.centredKMTransform(time: [1, 2, 3, 3], event: [true, false, true, true])
        // Uncentred 1 - S(t-): 0, 1/4, 1/4, 1/4; mean over events (0 + 1/4 + 1/4)/3 = 1/6.
        expectClose(g[0], -1.0 / 6, abs: 1e-15, "g(1)")
        expectClose(g[1], 1.0 / 12, abs: 1e-15, "g(2)")
        expectClose(g[3], 1.0 / 12, abs: 1e-15, "g(3)")
    }

    @Test func mismatchedDataThrows() throws {
        let id = "lung.cox.sex"
        let (fit, data, _) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: id), id)
        #expect(throws: AnalysisError.self) {
            try CoxZph.test(fit, time: Array(data.time.dropLast()), event: data.event, design: data.design)
        }
    }
}
