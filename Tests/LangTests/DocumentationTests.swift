import Foundation
import Testing
@testable import Lang

/// The examples in grammar.md and README.md are lart: every statement in their code blocks
/// must parse (the golden tests run the same forms on data).
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
}
