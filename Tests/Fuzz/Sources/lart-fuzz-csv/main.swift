import Runtime

// The CSV reader on arbitrary bytes, with the default options and with a forced delimiter,
// extra NA strings and a date format (the first input byte chooses). Errors are fine;
// crashes, hangs and leaks are not.

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
    return 0
}

@_cdecl("lart_fuzz_csv_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) }
}
