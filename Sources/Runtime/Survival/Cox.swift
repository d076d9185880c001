#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Cox proportional hazards fit (R's `coxph` with right-censored data).
///
/// Inputs: `time` (finite), `event` (true = event, false = censored), a design of p >= 1
/// columns with no missing values (use `DesignMatrix.completeRows` first), optional
/// `strata` codes (risk sets are formed within each stratum). Throws `AnalysisError` on
/// mismatched lengths, missing values, no events or an empty design.
///
/// Model: hazard h_i(t) = h_0s(t) exp(x_i' b) in stratum s. Log partial likelihood, for the
/// distinct event times t in each stratum, with D(t) the set of d events at t, R(t) the
/// risk set {i: time_i >= t} and r_i = exp(x_i' b):
///   - Breslow: sum_t [ sum_{D} x_i'b - d log sum_{R} r_i ]
///   - Efron:   sum_t [ sum_{D} x_i'b - sum_{k=0}^{d-1} log( sum_{R} r_i - (k/d) sum_{D} r_i ) ]
///   - exact (discrete time, Kalbfleisch & Prentice 2002 sec. 4.2.3; R's "exact"):
///              sum_t [ sum_{D} x_i'b - log sum_{S in R, |S| = d} prod_{i in S} r_i ]
/// Score U and information I are its first and minus second derivatives (Therneau &
/// Grambsch 2000, sec. 3.3): for Breslow/Efron each log term contributes the weighted mean
/// a/s of x and the weighted variance C/s - (a/s)(a/s)' over its (Efron-reduced) risk set,
/// where s = sum r, a = sum r x, C = sum r x x'. Those sums are accumulated once per
/// iteration while walking time backwards, so an iteration costs O(n p^2) (on many rows with
/// few distinct times first per tied set on two threads, then added up over the sets:
/// `CoxLikelihood.evaluateGrouped`; the same terms in another order). For the exact
/// likelihood the elementary symmetric sums over subsets of size d and their first and
/// second derivatives follow the recursion (Gail, Lubin & Rubinstein 1981)
///   E_k(m) = E_k(m-1) + r_m E_{k-1}(m-1),
/// O(|R| d p^2) per tied set (a single event reduces to the Breslow term), run on
/// elementary symmetric means so that large tied sets do not overflow.
///
/// Fitting follows survival's coxph.fit / coxexact.fit: columns are centred by `means`
/// (not those within {-1,0,1}) and scaled by n / sum |x - mean| for the iterations;
/// Newton-Raphson from b = 0; convergence when |1 - L_best / L_new| <= eps; a step that
/// lowers L is halved back towards the last good b (Efron/Breslow: the k-th consecutive
/// halving moves to (new + k old)/(k + 1); exact: to the midpoint); at most `maxIterations`.
/// Singular information: an LDL' factorization with tolerance marks redundant columns
/// (`SymmetricFactorization`); their coefficients are NA.
///
/// Tests (df = number of non-aliased coefficients): likelihood ratio 2 (L(b) - L(0)); Wald
/// b' V^-1 b with V = I(b)^-1; score U(0)' I(0)^-1 U(0) (the log-rank test without ties).
///
/// Counting-process rows (`start`, R's `Surv(start, stop, event)`, Andersen & Gill 1982;
/// Therneau & Grambsch 2000, section 3.7): row i is in the risk set R(t) when
/// start_i < t <= time_i. The backward pass adds a row at its stop time, as before, and
/// removes it when the walk passes its start (rows sorted once by start; removal at each event
/// time of the rows with start >= t, as survival's agfit4 does; the sums are reset to 0 when
/// the risk set empties, against round-off). Still O(n log n + n p^2) per iteration.
///
/// Case weights w_i (`weights`, R's `coxph(weights = w)`; Therneau & Grambsch 2000, section
/// 7.1): every risk-set sum uses w_i r_i; an event contributes w_i x_i' b to the
/// log-likelihood and w_i x_i to U; the log term of a tied set is weighted by the sum of the
/// event weights (Breslow) or, for each of its d Efron terms, by their mean. Exact ties with
/// weights are an error, as in R. Weighted fits report weighted column means, as coxph does
/// for right-censored data (for (start, stop] data R reports plain means, and so do we).
///
/// Robust variance (Lin & Wei 1989; Therneau & Grambsch 2000, section 7.2; R's `robust = TRUE`,
/// which R also chooses when the weights are not integers): D'D, where the rows of D are the
/// dfbeta residuals w_i L_i V summed within clusters (one per row unless `cluster` groups the
/// rows of a patient), L_i the score residuals (`CoxScoreResiduals`) and V = I(b)^-1. The Wald
/// test then uses D'D; R's robust score test is u' (T'T)^-1 u with T the weighted score
/// residuals at b = 0 summed within clusters and u = sum T.
/// Monotone likelihood: after convergence, column j is flagged when U'V at the estimate
/// exceeds both eps and toler.inf |b_j| in absolute value (R's check), with R's warning.
public enum Cox {

