import Runtime

/// The verbs a pipeline stage may start with, and what each accepts. This is the one table
/// of stages: the parser reads options generically (`key value`, any order) and checks them
/// against `Verb.spec`; the interpreter runs each verb through an exhaustive `switch`
/// (`Interpreter.runStage`), so a verb without a runner does not compile. `grammar.md`
/// documents the same table; `.help VERB` prints it.
public enum Verb: String, Sendable, CaseIterable {
    // Row steps: keep or drop rows, counted for the flow.
    case `where`, require, exclude
    // Analyses: produce a result.
    case km, logrank, cox, zph, cuminc, gray, finegray, followup, count, flow, list, summary
    // Output stages: write the result before them.
    case plot, export
    // Analyses added later (kept at the end of the list).
    case rmst
    // `forest`: `plot` for Cox results only (the name journals and survminer use).
    case forest

    public enum Kind: Sendable { case row, analysis, output }

    public var kind: Kind {
        switch self {
        case .where, .require, .exclude: .row
        case .km, .logrank, .cox, .zph, .cuminc, .gray, .finegray, .followup, .count, .flow, .list, .summary: .analysis
        case .plot, .export: .output
        case .rmst: .analysis
        case .forest: .output
        }
    }

    public var spec: VerbSpec {
        switch self {
        case .where:
            VerbSpec(summary: "keep the rows where the condition holds (counted for the flow)",
                     example: "cohort omd where tki | km pfs at 12mo")
        case .require:
            VerbSpec(summary: "keep the rows where the condition holds, with the reason the others are excluded",
                     example: "cohort eligible = registry | require histology == \"adenocarcinoma\" \"not adenocarcinoma\"")
        case .exclude:
            VerbSpec(summary: "drop the rows where the condition holds, with the reason",
                     example: "cohort omd = eligible | exclude brain_mets_uncontrolled \"uncontrolled brain metastases\"")
        case .km:
            VerbSpec(endpoint: .required, options: [.by: .list, .at: .list, .ci: .word],
                     summary: "Kaplan-Meier estimate: survival at times, median with CI, by group",
                     example: "cohort omd | km pfs by tki at 6mo, 12mo ci log-log   (by a, b: one curve per combination)")
        case .logrank:
            VerbSpec(endpoint: .optional, options: [.by: .list, .rho: .expr, .strata: .expr, .trend: .flag],
                     summary: "G-rho log-rank test (rho 0 log-rank, rho 1 Peto-Peto), stratified or for trend",
                     example: "cohort omd | logrank pfs by tki rho 1 strata sex")
        case .cox:
            VerbSpec(endpoint: .required, formula: true, options: [.ties: .word, .strata: .expr, .weights: .expr, .robust: .flag],
                     summary: "Cox proportional hazards model (ties efron|breslow|exact); each(...) for a univariate screen; `weights W` for case weights, `robust` for the sandwich variance",
                     example: "cohort omd | cox pfs ~ tki + all_sites_rt ties breslow")
        case .zph:
            VerbSpec(summary: "proportional-hazards test of the Cox model before it (cox.zph, transform km)",
                     example: "cohort omd | cox pfs ~ tki | zph")
        case .cuminc:
            VerbSpec(endpoint: .required, options: [.by: .list, .at: .list],
                     summary: "cumulative incidence with competing risks (Aalen-Johansen, cmprsk variance)",
                     example: "cohort opd | cuminc lf at 12mo, 36mo")
        case .gray:
            VerbSpec(summary: "Gray's test between the groups of the cuminc before it",
                     example: "cohort omd + opd | cuminc lf by cohort | gray")
        case .finegray:
            VerbSpec(endpoint: .required, formula: true, options: [.cause: .expr],
                     summary: "Fine-Gray subdistribution hazards model (cmprsk::crr)",
                     example: "cohort opd | finegray lf ~ tki")
        case .followup:
            VerbSpec(endpoint: .required, options: [.by: .expr],
                     summary: "median follow-up by reverse Kaplan-Meier, and median and range of observed times",
                     example: "cohort omd + opd | followup os")
        case .count:
            VerbSpec(options: [.by: .list],
                     summary: "number of rows (patients), optionally by group",
                     example: "cohort omd | count by tki")
        case .flow:
            VerbSpec(summary: "the eligibility flow of a cohort: each step with n kept and excluded",
                     example: "flow omd")
        case .list:
            VerbSpec(options: [.limit: .expr],
                     summary: "print rows (first 20 unless `limit n`)",
                     example: "cohort omd | list limit 5")
        case .summary:
            VerbSpec(arguments: true, options: [.by: .expr],
                     summary: "describe expressions: numbers (n, missing, mean, SD, median, quartiles, range), dates (the same as dates, no SD), text (level counts); bound (`let s = cohort omd | summary age`), its parts s.numbers, s.dates, s.levels",
                     example: "cohort omd + opd | summary age, eqd2(rt_dose_gy, rt_fractions) by cohort")
        case .plot:
            VerbSpec(path: true, pathOptional: true,
                     options: [.title: .expr, .xlab: .expr, .ylab: .expr, .xmax: .expr, .ticks: .expr, .percent: .flag, .ci: .flag,
                               .censor: .word, .median: .flag, .pvalue: .flag, .risktable: .word, .cause: .list, .size: .size],
                     summary: "draw the result before it: KM or cumulative incidence curves, a Cox forest plot, a flow diagram; "
                         + "to .svg, .pdf or .png (300 dpi), or in the terminal without a file",
                     example: "cohort omd | km pfs by tki | plot \"fig-pfs.png\" xmax 60mo percent pvalue")
        case .export:
            VerbSpec(path: true, options: [.id: .expr],
                     summary: "write the result before it to a file: .csv, .md, .json, .tex or .txt by the extension; "
                         + "`export adtte pfs, os \"adtte.csv\" [id COLUMN]` writes the endpoints of the cohort's rows as a CDISC ADaM ADTTE dataset",
                     example: "cohort omd | cox pfs ~ tki | export \"table2.csv\"")
        case .rmst:
            VerbSpec(endpoint: .required, options: [.by: .list, .tau: .expr],
                     summary: "restricted mean survival time up to tau (area under the KM curve) with SE and CI; for two groups the difference and ratio",
                     example: "cohort omd | rmst pfs by tki tau 24mo")
        case .forest:
            VerbSpec(path: true, pathOptional: true, options: [.title: .expr, .xlab: .expr, .size: .size],
                     summary: "forest plot of the Cox model or univariate screen before it (as `plot` draws it): "
                         + "hazard ratios on a log axis, HR (95% CI) and p as columns, reference levels as rows",
                     example: "cohort omd | cox pfs ~ sex + tki + egfr | forest \"forest.png\"")
        }
    }

