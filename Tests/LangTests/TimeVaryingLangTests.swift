import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// Landmarks, (start, stop] endpoints, weights and RMST written in lart and compared with R
/// (Tests/Fixtures/timevarying/timevarying.ref.json): the language's part (the landmark's rows
/// and times, the weight expression, the id column as cluster) on top of the estimators.
struct TimeVaryingLangTests {
    static let fixture = "timevarying/timevarying.ref.json"
    static let rel = Tolerance.iterativeRelative
    static let abs = Tolerance.closedForm

    static let prelude = """
        use "../public/lung.csv" as lung
        use "../public/mgus2.csv" as mgus2
        use "heart.csv" as heart
        endpoint death = time time event status == 2 unit days
        endpoint death180 = landmark death at 180
        let etime = ifelse(pstat == 1, ptime, futime)
        endpoint pcm = time etime event pstat == 1 compete pstat == 0 and death == 1 unit months
        endpoint pcm60 = landmark pcm at 60
        endpoint tx = start start stop stop event event == 1 unit days
        """

    static func run(_ statement: String) throws -> [any Reportable] {
        let session = Interpreter(baseDirectory: Fixture.path("timevarying"))
        let defs = session.run(prelude, file: "prelude.lart")
        #expect(defs.ok, "\(defs.errors.map(\.description))")
        let report = session.run(statement, file: "case.lart")
        guard report.ok else { throw TestFailure(report.errors.map(\.description).joined(separator: "\n")) }
        return report.results.map(\.result)
    }

    struct TestFailure: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

    static func results(_ id: String) throws -> [String: Any] { try Fixture(fixture).results(id) }

    @Test func landmarkKaplanMeierAndLogRank() throws {
        let out = try Self.run("cohort lung | km death180 by sex at 90, 180, 365 | logrank")
        let km = try #require(out[0] as? KaplanMeierResult)
        let r = try Self.results("lung.landmark180.km.sex")
        let groups = r["groups"] as! [[String: Any]]
        #expect(km.curves.count == groups.count)
        #expect(km.warnings.contains { $0.contains("landmark at 180 days: 69 of 228 rows") })
        for (c, g) in zip(km.curves, groups) {
            #expect(c.n == g["n"] as! Int)
            let at = g["at_times"] as! [String: Any]
            let times = rNumbers(at["time"]).map { $0! }
            let surv = rNumbers(at["surv"]), se = rNumbers(at["std_err"]), nRisk = at["n_risk"] as! [Int]
            let ci = object(object(at["ci"])["log"])
            let lower = rNumbers(ci["lower"]), upper = rNumbers(ci["upper"])
            for (k, t) in times.enumerated() {
                let p = c.at(t)
                #expect(p.nRisk == nRisk[k], "\(c.label) n_risk at \(t)")
                expectClose(p.survival, surv[k], "\(c.label) S(\(t))")
                expectClose(p.stdErr, se[k], "\(c.label) se(\(t))")
                expectClose(p.lower, lower[k], "\(c.label) lower(\(t))")
                expectClose(p.upper, upper[k], "\(c.label) upper(\(t))")
            }
            let q = object(object(g["quantiles"])["log"])
            let m = c.median
            expectClose(m.estimate, rNumbers(q["quantile"])[1], "\(c.label) median")
            expectClose(m.lower, rNumbers(q["lower"])[1], "\(c.label) median lower")
            expectClose(m.upper, rNumbers(q["upper"])[1], "\(c.label) median upper")
        }
        let lr = try #require(out[1] as? LogRankResult)
        let s = try Self.results("lung.landmark180.survdiff.sex")
        #expect(lr.n == s["n"] as! [Int])
        expectClose(lr.observed.map { Optional($0) }, rNumbers(s["observed"]), "observed")
        expectClose(lr.expected.map { Optional($0) }, rNumbers(s["expected"]), "expected")
        expectClose(lr.chiSquare, rNumber(s["chisq"]), "chisq")
        expectClose(lr.p, rNumber(s["p"]), "p")
    }

