import Foundation
import Testing
import TestSupport
@testable import Runtime

/// cmprsk::cuminc against R (Tests/Fixtures/public/mgus2.ref.json, cases mgus2.cuminc.*).
struct CumulativeIncidenceTests {

    /// Compares every curve (at the fixture's times and the full step function) and, where
    /// present, Gray's test.
    private func compare(_ result: CumulativeIncidenceResult, _ fixtureCase: [String: Any]) {
        let results = fixtureCase["results"] as! [String: Any]
        let expectedCurves = results["curves"] as! [[String: Any]]
        #expect(result.curves.map(\.name) == expectedCurves.map { $0["curve"] as! String })
        for expected in expectedCurves {
            let name = expected["curve"] as! String
            guard let curve = result.curves.first(where: { $0.name == name }) else {
                Issue.record("no curve \(name)"); continue
            }
            let times = rNumbers(expected["time"]).map { $0! }
            let est = rNumbers(expected["est"]), variance = rNumbers(expected["var"])
            for (k, t) in times.enumerated() {
                let value = curve.at(t)
                expectClose(value.estimate, est[k], "\(name) est at \(t)")
                expectClose(value.variance, variance[k], "\(name) var at \(t)")
            }
        }
        for step in results["step_functions"] as! [[String: Any]] {
            let name = step["curve"] as! String
            guard let curve = result.curves.first(where: { $0.name == name }) else {
                Issue.record("no curve \(name)"); continue
            }
            let time = rNumbers(step["time"]), est = rNumbers(step["est"]), variance = rNumbers(step["var"])
            #expect(curve.time.count == time.count, "\(name): \(curve.time.count) step points, R has \(time.count)")
            guard curve.time.count == time.count else { continue }
            for k in time.indices {
                // 1e-9: the lart times are day differences / 30.4375, which R rounds in the last ulp differently.
                expectClose(curve.time[k], time[k], "\(name) step time \(k)")
                expectClose(curve.estimate[k], est[k], "\(name) step est \(k)")
                expectClose(curve.variance[k], variance[k], "\(name) step var \(k)")
            }
        }
        let gray = results["gray_test"] as? [[String: Any]] ?? []
        #expect(result.gray.count == gray.count)
        for (got, expected) in zip(result.gray, gray) {
            #expect(String(got.cause) == expected["cause"] as? String)
            expectClose(got.statistic, rNumber(expected["statistic"]), "Gray statistic cause \(got.cause)")
            expectClose(got.p, rNumber(expected["p"]), "Gray p cause \(got.cause)")
            expectClose(got.df, rNumber(expected["df"]), abs: 0, "Gray df cause \(got.cause)")
        }
    }

    @Test func mgus2Overall() throws {
        let data = try MGUS2CompetingRisks()
        let fixture = try Fixture("public/mgus2.ref.json").case("mgus2.cuminc.overall")
        let result = try CumulativeIncidence.estimate(time: data.time, status: data.status,
                                                      options: .init(times: [12, 60, 120, 240, 360]))
        compare(result, fixture)
        #expect(result.gray.isEmpty)
        #expect(result.warnings.isEmpty)
        #expect(result.n == 1384)
    }

    @Test func mgus2BySex() throws {
        let data = try MGUS2CompetingRisks()
        let fixture = try Fixture("public/mgus2.ref.json").case("mgus2.cuminc.sex")
        let result = try CumulativeIncidence.estimate(time: data.time, status: data.status, group: data.sex,
                                                      groupLabels: ["F", "M"],
                                                      options: .init(times: [12, 60, 120, 240, 360]))
        compare(result, fixture)
        #expect(result.gray.count == 2)
    }

    /// Hand-derived: 4 subjects, times 1 (cause 1), 2 (cause 2), 3 (censored), 4 (cause 1).
    /// S: 3/4 after t=1, 1/2 after t=2. F1: 1/4 at 1, then 1/4 + (1/2)(1/1) = 3/4 at 4.
    /// Var F1(1): one cause-1 failure among 4, derivative S(0-) = 1, Var h = 1/16 -> 1/16.
    @Test func handDerived() throws {
        let r = try CumulativeIncidence.estimate(time: [1, 2, 3, 4], status: [1, 2, 0, 1])
        let c1 = r.curves[0], c2 = r.curves[1]
        #expect(c1.name == "1 1" && c2.name == "1 2")
        #expect(c1.time == [0, 1, 1, 4, 4, 4])
        #expect(c1.estimate == [0, 0, 0.25, 0.25, 0.75, 0.75])
        expectClose(c1.variance[2], 1.0 / 16, "Var F1(1)")
        #expect(c2.time == [0, 2, 2, 4])
        #expect(c2.estimate == [0, 0, 0.25, 0.25])
        // timepoints semantics: right-continuous, NA after the last time and before 0.
        #expect(c1.at(0.5).estimate == 0)
        #expect(c1.at(1).estimate == 0.25)
        #expect(c1.at(3.9).estimate == 0.25)
        #expect(c1.at(4).estimate == 0.75)
        #expect(c1.at(4.1).estimate.isNaN)
        #expect(c1.at(-1).estimate.isNaN)
        #expect(c2.at(4).estimate == 0.25)
    }

