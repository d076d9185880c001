import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Runtime

/// Linear flows as the language layer builds them (`Sources/Lang/Cohorts.swift`): one
/// `FlowStep` per step, `before` the previous step's `after`, `missing` the rows whose
/// condition could not be evaluated.
enum FlowFixtures {
    static func step(_ kind: FlowStep.Kind, _ condition: String, _ reason: String?, _ before: Int, _ after: Int,
                     missing: Int = 0, _ cohort: String) -> FlowStep {
        FlowStep(kind: kind, condition: condition, reason: reason, before: before, after: after, missing: missing, cohort: cohort)
    }

    /// Three cohorts sharing the source and two steps (3 shared steps), then one branch each,
    /// selected by `where`. Rows with a missing `group` (5) are in no branch.
    static func threeFlows() -> [[FlowStep]] {
        let shared = [
            step(.source, "patients (p.csv)", nil, 100, 100, "patients"),
            // 100 - 90 = 10 dropped: 8 failed, 2 missing.
            step(.require, "stage == \"IV\"", "not stage IV", 100, 90, missing: 2, "base"),
            step(.exclude, "mets > 3", "more than 3 metastases", 90, 80, "base"),
        ]
        return [
            shared + [step(.where, "group == \"first_line\"", nil, 80, 40, missing: 5, "a"),
                      // 40 - 35 = 5 dropped: 1 failed, 4 missing.
                      step(.exclude, "nodes > 0", "positive nodes", 40, 35, missing: 4, "a")],
            shared + [step(.where, "group == \"second_line\"", nil, 80, 30, missing: 5, "b")],
            shared + [step(.where, "group == \"third_line\"", "third line", 80, 5, missing: 5, "c")],
        ]
    }

    /// `threeFlows` and a fourth cohort sharing `a`'s selection, then split from `a` by its own
    /// step: a tree with a split inside a branch.
    static func nested() -> [[FlowStep]] {
        let three = threeFlows()
        // 40 - 12 = 28 dropped: 25 failed, 3 missing.
        return three + [Array(three[0].prefix(4)) + [step(.require, "age >= 60", "younger than 60", 40, 12, missing: 3, "a60")]]
    }

    /// The study's flow (paper figure S1) with the registry's counts, as
    /// `Tests/LangTests/Golden/study/flow.expected` reports them for `flow omd` and `flow opd`.
    static func study() -> [[FlowStep]] {
        let eligible = [
            step(.source, "registry (lart_registry.csv)", nil, 311, 311, "registry"),
            step(.require, "histology == \"adenocarcinoma\"", "not adenocarcinoma", 311, 299, "eligible"),
            step(.exclude, "mets_at_dx > 3", "more than 3 metastases", 299, 289, "eligible"),
            step(.require, "lart_dose(rt_dose_gy, rt_fractions)", "RT below the LART dose criteria", 289, 281, "eligible"),
            step(.exclude, "disease_state in [\"repeat_oligorecurrence\", \"repeat_oligopersistence\"]",
                 "repeat oligorecurrence or oligopersistence", 281, 230, "eligible"),
        ]
        return [
            eligible + [step(.where, "disease_state == \"synchronous_oligometastasis\"", nil, 230, 87, "omd"),
                        step(.exclude, "not systemic_at_lart", "no systemic therapy at LART", 87, 64, "omd"),
                        step(.exclude, "brain_mets_uncontrolled", "uncontrolled brain metastases", 64, 54, "omd")],
            eligible + [step(.where, "disease_state == \"repeat_oligoprogression\"", nil, 230, 143, "opd"),
                        step(.exclude, "brain_mets_uncontrolled", "uncontrolled brain metastases", 143, 122, "opd")],
        ]
    }
}

/// What a reader of the SVG sees: its size, boxes (rects of class `box ...`), arrows
/// (lines with a marker), text sizes. Parsed with Foundation's XMLParser.
final class SVGSummary: NSObject, XMLParserDelegate {
    struct Rect { var kind: String; var x, y, w, h: Double }
    var widthMM = 0.0, heightMM = 0.0
    var viewBox = [Double]()
    var boxes = [Rect]()
    var arrows = 0, links = 0
    var fontSizes = [Double]()
    var texts = [String]()
    var elements = 0
    private var text = ""
    private var inText = false

