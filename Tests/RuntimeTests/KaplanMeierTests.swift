import Testing
import TestSupport
import Foundation
@testable import Runtime

/// Input of one fixture case, read from the committed CSV the way R read it: rows with a
/// missing time, status or group are dropped (na.omit); numeric group values sorted, factor
/// groups in R's level order; labels as R's strata names ("sex=1").
struct SurvivalInput {
    var time: [Double] = []
    var event: [Bool] = []
    var group: [Int]?
    var labels: [String] = []

    /// `eventIf(status)` gives the event flag from the status value (e.g. status == 2).
    init(csv: String, fixture: Fixture, timeColumn: String, statusColumn: String,
         eventIf: (Double) -> Bool, groupColumn: String? = nil) throws {
        let table = try CSVReader.read(path: Fixture.path(csv))
        let t = table.doubles(timeColumn)!, s = table.doubles(statusColumn)!
        var codes = [Int?](repeating: nil, count: table.rowCount)
        if let g = groupColumn {
            let columns = (fixture.root["dataset"] as! [String: Any])["columns"] as! [[String: Any]]
            let meta = columns.first { $0["name"] as? String == g }!
            if let levels = meta["levels_in_R_order"] as? [String] {
                let text = table.strings(g)!
                codes = text.map { v in v.flatMap { levels.firstIndex(of: $0) } }
                labels = levels.map { "\(g)=\($0)" }
            } else {
                let values = table.doubles(g)!
                let distinct = Array(Set(values.filter { !$0.isNaN })).sorted()
                codes = values.map { v in v.isNaN ? nil : distinct.firstIndex(of: v) }
                labels = distinct.map { "\(g)=\(formatNumber($0))" }
            }
            group = []
        }
        for i in 0..<table.rowCount {
            guard !t[i].isNaN, !s[i].isNaN else { continue }
            if groupColumn != nil {
                guard let c = codes[i] else { continue }
                group!.append(c)
            }
            time.append(t[i]); event.append(eventIf(s[i]))
        }
    }
}

/// Data and event coding of the km cases in `Tests/Fixtures/public/*.ref.json` (R 4.2.2,
/// survival 3.5-3; `survfit(Surv(time, status) ~ group, conf.type = <each>)`).
struct KMCaseSpec: CustomStringConvertible {
    let dataset: String, id: String, time: String, status: String, eventCode: Double, group: String?
    var description: String { id }
}

let kmCases: [KMCaseSpec] = [
    .init(dataset: "lung", id: "lung.km.overall", time: "time", status: "status", eventCode: 2, group: nil),
    .init(dataset: "lung", id: "lung.km.by_sex", time: "time", status: "status", eventCode: 2, group: "sex"),
    .init(dataset: "lung", id: "lung.km.by_ph.ecog", time: "time", status: "status", eventCode: 2, group: "ph.ecog"),
    .init(dataset: "veteran", id: "veteran.km.overall", time: "time", status: "status", eventCode: 1, group: nil),
    .init(dataset: "veteran", id: "veteran.km.by_trt", time: "time", status: "status", eventCode: 1, group: "trt"),
    .init(dataset: "veteran", id: "veteran.km.by_celltype", time: "time", status: "status", eventCode: 1, group: "celltype"),
    .init(dataset: "mgus2", id: "mgus2.km.overall", time: "futime", status: "death", eventCode: 1, group: nil),
    .init(dataset: "mgus2", id: "mgus2.km.by_sex", time: "futime", status: "death", eventCode: 1, group: "sex"),
]

struct KaplanMeierTests {
    // MARK: R fixtures

