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

/// `coxph` with (start, stop] rows, case weights and the robust variance, against R
/// (timevarying fixture): heart (counting process) and lung (weights, robust).
struct CoxCountingAndWeightsTests {
    static let fixture = "timevarying/timevarying.ref.json"
    static let rel = Tolerance.iterativeRelative
    static let abs = Tolerance.closedForm

    static let caseIDs = [
        "heart.cox.counting.efron", "heart.cox.counting.breslow", "heart.cox.counting.exact",
        "heart.cox.counting.strata", "heart.cox.counting.robust", "heart.cox.counting.weights",
        "lung.cox.weights.efron", "lung.cox.weights.breslow", "lung.cox.intweights.efron", "lung.cox.robust.efron",
    ]

    @Test func everyCaseIsCovered() throws {
        let ids = try Fixture(Self.fixture).cases(ofType: "coxph").map { $0["id"] as! String }
        #expect(Set(ids) == Set(Self.caseIDs + ["lung.landmark180.cox"]))
    }

    /// The fit of a case as R made it.
    static func fit(_ id: String) throws -> (CoxResult, [String: Any]) {
        let c = try Fixture(fixture).case(id)
        let options = c["options"] as! [String: Any]
        let ties = CoxTies(rawValue: options["ties"] as! String)!
        let robust = options["robust"] as! Bool
        let weights = (c["weights"] as? [String: Any]).map { rNumbers($0["values"]).map { $0! } }
        if id.hasPrefix("heart") {
            let heart = try HeartData()
            let stratified = id.hasSuffix("strata")
            let names = stratified ? ["age", "year", "transplant"] : ["age", "year", "surgery", "transplant"]
            let design = CoxDesign(columnNames: names, columns: names.map { heart.column($0) })
            let strata = stratified ? heart.column("surgery").map { Int($0) } : nil
            let cluster = c["cluster"] != nil ? heart.id : nil
            let fit = try Cox.fit(time: heart.stop, event: heart.event, design: design, strata: strata,
                                  options: CoxOptions(ties: ties), start: heart.start, weights: weights,
                                  robust: robust, cluster: cluster)
            return (fit, c)
        }
        let table = try CSVReader.read(path: Fixture.path("public/lung.csv"))
        let design = CoxDesign(columnNames: ["age", "sex"], columns: [table.doubles("age")!, table.doubles("sex")!])
        let fit = try Cox.fit(time: table.doubles("time")!, event: table.doubles("status")!.map { $0 == 2 }, design: design,
                              options: CoxOptions(ties: ties), weights: weights, robust: robust)
        return (fit, c)
    }

