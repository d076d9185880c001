import TestSupport
import Foundation
@testable import Runtime

/// The count tables of the lart `table1` cases (Tests/Fixtures/lart/lart_registry.ref.json):
/// rows are the levels (or sites), columns the cohorts OMD and OPD, as R's `table(x, group)`.
struct LartCountCase {
    let id: String
    let table: [[Int]]
    let statistic: Double?
    let df: Double?
    let p: Double?
    let warnings: [String]
    let fisherP: Double?

    static func all() throws -> [LartCountCase] {
        let fixture = try Fixture("lart/lart_registry.ref.json")
        return fixture.cases(ofType: "table1").map { c in
            let results = c["results"] as! [String: Any]
            var table: [[Int]]
            if let counts = results["counts"] as? [[String: Any]] {
                table = counts.map { [$0["OMD"] as! Int, $0["OPD"] as! Int] }
            } else {
                let omd = results["OMD"] as! [Int], opd = results["OPD"] as! [Int]
                table = zip(omd, opd).map { [$0, $1] }
            }
            let chisq = results["chisq"] as! [String: Any]
            return LartCountCase(id: c["id"] as! String, table: table,
                                 statistic: rNumber(chisq["statistic"]), df: rNumber(chisq["df"]),
                                 p: rNumber(chisq["p"]), warnings: chisq["warnings"] as? [String] ?? [],
                                 fisherP: rNumber(results["fisher_p"]))
        }
    }
}
