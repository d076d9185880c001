/// The eligibility flows of several cohorts drawn as one tree, as the paper's figure S1 does:
/// the steps the cohorts share (same step, same counts) once, then one branch per cohort.
///
/// Built from the linear flows the language layer already computes (one `[FlowStep]` per
/// cohort, each starting at the same source) by merging their common prefixes: a trie over
/// the steps, so three cohorts can share a trunk, and two of them a longer part of it.

/// One step of a flow tree, with the branches that follow it.
public struct FlowNode: Sendable {
    public enum Role: String, Sendable {
        /// The first step: the rows every flow starts from.
        case source
        /// An eligibility step: rows failing the condition, or with it missing, are excluded.
        case step
        /// A `where` that starts a branch: the rows it keeps are the branch, not an exclusion
        /// ("synchronous oligometastasis (n = 87)").
        case selection
    }

    public var role: Role
    public var step: FlowStep
    /// Cohorts whose flow ends at this node (their size is `after`), in the order given.
    public var ends: [String]
    /// At a split into selections only: rows of this node that no branch selects,
    /// `after - Σ children's after` (rows with a missing selection condition are among them).
    /// nil where the node does not split into selections, or where the selections overlap
    /// (their sizes add up to more than `after`). It assumes disjoint selections, as
    /// disease states are; the language layer, which has the rows, may set the exact count.
    public var notInAnyBranch: Int?
    public var children: [FlowNode]

    public init(role: Role, step: FlowStep, ends: [String] = [], notInAnyBranch: Int? = nil, children: [FlowNode] = []) {
        self.role = role; self.step = step; self.ends = ends; self.notInAnyBranch = notInAnyBranch; self.children = children
    }

    public var before: Int { step.before }
    public var after: Int { step.after }
    /// Rows excluded because the condition failed (never including `missing`).
    public var failed: Int { step.failed }
    /// Rows excluded because the condition was missing.
    public var missing: Int { step.missing }

    /// How the node is named in a box or a table row: a selection by its reason, else by the
    /// value it selects (`disease_state == "synchronous_oligometastasis"` -> "synchronous
    /// oligometastasis"); a step by its reason, else by what it drops ("not synchronous
    /// oligometastasis" for such a `where` or `require`), else by its condition ("not meeting
    /// age <= 70" for a `where`, "mets_at_dx > 3" for an `exclude`); the source as written.
    public var label: String {
        switch role {
        case .source: return step.condition
        case .selection: return step.reason ?? FlowNode.selectionLabel(step.condition)
        case .step:
            if step.reason != nil { return step.label }
            let value = FlowNode.selectionLabel(step.condition)
            guard value != step.condition else {
                // Any other condition as written, said of the rows the step drops.
                switch step.kind {
                case .require, .where: return "not meeting " + step.condition
                case .exclude: return step.condition
                case .source, .combine: return step.label
                }
            }
            switch step.kind {
            case .require, .where: return "not " + value
            case .exclude: return value
            case .source, .combine: return step.label
            }
        }
    }

    /// `name == "some_value"` reads as "some value"; any other condition is shown as written.
    static func selectionLabel(_ condition: String) -> String {
        let parts = condition.split(separator: "==", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return condition }
        let name = parts[0].trimmingSpaces(), value = parts[1].trimmingSpaces()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }),
              value.count >= 2, value.first == "\"", value.last == "\"" else { return condition }
        let inner = value.dropFirst().dropLast()
        guard !inner.isEmpty, !inner.contains("\"") else { return condition }
        return String(inner.map { $0 == "_" ? " " : $0 })
    }

    /// The cohorts whose flows pass through this node, in the order given.
    public var cohorts: [String] {
        var out = ends
        for c in children { for name in c.cohorts where !out.contains(name) { out.append(name) } }
        return out
    }
}

private extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

public struct FlowTree: Sendable {
    public var root: FlowNode
    /// The cohorts, one per flow, in the order the flows were given.
    public var cohorts: [String]

