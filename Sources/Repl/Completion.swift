import Lang
#if canImport(Glibc)
import Glibc
#endif

/// Tab completion from the session's environment, by context: meta-commands after `.`,
/// statements at the start of a line, verbs after `|`, endpoints after an analysis verb,
/// cohorts and tables after `cohort`/`flow`/`count`, otherwise columns and names.
enum Completion {
    static let metaCommands = [".help", ".tables", ".columns", ".cohorts", ".endpoints", ".read", ".mode", ".timer",
                               ".output", ".once", ".bail", ".show", ".quit"]

    static func candidates(line: String, word: String, session: Interpreter) -> [String] {
        let before = String(line.dropLast(word.count))
        let words = before.split(whereSeparator: { " \t".contains($0) }).map(String.init)
        let previous = words.last ?? ""
        var pool: [String]
        // Inside quotes (an odd number of `"` before the word), and after `.read`, `.output`
        // and `.once`: file names.
        if before.filter({ $0 == "\"" }).count % 2 == 1 || [".read", ".output", ".once"].contains(previous) {
            return fileNames(matching: word)
        }
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

    /// Files and folders (with a trailing `/`) whose path starts with `prefix`.
    static func fileNames(matching prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let folder = slash.map { String(prefix[...$0]) } ?? ""
        let start = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        guard let dir = opendir(folder.isEmpty ? "." : folder) else { return [] }
        defer { closedir(dir) }
        var out = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            guard name != ".", name != "..", name.hasPrefix(start), !name.hasPrefix(".") || start.hasPrefix(".") else { continue }
            var st = stat()
            let isDir = stat(folder + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            out.append(folder + name + (isDir ? "/" : ""))
        }
        return out.sorted()
    }
}
