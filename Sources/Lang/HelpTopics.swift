import Runtime

/// What `.help` says about functions and duration units, with an example each (stages and
/// settings describe themselves: `Verb.spec`, `SettingKey.help`).
public enum HelpTopics {
    /// Function name -> (syntax and meaning, example).
    public static var functions: [(name: String, syntax: String, example: String)] {
        Evaluator.functions.keys.sorted().map { name in
            (name, Evaluator.functions[name] ?? name, functionExamples[name] ?? "let v = \(name)(age)")
        }
    }

    static let functionExamples: [String: String] = [
        "first": "endpoint pfs = from lart_date to first(progression_date, death_date) censor last_contact_date",
        "last": "let last_seen = last(progression_date, last_contact_date)",
        "log": "cohort all | cox death ~ log(bili)", "exp": "let x = exp(age / 10)", "sqrt": "let r = sqrt(age)",
        "abs": "let d = abs(age - 60)", "round": "let a = round(age / 10, 0)", "floor": "let decade = floor(age / 10)",
        "ceil": "let c = ceil(rt_dose_gy)", "eqd2": "let eqd2_gy = eqd2(rt_dose_gy, rt_fractions, ab: 10)",
        "bed": "let bed_gy = bed(rt_dose_gy, rt_fractions)", "lart_dose": "cohort ok = registry | require lart_dose(rt_dose_gy, rt_fractions) \"dose\"",
        "year": "cohort recent = registry where year(lart_date) >= 2018", "days": "let wait = days(lart_date - diagnosis_date)",
        "coalesce": "let end = coalesce(death_date, last_contact_date)", "ifelse": "let older = ifelse(age >= 60, \"60+\", \"<60\")",
        "median": "let high = eqd2_gy >= median(eqd2_gy)", "mean": "cohort omd | summary mean(age)", "sd": "cohort omd | summary sd(age)",
        "quantile": "let top = age >= quantile(age, 0.75)", "min": "cohort omd | summary min(age)", "max": "cohort omd | summary max(age)",
        "sum": "cohort omd | summary sum(rt_bone)", "n": "cohort omd | summary n()",
        "cut": "let age_group = cut(age, [0, 50, 70], labels: [\"<50\", \"50-69\", \"70+\"])",
    ]

    /// Duration units of literals such as `12mo`: suffix, meaning, example.
    public static let units: [(suffix: String, meaning: String, example: String)] = [
        ("d", "days (also day, days)", "cohort omd | km pfs at 90d"),
        ("w", "weeks of 7 days (also wk, week, weeks)", "cohort omd | km pfs at 26w"),
        ("mo", "months of 30.4375 days unless `set month` (also month, months)", "cohort omd | km pfs at 12mo"),
        ("y", "years of 12 months (also yr, year, years)", "cohort omd | km pfs at 3y"),
    ]
}

extension Interpreter {
    /// Loaded tables and the paths they came from (for the REPL's `.show`).
    public var tableSources: [(name: String, path: String)] {
        env.tables.keys.sorted().map { ($0, env.tablePaths[$0] ?? "") }
    }

    /// The settings in force, as `set` would write them.
    public var settingsDescription: [(key: String, value: String)] {
        let s = env.settings
        return [("month", formatNumber(s.monthDays) + "d"), ("unit", s.dateUnit.name), ("ci", s.confidenceTransform.rawValue),
                ("ties", s.ties.rawValue), ("conventions", s.conventions.rawValue), ("median interval", "\(s.medianInterval)")]
    }
}
