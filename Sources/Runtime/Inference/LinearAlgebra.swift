/// Symmetric positive semi-definite systems, as the Cox fitters need them: an LDL'
/// (square-root-free Cholesky) factorization that tolerates singular columns, a solve and a
/// generalized inverse.
///
/// Inputs: a symmetric matrix A (p x p, row arrays; only the lower triangle is read) and a
/// tolerance `toler`.
///
/// Formula: A = L D L' with L unit lower triangular and D diagonal, computed column by
/// column (Golub & Van Loan, Matrix Computations, 4th ed., algorithm 4.1.2). A column whose
/// pivot d_k is below toler * max_i A_ii (or not finite) is declared redundant: d_k = 0 and
/// the k-th column of L is zeroed. For a PSD matrix the Schur complement of such a column
/// is (numerically) zero, so dropping it loses nothing. Solves and inverses then treat
/// 1/d_k as 0, which gives
///   - `solve`: the solution of the system restricted to the non-redundant columns, with
///     0 in the redundant positions;
///   - `inverse`: the inverse of the non-redundant sub-matrix, with zero rows and columns
///     for the redundant ones (the generalized inverse survival's coxph reports, where an
///     aliased coefficient has variance 0 and is shown as NA).
///
/// Symbols: `l[i][j]` = L_ij (i > j), `d[k]` = D_kk, `rank` = number of non-zero pivots.
/// The default tolerance .ulpOfOne^0.75 (about 1.8e-12) is R's `coxph.control(toler.chol)`.
public struct SymmetricFactorization: Sendable {
    public let dimension: Int
    /// Unit lower triangular factor (diagonal stored as 1).
    var l: [[Double]]
    /// Pivots; 0 marks a redundant column.
    public private(set) var d: [Double]

    public static let defaultTolerance = Double.ulpOfOne.squareRoot() * Double.ulpOfOne.squareRoot().squareRoot()

    public init(_ a: [[Double]], tolerance: Double = SymmetricFactorization.defaultTolerance) {
        let p = a.count
        dimension = p
        var work = a
        var maxDiagonal = 0.0
        for i in 0..<p where work[i][i].isFinite && work[i][i] > maxDiagonal { maxDiagonal = work[i][i] }
        let threshold = maxDiagonal * tolerance
        var pivots = [Double](repeating: 0, count: p)
        for k in 0..<p {
            let pivot = work[k][k]
            if !pivot.isFinite || pivot < threshold || pivot <= 0 {
                pivots[k] = 0
                for i in (k + 1)..<max(p, k + 1) { work[i][k] = 0 }
                continue
            }
            pivots[k] = pivot
            // Scale column k below the diagonal, then update the trailing lower triangle.
            for i in (k + 1)..<max(p, k + 1) { work[i][k] /= pivot }
            for j in (k + 1)..<max(p, k + 1) {
                let ljk = work[j][k]
                if ljk == 0 { continue }
                let scaled = ljk * pivot
                for i in j..<p { work[i][j] -= work[i][k] * scaled }
            }
        }
        for k in 0..<p { work[k][k] = 1 }
        l = work
        d = pivots
    }

    /// Number of non-redundant columns.
    public var rank: Int { d.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    /// Indices of redundant (aliased) columns.
    public var redundant: [Int] { (0..<dimension).filter { d[$0] == 0 } }

    /// x with A x = b on the non-redundant columns and x_k = 0 for redundant k.
    public func solve(_ b: [Double]) -> [Double] {
        let p = dimension
        var y = b
        // L y = b
        for i in 0..<p {
            var s = y[i]
            for j in 0..<i { s -= l[i][j] * y[j] }
            y[i] = s
        }
        // D z = y, then L' x = z
        for i in 0..<p { y[i] = d[i] > 0 ? y[i] / d[i] : 0 }
        for i in stride(from: p - 1, through: 0, by: -1) {
            if d[i] == 0 { y[i] = 0; continue }
            var s = y[i]
            for j in (i + 1)..<max(p, i + 1) { s -= l[j][i] * y[j] }
            y[i] = s
        }
        return y
    }

    /// The generalized inverse described above (symmetric, zero rows/columns for redundant
    /// columns).
    public func inverse() -> [[Double]] {
        let p = dimension
        var inv = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for j in 0..<p where d[j] > 0 {
            var e = [Double](repeating: 0, count: p)
            e[j] = 1
            let col = solve(e)
            for i in 0..<p { inv[i][j] = col[i] }
        }
        // Symmetrize against rounding.
        for i in 0..<p {
            for j in 0..<i {
                let m = 0.5 * (inv[i][j] + inv[j][i])
                inv[i][j] = m; inv[j][i] = m
            }
        }
        return inv
    }

    /// The quadratic form b' A^- b.
    public func quadraticForm(_ b: [Double]) -> Double {
        let x = solve(b)
        var s = 0.0
        for i in 0..<dimension { s += b[i] * x[i] }
        return s
    }
}
