#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options of the G-rho family of tests.
public struct LogRankOptions: Sendable {
    /// Weight exponent: each event time is weighted by S(t-)^rho. 0 is the log-rank test,
    /// 1 the Peto & Peto modification of the Gehan-Wilcoxon test.
    public var rho = 0.0
    public init(rho: Double = 0) { self.rho = rho }
}

/// The G-rho family of k-sample tests for right-censored data, as R's `survdiff`.
///
/// Inputs and preconditions: `time` (finite), `event` (true = event, false = censored),
/// `group` codes in 0..<k with k = `groupLabels.count`, optional `strata` codes >= 0; all of
/// the same length. Missing values must have been removed by the caller (na.omit).
///
/// Formula (Harrington & Fleming 1982; Klein & Moeschberger 2003 section 7.3-7.5;
/// Therneau & Grambsch 2000 section 2.x; R's `survdiff` documentation):
///   at each distinct event time t within a stratum, with n at risk (time >= t), d events,
///   n_g at risk and d_g events in group g, and weight w = S(t-)^rho where S is the
///   left-continuous Kaplan-Meier of the pooled data of that stratum,
///     O_g  += w d_g
///     E_g  += w d n_g / n
///     V_gh += w^2 d (n - d) / (n - 1) * (n_g / n) (delta_gh - n_h / n)   (only when n > 1)
///   Stratified: O, E and V are summed over strata.
///   chi-square = (O - E)' V^- (O - E) over the groups with E > 0, leaving out the first of
///   them; V^- a generalized inverse; df = its rank.
///
/// Symbols: O = `observed`, E = `expected`, V = `variance`, w = `weight`, S = `survival`,
/// n = `atRisk`, d = `deaths`, n_g = `atRiskByGroup`, d_g = `deathsByGroup`.
///
/// Cost: one sort of the rows by (stratum, time), then one pass per stratum with O(k^2)
/// work per distinct event time.
public enum LogRank {

    public static func test(time: [Double], event: [Bool], group: [Int], groupLabels: [String],
                            strata: [Int]? = nil, strataLabels: [String]? = nil,
                            options: LogRankOptions = .init()) throws -> LogRankResult {
        let sums = try accumulate(time: time, event: event, group: group, k: groupLabels.count,
                                  strata: strata, rho: options.rho)
        let k = groupLabels.count
        let differences = (0..<k).map { sums.observed[$0] - sums.expected[$0] }
        // Groups that contribute: those with expected > 0; the first of them is left out.
        let used = (0..<k).filter { sums.expected[$0] > 0 }
        var chiSquare = 0.0
        var df = 0
        if used.count >= 2 {
            let kept = Array(used.dropFirst())
            let u = kept.map { differences[$0] }
            let v = kept.map { i in kept.map { j in sums.variance[i][j] } }
            (chiSquare, df) = quadraticFormGeneralizedInverse(v, u)
        }
        let p = df > 0 ? Distributions.chiSquareUpperTail(chiSquare, df: Double(df)) : .nan
        var warnings: [String] = []
        if used.count < 2 { warnings.append("fewer than two groups have patients at risk at an event time; no test") }
        let stratified = strata != nil
        let labels = stratified ? (strataLabels ?? (0..<sums.strataCount).map { "stratum\($0 + 1)" }) : []
        return LogRankResult(
            groups: groupLabels, n: sums.n, observed: sums.observed, expected: sums.expected,
            variance: sums.variance, chiSquare: chiSquare, df: df, p: p, rho: options.rho,
            strataLabels: labels,
            observedByStratum: stratified ? sums.observedByStratum : nil,
            expectedByStratum: stratified ? sums.expectedByStratum : nil,
            warnings: warnings)
    }

    /// Test for trend over ordered groups.
    ///
    /// Formula (Collett 2015, section 2.7; the test survminer reports): with scores w
    /// (default 1, 2, ..., k) and O, E, V from the G-rho sums above,
    ///   U = w' (O - E),  Var U = w' V w,  chi-square = U^2 / Var U on 1 df.
    public static func trend(time: [Double], event: [Bool], group: [Int], groupLabels: [String],
                             scores: [Double]? = nil, strata: [Int]? = nil,
                             options: LogRankOptions = .init()) throws -> LogRankTrendResult {
        let k = groupLabels.count
        let w = scores ?? (1...max(k, 1)).map(Double.init)
        guard w.count == k else {
            throw AnalysisError("trend test: \(w.count) scores for \(k) groups")
        }
        guard k >= 2 else { throw AnalysisError("trend test needs at least two groups") }
        let sums = try accumulate(time: time, event: event, group: group, k: k,
                                  strata: strata, rho: options.rho)
        var u = 0.0, varU = 0.0
        for g in 0..<k {
            u += w[g] * (sums.observed[g] - sums.expected[g])
            for h in 0..<k { varU += w[g] * sums.variance[g][h] * w[h] }
        }
        guard varU > 0 else { throw AnalysisError("trend test: the score has zero variance") }
        let chi = u * u / varU
        return LogRankTrendResult(
            groups: groupLabels, scores: w, n: sums.n, observed: sums.observed,
            expected: sums.expected, u: u, varianceU: varU, chiSquare: chi, df: 1,
            p: Distributions.chiSquareUpperTail(chi, df: 1), rho: options.rho)
    }

