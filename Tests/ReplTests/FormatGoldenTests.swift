import Foundation
import Testing

/// Golden files for `--format markdown` and `--format json`, run through the CLI as a user
/// would: standard output is compared with `Tests/ReplTests/Golden/NAME.FORMAT.expected`.
/// `LART_UPDATE_GOLDEN=1 swift test --filter FormatGoldenTests` rewrites them.
struct FormatGoldenTests {
    static let cases: [(script: String, format: String)] = [
        ("examples/quickstart.lart", "markdown"),
        ("examples/quickstart.lart", "json"),
        ("Tests/LangTests/Golden/study/km.lart", "markdown"),
        ("Tests/LangTests/Golden/study/km.lart", "json"),
        ("Tests/LangTests/Golden/study/cox.lart", "markdown"),
        ("Tests/LangTests/Golden/study/cox.lart", "json"),
        ("Tests/LangTests/Golden/study/flow.lart", "markdown"),
        ("Tests/LangTests/Golden/study/plots.lart", "json"),
        ("Tests/LangTests/Golden/diagnostics/unknown_column.lart", "json"),
    ]

    static var arguments: [String] { cases.map { "\($0.script) \($0.format)" } }

    @Test(arguments: arguments)
    func output(_ argument: String) throws {
        let parts = argument.split(separator: " ").map(String.init)
        let (script, format) = (parts[0], parts[1])
        let r = try CLITests.lart(["run", script, "--format", format])
        let name = (script as NSString).lastPathComponent.replacingOccurrences(of: ".lart", with: "")
        let expectedPath = CLITests.repo.appendingPathComponent("Tests/ReplTests/Golden/\(name).\(format).expected").path
        let actual = r.stdout + "exit: \(r.status)\n"
        if ProcessInfo.processInfo.environment["LART_UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: expectedPath, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: expectedPath, encoding: .utf8)
        #expect(actual == expected, "lart run \(script) --format \(format) differs from \(expectedPath)")
        if format == "json" {
            #expect((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) != nil, "not valid JSON")
        }
    }

    /// A figure does not repeat the result it drew: its entry names it by index (`draws`),
    /// and every result is in the document once.
    @Test func figuresReferToTheResultTheyDrew() throws {
        let r = try CLITests.lart(["run", "Tests/LangTests/Golden/study/plots.lart", "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try #require(doc["results"] as? [[String: Any]])
        let plots = results.enumerated().filter { $0.element["kind"] as? String == "plot" }
        #expect(plots.count == 5)
        for (i, entry) in plots {
            let drawn = try #require(entry["draws"] as? Int, "plot \(i) names no result")
            #expect(drawn < i)
            #expect(["km", "cuminc", "cox", "cox_screen"].contains(results[drawn]["kind"] as? String ?? ""), "\(results[drawn]["kind"] ?? "")")
            let figure = try #require(entry["result"] as? [String: Any])
            #expect(Set(figure.keys) == ["kind", "caption"], "a plot repeats what it drew: \(figure.keys)")
        }
        // The curves before a log-rank or Gray test are what the plot after the test drew.
        #expect(results[plots[2].element["draws"] as! Int]["kind"] as? String == "cuminc")
    }
}
