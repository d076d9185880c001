#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fisher's exact test of independence in an r x c table, two-sided, as R's `fisher.test`.
///
/// Inputs: `table[i][j]` non-negative counts, at least 2 x 2, rows of equal length.
///
/// Formula (Agresti 2013, section 3.5; Mehta & Patel 1983 for r x c; R's `fisher.test`
/// documentation): conditional on the margins R_i, C_j (N = sum), a table X has
///   P(X) = prod_i R_i! prod_j C_j! / (N! prod_ij X_ij!).
/// The two-sided p-value sums P over the tables no more probable than the observed one:
/// - 2 x 2: with x = X_11 hypergeometric on its support, p = sum of P(y) over
///   P(y) <= P(x) (1 + 1e-7) (R's relative tolerance);
/// - r x c: tables with log P(Y) <= log P(X) + 3.45254e-7 (the tolerance of FEXACT,
///   Mehta & Patel's network algorithm, which R uses).
/// 2 x 2 also gives the conditional maximum-likelihood odds ratio (the root in psi of
/// E(X_11; psi) = x under the noncentral hypergeometric distribution, P(y; psi) proportional
/// to P(y) psi^y) and its 95% interval (the psi where the one-sided tail probabilities equal
/// 0.025), as R describes.
///
/// Symbols: R_i = `rowTotals`, C_j = `columnTotals`, log k! = `logFactorial[k]`.
///
/// The r x c enumeration is the network algorithm: columns are taken one at a time; a node
/// is the multiset of row totals still to fill; each node knows the longest and shortest
/// remaining path (log-probability) and the closed-form total of all its completions
/// (sum over completions of prod_j C_j!/prod_i X_ij! = N'! / prod_i R'_i!), so whole
/// sub-networks are added or dropped at once. Work grows with the table's size; beyond
/// `maxNodeVisits` the test throws rather than run for hours.
public enum FisherExact {

    public static let maxNodeVisits = 20_000_000

    public static func test(_ table: [[Int]]) throws -> FisherResult {
        let r = table.count
        let c = table.first?.count ?? 0
        guard r >= 2, c >= 2, table.allSatisfy({ $0.count == c }) else {
            throw AnalysisError("Fisher's exact test needs a table with at least 2 rows and 2 columns of equal length")
        }
        guard !table.contains(where: { $0.contains { $0 < 0 } }) else {
            throw AnalysisError("all entries of the table must be non-negative")
        }
        guard table.contains(where: { $0.contains { $0 > 0 } }) else {
            throw AnalysisError("all entries of the table are zero")
        }
        if r == 2 && c == 2 { return twoByTwo(table) }
        let p = try networkPValue(table)
        return FisherResult(table: table, p: p, oddsRatio: nil, confidenceInterval: nil)
    }

    // MARK: 2 x 2

    /// Noncentral hypergeometric of X_11 given the margins: support lo...hi and log P at psi = 1.
    struct Hypergeometric {
        let lo: Int, hi: Int
        let logDensity: [Double]  // log P(y), y = lo...hi

        init(_ t: [[Int]]) {
            let m = t[0][0] + t[1][0]   // first column total
            let n = t[0][1] + t[1][1]   // second column total
            let k = t[0][0] + t[0][1]   // first row total
            lo = max(0, k - n); hi = min(k, m)
            let lf = fisherLogFactorials(m + n)
            let logChoose = { (a: Int, b: Int) in lf[a] - lf[b] - lf[a - b] }
            logDensity = (lo...hi).map { y in logChoose(m, y) + logChoose(n, k - y) - logChoose(m + n, k) }
        }

        /// P(y; psi) for y = lo...hi, normalized after removing the largest log term.
        func density(_ psi: Double) -> [Double] {
            let logPsi = log(psi)
            let d = logDensity.enumerated().map { $1 + logPsi * Double(lo + $0) }
            let top = d.max()!
            let e = d.map { exp($0 - top) }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }

        func mean(_ psi: Double) -> Double {
            if psi == 0 { return Double(lo) }
            if psi.isInfinite { return Double(hi) }
            return density(psi).enumerated().reduce(0) { $0 + $1.element * Double(lo + $1.offset) }
        }

        /// P(X <= x; psi) or P(X >= x; psi).
        func tail(_ x: Int, _ psi: Double, upper: Bool) -> Double {
            if psi == 0 { return upper ? (x <= lo ? 1 : 0) : (x >= lo ? 1 : 0) }
            if psi.isInfinite { return upper ? (x <= hi ? 1 : 0) : (x >= hi ? 1 : 0) }
            return density(psi).enumerated().reduce(0) { acc, e in
                let y = lo + e.offset
                return (upper ? y >= x : y <= x) ? acc + e.element : acc
            }
        }
    }

