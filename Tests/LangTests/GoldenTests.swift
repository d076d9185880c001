import Foundation
import Testing
import Lang
import Runtime

/// Golden tests: every `.lart` file under `Tests/LangTests/Golden/` and `examples/` is run
/// in a fresh session, and what a user would see (results, warnings, then errors, as
/// `lart run` prints them in text mode, plus the exit status) is compared with the
/// `.expected` file beside it.
///
/// To (re)write the expected files after a deliberate change, run
/// `LART_UPDATE_GOLDEN=1 swift test --filter GoldenTests` and review the diff.
struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()            // Tests/LangTests
    static let repo = root.deletingLastPathComponent().deletingLastPathComponent()           // the package

    static func scripts() -> [String] {
        var out = [String]()
        for dir in [root.appendingPathComponent("Golden"), repo.appendingPathComponent("examples")] {
            guard let e = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let rel as String in e where rel.hasSuffix(".lart") {
                out.append(dir.appendingPathComponent(rel).path)
            }
        }
        return out.sorted()
    }

    /// Runs a script as `lart run` does (checked first, then run) and returns its transcript.
    static func transcript(of path: String) throws -> String { try run(path).transcript }

    /// The transcript, and what `--explain` prints (paths relative to the repository).
    static func run(_ path: String) throws -> (transcript: String, explain: String) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let dir = (path as NSString).deletingLastPathComponent
        // A first line `# lart run --param name=value ...` gives the script command-line
        // parameters, as `lart run` would (undeclared names are errors).
        var overrides = [String: String]()
        if let first = text.split(separator: "\n", maxSplits: 1).first, first.hasPrefix("# lart run ") {
            let words = first.split(separator: " ").map(String.init)
            for (i, w) in words.enumerated() where w == "--param" && i + 1 < words.count {
                let pair = words[i + 1].split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { overrides[pair[0]] = pair[1] }
            }
        }
        let session = Interpreter(baseDirectory: dir, overrides: overrides, strictOverrides: true)
        // Name the file relative to the repository, so transcripts do not depend on where
        // the checkout lives.
        let name = path.hasPrefix(repo.path + "/") ? String(path.dropFirst(repo.path.count + 1)) : path
        let report = session.runChecked(text, file: name)
        let explain = session.explained.map(\.explained).joined(separator: "\n\n").replacingOccurrences(of: repo.path + "/", with: "") + "\n"
        return (ReportPrinter(format: .text).transcript(report) + "exit: \(report.ok ? 0 : 1)\n", explain)
    }

    /// Scripts with an `.explain` file beside them: the statements sent to the database (and
    /// the columns read), as `lart run --explain` prints them.
    static func explained() -> [String] {
        scripts().filter { FileManager.default.fileExists(atPath: String($0.dropLast(".lart".count)) + ".explain") }
    }

    @Test(arguments: explained())
    func explain(_ path: String) throws {
        try GoldenTests.compare(try GoldenTests.run(path).explain, String(path.dropLast(".lart".count)) + ".explain", of: path)
    }

    @Test(arguments: scripts())
    func golden(_ path: String) throws {
        try GoldenTests.compare(try GoldenTests.transcript(of: path), String(path.dropLast(".lart".count)) + ".expected", of: path)
    }

    /// Compares `actual` with the file `expectedPath` (rewrites it under
    /// LART_UPDATE_GOLDEN=1), recording the first line that differs.
    static func compare(_ actual: String, _ expectedPath: String, of path: String) throws {
        if ProcessInfo.processInfo.environment["LART_UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: expectedPath, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: expectedPath, encoding: .utf8) else {
            Issue.record("no expected output for \(path): run LART_UPDATE_GOLDEN=1 swift test --filter GoldenTests and review it")
            return
        }
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            let got = first < a.count ? String(a[first]) : "<end>"
            let want = first < e.count ? String(e[first]) : "<end>"
            Issue.record("\(path): output differs from \(expectedPath) at line \(first + 1):\n  got:  \(got)\n  want: \(want)")
        }
    }

    @Test func goldenScriptsExist() {
        #expect(GoldenTests.scripts().count >= 5)
    }
}