    /// R's default for `robust`: true when the case weights are not all integers (coxph's
    /// `has.rwt`), or when a cluster (R's `id`) has more than one event.
    public static func robustByDefault(weights: [Double]?, event: [Bool], cluster: [Int]?) -> Bool {
        if let weights, weights.contains(where: { $0 != $0.rounded(.down) }) { return true }
        if let cluster {
            var seen = Set<Int>()
            for i in event.indices where event[i] { if !seen.insert(cluster[i]).inserted { return true } }
        }
        return false
    }

    public static func fit(time: [Double], event: [Bool], design: CoxDesign, strata: [Int]? = nil,
                           options: CoxOptions = .init(), start: [Double]? = nil, weights: [Double]? = nil,
                           robust: Bool = false, cluster: [Int]? = nil) throws -> CoxResult {
        let n = time.count
        let p = design.columnCount
        guard event.count == n else { throw AnalysisError("time has \(n) values but event has \(event.count)") }
        guard p > 0 else { throw AnalysisError("the Cox model needs at least one covariate") }
        for (j, c) in design.columns.enumerated() where c.count != n {
            throw AnalysisError("design column \(design.columnNames[j]) has \(c.count) values, expected \(n)")
        }
        if let strata, strata.count != n { throw AnalysisError("strata has \(strata.count) values, expected \(n)") }
        guard n > 0 else { throw AnalysisError("no observations") }
        if let bad = time.firstIndex(where: { !$0.isFinite }) {
            throw AnalysisError("time of row \(bad + 1) is missing or not finite")
        }
        // Per column, in one read: whether a value is not finite, whether every value is -1,
        // 0 or 1 (such columns are not centred), whether every value is +0 or 1 bit for bit
        // (a factor's contrasts, which the fit may keep as level codes), and how many are not
        // zero. Columns are independent: on many rows two threads take every other column.
        var columnFacts = [ColumnFacts](repeating: ColumnFacts(), count: p)
        let columnThreads = n >= 1 << 15 && p > 1 ? 2 : 1
        let rowThreads = n >= 1 << 15 ? 2 : 1
        columnFacts.withUnsafeMutableBufferPointer { facts in
            CSVReader.concurrently(columnThreads) { t in
                for j in stride(from: t, to: p, by: columnThreads) {
                    facts[j] = design.columns[j].withUnsafeBufferPointer { ColumnFacts($0) }
                }
            }
        }
        for j in 0..<p where !columnFacts[j].finite {
            let row = design.columns[j].firstIndex { !$0.isFinite } ?? 0
            throw AnalysisError("covariate \(design.columnNames[j]) is missing or not finite in row \(row + 1); drop incomplete rows first")
        }
        let unitValues = columnFacts.map(\.unit)
        if let start {
            guard start.count == n else { throw AnalysisError("start has \(start.count) values, expected \(n)") }
            if let bad = (0..<n).first(where: { !start[$0].isFinite || start[$0] >= time[$0] }) {
                throw AnalysisError("row \(bad + 1): the interval (\(formatNumber(start[bad])), \(formatNumber(time[bad]))] must have start < stop")
            }
        }
        if let weights {
            guard weights.count == n else { throw AnalysisError("weights has \(weights.count) values, expected \(n)") }
            if let bad = weights.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
                throw AnalysisError("case weights must be finite and > 0 (as in R's coxph); row \(bad + 1) has \(formatNumber(weights[bad]))")
            }
            if options.ties == .exact {
                throw AnalysisError("case weights are not supported with exact ties (as in R's coxph); use ties efron or breslow")
            }
        }
        if let cluster, cluster.count != n { throw AnalysisError("cluster has \(cluster.count) values, expected \(n)") }
        if robust && options.ties == .exact {
            throw AnalysisError("the robust variance is not available with exact ties; use ties efron or breslow")
        }
        let nEvents = event.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard nEvents > 0 else { throw AnalysisError("no events: the Cox model cannot be fitted") }
        guard options.maxIterations >= 0 else { throw AnalysisError("maxIterations must be >= 0") }

