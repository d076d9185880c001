#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


// MARK: - Log partial likelihood, score and information

/// Per-row scratch of the likelihood pass (see `CoxLikelihood.scratch`).
final class CoxScratch {
    var eta: [Double] = []
    var risk: [Double] = []
}

struct CoxEvaluation {
    var logLikelihood: Double
    var score: [Double]
    /// Information matrix (symmetric, full).
    var information: [[Double]]

    init(logLikelihood: Double, score: [Double], information: [[Double]]) {
        self.logLikelihood = logLikelihood; self.score = score; self.information = information
    }

    /// From a pass's scratch: the score's `p` values and the information's lower triangle
    /// (row-major, `p` by `p`), made symmetric.
    init(logLikelihood: Double, score u: UnsafePointer<Double>, lowerInformation imat: UnsafePointer<Double>, p: Int) {
        var info = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for j in 0..<p {
            for k in 0...j {
                info[j][k] = imat[j * p + k]
                info[k][j] = imat[j * p + k]
            }
        }
        self.init(logLikelihood: logLikelihood, score: Array(UnsafeBufferPointer(start: u, count: p)), information: info)
    }
}

struct CoxLikelihood {
    let data: CoxRiskSets
    let ties: CoxTies
    /// eta and r of every row, allocated by the first evaluation and reused by the next
    /// (an engine evaluates one b at a time).
    let scratch = CoxScratch()
    /// Whether level rows may be evaluated on two threads a tied set at a time
    /// (`evaluateGrouped`: the same sums, added in another order).
    var grouped = true

    /// L(b), U(b), I(b) in one backward pass over time (see `Cox` for the formulas).
    ///
    /// With compressed rows (`CoxRiskSets.sparse`) the pass reads only each row's nonzero
    /// values: the linear predictor, and the updates of s1 = sum r x and s2 = sum r x x', cost
    /// O(k^2) per row for k nonzero values instead of O(p^2) (for a factor's 0/1 columns, one
    /// of which is 1 in a row, this is accumulating e^eta by level). With level rows
    /// (`CoxRiskSets.levels`) a factor is read as its level code and its sums are updated
    /// through a table per level (`LevelPass`), the other columns' sums kept in registers.
    /// Every sum receives the same nonzero terms in the same order, so the numbers are those
    /// of the dense pass. A product with a zero that is not +-0 (an infinite r or b) is the
    /// one case where they could differ: a non-finite b, or a non-finite result, is evaluated
    /// on the dense rows.
    func evaluate(_ beta: [Double]) -> CoxEvaluation {
        if (data.sparse != nil || data.levels != nil) && beta.allSatisfy(\.isFinite) {
            let ev = data.levels.flatMap { grouped ? evaluateGrouped(beta, levels: $0) : nil }
                ?? evaluate(beta, compressed: true)
            if ev.logLikelihood.isFinite && ev.score.allSatisfy(\.isFinite)
                && ev.information.allSatisfy({ $0.allSatisfy(\.isFinite) }) {
                return ev
            }
        }
        return evaluate(beta, compressed: false)
    }

