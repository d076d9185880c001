import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// End-to-end check of the LART study: every case of `Tests/Fixtures/lart/lart_registry.ref.json`
/// (R 4.2, survival 3.5-3, cmprsk 2.2-11) is computed by running lart statements through a
/// `Interpreter` on `lart_registry.csv`, and the typed results are compared with R's numbers:
/// 1e-9 absolute for closed-form results (Kaplan-Meier, log-rank, cumulative incidence,
/// Gray's test, chi-square, Fisher, follow-up, counts), 1e-6 relative for Cox and cox.zph.
///
/// The study is defined once (`Study.prelude`); each case is one statement after it.
enum Study {
    static let fixturePath = "lart/lart_registry.ref.json"

    /// The study definitions: data, derived variables (the fixture's `derived_variables`),
    /// endpoints (the fixture's `endpoints`) and the cohorts of examples/quickstart.lart.
    static let prelude = """
        use "lart_registry.csv" as registry

        # Derived variables: 1/0 in R, true/false here.
        let tki           = first_line == "tki"
        let all_sites_rt  = lesions_treated >= mets_at_dx
        let female        = sex == "F"
        let age_ge60      = age >= 60
        let egfr_mutant   = egfr == "mutant"
        let alk_positive  = alk == "positive"
        let ros1_positive = ros1 == "positive"
        let pdl1_positive = pdl1 == "positive"
        let eqd2_ge_43_9  = eqd2(rt_dose_gy, rt_fractions) >= 43.9
        # Line of therapy at LART with 4 standing for "fourth or later" (Table 1).
        let line_at_lart_4 = first(line_at_lart, 4)

        # Endpoints from the start of LART, in months of 30.4375 days.
        endpoint pfs  = from lart_date to first(progression_date, death_date) censor last_contact_date
        endpoint os   = from lart_date to death_date censor last_contact_date
        endpoint lffs = from lart_date to first(local_failure_date, death_date) censor last_contact_date
        endpoint lf   = from lart_date to local_failure_date compete death_date censor last_contact_date
        endpoint cst  = from lart_date to cst_date compete death_date censor last_contact_date

        cohort eligible = registry
          | require histology == "adenocarcinoma"         "not adenocarcinoma"
          | require stage == "IV"                         "not stage IV"
          | exclude mets_at_dx > 3                        "more than 3 metastases at diagnosis"
          | require lart_dose(rt_dose_gy, rt_fractions)   "RT below the LART dose criteria"
          | exclude disease_state in ["repeat_oligorecurrence", "repeat_oligopersistence"] "repeat oligorecurrence or oligopersistence"

        cohort omd = eligible
          | require disease_state == "synchronous_oligometastasis" "not synchronous oligometastasis"
          | exclude not systemic_at_lart                  "no systemic therapy at LART"
          | exclude brain_mets_uncontrolled               "uncontrolled brain metastases"

        cohort opd = eligible
          | require disease_state == "repeat_oligoprogression"     "not repeat oligoprogression"
          | exclude brain_mets_uncontrolled               "uncontrolled brain metastases"
          | require progressing_sites in [1, 2]           "3 or more progressing sites"
        """

    enum Failure: Error, CustomStringConvertible {
        case run(String, [String])
        case noResult(String, String)
        var description: String {
            switch self {
            case .run(let s, let errors): return "`\(s)` failed:\n" + errors.joined(separator: "\n")
            case .noResult(let s, let type): return "`\(s)` gave no \(type)"
            }
        }
    }

    /// Runs the prelude, then `statement`, in a fresh session; returns the statement's results.
    static func run(_ statement: String) throws -> [any Reportable] {
        let session = Interpreter(baseDirectory: Fixture.path("lart"))
        let definitions = session.run(prelude, file: "study.lart")
        guard definitions.ok else { throw Failure.run("prelude", definitions.errors.map(\.description)) }
        let report = session.run(statement, file: "case.lart")
        guard report.ok else { throw Failure.run(statement, report.errors.map(\.description)) }
        return report.results.map(\.result)
    }

    /// Every result of type `T` the statement produced.
    static func all<T>(_ type: T.Type, _ statement: String) throws -> [T] {
        try run(statement).compactMap { $0 as? T }
    }

    /// The first result of type `T` the statement produced.
    static func first<T>(_ type: T.Type, _ statement: String) throws -> T {
        guard let r = try all(type, statement).first else { throw Failure.noResult(statement, "\(T.self)") }
        return r
    }

    /// R's group label as lart writes it: `group=OMD` -> `omd` (the `cohort` column of
    /// `omd + opd`), `tki=1` -> `tki=true` (a boolean `let`).
    static func label(_ r: String) -> String {
        if r.hasPrefix("group=") { return r.dropFirst("group=".count).lowercased() }
        if r.hasSuffix("=0") { return r.dropLast(2) + ": no" }
        if r.hasSuffix("=1") { return r.dropLast(2) + ": yes" }
        return r
    }

    /// `at 6mo, 12mo, ...` for times in months.
    static func at(_ months: [Double]) -> String {
        "at " + months.map { $0 == $0.rounded() ? "\(Int($0))mo" : "\($0)mo" }.joined(separator: ", ")
    }
}

/// A fixture case and the lart statement that computes it.
struct LartCase: Sendable, CustomTestStringConvertible {
    let id: String
    let statement: String
    /// For a Cox case computed inside an `each(...)` screen: the term's name.
    var term: String? = nil
    var testDescription: String { id }
}

func ints(_ any: Any?) -> [Int?] { rNumbers(any).map { $0.map { Int($0) } } }

extension Study {
    // MARK: Cases