    @Test(arguments: kmCases)
    func matchesR(_ spec: KMCaseSpec) throws {
        let fixture = try Fixture("public/\(spec.dataset).ref.json")
        let kase = try fixture.case(spec.id)
        let results = kase["results"] as! [String: Any]
        let groups = results["groups"] as! [[String: Any]]
        let input = try SurvivalInput(csv: "public/\(spec.dataset).csv", fixture: fixture, timeColumn: spec.time,
                                      statusColumn: spec.status, eventIf: { $0 == spec.eventCode },
                                      groupColumn: spec.group)
        #expect(input.time.count == results["n_used"] as! Int)
        let steps = results["step_table"] as? [[String: Any]]

        for transform in ConfidenceTransform.allCases {
            let conf = transform.rawValue
            let times = rNumbers((groups[0]["at_times"] as! [String: Any])["time"]).map { $0! }
            let fit = try KaplanMeier.fit(time: input.time, event: input.event, group: input.group,
                                          groupLabels: input.labels,
                                          options: .init(transform: transform, times: times))
            #expect(fit.curves.map(\.label) == groups.map { $0["group"] as! String })
            for (curve, g) in zip(fit.curves, groups) {
                let what = "\(spec.id) \(curve.label) \(conf)"
                #expect(curve.n == g["n"] as! Int, "\(what) n")
                #expect(curve.events == g["n_events_total"] as! Int, "\(what) events")
                checkAtTimes(curve, g["at_times"] as! [String: Any], conf: conf, what)
                checkQuantiles(curve, (g["quantiles"] as! [String: Any])[conf] as! [String: Any], what)
                if transform == .log {
                    // print(fit): R's default band is log.
                    let table = g["rmean_table"] as! [String: Any]
                    #expect(curve.n == table["records"] as! Int)
                    #expect(curve.events == table["events"] as! Int)
                    let m = curve.median
                    expectClose(m.estimate, rNumber(table["median"]), "\(what) print median")
                    expectClose(m.lower, rNumber(table["lcl_0.95"]), "\(what) print median lcl")
                    expectClose(m.upper, rNumber(table["ucl_0.95"]), "\(what) print median ucl")
                }
                if let step = steps?.first(where: { $0["group"] as? String == curve.label }) {
                    checkStepTable(curve, step, conf: conf, what)
                }
            }
            if let steps { #expect(steps.count == fit.curves.count) }
        }
    }

    func checkAtTimes(_ curve: KaplanMeierCurve, _ at: [String: Any], conf: String, _ what: String) {
        let times = rNumbers(at["time"]).map { $0! }
        let points = times.map { curve.at($0) }
        let ints = { (key: String) in (at[key] as! [Int]) }
        #expect(points.map(\.nRisk) == ints("n_risk"), "\(what) n_risk")
        #expect(points.map(\.nEventCumulative) == ints("n_event_cumulative"), "\(what) n_event")
        #expect(points.map(\.nCensorCumulative) == ints("n_censor_cumulative"), "\(what) n_censor")
        let since = zip(points.map(\.nEventCumulative), [0] + points.map(\.nEventCumulative)).map { $0 - $1 }
        #expect(since == ints("n_event_since_previous_time"), "\(what) n_event since previous")
        let ci = (at["ci"] as! [String: Any])[conf] as! [String: Any]
        let (surv, se, seLog, haz) = (rNumbers(at["surv"]), rNumbers(at["std_err"]),
                                      rNumbers(at["std_err_log_surv"]), rNumbers(at["cumhaz_nelson_aalen"]))
        let (lower, upper) = (rNumbers(ci["lower"]), rNumbers(ci["upper"]))
        for (k, p) in points.enumerated() {
            let w = "\(what) t=\(formatNumber(p.time))"
            expectClose(p.survival, surv[k], "\(w) surv")
            expectClose(p.stdErr, se[k], "\(w) std_err")
            // The fixture derives std_err_log_surv as std_err / surv, which is NaN (0 / 0)
            // where S = 0; R's fit$std.err (and ours) is +Inf there.
            if p.survival == 0 { #expect(p.stdErrLog == .infinity && seLog[k]!.isNaN, "\(w) se log at S = 0") }
            else { expectClose(p.stdErrLog, seLog[k], "\(w) std_err_log_surv") }
            expectClose(p.cumulativeHazard, haz[k], "\(w) cumhaz")
            expectClose(p.lower, lower[k], "\(w) lower")
            expectClose(p.upper, upper[k], "\(w) upper")
        }
    }

    func checkQuantiles(_ curve: KaplanMeierCurve, _ q: [String: Any], _ what: String) {
        let probs = rNumbers(q["probs"]).map { $0! }
        let ours = curve.quantiles(probs)
        let (est, lo, hi) = (rNumbers(q["quantile"]), rNumbers(q["lower"]), rNumbers(q["upper"]))
        for k in probs.indices {
            expectClose(ours[k].estimate, est[k], "\(what) quantile \(probs[k])")
            expectClose(ours[k].lower, lo[k], "\(what) quantile \(probs[k]) lower")
            expectClose(ours[k].upper, hi[k], "\(what) quantile \(probs[k]) upper")
            // One probability at a time gives the same answer here.
            let single = curve.quantile(probs[k])
            expectClose(single.estimate, est[k], "\(what) single quantile \(probs[k])")
        }
    }

    func checkStepTable(_ curve: KaplanMeierCurve, _ s: [String: Any], conf: String, _ what: String) {
        #expect(curve.time == rNumbers(s["time"]).map { $0! }, "\(what) step times")
        #expect(curve.nRisk == s["n_risk"] as! [Int], "\(what) step n_risk")
        #expect(curve.nEvent == s["n_event"] as! [Int], "\(what) step n_event")
        #expect(curve.nCensor == s["n_censor"] as! [Int], "\(what) step n_censor")
        let cols: [(String, [Double?])] = [
            ("surv", curve.survival), ("std_err_log_surv", curve.stdErrLog),
            ("cumhaz_nelson_aalen", curve.cumulativeHazard), ("std_err_cumhaz", curve.stdErrCumulativeHazard),
            ("lower_\(conf)", curve.lower), ("upper_\(conf)", curve.upper),
        ]
        for (key, ours) in cols {
            let r = rNumbers(s[key])
            #expect(ours.count == r.count, "\(what) step \(key) length")
            for j in 0..<min(ours.count, r.count) {
                expectClose(ours[j], r[j], "\(what) step \(key) t=\(formatNumber(curve.time[j]))")
            }
        }
    }

    // MARK: Hand-derived cases

    /// Five patients: times 1, 2+, 3, 3, 5+ (+ = censored).
    ///   t=1: n=5, d=1: S = 4/5,            Greenwood 1/(5*4) = 1/20,    H = 1/5
    ///   t=2: n=4, c=1: unchanged
    ///   t=3: n=3, d=2: S = 4/5 * 1/3 = 4/15, Greenwood 1/20 + 2/(3*1) = 43/60, H = 1/5 + 2/3
    ///   t=5: n=1, c=1: unchanged
    @Test func fivePatientsByHand() throws {
        let fit = try KaplanMeier.fit(time: [3, 1, 5, 2, 3], event: [true, true, false, false, true])
        let c = fit.curves[0]
        #expect(c.label == "(all)")
        #expect(c.time == [1, 2, 3, 5])
        #expect(c.nRisk == [5, 4, 3, 1])
        #expect(c.nEvent == [1, 0, 2, 0])
        #expect(c.nCensor == [0, 1, 0, 1])
        expectClose(c.survival[0], 4.0 / 5, "S(1)")
        expectClose(c.survival[2], 4.0 / 15, "S(3)")
        expectClose(c.stdErrLog[0], (1.0 / 20).squareRoot(), "se(1)")
        expectClose(c.stdErrLog[2], (43.0 / 60).squareRoot(), "se(3)")
        expectClose(c.cumulativeHazard[2], 1.0 / 5 + 2.0 / 3, "H(3)")
        expectClose(c.stdErrCumulativeHazard[2], (1.0 / 25 + 2.0 / 9).squareRoot(), "se H(3)")
        let z = Distributions.normalQuantile(0.975)
        expectClose(c.lower[0], 0.8 * exp(-z * (1.0 / 20).squareRoot()), "log lower(1)")
        #expect(c.upper[0] == 1, "log upper capped at 1")

        // Between steps: carried forward; n at risk from the next step; after the end: 0.
        let p = c.at(2.5)
        #expect(p.nRisk == 3 && p.nEventCumulative == 1 && p.nCensorCumulative == 1)
        expectClose(p.survival, 0.8, "S(2.5)")
        expectClose(p.stdErr, 0.8 * (1.0 / 20).squareRoot(), "SE S(2.5)")
        let before = c.at(0.5)
        #expect(before.survival == 1 && before.nRisk == 5 && before.lower == 1 && before.upper == 1)
        let after = c.at(10)
        #expect(after.nRisk == 0 && after.nEventCumulative == 3 && after.nCensorCumulative == 2)
        expectClose(after.survival, 4.0 / 15, "S(10)")

        // Median: S first <= 0.5 at t = 3. 25% quantile: S <= 0.75 first at 3 too.
        #expect(c.median.estimate == 3)
        #expect(c.quantile(0.25).estimate == 3)
        // 80% quantile (S <= 0.2) never reached.
        #expect(c.quantile(0.8).estimate == nil)
        #expect(c.quantile(0).estimate == 0)
    }

    /// Times 1..4, all events: S = 3/4, 1/2, 1/4, 0. S equals 0.5 exactly on [2, 3): the
    /// median is the midpoint 2.5 (R: quantile(survfit(Surv(1:4) ~ 1), 0.5) = 2.5).
    @Test func medianOnAFlatIsTheMidpoint() throws {
        let c = try KaplanMeier.fit(time: [1, 2, 3, 4], event: [true, true, true, true]).curves[0]
        #expect(c.median.estimate == 2.5)
        #expect(c.quantile(0.25).estimate == 1.5)
        #expect(c.survival.last == 0)
        #expect(c.stdErrLog.last == .infinity)
        #expect(c.lower.last! == nil && c.upper.last! == nil, "log band has no limits at S = 0")
        // Ends flat at 0.5 (1, 2 events; 3, 4 censored): midpoint of 2 and the last time 4.
        let flat = try KaplanMeier.fit(time: [1, 2, 3, 4], event: [true, true, false, false]).curves[0]
        #expect(flat.median.estimate == 3)
    }

    @Test func transformsByHand() throws {
        // S = 1/2 after one death of two; Greenwood 1/(2*1) = 1/2.
        let z = Distributions.normalQuantile(0.975)
        let se = 0.5.squareRoot()
        let (pl, pu) = KaplanMeier.confidenceLimits(survival: 0.5, stdErrLog: se, z: z, transform: .plain)
        expectClose(pl, max(0.5 - z * se * 0.5, 0), "plain lower")
        expectClose(pu, min(0.5 + z * se * 0.5, 1), "plain upper")
        let (ll, lu) = KaplanMeier.confidenceLimits(survival: 0.5, stdErrLog: se, z: z, transform: .logLog)
        // exp(-exp(log(-log S) -+ w)) = S^exp(-+w) with w = z se / log S.
        expectClose(ll, pow(0.5, exp(-z * se / log(0.5))), "log-log lower")
        expectClose(lu, pow(0.5, exp(z * se / log(0.5))), "log-log upper")
        let (l1, u1) = KaplanMeier.confidenceLimits(survival: 1, stdErrLog: 0, z: z, transform: .logLog)
        #expect(l1 == nil && u1 == nil)
        let (p0l, p0u) = KaplanMeier.confidenceLimits(survival: 0, stdErrLog: .infinity, z: z, transform: .plain)
        #expect(p0l!.isNaN && p0u!.isNaN, "R gives NaN for the plain band at S = 0")
    }

    @Test func confidenceLevelChangesZ() throws {
        let fit = try KaplanMeier.fit(time: [1, 2, 3], event: [true, false, true], options: .init(confidenceLevel: 0.9))
        expectClose(fit.z, Distributions.normalQuantile(0.95), abs: 0, "z for 90%")
    }

    // MARK: Bad and degenerate input

    @Test func emptyInputThrows() {
        #expect(throws: AnalysisError.self) { try KaplanMeier.fit(time: [], event: []) }
        #expect(throws: AnalysisError.self) { try KaplanMeier.fit(time: [.nan, .nan], event: [true, false]) }
    }

    @Test func negativeOrInfiniteTimeThrows() {
        #expect(throws: AnalysisError.self) { try KaplanMeier.fit(time: [1, -2, 3], event: [true, true, false]) }
        #expect(throws: AnalysisError.self) { try KaplanMeier.fit(time: [1, .infinity], event: [true, true]) }
    }

    @Test func mismatchedInputThrows() {
        #expect(throws: AnalysisError.self) { try KaplanMeier.fit(time: [1, 2], event: [true]) }
        #expect(throws: AnalysisError.self) {
            try KaplanMeier.fit(time: [1, 2], event: [true, true], group: [0, 2], groupLabels: ["a", "b"])
        }
        #expect(throws: AnalysisError.self) {
            try KaplanMeier.fit(time: [1, 2], event: [true, true], options: .init(confidenceLevel: 1.5))
        }
    }

