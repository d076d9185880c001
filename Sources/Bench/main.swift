#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Runtime

// lart-bench: writes seeded synthetic cohorts and times the runtime on them.
//
//   swift run -c release lart-bench [--rows 100000,1000000,10000000] [--out bench/results.md]
//                                   [--dir bench/out] [--repeats 3]
//   swift run -c release lart-bench --registry 1000000,10000000 [--run-rows 1000000]
//                                   [--out bench/results-registry.md] [--dir bench/out] [--repeats 3]
//
// The second form measures the realistic file (`Registry`): `use` of all columns and of
// the 7 a script uses, and a whole run (load + KM + log-rank + Cox + cumulative incidence).
//
// Each size is measured in a fresh process (this executable with --measure), so that the
// peak resident set (VmHWM) belongs to that size alone.

struct Options {
    var rows = [100_000, 1_000_000, 10_000_000]
    var out = "bench/results.md"
    var dir = "bench/out"
    var repeats = 3
    var measure: String? = nil
    var result: String? = nil
    var loadRepeats = 2
    var registry: [Int]? = nil
    var runRows = [1_000_000]
    var outGiven = false
    var measureUse: String? = nil
    var measureRun: String? = nil
    var columns: [String]? = nil

    init(_ args: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchError("\(args[i - 1]) needs a value") }
            return args[i]
        }
        func count(_ s: Substring) throws -> Int {
            guard let d = Double(s), d >= 1, d == d.rounded() else { throw BenchError("not a row count: \(s)") }
            return Int(d)
        }
        while i < args.count {
            switch args[i] {
            case "--rows": rows = try value().split(separator: ",").map(count)
            case "--out": out = try value(); outGiven = true
            case "--dir": dir = try value()
            case "--repeats": repeats = try count(Substring(value()))
            case "--measure": measure = try value()
            case "--result": result = try value()
            case "--load-repeats": loadRepeats = try count(Substring(value()))
            case "--registry": registry = try value().split(separator: ",").map(count)
            case "--run-rows": runRows = try value().split(separator: ",").map(count)
            case "--measure-use": measureUse = try value()
            case "--measure-run": measureRun = try value()
            case "--columns": columns = try value().split(separator: ",").map(String.init)
            case "-h", "--help":
                print("usage: lart-bench [--rows 100000,1000000,10000000] [--out bench/results.md] [--dir bench/out] [--repeats 3]")
                print("       lart-bench --registry 1000000,10000000 [--run-rows 1000000] [--out bench/results-registry.md] [--dir bench/out] [--repeats 3]")
                exit(0)
            default: throw BenchError("unknown argument \(args[i])")
            }
            i += 1
        }
    }
}

func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

func main() throws {
    // The allocator settings lart itself runs with (heap reuse instead of fresh mappings
    // for big arrays); see ProcessTuning. The measuring child processes apply them too.
    ProcessTuning.configureAllocator()
    let options = try Options(Array(CommandLine.arguments.dropFirst()))

    func answer(_ text: String) throws {
        guard let result = options.result else { print(text); return }
        try System.writeText(text, to: result)
    }
    if let path = options.measureUse {
        try answer(try RegistryBench.measureUse(path: path, columns: options.columns, repeats: options.repeats))
        return
    }
    if let path = options.measureRun {
        try answer(try RegistryBench.measureRun(path: path, repeats: options.repeats))
        return
    }
    if let rows = options.registry {
        try RegistryBench.run(rows: rows, runRows: options.runRows, dir: options.dir,
                              out: options.outGiven ? options.out : "bench/results-registry.md", repeats: options.repeats)
        return
    }
    if let path = options.measure {
        // Child: measure one file and write the numbers.
        let m = try Measure.run(path: path, repeats: options.repeats, loadRepeats: options.loadRepeats)
        try answer(m.serialized())
        return
    }

    System.makeDirectories(options.dir)
    System.makeDirectories(directory(of: options.out))
    var results: [Measurement] = []
    let loadAtStart = System.loadAverage
    for n in options.rows {
        let csv = "\(options.dir)/cohort-\(n).csv"
        if (System.fileSize(csv) ?? 0) == 0 {
            let t0 = System.now()
            try Cohort.write(rows: n, to: csv)
            print("wrote \(csv) in \(String(fixed: System.now() - t0, digits: 2)) s")
        }
        let resultPath = "\(options.dir)/lart-\(n).txt"
        let loads = n >= 10_000_000 ? 1 : options.loadRepeats
        let status = try System.runSelf(["--measure", csv, "--result", resultPath,
                                         "--repeats", String(options.repeats), "--load-repeats", String(loads)])
        guard status == 0 else { throw BenchError("measuring \(csv) failed (exit status \(status))") }
        let m = Measurement(parsing: try System.readText(resultPath))
        print("\(n) rows: " + Step.allCases.map {
            "\($0.rawValue) \(String(fixed: m.seconds[$0] ?? .nan, digits: 4)) (cpu \(String(fixed: m.cpu[$0] ?? .nan, digits: 4)))"
        }.joined(separator: ", ") + ", peak \(Report.mb(m.peak)) MB")
        results.append(m)
    }
    let text = Report.markdown(
        results, program: "lart-bench (swift build -c release)", reader: "lart CSVReader.read",
        notes: ["Seconds on the monotonic clock; best of \(options.repeats) for each analysis, best of 2 for the CSV load (one load at 10^7 rows and more).",
                "Each analysis includes taking its inputs out of the loaded table (as R's model frame does).",
                "Load average when the run started (1, 5, 15 min): \(loadAtStart); on a shared machine, times above the best possible are from other processes.",
                "Each size runs in a fresh process; peak RSS is VmHWM from /proc/self/status; raw columns = rows x 9 columns x 8 bytes."])
    try System.writeText(text, to: options.out)
    print("")
    print(text)
}

do {
    try main()
} catch {
    let message = Array("lart-bench: \(error)\n".utf8)
    _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