    static let km: [LartCase] = [
        LartCase(id: "lart.km.omd.pfs", statement: "cohort omd | km pfs"),
        LartCase(id: "lart.km.opd.pfs", statement: "cohort opd | km pfs"),
        LartCase(id: "lart.km.omd.os", statement: "cohort omd | km os"),
        LartCase(id: "lart.km.opd.os", statement: "cohort opd | km os"),
        LartCase(id: "lart.km.omd.lffs", statement: "cohort omd | km lffs"),
        LartCase(id: "lart.km.opd.lffs", statement: "cohort opd | km lffs"),
        LartCase(id: "lart.km.omd.pfs.by_tki", statement: "cohort omd | km pfs by tki"),
        LartCase(id: "lart.km.omd_tki.pfs.by_all_sites", statement: "cohort omd where tki | km pfs by all_sites_rt"),
        LartCase(id: "lart.km.analysed.pfs.by_group", statement: "cohort omd + opd | km pfs by cohort"),
        LartCase(id: "lart.km.analysed.os.by_group", statement: "cohort omd + opd | km os by cohort"),
    ]

    static let logrank: [LartCase] = [
        LartCase(id: "lart.logrank.pfs.omd_vs_opd", statement: "cohort omd + opd | logrank pfs by cohort"),
        LartCase(id: "lart.logrank.os.omd_vs_opd", statement: "cohort omd + opd | logrank os by cohort"),
        LartCase(id: "lart.logrank.omd.pfs.tki", statement: "cohort omd | logrank pfs by tki"),
        // The test after a Kaplan-Meier stage takes its endpoint and groups.
        LartCase(id: "lart.logrank.omd_tki.pfs.all_sites", statement: "cohort omd where tki | km pfs by all_sites_rt | logrank"),
        LartCase(id: "lart.petopeto.pfs.omd_vs_opd", statement: "cohort omd + opd | logrank pfs by cohort rho 1"),
        LartCase(id: "lart.petopeto.omd_tki.pfs.all_sites", statement: "cohort omd where tki | logrank pfs by all_sites_rt rho 1"),
    ]

    static let univariateTerms = ["female", "age_ge60", "egfr_mutant", "alk_positive", "ros1_positive", "pdl1_positive",
                                  "mets_at_dx", "tki", "rt_bone", "all_sites_rt", "eqd2_ge_43_9"]

    /// The univariate screen of one endpoint: one statement for all eleven models.
    static func screen(_ endpoint: String) -> [LartCase] {
        let statement = "cohort omd | cox \(endpoint) ~ each(\(univariateTerms.joined(separator: ", ")))"
        return univariateTerms.map { LartCase(id: "lart.cox.omd.\(endpoint).uni.\($0)", statement: statement, term: $0) }
    }

    static let cox: [LartCase] = screen("pfs") + screen("os") + [
        LartCase(id: "lart.cox.omd.pfs.multi_selected.efron", statement: "cohort omd | cox pfs ~ tki ties efron"),
        LartCase(id: "lart.cox.omd.pfs.multi_selected.breslow", statement: "cohort omd | cox pfs ~ tki ties breslow"),
        LartCase(id: "lart.cox.omd.pfs.multi_paper.efron", statement: "cohort omd | cox pfs ~ tki + all_sites_rt"),
        LartCase(id: "lart.cox.omd.pfs.multi_paper.breslow", statement: "cohort omd | cox pfs ~ tki + all_sites_rt ties breslow"),
        LartCase(id: "lart.cox.omd.pfs.uni.tki.breslow", statement: "cohort omd | cox pfs ~ tki ties breslow"),
        LartCase(id: "lart.cox.omd.pfs.uni.all_sites_rt.breslow", statement: "cohort omd | cox pfs ~ all_sites_rt ties breslow"),
        LartCase(id: "lart.cox.omd.os.multi_selected.efron", statement: "cohort omd | cox os ~ egfr_mutant"),
        LartCase(id: "lart.cox.omd.os.multi_selected.breslow", statement: "cohort omd | cox os ~ egfr_mutant ties breslow"),
        LartCase(id: "lart.cox.omd.os.multi_paper.efron", statement: "cohort omd | cox os ~ egfr_mutant + mets_at_dx + tki"),
        LartCase(id: "lart.cox.omd.os.multi_paper.breslow", statement: "cohort omd | cox os ~ egfr_mutant + mets_at_dx + tki ties breslow"),
        LartCase(id: "lart.cox.omd.os.uni.egfr_mutant.breslow", statement: "cohort omd | cox os ~ egfr_mutant ties breslow"),
        LartCase(id: "lart.cox.omd.os.uni.mets_at_dx.breslow", statement: "cohort omd | cox os ~ mets_at_dx ties breslow"),
        LartCase(id: "lart.cox.omd.os.uni.tki.breslow", statement: "cohort omd | cox os ~ tki ties breslow"),
        // OPD vs OMD: the `cohort` column of `omd + opd` is a factor with reference omd.
        LartCase(id: "lart.cox.analysed.pfs.group", statement: "cohort omd + opd | cox pfs ~ cohort"),
        LartCase(id: "lart.cox.analysed.os.group", statement: "cohort omd + opd | cox os ~ cohort"),
    ]

    static let zph: [LartCase] = [
        LartCase(id: "lart.zph.omd.pfs.multi_selected", statement: "cohort omd | cox pfs ~ tki | zph"),
        LartCase(id: "lart.zph.omd.pfs.multi_paper", statement: "cohort omd | cox pfs ~ tki + all_sites_rt | zph"),
        LartCase(id: "lart.zph.omd.os.multi_selected", statement: "cohort omd | cox os ~ egfr_mutant | zph"),
        LartCase(id: "lart.zph.omd.os.multi_paper", statement: "cohort omd | cox os ~ egfr_mutant + mets_at_dx + tki | zph"),
        LartCase(id: "lart.zph.omd.pfs.uni.tki", statement: "cohort omd | cox pfs ~ tki | zph"),
    ]

    /// Cumulative incidence; `at` is added from the fixture's times.
    static let cuminc: [LartCase] = [
        LartCase(id: "lart.cuminc.local_failure.by_group", statement: "cohort omd + opd | cuminc lf by cohort"),
        LartCase(id: "lart.cuminc.cst.opd_maintained", statement: "cohort opd where maintained_regimen == 1 | cuminc cst"),
    ]

