import Foundation
import Testing
@testable import Runtime

/// The parse in pieces on several threads gives exactly the single-threaded parse (types,
/// values bit for bit, missing values, warnings, errors), whatever the cuts; and a read of
/// some columns gives those columns of a full read.
struct CSVPiecesTests {

    /// Every way of cutting small inputs: pieces of at least 1, 2, 3, ... bytes on 2 and 4
    /// threads (up to 64 pieces).
    static let cuts: [CSVReader.Parallelism] = [1, 2, 3, 5, 8, 13, 40].flatMap { bytes in
        [2, 4].map { CSVReader.Parallelism(threads: $0, pieceBytes: bytes) }
    } + [13, 40].map { CSVReader.Parallelism(threads: 2, pieceBytes: $0, speculate: false) }
      // Types predicted from the first records only: small inputs are speculated on, and
      // predictions fail often.
      + [(3, 40), (8, 200), (40, 1000)].map { CSVReader.Parallelism(threads: 3, pieceBytes: $0.0, sampleBytes: $0.1) }

    /// The outcome of a parse, comparable: the table (doubles by bit pattern) and the
    /// warnings, or the error's text.
    static func outcome(_ text: String, _ options: CSVOptions, columns: [String]?, _ parallel: CSVReader.Parallelism) -> String {
        let bytes = Array(text.utf8)
        do {
            let r = try bytes.withUnsafeBufferPointer {
                try CSVReader.parse(buffer: $0, origin: "t.csv", options: options, columns: columns, parallel: parallel)
            }
            var s = "rows \(r.table.rowCount)\n"
            for (name, column) in zip(r.table.names, r.table.columns) {
                s += name + " "
                switch column {
                case .double(let v): s += "double " + v.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
                case .int(let v): s += "int " + v.map(String.init).joined(separator: ",")
                case .bool(let v): s += "bool " + v.map(String.init).joined(separator: ",")
                case .date(let v): s += "date " + v.map(String.init).joined(separator: ",")
                case .string(let codes, let dictionary):
                    s += "string " + codes.map(String.init).joined(separator: ",") + " | " + dictionary.joined(separator: "|")
                }
                s += "\n"
            }
            for w in r.warnings { s += "warning \(w.kind) \(w.column) \(w.values) \(w.rows) \(w.lines) \(w.message)\n" }
            return s
        } catch {
            return "error \(error)"
        }
    }

    /// Checks that every cut, and the fast path, give the outcome of the single-threaded
    /// parse by the general loop; returns it.
    @discardableResult
    static func same(_ text: String, _ options: CSVOptions = CSVOptions(), columns: [String]? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let single = outcome(text, options, columns: columns, .general)
        for cut in [.single] + cuts {
            let got = outcome(text, options, columns: columns, cut)
            #expect(got == single, "threads \(cut.threads), pieces of \(cut.pieceBytes) bytes", sourceLocation: sourceLocation)
            if got != single { break }
        }
        return single
    }

    /// Columns written into their final arrays while the pieces are parsed: whatever the
    /// file does after the records that settle the types (a number column turning to
    /// decimals or text, dates in another format, a column missing at first, text that is
    /// not UTF-8, more rows than the start suggests), the outcome is the join's.
    @Test(arguments: 0..<7)
    func speculatedColumnsAreTheJoins(_ variant: Int) {
        var csv = "id,n,x,when,note,empty\n"
        // Short records first: the start of the file suggests fewer rows than there are.
        for k in 0..<1500 { csv += "\(k),\(k % 7),\(k % 5).5,2020-01-\(k % 28 + 1),n\(k % 4),\n" }
        for k in 1500..<3000 {
            var n = "\(k % 11)", x = "\(Double(k) / 8)", when = "2021-02-\(k % 28 + 1)", note = "note \(k % 9) " + String(repeating: "z", count: k % 40), empty = ""
            switch (variant, k) {
            case (1, 2700): n = "2.5"                   // integers turn to decimals
            case (2, 2700): n = "many"                  // integers turn to text
            case (3, 2100): when = "02/03/2021"         // dates in another format
            case (4, 2900): empty = "7"                 // a column missing at first gets numbers
            // A decimal column meets -0, now and then: some piece starts with one, stored as
            // an integer 0 before the piece's doubles, whatever the cuts.
            case (5, _) where k >= 2000 && k % 37 == 0: x = "-0"
            case (6, 1600): note = "caf\u{E9}"          // text past the start (UTF-8)
            default: break
            }
            csv += "\(k),\(n),\(x),\(when),\(note),\(empty)\n"
        }
        let out = Self.same(csv)
        #expect(out.hasPrefix("rows 3000"))
        Self.same(csv, columns: ["n", "note"])
    }

