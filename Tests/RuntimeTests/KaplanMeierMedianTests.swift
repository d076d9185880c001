import Testing
import TestSupport
@testable import Runtime

/// The median's interval by SPSS's method (Collett 2015, section 2.4, (2.19)-(2.20)):
/// t50 -+ z SE(S(t50)) / f(t50), f = (S(u) - S(l)) / (l - u), u the last event time with
/// S >= 0.55, l the first event time with S <= 0.45, SE(S(t50)) by Greenwood.
struct KaplanMeierMedianTests {
    static let z95 = Distributions.normalQuantile(0.975)

    /// Ten patients, + = censored: 2, 3, 4+, 5, 7, 8+, 9, 11, 12+, 14.
    ///
    ///   t    n  d   S                          Greenwood sum d/(n(n-d))
    ///   2   10  1   9/10   = 0.9               1/90
    ///   3    9  1   8/10   = 0.8               + 1/72
    ///   5    7  1   0.8*6/7 = 24/35 = 0.6857   + 1/42
    ///   7    6  1   24/35*5/6 = 4/7 = 0.5714   + 1/30
    ///   9    4  1   4/7*3/4 = 3/7 = 0.4286     + 1/12   = 417/2520 (= 0.16548)
    ///  11    3  1   3/7*2/3 = 2/7              + 1/6
    ///  14    1  1   0
    ///
    ///   t50 = 9 (first S <= 0.5); u = 7 (last S >= 0.55: 4/7); l = 9 (first S <= 0.45: 3/7)
    ///   f   = (4/7 - 3/7) / (9 - 7) = 1/14
    ///   SE(S(9)) = 3/7 sqrt(417/2520) = 0.174338
    ///   SE(t50)  = 14 * 3/7 sqrt(417/2520) = 6 sqrt(417/2520) = 2.440726
    ///   95%: 9 -+ 1.959964 * 2.440726 = (4.216265, 13.783735)
    /// (R's interval here, from the log band, is different: it is not tested here.)
    @Test func tenPatientsByHand() throws {
        let fit = try KaplanMeier.fit(time: [2, 3, 4, 5, 7, 8, 9, 11, 12, 14],
                                      event: [true, true, false, true, true, false, true, true, false, true],
                                      options: .init(medianInterval: .spss))
        let m = fit.median(fit.curves[0])
        #expect(m.method == .spss && m.reason == nil)
        #expect(m.estimate == 9 && m.u == 7 && m.l == 9)
        expectClose(m.survivalAtU, 4.0 / 7, "S(u)")
        expectClose(m.survivalAtL, 3.0 / 7, "S(l)")
        expectClose(m.density, 1.0 / 14, "f")
        expectClose(m.survivalStdErr, 3.0 / 7 * (417.0 / 2520).squareRoot(), "SE S(t50)")
        let se = 6 * (417.0 / 2520).squareRoot()
        expectClose(m.standardError, se, "SE(t50)")
        expectClose(m.lower, 9 - Self.z95 * se, "lower")
        expectClose(m.upper, 9 + Self.z95 * se, "upper")
        expectClose(m.lower, 4.216265164674527, abs: 1e-9, "lower, number")
        expectClose(m.upper, 13.783734835325472, abs: 1e-9, "upper, number")
        // R's default is untouched: same estimate, interval from the band.
        let r = fit.curves[0].median
        #expect(r.estimate == 9)
        #expect(fit.curves[0].median(method: .inverted, z: fit.z).lower == r.lower)
    }

    /// Collett's IUD data (discontinuation of an intrauterine device, 18 women, weeks; Collett
    /// 2015, Example 1.1), worked in section 2.4. By hand: S(75) = 0.5594 (u), S(93) = 0.4662
    /// (t50), S(97) = 0.3729 (l); Greenwood sum at 93 = 1/(18*17) + 1/(15*14) + 1/(13*12) +
    /// 1/(12*11) + 1/(8*7) + 1/(7*6) + 1/(6*5) = 0.097016, SE(S(93)) = 0.4662 * 0.31147 =
    /// 0.14520; f = (0.5594 - 0.3729) / 22 = 0.0084758; SE(t50) = 17.131; 95% interval
    /// 93 -+ 1.96 * 17.131 = (59.42, 126.58) weeks.
    @Test func collettIUDExample() throws {
        let weeks: [Double] = [10, 13, 18, 19, 23, 30, 36, 38, 54, 56, 59, 75, 93, 97, 104, 107, 107, 107]
        let stopped: [Bool] = [true, false, false, true, false, true, true, false, false, false,
                               true, true, true, true, false, true, false, false]
        let c = try KaplanMeier.fit(time: weeks, event: stopped).curves[0]
        let m = c.collettMedian(z: Self.z95)
        #expect(m.estimate == 93 && m.u == 75 && m.l == 97)
        expectClose(m.survivalStdErr, 0.14519912024252096, abs: 1e-12, "SE S(93)")
        expectClose(m.standardError, 17.131055867268866, abs: 1e-9, "SE(t50)")
        expectClose(m.lower, 59.42374748300945, abs: 1e-9, "lower")
        expectClose(m.upper, 126.57625251699055, abs: 1e-9, "upper")
    }