    /// Table 1 rows: the variable as written in `table1 omd vs opd: ...`.
    static let tableOne: [LartCase] = [
        LartCase(id: "lart.table1.sex", statement: "sex"),
        LartCase(id: "lart.table1.t_category", statement: "t_category"),
        LartCase(id: "lart.table1.n_category", statement: "n_category"),
        LartCase(id: "lart.table1.egfr", statement: "egfr"),
        LartCase(id: "lart.table1.alk", statement: "alk"),
        LartCase(id: "lart.table1.ros1", statement: "ros1"),
        LartCase(id: "lart.table1.pdl1", statement: "pdl1"),
        LartCase(id: "lart.table1.mets_at_dx", statement: "factor(mets_at_dx)"),
        LartCase(id: "lart.table1.first_line", statement: "first_line"),
        LartCase(id: "lart.table1.regimen_at_lart", statement: "regimen_at_lart"),
        LartCase(id: "lart.table1.line_at_lart", statement: "factor(line_at_lart_4)"),
        LartCase(id: "lart.table1.rt_technique", statement: "rt_technique"),
        LartCase(id: "lart.table1.rt_brain", statement: "rt_brain"),
        LartCase(id: "lart.table1.rt_bone", statement: "rt_bone"),
        LartCase(id: "lart.table1.rt_lung", statement: "rt_lung"),
        LartCase(id: "lart.table1.rt_liver", statement: "rt_liver"),
        LartCase(id: "lart.table1.rt_lymph_node", statement: "rt_lymph_node"),
        LartCase(id: "lart.table1.rt_other", statement: "rt_other"),
    ]

    /// Cases checked by the single tests below (not parameterized).
    static let singles = [
        "lart.cst.delay.opd_maintained", "lart.followup.reverse_km", "lart.followup.observed", "lart.eqd2.analysed",
        "lart.table1.rt_site_counts", "lart.opd.regimen", "lart.omd.all_sites", "lart.toxicity",
    ]
}

@Suite("LART registry end to end (lart statements vs R)")
struct LartRegistryTests {
    let fixture: Fixture

    init() throws { fixture = try Fixture(Study.fixturePath) }

    @Test("every fixture case has a statement")
    func coverage() {
        let covered = Set((Study.km + Study.logrank + Study.cox + Study.zph + Study.cuminc + Study.tableOne).map(\.id) + Study.singles)
        let all = Set(fixture.caseIDs)
        #expect(all.count == 86)
        #expect(all.subtracting(covered).sorted() == [], "fixture cases without a statement")
        #expect(covered.subtracting(all).sorted() == [], "statements for unknown cases")
    }

    // MARK: Flow and cohorts

