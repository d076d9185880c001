#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How tied event times enter the partial likelihood.
public enum CoxTies: String, Sendable, CaseIterable {
    case efron, breslow, exact
}

/// A formula term and the design columns it owns (a factor owns one column per
/// non-reference level; an interaction the products of its parts' columns).
public struct CoxTerm: Sendable, Equatable {
    public var name: String
    public var columns: Range<Int>
    /// A factor's reference level, for tables and forest plots that print it as a row.
    public var reference: String?

    public init(name: String, columns: Range<Int>, reference: String? = nil) {
        self.name = name; self.columns = columns; self.reference = reference
    }
}

/// The model matrix of a Cox model (no intercept), column-major: `columns[j][i]` is row i
/// of column j. `columnNames` follow R (`age`, `factor(sex)2`, `age:factor(sex)2`).
public struct CoxDesign: Sendable {
    public var columnNames: [String]
    public var columns: [[Double]]
    public var terms: [CoxTerm]

    /// `terms` defaults to one term per column, named as the column.
    public init(columnNames: [String], columns: [[Double]], terms: [CoxTerm]? = nil) {
        self.columnNames = columnNames
        self.columns = columns
        self.terms = terms ?? columnNames.enumerated().map { CoxTerm(name: $0.element, columns: $0.offset..<($0.offset + 1)) }
    }

    public var columnCount: Int { columns.count }
    public var rowCount: Int { columns.first?.count ?? 0 }
}

/// Fitting options; the defaults are R's `coxph.control()` and `coxph(ties = "efron")`.
public struct CoxOptions: Sendable {
    public var ties: CoxTies = .efron
    /// `iter.max`.
    public var maxIterations: Int = 20
    /// `eps`: convergence when |1 - loglik_old / loglik_new| <= eps.
    public var epsilon: Double = 1e-9
    /// `toler.inf`: threshold of the "coefficient may be infinite" check.
    public var tolerInf: Double = 2e-5
    /// `toler.chol`: pivots below this (relative to the largest diagonal) are redundant.
    public var tolerChol: Double = SymmetricFactorization.defaultTolerance
    /// Level of the hazard-ratio intervals.
    public var confidenceLevel: Double = 0.95
    /// Checked before each Newton-Raphson step (each a pass over the data).
    public var cancellation: Cancellation? = nil

    public init(ties: CoxTies = .efron, maxIterations: Int = 20, epsilon: Double = 1e-9,
                tolerInf: Double = 2e-5, confidenceLevel: Double = 0.95) {
        self.ties = ties; self.maxIterations = maxIterations; self.epsilon = epsilon
        self.tolerInf = tolerInf; self.confidenceLevel = confidenceLevel
    }
}

/// A fitted Cox proportional hazards model.
///
/// Coefficients of aliased (redundant) columns are NaN (R's NA) with variance 0 and
/// `aliased` true. A coefficient flagged by R's monotone-likelihood check has
/// `possiblyInfinite` true: its estimate is only the point where the log-likelihood
/// stopped changing, and tables mark it as such.
public struct CoxResult: Sendable {
    public var ties: CoxTies
    public var confidenceLevel: Double
    /// Rows used, events among them, and rows dropped for missing values (set by the caller
    /// that did the listwise deletion).
    public var n: Int
    public var nEvents: Int
    public var nDropped: Int = 0
    /// Name of the endpoint, for reports (set by the caller).
    public var endpointName: String = ""
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?
    /// How the design columns are shown (`label` in the language), by column name; JSON keeps
    /// R's names and adds the label.
    public var columnLabels: [String: String] = [:]
    public var iterations: Int
    public var converged: Bool
    public var columnNames: [String]
    public var terms: [CoxTerm]
    public var stratified: Bool

    public var coefficients: [Double]
    public var standardErrors: [Double]
    /// Inverse information at the estimate (R's `fit$var`).
    public var variance: [[Double]]
    /// Centring vector (R's `fit$means`): column means, 0 for columns within {-1, 0, 1}.
    public var means: [Double]
    /// Score vector at the estimate (R's `fit$u`, after the last iteration).
    public var scoreVector: [Double]
    public var aliased: [Bool]
    public var possiblyInfinite: [Bool]

