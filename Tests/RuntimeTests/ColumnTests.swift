import Testing
@testable import Runtime

/// Column conversions on many rows (two threads).
struct ColumnConversionTests {
    @Test func integersAsDoublesAndBooleans() {
        let n = 70_001
        var v = (0..<n).map { Int64($0 % 2) }
        v[3] = Column.intNA; v[n - 1] = Column.intNA
        let doubles = Column.int(v).doubles()!
        #expect(doubles[3].isNaN && doubles[n - 1].isNaN && doubles[4] == 0 && doubles[5] == 1)
        #expect(doubles.filter { !$0.isNaN }.count == n - 2)
        let b = Column.int(v).booleans()!
        #expect(b[3] == Column.boolNA && b[n - 1] == Column.boolNA && b[4] == 0 && b[5] == 1)
        for bad: Int64 in [2, -1, 7, Int64.max] {
            var w = v
            w[60_000] = bad
            #expect(Column.int(w).booleans() == nil, "\(bad)")
            w = v
            w[10] = bad
            #expect(Column.int(w).booleans() == nil, "\(bad) in the first half")
        }
    }
}