    static func twoByTwo(_ t: [[Int]]) -> FisherResult {
        let h = Hypergeometric(t)
        let x = t[0][0]
        let d = h.density(1)
        let observed = d[x - h.lo]
        let relErr = 1 + 1e-7
        let p = min(1, d.filter { $0 <= observed * relErr }.reduce(0, +))

        let estimate = conditionalMLE(h, x)
        let ci = (lower: lowerLimit(h, x, alpha: 0.025), upper: upperLimit(h, x, alpha: 0.025))
        return FisherResult(table: t, p: p, oddsRatio: estimate, confidenceInterval: ci)
    }

    // The odds-ratio estimate and limits are roots found as R's `fisher.test` finds them:
    // `uniroot` on (0, 1) for psi < 1, or on (eps, 1) in 1/psi for psi > 1, with uniroot's
    // default tolerance eps^(1/4) (about 1.2e-4). That tolerance shows in R's printed digits
    // (tea tasting: upper limit 621.9337 where the exact root is 626.24), so the same search
    // is done here, to give R's numbers rather than more accurate ones.

    /// Conditional MLE: the psi with E(X_11; psi) = x; 0 and infinity at the ends of the support.
    static func conditionalMLE(_ h: Hypergeometric, _ x: Int) -> Double {
        if x == h.lo { return 0 }
        if x == h.hi { return .infinity }
        let target = Double(x)
        let mu = h.mean(1)
        if mu > target { return BrentZero.root({ h.mean($0) - target }, 0, 1) }
        if mu < target { return 1 / BrentZero.root({ h.mean(1 / $0) - target }, Double.ulpOfOne, 1) }
        return 1
    }

    /// Upper limit: the psi with P(X <= x; psi) = alpha.
    static func upperLimit(_ h: Hypergeometric, _ x: Int, alpha: Double) -> Double {
        if x == h.hi { return .infinity }
        let p = h.tail(x, 1, upper: false)
        if p < alpha { return BrentZero.root({ h.tail(x, $0, upper: false) - alpha }, 0, 1) }
        if p > alpha { return 1 / BrentZero.root({ h.tail(x, 1 / $0, upper: false) - alpha }, Double.ulpOfOne, 1) }
        return 1
    }

    /// Lower limit: the psi with P(X >= x; psi) = alpha.
    static func lowerLimit(_ h: Hypergeometric, _ x: Int, alpha: Double) -> Double {
        if x == h.lo { return 0 }
        let p = h.tail(x, 1, upper: true)
        if p > alpha { return BrentZero.root({ h.tail(x, $0, upper: true) - alpha }, 0, 1) }
        if p < alpha { return 1 / BrentZero.root({ h.tail(x, 1 / $0, upper: true) - alpha }, Double.ulpOfOne, 1) }
        return 1
    }

    // MARK: r x c network algorithm

    struct NodeKey: Hashable { let stage: Int; let rows: [Int] }
    struct Bounds { let longest: Double; let shortest: Double; let logTotal: Double }

