import Testing
import TestSupport
@testable import Runtime

struct FollowUpTests {
    /// `reverse_km_followup` cases: quantile(survfit(Surv(time, <censored>) ~ 1), 0.5) in R
    /// 4.2.2 / survival 3.5-3, log band, 95%.
    @Test(arguments: [
        ("lung", "lung.reverse_km", "time", "status", 2.0),
        ("veteran", "veteran.reverse_km", "time", "status", 1.0),
        ("mgus2", "mgus2.reverse_km", "futime", "death", 1.0),
    ])
    func reverseKaplanMeierMatchesR(_ dataset: String, _ id: String, _ time: String, _ status: String,
                                    _ eventCode: Double) throws {
        let fixture = try Fixture("public/\(dataset).ref.json")
        let r = try fixture.case(id)["results"] as! [String: Any]
        #expect(r["groups"] as! [String] == ["(all)"])
        let input = try SurvivalInput(csv: "public/\(dataset).csv", fixture: fixture, timeColumn: time,
                                      statusColumn: status, eventIf: { $0 == eventCode })
        let f = try FollowUp.summarize(time: input.time, event: input.event)
        expectClose(f.reverseMedian, rNumbers(r["median_followup"])[0], "\(id) median")
        expectClose(f.reverseLower, rNumbers(r["lower"])[0], "\(id) lower")
        expectClose(f.reverseUpper, rNumbers(r["upper"])[0], "\(id) upper")
        #expect(f.n == input.time.count)
        #expect(f.minimum == input.time.min() && f.maximum == input.time.max())
        if f.reverseMedian == nil { #expect(!f.warnings.isEmpty, "\(id): a note says why there is no median") }
    }

    /// Six patients: 2, 4+, 5, 7+, 9+, 12 (+ = censored). Reverse KM (censoring = event):
    ///   t=2: n=6, death -> censored in reverse, no step
    ///   t=4: n=5, d=1: G = 4/5;  t=5: n=4, censored;  t=7: n=3, d=1: G = 4/5 * 2/3 = 8/15
    ///   t=9: n=2, d=1: G = 8/15 * 1/2 = 4/15 <= 0.5 first here -> median follow-up 9.
    /// Observed median (4th and 3rd of 2 4 5 7 9 12): (5 + 7) / 2 = 6; censored median 7.
    @Test func sixPatientsByHand() throws {
        let f = try FollowUp.summarize(time: [7, 2, 12, 4, 9, 5], event: [false, true, true, false, false, true])
        #expect(f.reverseMedian == 9)
        #expect(f.medianObserved == 6)
        #expect(f.medianCensored == 7)
        #expect(f.minimum == 2 && f.maximum == 12)
        #expect(f.n == 6 && f.events == 3 && f.censored == 3)
        expectClose(f.reverseCurve.survival[3], 8.0 / 15, "G(7)")
        let text = f.tables()
        #expect(text[0].rows[0][1] == .number(9))
        #expect(f.json().serialized().contains("\"reverse_km_median\":9"))
    }

    @Test func oddCountMedianIsTheMiddleValue() throws {
        let f = try FollowUp.summarize(time: [3, 1, 2], event: [false, false, false])
        #expect(f.medianObserved == 2)
    }

    @Test func everyoneHadTheEvent() throws {
        let f = try FollowUp.summarize(time: [1, 2, 3], event: [true, true, true])
        #expect(f.reverseMedian == nil && f.medianCensored == nil)
        #expect(f.warnings.count == 1)
    }

    @Test func badInputThrows() {
        #expect(throws: AnalysisError.self) { try FollowUp.summarize(time: [], event: []) }
        #expect(throws: AnalysisError.self) { try FollowUp.summarize(time: [1, -1], event: [true, false]) }
        #expect(throws: AnalysisError.self) { try FollowUp.summarize(time: [1, 2], event: [true]) }
    }
}