    @Test("eligibility flow and cohort sizes")
    func flow() throws {
        let steps = fixture.root["flow"] as? [[String: Any]] ?? []
        #expect(steps.count == 16)
        let omd = try Study.first(FlowResult.self, "flow omd").steps
        let opd = try Study.first(FlowResult.self, "flow opd").steps
        // Fixture steps, in order: registry; 4 base exclusions; base_eligible; repeat states;
        // OMD branch, 2 exclusions, cohort; OPD branch, 2 exclusions, cohort; analysed.
        #expect(omd.count == 9)
        #expect(opd.count == 9)
        guard omd.count == 9, opd.count == 9 else { return }
        #expect(omd[0].kind == .source && omd[0].after == steps[0]["n"] as? Int)
        for k in 1...4 {
            #expect(omd[k].excluded == steps[k]["n_excluded"] as? Int, "step \(k): \(omd[k].condition)")
            #expect(omd[k].after == steps[k]["n_remaining"] as? Int, "step \(k): \(omd[k].condition)")
        }
        #expect(omd[4].after == steps[5]["n"] as? Int)  // base eligible
        #expect(omd[5].excluded == steps[6]["n_excluded"] as? Int)
        #expect(omd[6].after == steps[7]["n"] as? Int)  // synchronous oligometastasis branch
        #expect(omd[7].excluded == steps[8]["n_excluded"] as? Int)
        #expect(omd[7].after == steps[8]["n_remaining"] as? Int)
        #expect(omd[8].excluded == steps[9]["n_excluded"] as? Int)
        #expect(omd[8].after == steps[10]["n"] as? Int)  // OMD
        #expect(opd[6].after == steps[11]["n"] as? Int)  // repeat oligoprogression branch
        #expect(opd[7].excluded == steps[12]["n_excluded"] as? Int)
        #expect(opd[7].after == steps[12]["n_remaining"] as? Int)
        #expect(opd[8].excluded == steps[13]["n_excluded"] as? Int)
        #expect(opd[8].after == steps[14]["n"] as? Int)  // OPD
        // The eligible part of the flow is shared.
        for k in 0...5 { #expect(omd[k].after == opd[k].after && omd[k].before == opd[k].before) }

        let analysed = try Study.first(CountResult.self, "count omd + opd")
        #expect(analysed.total == steps[15]["n"] as? Int)
        // The two repeat states excluded, counted on the base-eligible rows.
        let byState = try Study.first(CountResult.self, """
            cohort registry | require histology == "adenocarcinoma" | require stage == "IV" | exclude mets_at_dx > 3
              | require lart_dose(rt_dose_gy, rt_fractions) | count by disease_state
            """)
        let states = object(steps[6]["n_by_state"])
        for (state, n) in states {
            #expect(byState.groups.first { $0.label == "disease_state: \(state)" }?.n == n as? Int, "\(state)")
        }
        // Cohort sizes of the `cohorts` section.
        let cohorts = object(fixture.root["cohorts"])
        let sizes: [(String, String)] = [("OMD", "count omd"), ("OPD", "count opd"), ("analysed", "count omd + opd"),
                                         ("OMD_TKI", "cohort omd where tki"), ("OPD_maintained", "cohort opd where maintained_regimen == 1")]
        for (name, statement) in sizes {
            #expect(try Study.first(CountResult.self, statement).total == object(cohorts[name])["n"] as? Int, "\(name)")
        }
    }

    // MARK: Kaplan-Meier

    @Test("Kaplan-Meier (survfit, summary at times, quantiles, step table)", arguments: Study.km)
    func kaplanMeier(_ c: LartCase) throws {
        let r = try fixture.results(c.id)
        let options = object(try fixture.case(c.id)["options"])
        let groups = r["groups"] as? [[String: Any]] ?? []
        let times = rNumbers(object(groups.first?["at_times"])["time"]).compactMap { $0 }
        for type in options["conf_types"] as? [String] ?? [] {
            let km = try Study.first(KaplanMeierResult.self, "\(c.statement) \(Study.at(times)) ci \(type)")
            #expect(km.curves.count == groups.count, "\(c.id) number of curves")
            #expect(km.curves.map(\.n).reduce(0, +) == r["n_used"] as? Int, "\(c.id) n used")
            for g in groups {
                let label = Study.label(g["group"] as? String ?? "")
                guard let curve = km.curves.first(where: { $0.label == label }) else {
                    Issue.record("\(c.id): no curve \(label) among \(km.curves.map(\.label))"); continue
                }
                let what = "\(c.id) \(label) [\(type)]"
                #expect(curve.n == g["n"] as? Int, "\(what) n")
                #expect(curve.events == g["n_events_total"] as? Int, "\(what) events")

                let a = object(g["at_times"])
                let points = times.map { curve.at($0) }
                #expect(points.map { Optional($0.nRisk) } == ints(a["n_risk"]), "\(what) n.risk at times")
                #expect(points.map { Optional($0.nEventCumulative) } == ints(a["n_event_cumulative"]), "\(what) events at times")
                #expect(points.map { Optional($0.nCensorCumulative) } == ints(a["n_censor_cumulative"]), "\(what) censored at times")
                let since = points.indices.map { Optional(points[$0].nEventCumulative - ($0 > 0 ? points[$0 - 1].nEventCumulative : 0)) }
                #expect(since == ints(a["n_event_since_previous_time"]), "\(what) events since previous time")
                expectClose(points.map { $0.survival }, rNumbers(a["surv"]), "\(what) surv")
                expectClose(points.map { $0.stdErr }, rNumbers(a["std_err"]), "\(what) std.err")
                // The fixture derives std_err_log_surv as std_err / surv, NaN (0 / 0) where S = 0;
                // survfit's own std.err (and ours) is +Inf there.
                let seLog = rNumbers(a["std_err_log_surv"])
                for (k, point) in points.enumerated() where k < seLog.count {
                    if point.survival == 0 {
                        #expect(point.stdErrLog == .infinity && seLog[k]?.isNaN == true, "\(what) std.err log S at S = 0")
                    } else {
                        expectClose(point.stdErrLog, seLog[k], "\(what) std.err log S[\(k)]")
                    }
                }
                expectClose(points.map { $0.cumulativeHazard }, rNumbers(a["cumhaz_nelson_aalen"]), "\(what) cumhaz")
                let ci = object(object(a["ci"])[type])
                expectClose(points.map { $0.lower }, rNumbers(ci["lower"]), "\(what) lower")
                expectClose(points.map { $0.upper }, rNumbers(ci["upper"]), "\(what) upper")

                let q = object(object(g["quantiles"])[type])
                let probs = rNumbers(q["probs"]).compactMap { $0 }
                let ours = curve.quantiles(probs)
                expectClose(ours.map { $0.estimate }, rNumbers(q["quantile"]), "\(what) quantiles")
                expectClose(ours.map { $0.lower }, rNumbers(q["lower"]), "\(what) quantile lower")
                expectClose(ours.map { $0.upper }, rNumbers(q["upper"]), "\(what) quantile upper")

                if type == "log" {
                    let t = object(g["rmean_table"])
                    #expect(curve.n == t["records"] as? Int && curve.events == t["events"] as? Int, "\(what) records/events")
                    let m = curve.median
                    expectClose(m.estimate, rNumber(t["median"]), "\(what) median")
                    expectClose(m.lower, rNumber(t["lcl_0.95"]), "\(what) median lower")
                    expectClose(m.upper, rNumber(t["ucl_0.95"]), "\(what) median upper")
                }
            }
            for s in r["step_table"] as? [[String: Any]] ?? [] {
                let label = Study.label(s["group"] as? String ?? "")
                guard let curve = km.curves.first(where: { $0.label == label }) else {
                    Issue.record("\(c.id): no curve \(label) for the step table"); continue
                }
                let what = "\(c.id) \(label) [\(type)] step table"
                expectClose(curve.time.map { Optional($0) }, rNumbers(s["time"]), "\(what) time")
                #expect(curve.nRisk.map { Optional($0) } == ints(s["n_risk"]), "\(what) n.risk")
                #expect(curve.nEvent.map { Optional($0) } == ints(s["n_event"]), "\(what) n.event")
                #expect(curve.nCensor.map { Optional($0) } == ints(s["n_censor"]), "\(what) n.censor")
                expectClose(curve.survival.map { Optional($0) }, rNumbers(s["surv"]), "\(what) surv")
                expectClose(curve.stdErrLog.map { Optional($0) }, rNumbers(s["std_err_log_surv"]), "\(what) std.err")
                expectClose(curve.cumulativeHazard.map { Optional($0) }, rNumbers(s["cumhaz_nelson_aalen"]), "\(what) cumhaz")
                expectClose(curve.stdErrCumulativeHazard.map { Optional($0) }, rNumbers(s["std_err_cumhaz"]), "\(what) std.chaz")
                expectClose(curve.lower, rNumbers(s["lower_\(type)"]), "\(what) lower")
                expectClose(curve.upper, rNumbers(s["upper_\(type)"]), "\(what) upper")
            }
        }
    }

    // MARK: Log-rank

    @Test("G-rho tests (survdiff)", arguments: Study.logrank)
    func logRank(_ c: LartCase) throws {
        let r = try fixture.results(c.id)
        let lr = try Study.first(LogRankResult.self, c.statement)
        let groups = (r["groups"] as? [String] ?? []).map(Study.label)
        #expect(lr.groups == groups, "\(c.id) groups")
        #expect(lr.n.map { Optional($0) } == ints(r["n"]), "\(c.id) n")
        expectClose(lr.observed.map { Optional($0) }, rNumbers(r["observed"]), "\(c.id) observed")
        expectClose(lr.expected.map { Optional($0) }, rNumbers(r["expected"]), "\(c.id) expected")
        let v = r["var_matrix"] as? [Any] ?? []
        #expect(lr.variance.count == v.count, "\(c.id) variance size")
        for (i, row) in zip(lr.variance, v).enumerated() {
            expectClose(row.0.map { Optional($0) }, rNumbers(row.1), "\(c.id) var[\(i)]")
        }
        expectClose(lr.chiSquare, rNumber(r["chisq"]), "\(c.id) chisq")
        #expect(lr.df == r["df"] as? Int, "\(c.id) df")
        expectClose(lr.p, rNumber(r["p"]), "\(c.id) p")
    }

    // MARK: Cox

    @Test("Cox models (coxph) and univariate screens", arguments: Study.cox)
    func cox(_ c: LartCase) throws {
        let r = try fixture.results(c.id)
        let fit: CoxResult
        if let term = c.term {
            let screen = try Study.first(CoxScreenResult.self, c.statement)
            #expect(screen.fits.map(\.0) == Study.univariateTerms, "\(c.id) screen terms")
            fit = try #require(screen.fits.first { $0.0 == term }?.1, "\(c.id): no model for \(term)")
        } else {
            fit = try Study.first(CoxResult.self, c.statement)
        }
        let tiesName = object(try fixture.case(c.id)["options"])["ties"] as? String
        #expect(fit.ties.rawValue == tiesName, "\(c.id) ties")
        checkCox(fit, r, c.id)
    }

    /// R's term name as lart names the design column (`groupOPD` is `cohortopd`).
    static func columnName(_ rTerm: String) -> String { rTerm == "groupOPD" ? "cohortopd" : rTerm }

    func checkCox(_ fit: CoxResult, _ r: [String: Any], _ id: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let rel = Tolerance.iterativeRelative, abs = 1e-12
        #expect(fit.n == r["n"] as? Int, "\(id) n", sourceLocation: sourceLocation)
        #expect(fit.nEvents == r["n_events"] as? Int, "\(id) events", sourceLocation: sourceLocation)
        #expect(fit.nDropped == r["n_dropped_na"] as? Int, "\(id) dropped", sourceLocation: sourceLocation)
        #expect(fit.iterations == r["iterations"] as? Int, "\(id) iterations", sourceLocation: sourceLocation)
        #expect(fit.converged, "\(id) converged", sourceLocation: sourceLocation)
        let coefficients = r["coefficients"] as? [[String: Any]] ?? []
        #expect(fit.columnNames == coefficients.map { Self.columnName($0["term"] as? String ?? "") }, "\(id) terms",
                sourceLocation: sourceLocation)
        guard fit.coefficients.count == coefficients.count else { return }
        let (hr, lo, hi, z, p) = (fit.hazardRatios, fit.confidenceLower, fit.confidenceUpper, fit.zStatistics, fit.pValues)
        for (j, e) in coefficients.enumerated() {
            let what = "\(id) \(fit.columnNames[j])"
            expectClose(fit.coefficients[j], rNumber(e["coef"]), abs: abs, rel: rel, "\(what) coef", sourceLocation: sourceLocation)
            expectClose(fit.standardErrors[j], rNumber(e["se"]), abs: abs, rel: rel, "\(what) se", sourceLocation: sourceLocation)
            expectClose(hr[j], rNumber(e["hr"]), abs: abs, rel: rel, "\(what) HR", sourceLocation: sourceLocation)
            expectClose(lo[j], rNumber(e["hr_lower_95"]), abs: abs, rel: rel, "\(what) HR lower", sourceLocation: sourceLocation)
            expectClose(hi[j], rNumber(e["hr_upper_95"]), abs: abs, rel: rel, "\(what) HR upper", sourceLocation: sourceLocation)
            expectClose(z[j], rNumber(e["z"]), abs: abs, rel: rel, "\(what) z", sourceLocation: sourceLocation)
            expectClose(p[j], rNumber(e["p"]), abs: abs, rel: rel, "\(what) p", sourceLocation: sourceLocation)
        }
        let variance = r["variance_matrix"] as? [Any] ?? []
        for (i, row) in variance.enumerated() where i < fit.variance.count {
            expectClose(fit.variance[i].map { Optional($0) }, rNumbers(row), abs: abs, rel: rel, "\(id) var[\(i)]",
                        sourceLocation: sourceLocation)
        }
        let means = object(r["means"])
        for (j, name) in fit.columnNames.enumerated() {
            let rName = coefficients[j]["term"] as? String ?? name
            expectClose(fit.means[j], rNumber(means[rName]), abs: abs, rel: 1e-12, "\(id) mean \(name)", sourceLocation: sourceLocation)
        }
        expectClose(fit.logLikelihoodNull, rNumber(r["loglik_null"]), abs: abs, rel: rel, "\(id) loglik null", sourceLocation: sourceLocation)
        expectClose(fit.logLikelihood, rNumber(r["loglik_final"]), abs: abs, rel: rel, "\(id) loglik", sourceLocation: sourceLocation)
        let tests = object(r["tests"])
        for (name, t) in [("likelihood_ratio", fit.likelihoodRatio), ("wald", fit.wald), ("score_logrank", fit.score)] {
            let e = object(tests[name])
            expectClose(t.statistic, rNumber(e["statistic"]), abs: abs, rel: rel, "\(id) \(name)", sourceLocation: sourceLocation)
            expectClose(t.df, rNumber(e["df"]), abs: 0, "\(id) \(name) df", sourceLocation: sourceLocation)
            expectClose(t.p, rNumber(e["p"]), abs: abs, rel: rel, "\(id) \(name) p", sourceLocation: sourceLocation)
        }
        let cc = object(r["concordance"]), ours = fit.concordance
        expectClose(ours.concordance, rNumber(cc["concordance"]), abs: abs, rel: rel, "\(id) concordance", sourceLocation: sourceLocation)
        expectClose(ours.standardError, rNumber(cc["std_err"]), abs: abs, rel: rel, "\(id) concordance se", sourceLocation: sourceLocation)
        for (name, x) in [("concordant", ours.concordant), ("discordant", ours.discordant), ("tied_x", ours.tiedX),
                          ("tied_y", ours.tiedY), ("tied_xy", ours.tiedXY)] {
            expectClose(x, rNumber(cc[name]), abs: 0, "\(id) \(name)", sourceLocation: sourceLocation)
        }
    }

