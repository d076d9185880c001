#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options for `FineGray.fit` (cmprsk::crr's defaults).
public struct FineGrayOptions: Sendable {
    /// Convergence: stop when max_j |U_j| max(|b_j|, 1) < max(|loglik|, 1) * gtol.
    public var gtol = 1e-6
    /// Maximum Newton-Raphson steps (0: the result at b = 0, not converged).
    public var maxIterations = 10
    /// Level of the subdistribution hazard ratio intervals.
    public var confidenceLevel = 0.95
    /// Checked before each Newton-Raphson step.
    public var cancellation: Cancellation? = nil

    public init(gtol: Double = 1e-6, maxIterations: Int = 10, confidenceLevel: Double = 0.95) {
        self.gtol = gtol
        self.maxIterations = maxIterations
        self.confidenceLevel = confidenceLevel
    }
}

/// A fitted Fine-Gray subdistribution hazards model.
public struct FineGrayResult: Reportable {
    public var kind: String { "finegray" }
    public let names: [String]
    public let failCode: Int
    /// Observations used, dropped for a missing value, failures of `failCode`, competing failures.
    public let n: Int
    public let nMissing: Int
    public let nEvents: Int
    public let nCompeting: Int
    public let coefficients: [Double]
    /// Sandwich (robust) standard errors, sqrt(diag(variance)).
    public let standardErrors: [Double]
    /// Sandwich variance I^-1 Omega I^-1 (cmprsk's `f$var`), row-major p x p as nested arrays.
    public let variance: [[Double]]
    /// Model-based variance I^-1 (not what crr reports; kept for comparison).
    public let naiveVariance: [[Double]]
    /// Subdistribution hazard ratios exp(b) and their intervals exp(b -+ z se).
    public let hr: [Double]
    public let lower: [Double]
    public let upper: [Double]
    public let z: [Double]
    public let p: [Double]
    public let confidenceLevel: Double
    public let pseudoLogLikelihood: Double
    public let pseudoLogLikelihoodNull: Double
    /// 2 (l(b) - l(0)), chi-square with p df.
    public let likelihoodRatio: TestStatistic
    public let converged: Bool
    public let iterations: Int
    public var warnings: [String]
    public var timeUnit: String = ""
    public var endpointName: String = ""
    /// The cohort analysed ("omd"), for titles (`... in omd`); nil: titles name no cohort.
    public var cohortName: String?
}

public enum FineGray {

