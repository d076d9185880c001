import Testing
import TestSupport
@testable import Runtime

struct Table2Tests {
    static let pfsUni = Table2Model(name: "Univariate", entries: [
        HazardRatioEntry(term: "age", hr: 1.0212345678, lower: 0.99, upper: 1.05, p: 0.2),
        HazardRatioEntry(term: "sexmale", hr: 0.47, lower: 0.24, upper: 0.9, p: 0.023),
        HazardRatioEntry(term: "ecog", hr: 2.1, lower: 1.4, upper: 3.15, p: 0.0004),
    ])
    static let pfsMulti = Table2Model(name: "Multivariable", entries: [
        HazardRatioEntry(term: "sexmale", hr: 0.52, lower: 0.27, upper: 1.01, p: 0.054),
        HazardRatioEntry(term: "ecog", hr: 1.9, lower: 1.2, upper: 3.0, p: 0.006),
    ], n: 54, events: 30)

    @Test func oneEndpoint() throws {
        let t2 = Table2Result(endpoints: [Table2Endpoint(name: "PFS", univariate: Self.pfsUni, multivariable: [Self.pfsMulti])],
                              termLabels: ["sexmale": "Male sex"])
        let t = t2.tables()[0]
        #expect(t.title == "Table 2: hazard ratios, PFS")
        #expect(t.columns == ["term", "Univariate HR (95% CI)", "p", "Multivariable HR (95% CI)", "p"])
        #expect(t.rows.map { $0[0] } == [.text("age"), .text("Male sex"), .text("ecog")])
        #expect(t.rows[0][3] == .missing && t.rows[0][4] == .missing, "age is not in the multivariable model")
        #expect(t.rows[1][1] == .hrCI(0.47, lower: 0.24, upper: 0.9))
        #expect(t.notes.contains("Multivariable: n = 54, events = 30."))
        let journal = Presentation(pStyle: .journal)
        let shown = t.rows.map { $0.map { Format.text($0, journal) } }
        #expect(shown[0] == ["age", "1.02 (0.99-1.05)", "0.20", "-", "-"])
        #expect(shown[1] == ["Male sex", "0.47 (0.24-0.90)", "0.02", "0.52 (0.27-1.01)", "0.05"])
        #expect(shown[2] == ["ecog", "2.10 (1.40-3.15)", "< 0.001", "1.90 (1.20-3.00)", "0.006"])
        #expect(TextRenderer.render(t).contains("  0.0004  "), "R-style p (3 significant digits) by default")
        // JSON keeps full precision.
        let json = t2.json().serialized()
        #expect(json.contains("\"hr\":1.0212345678"))
        #expect(json.contains("\"kind\":\"table2\"") && json.contains("\"label\":\"Male sex\""))
    }

    @Test func twoEndpointsSideBySide() throws {
        let osUni = Table2Model(name: "Univariate", entries: [
            HazardRatioEntry(term: "sexmale", hr: 0.6, lower: 0.3, upper: 1.2, p: 0.15),
            HazardRatioEntry(term: "egfr", hr: 0.8, lower: 0.5, upper: 1.3, p: 0.37),
        ])
        let osMulti = Table2Model(name: "Multivariable", entries: [
            HazardRatioEntry(term: "egfr", hr: .nan, lower: .nan, upper: .nan, p: .nan, estimable: false),
        ])
        let t2 = Table2Result(endpoints: [
            Table2Endpoint(name: "PFS", univariate: Self.pfsUni, multivariable: [Self.pfsMulti]),
            Table2Endpoint(name: "OS", univariate: osUni, multivariable: [osMulti]),
        ], cohortName: "omd")
        let t = t2.tables()[0]
        #expect(t.title == "Table 2: hazard ratios in omd")
        #expect(t.columns == ["term", "PFS: Univariate HR (95% CI)", "PFS: p", "PFS: Multivariable HR (95% CI)", "PFS: p",
                              "OS: Univariate HR (95% CI)", "OS: p", "OS: Multivariable HR (95% CI)", "OS: p"])
        #expect(t2.terms == ["age", "sexmale", "ecog", "egfr"])
        let egfr = t.rows[3]
        #expect(egfr[1] == .missing && egfr[4] == .missing, "egfr is not in the PFS models")
        #expect(egfr[5] == .hrCI(0.8, lower: 0.5, upper: 1.3) && egfr[6] == .pValue(0.37))
        #expect(egfr[7] == .text("not estimable") && egfr[8] == .missing)
        #expect(t.notes.contains("PFS, Multivariable: n = 54, events = 30."))
        #expect(t.rows.allSatisfy { $0.count == t.columns.count })
        let json = t2.json().serialized()
        #expect(json.contains("\"cohort\":\"omd\"") && json.contains("\"estimable\":false"))
        // CSV: the missing cells are NA, HRs at full precision.
        let csv = CSVRenderer.render(t)
        #expect(csv.contains("egfr,NA,NA,NA,NA,0.8 (0.5-1.3),0.37,not estimable,NA"))
    }

    /// From real fits: the lung multivariable Cox model of the fixtures (R: coxph(Surv(time,
    /// status) ~ age + factor(sex) + ph.ecog + ph.karno + wt.loss)) and a screen of two
    /// one-term fits; the table shows each fit's own numbers.
    @Test func fromCoxFits() throws {
        let (multi, _, c) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: "lung.cox.multi.efron"), "lung.cox.multi.efron")
        let (age, _, _) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: "lung.cox.age.breslow"), "lung.cox.age.breslow")
        let screen = CoxScreenResult(endpointName: "death", fits: [("age", age)], ties: .breslow)
        let t2 = Table2Result(endpoints: [Table2Endpoint(name: "OS", univariate: Table2Model(screen: screen),
                                                         multivariable: [Table2Model(cox: multi)])])
        let t = t2.tables()[0]
        #expect(t2.terms == ["age", "factor(sex)2", "ph.ecog", "ph.karno", "wt.loss"])
        let r = (c["results"] as! [String: Any])["coefficients"] as! [[String: Any]]
        for (k, coef) in r.enumerated() {
            guard case .hrCI(let hr, let lo, let hi, _) = t.rows[k][3] else { Issue.record("row \(k)"); continue }
            expectClose(hr, rNumber(coef["hr"]), rel: Tolerance.iterativeRelative, "hr \(k)")
            expectClose(lo, rNumber(coef["hr_lower_95"]), rel: Tolerance.iterativeRelative, "lower \(k)")
            expectClose(hi, rNumber(coef["hr_upper_95"]), rel: Tolerance.iterativeRelative, "upper \(k)")
        }
        #expect(t.rows[0][1] == .hrCI(age.hazardRatios[0], lower: age.confidenceLower[0], upper: age.confidenceUpper[0]))
        #expect(t.rows[1][1] == .missing, "sex was not screened")
        #expect(t.notes.contains("Multivariable: n = 213, events = 151."))
    }
}