        // Centring and scaling (undone at the end).
        // Each column's sums in row order (columns shared by two threads as above).
        var means = [Double](repeating: 0, count: p)
        var scale = [Double](repeating: 1, count: p)
        let weightedMeans = weights != nil && start == nil
        means.withUnsafeMutableBufferPointer { means in
            scale.withUnsafeMutableBufferPointer { scale in
                CSVReader.concurrently(columnThreads) { t in
                    for j in stride(from: t, to: p, by: columnThreads) where !unitValues[j] {
                        let c = design.columns[j]
                        var s = 0.0
                        let m: Double
                        if weightedMeans, let weights {
                            var sw = 0.0
                            for i in 0..<n { s += weights[i] * c[i]; sw += weights[i] }
                            m = s / sw
                        } else {
                            for v in c { s += v }
                            m = s / Double(n)
                        }
                        var a = 0.0
                        for v in c { a += abs(v - m) }
                        means[j] = m
                        scale[j] = a > 0 ? Double(n) / a : 1
                    }
                }
            }
        }

        // The sorted design lives only through the Newton-Raphson iterations; the sort order
        // and the sorted outcome are kept for the concordance.
        let (newton, sorted, residuals) = try {
            let data = CoxRiskSets(time: time, event: event, strata: strata, columns: design.columns,
                                   shift: means, scale: scale, start: start, weights: weights,
                                   compress: options.ties != .exact && start == nil,
                                   factors: factorColumns(design.terms, columnFacts),
                                   nonzero: columnFacts.map(\.nonzero))
            let engine = CoxLikelihood(data: data, ties: options.ties)
            let newton = try NewtonRaphson.run(engine: engine, options: options)
            // Weighted score residuals at the estimate and at b = 0 (scaled coordinates, input
            // row order), for the robust variance.
            var residuals: (atFit: [Double], atZero: [Double])? = nil
            if robust {
                residuals = (engine.scoreResiduals(newton.beta), engine.scoreResiduals([Double](repeating: 0, count: p)))
            }
            return (newton, (time: data.time, event: data.event, stratum: data.stratum, position: data.position,
                             levelSlot: data.levels?.slot, groups: data.groups, groupEvents: data.levels?.groupEvents,
                             lastInStratum: data.lastInStratum), residuals)
        }()

        // Back to the original scale.
        var coef = [Double](repeating: 0, count: p)
        var u = [Double](repeating: 0, count: p)
        var variance = newton.inverse
        for j in 0..<p {
            coef[j] = newton.beta[j] * scale[j]
            u[j] = newton.score[j] / scale[j]
            for k in 0..<p { variance[j][k] *= scale[j] * scale[k] }
        }
        let aliased = (0..<p).map { newton.rank < p && variance[$0][$0] == 0 }
        var warnings: [String] = []
        // Monotone likelihood (R: infs <- abs(u %*% var); flagged where > eps and > toler.inf |b|).
        var infinite = [Bool](repeating: false, count: p)
        if options.maxIterations > 1 {
            var infs = [Double](repeating: 0, count: p)
            for k in 0..<p {
                var s = 0.0
                for j in 0..<p { s += u[j] * variance[j][k] }
                infs[k] = abs(s)
            }
            if newton.converged {
                for j in 0..<p {
                    infinite[j] = !u[j].isFinite
                        || (infs[j] > options.epsilon && infs[j] > options.tolerInf * abs(coef[j]))
                }
                let flagged = (0..<p).filter { infinite[$0] }
                if !flagged.isEmpty {
                    let list = flagged.map { String($0 + 1) }.joined(separator: ",")
                    let what = options.ties == .exact ? "beta" : "coefficient"
                    warnings.append("Loglik converged before variable  \(list) ; \(what) may be infinite. ")
                }
            } else {
                warnings.append("Ran out of iterations and did not converge")
            }
        }
        if aliased.contains(true) {
            let list = (0..<p).filter { aliased[$0] }.map { String($0 + 1) }.joined(separator: " ")
            warnings.append("X matrix deemed to be singular; variable \(list)")
        }

        // The robust variance replaces the model-based one after R's monotone-likelihood check.
        var naiveVariance: [[Double]]? = nil
        var robustScore: TestStatistic? = nil
        var clusterCount: Int? = nil
        if let residuals {
            // Back to the original scale: the engine's column j is (x_j - mean_j) scale_j, so
            // its residuals are scale_j times the original ones.
            var atFit = residuals.atFit, atZero = residuals.atZero
            for i in 0..<n {
                for j in 0..<p { atFit[i * p + j] /= scale[j]; atZero[i * p + j] /= scale[j] }
            }
            let robustPart = CoxRobust.variance(residuals: atFit, atZero: atZero, p: p, weights: weights, cluster: cluster,
                                                naive: variance, aliased: aliased, tolerance: options.tolerChol)
            naiveVariance = variance
            variance = robustPart.variance
            clusterCount = robustPart.clusters
            robustScore = TestStatistic.chiSquare(robustPart.scoreTest, df: aliased.filter { !$0 }.count)
        }

