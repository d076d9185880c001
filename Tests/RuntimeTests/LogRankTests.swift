import Foundation
import Testing
import TestSupport
@testable import Runtime

/// `survdiff` cases of the public fixtures (R 4.2.2, survival 3.5-3), every number within
/// 1e-9 absolute; plus hand-derived and bad-input cases.
struct LogRankTests {

    /// Codes a column as R's factor would: the fixture's level order for factors, sorted
    /// numeric values otherwise. Returns nil codes for missing values.
    static func factorCodes(_ table: Table, _ column: String, fixture: Fixture) -> (codes: [Int?], levels: [String]) {
        let columns = (fixture.root["dataset"] as! [String: Any])["columns"] as! [[String: Any]]
        let spec = columns.first { $0["name"] as? String == column }!
        let text = table.strings(column)!
        var levels: [String]
        if let rLevels = spec["levels_in_R_order"] as? [String] {
            levels = rLevels
        } else {
            let values = Set(table.doubles(column)!.filter { !$0.isNaN })
            levels = values.sorted().map(formatNumber)
        }
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        return (text.map { $0.flatMap { index[$0] } }, levels)
    }

    /// Runs one fixture case from its model description (time column, event expression
    /// `col == code`, group, optional strata) with na.omit on the variables used.
    static func run(_ file: String, _ id: String) throws -> (LogRankResult, [String: Any]) {
        let fixture = try Fixture("public/\(file).ref.json")
        let c = try fixture.case(id)
        let model = c["model"] as! [String: Any]
        let options = c["options"] as! [String: Any]
        let table = try CSVReader.read(path: Fixture.path("public/\(file).csv"))
        let time = table.doubles(model["time_column"] as! String)!
        let eventParts = (model["event"] as! String).split(separator: " ")
        let eventColumn = table.doubles(String(eventParts[0]))!
        let eventCode = Double(String(eventParts[2]))!
        let (groupCodes, groupLevels) = factorCodes(table, model["group"] as! String, fixture: fixture)
        var strataCodes: [Int?]? = nil
        if let s = model["strata"] as? String { strataCodes = factorCodes(table, s, fixture: fixture).codes }

        var t: [Double] = [], e: [Bool] = [], g: [Int] = [], s: [Int] = []
        for i in 0..<time.count {
            guard !time[i].isNaN, !eventColumn[i].isNaN, let gi = groupCodes[i] else { continue }
            if let strataCodes { guard let si = strataCodes[i] else { continue }; s.append(si) }
            t.append(time[i]); e.append(eventColumn[i] == eventCode); g.append(gi)
        }
        let groupName = model["group"] as! String
        let result = try LogRank.test(time: t, event: e, group: g,
                                      groupLabels: groupLevels.map { "\(groupName)=\($0)" },
                                      strata: strataCodes == nil ? nil : s,
                                      options: LogRankOptions(rho: rNumber(options["rho"])!))
        return (result, c["results"] as! [String: Any])
    }

    static let cases: [(String, String)] = [
        ("lung", "lung.logrank.sex"), ("lung", "lung.petopeto.sex"),
        ("lung", "lung.logrank.sex.strata_ph.ecog"), ("lung", "lung.petopeto.sex.strata_ph.ecog"),
        ("veteran", "veteran.logrank.trt"), ("veteran", "veteran.petopeto.trt"),
        ("veteran", "veteran.logrank.celltype"), ("veteran", "veteran.petopeto.celltype"),
        ("veteran", "veteran.logrank.trt.strata_celltype"), ("veteran", "veteran.petopeto.trt.strata_celltype"),
        ("mgus2", "mgus2.logrank.sex"), ("mgus2", "mgus2.petopeto.sex"),
    ]