    /// Fine-Gray proportional subdistribution hazards model, as `cmprsk::crr` (no cengroup,
    /// no time-varying covariates).
    ///
    /// Inputs: `time[i]` >= 0; `status[i]` 0 = censored, `failCode` = the failure of interest,
    /// another positive code = a competing failure; `covariates[j][i]` is column j, row i
    /// (NaN = missing: the row is dropped and counted, as na.omit). `names` names the columns.
    ///
    /// Model: the subdistribution hazard of cause `failCode` is l0(t) exp(b'Z). Subjects stay
    /// in the risk set after a competing failure, with inverse-probability-of-censoring weight
    ///     w_i(t) = 1                     if X_i >= t
    ///            = G(t-) / G(X_i-)       if X_i < t and i failed from a competing cause
    ///            = 0                     otherwise (censored before t),
    /// G the Kaplan-Meier estimate of the censoring distribution (censorings as events),
    /// taken at the left limit as crr does (`summary(survfit, times = X (1 - eps))`).
    /// At each distinct failure time t_j with d_j failures (Breslow ties):
    ///     S0_j = sum_i w_i e_i,  S1_j = sum_i w_i e_i Z_i,  S2_j = sum_i w_i e_i Z_i Z_i',  e_i = exp(b'Z_i)
    ///     l(b) = sum_j [ sum_{i fails at t_j} b'Z_i - d_j log S0_j ]          (pseudo log-likelihood)
    ///     U(b) = sum_j [ sum_{i fails at t_j} Z_i - d_j Zbar_j ],  Zbar_j = S1_j / S0_j
    ///     I(b) = sum_j d_j [ S2_j / S0_j - Zbar_j Zbar_j' ]
    /// Newton-Raphson from b = 0 with crr's rule: stop when max |U_k| max(|b_k|, 1) <
    /// max(|l|, 1) gtol; step I^-1 U, halved while l does not rise by 1e-4 of U'step
    /// (at most 20 halvings); at most `maxIterations` steps.
    /// Sandwich variance (Fine & Gray 1999, section 3): V = I^-1 Omega I^-1,
    /// Omega = sum_i (eta_i + psi_i)(eta_i + psi_i)', with
    ///     eta_i = sum_j w_i(t_j) (Z_i - Zbar_j) [dN_i(t_j) - e_i d_j / S0_j]
    ///     psi_i = sum_u q(u) / Y(u) [dNc_i(u) - 1{X_i >= u} dNc(u) / Y(u)]   u = censoring times
    ///     q(u)  = sum_{i competing, X_i < u} sum_{t_j >= u} (Z_i - Zbar_j) w_i(t_j) e_i d_j / S0_j
    /// where Y(u) = #{X >= u} and dNc(u) the censorings at u; psi is the effect of estimating
    /// G. (The "X_i < u <= t_j" ranges follow from the left-limit weights: w_i(t_j) depends on
    /// the censoring jumps at u in [X_i, t_j).) Every sum over i or j is done with running
    /// sums over the sorted times, so a fit costs O(n p^2) per iteration.
    ///
    /// Symbols: G(t-) = `censorSurvBefore`, S0/S1/S2 = `s0`/`s1`/`s2`, Zbar = `zbar`,
    /// U = `score`, I = `information`, eta/psi = `eta`/`psi`, q = `q`.
    ///
    /// Sources: J. P. Fine & R. J. Gray (1999), "A proportional hazards model for the
    /// subdistribution of a competing risk", JASA 94:496-509; cmprsk 2.2-11 (`?crr`);
    /// checked against crr on mgus2 (both causes).
    public static func fit(time: [Double], status: [Int], covariates: [[Double]], names: [String], failCode: Int = 1,
                           options: FineGrayOptions = .init()) throws -> FineGrayResult {
        let p = covariates.count
        guard p > 0 else { throw AnalysisError("Fine-Gray: no covariates") }
        guard names.count == p else { throw AnalysisError("Fine-Gray: \(p) covariate columns but \(names.count) names") }
        guard time.count == status.count else {
            throw AnalysisError("Fine-Gray: \(time.count) times but \(status.count) status values")
        }
        for (j, column) in covariates.enumerated() where column.count != time.count {
            throw AnalysisError("Fine-Gray: covariate \(names[j]) has \(column.count) values for \(time.count) times")
        }
        guard options.maxIterations >= 0 else { throw AnalysisError("Fine-Gray: maxIterations must be >= 0") }
        var rows: [Int] = []
        for i in time.indices {
            if time[i].isNaN || covariates.contains(where: { $0[i].isNaN }) { continue }
            if time[i].isInfinite || time[i] < 0 {
                throw AnalysisError("Fine-Gray: time \(time[i]) in row \(i + 1) is not a finite non-negative number")
            }
            if status[i] < 0 { throw AnalysisError("Fine-Gray: status \(status[i]) in row \(i + 1) is negative") }
            if covariates.contains(where: { $0[i].isInfinite }) {
                throw AnalysisError("Fine-Gray: an infinite covariate value in row \(i + 1)")
            }
            rows.append(i)
        }
        rows.sort { time[$0] < time[$1] || (time[$0] == time[$1] && $0 < $1) }
        let n = rows.count
        let nMissing = time.count - n
        let x = rows.map { time[$0] }
        // 1 = failure of interest, 2 = competing failure, 0 = censored.
        let kind = rows.map { status[$0] == 0 ? 0 : (status[$0] == failCode ? 1 : 2) }
        let nEvents = kind.filter { $0 == 1 }.count, nCompeting = kind.filter { $0 == 2 }.count
        guard nEvents > 0 else {
            throw AnalysisError("Fine-Gray: no failures of cause \(failCode) among \(n) observations")
        }
        var warnings: [String] = []
        if nMissing > 0 { warnings.append("\(nMissing) observations with a missing value were omitted") }
        if nCompeting == 0 {
            warnings.append("no competing failures: the Fine-Gray model is the Cox model (Breslow ties) for cause \(failCode)")
        }
        // Row-major n x p design, in time order.
        var zm = [Double](repeating: 0, count: n * p)
        for (r, i) in rows.enumerated() { for j in 0..<p { zm[r * p + j] = covariates[j][i] } }

        let data = SortedSample(x: x, kind: kind, z: zm, p: p)
        var b = [Double](repeating: 0, count: p)
        let nullFit = data.evaluate(b)
        var current = nullFit
        var converged = false
        var iterations = 0
        for iteration in 0...options.maxIterations {
            try options.cancellation?.check()
            iterations = iteration
            let gradientSize = (0..<p).map { abs(current.score[$0]) * max(abs(b[$0]), 1) }.max()!
            if gradientSize < max(abs(current.logLik), 1) * options.gtol { converged = true; break }
            if iteration == options.maxIterations { break }
            guard var step = choleskySolve(current.information, current.score, size: p) else {
                throw AnalysisError("Fine-Gray: the information matrix is singular (collinear covariates, or a covariate constant among those at risk)")
            }
            // Armijo backtracking on -l: accept when -l(b + step) <= -l(b) - 1e-4 U'step.
            let slope = zip(step, current.score).reduce(0) { $0 + $1.0 * $1.1 }
            var halvings = 0
            var trial = data.evaluate(zip(b, step).map { $0 + $1 })
            while trial.logLik.isNaN || -trial.logLik > -current.logLik - 1e-4 * slope {
                halvings += 1
                step = step.map { $0 * 0.5 }
                trial = data.evaluate(zip(b, step).map { $0 + $1 })
                if halvings > 20 { break }
            }
            if halvings > 20 { break }
            b = zip(b, step).map { $0 + $1 }
            current = trial
        }
        if !converged {
            warnings.append("Fine-Gray: did not converge in \(options.maxIterations) iterations; estimates are not final")
        }

        guard let naive = choleskyInverse(current.information, size: p) else {
            throw AnalysisError("Fine-Gray: the information matrix is singular at the estimate")
        }
        let omega = data.omega(b, current)
        // V = I^-1 Omega I^-1.
        var v = [Double](repeating: 0, count: p * p)
        for r in 0..<p {
            for c in 0..<p {
                var s = 0.0
                for k in 0..<p { for l in 0..<p { s += naive[r * p + k] * omega[k * p + l] * naive[l * p + c] } }
                v[r * p + c] = s
            }
        }
        let se = (0..<p).map { v[$0 * p + $0].squareRoot() }
        let q = Distributions.normalQuantile(1 - (1 - options.confidenceLevel) / 2)
        let zs = (0..<p).map { b[$0] / se[$0] }
        let lr = 2 * (current.logLik - nullFit.logLik)
        return FineGrayResult(
            names: names, failCode: failCode, n: n, nMissing: nMissing, nEvents: nEvents, nCompeting: nCompeting,
            coefficients: b, standardErrors: se,
            variance: (0..<p).map { r in Array(v[(r * p)..<(r * p + p)]) },
            naiveVariance: (0..<p).map { r in Array(naive[(r * p)..<(r * p + p)]) },
            hr: b.map { exp($0) },
            lower: (0..<p).map { exp(b[$0] - q * se[$0]) }, upper: (0..<p).map { exp(b[$0] + q * se[$0]) },
            z: zs, p: zs.map { Distributions.normalTwoSided($0) }, confidenceLevel: options.confidenceLevel,
            pseudoLogLikelihood: current.logLik, pseudoLogLikelihoodNull: nullFit.logLik,
            likelihoodRatio: TestStatistic(statistic: lr, df: Double(p), p: Distributions.chiSquareUpperTail(lr, df: Double(p))),
            converged: converged, iterations: iterations, warnings: warnings)
    }

