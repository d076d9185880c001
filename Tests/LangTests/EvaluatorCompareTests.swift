import Foundation
import Testing
@testable import Lang
import Runtime

/// The comparison of a column of numbers with a number (one pass over the column as
/// stored) gives what the general loop gives: each value as a double, missing where the
/// value is missing, with the number on either side.
struct EvaluatorCompareTests {
    static let columns: [Column] = [
        .int([3, Column.intNA, -1, 0, 5, Int64(1) << 53 + 1]),
        .double([1.5, .nan, -.infinity, 0, 3, .infinity, -0.0]),
        .bool([1, Column.boolNA, 0]),
    ]
    static let operators: [BinaryOperator] = [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual]

    /// The general loop's rule, row by row.
    func expected(_ x: Double, _ op: BinaryOperator, _ y: Double) -> UInt8 {
        if x.isNaN || y.isNaN { return Column.boolNA }
        let c = x == y ? 0 : (x < y ? -1 : 1)
        switch op {
        case .equal: return c == 0 ? 1 : 0
        case .notEqual: return c != 0 ? 1 : 0
        case .less: return c < 0 ? 1 : 0
        case .lessEqual: return c <= 0 ? 1 : 0
        case .greater: return c > 0 ? 1 : 0
        case .greaterEqual: return c >= 0 ? 1 : 0
        case .or, .and, .add, .subtract, .multiply, .divide: return Column.boolNA
        }
    }

    @Test(arguments: [0.0, 1, 3, -1.5, 1.5, .infinity, -.infinity, 9007199254740992])
    func columnAgainstNumberIsTheGeneralLoop(_ y: Double) throws {
        for c in Self.columns {
            let values = try #require(c.doubles())
            for op in Self.operators {
                let right = try #require(Evaluator.compare(c, op, y))
                #expect(right == values.map { expected($0, op, y) }, "\(c.kind) \(op.rawValue) \(y)")
                // `y op column`, as the evaluator asks for it.
                let left = try #require(Evaluator.compare(c, op.mirrored, y))
                #expect(left == values.map { expected(y, op, $0) }, "\(y) \(op.rawValue) \(c.kind)")
            }
        }
    }

    @Test func otherCasesAreLeftToTheGeneralLoop() {
        #expect(Evaluator.compare(.int([1, 2]), .equal, .nan) == nil)
        #expect(Evaluator.compare(.date([1, 2]), .less, 3) == nil)
        #expect(Evaluator.compare(.string(codes: [0], dictionary: ["a"]), .equal, 1) == nil)
        #expect(Evaluator.compare(.int([1, 2]), .add, 1) == nil)
    }