    @Test func noEventsKeepsSurvivalAtOne() throws {
        let c = try KaplanMeier.fit(time: [5, 3, 8], event: [false, false, false]).curves[0]
        #expect(c.events == 0)
        #expect(c.survival == [1, 1, 1])
        #expect(c.stdErrLog == [0, 0, 0])
        #expect(c.median.estimate == nil && c.median.lower == nil && c.median.upper == nil)
        #expect(c.at(100).survival == 1)
        let logLog = try KaplanMeier.fit(time: [5, 3], event: [false, false], options: .init(transform: .logLog))
        #expect(logLog.curves[0].lower == [nil, nil], "no log-log limits at S = 1")
        #expect(logLog.curves[0].median.estimate == nil)
    }

    @Test func groupWithOnePatient() throws {
        let fit = try KaplanMeier.fit(time: [1, 2, 3, 7], event: [true, false, true, true], group: [0, 0, 0, 1],
                                      groupLabels: ["a", "b"], options: .init(times: [5, 10]))
        let b = fit.curves[1]
        #expect(b.label == "b" && b.n == 1 && b.survival == [0])
        #expect(b.median.estimate == 7 && b.median.lower == nil && b.median.upper == nil)
        #expect(b.at(5).survival == 1 && b.at(5).nRisk == 1)
        #expect(b.at(10).stdErr.isNaN)
        _ = fit.tables(); _ = fit.json().serialized()
    }

