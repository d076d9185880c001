import Testing
import TestSupport
import Foundation
@testable import Runtime

/// (start, stop] data against R 4.2.2 / survival 3.5-3 on survival::heart
/// (Tests/Fixtures/timevarying): `survfit(Surv(start, stop, event) ~ g)` and, in
/// `CoxCountingTests`, `coxph(Surv(start, stop, event) ~ ...)`.
struct HeartData {
    var start: [Double], stop: [Double], event: [Bool], id: [Int]
    var table: Table

    init() throws {
        table = try CSVReader.read(path: Fixture.path("timevarying/heart.csv"))
        start = table.doubles("start")!
        stop = table.doubles("stop")!
        event = table.doubles("event")!.map { $0 == 1 }
        id = table.doubles("id")!.map { Int($0) }
    }

    func column(_ name: String) -> [Double] { table.doubles(name)! }
}

struct CountingProcessKaplanMeierTests {
    static let fixture = "timevarying/timevarying.ref.json"

    @Test(arguments: ["heart.km.counting", "heart.km.counting.surgery"])
    func matchesR(_ id: String) throws {
        let heart = try HeartData()
        let results = try Fixture(Self.fixture).results(id)
        let groups = results["groups"] as! [[String: Any]]
        let steps = results["step_table"] as! [[String: Any]]
        var group: [Int]? = nil, labels: [String] = []
        if id.hasSuffix("surgery") {
            group = heart.column("surgery").map { Int($0) }
            labels = ["surgery=0", "surgery=1"]
        }
        let checks = KaplanMeierTests()
        for transform in ConfidenceTransform.allCases {
            let conf = transform.rawValue
            let times = rNumbers((groups[0]["at_times"] as! [String: Any])["time"]).map { $0! }
            let fit = try KaplanMeier.fit(time: heart.stop, event: heart.event, group: group, groupLabels: labels,
                                          entry: heart.start, options: .init(transform: transform, times: times))
            #expect(fit.curves.map(\.label) == groups.map { $0["group"] as! String })
            for (curve, g) in zip(fit.curves, groups) {
                let what = "\(id) \(curve.label) \(conf)"
                #expect(curve.n == g["n"] as! Int, "\(what) n")
                #expect(curve.events == g["n_events_total"] as! Int, "\(what) events")
                checks.checkAtTimes(curve, g["at_times"] as! [String: Any], conf: conf, what)
                checks.checkQuantiles(curve, (g["quantiles"] as! [String: Any])[conf] as! [String: Any], what)
                let step = try #require(steps.first { $0["group"] as? String == curve.label })
                checks.checkStepTable(curve, step, conf: conf, what)
            }
        }
    }

    /// Hand-worked: (0, 2], (0, 1], (1, 3] event, (2, 4] event. At t = 1: at risk (0,2], (0,1]
    /// -> n 2, censoring only. t = 2: (0,2] censored, (1,3] at risk -> n 2. t = 3: (1,3] and
    /// (2,4] -> n 2, one event: S = 1/2. t = 4: (2,4] -> n 1, event: S = 0.
    @Test func lateEntryByHand() throws {
        let fit = try KaplanMeier.fit(time: [2, 1, 3, 4], event: [false, false, true, true], entry: [0, 0, 1, 2])
        let c = fit.curves[0]
        #expect(c.time == [1, 2, 3, 4])
        #expect(c.nRisk == [2, 2, 2, 1])
        #expect(c.survival == [1, 1, 0.5, 0])
        #expect(throws: AnalysisError.self) {
            try KaplanMeier.fit(time: [2, 1], event: [true, true], entry: [2, 0])
        }
    }
}
