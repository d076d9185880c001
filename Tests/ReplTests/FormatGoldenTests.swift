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
}
