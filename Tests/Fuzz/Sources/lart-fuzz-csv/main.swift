import Runtime

// The CSV reader on arbitrary bytes, with the default options and with a forced delimiter,
// extra NA strings and a date format (the first input byte chooses). Errors are fine;
// crashes, hangs and leaks are not. The parse in pieces (small pieces, the second byte
// chooses their size and the sample that predicts the columns' types; a few columns when
// the third byte is odd) and the single-threaded
// parse with its fast path must give exactly the outcome of the general loop alone: a
// difference stops the fuzzer.

typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: TestOneInput) -> Int32

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? CSVReader.parse(bytes, origin: "fuzz.csv")
    if let first = bytes.first, first % 4 == 0 {
        let options = CSVOptions(naStrings: ["", "NA", "N/A", "."], delimiter: 59, dateFormats: ["%d/%m/%Y"])
        _ = try? CSVReader.parse(bytes, origin: "fuzz.csv", options: options)
    }
    if bytes.count >= 3 {
        let options = bytes[0] % 4 == 1 ? CSVOptions(dateFormats: ["%d/%m/%Y", "%m/%d/%Y"]) : CSVOptions()
        let columns: [String]? = bytes[2] % 2 == 1 ? ["a", "c"] : nil
        // Types predicted from a sample of 1 to 64 bytes (the second byte's high bits): small
        // inputs are speculated on.
        let pieces = CSVReader.Parallelism(threads: 3, pieceBytes: 1 + Int(bytes[1] % 16), sampleBytes: 1 + Int(bytes[1] / 4))
        let general = outcome(bytes, options, columns, .general)
        let single = outcome(bytes, options, columns, .single)
        if general != single { fatalError("the fast path differs from the general loop:\n\(general)\n---\n\(single)") }
        let cut = outcome(bytes, options, columns, pieces)
        if single != cut { fatalError("pieces of \(pieces.pieceBytes) bytes differ:\n\(single)\n---\n\(cut)") }
    }
    return 0
}

/// The outcome of a parse as text: columns (doubles bit for bit), warnings, or the error.
func outcome(_ bytes: [UInt8], _ options: CSVOptions, _ columns: [String]?, _ parallel: CSVReader.Parallelism) -> String {
    do {
        let r = try CSVReader.parse(bytes, origin: "fuzz.csv", options: options, columns: columns, parallel: parallel)
        var s = "\(r.table.rowCount) rows\n"
        for (name, column) in zip(r.table.names, r.table.columns) {
            switch column {
            case .double(let v): s += "\(name) double \(v.map(\.bitPattern))\n"
            case .string(let codes, let dictionary): s += "\(name) string \(codes) \(dictionary)\n"
            case .int, .bool, .date: s += "\(name) \(column.kind) \(column.strings())\n"
            }
        }
        return s + r.warnings.map(\.description).joined(separator: "\n")
    } catch {
        return "error \(error)"
    }
}

@_cdecl("lart_fuzz_csv_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) }
}
