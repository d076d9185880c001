import Testing
import TestSupport
@testable import Runtime

/// A categorical test chosen for one variable (`categoricalTestByVariable`, what lart's
/// `table1 ...: fisher(x)` sets) applies to that variable only, multi-select rows included.
struct TableOnePerVariableTestTests {
    /// RT sites of lart.table1.rt_site_counts rebuilt as patients (OMD 54, OPD 122): with
    /// Fisher chosen for that row alone, its site-count table gets R's fisher_p, and another
    /// variable of the same table keeps chi-square.
    @Test func fisherChosenForAMultiSelectRow() throws {
        let sites = try #require(try LartCountCase.all().first { $0.id == "lart.table1.rt_site_counts" })
        let (groupOf, items) = try TableOneTests.siteRows()
        var options = TableOneOptions()
        options.categoricalTestByVariable["RT site"] = .fisher
        let other: [String?] = groupOf.indices.map { $0 % 3 == 0 ? "a" : "b" }
        let t = try TableOne.build(groups: ["OMD", "OPD"], groupOf: groupOf,
                                   variables: [.multiSelect(name: "RT site", items: items),
                                               .categorical(name: "other", values: Categories(other))],
                                   options: options)
        let overall = try #require(t.tests.first { $0.variable == "RT site" && $0.item.isEmpty })
        #expect(overall.method == "Fisher's exact test")
        expectClose(overall.p, sites.fisherP, abs: Tolerance.closedForm, rel: 1e-10, "site counts fisher p")
        let otherTest = try #require(t.tests.first { $0.variable == "other" })
        #expect(otherTest.method == "Pearson's Chi-squared test")
    }
}