    /// lung (survival package), overall and by sex. Expected values from an independent
    /// Python implementation of the same formulas on Tests/Fixtures/public/lung.csv
    /// (event = status 2; z = 1.959963984540054):
    ///   all:   t50 310, u 285 (S 0.553073), l 351 (S 0.446271), SE(S) 0.0352327, SE 21.772508
    ///   sex=1: t50 270, u 223, l 288, SE 27.638737
    ///   sex=2: t50 426, u 351, l 450, SE 46.557399
    @Test func lungMatchesIndependentComputation() throws {
        let fixture = try Fixture("public/lung.ref.json")
        let all = try SurvivalInput(csv: "public/lung.csv", fixture: fixture, timeColumn: "time",
                                    statusColumn: "status", eventIf: { $0 == 2 })
        let fit = try KaplanMeier.fit(time: all.time, event: all.event, options: .init(medianInterval: .spss))
        let m = fit.median(fit.curves[0])
        #expect(m.estimate == 310 && m.u == 285 && m.l == 351)
        expectClose(m.survivalAtU, 0.5530733808109081, abs: 1e-12, "S(u)")
        expectClose(m.survivalAtL, 0.4462707428491099, abs: 1e-12, "S(l)")
        expectClose(m.survivalStdErr, 0.03523274624669917, abs: 1e-12, "SE S(t50)")
        expectClose(m.standardError, 21.772507652047835, abs: 1e-8, "SE")
        expectClose(m.lower, 267.3266691488635, abs: 1e-8, "lower")
        expectClose(m.upper, 352.6733308511365, abs: 1e-8, "upper")
        // The estimate agrees with R's (no flat at 0.5 here).
        #expect(fit.curves[0].median.estimate == 310)

        let bySex = try SurvivalInput(csv: "public/lung.csv", fixture: fixture, timeColumn: "time",
                                      statusColumn: "status", eventIf: { $0 == 2 }, groupColumn: "sex")
        let grouped = try KaplanMeier.fit(time: bySex.time, event: bySex.event, group: bySex.group,
                                          groupLabels: bySex.labels, options: .init(medianInterval: .spss))
        let expected: [(Double, Double, Double, Double, Double)] = [
            (270, 223, 288, 27.638736787904243, 215.82907131752543),
            (426, 351, 450, 46.55739851752288, 334.74917569177666),
        ]
        for (c, e) in zip(grouped.curves, expected) {
            let m = grouped.median(c)
            #expect(m.estimate == e.0 && m.u == e.1 && m.l == e.2, "\(c.label)")
            expectClose(m.standardError, e.3, abs: 1e-8, "\(c.label) SE")
            expectClose(m.lower, e.4, abs: 1e-8, "\(c.label) lower")
        }
    }

    /// The interval follows the confidence level: z = Phi^-1(0.95) at 90%.
    @Test func levelSetsZ() throws {
        let fit = try KaplanMeier.fit(time: [2, 3, 4, 5, 7, 8, 9, 11, 12, 14],
                                      event: [true, true, false, true, true, false, true, true, false, true],
                                      options: .init(confidenceLevel: 0.9, medianInterval: .spss))
        let m = fit.median(fit.curves[0])
        let se = 6 * (417.0 / 2520).squareRoot()
        expectClose(m.upper, 9 + Distributions.normalQuantile(0.95) * se, "upper at 90%")
    }

    // MARK: No interval

    @Test func notReached() throws {
        let c = try KaplanMeier.fit(time: [1, 2, 3, 4], event: [true, false, false, false]).curves[0]
        let m = c.collettMedian(z: Self.z95)
        #expect(m.estimate == nil && m.lower == nil && m.upper == nil)
        #expect(m.reason == "median not reached: S(t) stays above 0.5")
    }

