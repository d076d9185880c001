import Testing
@testable import Runtime
import TestSupport

/// Text columns encoded in the first pass (text from the first value) and in the second
/// pass (text after numbers), with missing values, quotes and many distinct values.
struct CSVReaderTests {

    static func parse(_ text: String) throws -> Table {
        try CSVReader.parse(Array(text.utf8), origin: "test.csv")
    }

    @Test func textColumnsBothPasses() throws {
        var csv = "a,b,c\n"
        csv += ",1,x\n"                 // a missing first: still text from its first value
        csv += "B,2,\"y,z\"\n"
        csv += "A,three,x\n"            // b turns to text late
        csv += "B,NA,\n"
        for k in 0..<40 { csv += "v\(k % 20),\(k),x\n" }   // more than the linear-search limit
        let t = try Self.parse(csv)
        #expect(t.rowCount == 44)
        #expect(t.strings("a")!.prefix(4) == [nil, "B", "A", "B"])
        #expect(t.strings("b")!.prefix(5) == ["1", "2", "three", nil, "0"])
        #expect(t.strings("c")!.prefix(4) == ["x", "y,z", "x", nil])
        let a = t.strings("a")!
        for k in 0..<40 { #expect(a[4 + k] == "v\(k % 20)") }
        guard case .string(_, let dictionary)? = t["a"] else { Issue.record("a is not text"); return }
        #expect(dictionary.count == 22)
    }

    @Test func numbersAndWideningStillWork() throws {
        let t = try Self.parse("n,x\n1,2\n2,2.5\n,NA\n")
        #expect(t["n"]?.kind == .int)
        #expect(t["x"]?.kind == .double)
        #expect(t.doubles("x")!.prefix(2) == [2, 2.5])
        #expect(t.doubles("x")![2].isNaN)
    }
}

/// `CSVReader.readHead`: the first bytes of a file (the header `lart run` plans from).
struct CSVReadHeadTests {
    @Test func firstBytesOfAFileAndNilForNone() throws {
        let path = Fixture.path("lart/lart_registry.csv")
        let all = try CSVReader.readFile(path)
        #expect(CSVReader.readHead(path, upTo: 100) == Array(all.prefix(100)))
        #expect(CSVReader.readHead(path, upTo: all.count + 10) == all)
        #expect(CSVReader.readHead(path + ".missing", upTo: 100) == nil)
    }
}
