import Testing
import TestSupport
@testable import Runtime

/// Table 1 builder. Patient-level rows are rebuilt from the count tables of the lart `table1`
/// cases (R: chisq.test(table(x, group), correct = FALSE); fisher.test(table(x, group))),
/// so every test the builder runs is compared with R's numbers.
struct TableOneTests {

    /// Rows for a levels x (OMD, OPD) count table: group 0 = OMD, 1 = OPD.
    static func rows(_ c: LartCountCase, levels: [String]) -> (values: [String?], groupOf: [Int]) {
        var values: [String?] = [], groupOf: [Int] = []
        for (l, level) in levels.enumerated() {
            for k in 0..<2 {
                for _ in 0..<c.table[l][k] { values.append(level); groupOf.append(k) }
            }
        }
        return (values, groupOf)
    }

    static func levels(_ id: String) throws -> [String] {
        let c = try Fixture("lart/lart_registry.ref.json").case(id)
        let results = c["results"] as! [String: Any]
        return results["levels"] as? [String] ?? results["sites"] as! [String]
    }

    @Test func categoricalVariablesMatchR() throws {
        for c in try LartCountCase.all() where c.id != "lart.table1.rt_site_counts" {
            let levels = try Self.levels(c.id)
            let (values, groupOf) = Self.rows(c, levels: levels)
            let t = try TableOne.build(groups: ["OMD", "OPD"], groupOf: groupOf,
                                       variables: [.categorical(name: c.id, values: Categories(values), levels: levels)])
            let test = try #require(t.tests.first)
            expectClose(test.statistic?.statistic, c.statistic, "\(c.id) statistic")
            expectClose(test.statistic?.df, c.df, "\(c.id) df")
            expectClose(test.p, c.p, "\(c.id) p")
            #expect(test.warnings == c.warnings, "\(c.id) warnings")
            #expect(test.levelsUsed == levels, "\(c.id) levels used")
            let f = try TableOne.build(groups: ["OMD", "OPD"], groupOf: groupOf,
                                       variables: [.categorical(name: c.id, values: Categories(values), levels: levels)],
                                       options: .init(categoricalTest: .fisher))
            expectClose(f.tests.first?.p, c.fisherP, abs: Tolerance.closedForm, rel: 1e-10, "\(c.id) fisher p")
        }
    }

    /// RT sites as a multi-select variable: per-item 2 x 2 tests equal the rt_<site> cases,
    /// the count-table chi-square equals rt_site_counts. Group sizes OMD 54, OPD 122.
    /// Patient rows rebuilt from the RT-site count table (OMD 54, OPD 122): a group code per
    /// row and one flag column per site.
    static func siteRows() throws -> (groupOf: [Int], items: [(label: String, flags: [Bool])]) {
        let sites = try #require(try LartCountCase.all().first { $0.id == "lart.table1.rt_site_counts" })
        let names = try levels(sites.id)
        let sizes = [54, 122]
        let groupOf = [Int](repeating: 0, count: sizes[0]) + [Int](repeating: 1, count: sizes[1])
        var items: [(label: String, flags: [Bool])] = []
        for (s, name) in names.enumerated() {
            var flags: [Bool] = []
            for k in 0..<2 { flags += (0..<sizes[k]).map { $0 < sites.table[s][k] } }
            items.append((label: name, flags: flags))
        }
        return (groupOf, items)
    }

    @Test func multiSelectSites() throws {
        let all = try LartCountCase.all()
        let sites = all.first { $0.id == "lart.table1.rt_site_counts" }!
        let (groupOf, items) = try Self.siteRows()
        let sizes = [54, 122]
        let names = items.map(\.label)
        let t = try TableOne.build(groups: ["OMD", "OPD"], groupOf: groupOf,
                                   variables: [.multiSelect(name: "RT site", items: items)])
        #expect(t.groupSizes == sizes)
        let overall = try #require(t.tests.first { $0.item.isEmpty })
        expectClose(overall.statistic?.statistic, sites.statistic, "site counts statistic")
        expectClose(overall.statistic?.df, sites.df, "site counts df")
        expectClose(overall.p, sites.p, "site counts p")
        #expect(overall.warnings == sites.warnings)
        for name in names {
            let c = all.first { $0.id == "lart.table1.\(name)" }!
            let test = try #require(t.tests.first { $0.item == name })
            expectClose(test.statistic?.statistic, c.statistic, "\(name) statistic")
            expectClose(test.p, c.p, "\(name) p")
            #expect(test.warnings == c.warnings, "\(name) warnings")
            let row = try #require(t.rows.first { $0.label == name })
            #expect(row.counts == c.table[0], "\(name) flagged counts")
            #expect(row.text[0] == "\(c.table[0][0]) (\(TableOne.fixed(100 * Double(c.table[0][0]) / 54, 1))%)")
        }
        // With Fisher chosen, the count table gets R's fisher_p too.
        let f = try TableOne.build(groups: ["OMD", "OPD"], groupOf: groupOf,
                                   variables: [.multiSelect(name: "RT site", items: items)],
                                   options: .init(categoricalTest: .fisher))
        expectClose(f.tests.first { $0.item.isEmpty }?.p, sites.fisherP, abs: Tolerance.closedForm, rel: 1e-10,
                    "site counts fisher p")
    }