    /// Merges linear flows (one per cohort: the cohort's `FlowStep`s from the source on, as
    /// `flow NAME` reports them) into a tree. Steps are shared while they are the same step
    /// (kind, condition, reason, cohort) with the same counts (before, after, missing).
    ///
    /// Throws `AnalysisError` when there is no flow, when the flows start at different
    /// sources, when a flow combines cohorts (`omd + opd`: list them apart) or when a
    /// flow's counts do not chain (each step's `before` is the previous step's `after`).
    public init(flows: [[FlowStep]]) throws {
        guard let first = flows.first?.first else { throw AnalysisError("a flow tree needs at least one cohort's flow") }
        for flow in flows {
            guard let source = flow.first, source.kind == .source else {
                throw AnalysisError("each flow must start at its source table")
            }
            guard FlowTree.same(source, first) else {
                throw AnalysisError("the flows start from different sources (\(first.condition), \(source.condition)); a flow tree has one source")
            }
            for (previous, step) in zip(flow, flow.dropFirst()) {
                switch step.kind {
                case .source, .combine:
                    throw AnalysisError("`\(flow.last?.cohort ?? step.cohort)` combines several cohorts; a flow tree takes one flow per cohort")
                case .require, .exclude, .where:
                    break
                }
                guard step.before == previous.after, step.after >= 0, step.missing >= 0, step.failed >= 0 else {
                    throw AnalysisError("the counts of `\(step.kind.rawValue) \(step.condition)` in `\(step.cohort)` do not follow from the step before")
                }
            }
        }
        cohorts = flows.map { $0.last?.cohort ?? first.cohort }
        root = FlowTree.node(.source, flows.map { ArraySlice($0) }, names: cohorts)
    }

    /// Two steps are one node when they are the same step with the same counts.
    static func same(_ a: FlowStep, _ b: FlowStep) -> Bool {
        a.kind == b.kind && a.condition == b.condition && a.reason == b.reason && a.cohort == b.cohort
            && a.before == b.before && a.after == b.after && a.missing == b.missing
    }

    /// The node of the first step of `flows` (all of which start with that same step), with
    /// the rest grouped into children by their next step, in order of first appearance.
    private static func node(_ role: FlowNode.Role, _ flows: [ArraySlice<FlowStep>], names: [String]) -> FlowNode {
        let step = flows[0][flows[0].startIndex]
        var ends = [String]()
        var groups = [(step: FlowStep, flows: [ArraySlice<FlowStep>], names: [String])]()
        for (flow, name) in zip(flows, names) {
            let rest = flow.dropFirst()
            guard let next = rest.first else {
                if !ends.contains(name) { ends.append(name) }
                continue
            }
            if let k = groups.firstIndex(where: { same($0.step, next) }) {
                groups[k].flows.append(rest); groups[k].names.append(name)
            } else {
                groups.append((next, [rest], [name]))
            }
        }
        // A `where` that starts one of several branches (or branches off a cohort that ends
        // here) selects the branch's rows: it is not an exclusion.
        let branching = groups.count > 1 || !ends.isEmpty
        let children = groups.map { g in
            node(branching && g.step.kind == .where ? .selection : .step, g.flows, names: g.names)
        }
        var notInAnyBranch: Int? = nil
        if groups.count > 1, ends.isEmpty, children.allSatisfy({ $0.role == .selection }) {
            // Rows no branch selects: n - Σ selected (disjoint selections; overlap -> nil).
            let rest = step.after - children.reduce(0) { $0 + $1.after }
            notInAnyBranch = rest >= 0 ? rest : nil
        }
        return FlowNode(role: role, step: step, ends: ends, notInAnyBranch: notInAnyBranch, children: children)
    }

    /// Every node, depth first (a node, then its children's subtrees in order), with its depth
    /// in branches (0 on the trunk; +1 below each split).
    public func nodes() -> [(node: FlowNode, depth: Int)] {
        var out = [(node: FlowNode, depth: Int)]()
        func visit(_ n: FlowNode, _ depth: Int) {
            out.append((n, depth))
            let split = n.children.count > 1 || !n.ends.isEmpty
            for c in n.children { visit(c, split ? depth + 1 : depth) }
        }
        visit(root, 0)
        return out
    }

    /// The final size of each cohort, in the order of `cohorts`.
    public func sizes() -> [(cohort: String, n: Int)] {
        var n = [String: Int]()
        for (node, _) in nodes() { for c in node.ends where n[c] == nil { n[c] = node.after } }
        return cohorts.map { ($0, n[$0] ?? 0) }
    }
}