    public var logLikelihoodNull: Double
    public var logLikelihood: Double
    public var likelihoodRatio: TestStatistic
    public var wald: TestStatistic
    /// The score (log-rank) test at beta = 0.
    public var score: TestStatistic
    public var concordance: ConcordanceResult
    public var warnings: [String]
    /// Centred linear predictor sum_j (x_ij - mean_j) b_j per input row (aliased b_j = 0).
    public var linearPredictors: [Double]
    /// Fitted on (start, stop] rows.
    public var countingProcess: Bool = false
    /// Fitted with case weights.
    public var weighted: Bool = false
    /// `variance` and `standardErrors` are the robust (sandwich) ones; the model-based
    /// inverse information is `naiveVariance`.
    public var robust: Bool = false
    public var naiveVariance: [[Double]]?
    /// R's robust score test (`fit$rscore`), with the robust variance.
    public var robustScore: TestStatistic?
    /// Clusters of the robust variance (1 = one per row).
    public var clusters: Int?
    /// Remarks for the report that are not warnings (the variance used, weights, a landmark).
    public var notes: [String] = []

    /// Model-based standard errors (R's `se(coef)`), also when `standardErrors` are robust.
    public var naiveStandardErrors: [Double] {
        guard let v = naiveVariance else { return standardErrors }
        return v.indices.map { aliased[$0] ? .nan : v[$0][$0].squareRoot() }
    }

    var zCritical: Double { Distributions.normalQuantile(1 - (1 - confidenceLevel) / 2) }