    @Test func badInput() throws {
        #expect(throws: AnalysisError.self) { try CumulativeIncidence.estimate(time: [1, 2], status: [0, 0]) }
        #expect(throws: AnalysisError.self) { try CumulativeIncidence.estimate(time: [1, 2], status: [1]) }
        #expect(throws: AnalysisError.self) { try CumulativeIncidence.estimate(time: [1, -2], status: [1, 1]) }
        #expect(throws: AnalysisError.self) {
            try CumulativeIncidence.estimate(time: [1, 2], status: [1, 1], group: [0, 3], groupLabels: ["a", "b"])
        }
        // No competing event: a warning, and the curve is 1 - KM.
        let single = try CumulativeIncidence.estimate(time: [1, 2, 3], status: [1, 0, 1])
        #expect(single.warnings.contains { $0.contains("no competing events") })
        #expect(single.curves.count == 1)
        expectClose(single.curves[0].at(3).estimate, 1, "1 - KM at 3")
        // No events of the cause of interest: a warning.
        let other = try CumulativeIncidence.estimate(time: [1, 2, 3], status: [2, 0, 2])
        #expect(other.warnings.contains { $0.contains("no events of cause 1") })
        // Missing times are dropped and counted; a one-patient group still gives curves.
        let missing = try CumulativeIncidence.estimate(time: [1, .nan, 3, 4], status: [1, 1, 2, 1], group: [0, 0, 1, 1],
                                                      groupLabels: ["a", "b"])
        #expect(missing.nMissing == 1)
        #expect(missing.curves.map(\.name) == ["a 1", "b 1", "a 2", "b 2"])
        #expect(missing.gray.count == 2)
        // An empty group is dropped, as cuminc drops empty factor levels.
        let empty = try CumulativeIncidence.estimate(time: [1, 2, 3], status: [1, 2, 1], group: [0, 0, 0],
                                                    groupLabels: ["a", "b"])
        #expect(empty.gray.isEmpty)
        #expect(empty.curves.map(\.name) == ["a 1", "a 2"])
    }

    /// The tally from each row's time rank (few distinct times, no missing time) and from the
    /// rows sorted by time (taken when a time is missing) give the same curves, tests and
    /// numbers at risk bit for bit: the same data with one extra row whose time is missing.
    @Test func tallyFromRanksEqualsSorted() throws {
        var state: UInt64 = 2024
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 3000
        let time = (0..<n).map { _ in (next() * 60).rounded() / 2 }
        let status = (0..<n).map { _ in next() < 0.3 ? 0 : (next() < 0.6 ? 1 : (next() < 0.5 ? 2 : 5)) }
        let group = (0..<n).map { _ in Int(next() * 3) }
        let labels = ["a", "b", "c"]
        let ranks = try CumulativeIncidence.estimate(time: time, status: status, group: group, groupLabels: labels)
        let sorted = try CumulativeIncidence.estimate(time: time + [.nan], status: status + [1], group: group + [0],
                                                      groupLabels: labels)
        #expect(sorted.nMissing == 1 && ranks.nMissing == 0 && ranks.n == sorted.n)
        #expect(ranks.curves.count == 9 && ranks.gray.count == 3)
        for (x, y) in zip(ranks.curves, sorted.curves) {
            #expect(x.name == y.name)
            #expect(x.time.map(\.bitPattern) == y.time.map(\.bitPattern))
            #expect(x.estimate.map(\.bitPattern) == y.estimate.map(\.bitPattern))
            #expect(x.variance.map(\.bitPattern) == y.variance.map(\.bitPattern))
        }
        #expect(ranks.gray.map(\.statistic.bitPattern) == sorted.gray.map(\.statistic.bitPattern))
        for (x, y) in zip(ranks.observed, sorted.observed) {
            #expect(x.times == y.times && x.atRiskAt == y.atRiskAt && x.censored == y.censored)
        }
    }

    @Test func report() throws {
        let data = try MGUS2CompetingRisks()
        var result = try CumulativeIncidence.estimate(time: data.time, status: data.status, group: data.sex,
                                                      groupLabels: ["F", "M"], causeLabels: [1: "PCM", 2: "death"],
                                                      options: .init(times: [120]))
        result.timeUnit = "months"
        let tables = result.tables()
        #expect(tables.count == 2)
        #expect(tables[0].rows.count == 4)
        #expect(tables[0].rows[0][1] == .text("PCM"))
        // log(-log) interval: est^exp(-+z se/(est log est)) brackets the estimate.
        let curve = result.curves[0]
        let (est, _) = curve.at(120)
        let ci = curve.logLogInterval(120)
        #expect(ci.lower < est && est < ci.upper)
        #expect(result.json().serialized().contains("\"gray_test\""))
        // print.cuminc's default times: pretty(c(0, 424), 5) = 0, 100, ..., 500 -> 100..400.
        let defaults = try CumulativeIncidence.estimate(time: data.time, status: data.status)
        #expect(defaults.times == [100, 200, 300, 400])
    }

    // MARK: lart registry (Tests/Fixtures/lart/lart_registry.ref.json), cohorts built from the CSV

    /// The OMD and OPD cohorts of the registry (definitions in the fixture's `cohorts` and
    /// `flow`, and in the data README), with the competing-risk endpoints in months.
    private struct LartCohorts {
        var omd: [Int] = [], opd: [Int] = [], opdMaintained: [Int] = []
        var lfTime: [Double] = [], lfStatus: [Int] = [], cstTime: [Double] = [], cstStatus: [Int] = []

        init() throws {
            let t = try CSVReader.read(path: Fixture.path("lart/lart_registry.csv"))
            let histology = t.strings("histology")!, stage = t.strings("stage")!, state = t.strings("disease_state")!
            let mets = t.doubles("mets_at_dx")!, dose = t.doubles("rt_dose_gy")!, fractions = t.doubles("rt_fractions")!
            let systemic = t.doubles("systemic_at_lart")!, brain = t.doubles("brain_mets_uncontrolled")!
            let sites = t.doubles("progressing_sites")!, maintained = t.doubles("maintained_regimen")!
            let lart = t.doubles("lart_date")!, lf = t.doubles("local_failure_date")!, death = t.doubles("death_date")!
            let last = t.doubles("last_contact_date")!, cst = t.doubles("cst_date")!
            let minimumDose: [Double: Double] = [1: 12, 2: 20, 3: 24, 4: 48, 5: 30, 10: 50]
            let month = 30.4375
            for i in 0..<t.rowCount {
                let doseOK = (minimumDose[fractions[i]].map { dose[i] >= $0 } ?? false) || (dose[i] == 45 && fractions[i] == 15)
                let base = histology[i] == "adenocarcinoma" && stage[i] == "IV" && mets[i] <= 3 && doseOK
                if base && state[i] == "synchronous_oligometastasis" && systemic[i] == 1 && brain[i] == 0 { omd.append(i) }
                if base && state[i] == "repeat_oligoprogression" && brain[i] == 0 && (sites[i] == 1 || sites[i] == 2) {
                    opd.append(i)
                    if maintained[i] == 1 { opdMaintained.append(i) }
                }
                lfTime.append(((lf[i].isNaN ? last[i] : lf[i]) - lart[i]) / month)
                lfStatus.append(!lf[i].isNaN ? 1 : (!death[i].isNaN ? 2 : 0))
                cstTime.append(((cst[i].isNaN ? last[i] : cst[i]) - lart[i]) / month)
                cstStatus.append(!cst[i].isNaN ? 1 : (!death[i].isNaN ? 2 : 0))
            }
        }
    }

    @Test func lartLocalFailureByGroup() throws {
        let cohorts = try LartCohorts()
        #expect(cohorts.omd.count == 54 && cohorts.opd.count == 122)
        let rows = cohorts.omd + cohorts.opd
        let fixture = try Fixture("lart/lart_registry.ref.json").case("lart.cuminc.local_failure.by_group")
        let result = try CumulativeIncidence.estimate(
            time: rows.map { cohorts.lfTime[$0] }, status: rows.map { cohorts.lfStatus[$0] },
            group: cohorts.omd.map { _ in 0 } + cohorts.opd.map { _ in 1 }, groupLabels: ["OMD", "OPD"],
            options: .init(times: [6, 12, 24, 36]))
        compare(result, fixture)
    }

    @Test func lartCSTInMaintainedOPD() throws {
        let cohorts = try LartCohorts()
        #expect(cohorts.opdMaintained.count == 82)
        let rows = cohorts.opdMaintained
        let fixture = try Fixture("lart/lart_registry.ref.json").case("lart.cuminc.cst.opd_maintained")
        let result = try CumulativeIncidence.estimate(
            time: rows.map { cohorts.cstTime[$0] }, status: rows.map { cohorts.cstStatus[$0] },
            options: .init(times: [6, 12, 24]))
        compare(result, fixture)
    }
}
