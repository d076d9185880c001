import Foundation
import Testing
@testable import Runtime

/// The likelihood pass on factors kept as level codes (`LevelRows`) gives the numbers of the
/// dense pass bit for bit, on random data with ties, strata, case weights, several factors,
/// factors before and after the numeric columns, and more numeric columns than the pass
/// keeps in registers; and the rows fall back to the other forms when they should.
struct CoxLevelRowsTests {

    /// A design: numeric columns and factors (treatment contrasts of `levels` levels, the
    /// first the reference) in the order given, on rows with tied times.
    struct Data {
        var time: [Double] = []
        var event: [Bool] = []
        var strata: [Int] = []
        var weights: [Double] = []
        var columns: [[Double]] = []
        var factors: [Range<Int>] = []
    }

    enum Part { case numeric, factor(levels: Int) }

    static func data(_ n: Int, _ parts: [Part], distinctTimes: Int, seed: UInt64) -> Data {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var d = Data()
        d.time = (0..<n).map { _ in (next() * Double(distinctTimes)).rounded(.down) / 4 }
        d.event = (0..<n).map { _ in next() < 0.7 }
        d.strata = (0..<n).map { _ in next() < 0.4 ? 1 : 0 }
        d.weights = (0..<n).map { _ in 0.5 + next() }
        for part in parts {
            switch part {
            case .numeric:
                d.columns.append((0..<n).map { _ in (next() * 60).rounded() / 3 - 5 })
            case .factor(let levels):
                let level = (0..<n).map { _ in Int(next() * Double(levels)) }
                let first = d.columns.count
                for l in 1..<levels { d.columns.append(level.map { $0 == l ? 1 : 0 }) }
                d.factors.append(first..<d.columns.count)
            }
        }
        return d
    }

    /// Centring and scaling as the fit does: numeric columns by their mean and
    /// n / sum |x - mean|, 0/1 columns as they are.
    static func shiftScale(_ columns: [[Double]], factors: [Range<Int>]) -> (shift: [Double], scale: [Double]) {
        var shift = [Double](repeating: 0, count: columns.count), scale = [Double](repeating: 1, count: columns.count)
        for (j, c) in columns.enumerated() where !factors.contains(where: { $0.contains(j) }) {
            let m = c.reduce(0, +) / Double(c.count)
            shift[j] = m
            scale[j] = Double(c.count) / c.reduce(0) { $0 + abs($1 - m) }
        }
        return (shift, scale)
    }

    static func riskSets(_ d: Data, compress: Bool, strata: Bool, weights: Bool) -> CoxRiskSets {
        let (shift, scale) = shiftScale(d.columns, factors: d.factors)
        let nonzero = d.columns.map { c in c.reduce(0) { $0 + ($1 == 0 ? 0 : 1) } }
        return CoxRiskSets(time: d.time, event: d.event, strata: strata ? d.strata : nil, columns: d.columns,
                           shift: shift, scale: scale, weights: weights ? d.weights : nil, compress: compress,
                           factors: compress ? d.factors : [], nonzero: nonzero)
    }