    static func parse(_ svg: String) -> (SVGSummary, Bool) {
        let summary = SVGSummary()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = summary
        return (summary, parser.parse())
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes a: [String: String] = [:]) {
        elements += 1
        func num(_ k: String) -> Double { Double(a[k] ?? "") ?? .nan }
        switch name {
        case "svg":
            widthMM = Double(a["width"]?.replacingOccurrences(of: "mm", with: "") ?? "") ?? .nan
            heightMM = Double(a["height"]?.replacingOccurrences(of: "mm", with: "") ?? "") ?? .nan
            viewBox = (a["viewBox"] ?? "").split(separator: " ").compactMap { Double($0) }
            fontSizes.append(num("font-size"))
        case "rect":
            if let c = a["class"], c.hasPrefix("box ") {
                boxes.append(Rect(kind: String(c.dropFirst(4)), x: num("x"), y: num("y"), w: num("width"), h: num("height")))
            }
        case "line":
            if a["marker-end"] != nil { arrows += 1 } else { links += 1 }
        case "text":
            if let s = a["font-size"] { fontSizes.append(Double(s) ?? .nan) }
            inText = true; text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text); inText = false }
    }
}

struct FlowTreeTests {
    static func tree(_ flows: [[FlowStep]]) throws -> FlowTree { try FlowTree(flows: flows) }

    @Test func sharedStepsAreOneNodeThenOneBranchPerCohort() throws {
        let t = try FlowTreeTests.tree(FlowFixtures.threeFlows())
        #expect(t.cohorts == ["a", "b", "c"])
        // Trunk: source -> require -> exclude, one child each.
        let source = t.root
        #expect(source.role == .source && source.after == 100 && source.children.count == 1)
        let stage = source.children[0]
        #expect(stage.role == .step && stage.before == 100 && stage.after == 90)
        #expect(stage.failed == 8 && stage.missing == 2)
        let mets = stage.children[0]
        #expect(mets.failed == 10 && mets.missing == 0 && mets.after == 80)
        #expect(mets.children.map(\.step.cohort) == ["a", "b", "c"])
        #expect(mets.children.allSatisfy { $0.role == .selection })
        // Not in any branch: 80 - (40 + 30 + 5) = 5, the rows with a missing group.
        #expect(mets.notInAnyBranch == 5)
        #expect(mets.cohorts == ["a", "b", "c"])
        let a = mets.children[0]
        #expect(a.label == "first line" && a.after == 40 && a.missing == 5 && a.ends.isEmpty)
        #expect(a.children[0].failed == 1 && a.children[0].missing == 4 && a.children[0].ends == ["a"])
        #expect(mets.children[1].ends == ["b"] && mets.children[1].label == "second line")
        #expect(mets.children[2].label == "third line")   // the author's reason wins
        #expect(t.sizes().map(\.n) == [35, 30, 5])
        #expect(t.nodes().map(\.depth) == [0, 0, 0, 1, 1, 1, 1])
    }

    @Test func stepsDifferingInCountsOrCohortAreNotShared() throws {
        var flows = FlowFixtures.threeFlows()
        // Same condition, other counts: a branch of its own from the source on.
        flows[1][1].after = 91; flows[1][2].before = 91; flows[1][2].after = 81; flows[1][3].before = 81; flows[1][3].after = 31
        let t = try FlowTreeTests.tree(flows)
        #expect(t.root.children.count == 2)
        #expect(t.root.notInAnyBranch == nil)            // branches by exclusion, not selection
        #expect(t.root.children.allSatisfy { $0.role == .step })
        #expect(t.root.children[0].cohorts == ["a", "c"] && t.root.children[1].cohorts == ["b"])
    }