    @Test(arguments: caseIDs)
    func matchesR(_ id: String) throws {
        let (fit, c) = try Self.fit(id)
        let r = c["results"] as! [String: Any]
        let (rel, abs) = (Self.rel, Self.abs)
        #expect(fit.n == r["n"] as! Int, "\(id) n")
        #expect(fit.nEvents == r["n_events"] as! Int, "\(id) events")
        #expect(fit.iterations == r["iterations"] as! Int, "\(id) iterations")
        #expect(fit.warnings.isEmpty, "\(id) warnings \(fit.warnings)")
        let robust = r["robust"] as! Bool
        #expect(fit.robust == robust)
        let coefs = r["coefficients"] as! [[String: Any]]
        #expect(fit.columnNames.count == coefs.count)
        let hr = fit.hazardRatios, lo = fit.confidenceLower, hi = fit.confidenceUpper, z = fit.zStatistics, p = fit.pValues
        let naive = fit.naiveStandardErrors
        for (j, e) in coefs.enumerated() {
            let name = "\(id) \(e["term"]!)"
            expectClose(fit.coefficients[j], rNumber(e["coef"]), abs: abs, rel: rel, "\(name) coef")
            expectClose(naive[j], rNumber(e["se"]), abs: abs, rel: rel, "\(name) se(coef)")
            if robust { expectClose(fit.standardErrors[j], rNumber(e["robust_se"]), abs: abs, rel: rel, "\(name) robust se") }
            expectClose(hr[j], rNumber(e["hr"]), abs: abs, rel: rel, "\(name) hr")
            expectClose(lo[j], rNumber(e["hr_lower_95"]), abs: abs, rel: rel, "\(name) lower")
            expectClose(hi[j], rNumber(e["hr_upper_95"]), abs: abs, rel: rel, "\(name) upper")
            expectClose(z[j], rNumber(e["z"]), abs: abs, rel: rel, "\(name) z")
            expectClose(p[j], rNumber(e["p"]), abs: abs, rel: rel, "\(name) p")
        }
        func compareMatrix(_ ours: [[Double]], _ key: String) {
            let v = r[key] as! [[Any]]
            for j in v.indices { for k in v[j].indices {
                expectClose(ours[j][k], rNumber(v[j][k]), abs: abs, rel: rel, "\(id) \(key)[\(j),\(k)]")
            } }
        }
        compareMatrix(fit.variance, "variance_matrix")
        if robust { compareMatrix(try #require(fit.naiveVariance), "naive_variance_matrix") }
        let means = r["means"] as! [String: Any]
        for (j, name) in fit.columnNames.enumerated() {
            expectClose(fit.means[j], rNumber(means[name] ?? means[name + "1"]), abs: abs, rel: 1e-12, "\(id) mean \(name)")
        }
        expectClose(fit.logLikelihoodNull, rNumber(r["loglik_null"]), abs: abs, rel: 1e-12, "\(id) loglik null")
        expectClose(fit.logLikelihood, rNumber(r["loglik_final"]), abs: abs, rel: rel, "\(id) loglik")
        try CoxTests.compareTests(fit, r, id)
        if robust {
            let t = object(object(r["tests"])["robust_score"])
            let ours = try #require(fit.robustScore)
            expectClose(ours.statistic, rNumber(t["statistic"]), abs: abs, rel: rel, "\(id) robust score")
            expectClose(ours.p, rNumber(t["p"]), abs: abs, rel: rel, "\(id) robust score p")
        }
        // Weighted pair counts are sums of products of weights: equal up to the order of the sums.
        let e = object(r["concordance"]), cc = fit.concordance
        expectClose(cc.concordance, rNumber(e["concordance"]), abs: abs, rel: rel, "\(id) concordance")
        expectClose(cc.standardError, rNumber(e["std_err"]), abs: abs, rel: rel, "\(id) concordance se")
        for (key, ours) in [("concordant", cc.concordant), ("discordant", cc.discordant), ("tied_x", cc.tiedX),
                            ("tied_y", cc.tiedY), ("tied_xy", cc.tiedXY)] {
            expectClose(ours, rNumber(e[key]), abs: 0, rel: 1e-13, "\(id) \(key)")
        }
    }

    /// Weighted fits equal fits on replicated rows (integer weights), the defining property
    /// of case weights: a weight of 2 is the row written twice. (With Breslow ties: Efron's
    /// correction sees a replicated event as a tie, a weighted one not.)
    @Test func integerWeightsEqualReplicatedRows() throws {
        let heart = try HeartData()
        let names = ["age", "surgery"]
        let w = heart.id.map { Double($0 % 2 + 1) }
        let weighted = try Cox.fit(time: heart.stop, event: heart.event,
                                   design: CoxDesign(columnNames: names, columns: names.map { heart.column($0) }),
                                   options: CoxOptions(ties: .breslow), start: heart.start, weights: w)
        var rows = [Int]()
        for i in w.indices { rows += Array(repeating: i, count: Int(w[i])) }
        let replicated = try Cox.fit(time: rows.map { heart.stop[$0] }, event: rows.map { heart.event[$0] },
                                     design: CoxDesign(columnNames: names, columns: names.map { c in rows.map { heart.column(c)[$0] } }),
                                     options: CoxOptions(ties: .breslow), start: rows.map { heart.start[$0] })
        for j in names.indices {
            expectClose(weighted.coefficients[j], replicated.coefficients[j], abs: 1e-10, "coef \(names[j])")
            expectClose(weighted.standardErrors[j], replicated.standardErrors[j], abs: 1e-10, "se \(names[j])")
        }
        expectClose(weighted.logLikelihood, replicated.logLikelihood, abs: 1e-8, "loglik")
    }

    @Test func badWeightsAndExactWeightsThrow() throws {
        let design = CoxDesign(columnNames: ["x"], columns: [[1, 0, 1, 0]])
        let time = [1.0, 2, 3, 4], event = [true, true, false, true]
        #expect(throws: AnalysisError.self) { try Cox.fit(time: time, event: event, design: design, weights: [1, -1, 1, 1]) }
        #expect(throws: AnalysisError.self) { try Cox.fit(time: time, event: event, design: design, weights: [1, 0, 1, 1]) }
        #expect(throws: AnalysisError.self) {
            try Cox.fit(time: time, event: event, design: design, options: CoxOptions(ties: .exact), weights: [1, 2, 1, 1])
        }
        #expect(throws: AnalysisError.self) { try Cox.fit(time: time, event: event, design: design, start: [0, 2, 0, 0]) }
    }
}

struct WeightedConcordanceTests {
    /// With unit weights, no (start, stop] rows and no clusters it is Harrell's C of `Concordance`.
    @Test func unitWeightsEqualTheUnweightedCount() throws {
        let table = try CSVReader.read(path: Fixture.path("public/mgus2.csv"))
        let time = table.doubles("futime")!, event = table.doubles("death")!.map { $0 == 1 }
        let score = table.doubles("age")!
        let strata = table.strings("sex")!.map { $0 == "M" ? 1 : 0 }
        for s in [nil, strata] {
            let a = Concordance.compute(time: time, event: event, score: score, strata: s, reverse: true)
            let b = WeightedConcordance.compute(start: nil, stop: time, event: event, score: score, weights: nil,
                                                strata: s, cluster: nil, reverse: true)
            #expect(a.concordant == b.concordant && a.discordant == b.discordant && a.tiedX == b.tiedX)
            #expect(a.tiedY == b.tiedY && a.tiedXY == b.tiedXY)
            expectClose(b.concordance, a.concordance, abs: 1e-14, "concordance")
            expectClose(b.standardError, a.standardError, abs: 1e-14, "se")
        }
    }
}
