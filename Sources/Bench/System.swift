#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-level helpers: a monotonic clock, peak memory, machine facts, files, and
/// running this executable again in a fresh process.
enum System {

    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds of the calling thread (less disturbed by other processes than the clock).
    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The 1-, 5- and 15-minute load averages as the kernel prints them.
    static var loadAverage: String {
        guard let text = try? readText("/proc/loadavg") else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// A field of /proc/self/status in bytes (VmHWM = peak resident set, VmRSS = current).
    static func statusBytes(_ field: String) -> Int? {
        guard let text = try? readText("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = Int(parts[1].filter { $0 != "\t" }) { return kb * 1024 }
            let digits = line.filter { $0 >= "0" && $0 <= "9" }
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }

    /// Resets VmHWM to the current resident set (Linux >= 4.0); false if not allowed.
    @discardableResult
    static func resetPeak() -> Bool {
        guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
        defer { fclose(f) }
        return fputs("5", f) >= 0
    }

    static func readText(_ path: String) throws -> String {
        guard let f = fopen(path, "rb") else { throw BenchError("cannot read \(path)") }
        defer { fclose(f) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if n < 65536 { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func writeText(_ text: String, to path: String) throws {
        guard let f = fopen(path, "wb") else { throw BenchError("cannot write \(path)") }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        if n != bytes.count { throw BenchError("short write to \(path)") }
    }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// mkdir -p.
    static func makeDirectories(_ path: String) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            mkdir(prefix, 0o755)
        }
    }

    static var processors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    static var cpuModel: String {
        guard let text = try? readText("/proc/cpuinfo") else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters()
            }
        }
        return "unknown"
    }

    static var memoryTotal: String {
        guard let text = try? readText("/proc/meminfo") else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let digits = line.filter { $0 >= "0" && $0 <= "9" }
            if let kb = Double(digits) { return String(format1: kb / 1024 / 1024) + " GiB" }
        }
        return "unknown"
    }

    /// UTC date and time, "2025-01-31 14:05 UTC".
    static var dateUTC: String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        var out = [CChar](repeating: 0, count: 64)
        let n = strftime(&out, 64, "%Y-%m-%d %H:%M UTC", &parts)
        return String(decoding: out[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs this executable with `arguments` and waits; returns the exit status.
    static func runSelf(_ arguments: [String]) throws -> Int32 {
        let exe = "/proc/self/exe"
        let argv = ([exe] + arguments).map { strdup($0) }
        defer { for p in argv { free(p) } }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var pid = pid_t()
        let rc = posix_spawn(&pid, exe, nil, nil, &cArgs, nil)
        guard rc == 0 else { throw BenchError("cannot start a measuring process (\(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw BenchError("waitpid failed") }
        }
        // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
        if status & 0x7f != 0 { return 128 + (status & 0x7f) }
        return (status >> 8) & 0xff
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

extension String {
    /// Fixed notation with `digits` decimals (no Foundation).
    init(fixed value: Double, digits: Int) {
        guard value.isFinite else { self = value.isNaN ? "NA" : (value > 0 ? "Inf" : "-Inf"); return }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        var buf = [UInt8]()
        Cohort.appendFixed(&buf, Int64((value * scale).rounded()), decimals: digits)
        self = String(decoding: buf, as: UTF8.self)
    }

    init(format1 value: Double) { self.init(fixed: value, digits: 1) }
}
