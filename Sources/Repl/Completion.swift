import Lang

/// Tab completion from the session's environment, by context: meta-commands after `.`,
/// statements at the start of a line, verbs after `|`, endpoints after an analysis verb,
/// cohorts and tables after `cohort`/`flow`/`count`, otherwise columns and names.
enum Completion {
    static let metaCommands = [".help", ".tables", ".columns", ".cohorts", ".endpoints", ".read", ".mode", ".timer", ".quit"]

    static func candidates(line: String, word: String, session: Interpreter) -> [String] {
        let before = String(line.dropLast(word.count))
        let words = before.split(whereSeparator: { " \t".contains($0) }).map(String.init)
        let previous = words.last ?? ""
        var pool: [String]
        if before.trimmingCharacters(in: " \t").isEmpty {
            pool = word.hasPrefix(".") ? metaCommands : Grammar.statementKeywords + session.cohortNames + session.tableNames
        } else if previous == ".columns" {
            pool = session.tableNames + session.cohortNames
        } else if previous == ".mode" {
            pool = ["text", "markdown", "json", "csv"]
        } else if previous == ".help" {
            pool = Verb.allCases.map(\.rawValue) + Grammar.statementKeywords
        } else if previous.hasSuffix("|") || before.trimmingCharacters(in: " \t").hasSuffix("|") {
            pool = Verb.allCases.map(\.rawValue)
        } else if let verb = Verb.named(previous), verb.spec.endpoint != .none {
            pool = session.endpointNames
        } else if ["cohort", "flow", "count", "+", "vs", "table1"].contains(previous) {
            pool = session.cohortNames + session.tableNames
        } else if previous == "ci" {
            pool = ["log", "log-log", "plain"]
        } else if previous == "ties" {
            pool = ["efron", "breslow", "exact"]
        } else {
            pool = session.allColumnNames + session.paramNames + Grammar.allKeywords
        }
        return Array(Set(pool.filter { $0.hasPrefix(word) })).sorted()
    }
}
