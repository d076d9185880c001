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

/// `Column.textCoded`: the text `text(at:)` gives, each distinct value once, without a string
/// per row: numbers in ascending order, -0 and 0 one value, integers past 2^53 kept apart.
struct TextCodedTests {
    func decoded(_ c: Column) -> [String?] {
        let (codes, dictionary) = c.textCoded()
        return codes.map { $0 == Column.stringNA ? nil : dictionary[Int($0)] }
    }

    @Test func sameTextAsEachRow() {
        var many = [Double]()
        for i in 0..<3000 { many.append(i % 11 == 0 ? .nan : Double((i * 7919) % 97) / 4 - 5) }
        let columns: [Column] = [
            .double([2, .nan, -0.0, 0, 10, 2.5, -1]),
            .double(many),
            .int([Int64(1) << 53, (Int64(1) << 53) + 1, Column.intNA, -3, Int64(1) << 53]),
            .date([18000, Column.dateNA, 17000, 18000]),
            .bool([1, 0, Column.boolNA, 1]),
            .string(codes: [1, 0, Column.stringNA], dictionary: ["b", "a"]),
        ]
        for c in columns { #expect(decoded(c) == c.strings()) }
        let (_, dictionary) = Column.double([2, .nan, -0.0, 0, 10, 2.5, -1]).textCoded()
        #expect(dictionary == ["-1", "0", "2", "2.5", "10"])
        #expect(Column.int([Int64(1) << 53, (Int64(1) << 53) + 1]).textCoded().dictionary.count == 2)
    }
}
