import Foundation
import Testing

/// Ctrl-C (SIGINT) during a long `lart run`: the analysis stops within a Newton step, the
/// run prints "interrupted" and exits 130.
struct InterruptTests {
    /// A CSV large enough that Cox fits take seconds in a debug build (a fixed LCG, so
    /// the file is the same on every run).
    static func largeStudy() throws -> String {
        let dir = NSTemporaryDirectory() + "lart-interrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var csv = "t,s,x1,x2,x3,x4\n"
        for _ in 0..<60_000 {
            csv += "\(Int(next() * 3000) + 1),\(next() < 0.6 ? 1 : 0),\(next()),\(next() * 10),\(next() < 0.5 ? 1 : 0),\(Int(next() * 4))\n"
        }
        try csv.write(toFile: dir + "/big.csv", atomically: true, encoding: .utf8)
        var script = "use \"big.csv\" as big\nendpoint e = time t event s == 1 unit days\n"
        for _ in 0..<40 { script += "cohort big | cox e ~ x1 + x2 + x3 + factor(x4)\n" }
        try script.write(toFile: dir + "/long.lart", atomically: true, encoding: .utf8)
        return dir + "/long.lart"
    }

    @Test func sigintStopsALongRunWithExit130() throws {
        let script = try InterruptTests.largeStudy()
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = ["run", script]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        Thread.sleep(forTimeInterval: 4)   // past loading, inside the fits
        #expect(p.isRunning, "the run should still be fitting")
        let sent = Date()
        kill(p.processIdentifier, SIGINT)
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let latency = Date().timeIntervalSince(sent)
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 130)
        #expect(String(decoding: errData, as: UTF8.self).contains("interrupted"))
        // One Newton step of this size takes well under 0.2 s in release; allow a loaded
        // debug build a margin.
        #expect(latency < 1.5, "stopped \(latency) s after SIGINT")
    }
}