/// `flow omd opd` as one result: the tree, as tables, JSON and a CONSORT figure.
public struct FlowTreeResult: Reportable {
    public var tree: FlowTree
    public init(tree: FlowTree) { self.tree = tree }

    public var kind: String { "flow_tree" }

    /// "omd", "omd and opd", "a, b and c".
    public var title: String {
        var names = [String]()
        for c in tree.cohorts where !names.contains(c) { names.append(c) }
        guard names.count > 1 else { return "Flow of \(names.first ?? "")" }
        return "Flow of " + names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
    }

    /// One table: the shared steps once, then each branch's steps. The `branch` column names
    /// the cohorts whose flows pass through the row ("shared" for all of them); `excluded` is
    /// every row a step dropped, and the reason splits off those with a missing condition.
    public func tables() -> [ResultTable] {
        var rows = [[Cell]]()
        var notes = [String]()
        let all = Set(tree.cohorts)
        func branchName(_ n: FlowNode) -> String {
            let names = n.cohorts
            return Set(names) == all && all.count > 1 ? "shared" : names.joined(separator: ", ")
        }
        func visit(_ n: FlowNode) {
            let branch = Cell.text(branchName(n))
            switch n.role {
            case .source:
                rows.append([branch, .text(n.step.cohort), .text(n.step.condition), .integer(n.after), .missing, .missing])
            case .selection:
                // The rows a branch selects are not excluded; the rest go to other branches.
                let why = "branch: \(n.label)" + (n.missing > 0 ? "; condition missing: \(n.missing)" : "")
                rows.append([branch, .text(n.step.cohort), .text("where \(n.step.condition)"), .integer(n.after), .missing, .text(why)])
            case .step:
                rows.append([branch, .text(n.step.cohort), .text("\(n.step.kind.rawValue) \(n.step.condition)"), .integer(n.after),
                             .integer(n.step.excluded), n.step.exclusionText.map { .text($0) } ?? .missing])
            }
            if let rest = n.notInAnyBranch, rest > 0 {
                rows.append([branch, .missing, .text("split into " + n.children.map { $0.cohorts.joined(separator: ", ") }.joined(separator: "; ")),
                             .integer(n.after), .integer(rest), .text("not in any branch")])
            }
            for c in n.children { visit(c) }
            let selected = n.children.filter { $0.role == .selection }
            if n.children.count > 1, n.ends.isEmpty, selected.count == n.children.count, n.notInAnyBranch == nil {
                notes.append("the branches after `\(n.step.kind.rawValue) \(n.step.condition)` overlap: "
                             + "\(selected.map { String($0.after) }.joined(separator: " + ")) > \(n.after)")
            }
        }
        visit(tree.root)
        notes = tree.sizes().map { "\($0.cohort): \($0.n) patients" } + notes
        return [ResultTable(title: title, columns: ["branch", "cohort", "step", "n", "excluded", "reason"], rows: rows, notes: notes)]
    }

    /// `{cohorts, n: [{cohort, n}], root: node}`; a node is `{kind, role, cohort, condition,
    /// reason, label, before, after, excluded, missing, ends, not_in_any_branch, children}`
    /// where `excluded` counts the rows failing the condition only, and
    /// `excluded + missing = before - after`.
    public func json() -> JSONValue {
        func node(_ n: FlowNode) -> JSONValue {
            .object([
                ("kind", .string(n.step.kind.rawValue)), ("role", .string(n.role.rawValue)), ("cohort", .string(n.step.cohort)),
                ("condition", .string(n.step.condition)), ("reason", n.step.reason.map { .string($0) } ?? .null),
                ("label", .string(n.label)), ("before", .int(n.before)), ("after", .int(n.after)),
                ("excluded", .int(n.failed)), ("missing", .int(n.missing)), ("ends", .strings(n.ends)),
                ("not_in_any_branch", n.notInAnyBranch.map { .int($0) } ?? .null),
                ("children", .array(n.children.map(node))),
            ])
        }
        return .object([
            ("cohorts", .strings(tree.cohorts)),
            ("n", .array(tree.sizes().map { .object([("cohort", .string($0.cohort)), ("n", .int($0.n))]) })),
            ("root", node(tree.root)),
        ])
    }
}
