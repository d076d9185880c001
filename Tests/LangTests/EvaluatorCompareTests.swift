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