    @Test("proportional-hazards tests (cox.zph, transform km)", arguments: Study.zph)
    func zph(_ c: LartCase) throws {
        let r = try fixture.results(c.id)
        // The Cox model before `| zph` is the case the fixture refers to.
        let coxID = object(try fixture.case(c.id)["model"])["cox_case_id"] as? String ?? ""
        let outputs = try Study.run(c.statement)
        let fit = try #require(outputs.compactMap { $0 as? CoxResult }.first, "\(c.id): no Cox fit")
        checkCox(fit, try fixture.results(coxID), coxID)
        let test = try #require(outputs.compactMap { $0 as? CoxZphResult }.first, "\(c.id): no zph result")
        let rows = r["rows"] as? [[String: Any]] ?? []
        let ours = test.terms + [test.global]
        #expect(ours.map(\.term) == rows.map { $0["term"] as? String ?? "" }, "\(c.id) terms")
        for (row, e) in zip(ours, rows) {
            let what = "\(c.id) \(row.term)"
            expectClose(row.chiSquare, rNumber(e["chisq"]), abs: 1e-12, rel: Tolerance.iterativeRelative, "\(what) chisq")
            #expect(row.df == e["df"] as? Int, "\(what) df")
            expectClose(row.p, rNumber(e["p"]), abs: 1e-12, rel: Tolerance.iterativeRelative, "\(what) p")
        }
    }