    /// Through the language: `status == 1` and `1 == status` on a column with missing values.
    @Test func scriptsGiveTheSameRows() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let path = dir + "/lart-compare-\(UInt64.random(in: 0...UInt64.max)).csv"
        try "id,status,x\n1,1,0.5\n2,0,NA\n3,NA,2\n4,1,-1\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
        use "\(path)" as t
        t | where status == 1 | count
        t | where 1 <= status | count
        t | where x > 0 | count
        t | where 0 > x | count
        """
        let report = Interpreter().runChecked(script)
        #expect(report.errors.isEmpty)
        let counts = report.results.map { ($0.result as? CountResult)?.total }
        #expect(counts == [2, 2, 2, 1])
    }
}

/// Text compared with a value once per distinct value (`Evaluator.byCode`) gives, row by row,
/// what comparing each row's text gives: R's order of text, missing where the text is missing,
/// the value on either side, values that no row has included.
struct TextCompareTests {
    @Test func byCodeIsEachRowCompared() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let path = dir + "/lart-text-\(UInt64.random(in: 0...UInt64.max)).csv"
        let grades = ["low", "high", "", "mid", "Low", "high", "b", "LOW", ""]
        try ("id,g\n" + grades.enumerated().map { "\($0.offset + 1),\($0.element)" }.joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ops = ["==", "!=", "<", "<=", ">", ">="]
        let literals = ["low", "Low", "a", "m", "zzz", "high"]
        var script = "use \"\(path)\" as t\n"
        var expected = [Int]()
        for op in ops {
            for lit in literals {
                script += "t | where g \(op) \"\(lit)\" | count\n"
                script += "t | where \"\(lit)\" \(op) g | count\n"
                func holds(_ a: String, _ b: String) -> Bool {
                    let c = Evaluator.textOrder(a, b)
                    switch op {
                    case "==": return c == 0
                    case "!=": return c != 0
                    case "<": return c < 0
                    case "<=": return c <= 0
                    case ">": return c > 0
                    default: return c >= 0
                    }
                }
                let present = grades.filter { !$0.isEmpty }
                expected.append(present.filter { holds($0, lit) }.count)
                expected.append(present.filter { holds(lit, $0) }.count)
            }
        }
        let report = Interpreter().runChecked(script)
        #expect(report.errors.isEmpty)
        #expect(report.results.map { ($0.result as? CountResult)?.total ?? -1 } == expected)
        // R's order: lower case before upper case, after the letters ignoring case.
        #expect(Evaluator.textOrder("low", "Low") < 0 && Evaluator.textOrder("high", "Low") < 0 && Evaluator.textOrder("Low", "mid") < 0)
    }
}

/// A cohort of several steps (gathered once, each condition on the columns it reaches) has
/// the rows and the flow of the same steps as cohorts of one step each, chained: with
/// aggregates over the rows left (`median`), `let`s reaching other columns, missing values,
/// `exclude` and `require`.
struct RowStepsTests {
    @Test func severalStepsAreTheStepsChained() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let path = dir + "/lart-steps-\(UInt64.random(in: 0...UInt64.max)).csv"
        var state: UInt64 = 7
        func next(_ m: UInt64) -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return (state >> 33) % m }
        var csv = "id,age,sex,stage,bmi,site\n"
        for i in 1...400 {
            let bmi = next(9) == 0 ? "NA" : "\(15 + next(250) / 10)"
            let stage = next(7) == 0 ? "" : "\(1 + next(4))"
            csv += "\(i),\(20 + next(70)),\(next(2) == 0 ? "F" : "M"),\(stage),\(bmi),\(["lung", "bone", "liver"][Int(next(3))])\n"
        }
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let steps = ["where age > median(age)", "exclude site == \"bone\"", "require heavy", "where stage is not missing",
                     "where bmi < median(bmi) or sex == \"M\""]
        var script = "use \"\(path)\" as t\nlet heavy = bmi >= mean(bmi) - 2\n"
        script += "cohort all_steps = t " + steps.joined(separator: " | ") + "\n"
        var previous = "t"
        for (k, s) in steps.enumerated() {
            script += "cohort c\(k) = \(previous)" + (s.hasPrefix("where") ? " " : " | ") + s + "\n"
            previous = "c\(k)"
        }
        script += "all_steps | list limit 1000\n\(previous) | list limit 1000\nall_steps | flow\n"
        for k in 0..<steps.count { script += "c\(k) | count\n" }
        let report = Interpreter().runChecked(script)
        #expect(report.errors.isEmpty)
        let lists = report.results.compactMap { $0.result as? RowsResult }
        try #require(lists.count == 2)
        let ids = lists.map { $0.table["id"]?.doubles() ?? [] }
        #expect(!ids[0].isEmpty && ids[0] == ids[1])
        // The flow's count after each step: the rows of the chained cohort after that step.
        let flow = try #require(report.results.compactMap { $0.result as? FlowResult }.first)
        let chained = report.results.compactMap { ($0.result as? CountResult)?.total }
        #expect(chained.count == steps.count)
        #expect(flow.steps.map(\.after) == [400] + chained)
        #expect(Set(chained).count == steps.count, "each step drops rows: \(chained)")
    }
}
