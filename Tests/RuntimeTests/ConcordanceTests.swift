import Testing
import TestSupport
@testable import Runtime

/// Harrell's C as coxph reports it (survival 3.5-3 `concordancefit`, timewt "n").
struct ConcordanceTests {

    /// The coxph fixtures' concordance blocks, from the fitted linear predictor.
    @Test(arguments: ["lung.cox.sex", "lung.cox.strata_ph.ecog", "veteran.cox.celltype",
                      "veteran.cox.strata_celltype", "mgus2.cox.tied.efron"])
    func matchesR(_ id: String) throws {
        let (fit, data, c) = try CoxFixtureCase.fit(try CoxFixtureCase.fixture(for: id), id)
        let conc = Concordance.compute(time: data.time, event: data.event, score: fit.linearPredictors,
                                       strata: data.strata, reverse: true)
        CoxTests.compareConcordance(conc, c["results"] as! [String: Any], id)
    }

    /// Hand count: times 1(event, x=3), 2(event, x=1), 3(censored, x=2), 2(event, x=1).
    /// Pairs (event first): (t1, t2a), (t1, t2b), (t1, t3) all with the earlier event at
    /// the higher score -> concordant when reversed; (t2a, t3) and (t2b, t3): x=1 < 2 ->
    /// discordant; t2a/t2b tied in time and x -> tied_xy.
    @Test func handCount() {
        let r = Concordance.compute(time: [1, 2, 3, 2], event: [true, true, false, true], score: [3, 1, 2, 1], reverse: true)
        #expect(r.concordant == 3)
        #expect(r.discordant == 2)
        #expect(r.tiedX == 0)
        #expect(r.tiedY == 0)
        #expect(r.tiedXY == 1)
        expectClose(r.concordance, 3.0 / 5.0, abs: 1e-15, "C")
    }

    /// Censored at the same time as an event counts as surviving longer.
    @Test func censoredTieIsComparable() {
        let r = Concordance.compute(time: [5, 5], event: [true, false], score: [2, 1], reverse: true)
        #expect(r.concordant == 1 && r.discordant == 0)
    }

    /// O(n^2) definition, with the infinitesimal-jackknife variance, on data with ties in
    /// time and in score, and strata.
    /// Few distinct scores (ranks by counting) and continuous scores with some ties (ranks
    /// by the radix sort); 2500 rows for runs merged over several levels.
    @Test(arguments: [(300, 10.0), (700, 0.0), (2500, 0.0), (2500, 3.0)])
    func agreesWithBruteForce(_ n: Int, _ scoreScale: Double) {
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let time = (0..<n).map { _ in (next() * 40).rounded() }
        let event = (0..<n).map { _ in next() < 0.7 }
        let score = (0..<n).map { i in
            scoreScale > 0 ? (next() * scoreScale).rounded() : (i % 9 == 0 ? 0.5 : next() * 4 - 2)
        }
        let strata = (0..<n).map { _ in next() < 0.5 ? 0 : 1 }
        let fast = Concordance.compute(time: time, event: event, score: score, strata: strata, reverse: true)
        // Both ways of counting give the same numbers (the default picks one of them).
        for method in [Concordance.Method.merge, .tree] {
            let other = Concordance.compute(time: time, event: event, score: score, strata: strata, reverse: true,
                                            method: method)
            #expect(other == fast, "\(method)")
        }

        var c = 0.0, d = 0.0, t = 0.0, ty = 0.0, txy = 0.0
        var ic = [Double](repeating: 0, count: n), id = ic, it = ic
        for i in 0..<n where event[i] {
            for j in 0..<n where j != i && strata[j] == strata[i] {
                if time[j] > time[i] || (time[j] == time[i] && !event[j]) {
                    if score[i] > score[j] { c += 1; ic[i] += 1; ic[j] += 1 }
                    else if score[i] < score[j] { d += 1; id[i] += 1; id[j] += 1 }
                    else { t += 1; it[i] += 1; it[j] += 1 }
                } else if time[j] == time[i] && event[j] && j > i {
                    if score[i] == score[j] { txy += 1 } else { ty += 1 }
                }
            }
        }
        #expect(fast.concordant == c && fast.discordant == d && fast.tiedX == t)
        #expect(fast.tiedY == ty && fast.tiedXY == txy)
        let npair = c + d + t
        let somers = (c - d) / npair
        var v = 0.0
        for k in 0..<n {
            let f = (ic[k] - id[k]) / npair - somers * (ic[k] + id[k] + it[k]) / npair
            v += f * f
        }
        expectClose(fast.concordance, (c + t / 2) / npair, abs: 1e-14, "C")
        expectClose(fast.standardError, (v / 4).squareRoot(), abs: 1e-14, "se")
    }

    @Test func noComparablePairs() {
        let r = Concordance.compute(time: [1, 2], event: [false, false], score: [1, 2])
        #expect(r.concordance.isNaN)
        #expect(r.concordant == 0)
    }

    /// Many distinct scores (the counting trees with their paths written out) and many rows
    /// (ranks from hash tables on two threads): the trees count as the merges do.
    @Test(arguments: [false, true])
    func treesAgreeWithMergesOnManyScores(_ withStrata: Bool) {
        let n = 70_000
        var state: UInt64 = 4242
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let time = (0..<n).map { _ in (next() * 500).rounded() }
        let event = (0..<n).map { _ in next() < 0.7 }
        let score = (0..<n).map { _ in (next() * 30_000).rounded() / 7 }
        let strata = withStrata ? (0..<n).map { _ in next() < 0.5 ? 0 : 1 } : nil
        let tree = Concordance.compute(time: time, event: event, score: score, strata: strata, reverse: true, method: .tree)
        let merge = Concordance.compute(time: time, event: event, score: score, strata: strata, reverse: true, method: .merge)
        #expect(tree == merge)
        #expect(Concordance.compute(time: time, event: event, score: score, strata: strata, reverse: true) == merge)
    }
}