    static func networkPValue(_ table: [[Int]]) throws -> Double {
        // Rows are the shorter dimension: a node is a vector of row totals.
        var t = table
        if t.count > t[0].count { t = (0..<t[0].count).map { j in t.map { $0[j] } } }
        let r = t.count, c = t[0].count
        let rowTotals = t.map { $0.reduce(0, +) }
        // Larger columns first: nodes merge sooner.
        let columnTotals = (0..<c).map { j in t.reduce(0) { $0 + $1[j] } }.sorted(by: >)
        let total = rowTotals.reduce(0, +)
        let lf = fisherLogFactorials(total)

        // Observed path length: sum_j (log C_j! - sum_i log X_ij!).
        var observedPath = 0.0
        for j in 0..<c {
            observedPath += lf[t.reduce(0) { $0 + $1[j] }]
            for i in 0..<r { observedPath -= lf[t[i][j]] }
        }
        let threshold = observedPath + 3.45254e-7
        var constant = -lf[total]
        for ri in rowTotals { constant += lf[ri] }

        var bounds: [NodeKey: Bounds] = [:]
        var visits = 0

        // Compositions of n into parts x_i <= cap_i.
        func compositions(_ n: Int, _ cap: [Int], _ body: ([Int]) throws -> Void) throws {
            var x = [Int](repeating: 0, count: cap.count)
            var suffix = [Int](repeating: 0, count: cap.count + 1)
            for i in stride(from: cap.count - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + cap[i] }
            func place(_ i: Int, _ left: Int) throws {
                if i == cap.count - 1 {
                    if left <= cap[i] { x[i] = left; try body(x) }
                    return
                }
                let low = max(0, left - suffix[i + 1])
                let high = min(cap[i], left)
                if low > high { return }
                for v in low...high { x[i] = v; try place(i + 1, left - v) }
            }
            if cap.isEmpty { return }
            try place(0, n)
        }

        func edge(_ column: Int, _ x: [Int]) -> Double {
            var v = lf[columnTotals[column]]
            for xi in x { v -= lf[xi] }
            return v
        }

        func nodeBounds(_ stage: Int, _ rows: [Int]) throws -> Bounds {
            let key = NodeKey(stage: stage, rows: rows)
            if let b = bounds[key] { return b }
            visits += 1
            if visits > maxNodeVisits { throw AnalysisError("the table is too large for Fisher's exact test") }
            let remaining = rows.reduce(0, +)
            var logTotal = lf[remaining]
            for ri in rows { logTotal -= lf[ri] }
            var b: Bounds
            if stage == c - 1 {
                let v = edge(stage, rows)
                b = Bounds(longest: v, shortest: v, logTotal: logTotal)
            } else {
                var longest = -Double.infinity, shortest = Double.infinity
                try compositions(columnTotals[stage], rows) { x in
                    let child = zip(rows, x).map { $0 - $1 }.sorted()
                    let cb = try nodeBounds(stage + 1, child)
                    let e = edge(stage, x)
                    longest = max(longest, e + cb.longest)
                    shortest = min(shortest, e + cb.shortest)
                }
                b = Bounds(longest: longest, shortest: shortest, logTotal: logTotal)
            }
            bounds[key] = b
            return b
        }

        // Stage by stage, each node carrying its distinct past path lengths with multiplicity.
        var p = 0.0
        var current: [[Int]: [Int64: (past: Double, count: Double)]] = [rowTotals.sorted(): [0: (0, 1)]]
        for stage in 0..<c {
            var next: [[Int]: [Int64: (past: Double, count: Double)]] = [:]
            for (rows, pasts) in current {
                let b = try nodeBounds(stage, rows)
                var open: [(past: Double, count: Double)] = []
                for (_, pc) in pasts {
                    if pc.past + b.longest <= threshold {
                        p += pc.count * exp(pc.past + b.logTotal + constant)
                    } else if pc.past + b.shortest <= threshold {
                        open.append(pc)
                    }
                }
                if open.isEmpty || stage == c - 1 { continue }
                try compositions(columnTotals[stage], rows) { x in
                    visits += 1
                    if visits > maxNodeVisits { throw AnalysisError("the table is too large for Fisher's exact test") }
                    let child = zip(rows, x).map { $0 - $1 }.sorted()
                    let e = edge(stage, x)
                    var slot = next[child] ?? [:]
                    for pc in open {
                        let past = pc.past + e
                        let key = Int64((past * 1e9).rounded())
                        if let old = slot[key] { slot[key] = (old.past, old.count + pc.count) }
                        else { slot[key] = (past, pc.count) }
                    }
                    next[child] = slot
                }
            }
            current = next
        }
        return min(1, p)
    }
}

/// log k! for k = 0...n, by cumulative sums of log k.
func fisherLogFactorials(_ n: Int) -> [Double] {
    var lf = [Double](repeating: 0, count: max(n, 1) + 1)
    if n >= 2 { for k in 2...n { lf[k] = lf[k - 1] + log(Double(k)) } }
    return lf
}

/// The result of `FisherExact.test`.
public struct FisherResult: Reportable {
    public var table: [[Int]]
    /// Two-sided p-value.
    public var p: Double
    /// 2 x 2 only: conditional maximum-likelihood odds ratio (0 or infinity at the edges of
    /// the support) and its 95% interval.
    public var oddsRatio: Double?
    public var confidenceInterval: (lower: Double, upper: Double)?

    public var kind: String { "fisher" }

    public func tables() -> [ResultTable] {
        var rows: [[Cell]] = [[.text("p-value"), .pValue(p)]]
        if let oddsRatio {
            rows.append([.text("odds ratio (conditional MLE)"), .number(oddsRatio)])
            if let ci = confidenceInterval {
                rows.append([.text("95% CI lower"), .number(ci.lower)])
                rows.append([.text("95% CI upper"), .number(ci.upper)])
            }
        }
        return [ResultTable(title: "Fisher's Exact Test for Count Data", columns: ["", "value"], rows: rows,
                            notes: ["alternative hypothesis: two-sided"])]
    }

    public func json() -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("kind", .string(kind)), ("table", .array(table.map { .ints($0) })), ("p", .number(p)),
        ]
        if let oddsRatio { fields.append(("odds_ratio", .number(oddsRatio))) }
        if let ci = confidenceInterval {
            fields.append(("conf_int", .nums([ci.lower, ci.upper])))
            fields.append(("conf_level", .number(0.95)))
        }
        return .object(fields)
    }
}