    /// Levels with zero counts in both groups are dropped before testing, not from the display.
    @Test func zeroLevelsDroppedBeforeTesting() throws {
        let values: [String?] = ["a", "a", "b", "a", "b", "b", nil]
        let groupOf = [0, 0, 0, 1, 1, 1, 1]
        let t = try TableOne.build(groups: ["x", "y"], groupOf: groupOf,
                                   variables: [.categorical(name: "v", values: Categories(values), levels: ["a", "b", "c"])])
        let test = try #require(t.tests.first)
        #expect(test.levelsUsed == ["a", "b"])
        let direct = ChiSquareTest.pearson([[2, 1], [1, 2]])
        expectClose(test.p, direct.p, "p on the reduced table")
        #expect(t.rows.map(\.label) == ["", "a", "b", "c", "missing"])
        let a = t.rows[1]
        #expect(a.counts == [2, 1])
        #expect(a.text == ["2 (66.7%)", "1 (33.3%)"])   // percent of non-missing: 3 in each group
        #expect(t.rows[4].counts == [0, 1])
        // Yates on a 2 x 2.
        let y = try TableOne.build(groups: ["x", "y"], groupOf: groupOf,
                                   variables: [.categorical(name: "v", values: Categories(values))],
                                   options: .init(categoricalTest: .chiSquareYates))
        expectClose(y.tests.first?.p, ChiSquareTest.pearson([[2, 1], [1, 2]], correct: true).p, "Yates p")
    }

    /// Dates: median [IQR] as the days the quartiles fall in (a fraction of a day dropped
    /// towards the past, as R's `format.Date`), JSON summaries as dates, Wilcoxon on the days.
    @Test func dateVariables() throws {
        // 2016-07-18 is day 17000. Group 0: 17000, 17001 (median 17000.5, Q1 17000.25,
        // Q3 17000.75); group 1: -1, 0, 1 and a missing date (median 0, Q1 -0.5, Q3 0.5).
        let days: [Double] = [17000, 17001, -1, 0, 1, .nan]
        let t = try TableOne.build(groups: ["a", "b"], groupOf: [0, 0, 1, 1, 1, 1], variables: [
            .continuous(name: "dx", values: days, summary: .medianIQRDates),
        ])
        let row = t.rows[0]
        #expect(row.label == "median [IQR]")
        #expect(row.text == ["2016-07-18 [2016-07-18, 2016-07-18]", "1970-01-01 [1969-12-31, 1970-01-01]"])
        #expect(t.rows[1].kind == .missing && t.rows[1].counts == [0, 1])
        let json = t.json().serialized()
        #expect(json.contains(#""summaries":[["2016-07-18","2016-07-18","2016-07-18"],["1970-01-01","1969-12-31","1970-01-01"]]"#))
        let wilcoxon = WilcoxonRankSum.test([17000, 17001], [-1, 0, 1])
        #expect(t.tests.first?.method == wilcoxon.method)
        expectClose(t.tests.first?.p, wilcoxon.p, abs: 0, "Wilcoxon on the day numbers")
    }

