import Foundation
import Testing
@testable import Runtime

/// Fisher's exact test against R's `fisher.test` on the lart Table 1 count tables (2 x 2 up to
/// 6 x 2, p from 1 down to 1e-19) and the `lart.toxicity` 2 x 2.
struct FisherExactTests {

    /// R's FEXACT (r x c) merges path sums within its tolerance, so allow a little relative
    /// slack for tiny p-values (the lart cases agree to 1e-12 relative).
    static let networkRelative = 1e-10

    @Test func lartTableOneCases() throws {
        for c in try LartCountCase.all() {
            let r = try FisherExact.test(c.table)
            let twoByTwo = c.table.count == 2
            expectClose(r.p, c.fisherP, abs: Tolerance.closedForm, rel: twoByTwo ? 0 : Self.networkRelative,
                        "\(c.id) fisher p")
            if twoByTwo { #expect(r.oddsRatio != nil) } else { #expect(r.oddsRatio == nil) }
        }
    }

    @Test func lartToxicity() throws {
        let c = try Fixture("lart/lart_registry.ref.json").case("lart.toxicity")
        let f = (c["results"] as! [String: Any])["fisher_pneumonitis_omd_tki"] as! [String: Any]
        let table = f["table"] as! [[Int]]
        let r = try FisherExact.test(table)
        expectClose(r.p, rNumber(f["p"]), "toxicity p")
        expectClose(r.oddsRatio, rNumber(f["odds_ratio"]), "toxicity odds ratio (Inf)")
        #expect(r.confidenceInterval?.upper == .infinity)
    }

    /// Tea tasting (Fisher 1935; R's ?fisher.test example): [[3, 1], [1, 3]], p = 0.4857 = 34/70,
    /// the table probabilities being (1, 16, 36, 16, 1)/70.
    @Test func teaTasting() throws {
        let r = try FisherExact.test([[3, 1], [1, 3]])
        expectClose(r.p, 34.0 / 70, "p")
        // Conditional MLE and interval solved to full precision, as SciPy's
        // stats.contingency.odds_ratio([[3,1],[1,3]], kind='conditional') gives them.
        expectClose(r.oddsRatio, 6.408319658199662, rel: 1e-9, "odds ratio")
        expectClose(r.confidenceInterval?.lower, 0.21173559544657966, rel: 1e-9, "lower")
        expectClose(r.confidenceInterval?.upper, 626.2435305888141, rel: 1e-9, "upper")
    }

    /// A 2 x 3 table small enough to enumerate by hand: rows (2, 2), columns (1, 1, 2).
    /// The 4 tables (X_11, X_12, X_13) = (0,0,2), (1,1,0), (1,0,1), (0,1,1) have probabilities
    /// proportional to 1/(2!2!) ... : P = prod R! prod C! / (N! prod X!) = 2*2*2/24 / prod X!
    /// -> (0,0,2): 1/6, (1,1,0): 1/6, (1,0,1): 1/3, (0,1,1): 1/3.
    @Test func handEnumeratedTwoByThree() throws {
        let r = try FisherExact.test([[0, 0, 2], [1, 1, 0]])
        expectClose(r.p, 1.0 / 3, "p for an extreme table")
        let r2 = try FisherExact.test([[1, 0, 1], [0, 1, 1]])
        expectClose(r2.p, 1, "p for a most probable table")
    }

    @Test func badInput() {
        #expect(throws: AnalysisError.self) { try FisherExact.test([[1, 2]]) }
        #expect(throws: AnalysisError.self) { try FisherExact.test([[0, 0], [0, 0]]) }
        #expect(throws: AnalysisError.self) { try FisherExact.test([[1, -1], [2, 3]]) }
    }
}
