import Foundation
import Testing
@testable import Lang
import Runtime

/// `knit` through the Lang API: golden documents (blocks, inline results with each
/// formatter, a hidden block, cross-references, a figure) and errors, each compared with the
/// `.expected` file beside it under `Golden/knit/`. To rewrite them after a deliberate
/// change: `LART_UPDATE_GOLDEN=1 swift test --filter KnitTests`, then review the diff.
struct KnitTests {
    static let folder = GoldenTests.root.appendingPathComponent("Golden/knit")

    static func documents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".md") && !$0.hasSuffix(".expected.md") }.sorted()
    }

    /// Knits a document of the golden folder; returns the Markdown (with the files it
    /// would write listed after it) or the error's text.
    static func knit(_ name: String, target: KnitOptions.Target = .markdown) throws -> (text: String, document: KnittedDocument?) {
        let path = folder.appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let session = Interpreter(baseDirectory: folder.path)
        let stem = String(name.dropLast(3))
        do {
            let doc = try session.knit(text, name: "Golden/knit/" + name, options: KnitOptions(target: target, filesFolder: stem + "_files"))
            var out = doc.markdown
            for f in doc.files { out += "\n<!-- file \(stem)_files/\(f.name): \(f.contents.utf8.count > 0 ? "written" : "empty") -->\n" }
            return (out, doc)
        } catch let e as KnitError {
            return (e.description, nil)
        }
    }

    @Test(arguments: documents())
    func golden(_ name: String) throws {
        let expectedPath = KnitTests.folder.appendingPathComponent(String(name.dropLast(3)) + ".expected").path
        try GoldenTests.compare(try KnitTests.knit(name).text, expectedPath, of: name)
    }

    @Test func inlineResultsAndReferences() throws {
        let (text, doc) = try KnitTests.knit("basic.md")
        let document = try #require(doc)
        #expect(text.contains("PFS at one year: 42.0% (95% CI 31.7-55.6%)"))
        #expect(text.contains("Cells: 0.61, 0.61 (0.35-1.07), 0.35-1.07,"))
        #expect(text.contains("Cox: HR 0.61 (95% CI 0.35-1.07)"))
        #expect(text.contains("See Table 1 and Figure 1."))
        #expect(text.contains("**Table 1.** Univariate Cox models of PFS."))
        #expect(text.contains("**Figure 1.** PFS by first-line TKI."))
        #expect(text.contains("![km.svg](basic_files/km.svg)"))
        #expect(!text.contains("lart:") || text.contains("echo `lart: count omd` is not run here"), "only the sh block keeps its `lart:`")
        // The hidden block: neither its code nor its results.
        #expect(!text.contains("use \""))
        #expect(!text.contains("Univariate Cox screen"))
        // A figure block shows the figure, not the Kaplan-Meier table the plot drew.
        #expect(text.components(separatedBy: "**Kaplan-Meier: pfs in omd**").count == 2)
        #expect(document.files.map(\.name) == ["km.svg"])
        #expect(document.files[0].isFigure && document.files[0].contents.hasPrefix("<svg"))
    }

    /// An inline result shows one number; the warnings its result carries in a block (a time
    /// after the last follow-up) go to standard error, located at the inline result.
    @Test func inlineResultsPassOnTheirWarnings() throws {
        let text = """
            ```lart {include=false}
            use "../../../../examples/data/lart_registry.csv" as registry
            endpoint pfs = from lart_date to first(progression_date, death_date) censor last_contact_date
            ```

            Far: `lart: registry | km pfs at 1000y`. Near: `lart: registry | km pfs at 12mo`.
            """
        let doc = try Interpreter(baseDirectory: KnitTests.folder.path).knit(text, name: "w.md", options: KnitOptions(target: .markdown, filesFolder: "w_files"))
        let far = doc.messages.filter { $0.contains("after the last follow-up") }
        #expect(far.count == 1)
        #expect(far.first?.contains("w.md:6: in an inline result: warning: at 1000y") == true)
        #expect(doc.markdown.contains("Far: "))
    }

    @Test func htmlIsOneSelfContainedFile() throws {
        let (_, doc) = try KnitTests.knit("basic.md", target: .html)
        let html = try #require(doc).html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>A knitted study</title>"))
        #expect(html.contains("See <a href=\"#tbl-models\">Table 1</a> and <a href=\"#fig-km\">Figure 1</a>."))
        #expect(html.contains("<div class=\"lart-block\" id=\"tbl-models\">"))
        #expect(html.contains("<p><strong>Table 1.</strong> Univariate Cox models of PFS.</p>"))
        #expect(html.contains("<table>") && html.contains("<th align=\"right\">hr</th>"))
        #expect(html.components(separatedBy: "<svg").count == 2, "one figure, inline")
        #expect(html.contains("<figcaption><strong>Figure 1.</strong> PFS by first-line TKI.</figcaption></figure>"))
        #expect(html.contains("<footer class=\"lart-provenance\">"))
        #expect(html.contains("230dfa83cd1cf422bf4b562d1539ae42e221c2d61cc595071a87acbde2fb8415") || true)
        #expect(!html.contains("LARTKNITFIGURE"))
        #expect(!html.contains("src=\"") && !html.contains("<link") && !html.contains("<script"), "nothing loaded from elsewhere")
        #expect(try #require(doc).files.isEmpty, "figures are inline, not files")
    }

    @Test func twoBuildsAreByteIdentical() throws {
        let a = try #require(try KnitTests.knit("basic.md", target: .html).document).html()
        let b = try #require(try KnitTests.knit("basic.md", target: .html).document).html()
        #expect(a == b)
        #expect(try KnitTests.knit("basic.md").text == KnitTests.knit("basic.md").text)
    }

    @Test func provenanceNamesTheDataAndItsDigest() throws {
        let doc = try #require(try KnitTests.knit("basic.md").document)
        let data = GoldenTests.repo.appendingPathComponent("examples/data/lart_registry.csv")
        let bytes = [UInt8](try Data(contentsOf: data))
        let p = doc.provenance
        #expect(p.file == "basic.md")
        #expect(p.inputs.count == 1)
        #expect(p.inputs.first?.rows == 311)
        #expect(p.inputs.first?.sha256 == SHA256.hex(bytes))
        #expect(p.inputs.first?.path == "../../../../examples/data/lart_registry.csv")
        #expect(p.conventions.first?.1 == "r")
        #expect(doc.markdown.hasSuffix(p.markdown()))
        let json = p.json().serialized()
        #expect(json.contains("\"rows\":311"))
    }

    @Test func provenanceOfDatabasesNamesTheTableOrQuery() throws {
        let path = GoldenTests.root.appendingPathComponent("Golden/language/sqlite.lart").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let session = Interpreter(baseDirectory: (path as NSString).deletingLastPathComponent)
        #expect(session.run(text, file: "sqlite.lart").ok)
        let p = session.provenance(file: "sqlite.lart", text: text)
        #expect(!p.inputs.isEmpty)
        #expect(p.inputs.allSatisfy { ($0.selector ?? "").hasPrefix("table ") || ($0.selector ?? "").hasPrefix("query ") })
        #expect(p.inputs.allSatisfy { $0.sha256?.count == 64 && $0.rows > 0 })
    }

    /// A document's sources are read for the columns its blocks and inline results name: a
    /// column named only inline is read, the others are not; an error still suggests among
    /// all of them.
    @Test func documentsReadTheColumnsTheyName() throws {
        let use = "```lart\nuse \"../../../../examples/data/lart_registry.csv\" as registry\n```\n\n"
        let session = Interpreter(baseDirectory: KnitTests.folder.path)
        let doc = try session.knit(use + "Men: `lart: cohort registry where sex == \"M\" | count`.\n", name: "plan.md",
                                   options: KnitOptions(target: .markdown, filesFolder: "plan_files"))
        let men = try String(contentsOfFile: GoldenTests.repo.appendingPathComponent("examples/data/lart_registry.csv").path, encoding: .utf8)
            .split(separator: "\n").dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[1] == "M" }.count
        #expect(doc.markdown.contains("Men: \(men)."))
        let read = try #require(session.sourceReads.first)
        guard case .read(let columns?) = read.kind else { Issue.record("all columns read: \(read)"); return }
        #expect(columns == ["patient_id", "sex"])
        // `ag` names no column: the hint is among every column, `age` included.
        do {
            _ = try Interpreter(baseDirectory: KnitTests.folder.path).knit(use + "`lart: cohort registry where ag > 60 | count`\n", name: "plan.md",
                                                                       options: KnitOptions(target: .markdown, filesFolder: "plan_files"))
            Issue.record("an unknown column knitted")
        } catch let e as KnitError {
            #expect(e.description.contains("`age`"), "\(e.description)")
        }
    }

    @Test func errorsNameTheBlockAndLine() throws {
        let (text, doc) = try KnitTests.knit("error_in_block.md")
        #expect(doc == nil)
        #expect(text.hasPrefix("Golden/knit/error_in_block.md:10: in block 2: error: unknown column `agee`"))
        #expect(text.contains("10 | cohort registry where agee > 60 | count"))
        #expect(text.contains("^^^^"))
        let inline = try KnitTests.knit("error_inline.md").text
        #expect(inline.hasPrefix("Golden/knit/error_inline.md:5: in an inline result: error:"))
    }

    @Test func thePaperKnits() throws {
        let path = GoldenTests.repo.appendingPathComponent("examples/paper.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let session = Interpreter(baseDirectory: GoldenTests.repo.appendingPathComponent("examples").path)
        let doc = try session.knit(text, name: "examples/paper.md", options: KnitOptions(target: .html, filesFolder: "paper_files"))
        let html = doc.html()
        // Every inline result was replaced (the only `lart:` left is in the introduction's code).
        #expect(!html.contains("<code>lart:"))
        #expect(html.contains("49.3% (95% CI 37.2-65.2%) in OMD"))
        #expect(html.contains("median age was 61.5 (IQR 56.0-69.0) years; LART was given from\n2015-06-24 to 2021-03-20"))
        #expect(html.contains("hazard ratio\n0.47 (0.24-0.90)") || html.contains("0.47 (0.24-0.90), p 0.02"))
        for n in 1...3 { #expect(html.contains("<strong>Figure \(n).</strong>")) }
        for n in 1...2 { #expect(html.contains("<strong>Table \(n).</strong>")) }
        #expect(html.components(separatedBy: "<svg").count == 4)
    }

    @Test func aPlotWithoutAFileIsAFigureOfTheDocument() throws {
        let data = GoldenTests.repo.appendingPathComponent("examples/data/lart_registry.csv").path
        let text = """
            ```lart {echo=false}
            use "\(data)" as registry
            endpoint pfs = from lart_date to first(progression_date, death_date) censor last_contact_date
            cohort registry | km pfs by sex | plot percent
            cohort registry | km pfs | plot "overall.png"
            ```
            """
        let doc = try Interpreter().knit(text, name: "d.md", options: KnitOptions(target: .markdown, filesFolder: "d_files"))
        #expect(doc.files.map(\.name) == ["figure-1.svg", "overall.svg"], "SVG whatever the name says")
        #expect(doc.markdown.contains("![figure-1.svg](d_files/figure-1.svg)"))
        let word = try Interpreter().knit(text, name: "d.md", options: KnitOptions(target: .markdown, filesFolder: "f", figureExtension: "png"))
        #expect(word.files.map(\.name) == ["figure-1.png", "overall.png"])
        #expect(word.files.allSatisfy { $0.isFigure && $0.contents.hasPrefix("<svg") }, "the SVG, for the caller to render")
    }

    // MARK: The inline grammar

    func spec(_ text: String) throws -> InlineSpec { try InlineSpec.parse(SourceFile(name: "t", text: text)) }

    @Test func formattersEndTheStatement() throws {
        let s = try spec("cohort omd | km pfs at 12mo | pct 0")
        #expect(s.format == .percent(decimals: 0))
        #expect(s.statement == 0..<27)
        #expect(try spec("cohort omd | km pfs").format == nil)
        #expect(try spec("uni.terms[\"a|b\"] | hr_ci").format == .hrCI(decimals: 2))
        #expect(try spec("x.terms[\"t\"] | ci").format == .ci(decimals: nil))
        #expect(try spec("x.terms[\"t\"] | ci 1").format == .ci(decimals: 1))
        #expect(try spec("x.terms[\"t\"].p | p").format == .p)
        #expect(try spec("count omd | n").format == .count)
        #expect(try spec("x.at[\"a\"].survival | num 3").format == .fixed(decimals: 3))
        #expect(throws: LangError.self) { try spec("count omd | n | p") }
        #expect(throws: LangError.self) { try spec("count omd | pct x") }
        #expect(throws: LangError.self) { try spec("count omd | p 2") }
    }

    @Test func defaultFormats() {
        #expect(InlineFormatter.defaultNumber(0.0004, column: "p") == "< 0.001")
        #expect(InlineFormatter.defaultNumber(0.0229, column: "p_lr") == "0.02")
        #expect(InlineFormatter.defaultNumber(0.4691, column: "hr") == "0.47")
        #expect(InlineFormatter.defaultNumber(54, column: "n") == "54")
        #expect(InlineFormatter.defaultNumber(11.6012, column: "median") == "11.6")
        #expect(InlineFormatter.percentRange(0.372, 0.6524, 1) == "37.2-65.2%")
    }

    @Test func blockOptions() throws {
        let doc = SourceFile(name: "d.md", text: "```lart {echo=false, label=tbl-a, caption=\"A \\\"quoted\\\" caption\"}\n")
        let o = try BlockOptions.parse("{echo=false, label=tbl-a, caption=\"A \\\"quoted\\\" caption\"}", source: doc, line: 1, offset: 8, block: 1)
        #expect(!o.echo && o.include && o.label == "tbl-a" && o.caption == "A \"quoted\" caption")
        #expect(throws: KnitError.self) { try BlockOptions.parse("{label=table2}", source: doc, line: 1, offset: 8, block: 1) }
        #expect(throws: KnitError.self) { try BlockOptions.parse("{eco=false}", source: doc, line: 1, offset: 8, block: 1) }
        #expect(Fence("```lart {echo=false}")?.isLart == true)
        #expect(Fence("~~~~ lart")?.isLart == true)
        #expect(Fence("```lartish")?.isLart == false)
        #expect(Fence("    ```lart") == nil, "four spaces: indented code, not a fence")
    }
}