    @Test func nanTimesAreSkippedAndEmptyGroupsWarned() throws {
        let fit = try KaplanMeier.fit(time: [1, .nan, 3], event: [true, true, false], group: [0, 1, 0],
                                      groupLabels: ["a", "b"])
        #expect(fit.curves.count == 1 && fit.curves[0].n == 2)
        #expect(fit.warnings == ["group b has no observations; no curve"])
    }

    /// 200,000 rows in 3 groups, 5,000 evaluation times: one sort and one pass, binary
    /// search per time (a rescan per time would take minutes in a debug build).
    @Test func scalesToLargeInput() throws {
        let n = 200_000
        var time = [Double](), event = [Bool](), group = [Int]()
        var x: UInt64 = 12345
        for i in 0..<n {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            time.append(Double(x >> 44) / 64)   // many ties
            event.append(x >> 63 == 1)
            group.append(i % 3)
        }
        let fit = try KaplanMeier.fit(time: time, event: event, group: group, groupLabels: ["a", "b", "c"])
        #expect(fit.curves.map(\.n).reduce(0, +) == n)
        for c in fit.curves {
            #expect(c.nEvent.reduce(0, +) + c.nCensor.reduce(0, +) == c.n)
            var last = 1.0
            for t in stride(from: 0.0, to: 17_000, by: 3.4) {
                let s = c.at(t).survival
                #expect(s <= last); last = s
            }
            _ = c.quantiles([0.25, 0.5, 0.75])
        }
    }