    private func evaluate(_ beta: [Double], compressed: Bool) -> CoxEvaluation {
        let p = data.p
        let n = data.n
        let pp = p * p
        var loglik = 0.0
        let levels = compressed ? data.levels : nil
        // Scratch in one block: u (and a spare place, see `LevelPass`), imat (lower triangle
        // used, row-major), the risk-set sums s1 = sum r x, s2 = sum r x x' (lower triangle)
        // in a region with room for s0, the same sums d1, d2 over the events of the current
        // tied set in a second such region, and the weighted mean.
        let region = 1 + p + pp + 2 + (levels?.denseCount ?? 0)
        let blockSize = (p + 1) + pp + 2 * region + p
        let block = UnsafeMutablePointer<Double>.allocate(capacity: blockSize)
        block.initialize(repeating: 0, count: blockSize)
        defer { block.deallocate() }
        let u = block, imat = block + p + 1
        let sumsS = imat + pp, sumsD = sumsS + region
        let s1 = sumsS + 1, s2 = s1 + p, d1 = sumsD + 1, d2 = d1 + p
        let mean = sumsD + region
        var s0 = 0.0
        // The linear predictor eta_i and the risk weight w_i exp(eta_i) of every row, formed
        // before the pass (each row on its own, so on many rows two threads share them; the
        // same values as formed in the pass), read back by the pass and the exact terms.
        if scratch.eta.count != n {
            scratch.eta = [Double](repeating: 0, count: n)
            scratch.risk = [Double](repeating: 0, count: n)
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

        let dense: [Double] = compressed ? [] : data.x
        let sparse = compressed && levels == nil ? data.sparse : nil
        let rowStart = sparse?.start ?? [], column = sparse?.column ?? [], value = sparse?.value ?? []
        let levelValues = levels?.dense ?? [], levelCodes = levels?.codes ?? []
        // Case weights in the order of the rows read (that of `levels` when used).
        let rowWeight = levels != nil ? levels?.weight ?? [] : weight
        dense.withUnsafeBufferPointer { x in
        rowStart.withUnsafeBufferPointer { rs in
        column.withUnsafeBufferPointer { cs in
        value.withUnsafeBufferPointer { vs in
        levelValues.withUnsafeBufferPointer { lv in
        levelCodes.withUnsafeBufferPointer { lc in
        rowWeight.withUnsafeBufferPointer { weightIn in
        data.event.withUnsafeBufferPointer { event in
        scratch.eta.withUnsafeMutableBufferPointer { eta in
        scratch.risk.withUnsafeMutableBufferPointer { risk in
        beta.withUnsafeBufferPointer { beta in
            let pass = levels.map { LevelPass(rows: $0, p: p, x: lv.baseAddress!, codes: lc.baseAddress!, beta: beta) }
            defer { pass?.deallocate() }
            let threads = n >= 1 << 15 ? 2 : 1
            CSVReader.concurrently(threads) { t in
                let rows = threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n)
                if let pass {
                    var lo = rows.lowerBound
                    while lo < rows.upperBound {
                        let hi = min(lo + LevelPass.etaChunk, rows.upperBound)
                        pass.eta(lo..<hi, beta, into: eta.baseAddress! + lo)
                        if hasWeights {
                            for i in lo..<hi { risk[i] = weightIn[i] * exp(eta[i]) }
                        } else {
                            for i in lo..<hi { risk[i] = exp(eta[i]) }
                        }
                        lo = hi
                    }
                    return
                }
                for i in rows {
                    var e = 0.0
                    if compressed {
                        for a in rs[i]..<rs[i + 1] { e += vs[a] * beta[Int(cs[a])] }
                    } else {
                        for j in 0..<p { e += x[i * p + j] * beta[j] }
                    }
                    eta[i] = e
                    risk[i] = hasWeights ? weight[i] * exp(e) : exp(e)
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
                if let pass, let levels {
                    // The rows' sums of r go through the regions' first places.
                    sumsS[0] = s0
                    sumsD[0] = 0
                    d = Int(levels.groupEvents[g])
                    dw = pass.addTiedSet(group, events: d, eta: eta.baseAddress!, risk: risk.baseAddress!,
                                         weight: hasWeights ? weightIn.baseAddress : nil,
                                         sumsS: sumsS, sumsD: sumsD, u: u, loglik: &loglik)
                    s0 = sumsS[0]
                    d0 = sumsD[0]
                }
                for i in group where pass == nil {
                    if compressed {
                        // The dense loop below on the nonzero values only (column order kept).
                        let lo = rs[i], hi = rs[i + 1]
                        let ei = eta[i]
                        let wi = hasWeights ? weight[i] : 1
                        let r = risk[i]
                        if event[i] {
                            d += 1
                            dw += wi
                            loglik += wi * ei
                            d0 += r
                            for a in lo..<hi {
                                let j = Int(cs[a]), xj = vs[a]
                                let rxj = r * xj
                                u[j] += wi * xj
                                d1[j] += rxj
                                let d2j = d2 + j * p
                                for b in lo...a { d2j[Int(cs[b])] += rxj * vs[b] }
                            }
                        } else {
                            s0 += r
                            for a in lo..<hi {
                                let j = Int(cs[a])
                                let rxj = r * vs[a]
                                s1[j] += rxj
                                let s2j = s2 + j * p
                                for b in lo...a { s2j[Int(cs[b])] += rxj * vs[b] }
                            }
                        }
                        continue
                    }
                    let row = x.baseAddress! + i * p
                    let ei = eta[i]
                    let wi = hasWeights ? weight[i] : 1
                    let r = risk[i]
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
                        let r = risk[q]
                        s0 -= r
                        for j in 0..<p {
                            let rxj = r * row[j]
                            s1[j] -= rxj
                            let s2j = s2 + j * p
                            for k in 0...j { s2j[k] -= rxj * row[k] }
                        }
                    }
                }
                if ties != .exact || d == 1 {
                    CoxLikelihood.tiedSetTerms(ties: ties, events: d, eventWeight: dw, s0: &s0, d0: d0, s1: s1, s2: s2,
                                               d1: d1, d2: d2, p: p, u: u, imat: imat, mean: mean, loglik: &loglik)
                } else {
                    // From here on every member of the tied set is in the risk set.
                    s0 += d0
                    for j in 0..<p { s1[j] += d1[j] }
                    for j in 0..<pp { s2[j] += d2[j] }
                    if hasStart {
                        let t = data.time[group.lowerBound]
                        let risk = (group.lowerBound..<data.stratumEnd[g]).filter { entry[$0] < t }
                        exactTerm(risk: risk, group: group, events: d, eta: eta, loglik: &loglik, u: u, imat: imat)
                    } else {
                        exactTerm(risk: group.lowerBound..<data.stratumEnd[g], group: group, events: d, eta: eta,
                                  loglik: &loglik, u: u, imat: imat)
                    }
                }
                // Only events write the tied-set sums: clear them for the next tied set.
                d1.update(repeating: 0, count: p)
                d2.update(repeating: 0, count: pp)
            }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }

        return CoxEvaluation(logLikelihood: loglik, score: u, lowerInformation: imat, p: p)
    }

    /// The Efron or Breslow terms of one tied set with `events` d >= 1 (weighing
    /// `eventWeight` together): with the risk-set sums (s0, s1, s2) of the rows at risk that
    /// are not among its events and the events' sums (d0, d1, d2), subtracts from the
    /// log-likelihood and adds to U and I what its log-denominators give (see `Cox`), and
    /// leaves in (s0, s1, s2) the sums of the whole risk set. `mean` is scratch of p values.
    @inline(__always)
    static func tiedSetTerms(ties: CoxTies, events d: Int, eventWeight dw: Double, s0: inout Double, d0: Double,
                             s1: UnsafeMutablePointer<Double>, s2: UnsafeMutablePointer<Double>,
                             d1: UnsafeMutablePointer<Double>, d2: UnsafeMutablePointer<Double>, p: Int,
                             u: UnsafeMutablePointer<Double>, imat: UnsafeMutablePointer<Double>,
                             mean: UnsafeMutablePointer<Double>, loglik: inout Double) {
        let pp = p * p
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
            addEfronTerms(a, b, c, e, g2, s1: s1, s2: s2, d1: d1, d2: d2, p: p, u: u, imat: imat)
        }
        // From here on every member of the tied set is in the risk set.
        s0 += d0
        for j in 0..<p { s1[j] += d1[j] }
        for j in 0..<pp { s2[j] += d2[j] }
        if d == 1 || ties == .breslow {
            // The term for one log-denominator with sums (t0, t1, t2) = (s0, s1, s2), weight dw.
            loglik -= dw * log(s0)
            for j in 0..<p {
                mean[j] = s1[j] / s0
                u[j] -= dw * mean[j]
            }
            for j in 0..<p {
                for k in 0...j {
                    imat[j * p + k] += dw * (s2[j * p + k] / s0 - mean[j] * mean[k])
                }
            }
        }
    }

    /// U -= s1 a + d1 b and I += s2 a + d2 b - (s1 s1' c + (s1 d1' + d1 s1') e + d1 d1' g):
    /// the Efron terms of one tied set from its scalar sums (see `tiedSetTerms`).
    @inline(__always)
    static func addEfronTerms(_ a: Double, _ b: Double, _ c: Double, _ e: Double, _ g2: Double,
                              s1: UnsafeMutablePointer<Double>, s2: UnsafeMutablePointer<Double>,
                              d1: UnsafeMutablePointer<Double>, d2: UnsafeMutablePointer<Double>, p: Int,
                              u: UnsafeMutablePointer<Double>, imat: UnsafeMutablePointer<Double>) {
        for j in 0..<p { u[j] -= s1[j] * a + d1[j] * b }
        for j in 0..<p {
            for k in 0...j {
                imat[j * p + k] += s2[j * p + k] * a + d2[j * p + k] * b
                    - (s1[j] * s1[k] * c + (s1[j] * d1[k] + d1[j] * s1[k]) * e + d1[j] * d1[k] * g2)
            }
        }
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