    static func expectSame(_ a: CoxEvaluation, _ b: CoxEvaluation, _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.logLikelihood.bitPattern == b.logLikelihood.bitPattern, "loglik \(what)", sourceLocation: sourceLocation)
        #expect(a.score.map(\.bitPattern) == b.score.map(\.bitPattern), "score \(what)", sourceLocation: sourceLocation)
        #expect(a.information.map { $0.map(\.bitPattern) } == b.information.map { $0.map(\.bitPattern) },
                "information \(what)", sourceLocation: sourceLocation)
    }

    static let designs: [[Part]] = [
        [.numeric, .numeric, .factor(levels: 6)],
        [.factor(levels: 4), .numeric],
        [.factor(levels: 3), .numeric, .factor(levels: 5), .numeric, .numeric],
        [.factor(levels: 5)],
        [.numeric, .numeric, .numeric, .numeric, .numeric, .factor(levels: 3), .numeric],
    ]

    @Test(arguments: designs.indices)
    func levelPassIsTheDensePass(_ design: Int) {
        let d = Self.data(3000, Self.designs[design], distinctTimes: 150, seed: UInt64(design) + 11)
        let p = d.columns.count
        for ties in [CoxTies.efron, .breslow] {
            for (strata, weights) in [(false, false), (true, false), (false, true), (true, true)] {
                let levels = Self.riskSets(d, compress: true, strata: strata, weights: weights)
                let dense = Self.riskSets(d, compress: false, strata: strata, weights: weights)
                #expect(levels.levels != nil)
                #expect(levels.x.map(\.bitPattern) == dense.x.map(\.bitPattern), "the rows the levels stand for")
                for beta in [[Double](repeating: 0, count: p), (0..<p).map { 0.3 * (Double($0 % 5) - 2) / 3 }] {
                    let a = CoxLikelihood(data: levels, ties: ties).evaluate(beta)
                    let b = CoxLikelihood(data: dense, ties: ties).evaluate(beta)
                    Self.expectSame(a, b, "\(ties) strata \(strata) weights \(weights) beta \(beta[0])")
                }
            }
        }
    }

    /// Many rows: the rows built by two threads, the tied sets from the buckets of the times
    /// (few distinct times) or from the sort (many); the one-pass walk.
    @Test(arguments: [40, 50_000])
    func manyRows(_ distinctTimes: Int) {
        let d = Self.data(70_000, [.numeric, .factor(levels: 8), .numeric], distinctTimes: distinctTimes, seed: 5)
        let levels = Self.riskSets(d, compress: true, strata: true, weights: false)
        let dense = Self.riskSets(d, compress: false, strata: true, weights: false)
        #expect(levels.levels != nil)
        #expect(levels.position == RowOrder.positions(time: d.time, strata: d.strata))
        #expect(levels.groups == dense.groups && levels.time == dense.time && levels.event == dense.event)
        let beta = [0.02, 0.1, -0.2, 0.3, 0, 0.05, -0.1, 0.4, -0.01]
        // The one-pass walk (the grouped pass, which adds in another order, is tested below).
        var one = CoxLikelihood(data: levels, ties: .efron)
        one.grouped = false
        Self.expectSame(one.evaluate(beta), CoxLikelihood(data: dense, ties: .efron).evaluate(beta), "70000 rows")
    }

    /// A row with 1 in two columns of a "factor": not a factor's contrasts, so the rows are
    /// kept as nonzero values instead (with the same numbers).
    @Test func clashFallsBackToSparseRows() {
        var d = Self.data(500, [.numeric, .factor(levels: 4)], distinctTimes: 30, seed: 3)
        d.columns[1][17] = 1; d.columns[2][17] = 1
        let rows = Self.riskSets(d, compress: true, strata: false, weights: false)
        #expect(rows.levels == nil)
        #expect(rows.sparse != nil)
        let dense = Self.riskSets(d, compress: false, strata: false, weights: false)
        let beta = [0.1, -0.3, 0.2, 0.5]
        Self.expectSame(CoxLikelihood(data: rows, ties: .efron).evaluate(beta),
                        CoxLikelihood(data: dense, ties: .efron).evaluate(beta), "clash")
    }

    /// The level rows are chosen when cheaper than the nonzero values: a factor with a few
    /// numeric columns yes; many 0/1 columns outside factors, mostly 0, no.
    @Test func levelsChosenWhenCheaper() {
        let n = 1000
        // age, bmi (nonzero) + a factor of 8 levels (7 columns, 1/8 of the rows each).
        #expect(LevelRows.cheaper(p: 9, factors: [2..<9], nonzero: [n, n] + [Int](repeating: n / 8, count: 7), n: n))
        // 20 flags, 10% ones each, and a 2-level factor.
        #expect(!LevelRows.cheaper(p: 21, factors: [20..<21], nonzero: [Int](repeating: n / 10, count: 21), n: n))
        #expect(!LevelRows.cheaper(p: 2, factors: [], nonzero: [n, n], n: n))
    }

    /// The whole fit: a factor term (kept as level codes) and the same columns given as
    /// plain terms (kept as nonzero values) give the same fit bit for bit.
    @Test func fitWithFactorTermIsUnchanged() throws {
        let d = Self.data(2000, [.numeric, .factor(levels: 5), .numeric], distinctTimes: 80, seed: 21)
        let names = (0..<d.columns.count).map { "x\($0)" }
        let plain = CoxDesign(columnNames: names, columns: d.columns)
        var terms = [CoxTerm(name: "x0", columns: 0..<1), CoxTerm(name: "f", columns: d.factors[0], reference: "a"),
                     CoxTerm(name: "x5", columns: 5..<6)]
        let withFactor = CoxDesign(columnNames: names, columns: d.columns, terms: terms)
        let a = try Cox.fit(time: d.time, event: d.event, design: withFactor)
        let b = try Cox.fit(time: d.time, event: d.event, design: plain)
        #expect(a.coefficients.map(\.bitPattern) == b.coefficients.map(\.bitPattern))
        #expect(a.logLikelihood.bitPattern == b.logLikelihood.bitPattern)
        #expect(a.variance.map { $0.map(\.bitPattern) } == b.variance.map { $0.map(\.bitPattern) })
        #expect(a.concordance == b.concordance)
        // A factor term whose columns are not 0/1 is not kept as levels (and fits the same).
        terms[1] = CoxTerm(name: "f", columns: 1..<3, reference: "a")
        var scaled = d.columns
        scaled[1] = scaled[1].map { $0 * 2 }
        let c = try Cox.fit(time: d.time, event: d.event, design: CoxDesign(columnNames: names, columns: scaled, terms: terms))
        let e = try Cox.fit(time: d.time, event: d.event, design: CoxDesign(columnNames: names, columns: scaled))
        #expect(c.coefficients.map(\.bitPattern) == e.coefficients.map(\.bitPattern))
    }

    // MARK: The pass on two threads, a tied set at a time

    static func expectClose(_ a: CoxEvaluation, _ b: CoxEvaluation, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        // The same sums added in another order: agreement to rounding.
        let relative = 1e-11
        func close(_ x: Double, _ y: Double, scale: Double) -> Bool { abs(x - y) <= relative * max(abs(x), abs(y), scale) }
        #expect(close(a.logLikelihood, b.logLikelihood, scale: 1), "loglik \(what)", sourceLocation: sourceLocation)
        let uScale = a.score.map { abs($0) }.max() ?? 1
        for j in a.score.indices {
            #expect(close(a.score[j], b.score[j], scale: max(uScale, 1)), "score \(j) \(what)", sourceLocation: sourceLocation)
        }
        let iScale = a.information.flatMap { $0.map { abs($0) } }.max() ?? 1
        for j in a.information.indices {
            for k in a.information.indices {
                #expect(close(a.information[j][k], b.information[j][k], scale: iScale), "information \(j),\(k) \(what)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// The grouped pass (`evaluateGrouped`) against the one-pass walk: 40000 rows, few
    /// distinct times, with and without strata and weights, Efron and Breslow, one factor and
    /// zero to four other columns (the other columns in front of or after it).
    @Test(arguments: [[Part.numeric, .numeric, .factor(levels: 6)], [.factor(levels: 4)], [.factor(levels: 3), .numeric],
                      [.numeric, .numeric, .factor(levels: 5), .numeric, .numeric]])
    func groupedPassAgreesWithOnePass(_ parts: [Part]) throws {
        let d = Self.data(40_000, parts, distinctTimes: 300, seed: 77)
        let p = d.columns.count
        for ties in [CoxTies.efron, .breslow] {
            for (strata, weights) in [(false, false), (true, false), (false, true), (true, true)] {
                let rows = Self.riskSets(d, compress: true, strata: strata, weights: weights)
                let levels = try #require(rows.levels)
                for beta in [[Double](repeating: 0, count: p), (0..<p).map { 0.2 * (Double($0 % 4) - 1.5) }] {
                    var one = CoxLikelihood(data: rows, ties: ties)
                    one.grouped = false
                    let grouped = try #require(CoxLikelihood(data: rows, ties: ties).evaluateGrouped(beta, levels: levels))
                    Self.expectClose(grouped, one.evaluate(beta), "\(ties) strata \(strata) weights \(weights)")
                }
            }
        }
    }

    /// The grouped pass is not taken (and the one-pass walk is) for few rows, many tied sets,
    /// two factors, more than four other columns, or exact ties.
    @Test func groupedPassFallsBack() throws {
        func grouped(_ parts: [Part], rows n: Int, distinctTimes: Int, ties: CoxTies = .efron) throws -> Bool {
            let d = Self.data(n, parts, distinctTimes: distinctTimes, seed: 9)
            let rows = Self.riskSets(d, compress: true, strata: false, weights: false)
            let levels = try #require(rows.levels)
            let beta = [Double](repeating: 0.1, count: d.columns.count)
            return CoxLikelihood(data: rows, ties: ties).evaluateGrouped(beta, levels: levels) != nil
        }
        #expect(try grouped([.numeric, .factor(levels: 4)], rows: 40_000, distinctTimes: 300))
        #expect(try !grouped([.numeric, .factor(levels: 4)], rows: 20_000, distinctTimes: 300))
        #expect(try !grouped([.numeric, .factor(levels: 4)], rows: 40_000, distinctTimes: 400_000))
        #expect(try !grouped([.numeric, .factor(levels: 4), .factor(levels: 3)], rows: 40_000, distinctTimes: 300))
        #expect(try !grouped([.numeric, .numeric, .numeric, .numeric, .numeric, .factor(levels: 3)], rows: 40_000,
                             distinctTimes: 300))
        #expect(try !grouped([.numeric, .factor(levels: 4)], rows: 40_000, distinctTimes: 300, ties: .exact))
    }

    /// The Efron scalars with the logarithms of products against one logarithm per term,
    /// also with terms beyond 1e200 and below 1e-200.
    @Test func efronScalarsLogOfProducts() {
        for (d, s0, d0) in [(250, 3.5e5, 2.1e3), (7, 1e250, 3e249), (40, 1e-230, 5e-231), (2, 1.0, 1.0)] {
            let e = EfronScalars(events: d, eventWeight: Double(d) * 1.3, s0: s0, d0: d0)
            var logs = 0.0
            for k in 1...d { logs += log(s0 + Double(k) / Double(d) * d0) }
            #expect(abs(e.logSum - 1.3 * logs) <= 1e-13 * abs(1.3 * logs) + 1e-12, "d \(d) s0 \(s0)")
        }
    }

    /// What one read of a column tells, on the values that could fool it.
    @Test func columnFacts() {
        func facts(_ v: [Double]) -> Cox.ColumnFacts { v.withUnsafeBufferPointer { Cox.ColumnFacts($0) } }
        let binary = facts([0, 1, 1, 0, 0, 1, 0])
        #expect(binary.finite && binary.unit && binary.binary && binary.nonzero == 3)
        let negativeZero = facts([0, 1, -0.0, 1, 0])
        #expect(negativeZero.unit && !negativeZero.binary && negativeZero.nonzero == 2)
        let unit = facts([-1, 0, 1, 1, -1, 0, 0, 0, 1])
        #expect(unit.unit && !unit.binary)
        for odd in [1 + 0x1p-52, 1 - 0x1p-53, 1e-300, 0x1p-1074, 2, 0.5, -2, 1e200, -1e300] {
            let f = facts([0, 1, 0, 1, 0, odd])
            #expect(f.finite && !f.unit && !f.binary, "\(odd)")
        }
        for bad in [Double.nan, .infinity, -.infinity] {
            let f = facts([0, 1, 0, 1, bad, 0, 1])
            #expect(!f.finite && !f.unit && !f.binary, "\(bad)")
        }
        #expect(facts([]).finite && facts([]).nonzero == 0)
    }

    /// The concordance of a fit kept as level rows (its scores written to the level rows'
    /// order) is that of the rows sorted by time, bit for bit, with and without strata.
    @Test(arguments: [false, true])
    func concordanceFromLevelRows(_ withStrata: Bool) throws {
        let d = Self.data(3000, [.numeric, .factor(levels: 5)], distinctTimes: 90, seed: 13)
        let names = (0..<d.columns.count).map { "x\($0)" }
        let design = CoxDesign(columnNames: names, columns: d.columns,
                               terms: [CoxTerm(name: "x0", columns: 0..<1), CoxTerm(name: "f", columns: d.factors[0], reference: "a")])
        let strata = withStrata ? d.strata : nil
        let fit = try Cox.fit(time: d.time, event: d.event, design: design, strata: strata)
        let direct = Concordance.compute(time: d.time, event: d.event, score: fit.linearPredictors, strata: strata, reverse: true)
        #expect(fit.concordance == direct)
    }
}
