/// The verbs a pipeline stage may start with, and what each accepts. The parser reads
/// options generically (`key value`, any order) and checks them against this table; the
/// interpreter reads them by key. `grammar.md` documents the same table.
public struct VerbSpec: Sendable {
    public enum EndpointUse: Sendable { case none, optional, required }
    public enum OptionKind: Sendable {
        case expr          // by tki
        case list          // at 6mo, 12mo
        case word          // ties breslow, ci log-log
        case flag          // trend
    }
    public var endpoint: EndpointUse
    public var formula: Bool
    /// Takes a file path in quotes (output stages).
    public var path: Bool = false
    public var options: [String: OptionKind]
    public var summary: String
    public var example: String

    init(endpoint: EndpointUse, formula: Bool, path: Bool = false, options: [String: OptionKind], summary: String, example: String) {
        self.endpoint = endpoint; self.formula = formula; self.path = path; self.options = options
        self.summary = summary; self.example = example
    }
}

public enum Grammar {
    public static let rowVerbs: Set<String> = ["where", "require", "exclude"]

    public static let verbs: [String: VerbSpec] = [
        "km": VerbSpec(endpoint: .required, formula: false,
                       options: ["by": .expr, "at": .list, "ci": .word],
                       summary: "Kaplan-Meier estimate: survival at times, median with CI, by group",
                       example: "cohort omd | km pfs by tki at 6mo, 12mo ci log-log"),
        "logrank": VerbSpec(endpoint: .optional, formula: false,
                            options: ["by": .expr, "rho": .expr, "strata": .expr, "trend": .flag],
                            summary: "G-rho log-rank test (rho 0 log-rank, rho 1 Peto-Peto), stratified or for trend",
                            example: "cohort omd | logrank pfs by tki rho 1 strata sex"),
        "cox": VerbSpec(endpoint: .required, formula: true,
                        options: ["ties": .word, "strata": .expr],
                        summary: "Cox proportional hazards model (ties efron|breslow|exact); each(...) for a univariate screen",
                        example: "cohort omd | cox pfs ~ tki + all_sites_rt ties breslow"),
        "zph": VerbSpec(endpoint: .none, formula: false, options: [:],
                        summary: "proportional-hazards test of the Cox model before it (cox.zph, transform km)",
                        example: "cohort omd | cox pfs ~ tki | zph"),
        "cuminc": VerbSpec(endpoint: .required, formula: false,
                           options: ["by": .expr, "at": .list],
                           summary: "cumulative incidence with competing risks (Aalen-Johansen, cmprsk variance)",
                           example: "cohort opd | cuminc lf at 12mo, 36mo"),
        "gray": VerbSpec(endpoint: .none, formula: false, options: [:],
                         summary: "Gray's test between the groups of the cuminc before it",
                         example: "cohort omd + opd | cuminc lf by cohort | gray"),
        "finegray": VerbSpec(endpoint: .required, formula: true, options: ["cause": .expr],
                             summary: "Fine-Gray subdistribution hazards model (cmprsk::crr)",
                             example: "cohort opd | finegray lf ~ tki"),
        "followup": VerbSpec(endpoint: .required, formula: false, options: ["by": .expr],
                             summary: "median follow-up by reverse Kaplan-Meier, and median and range of observed times",
                             example: "cohort omd + opd | followup os"),
        "count": VerbSpec(endpoint: .none, formula: false, options: ["by": .expr],
                          summary: "number of rows (patients), optionally by group",
                          example: "cohort omd | count by tki"),
        "flow": VerbSpec(endpoint: .none, formula: false, options: [:],
                         summary: "the eligibility flow of a cohort: each step with n kept and excluded",
                         example: "flow omd"),
        "list": VerbSpec(endpoint: .none, formula: false, options: ["limit": .expr],
                         summary: "print rows (first 20 unless `limit n`)",
                         example: "cohort omd | list limit 5"),
        "plot": VerbSpec(endpoint: .none, formula: false, path: true, options: [:],
                         summary: "write the figure of the result before it as SVG (KM or cumulative incidence curves, a flow diagram)",
                         example: "cohort omd + opd | km pfs by cohort | plot \"fig-pfs.svg\""),
        "export": VerbSpec(endpoint: .none, formula: false, path: true, options: [:],
                           summary: "write the result before it to a file: .csv, .md or .json by the extension",
                           example: "cohort omd | cox pfs ~ tki | export \"table2.csv\""),
    ]

    /// Words that begin a statement.
    public static let statementKeywords = ["use", "param", "let", "endpoint", "cohort", "set", "flow", "count", "table1"]

    /// Every keyword, for completion.
    public static var allKeywords: [String] {
        var words = Set(statementKeywords)
        words.formUnion(rowVerbs)
        words.formUnion(verbs.keys)
        for spec in verbs.values { words.formUnion(spec.options.keys) }
        words.formUnion(["as", "from", "to", "censor", "compete", "time", "event", "unit", "and", "or", "not",
                         "in", "is", "missing", "true", "false", "vs", "each", "factor", "first", "log", "exp"])
        return words.sorted()
    }
}
