import Testing
import TestSupport
@testable import Runtime

/// Gray's test (cmprsk::cuminc, rho = 0) against R: mgus2.cuminc.sex (gray_test).
struct GrayTestTests {
    @Test func mgus2BySex() throws {
        let data = try MGUS2CompetingRisks()
        let fixture = try Fixture("public/mgus2.ref.json").case("mgus2.cuminc.sex")
        let expected = (fixture["results"] as! [String: Any])["gray_test"] as! [[String: Any]]
        let order = data.time.indices.sorted { data.time[$0] < data.time[$1] }
        for entry in expected {
            let cause = Int(entry["cause"] as! String)!
            let result = GrayTest.compare(sortedTime: order.map { data.time[$0] }, status: order.map { data.status[$0] },
                                          group: order.map { data.sex[$0] }, groupCount: 2, cause: cause)
            expectClose(result.statistic, rNumber(entry["statistic"]), "statistic cause \(cause)")
            expectClose(result.p, rNumber(entry["p"]), "p cause \(cause)")
            expectClose(result.df, rNumber(entry["df"]), abs: 0, "df cause \(cause)")
        }
    }

    /// Three groups: df = 2, and the statistic does not depend on which group is left out.
    @Test func threeGroupsInvariantToOrder() throws {
        let data = try MGUS2CompetingRisks()
        let order = data.time.indices.sorted { data.time[$0] < data.time[$1] }
        let t = order.map { data.time[$0] }, s = order.map { data.status[$0] }
        let ageGroup = order.map { data.age[$0] < 65 ? 0 : (data.age[$0] < 75 ? 1 : 2) }
        let a = GrayTest.compare(sortedTime: t, status: s, group: ageGroup, groupCount: 3, cause: 2)
        let b = GrayTest.compare(sortedTime: t, status: s, group: ageGroup.map { 2 - $0 }, groupCount: 3, cause: 2)
        #expect(a.df == 2)
        expectClose(a.statistic, b.statistic, abs: 1e-8, "group order")
        #expect(a.statistic > 0 && a.p < 0.05)
    }

    /// A group with no events at all has a zero score and variance: the test is singular.
    @Test func degenerateGivesNaN() {
        let r = GrayTest.compare(sortedTime: [1, 2, 3, 4], status: [1, 0, 0, 0], group: [0, 1, 1, 0], groupCount: 2, cause: 2)
        #expect(r.statistic.isNaN)
    }
}
