import Foundation
import Testing

/// `lart knit` as a process: HTML, Markdown with a files folder, Word through pandoc (skipped
/// where pandoc is missing), errors that write nothing, byte-identical rebuilds, the
/// missing-pandoc message, and the HTML opened in headless Chromium where installed.
struct KnitCLITests {
    static let document = "Tests/LangTests/Golden/knit/basic.md"

    /// A fresh folder with the golden document copied in (its data path is made absolute).
    static func workspace() throws -> String {
        let dir = NSTemporaryDirectory() + "lart-knit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var text = try String(contentsOfFile: CLITests.repo.path + "/" + document, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"../../../../examples/data/", with: "\"\(CLITests.repo.path)/examples/data/")
        try text.write(toFile: dir + "/paper.md", atomically: true, encoding: .utf8)
        return dir
    }

    static func run(_ args: [String], environment: [String: String]? = nil) throws -> CLITests.Result {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        p.currentDirectoryURL = CLITests.repo
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLITests.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func executable(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    @Test func html() throws {
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.html"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: dir + "/paper.html", encoding: .utf8)
        #expect(html.contains("<a href=\"#tbl-models\">Table 1</a>"))
        #expect(html.contains("<svg"))
        #expect(html.contains("PFS at one year: 42.0% (95% CI 31.7-55.6%)"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/paper_files"), "HTML is one file")
        // Same inputs, same bytes.
        let again = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/again.html"])
        #expect(again.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/again.html")) == Data(contentsOf: URL(fileURLWithPath: dir + "/paper.html")))
    }

    @Test func markdownWithFigureFiles() throws {
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/out.md"])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: dir + "/out.md", encoding: .utf8)
        #expect(md.contains("![km.svg](out_files/km.svg)"))
        #expect(md.contains("## Provenance"))
        let svg = try String(contentsOfFile: dir + "/out_files/km.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/km.svg"), "plot writes into the files folder, not beside the document")
    }

    @Test func anErrorWritesNothing() throws {
        let dir = try KnitCLITests.workspace()
        var text = try String(contentsOfFile: dir + "/paper.md", encoding: .utf8)
        text = text.replacingOccurrences(of: "cohort omd | km pfs by tki at 12mo", with: "cohort omd | km pfss by tki at 12mo")
        try text.write(toFile: dir + "/paper.md", atomically: true, encoding: .utf8)
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.html"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("paper.md:30: in block 4: error:"), "\(r.stderr)")
        #expect(r.stderr.contains("|                 ^^^^\n"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/paper.html"))
        let md = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.out.md"])
        #expect(md.status == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/paper.out_files"))
    }

    @Test func runPrintsProvenance() throws {
        let text = try CLITests.lart(["run", "--provenance", "examples/quickstart.lart"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Provenance\n  lart "))
        #expect(text.stdout.contains("  data data/lart_registry.csv  311 rows  sha256 230dfa83cd1cf422bf4b562d1539ae42e221c2d61cc595071a87acbde2fb8415"))
        let json = try CLITests.lart(["run", "--provenance", "--format", "json", "examples/quickstart.lart"])
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let p = doc?["provenance"] as? [String: Any]
        #expect((p?["data"] as? [[String: Any]])?.first?["rows"] as? Int == 311)
        #expect((p?["conventions"] as? [String: Any])?["ties"] as? String == "efron")
        #expect(((p?["file"] as? [String: Any])?["sha256"] as? String)?.count == 64)
    }

    @Test func refusesToOverwriteTheDocument() throws {
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.md"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("overwrite"))
    }

    /// An output folder that does not exist is found before any block runs.
    @Test func missingOutputFolderIsSaidFirst() throws {
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/out/paper.html"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("the folder \(dir)/out does not exist") && !r.stderr.contains("note:"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func wordNeedsPandoc() throws {
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.docx"], environment: ["PATH": dir])
        #expect(r.status == 1)
        #expect(r.stderr.contains("needs pandoc"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/paper.docx"))
    }

    @Test func word() throws {
        guard KnitCLITests.executable("pandoc") != nil else {
            print("skipped: pandoc is not installed (apt-get install pandoc to test .docx)")
            return
        }
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.docx"])
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/paper.docx"))
        #expect(bytes.prefix(2) == Data("PK".utf8), "a zip file")
        #expect(bytes.range(of: Data("word/media/".utf8)) != nil && bytes.range(of: Data(".png".utf8)) != nil, "the figure as PNG")
        let again = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/again.docx"])
        #expect(again.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/again.docx")) == bytes, "same inputs, same bytes")
    }

    @Test func htmlOpensInChromium() throws {
        guard let chromium = KnitCLITests.executable("chromium") ?? KnitCLITests.executable("chromium-browser") else {
            print("skipped: chromium is not installed (apt-get install chromium to look at the HTML)")
            return
        }
        let dir = try KnitCLITests.workspace()
        let r = try KnitCLITests.run(["knit", dir + "/paper.md", "-o", dir + "/paper.html"])
        #expect(r.status == 0, "\(r.stderr)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + dir + "/paper.html"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        // The browser parsed the document: the figure is an SVG element and the caption is
        // inside the figure.
        #expect(dom.contains("<svg"))
        #expect(dom.contains("<figcaption><strong>Figure 1.</strong>"))
        #expect(dom.contains("<a href=\"#fig-km\">Figure 1</a>"))
        // And it draws: a screenshot of the page is a PNG (look at it with
        // `chromium --headless --no-sandbox --screenshot=x.png paper.html`).
        let shot = Process()
        shot.executableURL = URL(fileURLWithPath: chromium)
        shot.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,1400",
                          "--screenshot=" + dir + "/paper.png", "file://" + dir + "/paper.html"]
        shot.standardOutput = FileHandle.nullDevice
        shot.standardError = FileHandle.nullDevice
        try shot.run()
        shot.waitUntilExit()
        #expect(shot.terminationStatus == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/paper.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && png.count > 10_000)
    }
}