    @Test(arguments: cases)
    func survdiffMatchesR(file: String, id: String) throws {
        let (r, ref) = try Self.run(file, id)
        #expect(r.groups == ref["groups"] as! [String], "\(id) groups")
        #expect(r.n == (ref["n"] as! [Int]), "\(id) n")
        let obs = rNumbers(ref["observed"]), exp = rNumbers(ref["expected"])
        for g in 0..<r.groups.count {
            expectClose(r.observed[g], obs[g], "\(id) observed[\(g)]")
            expectClose(r.expected[g], exp[g], "\(id) expected[\(g)]")
            let row = rNumbers((ref["var_matrix"] as! [Any])[g])
            for h in 0..<r.groups.count { expectClose(r.variance[g][h], row[h], "\(id) var[\(g)][\(h)]") }
        }
        expectClose(r.chiSquare, rNumber(ref["chisq"]), "\(id) chisq")
        #expect(r.df == ref["df"] as! Int, "\(id) df")
        expectClose(r.p, rNumber(ref["p"]), "\(id) p")
        if let ob = ref["observed_by_stratum"] as? [Any], let eb = ref["expected_by_stratum"] as? [Any] {
            let rob = try #require(r.observedByStratum), reb = try #require(r.expectedByStratum)
            for g in 0..<r.groups.count {
                let o = rNumbers(ob[g]), e = rNumbers(eb[g])
                #expect(rob[g].count == o.count, "\(id) strata count")
                for s in 0..<min(o.count, rob[g].count) {
                    expectClose(rob[g][s], o[s], "\(id) observed[\(g)][stratum \(s)]")
                    expectClose(reb[g][s], e[s], "\(id) expected[\(g)][stratum \(s)]")
                }
            }
        } else {
            #expect(r.observedByStratum == nil)
        }
        // Reportable: JSON carries the numbers, tables render.
        #expect(r.json().serialized().contains("\"chisq\""))
        #expect(!r.tables().isEmpty)
    }

    /// Two groups, no censoring, distinct times: A = {1, 3}, B = {2, 4}, all events.
    /// t=1: n=4 (2,2), d=1 in A: E_A = 1/2, V = 1*3/3 * 1/2 * 1/2 = 1/4
    /// t=2: n=3 (1,2), d=1 in B: E_A = 1/3, V = 1/3 * 2/3 = 2/9
    /// t=3: n=2 (1,1), d=1 in A: E_A = 1/2, V = 1/4
    /// t=4: n=1: E_A = 0, V = 0.
    /// O_A = 2, E_A = 4/3, V = 13/18, chisq = (2/3)^2 / (13/18) = 8/13.
    @Test func handDerivedTwoGroups() throws {
        let r = try LogRank.test(time: [1, 3, 2, 4], event: [true, true, true, true],
                                 group: [0, 0, 1, 1], groupLabels: ["A", "B"])
        expectClose(r.observed[0], 2, "O_A")
        expectClose(r.expected[0], 4.0 / 3, "E_A")
        expectClose(r.expected[1], 8.0 / 3, "E_B")
        expectClose(r.variance[0][0], 13.0 / 18, "V")
        expectClose(r.variance[0][1], -13.0 / 18, "V_AB")
        expectClose(r.chiSquare, 8.0 / 13, "chisq")
        #expect(r.df == 1)
        expectClose(r.p, Distributions.chiSquareUpperTail(8.0 / 13, df: 1), "p")
    }

    /// Peto-Peto weights on the same data: S(t-) = 1, 3/4, 1/2, 1/4.
    /// O_A = 1 + 1/2 = 3/2; E_A = 1/2 + 3/4 * 1/3 + 1/2 * 1/2 = 1;
    /// V = 1/4 + 9/16 * 2/9 + 1/4 * 1/4 = 4/16 + 2/16 + 1/16 = 7/16 -> chisq = (1/2)^2 / (7/16) = 4/7.
    @Test func handDerivedPetoPeto() throws {
        let r = try LogRank.test(time: [1, 3, 2, 4], event: [true, true, true, true],
                                 group: [0, 0, 1, 1], groupLabels: ["A", "B"], options: .init(rho: 1))
        expectClose(r.observed[0], 1.5, "O_A")
        expectClose(r.expected[0], 1, "E_A")
        expectClose(r.variance[0][0], 7.0 / 16, "V")
        expectClose(r.chiSquare, 4.0 / 7, "chisq")
    }