    // MARK: Competing risks

    @Test("cumulative incidence (cmprsk::cuminc, timepoints, Gray's test)", arguments: Study.cuminc)
    func cumulativeIncidence(_ c: LartCase) throws {
        let r = try fixture.results(c.id)
        let curves = r["curves"] as? [[String: Any]] ?? []
        let times = rNumbers(curves.first?["time"]).compactMap { $0 }
        let gray = r["gray_test"] as? [[String: Any]]
        let statement = c.statement + " " + Study.at(times) + (gray != nil ? " | gray" : "")
        let outputs = try Study.run(statement)
        let ci = try #require(outputs.compactMap { $0 as? CumulativeIncidenceResult }.first, "\(c.id): no cuminc")
        // cmprsk names curves "<group> <cause>", the group being "1" without one.
        func curve(_ rName: Any?) -> CumulativeIncidenceCurve? {
            let name = rName as? String ?? ""
            guard let space = name.lastIndex(of: " "), let cause = Int(name[name.index(after: space)...]) else { return nil }
            let group = String(name[..<space]).lowercased()
            return ci.curves.first {
                $0.cause == cause && ($0.group.lowercased() == group || (ci.curves.count == curves.count && group == "1" && Set(ci.curves.map(\.group)).count == 1))
            }
        }
        #expect(ci.curves.count == curves.count, "\(c.id) number of curves")
        for (k, e) in curves.enumerated() {
            guard let ours = curve(e["curve"]) else { Issue.record("\(c.id): no curve \(e["curve"] ?? "")"); continue }
            #expect(ci.curves.firstIndex { $0.name == ours.name } == k, "\(c.id) \(ours.name) in cmprsk's order")
            let what = "\(c.id) \(ours.name)"
            let values = rNumbers(e["time"]).map { ours.at($0 ?? .nan) }
            expectClose(values.map { $0.estimate }, rNumbers(e["est"]), "\(what) est at times")
            expectClose(values.map { $0.variance }, rNumbers(e["var"]), "\(what) var at times")
        }
        for e in r["step_functions"] as? [[String: Any]] ?? [] {
            guard let ours = curve(e["curve"]) else { Issue.record("\(c.id): no curve \(e["curve"] ?? "")"); continue }
            let what = "\(c.id) \(ours.name) step function"
            expectClose(ours.time.map { Optional($0) }, rNumbers(e["time"]), "\(what) time")
            expectClose(ours.estimate.map { Optional($0) }, rNumbers(e["est"]), "\(what) est")
            expectClose(ours.variance.map { Optional($0) }, rNumbers(e["var"]), "\(what) var")
        }
        if let gray {
            #expect(outputs.contains { $0.kind == "gray" }, "\(c.id): `| gray` gave no result")
            #expect(ci.gray.count == gray.count, "\(c.id) Gray tests")
            for (ours, e) in zip(ci.gray, gray) {
                #expect("\(ours.cause)" == e["cause"] as? String, "\(c.id) Gray cause")
                expectClose(ours.statistic, rNumber(e["statistic"]), "\(c.id) Gray \(ours.cause) statistic")
                expectClose(ours.df, rNumber(e["df"]), abs: 0, "\(c.id) Gray \(ours.cause) df")
                expectClose(ours.p, rNumber(e["p"]), "\(c.id) Gray \(ours.cause) p")
            }
        }
    }

    @Test("time to change of systemic therapy among those who changed (median, range)")
    func cstDelay() throws {
        let r = try fixture.results("lart.cst.delay.opd_maintained")
        let base = "cohort opd where maintained_regimen == 1 and cst_date is not missing"
        for (key, statement) in [("all", "\(base) | followup cst"),
                                 ("tki_at_lart", "\(base) and regimen_at_lart == \"tki\" | followup cst")] {
            let e = object(r[key])
            let f = try Study.first(FollowUpResult.self, statement)
            #expect(f.n == e["n_changed"] as? Int && f.events == f.n, "\(key) n changed")
            expectClose(f.medianObserved, rNumber(e["median"]), "\(key) median")
            expectClose(f.minimum, rNumber(e["min"]), "\(key) min")
            expectClose(f.maximum, rNumber(e["max"]), "\(key) max")
        }
    }

