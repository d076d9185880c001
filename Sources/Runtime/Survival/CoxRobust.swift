#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Score residuals of a Cox fit and the robust (sandwich) variance built from them.
//
// Score residual of row i (Therneau & Grambsch 2000, section 4.6 and 7.2; Barlow & Prentice
// 1988), with r_i = exp(x_i' b), Y_i(t) = 1 while row i is at risk (start_i < t <= stop_i),
// xbar(t) the risk-set mean of x weighted by w r, and dLambda(t) the hazard increment:
//   L_i = delta_i (x_i - xbar(t_i)) - int Y_i(t) r_i (x_i - xbar(t)) dLambda(t)
// Breslow: at an event time with events weighing W = sum w over the tied set,
//   dLambda = W / sum_R w r,  xbar = sum_R w r x / sum_R w r.
// Efron, d tied events (R's agscore3 / coxscore2): the time is d pseudo-times k = 0..d-1 at
// which each event of the set is still at risk with weight 1 - k/d:
//   D_k = sum_R w r - (k/d) sum_D w r,  xbar_k = (sum_R w r x - (k/d) sum_D w r x) / D_k,
//   h_k = (W/d) / D_k.
// A row at risk but not failing gets -r_i sum_k h_k (x_i - xbar_k); a failing row
// (x_i - mean_k xbar_k) - r_i sum_k (1 - k/d) h_k (x_i - xbar_k).
// The integral is formed from the cumulative sums H(t) = sum h and XH(t) = sum xbar h over
// the event times: row i collects -r_i (x_i (H(stop_i) - H(start_i)) - (XH(stop_i) - XH(start_i)))
// plus, for an event, the terms at its own time; one backward pass for the risk sets and one
// forward pass over each stratum, O(n log n + n p).
//
// Robust variance (Lin & Wei 1989; R's coxph with robust = TRUE): dfbeta rows
// D_i = w_i L_i V with V the model-based variance, summed within clusters; var = D'D.
// R's robust score test: T_c = sum_{i in c} w_i L_i(b = 0), u = sum_c T_c,
// test = u' (T'T)^- u (generalized inverse, toler.chol).

extension CoxLikelihood {
    /// Score residuals L_i (unweighted, as R's `residuals(type = "score")`) at `beta`, in the
    /// engine's scaled coordinates, for input rows in input order: `out[i * p + j]`.
    func scoreResiduals(_ beta: [Double]) -> [Double] {
        let p = data.p, n = data.n
        let x = data.x
        let weight = data.weight
        let entry = data.start
        func stratum(_ q: Int) -> Int { data.stratum?[q] ?? 0 }
        var risk = [Double](repeating: 0, count: n)   // exp(eta) per sorted position
        for q in 0..<n {
            var e = 0.0
            for j in 0..<p { e += x[q * p + j] * beta[j] }
            risk[q] = exp(e)
        }

        // Pass 1 (backwards): per group with events, its hazard pieces.
        let groups = data.groups
        var eventGroup = [Int](repeating: -1, count: groups.count)
        var hazard = [Double](), mh1 = [Double]()
        var xh = [Double](), mh2 = [Double](), mh3 = [Double]()
        var s0 = 0.0, s1 = [Double](repeating: 0, count: p)
        var nrisk = 0
        var exit = data.byStart.count - 1
        var mean = [Double](repeating: 0, count: p)
        for g in stride(from: groups.count - 1, through: 0, by: -1) {
            let group = groups[g]
            if data.lastInStratum[g] {
                s0 = 0; for j in 0..<p { s1[j] = 0 }; nrisk = 0
                let current = stratum(group.lowerBound)
                while exit >= 0 && stratum(data.byStart[exit]) > current { exit -= 1 }
            }
            nrisk += group.count
            var d = 0, dw = 0.0, d0 = 0.0
            var d1 = [Double](repeating: 0, count: p)
            for q in group {
                let w = weight?[q] ?? 1
                let r = w * risk[q]
                s0 += r
                for j in 0..<p { s1[j] += r * x[q * p + j] }
                if data.event[q] {
                    d += 1; dw += w; d0 += r
                    for j in 0..<p { d1[j] += r * x[q * p + j] }
                }
            }
            guard d > 0 else { continue }
            if let entry {
                let t = data.time[group.lowerBound], current = stratum(group.lowerBound)
                while exit >= 0 {
                    let q = data.byStart[exit]
                    guard stratum(q) == current, entry[q] >= t else { break }
                    exit -= 1
                    nrisk -= 1
                    if nrisk == 0 { s0 = 0; for j in 0..<p { s1[j] = 0 }; continue }
                    let r = (weight?[q] ?? 1) * risk[q]
                    s0 -= r
                    for j in 0..<p { s1[j] -= r * x[q * p + j] }
                }
            }
            eventGroup[g] = hazard.count
            var h = 0.0, m1 = 0.0
            var xhe = [Double](repeating: 0, count: p), m2 = [Double](repeating: 0, count: p), m3 = [Double](repeating: 0, count: p)
            if d == 1 || ties == .breslow {
                h = dw / s0
                for j in 0..<p { m3[j] = s1[j] / s0; xhe[j] = m3[j] * h }
            } else {
                let meanWeight = dw / Double(d)
                for k in 0..<d {
                    let f = Double(k) / Double(d)
                    let denom = s0 - f * d0
                    let hk = meanWeight / denom
                    h += hk
                    m1 += hk * f
                    for j in 0..<p {
                        mean[j] = (s1[j] - f * d1[j]) / denom
                        xhe[j] += mean[j] * hk
                        m2[j] += mean[j] * hk * f
                        m3[j] += mean[j] / Double(d)
                    }
                }
            }
            hazard.append(h); mh1.append(m1)
            xh.append(contentsOf: xhe); mh2.append(contentsOf: m2); mh3.append(contentsOf: m3)
        }

        // Pass 2 (forwards, per stratum): cumulative H and XH through each event group, then
        // each row's residual.
        var resid = [Double](repeating: 0, count: n * p)
        var cumH = [Double](), cumXH = [Double](), times = [Double]()
        var g0 = 0
        while g0 < groups.count {
            var g1 = g0
            while !data.lastInStratum[g1] { g1 += 1 }
            // Groups g0...g1 form one stratum, ascending in time.
            cumH.removeAll(keepingCapacity: true); cumXH.removeAll(keepingCapacity: true); times.removeAll(keepingCapacity: true)
            var H = 0.0, XH = [Double](repeating: 0, count: p)
            // Index into cumH of the last event group at or before each group.
            var through = [Int](repeating: -1, count: g1 - g0 + 1)
            for g in g0...g1 {
                let e = eventGroup[g]
                if e >= 0 {
                    H += hazard[e]
                    for j in 0..<p { XH[j] += xh[e * p + j] }
                    cumH.append(H); cumXH.append(contentsOf: XH); times.append(data.time[groups[g].lowerBound])
                }
                through[g - g0] = cumH.count - 1
            }
            // Last event time index at or before t (-1 when none).
            func indexAtOrBefore(_ t: Double) -> Int {
                var lo = 0, hi = times.count
                while lo < hi { let mid = (lo + hi) / 2; if times[mid] <= t { lo = mid + 1 } else { hi = mid } }
                return lo - 1
            }
            for g in g0...g1 {
                let k = through[g - g0]
                let e = eventGroup[g]
                for q in groups[g] {
                    let r = risk[q]
                    let ks = entry.map { indexAtOrBefore($0[q]) } ?? -1
                    let hStop = k >= 0 ? cumH[k] : 0, hStart = ks >= 0 ? cumH[ks] : 0
                    for j in 0..<p {
                        let xj = x[q * p + j]
                        let xhStop = k >= 0 ? cumXH[k * p + j] : 0, xhStart = ks >= 0 ? cumXH[ks * p + j] : 0
                        var v = -r * (xj * (hStop - hStart) - (xhStop - xhStart))
                        if data.event[q] {
                            v += (xj - mh3[e * p + j]) + r * (xj * mh1[e] - mh2[e * p + j])
                        }
                        resid[q * p + j] = v
                    }
                }
            }
            g0 = g1 + 1
        }
        // Input order.
        var out = [Double](repeating: 0, count: n * p)
        for i in 0..<n {
            let q = Int(data.position[i])
            for j in 0..<p { out[i * p + j] = resid[q * p + j] }
        }
        return out
    }
}