    public var hazardRatios: [Double] { coefficients.map { exp($0) } }
    public var zStatistics: [Double] { zip(coefficients, standardErrors).map { $0 / $1 } }
    public var pValues: [Double] { zStatistics.map { Distributions.normalTwoSided($0) } }
    public var confidenceLower: [Double] {
        let z = zCritical
        return zip(coefficients, standardErrors).map { exp($0 - z * $1) }
    }
    public var confidenceUpper: [Double] {
        let z = zCritical
        return zip(coefficients, standardErrors).map { exp($0 + z * $1) }
    }
}

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
/// iteration while walking time backwards, so an iteration costs O(n p^2). For the exact
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
        for (j, c) in design.columns.enumerated() {
            if let bad = c.firstIndex(where: { !$0.isFinite }) {
                throw AnalysisError("covariate \(design.columnNames[j]) is missing or not finite in row \(bad + 1); drop incomplete rows first")
            }
        }
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
        var means = [Double](repeating: 0, count: p)
        var scale = [Double](repeating: 1, count: p)
        for j in 0..<p {
            let c = design.columns[j]
            if c.allSatisfy({ $0 == 0 || $0 == 1 || $0 == -1 }) { continue }
            var s = 0.0
            let m: Double
            if let weights, start == nil {
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

        // The sorted design lives only through the Newton-Raphson iterations; the sort order
        // and the sorted outcome are kept for the concordance.
        let (newton, sorted, residuals) = try {
            let data = CoxRiskSets(time: time, event: event, strata: strata, columns: design.columns,
                                   shift: means, scale: scale, start: start, weights: weights)
            let engine = CoxLikelihood(data: data, ties: options.ties)
            let newton = try NewtonRaphson.run(engine: engine, options: options)
            // Weighted score residuals at the estimate and at b = 0 (scaled coordinates, input
            // row order), for the robust variance.
            var residuals: (atFit: [Double], atZero: [Double])? = nil
            if robust {
                residuals = (engine.scoreResiduals(newton.beta), engine.scoreResiduals([Double](repeating: 0, count: p)))
            }
            return (newton, (time: data.time, event: data.event, stratum: data.stratum, position: data.position), residuals)
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
        // Column by column (the same sum in the same order for every row).
        var lp = [Double](repeating: 0, count: n)
        lp.withUnsafeMutableBufferPointer { out in
            for j in 0..<p {
                let b = coef[j]
                design.columns[j].withUnsafeBufferPointer { c in
                    for i in 0..<n { out[i] += c[i] * b }
                }
            }
            for i in 0..<n { out[i] -= offset }
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

        // In the risk-set order the fit already sorted by (stratum, time).
        var sortedLP = [Double](repeating: 0, count: n)
        sortedLP.withUnsafeMutableBufferPointer { out in
            lp.withUnsafeBufferPointer { x in
                sorted.position.withUnsafeBufferPointer { w in for i in 0..<n { out[Int(w[i])] = x[i] } }
            }
        }
        let concordance = start == nil && weights == nil && cluster == nil
            ? sortedLP.withUnsafeBufferPointer { x in
                Concordance.compute(sortedTime: sorted.time, sortedEvent: sorted.event, sortedStratum: sorted.stratum,
                                    score: { x[$0] }, reverse: true)
            }
            : WeightedConcordance.compute(start: start, stop: time, event: event, score: lp, weights: weights,
                                          strata: strata, cluster: robust ? (cluster ?? Array(0..<n)) : nil, reverse: true)

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

// MARK: - Data sorted into risk sets

/// Rows sorted by (stratum, time), with covariates (already centred and scaled) stored
/// row-major, and the groups of rows sharing a stratum and a time.
struct CoxRiskSets {
    let n: Int
    let p: Int
    /// Row-major covariates in sorted order: x[i * p + j].
    let x: [Double]
    let event: [Bool]
    /// Sorted position -> input row.
    var order: [Int] {
        var order = [Int](repeating: 0, count: n)
        for i in 0..<n { order[Int(position[i])] = i }
        return order
    }
    /// Tied groups (same stratum and time) as ranges of sorted positions, in order.
    let groups: [Range<Int>]
    /// For each group, the end (exclusive) of its stratum in sorted positions.
    let stratumEnd: [Int]
    /// For each group, whether it starts a new stratum when walking backwards
    /// (i.e. it is the last group of its stratum).
    let lastInStratum: [Bool]
    let time: [Double]
    /// Stratum codes in sorted order (nil without strata).
    let stratum: [Int]?
    /// Input row -> sorted position (the inverse of `order`).
    let position: [UInt32]
    /// Case weights in sorted order (nil: all 1).
    let weight: [Double]?
    /// Entry times of (start, stop] rows in sorted order (nil: right-censored data).
    let start: [Double]?
    /// Sorted positions ordered by (stratum, start) ascending: the walk backwards over time
    /// reads it from the end to take rows out of the risk set as it passes their start.
    let byStart: [Int]

    /// Covariate j of input row i enters as (columns[j][i] - shift[j]) * scale[j].
    init(time: [Double], event: [Bool], strata: [Int]?, columns: [[Double]], shift: [Double], scale: [Double],
         start: [Double]? = nil, weights: [Double]? = nil) {
        let n = time.count
        let p = columns.count
        self.n = n
        self.p = p
        // Row -> sorted position, then every row's values written to its position: rows are
        // read in input order, and a chunk of rows' sorted slots stays in cache while the
        // columns are written one after another (instead of gathering each column at
        // random positions).
        let position = RowOrder.positions(time: time, strata: strata)
        var x = [Double](repeating: 0, count: n * p)
        var sortedTime = [Double](repeating: 0, count: n)
        var sortedEvent = [Bool](repeating: false, count: n)
        var sortedStratum = [Int](repeating: 0, count: strata == nil ? 0 : n)
        position.withUnsafeBufferPointer { w in
            x.withUnsafeMutableBufferPointer { xb in
                let chunk = 4096
                var lo = 0
                while lo < n {
                    let hi = min(lo + chunk, n)
                    for j in 0..<p {
                        let m = shift[j], f = scale[j]
                        columns[j].withUnsafeBufferPointer { c in
                            for i in lo..<hi { xb[Int(w[i]) * p + j] = (c[i] - m) * f }
                        }
                    }
                    lo = hi
                }
            }
            sortedTime.withUnsafeMutableBufferPointer { t in
                time.withUnsafeBufferPointer { tIn in for i in 0..<n { t[Int(w[i])] = tIn[i] } }
            }
            sortedEvent.withUnsafeMutableBufferPointer { e in
                event.withUnsafeBufferPointer { eIn in for i in 0..<n { e[Int(w[i])] = eIn[i] } }
            }
            if let strata {
                sortedStratum.withUnsafeMutableBufferPointer { st in
                    strata.withUnsafeBufferPointer { sIn in for i in 0..<n { st[Int(w[i])] = sIn[i] } }
                }
            }
        }
        self.position = position
        func sortedCopy(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: n)
            for i in 0..<n { out[Int(position[i])] = v[i] }
            return out
        }
        self.weight = weights.map(sortedCopy)
        self.start = start.map(sortedCopy)
        if let start {
            byStart = RowOrder.byStratumAndTime(time: start, strata: strata).map { Int(position[$0]) }
        } else {
            byStart = []
        }
        self.x = x
        self.event = sortedEvent
        self.time = sortedTime
        self.stratum = strata == nil ? nil : sortedStratum
        var groups: [Range<Int>] = []
        groups.reserveCapacity(min(n, 1024))
        var start = 0
        for pos in 1...max(n, 1) where pos <= n {
            if pos == n || sortedTime[pos] != sortedTime[start]
                || (strata != nil && sortedStratum[pos] != sortedStratum[start]) {
                groups.append(start..<pos)
                start = pos
            }
        }
        self.groups = groups
        var stratumEnd = [Int](repeating: n, count: groups.count)
        var last = [Bool](repeating: false, count: groups.count)
        var end = n
        for g in stride(from: groups.count - 1, through: 0, by: -1) {
            if g == groups.count - 1
                || (strata != nil && sortedStratum[groups[g + 1].lowerBound] != sortedStratum[groups[g].lowerBound]) {
                end = groups[g].upperBound
                last[g] = true
            }
            stratumEnd[g] = end
        }
        self.stratumEnd = stratumEnd
        self.lastInStratum = last
    }
}

// MARK: - Log partial likelihood, score and information

struct CoxEvaluation {
    var logLikelihood: Double
    var score: [Double]
    /// Information matrix (symmetric, full).
    var information: [[Double]]
}

struct CoxLikelihood {
    let data: CoxRiskSets
    let ties: CoxTies

    /// L(b), U(b), I(b) in one backward pass over time (see `Cox` for the formulas).
    func evaluate(_ beta: [Double]) -> CoxEvaluation {
        let p = data.p
        let n = data.n
        let pp = p * p
        var loglik = 0.0
        // Scratch in one block: u, imat (lower triangle used, row-major), the risk-set sums
        // s1 = sum r x, s2 = sum r x x' (lower triangle), the same sums d1, d2 over the events
        // of the current tied set, and the weighted mean.
        let block = UnsafeMutablePointer<Double>.allocate(capacity: 4 * p + 3 * pp)
        block.initialize(repeating: 0, count: 4 * p + 3 * pp)
        defer { block.deallocate() }
        let u = block, imat = block + p, s1 = imat + pp, s2 = s1 + p, d1 = s2 + pp, d2 = d1 + p
        let mean = d2 + pp
        var s0 = 0.0
        // The linear predictor and exp of it are formed row by row in the pass; only exact
        // ties keep the linear predictor in an array (their tied-set terms read it back).
        let keep = ties == .exact
        var eta = [Double](repeating: 0, count: keep ? n : 0)

        // Adds the term for one log-denominator with sums (t0, t1, t2) and weight w.
        func addTerm(_ t0: Double, _ t1: UnsafeMutablePointer<Double>, _ t2: UnsafeMutablePointer<Double>, weight w: Double) {
            loglik -= w * log(t0)
            for j in 0..<p {
                mean[j] = t1[j] / t0
                u[j] -= w * mean[j]
            }
            for j in 0..<p {
                for k in 0...j {
                    imat[j * p + k] += w * (t2[j * p + k] / t0 - mean[j] * mean[k])
                }
            }
        }

        // Case weights (1 when absent) and (start, stop] bookkeeping: `nrisk` rows are in the
        // risk-set sums; `exit` walks `byStart` down from its end.
        let hasWeights = data.weight != nil
        let weight = data.weight ?? []
        let hasStart = data.start != nil
        let entry = data.start ?? []
        var nrisk = 0
        var exit = data.byStart.count - 1
        func stratum(_ q: Int) -> Int { data.stratum?[q] ?? 0 }

        data.x.withUnsafeBufferPointer { x in
        data.event.withUnsafeBufferPointer { event in
        eta.withUnsafeMutableBufferPointer { eta in
            if keep {
                for i in 0..<n {
                    var e = 0.0
                    for j in 0..<p { e += x[i * p + j] * beta[j] }
                    eta[i] = e
                }
            }

            for g in stride(from: data.groups.count - 1, through: 0, by: -1) {
                let group = data.groups[g]
                if data.lastInStratum[g] {
                    s0 = 0
                    s1.update(repeating: 0, count: p)
                    s2.update(repeating: 0, count: pp)
                    nrisk = 0
                    // Rows of the strata after this one that never left are not in its sums.
                    let current = stratum(group.lowerBound)
                    while exit >= 0 && stratum(data.byStart[exit]) > current { exit -= 1 }
                }
                nrisk += group.count
                var d = 0
                var d0 = 0.0
                var dw = 0.0
                d1.update(repeating: 0, count: p)
                d2.update(repeating: 0, count: pp)
                for i in group {
                    let row = x.baseAddress! + i * p
                    var ei = 0.0
                    for j in 0..<p { ei += row[j] * beta[j] }
                    let wi = hasWeights ? weight[i] : 1
                    let r = hasWeights ? wi * exp(ei) : exp(ei)
                    if event[i] {
                        d += 1
                        dw += wi
                        loglik += wi * ei
                        d0 += r
                        for j in 0..<p {
                            let xj = row[j]
                            let rxj = r * xj
                            u[j] += wi * xj
                            d1[j] += rxj
                            let d2j = d2 + j * p
                            for k in 0...j { d2j[k] += rxj * row[k] }
                        }
                    } else {
                        s0 += r
                        for j in 0..<p {
                            let rxj = r * row[j]
                            s1[j] += rxj
                            let s2j = s2 + j * p
                            for k in 0...j { s2j[k] += rxj * row[k] }
                        }
                    }
                }
                guard d > 0 else { continue }
                if hasStart {
                    // Take out the rows that enter at or after this time: start >= t.
                    let t = data.time[group.lowerBound], current = stratum(group.lowerBound)
                    while exit >= 0 {
                        let q = data.byStart[exit]
                        guard stratum(q) == current, entry[q] >= t else { break }
                        exit -= 1
                        nrisk -= 1
                        if nrisk == 0 {
                            s0 = 0
                            s1.update(repeating: 0, count: p)
                            s2.update(repeating: 0, count: pp)
                            continue
                        }
                        let row = x.baseAddress! + q * p
                        var eq = 0.0
                        for j in 0..<p { eq += row[j] * beta[j] }
                        let r = hasWeights ? weight[q] * exp(eq) : exp(eq)
                        s0 -= r
                        for j in 0..<p {
                            let rxj = r * row[j]
                            s1[j] -= rxj
                            let s2j = s2 + j * p
                            for k in 0...j { s2j[k] -= rxj * row[k] }
                        }
                    }
                }
                if d > 1 && ties == .efron {
                    // k-th term (k = 1..d): the risk set without the events, plus the events
                    // with weight f = k/d, i.e. sums (s0 + f d0, s1 + f d1, s2 + f d2). Its
                    // mean and second moment are linear in f over the same denominator, so
                    // the d terms add up through five scalar sums over k:
                    //   a = sum 1/t0, b = sum f/t0, c = sum 1/t0^2, e = sum f/t0^2, g = sum f^2/t0^2
                    //   U -= s1 a + d1 b
                    //   I += s2 a + d2 b - (s1 s1' c + (s1 d1' + d1 s1') e + d1 d1' g)
                    // (O(d + p^2) per tied set instead of O(d p^2)).
                    // With case weights each of the d terms is weighted by the mean event
                    // weight (survival's agfit4): every sum below carries that factor.
                    let meanWeight = dw / Double(d)
                    var a = 0.0, b = 0.0, c = 0.0, e = 0.0, g2 = 0.0
                    for k in 1...d {
                        let f = Double(k) / Double(d)
                        let t0 = s0 + f * d0
                        loglik -= meanWeight * log(t0)
                        let inv = 1 / t0, inv2 = inv * inv
                        a += inv; b += f * inv; c += inv2; e += f * inv2; g2 += f * f * inv2
                    }
                    a *= meanWeight; b *= meanWeight; c *= meanWeight; e *= meanWeight; g2 *= meanWeight
                    for j in 0..<p { u[j] -= s1[j] * a + d1[j] * b }
                    for j in 0..<p {
                        for k in 0...j {
                            imat[j * p + k] += s2[j * p + k] * a + d2[j * p + k] * b
                                - (s1[j] * s1[k] * c + (s1[j] * d1[k] + d1[j] * s1[k]) * e + d1[j] * d1[k] * g2)
                        }
                    }
                }
                // From here on every member of the tied set is in the risk set.
                s0 += d0
                for j in 0..<p { s1[j] += d1[j] }
                for j in 0..<pp { s2[j] += d2[j] }
                if d == 1 || ties == .breslow {
                    addTerm(s0, s1, s2, weight: dw)
                } else if ties == .exact {
                    if hasStart {
                        let t = data.time[group.lowerBound]
                        let risk = (group.lowerBound..<data.stratumEnd[g]).filter { entry[$0] < t }
                        exactTerm(risk: risk, group: group, events: d, eta: eta, loglik: &loglik, u: u, imat: imat)
                    } else {
                        exactTerm(risk: group.lowerBound..<data.stratumEnd[g], group: group, events: d, eta: eta,
                                  loglik: &loglik, u: u, imat: imat)
                    }
                }
            }
        }
        }
        }

        var info = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for j in 0..<p {
            for k in 0...j {
                info[j][k] = imat[j * p + k]
                info[k][j] = imat[j * p + k]
            }
        }
        return CoxEvaluation(logLikelihood: loglik, score: Array(UnsafeBufferPointer(start: u, count: p)), information: info)
    }

    /// The exact-likelihood term of one tied set of d >= 2 events: subtracts
    /// log E_d, adds -E'_d/E_d to U and E''_d/E_d - (E'_d/E_d)(E'_d/E_d)' to I, where
    /// E_d = sum over d-subsets S of the risk set of prod_{i in S} r_i.
    ///
    /// To stay in floating-point range for large risk sets and many ties, the recursion runs
    /// on the elementary symmetric *means* e_k(m) = E_k(m) / C(m, k) of r_i = exp(eta_i - c),
    /// with c = log mean exp(eta) over the risk set (so the r average 1 and, by Maclaurin's
    /// inequality, e_d <= 1):
    ///   e_k(m) = ((m - k) / m) e_k(m-1) + (k / m) r_m e_{k-1}(m-1),
    /// and the same weights for the first and second derivatives. Ratios E'/E and E''/E are
    /// unchanged; log E_d = log e_d + log C(N, d) + d c.
    /// `risk` lists the sorted positions of the risk set (the tied set first).
    private func exactTerm<Risk: Collection>(risk: Risk, group: Range<Int>, events d: Int, eta: UnsafeMutableBufferPointer<Double>,
                                             loglik: inout Double, u: UnsafeMutablePointer<Double>, imat: UnsafeMutablePointer<Double>)
        where Risk.Element == Int {
        let p = data.p
        let x = data.x
        var maxEta = -Double.infinity
        for i in risk where eta[i] > maxEta { maxEta = eta[i] }
        var sumR = 0.0
        for i in risk { sumR += exp(eta[i] - maxEta) }
        let c = maxEta + log(sumR / Double(risk.count))
        let width = d + 1
        // e0[k], e1[j * width + k], e2[(j * p + l) * width + k] for l <= j.
        var e0 = [Double](repeating: 0, count: width)
        var e1 = [Double](repeating: 0, count: p * width)
        var e2 = [Double](repeating: 0, count: p * p * width)
        e0[0] = 1
        var seen = 0
        for m in risk {
            let r = exp(eta[m] - c)
            let row = m * p
            seen += 1
            let top = min(d, seen)
            let mm = Double(seen)
            for k in stride(from: top, through: 1, by: -1) {
                let keep = Double(seen - k) / mm
                let add = r * Double(k) / mm
                let prev0 = e0[k - 1]
                for j in 0..<p {
                    let xj = x[row + j]
                    let e1jPrev = e1[j * width + k - 1]
                    for l in 0...j {
                        let xl = x[row + l]
                        let idx = (j * p + l) * width
                        e2[idx + k] = keep * e2[idx + k] + add * (e2[idx + k - 1] + xj * e1[l * width + k - 1]
                                                                  + xl * e1jPrev + xj * xl * prev0)
                    }
                }
                for j in 0..<p {
                    e1[j * width + k] = keep * e1[j * width + k] + add * (e1[j * width + k - 1] + x[row + j] * prev0)
                }
                e0[k] = keep * e0[k] + add * prev0
            }
        }
        let total = e0[d]
        // log C(N, d) = sum_{i=1..d} log((N - d + i) / i)
        var logChoose = 0.0
        let nRisk = risk.count
        for i in 1...d { logChoose += log(Double(nRisk - d + i) / Double(i)) }
        loglik -= log(total) + logChoose + Double(d) * c
        var mean = [Double](repeating: 0, count: p)
        for j in 0..<p {
            mean[j] = e1[j * width + d] / total
            u[j] -= mean[j]
        }
        for j in 0..<p {
            for l in 0...j {
                imat[j * p + l] += e2[(j * p + l) * width + d] / total - mean[j] * mean[l]
            }
        }
    }
}

// MARK: - Newton-Raphson with step halving

struct NewtonRaphson {
    var beta: [Double]
    var score: [Double]
    var inverse: [[Double]]
    var rank: Int
    var logLikelihoodNull: Double
    var logLikelihood: Double
    var scoreTest: Double
    var iterations: Int
    var converged: Bool

    static func run(engine: CoxLikelihood, options: CoxOptions) throws -> NewtonRaphson {
        let p = engine.data.p
        let eps = options.epsilon
        var beta = [Double](repeating: 0, count: p)
        try options.cancellation?.check()
        var current = engine.evaluate(beta)
        guard current.logLikelihood.isFinite else {
            throw AnalysisError(options.ties == .exact
                ? "the exact partial likelihood overflows (too many tied events); use ties = efron"
                : "the partial likelihood at beta = 0 is not finite")
        }
        let nullLoglik = current.logLikelihood
        var factor = SymmetricFactorization(current.information, tolerance: options.tolerChol)
        var step = factor.solve(current.score)
        var scoreTest = 0.0
        for j in 0..<p { scoreTest += current.score[j] * step[j] }

        func finish(_ b: [Double], _ ev: CoxEvaluation, _ f: SymmetricFactorization, iterations: Int,
                    converged: Bool) -> NewtonRaphson {
            NewtonRaphson(beta: b, score: ev.score, inverse: f.inverse(), rank: f.rank,
                          logLikelihoodNull: nullLoglik, logLikelihood: ev.logLikelihood,
                          scoreTest: scoreTest, iterations: iterations, converged: converged)
        }
        if options.maxIterations == 0 {
            return finish(beta, current, factor, iterations: 0, converged: true)
        }

        var best = nullLoglik
        var newBeta = (0..<p).map { beta[$0] + step[$0] }
        if options.ties != .exact {
            // survival's coxfit6 rule.
            var halving = 0.0
            for iter in 1...options.maxIterations {
                try options.cancellation?.check()
                current = engine.evaluate(newBeta)
                factor = SymmetricFactorization(current.information, tolerance: options.tolerChol)
                let finite = current.logLikelihood.isFinite && current.score.allSatisfy(\.isFinite)
                    && current.information.allSatisfy { $0.allSatisfy(\.isFinite) }
                if finite && abs(1 - best / current.logLikelihood) <= eps {
                    return finish(newBeta, current, factor, iterations: iter, converged: true)
                }
                if !finite || current.logLikelihood < best {
                    halving += 1
                    for j in 0..<p { newBeta[j] = (newBeta[j] + halving * beta[j]) / (halving + 1) }
                } else {
                    halving = 0
                    best = current.logLikelihood
                    step = factor.solve(current.score)
                    beta = newBeta
                    for j in 0..<p { newBeta[j] = beta[j] + step[j] }
                }
            }
            // Out of iterations: report the last good estimate.
            current = engine.evaluate(beta)
            factor = SymmetricFactorization(current.information, tolerance: options.tolerChol)
            return finish(beta, current, factor, iterations: options.maxIterations, converged: false)
        } else {
            // survival's coxexact rule: halve to the midpoint; never stop while halving.
            var oldBeta = beta
            beta = newBeta
            var halving = false
            for iter in 1...options.maxIterations {
                try options.cancellation?.check()
                current = engine.evaluate(beta)
                factor = SymmetricFactorization(current.information, tolerance: options.tolerChol)
                if abs(1 - best / current.logLikelihood) <= eps && !halving {
                    return finish(beta, current, factor, iterations: iter, converged: true)
                }
                if iter == options.maxIterations { break }
                if !current.logLikelihood.isFinite || current.logLikelihood < best {
                    halving = true
                    for j in 0..<p { beta[j] = (oldBeta[j] + beta[j]) / 2 }
                } else {
                    halving = false
                    best = current.logLikelihood
                    step = factor.solve(current.score)
                    oldBeta = beta
                    for j in 0..<p { beta[j] += step[j] }
                }
            }
            return finish(beta, current, factor, iterations: options.maxIterations, converged: false)
        }
    }
}