    /// 10 patients, 5 die at t = 1: S(1) = 0.5 is the median, and no event time has S >= 0.55.
    @Test func noEventTimeAbove055() throws {
        let time: [Double] = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6]
        let event = [true, true, true, true, true, true, true, false, true, false]
        let m = try KaplanMeier.fit(time: time, event: event).curves[0].collettMedian(z: Self.z95)
        #expect(m.estimate == 1 && m.u == nil && m.l == 2)
        #expect(m.lower == nil && m.upper == nil && m.standardError == nil)
        #expect(m.reason == "no event time with S(t) >= 0.55: the first event already takes S below 0.55")
    }

    /// Events at 1..5 of 10, the rest censored: S ends at exactly 0.5 (as a product of
    /// fractions). Collett's median is 5 (R's: the midpoint 7.5 of the final flat); no event
    /// time has S <= 0.45.
    @Test func noEventTimeBelow045() throws {
        let time: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let event = [true, true, true, true, true, false, false, false, false, false]
        let c = try KaplanMeier.fit(time: time, event: event).curves[0]
        let m = c.collettMedian(z: Self.z95)
        #expect(m.estimate == 5 && m.u == 4 && m.l == nil)
        #expect(m.lower == nil && m.upper == nil)
        #expect(m.reason == "no event time with S(t) <= 0.45: the curve ends above 0.45")
        #expect(c.median.estimate == 7.5)
    }

    /// 4 patients: one death at 1 (S = 0.75), then the other three at 2 (S = 0): Greenwood's
    /// SE of S is 0 * Inf at the median.
    @Test func survivalZeroAtTheMedian() throws {
        let m = try KaplanMeier.fit(time: [1, 2, 2, 2], event: [true, true, true, true]).curves[0].collettMedian(z: Self.z95)
        #expect(m.estimate == 2 && m.u == 1 && m.l == 2)
        #expect(m.lower == nil && m.upper == nil)
        #expect(m.reason == "S drops to 0 at the median: Greenwood's SE of S is not defined there")
    }

    // MARK: Report

    @Test func reportNamesTheMethod() throws {
        let time: [Double] = [2, 3, 4, 5, 7, 8, 9, 11, 12, 14, 1, 2, 3, 4]
        let event = [true, true, false, true, true, false, true, true, false, true, true, false, false, false]
        let group = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
        var r = try KaplanMeier.fit(time: time, event: event, group: group, groupLabels: ["A", "B"])
        let rTables = r.tables()
        #expect(rTables[0].columns == ["group", "n", "events", "median", "95% lower", "95% upper"])
        #expect(rTables[0].notes.contains("Median: first time S(t) <= 0.5; interval from the pointwise band (R quantile.survfit)."))
        #expect(r.json().serialized().contains("\"median_interval\":\"inverted\""))

        r = try KaplanMeier.fit(time: time, event: event, group: group, groupLabels: ["A", "B"],
                                options: .init(medianInterval: .spss))
        let t = r.tables()[0]
        #expect(t.columns == ["group", "n", "events", "median", "SE", "95% lower", "95% upper"])
        #expect(t.notes.contains { $0.contains("median CI: SPSS (Collett 2.4), median +- 1.96 SE") })
        #expect(!t.notes.contains { $0.contains("quantile.survfit") })
        #expect(t.rows[0][3] == .number(9, digits: 4))
        if case .number(let se, _) = t.rows[0][4] {
            expectClose(se, 6 * (417.0 / 2520).squareRoot(), "SE cell")
        } else {
            Issue.record("SE cell is \(t.rows[0][4])")
        }
        #expect(t.rows[1][3] == .text("not reached") && t.rows[1][4] == .missing)
        let text = TextRenderer.render(t)
        #expect(text.contains("median CI: SPSS"))
        let json = r.json().serialized()
        #expect(json.contains("\"median_interval\":\"spss\""))
        #expect(json.contains("\"method\":\"spss\""))
        #expect(json.contains("\"reason\":\"median not reached: S(t) stays above 0.5\""))
    }

    @Test func reportGivesTheReasonForAMissingInterval() throws {
        let r = try KaplanMeier.fit(time: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                                    event: [true, true, true, true, true, false, false, false, false, false],
                                    options: .init(medianInterval: .spss))
        let notes = r.tables()[0].notes
        #expect(notes.contains("(all): no median interval: no event time with S(t) <= 0.45: the curve ends above 0.45."))
    }

    @Test func followUpUsesTheChosenMethod() throws {
        // Reverse KM of the ten-patient data: "events" are the censorings.
        let time: [Double] = [2, 3, 4, 5, 7, 8, 9, 11, 12, 14]
        let event = [false, false, true, false, false, true, false, false, true, false]
        let spss = try FollowUp.summarize(time: time, event: event, options: .init(medianInterval: .spss))
        let expected = try KaplanMeier.fit(time: time, event: event.map { !$0 }).curves[0].collettMedian(z: Self.z95)
        #expect(spss.reverseMedian == expected.estimate)
        expectClose(spss.reverseLower, expected.lower, "follow-up lower")
        #expect(spss.tables()[0].notes.contains { $0.contains("SPSS (Collett 2.4)") })
        let r = try FollowUp.summarize(time: time, event: event)
        #expect(r.tables()[0].notes.contains { $0.contains("CI from the log band") })
    }
}
