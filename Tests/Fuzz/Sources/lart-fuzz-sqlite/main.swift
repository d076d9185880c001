import Runtime
#if canImport(Glibc)
import Glibc
#endif

// The SQLite reader on corrupted database files: each input is written to a file and read
// as a table and through a query. Errors are fine; crashes, hangs and leaks are not.

typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: TestOneInput) -> Int32

let path = "/tmp/lart-fuzz-sqlite-\(getpid()).sqlite"

func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let f = fopen(path, "wb") else { return 0 }
    if let data { fwrite(data, 1, size, f) }
    fclose(f)
    _ = try? SQLiteReader.read(path: path, table: "lung")
    _ = try? SQLiteReader.query(path: path, sql: "SELECT time, status, age FROM lung WHERE sex = 1")
    return 0
}

@_cdecl("lart_fuzz_sqlite_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { testOneInput($0, $1) }
}
