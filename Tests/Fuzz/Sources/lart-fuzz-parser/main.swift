import Lang

// Lexer, parser and diagnostic rendering on arbitrary bytes: none may crash, hang or grow
// without bound, and every diagnostic must render.

typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: TestOneInput) -> Int32

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let source = SourceFile(name: "fuzz.lart", text: String(decoding: bytes, as: UTF8.self))
    let (_, diagnostics) = Parser.parse(source)
    for d in diagnostics {
        let text = DiagnosticRenderer().render(d, in: source)
        precondition(!text.utf8.contains(0), "a NUL reached a rendered diagnostic")
    }
    _ = Interpreter.isComplete(source.text)
    return 0
}

@_cdecl("lart_fuzz_parser_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) }
}
