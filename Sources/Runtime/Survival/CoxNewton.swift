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
