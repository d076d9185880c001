import Runtime

/// Which package's conventions a run follows where R and SPSS differ.
public enum Conventions: String, Sendable, CaseIterable {
    /// R's survival: Efron ties, log intervals, the median's interval by inverting the band.
    case r
    /// SPSS: Breslow ties, plain intervals.
    case spss
}

/// Where the work on a database table is done (`set pushdown on|off`).
public enum Pushdown: String, Sendable {
    /// Row steps and the inputs of Kaplan-Meier, log-rank and cumulative incidence in the
    /// database (docs/scale.md).
    case on
    /// The table's columns are fetched and everything runs in lart.
    case off
}

/// Settings a script changes with `set`. Typed: every value a setting can take is a case.
public struct Settings: Sendable {
    /// Days in a month for durations like `12mo` and for date endpoints in months.
    public var monthDays = 30.4375
    /// Unit that date-based endpoints report in.
    public var dateUnit = DurationUnit.months
    /// Default Kaplan-Meier interval transform.
    public var confidenceTransform = ConfidenceTransform.log
    /// Default Cox ties method.
    public var ties = CoxTies.efron
    public var conventions = Conventions.r
    /// The Kaplan-Meier median's interval: R's (inverting the band) or SPSS's (median +- z SE).
    public var medianInterval = MedianInterval.inverted
    /// How tables print numbers, survival and p-values, and whether footnotes show.
    public var presentation = Presentation.standard
    /// The study identifier (`set study "LART-01"`): STUDYID of an ADTTE export.
    public var studyID: String? = nil
    /// Whether a cohort's row steps (and Kaplan-Meier, log-rank and cumulative incidence
    /// inputs) run in the database (`set pushdown on`, the default), or the table is fetched
    /// and everything runs in lart (`off`: for comparison and benchmarks).
    public var pushdown = Pushdown.on

    public init() {}

    /// Days in one `unit` under these settings.
    public func days(in unit: DurationUnit) -> Double {
        switch unit {
        case .days: 1
        case .weeks: 7
        case .months: monthDays
        case .years: monthDays * 12
        }
    }
}

/// The settings `set` knows, for messages, help and completion.
public enum SettingKey: String, Sendable, CaseIterable {
    case month, unit, ci, ties, conventions, digits, survival, p, notes, study, pushdown

    public var help: String {
        switch self {
        case .month: "set month = 30.4375d   days in a month (durations and date endpoints)"
        case .unit: "set unit days|weeks|months|years   the unit of date endpoints"
        case .ci: "set ci log|log-log|plain   the Kaplan-Meier interval transform"
        case .ties: "set ties efron|breslow|exact   the Cox ties method"
        case .conventions: "set conventions r|spss   R's or SPSS's conventions where they differ (ties, intervals, the median's interval)"
        case .digits: "set digits 3   significant digits of estimates in tables"
        case .survival: "set survival percent|proportion   survival and incidence as 85.3% or 0.853"
        case .p: "set p journal|r   p-values as journals print them (< 0.001) or as R does (< 2e-16)"
        case .notes: "set notes on|off   footnotes under tables"
        case .study: "set study \"LART-01\"   the study identifier (STUDYID of `export adtte`)"
        case .pushdown: "set pushdown on|off   run row steps and survival aggregates in the database (on), or fetch the table and run them in lart (off)"
        }
    }
}
