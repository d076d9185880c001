import Testing
import TestSupport
@testable import Runtime

/// Awkward input: missing-value spellings, delimiters, encodings, date formats, broken
/// quoting and sizes (fixtures in `Tests/Fixtures/bad` and `Tests/Fixtures/csv`).
struct CSVInputTests {

    static func read(_ fixture: String, _ options: CSVOptions = CSVOptions()) throws -> CSVReadResult {
        try CSVReader.read(path: Fixture.path(fixture), options: options)
    }

    static func parse(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> CSVReadResult {
        try CSVReader.parse(Array(text.utf8), origin: "t.csv", options: options)
    }

    /// The error a read throws (fails the test when it throws none).
    static func error(_ body: () throws -> Any) -> DataError? {
        do { _ = try body() } catch let e as DataError { return e } catch {
            Issue.record("not a DataError: \(error)"); return nil
        }
        Issue.record("no error thrown")
        return nil
    }

    // MARK: Missing values

    @Test func nearlyNumbersWarnAndNaOptionReadsThem() throws {
        let r = try Self.read("bad/na_values.csv")
        #expect(r.table["age"]?.kind == .string)
        try #require(r.warnings.count == 1)
        let w = r.warnings[0]
        #expect(w.kind == .nearlyNumbers)
        #expect(w.column == "age")
        #expect(w.values == ["N/A", "."])
        #expect(w.rows == [2, 3])
        #expect(w.lines == [3, 4])
        #expect(w.description == Fixture.path("bad/na_values.csv") + ": column age: read as text, not as numbers: 3 of its 6 values are not numbers: \"N/A\" (row 2, line 3), \".\" (row 3, line 4); if they mean missing, say so: na [\"NA\", \"N/A\", \".\"]")

        let fixed = try Self.read("bad/na_values.csv", CSVOptions(naStrings: ["NA", "N/A", "."]))
        #expect(fixed.warnings.isEmpty)
        guard case .int(let age)? = fixed.table["age"] else { Issue.record("age is not integer"); return }
        // "NA" in quotes is missing; " 55 " is 55.
        #expect(age == [61, Column.intNA, Column.intNA, Column.intNA, 55, 70, Column.intNA, Column.intNA])
    }

    @Test func quotedNAIsMissingAndSpacesAroundNumbersAreAllowed() throws {
        let r = try Self.parse("a,b,c\n\"NA\", 1.5 ,x\n2,\" 3\", NA \n")
        #expect(r.warnings.isEmpty)
        #expect(r.table["a"]?.kind == .int)
        #expect(r.table.doubles("b") == [1.5, 3])
        #expect(r.table.strings("c")! == ["x", nil])
        // Without trimming, spaces make text (and the warning shows them).
        let strict = try Self.parse("n\n 55 \n1\n2\n", CSVOptions(trimNumbers: false))
        #expect(strict.table["n"]?.kind == .string)
        #expect(strict.warnings.first?.values == [" 55 "])
    }

    @Test func naListReplacesTheDefault() throws {
        let r = try Self.parse("x\n1\n.\nNA\n2\n", CSVOptions(naStrings: ["."]))
        #expect(r.table["x"]?.kind == .string)
        #expect(r.warnings.first?.values == ["NA"])
        #expect(r.warnings.first?.message.hasSuffix("na [\".\", \"NA\"]") == true)
    }

    @Test func manyOddValuesInAMostlyTextColumnSayNothing() throws {
        var csv = "code\n"
        for k in 0..<30 { csv += "\(k)\nC\(k)\n" }      // half numbers, 30 distinct others
        let r = try Self.parse(csv)
        #expect(r.table["code"]?.kind == .string)
        #expect(r.warnings.isEmpty)
        // A few distinct others in many rows still warn (at most 10 distinct).
        var csv2 = "ecog\n"
        for k in 0..<30 { csv2 += "\(k % 4)\nunknown\n" }
        let r2 = try Self.parse(csv2)
        #expect(r2.warnings.map(\.values) == [["unknown"]])
        #expect(r2.warnings.first?.message.contains("30 of its 60 values are not numbers") == true)
    }

    @Test func fiveValuesShownAndTheRestCounted() throws {
        var csv = "x\n"
        for k in 0..<200 { csv += "\(k)\n" }
        for k in 0..<7 { csv += "bad\(k)\n" }
        let r = try Self.parse(csv)
        let w = try #require(r.warnings.first)
        #expect(w.values == ["bad0", "bad1", "bad2", "bad3", "bad4"])
        #expect(w.rows == [201, 202, 203, 204, 205])
        #expect(w.message.contains("\"bad4\" (row 205, line 206) and 2 other values;"))
    }

    @Test func warningLinesCountQuotedLineEndsAndBlankLines() throws {
        // Row 3 is on line 6: a line end inside quotes and a blank line come before it.
        let r = try Self.parse("x,note\n1,\"a\nb\"\n\n2,ok\nN/A,z\n")
        #expect(r.warnings.first?.rows == [3])
        #expect(r.warnings.first?.lines == [6])
        // Without them, and without a line end at the end of the file.
        let plain = try Self.parse("x\n1\n2\nN/A")
        #expect(plain.warnings.first?.lines == [4])
    }

    @Test func nearlyBooleans() throws {
        let r = try Self.parse("flag\ntrue\nFALSE\nyes\nTrue\n")
        #expect(r.warnings.map(\.kind) == [.nearlyBooleans])
        #expect(r.warnings.first?.values == ["yes"])
    }

    // MARK: Inf and NaN

    @Test func infIsANumberAndNaNIsMissing() throws {
        let r = try Self.read("bad/inf_time.csv")
        #expect(r.warnings.isEmpty)
        guard case .double(let t)? = r.table["time"] else { Issue.record("time is not numeric"); return }
        #expect(t[0] == 12.5 && t[1] == .infinity && t[2] == -.infinity && t[3].isNaN && t[4] == 3)
        let cases = try Self.parse("x\ninf\n-INF\nInfinity\nnan\n")
        #expect(cases.table.doubles("x")!.prefix(3) == [.infinity, -.infinity, .infinity])
        #expect(cases.table.doubles("x")![3].isNaN)
    }

    // MARK: Delimiters

    @Test func semicolonDetected() throws {
        let r = try Self.read("csv/semicolon.csv")
        #expect(r.table.names == ["id", "age", "weight", "dx_date"])
        #expect(r.table["age"]?.kind == .int)
        #expect(r.table["dx_date"]?.kind == .date)
        // A semicolon file reads decimal commas (as R's read.csv2), unless told otherwise.
        #expect(r.table["weight"]?.kind == .double)
        #expect(r.table.doubles("weight")![0] == 70.5)
        let points = try Self.read("csv/semicolon.csv", CSVOptions(decimalComma: false))
        #expect(points.table["weight"]?.kind == .string)
        #expect(points.warnings.map(\.values) == [["70,5"]])
        #expect(try Self.parse("x\n\"1,5\"\n\"-2,25e1\"\n3\n", CSVOptions(decimalComma: true)).table.doubles("x") == [1.5, -22.5, 3])
        #expect(try Self.parse("x;y\n1.234,5;1\n", CSVOptions()).table["x"]?.kind == .string)
    }

    @Test func tabDetectedAndTabsAreNotTrimmedAsSpaces() throws {
        let r = try Self.read("csv/tab.tsv")
        #expect(r.table.names == ["id", "age", "name"])
        #expect(r.table.strings("name")! == ["Ana Maria", "José", "Smith, J"])
        #expect(r.table.doubles("age")![0] == 61)
        #expect(r.table.doubles("age")![1].isNaN)
    }

    @Test func detectionPrefersConsistentSplits() throws {
        // A comma inside every text field, semicolons between fields.
        let r = try Self.parse("a;b\nx,y;1\nz,w;2\n")
        #expect(r.table.names == ["a", "b"])
        // Commas win over semicolons inside quotes; one column means comma.
        #expect(try Self.parse("\"a;b\",c\n1,2\n").table.names == ["a;b", "c"])
        #expect(try Self.parse("single\n1\n2\n").table.names == ["single"])
        #expect(CSVReader.detectDelimiter(UnsafeBufferPointer(start: nil, count: 0)) == 44)
    }

    @Test func forcedCommaOnASemicolonFileSaysWhatToDo() throws {
        let e = try #require(Self.error { try Self.read("bad/forced_comma.csv", CSVOptions(delimiter: 44)) })
        #expect(e.line == 1)
        #expect(e.column == "1")
        #expect(e.message == "unexpected text after a closing quote (\";\\\"name\\\";\\\"age\\\"\"); a quote inside a quoted field is written \"\"; if the fields are separated by \";\", say so: delimiter \";\"")
        // With the semicolon given it reads.
        #expect(try Self.read("bad/forced_comma.csv", CSVOptions(delimiter: 59)).table.rowCount == 1)
    }

    @Test func shortRowNamesTheDelimiter() throws {
        let e = try #require(Self.error { try Self.parse("a;b;c\n1;2;3\n4;5\n") })
        #expect(e.description == "t.csv:3: row 2: has 2 fields but the header has 3; check for a missing or extra semicolon")
    }

    // MARK: Quoting

    @Test func quoteNeverClosed() throws {
        let e = try #require(Self.error { try Self.parse("id,name\n1,\"Smith\n2,Doe\n") })
        #expect(e.description == "t.csv:2: column name: a quoted field is never closed: add the closing \" (the field runs to the end of the file)")
    }

    @Test func quoteClosedFarAwayNamesBothLines() throws {
        let e = try #require(Self.error { try Self.read("bad/unclosed_quote.csv") })
        #expect(e.line == 4)
        #expect(e.column == "name")
        #expect(e.message.hasPrefix("unexpected text after a closing quote (\"Roe\\\",80\"), in a quoted field opened on line 3;"))
    }

    @Test func textAfterQuote() throws {
        let e = try #require(Self.error { try Self.read("bad/text_after_quote.csv") })
        #expect(e.line == 2 && e.column == "name")
        #expect(e.message == "unexpected text after a closing quote (\" J,60\"); a quote inside a quoted field is written \"\"")
    }

    // MARK: Encodings

    @Test func bomAndCRLF() throws {
        let r = try Self.read("csv/bom_crlf.csv")
        #expect(r.table.names == ["id", "age", "name"])
        #expect(r.table.rowCount == 3)
        #expect(r.table.strings("name")! == ["José", "Ana", "a\r\nb"])
        #expect(r.table["age"]?.kind == .int)
    }

    @Test func latin1IsReportedWithTheByteAndTheCommand() throws {
        let path = Fixture.path("bad/latin1.csv")
        let e = try #require(Self.error { try CSVReader.read(path: path, options: CSVOptions()) })
        #expect(e.line == 3)
        let out = path.replacing(".csv", with: "-utf8.csv")
        #expect(e.message == "the file is not UTF-8 (byte 0xE9 at line 3, byte 6 of the line); it looks like Latin-1, where the field reads \"José\": convert it with `iconv -f latin1 -t utf-8 \(path) > \(out)`")
    }

    @Test func windows1252AndUTF16() throws {
        let e = try #require(Self.error { try Self.read("bad/cp1252.csv") })
        #expect(e.message.contains("byte 0x93 at line 2") && e.message.contains("Windows-1252, where the field reads \"“quoted”\""))
        #expect(e.message.contains("iconv -f cp1252 -t utf-8"))
        let e2 = try #require(Self.error { try Self.read("bad/utf16.csv") })
        #expect(e2.message.hasPrefix("the file is UTF-16, not UTF-8"))
    }

    @Test func invalidUTF8InAHeaderAndInALateTextColumn() throws {
        let header: [UInt8] = Array("id,na".utf8) + [0xEF, 0x6D, 0x65] + Array("\n1,2\n".utf8)
        let e = try #require(Self.error { try CSVReader.parse(header, origin: "h.csv", options: CSVOptions()) })
        #expect(e.line == 1 && e.message.contains("byte 0xEF at line 1, byte 6 of the line"))
        // The bad byte in a column that was numbers first (found in the second pass).
        let late: [UInt8] = Array("x\n1\n2\nA".utf8) + [0xE9] + Array("\n".utf8)
        let e2 = try #require(Self.error { try CSVReader.parse(late, origin: "l.csv", options: CSVOptions()) })
        #expect(e2.line == 4)
        // Valid multi-byte UTF-8 of every length reads.
        let ok = try Self.parse("a\né\n€\n😀\n")
        #expect(ok.table.strings("a")! == ["é", "€", "😀"])
    }

    @Test func utf8Validation() {
        func offset(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { CSVReader.invalidUTF8Offset($0) } }
        #expect(offset(Array("aé€😀".utf8)) == nil)
        #expect(offset([0x61, 0xC0, 0x80]) == 1)        // overlong
        #expect(offset([0xED, 0xA0, 0x80]) == 0)        // surrogate
        #expect(offset([0xE2, 0x82]) == 0)              // truncated
        #expect(offset([0xF4, 0x90, 0x80, 0x80]) == 0)  // above U+10FFFF
    }

    // MARK: Dates

    @Test func ddmmyyyyWithTheOption() throws {
        let plain = try Self.read("csv/ddmmyyyy.csv")
        #expect(plain.table["dx_date"]?.kind == .string)
        #expect(plain.table["last_date"]?.kind == .date)
        let w = try #require(plain.warnings.first)
        #expect(w.kind == .datesInAnotherFormat)
        #expect(w.message == "read as text: its values look like dates written DD/MM/YYYY (\"25/03/2019\", row 1, line 2); to read them as dates, say so: dates \"%d/%m/%Y\"")

        let r = try Self.read("csv/ddmmyyyy.csv", CSVOptions(dateFormats: ["%d/%m/%Y"]))
        #expect(r.warnings.isEmpty)
        #expect(r.table.strings("dx_date")! == ["2019-03-25", "2019-04-01", nil, "2019-12-31"])
        #expect(r.table["last_date"]?.kind == .date)
    }

    @Test func usDatesWarnAndReadWithTheirFormat() throws {
        let plain = try Self.read("bad/us_dates.csv")
        #expect(plain.warnings.first?.message.hasSuffix("say so: dates \"%m/%d/%Y\"") == true)
        let r = try Self.read("bad/us_dates.csv", CSVOptions(dateFormats: ["%m/%d/%Y"]))
        #expect(r.table.strings("dx_date")! == ["2019-03-25", "2019-12-01", "2020-07-31"])
    }

    @Test func ambiguousDatesNameBothFormats() throws {
        let plain = try Self.parse("d\n03/04/2019\n05/06/2019\n")
        #expect(plain.warnings.first?.message == "read as text: its values look like dates written DD/MM/YYYY or MM/DD/YYYY (\"03/04/2019\", row 1, line 2); every value fits both: check which is meant; to read them as dates, say so: dates \"%d/%m/%Y\" or dates \"%m/%d/%Y\"")
        // Both given: the first that fits every value wins; a later value can rule it out.
        let both = CSVOptions(dateFormats: ["%d/%m/%Y", "%m/%d/%Y"])
        #expect(try Self.parse("d\n03/04/2019\n05/06/2019\n", both).table.strings("d")! == ["2019-04-03", "2019-06-05"])
        let r = try Self.parse("d\n03/04/2019\n05/06/2019\n12/25/2019\n", both)
        #expect(r.table.strings("d")! == ["2019-03-04", "2019-05-06", "2019-12-25"])
    }

    @Test func monthNamesAndOneDigitIsoParts() throws {
        let plain = try Self.read("csv/month_names.csv")
        #expect(plain.warnings.map(\.kind) == [.datesInAnotherFormat])
        #expect(plain.warnings.first?.message.hasSuffix("written DD-Mon-YYYY (\"25-Mar-2019\", row 1, line 2); to read them as dates, say so: dates \"%d-%b-%Y\"") == true)
        let r = try Self.read("csv/month_names.csv", CSVOptions(dateFormats: ["%d-%b-%Y"]))
        #expect(r.table.strings("when")! == ["2019-03-25", "2019-04-01", "2020-01-03"])
        let iso = try Self.parse("d\n2019-3-5\n2019-03-15\n")
        #expect(iso.table.strings("d")! == ["2019-03-05", "2019-03-15"])
    }

    @Test func dateTimesWarn() throws {
        let r = try Self.parse("id,when\n1,2019-03-25 10:00:00\n2,2019-04-01T08:30Z\n3,\n")
        #expect(r.table["when"]?.kind == .string)
        #expect(r.warnings.map(\.kind) == [.dateTimes])
        #expect(r.warnings.first?.message == "read as text: its values look like dates with a time of day (\"2019-03-25 10:00:00\", row 1, line 2), and lart reads dates without a time; keep the date (the first 10 characters, YYYY-MM-DD) in the file")
    }

    @Test func typedMissingValues() throws {
        // Missing values that look like numbers or dates are still missing.
        let r = try Self.parse("age,d\n-99,1900-01-01\n45,2019-03-01\n-99,2019-03-02\n", CSVOptions(naStrings: ["NA", "-99", "1900-01-01"]))
        #expect(r.warnings.isEmpty)
        guard case .int(let age)? = r.table["age"] else { Issue.record("age is not integer"); return }
        #expect(age == [Column.intNA, 45, Column.intNA])
        #expect(r.table.strings("d")! == [nil, "2019-03-01", "2019-03-02"])
    }

    @Test func mixedDateFormatsAreAnError() throws {
        let e = try #require(Self.error { try Self.read("bad/mixed_dates.csv", CSVOptions(dateFormats: ["%d/%m/%Y"])) })
        #expect(e.line == 3 && e.row == 2 && e.column == "dx_date")
        #expect(e.message == "\"2019-03-26\" is a date YYYY-MM-DD (%Y-%m-%d), but 3 of the column's 4 values are dates DD/MM/YYYY (%d/%m/%Y); write a column's dates one way")
    }

    @Test func aNonDateAmongDatesIsAnErrorWhenFormatsAreGiven() throws {
        let e = try #require(Self.error { try Self.read("bad/dates_with_text.csv", CSVOptions(dateFormats: ["%d/%m/%Y"])) })
        #expect(e.description == Fixture.path("bad/dates_with_text.csv") + ":4: row 3, column dx_date: \"not known\" is not a date DD/MM/YYYY (%d/%m/%Y), as 3 of the column's 4 values are; if it means missing, say so: na [\"NA\", \"not known\"]")
        // An impossible day in a given format is an error at once.
        let e2 = try #require(Self.error { try Self.parse("d\n25/03/2019\n31/02/2019\n", CSVOptions(dateFormats: ["%d/%m/%Y"])) })
        #expect(e2.description == "t.csv:3: row 2, column d: '31/02/2019' is not a date (expected DD/MM/YYYY with a real month and day)")
    }

    @Test func nearlyDatesWarnWithoutFormats() throws {
        let r = try Self.read("bad/near_dates.csv")
        #expect(r.table["dx_date"]?.kind == .string)
        let w = try #require(r.warnings.first)
        #expect(w.kind == .nearlyDates)
        #expect(w.message == "read as text, not as dates YYYY-MM-DD: 1 of its 4 values is not a date YYYY-MM-DD: \"unknown\" (row 3, line 4); if they mean missing, say so: na [\"NA\", \"unknown\"]")
    }

    @Test func badDateFormatsAreRefused() throws {
        for (format, part) in [("%d/%m/%y", "%y (a two-digit year)"), ("%Y-%m", "needs one %Y"), ("%Y%m%d", "put a separator"),
                               ("%Y-%m-%d %H:%M", "times are not read"), ("%Y-%q-%d", "%q is not read")] {
            let e = try #require(Self.error { try Self.parse("a\n1\n", CSVOptions(dateFormats: [format])) })
            #expect(e.message.contains(part), "\(format): \(e.message)")
        }
    }

    @Test func existingIsoErrorIsUnchanged() throws {
        let e = try #require(Self.error { try Self.read("bad/bad_date.csv") })
        #expect(e.message == "'2019-13-02' is not a date (expected YYYY-MM-DD with a real month and day)")
        #expect(e.line == 4 && e.row == 3 && e.column == "lart_date")
    }

    // MARK: Header and size

    @Test func duplicateHeaderAndEmptyFile() throws {
        let e = try #require(Self.error { try Self.read("bad/duplicate_header.csv") })
        #expect(e.message == "the header names column 'id' twice (columns 1 and 3); column names must be unique")
        let e2 = try #require(Self.error { try Self.read("bad/empty.csv") })
        #expect(e2.message == "the file is empty: expected a header row naming the columns")
        let e3 = try #require(Self.error { try Self.parse("\u{FEFF}\r\n\n") })
        #expect(e3.message.hasPrefix("the file is empty"))
        // Spaces around header names go.
        #expect(try Self.parse("id, age \n1,2\n").table.names == ["id", "age"])
    }

    @Test func oneMegabyteLine() throws {
        let big = String(repeating: "abcdefghij", count: 100_000)
        let r = try Self.parse("id,note,x\n1,\(big),2\n2,\"\(big)\",3\n")
        #expect(r.table.rowCount == 2)
        #expect(r.table.strings("note")![1]!.utf8.count == 1_000_000)
        #expect(r.table.doubles("x") == [2, 3])
    }

    @Test func tenThousandColumns() throws {
        let width = 10_000
        var csv = (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
        for r in 0..<3 { csv += (0..<width).map { $0 % 3 == 0 ? "t\(r)" : String($0 + r) }.joined(separator: ",") + "\n" }
        let clock = ContinuousClock()
        var result: CSVReadResult?
        let elapsed = try clock.measure { result = try Self.parse(csv) }
        let t = try #require(result).table
        #expect(t.columnCount == width && t.rowCount == 3)
        #expect(t["c1"]?.kind == .int && t["c3"]?.kind == .string)
        #expect(elapsed < .seconds(20))   // seconds in a debug build; a wide file is not quadratic
    }

    // MARK: Read-only

    @Test func sqliteIsOpenedReadOnly() throws {
        let path = Fixture.path("public/lung.sqlite")
        let e = try #require(Self.error { try SQLiteReader.query(path: path, sql: "DELETE FROM lung") })
        #expect(e.message.contains("readonly"))
        #expect(try SQLiteReader.read(path: path, table: "lung").rowCount == 228)
    }
}