        // Linear predictor as R forms it: X b - sum(b * means), aliased b taken as 0.
        var offset = 0.0
        for j in 0..<p { offset += coef[j] * means[j] }
        // Column by column (the same sum in the same order for every row), over chunks of
        // rows that stay in cache; on many rows two threads take half of the rows each.
        var lp = [Double](repeating: 0, count: n)
        lp.withUnsafeMutableBufferPointer { out in
            CSVReader.concurrently(rowThreads) { t in
                let rows = rowThreads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n)
                var lo = rows.lowerBound
                while lo < rows.upperBound {
                    let hi = min(lo + 4096, rows.upperBound)
                    for j in 0..<p {
                        let b = coef[j]
                        design.columns[j].withUnsafeBufferPointer { c in
                            for i in lo..<hi { out[i] += c[i] * b }
                        }
                    }
                    for i in lo..<hi { out[i] -= offset }
                    lo = hi
                }
            }
        }
        if !newton.converged, let maxLP = lp.max(), maxLP > 500 || u.contains(where: { !$0.isFinite }) {
            warnings.append("one or more coefficients may be infinite")
        }

        for j in 0..<p where aliased[j] { coef[j] = .nan }
        let se = (0..<p).map { aliased[$0] ? Double.nan : variance[$0][$0].squareRoot() }

        // Tests.
        let estimable = (0..<p).filter { !aliased[$0] }
        let df = estimable.count
        let lr = TestStatistic.chiSquare(2 * (newton.logLikelihood - newton.logLikelihoodNull), df: df)
        let vSub = estimable.map { j in estimable.map { k in variance[j][k] } }
        let waldStat = SymmetricFactorization(vSub, tolerance: options.tolerChol)
            .quadraticForm(estimable.map { coef[$0] })
        let wald = TestStatistic.chiSquare(waldStat, df: df)
        let scoreTest = TestStatistic.chiSquare(newton.scoreTest, df: df)

        // With level rows, the scores are written straight to those rows' order (the tied sets
        // and their events known from the fit); else, or with too many distinct scores, in the
        // risk-set order the fit already sorted by (stratum, time).
        func sortedConcordance() -> ConcordanceResult {
            var sortedLP = [Double](repeating: 0, count: n)
            sortedLP.withUnsafeMutableBufferPointer { out in
                lp.withUnsafeBufferPointer { x in
                    sorted.position.withUnsafeBufferPointer { w in
                        CSVReader.concurrently(rowThreads) { t in
                            for i in rowThreads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) { out[Int(w[i])] = x[i] }
                        }
                    }
                }
            }
            return sortedLP.withUnsafeBufferPointer { x in
                Concordance.compute(sortedTime: sorted.time, sortedEvent: sorted.event, sortedStratum: sorted.stratum,
                                    score: { x[$0] }, reverse: true)
            }
        }
        let concordance: ConcordanceResult
        if start == nil && weights == nil && cluster == nil {
            if let slot = sorted.levelSlot, let groupEvents = sorted.groupEvents,
               let c = Concordance.compute(scores: lp, slot: slot, groups: sorted.groups, groupEvents: groupEvents,
                                           lastInStratum: sorted.lastInStratum, reverse: true) {
                concordance = c
            } else {
                concordance = sortedConcordance()
            }
        } else {
            concordance = WeightedConcordance.compute(start: start, stop: time, event: event, score: lp, weights: weights,
                                                      strata: strata, cluster: robust ? (cluster ?? Array(0..<n)) : nil,
                                                      reverse: true)
        }

        return CoxResult(
            ties: options.ties, confidenceLevel: options.confidenceLevel,
            n: n, nEvents: nEvents, iterations: newton.iterations, converged: newton.converged,
            columnNames: design.columnNames, terms: design.terms, stratified: strata != nil,
            coefficients: coef, standardErrors: se, variance: variance, means: means,
            scoreVector: u, aliased: aliased, possiblyInfinite: infinite,
            logLikelihoodNull: newton.logLikelihoodNull, logLikelihood: newton.logLikelihood,
            likelihoodRatio: lr, wald: wald, score: scoreTest, concordance: concordance,
            warnings: warnings, linearPredictors: lp,
            countingProcess: start != nil, weighted: weights != nil, robust: robust,
            naiveVariance: naiveVariance, robustScore: robustScore, clusters: clusterCount)
    }
}
