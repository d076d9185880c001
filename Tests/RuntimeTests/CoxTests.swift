import Testing
import TestSupport
@testable import Runtime

/// Cox fits against R 4.2.2 / survival 3.5-3 `coxph` (Tests/Fixtures/public/*.ref.json).
struct CoxTests {
    static let caseIDs = [
        "lung.cox.sex", "lung.cox.age.breslow", "lung.cox.multi.efron", "lung.cox.multi.breslow",
        "lung.cox.multi.exact", "lung.cox.strata_ph.ecog", "lung.cox.interaction_age_sex",
        "veteran.cox.multi.efron", "veteran.cox.multi.breslow", "veteran.cox.multi.exact",
        "veteran.cox.celltype", "veteran.cox.strata_celltype", "veteran.cox.interaction_trt_karno",
        "mgus2.cox.tied.efron", "mgus2.cox.tied.breslow", "mgus2.cox.tied.exact",
    ]

    static let rel = Tolerance.iterativeRelative
    static let abs = Tolerance.closedForm

    @Test func everyCoxCaseIsCovered() throws {
        var ids: [String] = []
        for name in ["lung", "veteran", "mgus2"] {
            ids += try Fixture("public/\(name).ref.json").cases(ofType: "coxph").map { $0["id"] as! String }
        }
        #expect(Set(ids) == Set(Self.caseIDs + ["veteran.cox.monotone_likelihood"]))
    }

