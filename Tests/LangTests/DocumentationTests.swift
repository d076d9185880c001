import Foundation
import Testing
@testable import Lang

/// The examples in grammar.md and README.md are lart, and they run: every code block of
/// statements (not grammar productions, not shell) parses, and runs without an error on the
/// bundled data. A block that loads no data runs after the quickstart's definitions
/// (`examples/quickstart.lart`: registry, tki, pfs, os, lf, omd, opd). Files that blocks
/// write go to a temporary folder.
struct DocumentationTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Code blocks that hold lart statements: not grammar productions (`->`) and not shell.
    static func lartBlocks(_ file: String) throws -> [String] {
        let text = try String(contentsOf: repo.appendingPathComponent(file), encoding: .utf8)
        var blocks = [String](), current: [String]? = nil
        var inBlock = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if inBlock {
                    if let c = current { blocks.append(c.joined(separator: "\n")) }
                    current = nil
                } else {
                    current = line == "```" || line == "```lart" ? [] : nil
                }
                inBlock.toggle()
                continue
            }
            current?.append(String(line))
        }
        return blocks.filter { b in
            !b.contains("->") && !b.contains("swift ") && !b.contains("bash ") && !b.contains("\"lart_version\"") && !b.isEmpty
        }
    }

    @Test(arguments: ["grammar.md", "README.md"])
    func examplesParse(_ file: String) throws {
        let blocks = try DocumentationTests.lartBlocks(file)
        #expect(!blocks.isEmpty)
        for b in blocks {
            let (_, diagnostics) = Parser.parse(SourceFile(name: file, text: b))
            #expect(diagnostics.isEmpty, "\(file): \(diagnostics.map { $0.message }) in\n\(b)")
        }
    }

    @Test(arguments: ["grammar.md", "README.md"])
    func examplesRun(_ file: String) throws {
        let out = NSTemporaryDirectory() + "lart-doc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let data = DocumentationTests.repo.appendingPathComponent("examples/data/lart_registry.csv").path
        let pbc = DocumentationTests.repo.appendingPathComponent("Tests/Fixtures/synthetic/pbc_like.csv").path
        let heart = DocumentationTests.repo.appendingPathComponent("Tests/Fixtures/timevarying/heart.csv").path
        let prelude = try String(contentsOf: DocumentationTests.repo.appendingPathComponent("examples/quickstart.lart"), encoding: .utf8)
            .components(separatedBy: "\nflow omd")[0]
        for (k, block) in try DocumentationTests.lartBlocks(file).enumerated() {
            let interpreter = Interpreter(baseDirectory: out, overrides: ["registry": data, "pbc": pbc, "heart": heart])
            let loadsData = block.split(separator: "\n").contains { $0.hasPrefix("use ") || $0.hasPrefix("param ") }
            if !loadsData {
                let setup = interpreter.run(prelude, file: "quickstart prelude")
                let setupErrors = setup.errors.map(\.description).joined()
                #expect(setupErrors.isEmpty, "\(setupErrors)")
            }
            let report = interpreter.run(block, file: "\(file) block \(k + 1)")
            let errors = report.errors.map(\.description).joined()
            #expect(errors.isEmpty, "\(file) block \(k + 1) fails:\n\(errors)\n\(block)")
            let producedResults = !report.results.isEmpty
            #expect(producedResults, "\(file) block \(k + 1) shows nothing")
        }
    }
}
