import Testing
import TestSupport
@testable import Runtime

/// Titles name the cohort when the caller sets `cohortName`, and are unchanged otherwise;
/// requested times can carry the label they were written with.
struct ReportHeadingTests {
    static let time: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    static let event = [true, false, true, true, false, true, false, true, true, false]
    static let group = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]

    @Test func kaplanMeier() throws {
        var fit = try KaplanMeier.fit(time: Self.time, event: Self.event, options: .init(times: [3, 6]))
        #expect(fit.tables()[0].title == "Kaplan-Meier")
        fit.cohortName = "omd"
        #expect(fit.tables()[0].title == "Kaplan-Meier in omd")
        fit.endpointName = "pfs"
        #expect(fit.tables()[0].title == "Kaplan-Meier: pfs in omd")
        #expect(fit.json().serialized().contains("\"cohort\":\"omd\""))
        fit.cohortName = nil
        #expect(fit.tables()[0].title == "Kaplan-Meier: pfs")
        #expect(!fit.json().serialized().contains("\"cohort\""))
    }

    @Test func logRank() throws {
        var r = try LogRank.test(time: Self.time, event: Self.event, group: Self.group, groupLabels: ["a", "b"])
        r.endpointName = "pfs"
        #expect(r.tables()[0].title == "Log-rank test: pfs")
        r.cohortName = "omd"
        #expect(r.tables()[0].title == "Log-rank test: pfs in omd")
        let strata = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        var s = try LogRank.test(time: Self.time, event: Self.event, group: Self.group, groupLabels: ["a", "b"],
                                 strata: strata, strataLabels: ["x", "y"])
        s.endpointName = "pfs"; s.cohortName = "omd"
        #expect(s.tables()[0].title == "Log-rank test: pfs in omd (stratified by x, y)")
        var trend = try LogRank.trend(time: Self.time, event: Self.event, group: Self.group, groupLabels: ["a", "b"])
        trend.endpointName = "pfs"
        #expect(trend.tables()[0].title == "Log-rank test for trend: pfs")
        trend.cohortName = "omd"
        #expect(trend.tables()[0].title == "Log-rank test for trend: pfs in omd")
        #expect(trend.json().serialized().contains("\"cohort\":\"omd\""))
    }

    @Test func coxAndScreen() throws {
        let x = Self.group.map(Double.init)
        var fit = try Cox.fit(time: Self.time, event: Self.event, design: CoxDesign(columnNames: ["x"], columns: [x]))
        #expect(fit.tables()[0].title == "Cox proportional hazards model")
        fit.endpointName = "pfs"
        #expect(fit.tables()[0].title == "Cox proportional hazards model", "unchanged until the cohort is named")
        fit.cohortName = "omd"
        #expect(fit.tables()[0].title == "Cox proportional hazards model: pfs in omd")
        #expect(fit.json().serialized().contains("\"cohort\":\"omd\""))
        var screen = CoxScreenResult(endpointName: "pfs", fits: [("x", fit)], ties: .efron)
        #expect(screen.tables()[0].title == "Univariate Cox screen: pfs")
        screen.cohortName = "omd"
        #expect(screen.tables()[0].title == "Univariate Cox screen: pfs in omd")
    }

    @Test func competingRisksAndFollowUp() throws {
        let status = [1, 0, 2, 1, 0, 1, 2, 1, 1, 0]
        var ci = try CumulativeIncidence.estimate(time: Self.time, status: status,
                                                   options: CumulativeIncidenceOptions(times: [3, 6]))
        ci.endpointName = "lf"
        #expect(ci.tables()[0].title == "Cumulative incidence: lf")
        ci.cohortName = "omd"
        #expect(ci.tables()[0].title == "Cumulative incidence: lf in omd")

        var fg = try FineGray.fit(time: Self.time, status: status, covariates: [Self.group.map(Double.init)], names: ["x"])
        #expect(fg.tables()[0].title == "Fine-Gray subdistribution hazards model (cause 1)")
        fg.cohortName = "omd"
        #expect(fg.tables()[0].title == "Fine-Gray subdistribution hazards model (cause 1) in omd")
        fg.endpointName = "lf"
        #expect(fg.tables()[0].title == "Fine-Gray subdistribution hazards model: lf in omd")

        var fu = try FollowUp.summarize(time: Self.time, event: Self.event)
        fu.label = "os"
        #expect(fu.tables()[0].title == "Follow-up: os")
        fu.cohortName = "omd"
        #expect(fu.tables()[0].title == "Follow-up: os in omd")
    }

    // MARK: Times as written

    @Test func kaplanMeierTimeLabels() throws {
        var fit = try KaplanMeier.fit(time: Self.time, event: Self.event, options: .init(times: [3, 6]))
        let plain = fit.tables()[1]
        #expect(plain.rows.map { $0[1] } == [.time(3), .time(6)])
        fit.timeLabels = ["3mo", "0.5y (6 mo)"]
        let labelled = fit.tables()[1]
        #expect(labelled.rows.map { $0[1] } == [.text("3mo"), .text("0.5y (6 mo)")])
        #expect(Array(labelled.rows.map { Array($0.dropFirst(2)) }) == plain.rows.map { Array($0.dropFirst(2)) })
        #expect(TextRenderer.render(labelled).contains("0.5y (6 mo)"))
        #expect(fit.json().serialized().contains("\"time\":6.0,\"label\":\"0.5y (6 mo)\""))
        // A shorter list labels what it covers.
        fit.timeLabels = ["3mo"]
        #expect(fit.tables()[1].rows.map { $0[1] } == [.text("3mo"), .time(6)])
    }

    @Test func cumulativeIncidenceTimeLabels() throws {
        let status = [1, 0, 2, 1, 0, 1, 2, 1, 1, 0]
        var ci = try CumulativeIncidence.estimate(time: Self.time, status: status,
                                                   options: CumulativeIncidenceOptions(times: [3, 6]))
        let before = ci.tables()[0]
        #expect(before.rows[0][2] == .time(3))
        ci.timeLabels = ["3mo", "6mo"]
        let after = ci.tables()[0]
        #expect(after.rows.map { $0[2] } == [.text("3mo"), .text("6mo"), .text("3mo"), .text("6mo")])
        #expect(ci.json().serialized().contains("\"time_labels\":[\"3mo\",\"6mo\"]"))
    }
}