    /// The verb a word names; row verbs and analyses alike.
    public static func named(_ word: String) -> Verb? { Verb(rawValue: word) }

    public static var rowVerbs: [Verb] { allCases.filter { $0.kind == .row } }
}

/// The option words a stage may take after its verb (`by tki`, `at 12mo`, `ties breslow`).
public enum OptionKey: String, Sendable, CaseIterable {
    case by, at, ci, rho, strata, trend, ties, cause, limit
    // Figures (`plot`).
    case title, xlab, ylab, xmax, ticks, percent, median, pvalue, size, censor, risktable
    // Restricted mean, weights (added after the figure options).
    case tau, weights, robust
    // `export adtte ... id COLUMN`: the patient identifier.
    case id
}

extension OptionKey {
    /// The words a word-valued option takes, from the runtime's types (for `.help`).
    public static let words: [OptionKey: [String]] = [
        .ci: ConfidenceTransform.allCases.map(\.rawValue),
        .ties: CoxTies.allCases.map(\.rawValue),
    ]
}

/// What a verb accepts: an endpoint, a formula, a path, arguments, options.
public struct VerbSpec: Sendable {
    public enum EndpointUse: Sendable { case none, optional, required }
    public enum OptionKind: Sendable {
        case expr          // by tki
        case list          // at 6mo, 12mo
        case word          // ties breslow, ci log-log
        case flag          // trend
        case size          // size 85mm x 70mm (width and height in millimetres)
    }
    public var endpoint: EndpointUse
    public var formula: Bool
    /// Takes a file path in quotes (output stages).
    public var path: Bool
    /// The path may be left out (`plot` alone draws in the terminal).
    public var pathOptional: Bool
    /// Takes a list of expressions right after the verb (`summary age, eqd2(d, n)`).
    public var arguments: Bool
    public var options: [OptionKey: OptionKind]
    public var summary: String
    public var example: String

    init(endpoint: EndpointUse = .none, formula: Bool = false, path: Bool = false, pathOptional: Bool = false, arguments: Bool = false,
         options: [OptionKey: OptionKind] = [:], summary: String, example: String) {
        self.endpoint = endpoint; self.formula = formula; self.path = path; self.pathOptional = pathOptional
        self.arguments = arguments; self.options = options
        self.summary = summary; self.example = example
    }

    /// The option words, sorted, for messages and help.
    public var optionWords: [String] { options.keys.map(\.rawValue).sorted() }
}

public enum Grammar {
    /// Words that begin a statement.
    public static let statementKeywords = ["use", "param", "let", "endpoint", "cohort", "set", "flow", "count", "table1", "table2", "levels", "label",
                                           "why"]

    /// Every keyword, for completion.
    public static var allKeywords: [String] {
        var words = Set(statementKeywords)
        words.formUnion(Verb.allCases.map(\.rawValue))
        words.formUnion(OptionKey.allCases.map(\.rawValue))
        words.formUnion(["landmark", "start", "stop", "adtte"])
        words.formUnion(["as", "from", "to", "censor", "compete", "time", "event", "unit", "and", "or", "not",
                         "in", "is", "missing", "true", "false", "vs", "each", "factor", "first", "log", "exp"])
        return words.sorted()
    }
}
