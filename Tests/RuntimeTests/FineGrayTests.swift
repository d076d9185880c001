import Foundation
import Testing
import TestSupport
@testable import Runtime

/// cmprsk::crr against R: mgus2.crr.pcm and mgus2.crr.death (coef, sandwich se and
/// variance, sHR and CI, z, p, pseudo log-likelihoods and the LR test).
struct FineGrayTests {
    private let rel = Tolerance.iterativeRelative

    private func check(failCode: Int, caseID: String) throws {
        let data = try MGUS2CompetingRisks()
        let fixture = try Fixture("public/mgus2.ref.json").case(caseID)
        let results = fixture["results"] as! [String: Any]
        let fit = try FineGray.fit(time: data.time, status: data.status, covariates: [data.age, data.sex.map(Double.init)],
                                   names: ["age", "sexM"], failCode: failCode)
        #expect(fit.n == results["n"] as! Int)
        #expect(fit.nMissing == results["n_missing"] as! Int)
        #expect(fit.converged == results["converged"] as! Bool)
        #expect(fit.warnings.isEmpty)
        for (j, c) in (results["coefficients"] as! [[String: Any]]).enumerated() {
            let term = c["term"] as! String
            #expect(fit.names[j] == term)
            expectClose(fit.coefficients[j], rNumber(c["coef"]), abs: 0, rel: rel, "\(term) coef")
            expectClose(fit.standardErrors[j], rNumber(c["se"]), abs: 0, rel: rel, "\(term) se")
            expectClose(fit.hr[j], rNumber(c["shr"]), abs: 0, rel: rel, "\(term) shr")
            expectClose(fit.lower[j], rNumber(c["shr_lower_95"]), abs: 0, rel: rel, "\(term) lower")
            expectClose(fit.upper[j], rNumber(c["shr_upper_95"]), abs: 0, rel: rel, "\(term) upper")
            expectClose(fit.z[j], rNumber(c["z"]), abs: 0, rel: rel, "\(term) z")
            expectClose(fit.p[j], rNumber(c["p"]), abs: 0, rel: rel, "\(term) p")
        }
        expectClose(fit.pseudoLogLikelihood, rNumber(results["pseudo_loglik"]), abs: 0, rel: rel, "pseudo loglik")
        expectClose(fit.pseudoLogLikelihoodNull, rNumber(results["pseudo_loglik_null"]), abs: 0, rel: rel, "null loglik")
        let lr = results["pseudo_lr_test"] as! [String: Any]
        expectClose(fit.likelihoodRatio.statistic, rNumber(lr["statistic"]), abs: 0, rel: rel, "LR statistic")
        expectClose(fit.likelihoodRatio.df, rNumber(lr["df"]), abs: 0, "LR df")
        expectClose(fit.likelihoodRatio.p, rNumber(lr["p"]), abs: 0, rel: rel, "LR p")
        let v = (results["variance_matrix_sandwich"] as! [Any]).map { rNumbers($0) }
        for r in 0..<2 { for c in 0..<2 { expectClose(fit.variance[r][c], v[r][c], abs: 0, rel: rel, "var[\(r)][\(c)]") } }
    }

    @Test func mgus2PCM() throws { try check(failCode: 1, caseID: "mgus2.crr.pcm") }
    @Test func mgus2Death() throws { try check(failCode: 2, caseID: "mgus2.crr.death") }

    /// Without competing failures the Fine-Gray likelihood is Cox's partial likelihood with
    /// Breslow ties: one binary covariate, no ties, hand-derived score at b = 0.
    /// Times 1..4, events at 1, 2, 3 (group 1, 0, 1), censored at 4 (group 0):
    /// U(0) = sum over events of (z - mean z in risk set) = (1 - 2/4) + (0 - 1/3) + (1 - 1/2) = 2/3.
    @Test func noCompetingIsCox() throws {
        let fit = try FineGray.fit(time: [1, 2, 3, 4], status: [1, 1, 1, 0], covariates: [[1, 0, 1, 0]], names: ["x"],
                                   options: .init(maxIterations: 0))
        #expect(fit.warnings.contains { $0.contains("no competing failures") })
        #expect(fit.warnings.contains { $0.contains("did not converge") })
        #expect(!fit.converged && fit.coefficients == [0])
        // l(0) = -(log 4 + log 3 + log 2).
        expectClose(fit.pseudoLogLikelihoodNull, -log(24.0), abs: 1e-12, "null loglik")
    }

    @Test func badInput() throws {
        #expect(throws: AnalysisError.self) {
            try FineGray.fit(time: [1, 2, 3], status: [2, 0, 2], covariates: [[1, 0, 1]], names: ["x"])
        }
        #expect(throws: AnalysisError.self) {
            try FineGray.fit(time: [1, 2, 3], status: [1, 0, 2], covariates: [[1, 0]], names: ["x"])
        }
        #expect(throws: AnalysisError.self) {
            try FineGray.fit(time: [1, 2, 3], status: [1, 0, 2], covariates: [], names: [])
        }
        // A constant covariate: singular information, a clear error.
        #expect(throws: AnalysisError.self) {
            try FineGray.fit(time: [1, 2, 3, 4], status: [1, 2, 1, 0], covariates: [[1, 1, 1, 1]], names: ["x"])
        }
        // Missing covariate values are dropped and counted.
        let data = try MGUS2CompetingRisks()
        var age = data.age
        age[0] = .nan
        let fit = try FineGray.fit(time: data.time, status: data.status, covariates: [age], names: ["age"])
        #expect(fit.nMissing == 1 && fit.n == 1383)
        #expect(fit.tables().count == 1)
        #expect(fit.json().serialized().contains("\"variance_matrix_sandwich\""))
    }
}
