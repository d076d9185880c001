import Testing
import TestSupport
@testable import Runtime

/// summary(survfit(coxph fit), times = ) at fit$means against R 4.2.2 / survival 3.5-3.
struct CoxSurvivalTests {
    static let caseIDs = ["lung.coxsurv.multi.efron", "mgus2.coxsurv.tied.efron"]

    @Test func everyCaseIsCovered() throws {
        #expect(Set(try CoxFixtureCase.caseIDs(ofType: "coxph_survfit")) == Set(Self.caseIDs))
    }

    @Test(arguments: caseIDs)
    func matchesR(_ id: String) throws {
        let (c, fit, data) = try CoxFixtureCase.withReferencedFit(id)
        let r = c["results"] as! [String: Any]
        let times = rNumbers(r["time"]).map { $0! }
        let curve = try CoxSurvival.curve(fit, time: data.time, event: data.event, design: data.design, at: times)
        #expect(curve.nRisk == (r["n_risk"] as! [Int]), "\(id) n_risk")
        #expect(curve.nEvent == (r["n_event_since_previous_time"] as! [Int]), "\(id) n_event")
        let fields: [(String, [Double?])] = [
            ("surv", curve.survival), ("std_err", curve.standardError), ("cumhaz", curve.cumulativeHazard),
            ("lower_log", curve.lowerLog), ("upper_log", curve.upperLog),
            ("lower_loglog", curve.lowerLogLog), ("upper_loglog", curve.upperLogLog),
        ]
        for (key, mine) in fields {
            let expected = rNumbers(r[key])
            for k in times.indices {
                expectClose(mine[k], expected[k], abs: Tolerance.closedForm, rel: Tolerance.iterativeRelative,
                            "\(id) \(key) at \(times[k])")
            }
        }
    }

    @Test func stratifiedIsRejected() throws {
        let id = "veteran.cox.strata_celltype"
        let (fit, data, _) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: id), id)
        #expect(throws: AnalysisError.self) {
            try CoxSurvival.curve(fit, time: data.time, event: data.event, design: data.design, at: [100])
        }
    }
}