    // MARK: Follow-up

    @Test("median follow-up by reverse Kaplan-Meier")
    func reverseKM() throws {
        let r = try fixture.results("lart.followup.reverse_km")
        let f = try Study.first(FollowUpResult.self, "cohort omd + opd | followup os")
        expectClose(f.reverseMedian, rNumbers(r["median_followup"]).first ?? nil, "median follow-up")
        expectClose(f.reverseLower, rNumbers(r["lower"]).first ?? nil, "lower")
        expectClose(f.reverseUpper, rNumbers(r["upper"]).first ?? nil, "upper")
        #expect(f.options.transform == .log && f.options.confidenceLevel == 0.95)
    }

    @Test("observed follow-up time (median, range)")
    func observedFollowUp() throws {
        let r = try fixture.results("lart.followup.observed")
        for (key, source) in [("analysed", "omd + opd"), ("OMD", "omd"), ("OPD", "opd")] {
            let e = object(r[key])
            let f = try Study.first(FollowUpResult.self, "cohort \(source) | followup os")
            #expect(f.n == e["n"] as? Int, "\(key) n")
            expectClose(f.medianObserved, rNumber(e["median"]), "\(key) median")
            expectClose(f.minimum, rNumber(e["min"]), "\(key) min")
            expectClose(f.maximum, rNumber(e["max"]), "\(key) max")
        }
    }

    // MARK: Descriptive

    @Test("EQD2 of the LART prescription")
    func eqd2() throws {
        let r = try fixture.results("lart.eqd2.analysed")
        let t = try Study.first(TableOne.self, "table1 omd + opd: median(eqd2(rt_dose_gy, rt_fractions))")
        let row = try #require(t.rows.first { $0.kind == .summary })
        #expect(row.summaryN == [r["n"] as? Int ?? -1])
        expectClose(row.summaries?.first?.first, rNumber(r["median"]), "median EQD2")
        // The range, through the observed times of a numeric endpoint (there is no summary verb).
        let f = try Study.first(FollowUpResult.self, """
            endpoint eqd2_value = time eqd2(rt_dose_gy, rt_fractions) event false
            cohort omd + opd | followup eqd2_value
            """)
        #expect(f.n == r["n"] as? Int)
        expectClose(f.medianObserved, rNumber(r["median"]), "median EQD2")
        expectClose(f.minimum, rNumber(r["min"]), "min EQD2")
        expectClose(f.maximum, rNumber(r["max"]), "max EQD2")
        let all = try Study.first(CountResult.self, "cohort omd + opd | count by eqd2_ge_43_9")
        #expect(all.groups.first { $0.label == "eqd2_ge_43_9: yes" }?.n == r["n_ge_43_9"] as? Int)
        #expect(all.groups.first { $0.label == "eqd2_ge_43_9: no" }?.n == r["n_lt_43_9"] as? Int)
        let omd = try Study.first(CountResult.self, "cohort omd | count by eqd2_ge_43_9")
        #expect(omd.groups.first { $0.label == "eqd2_ge_43_9: yes" }?.n == r["omd_n_ge_43_9"] as? Int)
    }

    @Test("Table 1 rows (chi-square without correction, Fisher)", arguments: Study.tableOne)
    func tableOne(_ c: LartCase) throws {
        let r = try fixture.results(c.id)
        let chisq = object(r["chisq"])
        let t = try Study.first(TableOne.self, "table1 omd vs opd: \(c.statement)")
        #expect(t.groups == ["omd", "opd"] && t.groupSizes == [54, 122], "\(c.id) groups")
        // Counts per level, matched by level name.
        for e in r["counts"] as? [[String: Any]] ?? [] {
            let level = e["level"] as? String ?? ""
            let row = t.rows.first { $0.kind == .level && $0.label == level }
            #expect(row?.counts == [e["OMD"] as? Int ?? -1, e["OPD"] as? Int ?? -1], "\(c.id) counts of \(level)")
        }
        #expect(!t.rows.contains { $0.kind == .missing }, "\(c.id) missing values")
        let test = try #require(t.tests.first { $0.item.isEmpty }, "\(c.id): no test")
        #expect(Set(test.levelsUsed) == Set(chisq["levels_used"] as? [String] ?? []), "\(c.id) levels used")
        expectClose(test.statistic?.statistic, rNumber(chisq["statistic"]), "\(c.id) chisq")
        expectClose(test.statistic?.df, rNumber(chisq["df"]), abs: 0, "\(c.id) df")
        expectClose(test.p, rNumber(chisq["p"]), "\(c.id) p")
        #expect(test.warnings == chisq["warnings"] as? [String], "\(c.id) warnings")

        let f = try Study.first(TableOne.self, "table1 omd vs opd: fisher(\(c.statement))")
        let fisher = try #require(f.tests.first { $0.item.isEmpty }, "\(c.id): no Fisher test")
        #expect(fisher.method == "Fisher's exact test", "\(c.id) method")
        expectClose(fisher.p, rNumber(r["fisher_p"]), abs: Tolerance.closedForm, rel: 1e-10, "\(c.id) Fisher p")
    }