    /// Continuous: mean (SD) with Welch, median [IQR] with Wilcoxon (R's sleep data).
    @Test func continuousVariables() throws {
        let values = WelchTTests.sleep1 + WelchTTests.sleep2 + [.nan]
        let groupOf = [Int](repeating: 0, count: 10) + [Int](repeating: 1, count: 11)
        let t = try TableOne.build(groups: ["1", "2"], groupOf: groupOf, variables: [
            .continuous(name: "extra", values: values, summary: .meanSD),
            .continuous(name: "extra", values: values, summary: .medianIQR),
        ])
        let welch = t.tests[0], wilcoxon = t.tests[1]
        expectClose(welch.p, 0.0793941401873583, abs: 1e-12, "Welch p")
        expectClose(wilcoxon.p, 0.06932757543362658, abs: 1e-12, "Wilcoxon p")
        #expect(wilcoxon.warnings == [WilcoxonRankSum.tiesWarning])
        let meanRow = t.rows[0]
        #expect(meanRow.text[0] == "0.8 (1.8)")   // mean 0.75, SD 1.789
        #expect(meanRow.summaryN == [10, 10])
        #expect(t.rows[1].kind == .missing && t.rows[1].counts == [0, 1])
        let medianRow = t.rows[2]
        // group 1 sorted: -1.6 -1.2 -0.2 -0.1 0.0 0.7 0.8 2.0 3.4 3.7: median 0.35, Q1 -0.175, Q3 1.7
        expectClose(medianRow.summaries?[0][0], 0.35, abs: 1e-12, "median")
        expectClose(medianRow.summaries?[0][1], -0.175, abs: 1e-12, "Q1")
        expectClose(medianRow.summaries?[0][2], 1.7, abs: 1e-12, "Q3")
        #expect(medianRow.text[0] == "0.3 [-0.2, 1.7]" || medianRow.text[0] == "0.4 [-0.2, 1.7]")
        #expect(!t.tables().isEmpty)
        #expect(t.json().serialized().contains("\"tests\""))
    }

    @Test func fixedDecimals() {
        #expect(TableOne.fixed(37.037, 1) == "37.0")
        #expect(TableOne.fixed(-0.04, 1) == "0.0")
        #expect(TableOne.fixed(-1.25, 1) == "-1.3")
        #expect(TableOne.fixed(100, 0) == "100")
        #expect(TableOne.fixed(0.05, 2) == "0.05")
    }

    @Test func badInput() {
        #expect(throws: AnalysisError.self) {
            try TableOne.build(groups: ["a", "b"], groupOf: [0, 1], variables: [.categorical(name: "v", values: Categories(["x"]))])
        }
        #expect(throws: AnalysisError.self) {
            try TableOne.build(groups: [], groupOf: [], variables: [])
        }
    }

    /// One level only: no test, a note instead of a crash; rows without a group are counted.
    @Test func singleLevelAndUngroupedRows() throws {
        let t = try TableOne.build(groups: ["a", "b"], groupOf: [0, 1, -1],
                                   variables: [.categorical(name: "v", values: Categories(["x", "x", "y"]))])
        #expect(t.tests.first?.p.isNaN == true)
        #expect(t.tests.first?.warnings.isEmpty == false)
        #expect(t.warnings == ["1 row(s) without a group were left out"])
    }
}

/// `Categories`, the codes Table 1 and `summary` count with.
struct CategoriesTests {
    @Test func fromTextAndBack() {
        let c = Categories(["b", nil, "a", "b", "c"])
        #expect(c.values == ["b", "a", "c"])
        #expect(c.codes == [0, -1, 1, 0, 2])
        #expect((0..<c.count).map { c[$0] } == ["b", nil, "a", "b", "c"])
        #expect(c.present(rows: [0, 1, 3]) == [true, false, false])
        #expect(c.positions(in: ["c", "b"]) == [1, -1, 0])
    }

    @Test func renamedAlikeMerge() {
        // Two values with one label become one value; a missing row stays missing.
        let c = Categories(dictionaryCodes: [0, 1, Column.stringNA, 2, 1], dictionary: ["F", "f", "M"])
        let r = c.renamed { $0.uppercased() == "F" ? "female" : "male" }
        #expect(r.values == ["female", "male"])
        #expect(r.codes == [0, 0, -1, 1, 0])
        #expect(c.presentValues == ["F", "f", "M"])
        let unused = Categories(dictionaryCodes: [2, 2], dictionary: ["F", "f", "M"])
        #expect(unused.presentValues == ["M"])
    }

    @Test func booleans() {
        let c = Categories(booleans: [1, 0, Column.boolNA], no: "false", yes: "true")
        #expect((0..<3).map { c[$0] } == ["true", "false", nil])
    }

    /// Levels counted from codes equal levels counted from text, with given levels that
    /// leave a value out (counted as missing, as R's factor(levels =)).
    @Test func tableOneCountsAsFromText() throws {
        let text: [String?] = ["x", "y", nil, "z", "x", "y", "x"]
        let t = try TableOne.build(groups: ["a", "b"], groupOf: [0, 0, 1, 1, 1, -1, 0],
                                   variables: [.categorical(name: "v", values: Categories(text), levels: ["y", "x"])])
        let levels = t.rows.filter { $0.kind == .level }
        #expect(levels.map(\.label) == ["y", "x"])
        #expect(levels.map { $0.counts ?? [] } == [[1, 0], [2, 1]])
        #expect(t.rows.last?.kind == .missing && t.rows.last?.counts == [0, 2])
    }
}
