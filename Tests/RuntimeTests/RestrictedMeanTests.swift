import Testing
import TestSupport
import Foundation
@testable import Runtime

/// Restricted mean survival time against R 4.2.2 / survival 3.5-3 (`summary(survfit, rmean =
/// tau)$table`) and survRM2::rmst2's contrasts (Tests/Fixtures/timevarying, `rmst` cases).
struct RestrictedMeanTests {
    static let fixture = "timevarying/timevarying.ref.json"

    /// Case id -> (CSV, time column, status column, the status value of an event, group column).
    static let inputs: [String: (csv: String, time: String, status: String, eventCode: Double, group: String?)] = [
        "lung.rmst.all.365": ("public/lung.csv", "time", "status", 2, nil),
        "lung.rmst.sex.365": ("public/lung.csv", "time", "status", 2, "sex"),
        "lung.rmst.sex.tau_at_event": ("public/lung.csv", "time", "status", 2, "sex"),
        "veteran.rmst.trt.200": ("public/veteran.csv", "time", "status", 1, "trt"),
        "mgus2.rmst.sex.120": ("public/mgus2.csv", "futime", "death", 1, "sex"),
    ]

    @Test func everyCaseIsCovered() throws {
        let ids = try Fixture(Self.fixture).cases(ofType: "rmst").map { $0["id"] as! String }
        #expect(Set(ids) == Set(Self.inputs.keys))
    }

    /// A KM fit of a CSV: groups in sorted order of their values (R's factor / numeric order).
    static func fit(_ id: String) throws -> KaplanMeierResult {
        let spec = inputs[id]!
        let table = try CSVReader.read(path: Fixture.path(spec.csv))
        let time = table.doubles(spec.time)!
        let event = table.doubles(spec.status)!.map { $0 == spec.eventCode }
        guard let g = spec.group else { return try KaplanMeier.fit(time: time, event: event) }
        let text = table[g]!.strings()
        let levels = Array(Set(text.compactMap { $0 })).sorted { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
        return try KaplanMeier.fit(time: time, event: event, group: text.map { levels.firstIndex(of: $0!)! },
                                   groupLabels: levels.map { "\(g)=\($0)" })
    }

    @Test(arguments: inputs.keys.sorted())
    func matchesR(_ id: String) throws {
        let r = try Fixture(Self.fixture).results(id)
        let tau = rNumber(r["tau"])!
        let result = try RestrictedMean.compute(try Self.fit(id), tau: tau)
        let groups = r["groups"] as! [[String: Any]]
        #expect(result.groups.count == groups.count)
        #expect(result.warnings.isEmpty)
        for (g, e) in zip(result.groups, groups) {
            #expect(g.label == e["group"] as! String)
            #expect(g.n == e["n"] as! Int)
            #expect(g.events == e["events"] as! Int)
            expectClose(g.estimate, rNumber(e["rmean"]), "\(id) \(g.label) rmean")
            expectClose(g.standardError, rNumber(e["se_rmean"]), "\(id) \(g.label) se")
            expectClose(g.lower, rNumber(e["lower_95"]), "\(id) \(g.label) lower")
            expectClose(g.upper, rNumber(e["upper_95"]), "\(id) \(g.label) upper")
        }
        if groups.count == 2 {
            let d = object(r["difference"]), q = object(r["ratio"])
            let diff = try #require(result.difference), ratio = try #require(result.ratio)
            expectClose(diff.estimate, rNumber(d["estimate"]), "\(id) difference")
            expectClose(diff.standardError, rNumber(d["se"]), "\(id) difference se")
            expectClose(diff.lower, rNumber(d["lower_95"]), "\(id) difference lower")
            expectClose(diff.upper, rNumber(d["upper_95"]), "\(id) difference upper")
            expectClose(diff.p, rNumber(d["p"]), "\(id) difference p")
            expectClose(ratio.estimate, rNumber(q["estimate"]), "\(id) ratio")
            expectClose(ratio.standardError, rNumber(q["se_log"]), "\(id) ratio se(log)")
            expectClose(ratio.lower, rNumber(q["lower_95"]), "\(id) ratio lower")
            expectClose(ratio.upper, rNumber(q["upper_95"]), "\(id) ratio upper")
            expectClose(ratio.p, rNumber(q["p"]), "\(id) ratio p")
        } else {
            #expect(result.difference == nil && result.ratio == nil)
        }
    }

    /// Hand-worked: times 1, 2+, 3, 4+ (events at 1 and 3). S = 3/4 on [1, 3), 3/8 on [3, 4).
    /// RMST(4) = 1 + 0.75 * 2 + 0.375 * 1 = 2.875. Var = A_1^2 d/(n(n-d)) + A_3^2 d/(n(n-d))
    /// with A_1 = 1.875 (n 4, d 1) and A_3 = 0.375 (n 2, d 1): 1.875^2/12 + 0.375^2/2.
    @Test func handWorked() throws {
        let km = try KaplanMeier.fit(time: [1, 2, 3, 4], event: [true, false, true, false])
        let (m, v) = try #require(RestrictedMean.of(km.curves[0], tau: 4))
        #expect(Swift.abs(m - 2.875) < 1e-15)
        #expect(Swift.abs(v - (1.875 * 1.875 / 12 + 0.375 * 0.375 / 2)) < 1e-15)
        // tau before the first event: the whole rectangle at S = 1, no variance.
        let (m0, v0) = try #require(RestrictedMean.of(km.curves[0], tau: 0.5))
        #expect(m0 == 0.5 && v0 == 0)
    }

    /// After the last follow-up with survival above 0: no estimate, a warning; a curve that
    /// reached 0 is known past its end.
    @Test func tauAfterFollowUp() throws {
        let km = try KaplanMeier.fit(time: [1, 2, 3, 4, 1, 2], event: [true, false, true, false, true, true],
                                     group: [0, 0, 0, 0, 1, 1], groupLabels: ["a", "b"])
        let r = try RestrictedMean.compute(km, tau: 10)
        #expect(r.groups[0].estimate == nil)
        #expect(r.groups[1].estimate == 1.5)
        #expect(r.difference == nil && r.ratio == nil)
        #expect(r.warnings.count == 1 && r.warnings[0].contains("after its last follow-up"))
        #expect(throws: AnalysisError.self) { try RestrictedMean.compute(km, tau: 0) }
    }
}
