#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The Cox model's types: ties, terms, design, options and the fitted result

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