    @Test func cutsFallAtRecordsEvenWithQuotedLineEnds() {
        var csv = "id,note,x\n"
        for k in 0..<40 {
            let note = k % 3 == 0 ? "\"line one\nline \"\"two\"\"\n\"" : (k % 3 == 1 ? "\"a, b\"" : "plain")
            csv += "\(k),\(note),\(Double(k) / 4)\n"
        }
        let out = Self.same(csv)
        #expect(out.contains("note string"))
        #expect(out.hasPrefix("rows 40"))
    }

    /// The quote parity puts cuts between records, so the pieces join (no single-threaded
    /// parse again) even with line ends inside quotes.
    @Test func cutsByQuoteParityJoin() throws {
        var csv = "id,note\n"
        for k in 0..<40 { csv += "\(k),\(k % 2 == 0 ? "\"one\ntwo \"\"2\"\"\"" : "plain")\n" }
        let bytes = Array(csv.utf8)
        try bytes.withUnsafeBufferPointer { buffer in
            let ctx = try CSVReader.Context(origin: "t.csv", delimiter: 44, options: CSVOptions())
            let layout = CSVReader.Layout(dataStart: 8, firstLine: 2, header: ["id", "note"],
                                          projection: CSVReader.Projection(width: 2, reading: nil))
            let starts = CSVReader.plan(buffer, from: 8, CSVReader.Parallelism(threads: 4, pieceBytes: 16))
            #expect(starts.count > 10)
            let pieces = try CSVReader.parsePieces(CSVReader.FileBytes(borrowing: buffer), ctx, layout, starts: starts, threads: 4, fastPath: true, cancellation: nil)
            #expect(pieces?.reduce(0) { $0 + $1.rows } == 40)
        }
    }

    @Test func aColumnTurningTextInTheLastPieceIsTextEverywhere() {
        var csv = "n,d,b\n"
        for k in 0..<60 { csv += "\(k),2019-01-\(k % 28 + 1),\(k % 2 == 0 ? "true" : "false")\n" }
        csv += "unknown,later,maybe\n"
        let out = Self.same(csv)
        #expect(out.contains("n string"))
        #expect(out.contains("warning nearlyNumbers n [\"unknown\"] [61] [62]"))
        #expect(out.contains("warning nearlyDates d"))
        // And turning text in the first piece, numbers after.
        Self.same("n\nabc\n" + (0..<50).map { "\($0)\n" }.joined())
    }

    @Test func lineEndsBlankLinesAndTheLastLine() {
        let body = (0..<30).map { "\($0),x\($0 % 4),\($0 % 5 == 0 ? "" : "1.5")" }
        Self.same("a,b,c\r\n" + body.joined(separator: "\r\n") + "\r\n")        // CRLF
        Self.same("a,b,c\n" + body.joined(separator: "\n"))                       // no line end at the end
        Self.same("a,b,c\n" + body.joined(separator: "\n\n\r\n") + "\n\n")       // blank lines
        Self.same("a,b,c\n" + (0..<30).map { "\($0),,\n" }.joined())             // empty fields at the end of lines
        Self.same("\u{FEFF}a,b,c\n1,2,3\n")                                         // byte-order mark, smaller than a piece
        Self.same("a;b\n1,5;x\n2,25;y\n" + (0..<20).map { "\($0);z\n" }.joined()) // semicolons, decimal commas
        Self.same("a,b\n")                                                         // no rows
    }

    @Test func strayQuotesAndErrorsInLaterPieces() {
        // A quote inside an unquoted field: the quote parity misleads the cuts.
        Self.same("h,w\n" + (0..<30).map { "\($0),5\" tall\n" }.joined())
        Self.same("h,w\n" + (0..<30).map { $0 == 7 ? "1,\"open\n" : "\($0),x\n" }.joined())
        // Errors far from the start name the same line and row.
        let extra = Self.same("a,b\n" + (0..<40).map { $0 == 33 ? "1,2,3\n" : "\($0),\($0)\n" }.joined())
        #expect(extra.contains("t.csv:35: row 34: has 3 fields"))
        let date = Self.same("a,d\n" + (0..<40).map { "\($0),\($0 == 30 ? "2019-02-30" : "2019-02-01")\n" }.joined())
        #expect(date.contains("row 31, column d"))
        // An impossible date in a column already text is text, as single-threaded.
        let text = Self.same("a,d\nx,abc\n" + (0..<40).map { "\($0),\($0 == 30 ? "2019-02-30" : "2019-02-01")\n" }.joined())
        #expect(text.contains("d string"))
    }