    // MARK: Accumulation

    struct Sums {
        var n: [Int]
        var observed: [Double]
        var expected: [Double]
        var variance: [[Double]]
        var strataCount: Int
        /// [group][stratum]
        var observedByStratum: [[Double]]
        var expectedByStratum: [[Double]]
    }

    static func accumulate(time: [Double], event: [Bool], group: [Int], k: Int,
                           strata: [Int]?, rho: Double, counting: Bool = true) throws -> Sums {
        let count = time.count
        guard event.count == count, group.count == count else {
            throw AnalysisError("time, event and group have different lengths (\(count), \(event.count), \(group.count))")
        }
        if let strata, strata.count != count {
            throw AnalysisError("strata has \(strata.count) values for \(count) rows")
        }
        guard k >= 1 else { throw AnalysisError("no groups") }
        guard count > 0 else { throw AnalysisError("no rows") }
        for i in 0..<count {
            guard time[i].isFinite else { throw AnalysisError("time of row \(i + 1) is missing or not finite") }
            guard group[i] >= 0 && group[i] < k else {
                throw AnalysisError("group code \(group[i]) of row \(i + 1) is outside 0..<\(k)")
            }
            if let strata, strata[i] < 0 { throw AnalysisError("negative stratum code in row \(i + 1)") }
        }
        guard rho.isFinite else { throw AnalysisError("rho must be finite") }
        let strataCount = (strata?.max() ?? 0) + 1

        var n = [Int](repeating: 0, count: k)
        for g in group { n[g] += 1 }
        var observed = [Double](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var variance = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var observedByStratum = [[Double]](repeating: [Double](repeating: 0, count: strataCount), count: k)
        var expectedByStratum = observedByStratum

        var atRiskByGroup = [Double](repeating: 0, count: k)
        var deathsByGroup = [Double](repeating: 0, count: k)
        var atRisk = 0.0
        var survival = 1.0  // S(t-) of the pooled stratum
        // One distinct time of stratum s: deathsByGroup and deaths hold its events; the
        // risk set is everyone in the stratum not yet gone before it.
        func tally(stratum s: Int, deaths: Double) {
            guard deaths > 0 else { return }
            let weight = rho == 0 ? 1.0 : pow(survival, rho)
            let hyper = atRisk > 1 ? deaths * (atRisk - deaths) / (atRisk - 1) : 0
            for g in 0..<k {
                let share = atRiskByGroup[g] / atRisk
                let o = weight * deathsByGroup[g]
                let e = weight * deaths * share
                observed[g] += o; expected[g] += e
                observedByStratum[g][s] += o; expectedByStratum[g][s] += e
                if hyper > 0 && share > 0 {
                    let factor = weight * weight * hyper * share
                    for h in 0..<k {
                        let otherShare = atRiskByGroup[h] / atRisk
                        variance[g][h] += factor * ((g == h ? 1 : 0) - otherShare)
                    }
                }
            }
            survival *= (atRisk - deaths) / atRisk
        }

        if counting, let b = RowOrder.buckets(time: time, strata: strata) {
            // Few distinct (stratum, time) pairs: count rows and events per (pair, group) in
            // one pass over the rows, then walk each stratum's times in order (no sort).
            let dt = b.times.count
            var rows = [Int](repeating: 0, count: b.count * k)
            var events = [Int](repeating: 0, count: b.count * k)
            b.bucket.withUnsafeBufferPointer { bk in
                for i in 0..<count {
                    let cell = Int(bk[i]) * k + group[i]
                    rows[cell] += 1
                    if event[i] { events[cell] += 1 }
                }
            }
            for (sr, s) in b.strata.enumerated() {
                var total = 0
                for g in 0..<k { atRiskByGroup[g] = 0 }
                for t in 0..<dt {
                    for g in 0..<k { atRiskByGroup[g] += Double(rows[(sr * dt + t) * k + g]); total += rows[(sr * dt + t) * k + g] }
                }
                atRisk = Double(total)
                survival = 1
                for t in 0..<dt {
                    let cell = (sr * dt + t) * k
                    var here = 0, deaths = 0
                    for g in 0..<k {
                        here += rows[cell + g]
                        deaths += events[cell + g]
                        deathsByGroup[g] = Double(events[cell + g])
                    }
                    if here == 0 { continue }
                    tally(stratum: s, deaths: Double(deaths))
                    // Rows at this time leave the risk set.
                    for g in 0..<k { atRiskByGroup[g] -= Double(rows[cell + g]) }
                    atRisk -= Double(here)
                }
            }
            return Sums(n: n, observed: observed, expected: expected, variance: variance,
                        strataCount: strataCount, observedByStratum: observedByStratum,
                        expectedByStratum: expectedByStratum)
        }

        // One sort: by stratum, then time ascending; the rows' values written in that order.
        let position = RowOrder.positions(time: time, strata: strata)
        let sortedTime = RowOrder.scatter(time, to: position, zero: 0)
        let sortedEvent = RowOrder.scatter(event, to: position, zero: false)
        let sortedGroup = RowOrder.scatter(group, to: position, zero: 0)
        let sortedStratum = strata.map { RowOrder.scatter($0, to: position, zero: 0) }

        var start = 0
        while start < count {
            let s = sortedStratum?[start] ?? 0
            var end = start
            if let sortedStratum { while end < count && sortedStratum[end] == s { end += 1 } } else { end = count }
            // Everyone in the stratum is at risk at its first time.
            for g in 0..<k { atRiskByGroup[g] = 0 }
            for idx in start..<end { atRiskByGroup[sortedGroup[idx]] += 1 }
            atRisk = Double(end - start)
            survival = 1
            var i = start
            while i < end {
                let t = sortedTime[i]
                var j = i
                for g in 0..<k { deathsByGroup[g] = 0 }
                var deaths = 0.0
                while j < end && sortedTime[j] == t {
                    if sortedEvent[j] { deathsByGroup[sortedGroup[j]] += 1; deaths += 1 }
                    j += 1
                }
                tally(stratum: s, deaths: deaths)
                // Rows at time t leave the risk set.
                for idx in i..<j { atRiskByGroup[sortedGroup[idx]] -= 1 }
                atRisk -= Double(j - i)
                i = j
            }
            start = end
        }
        return Sums(n: n, observed: observed, expected: expected, variance: variance,
                    strataCount: strataCount, observedByStratum: observedByStratum,
                    expectedByStratum: expectedByStratum)
    }

    /// u' V^- u for a symmetric non-negative definite V, through a Cholesky (LDL') factorization
    /// that sets to zero any pivot below `tolerance` times the largest diagonal element (the
    /// generalized inverse survival's `cholesky2` / `chinv2` give). Returns the form and the
    /// rank of V.
    static func quadraticFormGeneralizedInverse(_ v: [[Double]], _ u: [Double],
                                                tolerance: Double = 1e-9) -> (Double, Int) {
        let m = u.count
        var a = v
        let scale = (0..<m).map { abs(a[$0][$0]) }.max() ?? 0
        let eps = tolerance * scale
        var rank = 0
        var singular = [Bool](repeating: false, count: m)
        // In-place LDL': a[i][i] = D_i, a[j][i] (j > i) = L_ji.
        for i in 0..<m {
            var pivot = a[i][i]
            for l in 0..<i where !singular[l] { pivot -= a[i][l] * a[i][l] * a[l][l] }
            if pivot <= eps || scale == 0 {
                singular[i] = true
                a[i][i] = 0
                for j in (i + 1)..<max(m, i + 1) { a[j][i] = 0 }
                continue
            }
            a[i][i] = pivot
            rank += 1
            for j in (i + 1)..<max(m, i + 1) {
                var x = a[j][i]
                for l in 0..<i where !singular[l] { x -= a[j][l] * a[i][l] * a[l][l] }
                a[j][i] = x / pivot
            }
        }
        // Solve L z = u, then the form is sum z_i^2 / D_i over non-singular i.
        var z = u
        for i in 0..<m {
            if singular[i] { z[i] = 0; continue }
            for l in 0..<i where !singular[l] { z[i] -= a[i][l] * z[l] }
        }
        var form = 0.0
        for i in 0..<m where !singular[i] { form += z[i] * z[i] / a[i][i] }
        return (form, rank)
    }
}
