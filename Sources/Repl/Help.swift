import Lang

/// `.help` and `.help VERB` texts, built from the grammar's verb table so they stay in step.
enum Help {
    static func text(for topic: String?) -> String {
        if let topic, let verb = Verb.named(topic) {
            let spec = verb.spec
            var options = spec.options.sorted(by: { $0.key.rawValue < $1.key.rawValue }).map { option, kind -> String in
                let key = option.rawValue
                if option == .by { return kind == .list ? "by EXPR, EXPR, ..." : "by EXPR" }
                if kind == .word, let words = OptionKey.words[option] { return "\(key) " + words.joined(separator: "|") }
                if let value = Help.optionValues[option], kind != .flag, option != .cause || kind == .list { return "\(key) \(value)" }
                switch kind {
                case .expr: return "\(key) EXPR"
                case .list: return "\(key) EXPR, EXPR, ..."
                case .word: return "\(key) WORD"
                case .flag: return key
                case .size: return "\(key) W x H"
                }
            }.joined(separator: "] [")
            if !options.isEmpty { options = " [" + options + "]" }
            let endpoint = spec.endpoint == .none ? "" : spec.endpoint == .optional ? " [ENDPOINT]" : " ENDPOINT"
            let formula = spec.formula ? " ~ TERM + TERM ..." : ""
            let argument: String
            switch verb.kind {
            case .row: argument = " CONDITION [\"reason\"]"
            case .output: argument = (verb == .export ? " [adtte ENDPOINT, ...]" : "") + (spec.pathOptional ? " [\"FILE\"]" : " \"FILE\"")
            case .analysis: argument = spec.arguments ? " EXPR, EXPR ..." : ""
            }
            return """
                \(topic): \(spec.summary)
                  syntax:  SOURCE | \(topic)\(argument)\(endpoint)\(formula)\(options)
                  example: \(spec.example)
                """
        }
        if let topic, let t = statementHelp[topic] { return t }
        if let topic, let f = HelpTopics.functions.first(where: { $0.name == topic }) {
            return "\(f.name): function\n  syntax:  \(f.syntax)\n  example: \(f.example)"
        }
        if let topic, let key = SettingKey(rawValue: topic) {
            // The example: the syntax before its description, with the first of each choice.
            let syntax = key.help.components(separatedBy: "   ").first ?? key.help
            let example = syntax.split(separator: " ").map { $0.split(separator: "|").first.map(String.init) ?? String($0) }.joined(separator: " ")
            return "\(key.rawValue): setting\n  syntax:  \(key.help)\n  example: \(example)"
        }
        if let topic, let u = HelpTopics.units.first(where: { $0.suffix == topic }) {
            return "\(u.suffix): duration unit, \(u.meaning)\n  syntax:  NUMBER\(u.suffix)\n  example: \(u.example)"
        }
        if topic == "functions" {
            return "Functions (.help NAME for one):\n" + HelpTopics.functions.map { "  \($0.syntax)\n    e.g. \($0.example)" }.joined(separator: "\n")
        }
        if topic == "settings" {
            return "Settings (.help NAME for one):\n" + SettingKey.allCases.map { "  \($0.help)" }.joined(separator: "\n")
        }
        if topic == "units" {
            return "Duration units (12mo, 90d, ...):\n" + HelpTopics.units.map { "  \($0.suffix)  \($0.meaning); e.g. \($0.example)" }.joined(separator: "\n")
        }
        if topic == "stages" {
            return "Stages (.help NAME for one):\n" + Verb.allCases.map { "  \($0.rawValue): \($0.spec.summary)\n    e.g. \($0.spec.example)" }.joined(separator: "\n")
        }
        if let topic { return "no help for `\(topic)`; .help lists the topics" }
        return """
            Statements (one per line; a line starting with | continues the one above):
              use "data.csv" as registry            load a CSV table
              param registry = "data.csv"           a parameter (lart run --param registry=other.csv)
              let tki = first_line == "tki"         a derived column
              endpoint pfs = from lart_date to first(progression_date, death_date) censor last_contact_date
              endpoint death = time futime event status == 2 unit days
              cohort omd = registry | require ... "reason" | exclude ... "reason"
              cohort omd | km pfs at 12mo           run a pipeline
              flow omd / count omd                  eligibility flow, row count
              table1 omd vs opd: sex, egfr          Table 1 with p-values
              let uni = cohort omd | cox pfs ~ each(sex, tki)   bind a result
              table2 uni, multi                     Table 2 from bound Cox results
              levels sex ["M", "F"] / label tki "TKI"   level order and labels
              why "P0017" in omd                    which steps kept or dropped one patient
              set month = 30.4375d / set conventions spss
            Stages: \(Verb.allCases.map(\.rawValue).joined(separator: ", "))
            Meta-commands: .help [topic], .tables, .columns NAME, .cohorts, .endpoints, .read FILE,
              .mode text|markdown|json|csv, .timer on|off, .output [FILE], .once FILE, .bail on|off,
              .show, .quit
            Topics: .help stages | functions | settings | units, or one name (.help km, .help log, .help ties, .help mo).
            A line that starts with | continues the statement before it (only what it adds is shown).
            .help km (or any stage) shows its syntax and an example.
            """
    }