    @Test func numbersWideningAndNegativeZero() {
        Self.same("x\n" + (0..<30).map { "\($0)\n" }.joined() + "1.5\n" + (0..<30).map { "\($0)\n" }.joined())
        // -0 read as an integer and then widened is +0; read in a double column it is -0.
        let z = Self.same("x\n0.5\n" + (0..<30).map { $0 % 3 == 0 ? "-0\n" : "\($0)\n" }.joined() + "2.5\n")
        #expect(z.contains("8000000000000000"))
        Self.same("x\n" + (0..<30).map { $0 % 3 == 0 ? "-0\n" : "\($0)\n" }.joined() + "2.5\n")
        Self.same("x,y\n" + (0..<40).map { "\($0 < 20 ? "" : "NA"),\($0 < 35 ? "" : "\($0)")\n" }.joined())
    }

    @Test func datesInFormatsAndMissingValuesLikeNumbers() {
        let options = CSVOptions(naStrings: ["", "NA", "-99"], dateFormats: ["%d/%m/%Y", "%m/%d/%Y"])
        // Ambiguous days first (both formats fit), then a day that rules one out.
        Self.same("d,n\n" + (0..<30).map { "0\($0 % 9 + 1)/0\($0 % 7 + 1)/2019,\($0 % 4 == 0 ? "-99" : "\($0)")\n" }.joined() + "25/12/2019,3\n", options)
        Self.same("d\n" + (0..<30).map { "0\($0 % 9 + 1)/0\($0 % 7 + 1)/2019\n" }.joined() + "12/25/2019\n", options)
        Self.same("d\n" + (0..<30).map { "0\($0 % 9 + 1)/0\($0 % 7 + 1)/2019\n" }.joined() + "later\n", options)
        Self.same("d\n" + (0..<30).map { "\($0)\n" }.joined() + "01/02/2019\n", options)
    }