    @Test func landmarkCox() throws {
        let out = try Self.run("cohort lung | cox death180 ~ age + sex + `ph.ecog`")
        let fit = try #require(out[0] as? CoxResult)
        let r = try Self.results("lung.landmark180.cox")
        #expect(fit.n == r["n"] as! Int)
        #expect(fit.nDropped == r["n_dropped_na"] as! Int)
        #expect(fit.iterations == r["iterations"] as! Int)
        for (j, e) in (r["coefficients"] as! [[String: Any]]).enumerated() {
            expectClose(fit.coefficients[j], rNumber(e["coef"]), abs: Self.abs, rel: Self.rel, "coef \(j)")
            expectClose(fit.standardErrors[j], rNumber(e["se"]), abs: Self.abs, rel: Self.rel, "se \(j)")
            expectClose(fit.pValues[j], rNumber(e["p"]), abs: Self.abs, rel: Self.rel, "p \(j)")
        }
        expectClose(fit.logLikelihood, rNumber(r["loglik_final"]), abs: Self.abs, rel: Self.rel, "loglik")
    }

    @Test func landmarkCumulativeIncidenceAndGray() throws {
        let out = try Self.run("cohort mgus2 | cuminc pcm60 by sex at 12, 60, 120 | gray")
        let ci = try #require(out[0] as? CumulativeIncidenceResult)
        let r = try Self.results("mgus2.landmark60.cuminc.sex")
        for e in r["curves"] as! [[String: Any]] {
            let name = e["curve"] as! String                     // "F 1": group, cause
            let parts = name.split(separator: " ")
            let curve = try #require(ci.curves.first { $0.group.hasSuffix(String(parts[0])) && $0.cause == Int(parts[1])! },
                                     "curve \(name) in \(ci.curves.map(\.name))")
            let times = rNumbers(e["time"]).map { $0! }
            for (k, t) in times.enumerated() {
                let v = curve.at(t)
                expectClose(v.estimate, rNumbers(e["est"])[k], "\(name) est(\(t))")
                expectClose(v.variance, rNumbers(e["var"])[k], "\(name) var(\(t))")
            }
        }
        let gray = ci.gray
        for e in r["gray_test"] as! [[String: Any]] {
            let cause = Int(e["cause"] as! String)!
            let t = try #require(gray.first { $0.cause == cause })
            expectClose(t.statistic, rNumber(e["statistic"]), "gray \(cause)")
            expectClose(t.p, rNumber(e["p"]), "gray p \(cause)")
        }
    }

    @Test func restrictedMeanBySex() throws {
        let out = try Self.run("cohort lung | rmst death by sex tau 365")
        let rm = try #require(out[0] as? RestrictedMeanResult)
        let r = try Self.results("lung.rmst.sex.365")
        for (g, e) in zip(rm.groups, r["groups"] as! [[String: Any]]) {
            expectClose(g.estimate, rNumber(e["rmean"]), "\(g.label) rmean")
            expectClose(g.standardError, rNumber(e["se_rmean"]), "\(g.label) se")
        }
        let d = object(r["difference"]), q = object(r["ratio"])
        expectClose(rm.difference?.estimate, rNumber(d["estimate"]), "difference")
        expectClose(rm.difference?.p, rNumber(d["p"]), "difference p")
        expectClose(rm.ratio?.estimate, rNumber(q["estimate"]), "ratio")
        expectClose(rm.ratio?.p, rNumber(q["p"]), "ratio p")
    }

    /// The weights expression and R's robust default for non-integer weights.
    @Test func weightedCoxFromAnExpression() throws {
        let out = try Self.run("cohort lung | cox death ~ age + sex weights ifelse(sex == 1, 1.2, 0.8) * (1 + age / 100)")
        let fit = try #require(out[0] as? CoxResult)
        let r = try Self.results("lung.cox.weights.efron")
        #expect(fit.robust && fit.weighted)
        for (j, e) in (r["coefficients"] as! [[String: Any]]).enumerated() {
            expectClose(fit.coefficients[j], rNumber(e["coef"]), abs: Self.abs, rel: Self.rel, "coef \(j)")
            expectClose(fit.standardErrors[j], rNumber(e["robust_se"]), abs: Self.abs, rel: Self.rel, "robust se \(j)")
            expectClose(fit.naiveStandardErrors[j], rNumber(e["se"]), abs: Self.abs, rel: Self.rel, "se \(j)")
        }
        expectClose(fit.wald.statistic, rNumber(object(object(r["tests"])["wald"])["statistic"]), abs: Self.abs, rel: Self.rel, "wald")
    }

    /// (start, stop] rows with `robust`: clustered by the `id` column, as coxph(id = id).
    @Test func countingProcessCoxClusteredById() throws {
        let out = try Self.run("cohort heart | cox tx ~ age + year + surgery + transplant robust")
        let fit = try #require(out[0] as? CoxResult)
        let r = try Self.results("heart.cox.counting.robust")
        #expect(fit.countingProcess && fit.robust && fit.clusters == 103)
        for (j, e) in (r["coefficients"] as! [[String: Any]]).enumerated() {
            expectClose(fit.coefficients[j], rNumber(e["coef"]), abs: Self.abs, rel: Self.rel, "coef \(j)")
            expectClose(fit.standardErrors[j], rNumber(e["robust_se"]), abs: Self.abs, rel: Self.rel, "robust se \(j)")
        }
        expectClose(fit.concordance.standardError, rNumber(object(r["concordance"])["std_err"]), abs: Self.abs, rel: Self.rel, "concordance se")
    }

    @Test func countingProcessKaplanMeier() throws {
        let out = try Self.run("cohort heart | km tx at 10, 100, 365")
        let km = try #require(out[0] as? KaplanMeierResult)
        let g = (try Self.results("heart.km.counting")["groups"] as! [[String: Any]])[0]
        let at = g["at_times"] as! [String: Any]
        let times = rNumbers(at["time"]).map { $0! }, surv = rNumbers(at["surv"]), nRisk = at["n_risk"] as! [Int]
        for t in [10.0, 100, 365] {
            let k = times.firstIndex(of: t)!
            #expect(km.curves[0].at(t).nRisk == nRisk[k])
            expectClose(km.curves[0].at(t).survival, surv[k], "S(\(t))")
        }
    }

    // MARK: Bad input: located messages

    static func errors(_ statement: String) -> [String] {
        let session = Interpreter(baseDirectory: Fixture.path("timevarying"))
        _ = session.run(prelude, file: "prelude.lart")
        let report = session.run(statement, file: "case.lart")
        return report.errors.map(\.description)
    }

    @Test func startNotBeforeStopNamesTheRow() {
        let e = Self.errors("endpoint bad = start stop stop start event event == 1\ncohort heart | km bad")
        #expect(e.count == 1)
        #expect(e.first?.contains("id 1 (row 1) has start 50 >= stop 0") == true, "\(e)")
        #expect(e.first?.contains("case.lart:1:") == true)
    }

    @Test func negativeWeightsAreAnError() {
        let e = Self.errors("cohort lung | cox death ~ age weights age - 50")
        #expect(e.first?.contains("case weights must be > 0") == true, "\(e)")
        #expect(e.first?.contains("case.lart:1:39") == true, "\(e)")
        #expect(e.first?.contains("row 22 has weight -1") == true, "\(e)")
    }

    @Test func whyWithAnUnknownIdIsAnError() {
        let e = Self.errors("why 999 in heart")
        #expect(e.first?.contains("no patient has the id 999") == true, "\(e)")
    }

    @Test func whyFollowsEveryRowOfAPatient() throws {
        let session = Interpreter(baseDirectory: Fixture.path("timevarying"))
        _ = session.run(Self.prelude + "\ncohort transplanted = heart | require transplant == 1 \"no transplant\"", file: "prelude.lart")
        let report = session.run("why 3 in transplanted", file: "case.lart")
        let why = try #require(report.results.first?.result as? WhyResult)
        #expect(why.rowsFound == 2 && why.rowsIn == 1)
        let dropped = why.steps.filter { $0.outcome == .dropped }
        #expect(dropped.count == 1 && dropped[0].inputs.first?.value == "0")
    }

    @Test func landmarkAfterFollowUpIsAWarning() {
        let session = Interpreter(baseDirectory: Fixture.path("timevarying"))
        _ = session.run(Self.prelude + "\nendpoint late = landmark death at 5000", file: "prelude.lart")
        let report = session.run("cohort lung | km late", file: "case.lart")
        #expect(report.ok)
        #expect(report.results.isEmpty)
        #expect(report.items.contains { if case .warning(let w) = $0 { return w.description.contains("nobody is at risk at the landmark") }; return false })
    }

    @Test func countingEndpointRefusedByLogRank() {
        let e = Self.errors("cohort heart | logrank tx by surgery")
        #expect(e.first?.contains("does not take the (start, stop] endpoint `tx`") == true, "\(e)")
    }
}