    /// The pseudo log-likelihood and its derivatives at one b, with what the sandwich needs.
    struct Evaluation {
        var logLik: Double
        var score: [Double]
        var information: [Double]  // row-major p x p
        var s0: [Double]           // per failure time
        var zbar: [Double]         // per failure time, p values each
        var e: [Double]            // exp(b'Z_i), time order
    }

    /// Sorted data and the fixed parts of the weights.
    struct SortedSample {
        let x: [Double], kind: [Int], z: [Double], p: Int
        /// Distinct times; for each: first row, number of rows, failures of interest, censorings.
        var start: [Int] = [], count: [Int] = []
        var nFail: [Double] = [], nCensor: [Double] = []
        /// G(t-) at each distinct time, and the row's distinct-time index.
        var censorSurvBefore: [Double] = []
        var timeIndex: [Int] = []
        /// Indices (into the distinct times) of the failure times.
        var failTimes: [Int] = []

        init(x: [Double], kind: [Int], z: [Double], p: Int) {
            self.x = x; self.kind = kind; self.z = z; self.p = p
            timeIndex = [Int](repeating: 0, count: x.count)
            var i = 0
            var g = 1.0
            while i < x.count {
                var j = i, f = 0.0, c = 0.0
                while j < x.count && x[j] == x[i] {
                    if kind[j] == 1 { f += 1 } else if kind[j] == 0 { c += 1 }
                    timeIndex[j] = start.count
                    j += 1
                }
                if f > 0 { failTimes.append(start.count) }
                start.append(i); count.append(j - i); nFail.append(f); nCensor.append(c)
                censorSurvBefore.append(g)
                g *= 1 - c / Double(x.count - i)
                i = j
            }
        }