    /// Random files from awkward cells: every cut agrees with the single-threaded parse.
    @Test func randomFilesAgree() {
        var state: UInt64 = 0x1234_5678
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let cells = ["1", "-0", "2.5", "1e3", "NA", "", "\"\"", "2019-03-05", "2019-02-30", "true", "FALSE", "x", "\"a\nb\"",
                     "\"q\"\"q\"", " 7 ", "Inf", "NaN", "03/04/2019", "\"NA\"", "10000000000000000000"]
        for round in 0..<60 {
            let width = 1 + next(4)
            var csv = (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
            let kinds = (0..<width).map { _ in next(cells.count) }
            for _ in 0..<(5 + next(40)) {
                let row = (0..<width).map { c in next(5) == 0 ? cells[next(cells.count)] : cells[kinds[c]] }
                csv += row.joined(separator: ",") + (next(10) == 0 ? "\r\n" : "\n")
            }
            let options = round % 3 == 0 ? CSVOptions(dateFormats: ["%d/%m/%Y"]) : CSVOptions()
            Self.same(csv, options)
            Self.same(csv, options, columns: ["c0"])
        }
    }

    /// Files longer than the fast path's batches, where a column changes its ways after a
    /// while (integers turning double or text, a date that is not a real day, a quote, a
    /// missing value, a short or long record, `-0`, a blank line): the fast path, the
    /// pieces and the general loop agree.
    @Test func fastPathAgreesOnLongFiles() {
        var state: UInt64 = 0x9E37_79B9
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let usual: [(Int) -> String] = [
            { String($0 % 97) }, { "\($0 % 50).\($0 % 10)" }, { "20\(10 + $0 % 10)-0\(1 + $0 % 9)-1\($0 % 10)" },
            { ["M", "F", "small cell", "adeno"][$0 % 4] }, { $0 % 2 == 0 ? "true" : "FALSE" }, { _ in "" },
        ]
        let odd = ["2.5", "x", "NA", "", "\"q\"", "2019-02-30", "-0", "1e5", "TRUE", "7,8", "2019-03-05", " 4"]
        for round in 0..<24 {
            let width = 2 + next(5)
            let kinds = (0..<width).map { _ in next(usual.count) }
            var csv = (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
            let rows = 600 + next(2500)
            // Where each column (and the record shape) first departs from its ways.
            let departs = (0...width).map { _ in next(rows * 2) }
            for r in 0..<rows {
                var row = (0..<width).map { c in
                    r >= departs[c] && next(20) == 0 ? odd[next(odd.count)] : usual[kinds[c]](r &* 7919 &+ c)
                }
                if r >= departs[width], next(50) == 0 { row = next(2) == 0 ? Array(row.dropLast()) : row + ["9"] }
                csv += row.joined(separator: ",") + (r > rows / 2 && next(300) == 0 ? "\n\n" : "\n")
            }
            let options = round % 4 == 3 ? CSVOptions(naStrings: ["NA", "-0"]) : CSVOptions()
            Self.same(csv, options)
            Self.same(csv, options, columns: ["c1"])
        }
    }

    /// Text looked up by its bytes: values of every length up to 20, many sharing their
    /// first bytes, each with one code, in order of first appearance.
    @Test func textEncoderGivesOneCodePerValue() {
        var encoder = CSVReader.TextEncoder()
        var values = [String]()
        for n in 0...20 { for k in 0..<30 { values.append(String(repeating: "ab", count: 10).prefix(max(0, n - 2)) + String(k)) } }
        for round in 0..<2 {
            for v in values {
                var s = v
                s.withUTF8 { encoder.append($0) }
            }
            _ = round
        }
        let distinct = values.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        #expect(encoder.dictionary == distinct)
        #expect(encoder.codes.map { encoder.dictionary[Int($0)] } == values + values)
    }

    /// Files read from disk give back the pages of parsed pieces and read them again when
    /// needed (a column read again, lines of rows to find, an encoding error, a piece that
    /// does not join), also when read lazily: the same outcome as the single-threaded parse
    /// of the same bytes.
    @Test func discardedBytesAreReadAgainWhenNeeded() throws {
        let dir = NSTemporaryDirectory() + "lart-pieces-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let long = String(repeating: "x", count: 60)
        var files: [String] = []
        var plain = "id,v,note\n"
        for k in 0..<8000 { plain += "\(k),\(k % 97).25,\(long)\(k % 5)\n" }
        files.append(plain)
        files.append(plain + "8000,oops,late\n")                                 // v turns text at the end
        files.append(plain.replacingOccurrences(of: "x3\n", with: "\"x\n3\"\n"))   // line ends in quotes
        files.append(plain + "8000,1,caf\u{E9}\n".replacingOccurrences(of: "\u{E9}", with: "e"))
        files.append(plain + "8000,1,\(String(repeating: "y", count: 30_000))")   // a last piece with no line end
        var dated = "id,when,v\n"
        for k in 0..<8000 { dated += "\(k),2019-0\(k % 9 + 1)-\(10 + k % 19),\(k % 13)\n" }
        files.append(dated)
        files.append(dated.replacingOccurrences(of: "\n4321,2019-01-", with: "\n4321,2019-02-3"))  // an impossible date
        var latin1 = Array((plain + "8001,2,cafX\n").utf8)
        latin1[latin1.count - 2] = 0xE9                                                  // not UTF-8
        for (k, text) in files.enumerated() {
            let path = dir + "/f\(k).csv"
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            try check(path)
        }
        let bad = dir + "/latin1.csv"
        _ = FileManager.default.createFile(atPath: bad, contents: Data(latin1))
        try check(bad)

        func check(_ path: String) throws {
            try check(path, columns: nil)
            // Also the first and last columns alone (the middle one stepped over).
            let dated = FileManager.default.contents(atPath: path)?.starts(with: Array("id,when".utf8)) ?? false
            try check(path, columns: ["id", dated ? "v" : "note"])
        }
        func check(_ path: String, columns: [String]?) throws {
            func outcome(_ parallel: CSVReader.Parallelism) -> String {
                do {
                    let bytes = try CSVReader.readBytes(path, threads: parallel.threads)
                    let r = try CSVReader.parse(bytes, origin: "t.csv", options: CSVOptions(), columns: columns, cancellation: nil, parallel: parallel)
                    return "\(r.table.names) \(r.table.columns.map { $0.strings() }) \(r.warnings)"
                } catch { return "error \(error)" }
            }
            let single = outcome(.single)
            #expect(outcome(CSVReader.Parallelism(threads: 4, pieceBytes: 20_000)) == single, "\(path)")
            // Read lazily: each piece's bytes read when it is parsed (cut at line ends; a cut
            // inside quotes makes the whole file read and cut by quote parity).
            let lazy: String
            do {
                let bytes = try CSVReader.readBytes(path, threads: 4, lazily: true, lazyAbove: 0)
                #expect(bytes.lazy, "\(path)")
                let r = try CSVReader.parse(bytes, origin: "t.csv", options: CSVOptions(), columns: columns, cancellation: nil,
                                            parallel: CSVReader.Parallelism(threads: 4, pieceBytes: 20_000))
                lazy = "\(r.table.names) \(r.table.columns.map { $0.strings() }) \(r.warnings)"
            } catch { lazy = "error \(error)" }
            #expect(lazy == single, "\(path)")
        }
    }

    // MARK: Projection

    @Test func someColumnsAreThoseOfAFullRead() throws {
        var csv = "id,skip,note,when,x\n"
        for k in 0..<50 {
            csv += "\(k),\"long \"\"quoted\"\"\nskipped\",n\(k % 3),2019-01-\(k % 28 + 1),\(k % 7 == 0 ? "NA" : "\(k).5")\n"
        }
        csv += "50,\"2019-02-30\",n1,2019-01-01,oops\n"
        let full = try CSVReader.parse(Array(csv.utf8), origin: "t.csv", options: CSVOptions())
        let some = try Array(csv.utf8).withUnsafeBufferPointer {
            try CSVReader.parse(buffer: $0, origin: "t.csv", options: CSVOptions(), columns: ["x", "id", "when"])
        }
        #expect(some.table.names == ["id", "when", "x"])        // the file's order
        for name in some.table.names {
            #expect(some.table.strings(name)! == full.table.strings(name)!)
            #expect(some.table[name]!.kind == full.table[name]!.kind)
        }
        // The warning about x is there; nothing is said about the columns not read.
        #expect(some.warnings.map(\.column) == ["x"])
        #expect(some.warnings == full.warnings.filter { $0.column == "x" })
        Self.same(csv, columns: ["x", "id", "when"])
        Self.same(csv, columns: ["note"])
        Self.same(csv, columns: [])
    }

    /// A column not read still makes the errors a full read makes: an impossible date (unless
    /// the column is text by then, as in a full read) and a byte that is not UTF-8.
    @Test func columnsNotReadKeepTheFileErrors() {
        let date = "a,d\n" + (0..<30).map { "\($0),\($0 == 20 ? "2019-13-02" : "2019-01-02")\n" }.joined()
        let full = Self.outcome(date, CSVOptions(), columns: nil, .single)
        #expect(full.contains("row 21, column d: '2019-13-02' is not a date"))
        #expect(Self.same(date, columns: ["a"]) == full)
        // Days past the 28th: a leap day is a date, the 29th of February of 2019 is not.
        for (day, real) in [("2020-02-29", true), ("2019-02-29", false), ("2019-04-31", false), ("2019-12-31", true)] {
            let file = "a,d,b\n" + (0..<30).map { "\($0),\($0 == 20 ? day : "2019-01-02"),x\n" }.joined()
            let some = Self.same(file, columns: ["a", "b"])
            let all = Self.outcome(file, CSVOptions(), columns: nil, .single)
            #expect(all.contains("is not a date") == !real, "\(day)")
            #expect(some.contains("is not a date") == !real, "\(day)")
        }
        let text = "a,d\n1,abc\n" + (0..<30).map { "\($0),\($0 == 20 ? "2019-13-02" : "x")\n" }.joined()
        let some = Self.same(text, columns: ["a"])
        #expect(some.hasPrefix("rows 31\na int"))
        var latin1 = Array("a,b\n1,Jos\u{E9}\n".utf8)
        latin1.removeSubrange((latin1.count - 3)...(latin1.count - 2))
        latin1.insert(0xE9, at: latin1.count - 1)
        let e = (try? CSVReader.parse(latin1, origin: "t.csv", options: CSVOptions(), columns: ["a"], parallel: .single)) == nil
        #expect(e)
    }

    @Test func anUnknownColumnIsAnErrorNamingIt() {
        let e = Self.outcome("a,b\n1,2\n", CSVOptions(), columns: ["a", "nope"], .single)
        #expect(e == "error t.csv: column nope: no such column (columns: a, b)")
    }

    @Test func aCancelledReadStops() {
        let c = Cancellation()
        c.cancel()
        let bytes = Array("a\n1\n".utf8)
        #expect(throws: Cancelled.self) {
            try bytes.withUnsafeBufferPointer {
                try CSVReader.parse(buffer: $0, origin: "t.csv", options: CSVOptions(), cancellation: c)
            }
        }
    }
}