    @Test func aSingleFlowIsAChainAndWhereStaysAStep() throws {
        let t = try FlowTreeTests.tree([FlowFixtures.study()[0]])
        var n = t.root, roles = [FlowNode.Role]()
        while true { roles.append(n.role); guard let c = n.children.first else { break }; n = c }
        #expect(roles == [.source, .step, .step, .step, .step, .step, .step, .step])
        #expect(n.ends == ["omd"] && n.after == 54)
        // Not a branch, so an exclusion, named by what it drops.
        let selection = t.nodes()[5].node
        #expect(selection.step.kind == .where && selection.label == "not synchronous oligometastasis")
    }

    /// A step without a reason whose condition is not `name == "value"` is named by its
    /// condition, said of the rows it drops: a `where` or `require` "not meeting" it.
    @Test func unnamedStepsSayWhatTheyDrop() throws {
        let flow = [
            FlowFixtures.step(.source, "patients (p.csv)", nil, 100, 100, "patients"),
            FlowFixtures.step(.where, "age > 70", nil, 100, 40, "old"),
            FlowFixtures.step(.exclude, "mets > 3", nil, 40, 30, "old"),
            FlowFixtures.step(.require, "ecog <= 1", "ECOG 2 or more", 30, 25, "old"),
        ]
        let labels = try FlowTreeTests.tree([flow]).nodes().map(\.node.label)
        #expect(labels == ["patients (p.csv)", "not meeting age > 70", "mets > 3", "ECOG 2 or more"])
    }

    @Test func aCohortEndingInsideAnotherMakesItsWhereASelection() throws {
        let study = FlowFixtures.study()
        let eligible = Array(study[0].prefix(5))
        let t = try FlowTreeTests.tree([eligible, study[0]])
        let split = t.nodes().first { !$0.node.ends.isEmpty }!.node
        #expect(split.ends == ["eligible"] && split.after == 230)
        #expect(split.children.map(\.role) == [.selection])
        #expect(split.notInAnyBranch == nil)
    }

    @Test func badFlowsAreRefused() {
        let study = FlowFixtures.study()
        #expect(throws: AnalysisError.self) { try FlowTree(flows: []) }
        var other = study[1]; other[0].condition = "other (x.csv)"
        #expect(throws: AnalysisError.self) { try FlowTree(flows: [study[0], other]) }
        let combined = study[0] + study[1] + [FlowStep(kind: .combine, condition: "combined", reason: nil, before: 176, after: 176, cohort: "omd + opd")]
        #expect(throws: AnalysisError.self) { try FlowTree(flows: [combined]) }
        var broken = study[0]; broken[2].before = 300
        #expect(throws: AnalysisError.self) { try FlowTree(flows: [broken]) }
        var negative = study[0]; negative[1].missing = 20   // 12 dropped, 20 missing
        #expect(throws: AnalysisError.self) { try FlowTree(flows: [negative]) }
    }

    @Test func selectionLabels() {
        #expect(FlowNode.selectionLabel("disease_state == \"synchronous_oligometastasis\"") == "synchronous oligometastasis")
        #expect(FlowNode.selectionLabel("age >= 60") == "age >= 60")
        #expect(FlowNode.selectionLabel("a == \"x\" and b == \"y\"") == "a == \"x\" and b == \"y\"")
        #expect(FlowNode.selectionLabel("f(x) == \"y\"") == "f(x) == \"y\"")
    }

    // MARK: Tables and JSON