        func evaluate(_ b: [Double]) -> Evaluation {
            let n = x.count, m = start.count
            var e = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var eta = 0.0
                for j in 0..<p { eta += b[j] * z[i * p + j] }
                e[i] = exp(eta)
            }
            // At-risk sums (X_i >= t) by a backward pass over distinct times; competing sums
            // (X_i < t, weighted by 1/G(X_i-)) by a forward pass; combined at failure times.
            var r0 = [Double](repeating: 0, count: m)
            var r1 = [Double](repeating: 0, count: m * p)
            var r2 = [Double](repeating: 0, count: m * p * p)
            var a0 = 0.0, a1 = [Double](repeating: 0, count: p), a2 = [Double](repeating: 0, count: p * p)
            for t in stride(from: m - 1, through: 0, by: -1) {
                for i in start[t]..<(start[t] + count[t]) {
                    accumulate(row: i, weight: e[i], &a0, &a1, &a2)
                }
                r0[t] = a0
                for j in 0..<p { r1[t * p + j] = a1[j] }
                for j in 0..<(p * p) { r2[t * p * p + j] = a2[j] }
            }
            var c0 = 0.0, c1 = [Double](repeating: 0, count: p), c2 = [Double](repeating: 0, count: p * p)
            var logLik = 0.0
            var score = [Double](repeating: 0, count: p)
            var information = [Double](repeating: 0, count: p * p)
            var s0 = [Double](repeating: 0, count: m)
            var zbar = [Double](repeating: 0, count: m * p)
            var s1 = [Double](repeating: 0, count: p)
            for t in 0..<m {
                if nFail[t] > 0 {
                    let g = censorSurvBefore[t], d = nFail[t]
                    let sum0 = r0[t] + g * c0
                    for j in 0..<p { s1[j] = r1[t * p + j] + g * c1[j] }
                    s0[t] = sum0
                    logLik -= d * log(sum0)
                    for j in 0..<p { zbar[t * p + j] = s1[j] / sum0; score[j] -= d * zbar[t * p + j] }
                    for j in 0..<p {
                        for k in 0..<p {
                            let s2 = r2[t * p * p + j * p + k] + g * c2[j * p + k]
                            information[j * p + k] += d * (s2 / sum0 - zbar[t * p + j] * zbar[t * p + k])
                        }
                    }
                    for i in start[t]..<(start[t] + count[t]) where kind[i] == 1 {
                        for j in 0..<p { logLik += b[j] * z[i * p + j]; score[j] += z[i * p + j] }
                    }
                }
                for i in start[t]..<(start[t] + count[t]) where kind[i] == 2 {
                    accumulate(row: i, weight: e[i] / censorSurvBefore[t], &c0, &c1, &c2)
                }
            }
            return Evaluation(logLik: logLik, score: score, information: information, s0: s0, zbar: zbar, e: e)
        }

        private func accumulate(row i: Int, weight w: Double, _ a0: inout Double, _ a1: inout [Double], _ a2: inout [Double]) {
            a0 += w
            for j in 0..<p {
                let wz = w * z[i * p + j]
                a1[j] += wz
                for k in 0..<p { a2[j * p + k] += wz * z[i * p + k] }
            }
        }