    // MARK: Report

    @Test func reportShowsMediansAndTimes() throws {
        var fit = try KaplanMeier.fit(time: [1, 2, 3, 4, 6], event: [true, true, false, true, false],
                                      group: [0, 0, 1, 1, 1], groupLabels: ["A", "B"], options: .init(times: [2, 5]))
        fit.timeUnit = "months"; fit.endpointName = "overall survival"; fit.groupName = "arm"
        let tables = fit.tables()
        #expect(tables.count == 2)
        #expect(tables[0].title == "Kaplan-Meier: overall survival")
        #expect(tables[0].columns == ["arm", "n", "events", "median (months)", "95% lower", "95% upper"])
        #expect(tables[0].rows[0][0] == .text("A") && tables[0].rows[0][1] == .integer(2))
        #expect(tables[0].notes.contains { $0.contains("log transform") })
        #expect(tables[0].notes.contains("Times in months."))
        #expect(tables[1].rows.count == 4)
        let json = fit.json().serialized()
        #expect(json.contains("\"step_table\""))
        #expect(json.contains("\"kind\":\"km\""))
    }

    /// Enough rows with few distinct times for the counting path: the same step tables as
    /// the sorted path, value for value.
    @Test func countedCurvesMatchSortedPath() throws {
        var state: UInt64 = 2024
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 3000
        let time = (0..<n).map { i in i % 97 == 0 ? Double.nan : (next() * 50).rounded() / 4 }
        let event = (0..<n).map { _ in next() < 0.6 }
        let group = (0..<n).map { _ in next() < 0.3 ? 2 : 0 }  // group 1 has no rows
        let fit = try KaplanMeier.fit(time: time, event: event, group: group, groupLabels: ["a", "b", "c"])
        #expect(fit.warnings == ["group b has no observations; no curve"])
        #expect(fit.curves.map(\.label) == ["a", "c"])
        let z = Distributions.normalQuantile(0.975)
        for (curve, g) in zip(fit.curves, [0, 2]) {
            let rows = (0..<n).filter { group[$0] == g && !time[$0].isNaN }
                .sorted { time[$0] != time[$1] ? time[$0] < time[$1] : $0 < $1 }
            let sorted = KaplanMeier.curve(label: curve.label, rows: rows[...], time: time, event: event,
                                           transform: .log, z: z)
            #expect(curve.n == sorted.n && curve.events == sorted.events)
            #expect(curve.time == sorted.time && curve.nRisk == sorted.nRisk)
            #expect(curve.nEvent == sorted.nEvent && curve.nCensor == sorted.nCensor)
            #expect(curve.survival == sorted.survival && curve.stdErrLog == sorted.stdErrLog)
            #expect(curve.lower == sorted.lower && curve.upper == sorted.upper)
            #expect(curve.cumulativeHazard == sorted.cumulativeHazard)
            #expect(curve.stdErrCumulativeHazard == sorted.stdErrCumulativeHazard)
        }
    }
}