    /// Trend with two groups equals the log-rank test (the score contrast spans O - E).
    @Test func trendWithTwoGroupsIsLogRank() throws {
        let (lr, _) = try Self.run("veteran", "veteran.logrank.trt")
        // Rebuild the data to call trend.
        let table = try CSVReader.read(path: Fixture.path("public/veteran.csv"))
        let time = table.doubles("time")!, status = table.doubles("status")!, trt = table.doubles("trt")!
        let tr = try LogRank.trend(time: time, event: status.map { $0 == 1 }, group: trt.map { Int($0) - 1 },
                                   groupLabels: ["trt=1", "trt=2"])
        expectClose(tr.chiSquare, lr.chiSquare, "trend chisq = log-rank chisq")
        expectClose(tr.p, lr.p, "trend p")
    }

    /// Trend over the four cell types with scores 1..4: U = w'(O - E), V = w' Var w.
    @Test func trendOverFourGroups() throws {
        let (lr, _) = try Self.run("veteran", "veteran.logrank.celltype")
        let fixture = try Fixture("public/veteran.ref.json")
        let table = try CSVReader.read(path: Fixture.path("public/veteran.csv"))
        let (codes, levels) = Self.factorCodes(table, "celltype", fixture: fixture)
        let tr = try LogRank.trend(time: table.doubles("time")!, event: table.doubles("status")!.map { $0 == 1 },
                                   group: codes.map { $0! }, groupLabels: levels)
        var u = 0.0, v = 0.0
        for g in 0..<4 {
            u += Double(g + 1) * (lr.observed[g] - lr.expected[g])
            for h in 0..<4 { v += Double(g + 1) * lr.variance[g][h] * Double(h + 1) }
        }
        expectClose(tr.u, u, "U")
        expectClose(tr.varianceU, v, "Var U")
        expectClose(tr.chiSquare, u * u / v, "chisq")
        #expect(tr.df == 1)
    }

    @Test func badInput() {
        #expect(throws: AnalysisError.self) {
            try LogRank.test(time: [1, 2], event: [true], group: [0, 1], groupLabels: ["a", "b"])
        }
        #expect(throws: AnalysisError.self) {
            try LogRank.test(time: [1, .nan], event: [true, true], group: [0, 1], groupLabels: ["a", "b"])
        }
        #expect(throws: AnalysisError.self) {
            try LogRank.test(time: [1, 2], event: [true, true], group: [0, 2], groupLabels: ["a", "b"])
        }
        #expect(throws: AnalysisError.self) {
            try LogRank.test(time: [], event: [], group: [], groupLabels: ["a", "b"])
        }
    }

    /// No events: nothing to test; chi-square 0, df 0, p NA and a warning, no crash.
    @Test func noEvents() throws {
        let r = try LogRank.test(time: [1, 2, 3], event: [false, false, false], group: [0, 1, 1],
                                 groupLabels: ["a", "b"])
        #expect(r.df == 0)
        #expect(r.p.isNaN)
        #expect(!r.warnings.isEmpty)
    }

    /// A one-patient group still gives a test (as R does).
    @Test func onePatientGroup() throws {
        let r = try LogRank.test(time: [1, 2, 3, 4], event: [true, true, true, false], group: [0, 1, 1, 1],
                                 groupLabels: ["a", "b"])
        #expect(r.df == 1)
        #expect(r.n == [1, 3])
        #expect(r.p > 0 && r.p < 1)
    }

    /// Enough rows with few distinct times for the counting path: the same sums as the
    /// sorted path, value for value (with strata, rho and three groups).
    @Test(arguments: [0.0, 1.0])
    func countedSumsMatchSortedPath(_ rho: Double) throws {
        var state: UInt64 = 77
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 3000
        let time = (0..<n).map { _ in (next() * 40).rounded() / 2 }
        let event = (0..<n).map { _ in next() < 0.6 }
        let group = (0..<n).map { _ in Int(next() * 3) }
        let strata = (0..<n).map { _ in next() < 0.4 ? 4 : 1 }
        for s in [nil, strata] {
            let a = try LogRank.accumulate(time: time, event: event, group: group, k: 3, strata: s, rho: rho)
            let b = try LogRank.accumulate(time: time, event: event, group: group, k: 3, strata: s, rho: rho,
                                           counting: false)
            #expect(a.n == b.n && a.observed == b.observed && a.expected == b.expected)
            #expect(a.variance == b.variance && a.strataCount == b.strataCount)
            #expect(a.observedByStratum == b.observedByStratum && a.expectedByStratum == b.expectedByStratum)
        }
    }
}