    @Test func tableListsSharedStepsOnceAndMissingApart() throws {
        let r = FlowTreeResult(tree: try FlowTreeTests.tree(FlowFixtures.threeFlows()))
        let tables = r.tables()
        #expect(tables.count == 1)
        let t = tables[0]
        #expect(t.title == "Flow of a, b and c")
        #expect(t.columns == ["branch", "cohort", "step", "n", "excluded", "reason"])
        let text = t.rows.map { $0.map(Format.text) }
        #expect(text.count == 8)
        #expect(text.filter { $0[0] == "shared" }.count == 4)
        #expect(text[1] == ["shared", "base", "require stage == \"IV\"", "90", "10", "not stage IV: 8; condition missing: 2"])
        #expect(text[4] == ["a", "a", "where group == \"first_line\"", "40", "-", "branch: first line; condition missing: 5"])
        #expect(text[5] == ["a", "a", "exclude nodes > 0", "35", "5", "positive nodes: 1; condition missing: 4"])
        #expect(text[3] == ["shared", "-", "split into a; b; c", "80", "5", "not in any branch"])
        #expect(t.notes == ["a: 35 patients", "b: 30 patients", "c: 5 patients"])
        let rendered = TextRenderer.render(tables)
        #expect(rendered.components(separatedBy: "patients (p.csv)").count == 2)   // the source once
    }

    @Test func overlappingSelectionsAreSaidSo() throws {
        var flows = FlowFixtures.threeFlows()
        flows[2][3].after = 50   // 40 + 30 + 50 > 80
        let r = FlowTreeResult(tree: try FlowTreeTests.tree(flows))
        #expect(r.tree.root.children[0].children[0].notInAnyBranch == nil)
        #expect(r.tables()[0].notes.last == "the branches after `exclude mets > 3` overlap: 40 + 30 + 50 > 80")
    }