    /// What an option takes, where a word says more than EXPR or WORD.
    static let optionValues: [OptionKey: String] = [
        .censor: "on|off", .risktable: "on|off",
        .title: "\"TEXT\"", .xlab: "\"TEXT\"", .ylab: "\"TEXT\"", .xmax: "TIME", .ticks: "TIME", .cause: "N, N",
        .at: "T1, T2, ...",
    ]

    static let statementHelp: [String: String] = [
        "use": "use \"path.csv\" as NAME    load a CSV file (path relative to the script's folder)\n  example: use \"examples/data/lart_registry.csv\" as registry",
        "let": "let NAME = EXPR    a derived column, computed where used\n  example: let all_sites_rt = lesions_treated >= mets_at_dx",
        "endpoint": "endpoint NAME = from ORIGIN to EVENT [compete DATE] censor DATE\nendpoint NAME = time COLUMN event CONDITION [compete CONDITION] [unit days|weeks|months|years]\nendpoint NAME = landmark ENDPOINT at DURATION    rows still at risk at the landmark, time from it\nendpoint NAME = start T0 stop T1 event CONDITION [unit U]    (start, stop] rows, for km and cox\n  example: endpoint os = from lart_date to death_date censor last_contact_date\n  example: endpoint os6 = landmark os at 6mo",
        "cohort": "cohort NAME = SOURCE [where EXPR] [| require EXPR \"reason\"] [| exclude EXPR \"reason\"]\ncohort SOURCE [+ SOURCE] [where EXPR] | STAGE ...\n  example: cohort omd where tki | km pfs at 12mo",
        "table1": "table1 A vs B: VAR, VAR, ...   counts (%), mean (SD) or median [IQR] (dates too) per group with p-values\n  example: table1 omd vs opd: sex, egfr, factor(mets_at_dx)",
        "set": "set month = 30.4375d | set unit months | set ci log-log | set ties breslow | set conventions r|spss",
        "why": "why ID in COHORT   the steps that kept or dropped one patient, with the values that decided\n  example: why \"P0017\" in omd",
        "param": "param NAME = VALUE   overridable with lart run --param NAME=VALUE\n  example: param registry = \"examples/data/lart_registry.csv\"",
        "levels": "levels COLUMN [v1, v2, ...]   the order of a column's values; the first is the reference\n  example: levels sex [\"M\", \"F\"]",
        "label": "label COLUMN \"Title\" [value: \"Text\", ...]   names a variable and its values in every table\n  example: label tki \"First-line TKI\" [true: \"TKI\", false: \"no TKI\"]",
        "table2": "table2 RESULT, RESULT, ...   bound Cox screens and models side by side (Table 2)\n  example: let uni = cohort omd | cox pfs ~ each(sex, tki)\n           let multi = cohort omd | cox pfs ~ select(uni, p < 0.05)\n           table2 uni, multi",
        "select": "select(RESULT, CONDITION [, test: wald|lr|score])   the terms of a univariate screen that meet the condition\n  example: cohort omd | cox pfs ~ select(uni, p < 0.05)",
        "terms": "let NAME = terms(TERM, ...)   a named list of model terms for each(NAME) or ~ NAME\n  example: let vars = terms(sex, age >= 60, tki)",
    ]
}