        /// Omega = sum_i (eta_i + psi_i)(eta_i + psi_i)' at the estimate (see `fit`).
        func omega(_ b: [Double], _ ev: Evaluation) -> [Double] {
            let n = x.count, m = start.count
            // Per distinct time t: the Breslow increment dL = d / S0 at failure times.
            // Forward cumulative (t_j <= t): A0 = sum dL, A1 = sum Zbar dL.
            // Backward (t_j >= t): B0 = sum G(t_j-) dL, B1 = sum G(t_j-) Zbar dL.
            var a0 = [Double](repeating: 0, count: m), a1 = [Double](repeating: 0, count: m * p)
            var b0 = [Double](repeating: 0, count: m), b1 = [Double](repeating: 0, count: m * p)
            var run0 = 0.0, run1 = [Double](repeating: 0, count: p)
            for t in 0..<m {
                if nFail[t] > 0 {
                    let dl = nFail[t] / ev.s0[t]
                    run0 += dl
                    for j in 0..<p { run1[j] += ev.zbar[t * p + j] * dl }
                }
                a0[t] = run0
                for j in 0..<p { a1[t * p + j] = run1[j] }
            }
            run0 = 0; run1 = [Double](repeating: 0, count: p)
            for t in stride(from: m - 1, through: 0, by: -1) {
                if nFail[t] > 0 {
                    let gdl = censorSurvBefore[t] * nFail[t] / ev.s0[t]
                    run0 += gdl
                    for j in 0..<p { run1[j] += ev.zbar[t * p + j] * gdl }
                }
                b0[t] = run0
                for j in 0..<p { b1[t * p + j] = run1[j] }
            }
            // q(u) at each distinct time u with censorings, and the running sum
            // K(t) = sum_{u <= t} q(u) dNc(u) / Y(u)^2.
            var q = [Double](repeating: 0, count: m * p)
            var kcum = [Double](repeating: 0, count: m * p)
            var compZ = [Double](repeating: 0, count: p), comp0 = 0.0  // sum over competing X_i < u of c_i Z_i, c_i
            var krun = [Double](repeating: 0, count: p)
            for t in 0..<m {
                let y = Double(n - start[t])
                if nCensor[t] > 0 {
                    for j in 0..<p {
                        q[t * p + j] = compZ[j] * b0[t] - comp0 * b1[t * p + j]
                        krun[j] += q[t * p + j] * nCensor[t] / (y * y)
                    }
                }
                for j in 0..<p { kcum[t * p + j] = krun[j] }
                for i in start[t]..<(start[t] + count[t]) where kind[i] == 2 {
                    let c = ev.e[i] / censorSurvBefore[t]
                    comp0 += c
                    for j in 0..<p { compZ[j] += c * z[i * p + j] }
                }
            }
            var omega = [Double](repeating: 0, count: p * p)
            var u = [Double](repeating: 0, count: p)
            for i in 0..<n {
                let t = timeIndex[i]
                let y = Double(n - start[t])
                let ei = ev.e[i]
                // Strictly after X_i, for the competing weights: B(t+1).
                let after0 = t + 1 < m ? b0[t + 1] : 0
                for j in 0..<p {
                    let zij = z[i * p + j]
                    var value = -ei * (zij * a0[t] - a1[t * p + j])
                    if kind[i] == 1 { value += zij - ev.zbar[t * p + j] }
                    if kind[i] == 2 {
                        let after1 = t + 1 < m ? b1[(t + 1) * p + j] : 0
                        value -= ei / censorSurvBefore[t] * (zij * after0 - after1)
                    }
                    if kind[i] == 0 { value += q[t * p + j] / y }
                    value -= kcum[t * p + j]
                    u[j] = value
                }
                for j in 0..<p { for k in 0..<p { omega[j * p + k] += u[j] * u[k] } }
            }
            return omega
        }
    }

    // MARK: Dense symmetric positive definite algebra (p x p, row-major)

    /// Cholesky factor L (lower, row-major) of a symmetric positive definite matrix; nil if
    /// a pivot is not positive.
    private static func cholesky(_ a: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        return l
    }

    private static func choleskySolve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        guard let l = cholesky(a, size: n) else { return nil }
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(n, i + 1) { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }

    private static func choleskyInverse(_ a: [Double], size n: Int) -> [Double]? {
        var inverse = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[c] = 1
            guard let col = choleskySolve(a, e, size: n) else { return nil }
            for r in 0..<n { inverse[r * n + c] = col[r] }
        }
        return inverse
    }
}