    @Test(arguments: caseIDs)
    func matchesR(_ id: String) throws {
        let (fit, _, c) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: id), id)
        let r = c["results"] as! [String: Any]
        #expect(fit.n == r["n"] as! Int, "\(id) n")
        #expect(fit.nEvents == r["n_events"] as! Int, "\(id) n_events")
        #expect(fit.nDropped == r["n_dropped_na"] as! Int, "\(id) n_dropped")
        #expect(fit.iterations == r["iterations"] as! Int, "\(id) iterations")
        #expect(fit.warnings.isEmpty, "\(id) warnings \(fit.warnings)")
        #expect(fit.converged)

        let coefs = r["coefficients"] as! [[String: Any]]
        #expect(fit.columnNames == coefs.map { $0["term"] as! String }, "\(id) names")
        let hr = fit.hazardRatios, lo = fit.confidenceLower, hi = fit.confidenceUpper
        let z = fit.zStatistics, p = fit.pValues
        for (j, e) in coefs.enumerated() {
            let name = "\(id) \(e["term"]!)"
            expectClose(fit.coefficients[j], rNumber(e["coef"]), abs: Self.abs, rel: Self.rel, "\(name) coef")
            expectClose(fit.standardErrors[j], rNumber(e["se"]), abs: Self.abs, rel: Self.rel, "\(name) se")
            expectClose(hr[j], rNumber(e["hr"]), abs: Self.abs, rel: Self.rel, "\(name) hr")
            expectClose(lo[j], rNumber(e["hr_lower_95"]), abs: Self.abs, rel: Self.rel, "\(name) lower")
            expectClose(hi[j], rNumber(e["hr_upper_95"]), abs: Self.abs, rel: Self.rel, "\(name) upper")
            expectClose(z[j], rNumber(e["z"]), abs: Self.abs, rel: Self.rel, "\(name) z")
            expectClose(p[j], rNumber(e["p"]), abs: Self.abs, rel: Self.rel, "\(name) p")
        }
        let v = r["variance_matrix"] as! [[Any]]
        for j in v.indices {
            for k in v[j].indices {
                expectClose(fit.variance[j][k], rNumber(v[j][k]), abs: Self.abs, rel: Self.rel, "\(id) var[\(j),\(k)]")
            }
        }
        let means = r["means"] as! [String: Any]
        for (j, name) in fit.columnNames.enumerated() {
            expectClose(fit.means[j], rNumber(means[name]), abs: Self.abs, rel: 1e-12, "\(id) mean \(name)")
        }
        expectClose(fit.logLikelihoodNull, rNumber(r["loglik_null"]), abs: Self.abs, rel: 1e-12, "\(id) loglik null")
        expectClose(fit.logLikelihood, rNumber(r["loglik_final"]), abs: Self.abs, rel: Self.rel, "\(id) loglik")
        try Self.compareTests(fit, r, id)
        Self.compareConcordance(fit.concordance, r, id)
    }

    static func compareTests(_ fit: CoxResult, _ r: [String: Any], _ id: String) throws {
        let tests = r["tests"] as! [String: Any]
        for (key, t) in [("likelihood_ratio", fit.likelihoodRatio), ("wald", fit.wald), ("score_logrank", fit.score)] {
            let e = tests[key] as! [String: Any]
            expectClose(t.statistic, rNumber(e["statistic"]), abs: abs, rel: rel, "\(id) \(key)")
            #expect(t.df == Double(e["df"] as! Int), "\(id) \(key) df")
            expectClose(t.p, rNumber(e["p"]), abs: abs, rel: rel, "\(id) \(key) p")
        }
    }

    static func compareConcordance(_ c: ConcordanceResult, _ r: [String: Any], _ id: String) {
        let e = r["concordance"] as! [String: Any]
        expectClose(c.concordance, rNumber(e["concordance"]), abs: abs, rel: rel, "\(id) concordance")
        expectClose(c.standardError, rNumber(e["std_err"]), abs: abs, rel: rel, "\(id) concordance se")
        expectClose(c.concordant, rNumber(e["concordant"]), abs: 0, "\(id) concordant")
        expectClose(c.discordant, rNumber(e["discordant"]), abs: 0, "\(id) discordant")
        expectClose(c.tiedX, rNumber(e["tied_x"]), abs: 0, "\(id) tied_x")
        expectClose(c.tiedY, rNumber(e["tied_y"]), abs: 0, "\(id) tied_y")
        expectClose(c.tiedXY, rNumber(e["tied_xy"]), abs: 0, "\(id) tied_xy")
    }

    /// Every death has cens_flag = 0, the minimum of its risk set: the likelihood increases
    /// without bound as b -> -Inf. R stops where the log-likelihood stops changing and warns.
    @Test func monotoneLikelihood() throws {
        let id = "veteran.cox.monotone_likelihood"
        let (fit, _, c) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: id), id)
        let r = c["results"] as! [String: Any]
        #expect(fit.warnings == (r["warnings"] as! [String]))
        #expect(fit.possiblyInfinite == [true])
        #expect(fit.coefficients[0] < -10)
        #expect(fit.n == r["n"] as! Int)
        #expect(fit.nEvents == r["n_events"] as! Int)
        expectClose(fit.logLikelihoodNull, rNumber(r["loglik_null"]), abs: Self.abs, rel: 1e-12, "loglik null")
        // Close to the supremum, as R's value is.
        expectClose(fit.logLikelihood, rNumber(r["loglik_final"]), abs: 1e-6, "loglik final")
        let tests = r["tests"] as! [String: Any]
        let lrR = rNumber((tests["likelihood_ratio"] as! [String: Any])["statistic"])!
        expectClose(fit.likelihoodRatio.statistic, lrR, abs: 1e-5, "LR")
        let scoreR = rNumber((tests["score_logrank"] as! [String: Any])["statistic"])!
        expectClose(fit.score.statistic, scoreR, abs: Self.abs, rel: Self.rel, "score test")
        // Concordance: only the sign of b matters for the ordering.
        Self.compareConcordance(fit.concordance, r, id)
        // The fixture warns that these digits depend on the iteration path; ours follows
        // survival's coxfit6 step for step, so they agree too.
        let coef = (r["coefficients"] as! [[String: Any]])[0]
        expectClose(fit.coefficients[0], rNumber(coef["coef"]), rel: Self.rel, "path-dependent coef")
        expectClose(fit.standardErrors[0], rNumber(coef["se"]), rel: Self.rel, "path-dependent se")
        #expect(fit.iterations == r["iterations"] as! Int)
        try Self.compareTests(fit, r, id)

        // The table does not present it as an ordinary estimate.
        let table = fit.tables()[0]
        #expect(table.rows[0][1] == .text("-Inf (diverges)"))
        #expect(table.rows[0][3] == .missing)
        #expect(table.notes.contains { $0.contains("monotone likelihood") })
    }

    // MARK: Small cases and bad input

    /// One event per time, one binary covariate, b = 0: the score test is the log-rank
    /// test, and at b = 0 the loglik is -sum log(n at risk).
    @Test func nullLoglikByHand() throws {
        let time: [Double] = [1, 2, 3, 4]
        let event = [true, true, false, true]
        let x: [Double] = [1, 0, 1, 0]
        let fit = try Cox.fit(time: time, event: event, design: CoxDesign(columnNames: ["x"], columns: [x]))
        // Risk sets of sizes 4, 3, 1 at the event times 1, 2, 4.
        expectClose(fit.logLikelihoodNull, -(log(4.0) + log(3.0) + log(1.0)), abs: 1e-12, "L(0)")
        // U(0) = sum (x_i - mean over risk set) = (1 - 2/4) + (0 - 1/3) + (0 - 0) = 1/6;
        // I(0) = 1/4 + 2/9 + 0 = 17/36; score test = (1/6)^2 / (17/36) = 1/17.
        expectClose(fit.score.statistic, 1.0 / 17.0, abs: 1e-12, "score test")
    }

    /// Efron and Breslow coincide without ties; exact too.
    @Test func tieMethodsAgreeWithoutTies() throws {
        let time: [Double] = [5, 8, 2, 9, 4, 7, 1, 6, 3, 10]
        let event = [true, false, true, true, true, false, true, true, false, true]
        let x: [Double] = [0.5, 1.2, -0.3, 2.0, 0.1, -1.0, 0.7, 0.0, 1.5, -0.4]
        let design = CoxDesign(columnNames: ["x"], columns: [x])
        let fits = try CoxTies.allCases.map { try Cox.fit(time: time, event: event, design: design, options: CoxOptions(ties: $0)) }
        for f in fits.dropFirst() {
            expectClose(f.coefficients[0], fits[0].coefficients[0], abs: 1e-10, "coef \(f.ties)")
            expectClose(f.logLikelihood, fits[0].logLikelihood, abs: 1e-10, "loglik \(f.ties)")
        }
    }

    /// Two tied events among three at risk, one covariate: the exact term's denominator is
    /// the sum over pairs; the loglik at b = 0 is -log(choose(3, 2)).
    @Test func exactLikelihoodByHand() throws {
        let fit = try Cox.fit(time: [1, 1, 2], event: [true, true, false],
                              design: CoxDesign(columnNames: ["x"], columns: [[0, 1, 2]]),
                              options: CoxOptions(ties: .exact, maxIterations: 0))
        expectClose(fit.logLikelihoodNull, -log(3.0), abs: 1e-12, "exact L(0)")
        // U(0) = (0 + 1) - mean pair sum (1 + 2 + 3)/3 = -1; I(0) = var of pair sums = 2/3.
        expectClose(fit.score.statistic, 1.0 / (2.0 / 3.0), abs: 1e-12, "exact score test")
    }

    @Test func aliasedColumnIsNA() throws {
        let time: [Double] = [5, 8, 2, 9, 4, 7, 1, 6, 3, 10]
        let event = [true, false, true, true, true, false, true, true, false, true]
        let x: [Double] = [0.5, 1.2, -0.3, 2.0, 0.1, -1.0, 0.7, 0.0, 1.5, -0.4]
        let twice = x.map { 2 * $0 }
        let fit = try Cox.fit(time: time, event: event, design: CoxDesign(columnNames: ["x", "x2"], columns: [x, twice]))
        let single = try Cox.fit(time: time, event: event, design: CoxDesign(columnNames: ["x"], columns: [x]))
        #expect(fit.aliased == [false, true])
        #expect(fit.coefficients[1].isNaN)
        expectClose(fit.coefficients[0], single.coefficients[0], abs: 1e-9, "coef of the kept column")
        #expect(fit.likelihoodRatio.df == 1)
        #expect(fit.warnings.contains { $0.contains("singular") })
        #expect(fit.tables()[0].rows[1][1] == .text("NA (aliased)"))
    }

    @Test func badInputThrows() {
        let design = CoxDesign(columnNames: ["x"], columns: [[1, 2, 3]])
        #expect(throws: AnalysisError.self) {
            try Cox.fit(time: [1, 2, 3], event: [false, false, false], design: design)
        }
        #expect(throws: AnalysisError.self) {
            try Cox.fit(time: [1, 2], event: [true, false], design: design)
        }
        #expect(throws: AnalysisError.self) {
            try Cox.fit(time: [1, 2, 3], event: [true, true, true], design: CoxDesign(columnNames: ["x"], columns: [[1, .nan, 3]]))
        }
        #expect(throws: AnalysisError.self) {
            try Cox.fit(time: [1, 2, 3], event: [true, true, true], design: CoxDesign(columnNames: [], columns: []))
        }
    }

    @Test func reportHasTestsAndJSON() throws {
        let id = "lung.cox.multi.efron"
        let (fit, _, _) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: id), id)
        let t = fit.tables()[0]
        #expect(t.columns == ["term", "coef", "HR", "95% CI lower", "95% CI upper", "SE", "z", "p"])
        #expect(t.rows.count == 5)
        #expect(t.notes[0].contains("15 observations dropped"))
        #expect(t.notes.contains { $0.hasPrefix("Likelihood ratio test = 33.53 on 5 df") })
        let json = fit.json().serialized()
        #expect(json.contains("\"coef\":-0.6314220492639"))
        #expect(json.contains("\"n_dropped\":15"))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct CoxReportFormattingTests {
    @Test func significantDigits() {
        #expect(significantText(2.1102046706001526e-05, digits: 3) == "2.11e-05")
        #expect(significantText(0.9948788647197864, digits: 3) == "0.995")
        #expect(significantText(0.00211, digits: 3) == "0.00211")
        #expect(significantText(-18.139789274859158, digits: 4) == "-18.14")
        #expect(significantText(2826.201151070574, digits: 4) == "2826")
        #expect(significantText(99.96, digits: 3) == "100")
        #expect(significantText(0.5, digits: 3) == "0.5")
        #expect(formatP(1e-300) == "< 2e-16")
    }
}