    @Test("RT sites as a multi-select Table 1 row (site-count chi-square and Fisher)")
    func rtSiteCounts() throws {
        let r = try fixture.results("lart.table1.rt_site_counts")
        let sites = r["sites"] as? [String] ?? []
        let variable = "multi(\(sites.joined(separator: ", ")))"
        let t = try Study.first(TableOne.self, "table1 omd vs opd: \(variable)")
        let test = try #require(t.tests.first { $0.item.isEmpty })
        let expected = zip(ints(r["OMD"]), ints(r["OPD"])).map { [$0 ?? -1, $1 ?? -1] }
        #expect(test.levelsUsed == sites)
        #expect(test.counts == expected, "site counts")
        let chisq = object(r["chisq"])
        expectClose(test.statistic?.statistic, rNumber(chisq["statistic"]), "chisq")
        expectClose(test.statistic?.df, rNumber(chisq["df"]), abs: 0, "df")
        expectClose(test.p, rNumber(chisq["p"]), "p")
        #expect(test.warnings == chisq["warnings"] as? [String])
        // Each item's own 2 x 2 test is the Table 1 case of that site.
        for site in sites {
            let item = try #require(t.tests.first { $0.item == site })
            let e = object(try fixture.results("lart.table1.\(site)")["chisq"])
            expectClose(item.p, rNumber(e["p"]), "\(site) item p")
        }
        let f = try Study.first(TableOne.self, "table1 omd vs opd: fisher(\(variable))")
        expectClose(f.tests.first { $0.item.isEmpty }?.p, rNumber(r["fisher_p"]), abs: Tolerance.closedForm, rel: 1e-10, "Fisher p")
    }

    @Test("OPD regimen, line and maintained regimen")
    func opdRegimen() throws {
        let r = try fixture.results("lart.opd.regimen")
        let regimen = try Study.first(CountResult.self, "cohort opd | count by regimen_at_lart")
        for (level, n) in object(r["regimen_at_lart"]) {
            #expect(regimen.groups.first { $0.label == "regimen_at_lart: \(level)" }?.n == n as? Int, "\(level)")
        }
        #expect(regimen.groups.map(\.n).reduce(0, +) == 122)
        let line = try Study.first(CountResult.self, "cohort opd | count by line_at_lart_4")
        for (level, n) in object(r["line_at_lart"]) {
            let label = "line_at_lart_4: " + (level == "4_or_later" ? "4" : level)
            #expect(line.groups.first { $0.label == label }?.n == n as? Int, "line \(level)")
        }
        let maintained = try Study.first(CountResult.self, "cohort opd where maintained_regimen == 1")
        #expect(maintained.total == r["maintained_regimen"] as? Int)
    }

    @Test("OMD all-metastatic-site RT, overall and on TKI")
    func omdAllSites() throws {
        let r = try fixture.results("lart.omd.all_sites")
        let all = try Study.first(CountResult.self, "cohort omd | count by all_sites_rt")
        #expect(all.total == r["n"] as? Int)
        #expect(all.groups.first { $0.label == "all_sites_rt: yes" }?.n == r["all_sites"] as? Int)
        let tki = try Study.first(CountResult.self, "cohort omd where tki | count by all_sites_rt")
        #expect(tki.groups.first { $0.label == "all_sites_rt: yes" }?.n == r["tki_all_sites"] as? Int)
        #expect(tki.groups.first { $0.label == "all_sites_rt: no" }?.n == r["tki_not_all_sites"] as? Int)
    }

    @Test("toxicity grades per cohort; Fisher test of pneumonitis by all-site RT in OMD on TKI")
    func toxicity() throws {
        let r = try fixture.results("lart.toxicity")
        for (cohort, perColumn) in object(r["counts"]) {
            for (column, grades) in object(perColumn) {
                let counts = try Study.first(CountResult.self, "cohort \(cohort.lowercased()) | count by \(column)")
                for (grade, n) in object(grades) {
                    let level = grade.replacingOccurrences(of: "grade_", with: "")
                    let ours = counts.groups.first { $0.label == "\(column): \(level)" }?.n ?? 0
                    #expect(ours == n as? Int, "\(cohort) \(column) \(grade)")
                }
            }
        }
        let e = object(r["fisher_pneumonitis_omd_tki"])
        let t = try Study.first(TableOne.self, """
            table1 omd where tki and all_sites_rt vs omd where tki and not all_sites_rt: fisher(tox_pneumonitis >= 1)
            """)
        let test = try #require(t.tests.first)
        // R's table: rows pneumonitis >= 1 / 0, columns all_sites_rt 1 / 0.
        let table = (e["table"] as? [[Int]]) ?? []
        let byLevel = Dictionary(uniqueKeysWithValues: zip(test.levelsUsed, test.counts ?? []))
        #expect(byLevel["true"] == table.first && byLevel["false"] == table.last, "pneumonitis table")
        expectClose(test.p, rNumber(e["p"]), "Fisher p")
    }

    // MARK: Per-variable tests and grouped follow-up

    @Test("table1: fisher(x) tests x with Fisher and leaves the other variables on chi-square")
    func fisherIsPerVariable() throws {
        let t = try Study.first(TableOne.self, "table1 omd vs opd: sex, fisher(egfr)")
        let egfr = try #require(t.tests.first { $0.variable == "egfr" })
        #expect(egfr.method == "Fisher's exact test")
        expectClose(egfr.p, rNumber(try fixture.results("lart.table1.egfr")["fisher_p"]), "egfr Fisher p")
        let sex = try #require(t.tests.first { $0.variable == "sex" })
        let sexChiSquare = object(try fixture.results("lart.table1.sex")["chisq"])
        #expect(sex.method == "Pearson's Chi-squared test")
        expectClose(sex.p, rNumber(sexChiSquare["p"]), "sex chi-square p")
    }

    @Test("followup by cohort: the pooled summary, then one per cohort")
    func followUpBy() throws {
        let r = try fixture.results("lart.followup.observed")
        let results = try Study.all(FollowUpResult.self, "cohort omd + opd | followup os by cohort")
        #expect(results.count == 3)
        for (f, key) in zip(results, ["analysed", "OMD", "OPD"]) {
            let e = object(r[key])
            #expect(f.n == e["n"] as? Int, "\(key) n")
            expectClose(f.medianObserved, rNumber(e["median"]), "\(key) median")
            expectClose(f.minimum, rNumber(e["min"]), "\(key) min")
            expectClose(f.maximum, rNumber(e["max"]), "\(key) max")
        }
        let reverse = try fixture.results("lart.followup.reverse_km")
        expectClose(results.first?.reverseMedian, rNumbers(reverse["median_followup"]).first ?? nil, "pooled reverse-KM median")
    }
}