enum CoxRobust {
    /// The robust variance D'D and R's robust score test from score residuals (input order,
    /// original scale) at the estimate and at b = 0.
    static func variance(residuals: [Double], atZero: [Double], p: Int, weights: [Double]?, cluster: [Int]?,
                         naive: [[Double]], aliased: [Bool], tolerance: Double) -> (variance: [[Double]], scoreTest: Double, clusters: Int) {
        let n = residuals.count / p
        // Cluster codes 0..<C in order of first appearance.
        var code = [Int](repeating: 0, count: n)
        var clusters = n
        if let cluster {
            var index = [Int: Int]()
            for i in 0..<n {
                if let c = index[cluster[i]] { code[i] = c } else { let c = index.count; index[cluster[i]] = c; code[i] = c }
            }
            clusters = index.count
        } else {
            for i in 0..<n { code[i] = i }
        }
        var u = [Double](repeating: 0, count: clusters * p)
        var t = [Double](repeating: 0, count: clusters * p)
        for i in 0..<n {
            let w = weights?[i] ?? 1
            for j in 0..<p {
                u[code[i] * p + j] += w * residuals[i * p + j]
                t[code[i] * p + j] += w * atZero[i * p + j]
            }
        }
        // D = U V, var = D'D.
        var dmat = [Double](repeating: 0, count: clusters * p)
        for c in 0..<clusters {
            for k in 0..<p {
                var s = 0.0
                for j in 0..<p { s += u[c * p + j] * naive[j][k] }
                dmat[c * p + k] = s
            }
        }
        var v = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var tt = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var score = [Double](repeating: 0, count: p)
        for c in 0..<clusters {
            for j in 0..<p {
                score[j] += t[c * p + j]
                for k in 0...j {
                    v[j][k] += dmat[c * p + j] * dmat[c * p + k]
                    tt[j][k] += t[c * p + j] * t[c * p + k]
                }
            }
        }
        for j in 0..<p {
            for k in 0..<j { v[k][j] = v[j][k]; tt[k][j] = tt[j][k] }
        }
        for j in 0..<p where aliased[j] {
            for k in 0..<p { v[j][k] = 0; v[k][j] = 0 }
        }
        let test = SymmetricFactorization(tt, tolerance: tolerance).quadraticForm(score)
        return (v, test, clusters)
    }
}