    @Test func jsonIsATree() throws {
        let r = FlowTreeResult(tree: try FlowTreeTests.tree(FlowFixtures.threeFlows()))
        #expect(r.kind == "flow_tree")
        let doc = try JSONSerialization.jsonObject(with: Data(r.json().serialized().utf8)) as? [String: Any]
        #expect(doc?["cohorts"] as? [String] == ["a", "b", "c"])
        let sizes = doc?["n"] as? [[String: Any]] ?? []
        #expect(sizes.map { $0["n"] as? Int } == [35, 30, 5])
        let root = doc?["root"] as? [String: Any] ?? [:]
        #expect(Set(root.keys) == ["kind", "role", "cohort", "condition", "reason", "label", "before", "after", "excluded",
                                   "missing", "ends", "not_in_any_branch", "children"])
        #expect(root["kind"] as? String == "source" && root["after"] as? Int == 100)
        let require = (root["children"] as? [[String: Any]])?.first ?? [:]
        // `excluded` never includes the missing: 8 + 2 = 100 - 90.
        #expect(require["excluded"] as? Int == 8 && require["missing"] as? Int == 2)
        #expect(require["kind"] as? String == "require" && require["reason"] as? String == "not stage IV")
        let mets = (require["children"] as? [[String: Any]])?.first ?? [:]
        #expect(mets["not_in_any_branch"] as? Int == 5)
        let branches = mets["children"] as? [[String: Any]] ?? []
        #expect(branches.map { $0["role"] as? String } == ["selection", "selection", "selection"])
        #expect(branches.map { $0["kind"] as? String } == ["where", "where", "where"])
        #expect(branches.map { ($0["children"] as? [Any])?.count } == [1, 0, 0])
        #expect(branches[1]["ends"] as? [String] == ["b"])
        #expect(branches[0]["excluded"] as? Int == 35 && branches[0]["missing"] as? Int == 5)   // 80 - 40 = 35 + 5
        #expect(require["not_in_any_branch"] is NSNull)
    }

    // MARK: Figure

    static func svg(_ flows: [[FlowStep]]) throws -> String {
        let r = FlowTreeResult(tree: try FlowTree(flows: flows))
        guard case .flowTree(let f)? = r.figure() else { Issue.record("not a flow tree figure"); return "" }
        return f.svg()
    }

    @Test func figureHasABoxPerCountAndAnArrowIntoEachBox() throws {
        let svg = try FlowTreeTests.svg(FlowFixtures.threeFlows())
        let (s, ok) = SVGSummary.parse(svg)
        #expect(ok, "not well-formed XML")
        // Trunk: source, 2 x (exclusion + remaining) = 5; not in any branch = 1;
        // a: selection, exclusion, cohort = 3; b and c: a selection that is the cohort = 1 + 1.
        #expect(s.boxes.count == 11)
        #expect(s.boxes.map(\.kind).filter { $0 == "exclusion" }.count == 3)
        #expect(s.boxes.map(\.kind).filter { $0 == "unselected" }.count == 1)
        #expect(s.boxes.map(\.kind).filter { $0 == "cohort" }.count == 3)
        // Every box but the source has one arrow into it.
        #expect(s.arrows == s.boxes.count - 1)
        #expect(s.texts.contains("Not in any branch (n = 5)"))
        #expect(s.texts.contains("Excluded (n = 10)") && s.texts.contains("not stage IV (n = 8)")
                && s.texts.contains("condition missing (n = 2)"))
        #expect(!s.texts.contains { $0.contains("not stage IV (n = 10)") })
    }

    @Test func studyFigureIsPrintableAndNothingOverlaps() throws {
        let svg = try FlowTreeTests.svg(FlowFixtures.study())
        let (s, ok) = SVGSummary.parse(svg)
        #expect(ok)
        // Trunk: registry + 4 steps x 2; omd: selection + 2 x 2; opd: selection + 2.
        #expect(s.boxes.count == 9 + 5 + 3)
        #expect(s.arrows == s.boxes.count - 1)
        #expect(s.texts.contains("synchronous") || s.texts.contains("synchronous oligometastasis"))
        #expect(s.texts.contains("Excluded (n = 51)"))
        // Print: 1 unit = 1 pt; 85-170 mm wide, so the 8 pt text prints at 8 pt (>= 7).
        #expect(s.viewBox.count == 4)
        let ptPerUnit = s.widthMM / (s.viewBox[2] * 25.4 / 72)
        #expect(abs(ptPerUnit - 1) < 0.01)
        #expect(s.widthMM >= 85 && s.widthMM <= 170, "width \(s.widthMM) mm")
        #expect(s.fontSizes.allSatisfy { $0 * ptPerUnit >= 7 })
        if let path = ProcessInfo.processInfo.environment["LART_FLOW_PREVIEW"] {
            try svg.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test(arguments: [FlowFixtures.threeFlows(), FlowFixtures.nested(), FlowFixtures.study(), [FlowFixtures.study()[1]]])
    func boxesAreInsideTheCanvasAndApart(_ flows: [[FlowStep]]) throws {
        let (s, ok) = SVGSummary.parse(try FlowTreeTests.svg(flows))
        #expect(ok && s.viewBox.count == 4)
        guard s.viewBox.count == 4 else { return }
        #expect(s.arrows == s.boxes.count - 1)
        for b in s.boxes {
            #expect(b.x >= 0 && b.y >= 0 && b.x + b.w <= s.viewBox[2] && b.y + b.h <= s.viewBox[3], "outside: \(b)")
        }
        for (i, p) in s.boxes.enumerated() {
            for q in s.boxes[(i + 1)...] {
                // At least 4 pt between any two boxes.
                let apart = p.x + p.w + 4 <= q.x || q.x + q.w + 4 <= p.x || p.y + p.h + 4 <= q.y || q.y + q.h + 4 <= p.y
                #expect(apart, "boxes overlap: \(p) \(q)")
            }
        }
    }

    @Test func textFitsItsBox() throws {
        // Every line of every box is narrower than the box (Helvetica metrics).
        let tree = try FlowTree(flows: FlowFixtures.threeFlows() + [Array(FlowFixtures.threeFlows()[0].prefix(3))
            + [FlowFixtures.step(.where, "group == \"a_very_long_value_without_any_spaces_at_all_in_it\"", nil, 80, 0, "d")]])
        let block = FlowDiagramLayout.block(tree.root)
        for shape in block.shapes {
            guard case .box(let kind, _, _, let w, let h, let lines) = shape else { continue }
            #expect(h == FlowDiagramLayout.boxHeight(lines.count))
            for line in lines {
                let width = TextMetrics.width(line.text, size: FlowDiagramLayout.fontSize, bold: line.bold)
                #expect(width + 2 * FlowDiagramLayout.padX <= w + 0.01, "\(kind): \(line.text)")
            }
        }
    }

    @Test func figureIsByteStable() throws {
        let a = try FlowTreeTests.svg(FlowFixtures.study())
        let b = try FlowTreeTests.svg(FlowFixtures.study())
        #expect(a == b)
        #expect(a.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""))
        #expect(!a.contains("nan") && !a.contains("inf"))
    }

    @Test func wrapping() {
        #expect(TextMetrics.wrap("", width: 50, size: 8, bold: false) == [""])
        #expect(TextMetrics.wrap("a b", width: 50, size: 8, bold: false) == ["a b"])
        let lines = TextMetrics.wrap("uncontrolled brain metastases", width: 64, size: 8, bold: false)
        #expect(lines == ["uncontrolled", "brain metastases"])
        let cut = TextMetrics.wrap(String(repeating: "m", count: 40), width: 60, size: 8, bold: false)
        #expect(cut.count > 1 && cut.joined() == String(repeating: "m", count: 40))
        // A long word is cut after an underscore rather than inside a part of it.
        let soft = TextMetrics.wrap("\"synchronous_oligometastasis\"", width: 90, size: 8, bold: false)
        #expect(soft == ["\"synchronous_", "oligometastasis\""])
        // "m" is 833/1000 em: 8 pt x 0.833 x 1.04 = 6.93 pt, so 8 of them fit 60 pt.
        #expect(cut[0].count == 8)
    }

    // MARK: The single-cohort flow

    @Test func linearFlowNeverCountsMissingInTheReason() {
        let steps = [
            FlowFixtures.step(.source, "patients", nil, 50, 50, "patients"),
            FlowFixtures.step(.require, "nodes > 0", "no positive nodes", 50, 30, missing: 18, "pn"),
        ]
        #expect(steps[1].excluded == 20 && steps[1].failed == 2)
        let r = FlowResult(cohort: "pn", steps: steps)
        let row = r.tables()[0].rows[1].map(Format.text)
        #expect(row == ["pn", "require nodes > 0", "30", "20", "no positive nodes: 2; condition missing: 18"])
        // One cohort's flow is drawn in the print layout of the flow tree, as one chain.
        guard case .flowTree(let f)? = r.figure() else { Issue.record("no flow tree figure"); return }
        let svg = f.svg()
        #expect(svg.contains(">Excluded (n = 20)<") && svg.contains(">no positive nodes (n = 2)<") && svg.contains(">condition missing (n = 18)<"))
        #expect(SVGSummary.parse(svg).1)
        let json = r.json().serialized()
        #expect(json.contains("\"n_excluded\":20,\"n_failed\":2,\"n_missing\":18"))
    }

    /// `flow a + b` of cohorts from one source is drawn as their tree; stacked cohorts of
    /// different sources keep the plain diagram (a tree has one source).
    @Test func stackedFlowIsDrawnAsTheTree() {
        let a = [FlowFixtures.step(.source, "patients", nil, 50, 50, "patients"),
                 FlowFixtures.step(.require, "x > 0", "no x", 50, 30, "a")]
        let b = [FlowFixtures.step(.source, "patients", nil, 50, 50, "patients"),
                 FlowFixtures.step(.exclude, "y", "y", 50, 40, "b")]
        let combine = FlowFixtures.step(.combine, "combined: a (30) + b (40)", nil, 70, 70, "a + b")
        guard case .flowTree(let f)? = FlowResult(cohort: "a + b", steps: a + b + [combine]).figure() else {
            Issue.record("a stacked flow of one source is not drawn as a tree"); return
        }
        #expect(f.tree.cohorts == ["a", "b"])
        let other = [FlowFixtures.step(.source, "others", nil, 20, 20, "others")]
        guard case .flow? = FlowResult(cohort: "a + others", steps: a + other + [combine]).figure() else {
            Issue.record("stacked cohorts of two sources should keep the plain diagram"); return
        }
    }
}
