import Runtime

/// The realistic file (`Registry`): `use` of all 14 columns and of the 7 a script uses,
/// through the path lart's `use` takes (`CSVSource.readReporting`: type inference, dates,
/// warnings), and a whole run (load of the 7 columns, KM, log-rank, Cox, cumulative
/// incidence). Each measurement runs in a fresh process, so that its peak resident set is
/// its own. Results are `key value` lines; `bench/sidebyside.py --registry` joins them with
/// R's and polars'.
enum RegistryBench {

    /// Bytes lart stores per value of a column.
    static func bytesPerValue(_ c: Column) -> Int {
        switch c {
        case .double, .int: return 8
        case .date, .string: return 4
        case .bool: return 1
        }
    }

    /// Child: `use` of `columns` (all when nil), best of `repeats`.
    static func measureUse(path: String, columns: [String]?, repeats: Int) throws -> String {
        var best = Double.infinity, bestCPU = Double.infinity
        var result: CSVReadResult? = nil
        for _ in 0..<max(repeats, 1) {
            result = nil
            let t0 = System.now(), c0 = System.threadCPU()
            let r = try CSVSource(location: path, selection: .all).readReporting(columns: columns)
            best = min(best, System.now() - t0)
            bestCPU = min(bestCPU, System.threadCPU() - c0)
            result = r
        }
        guard let table = result?.table else { throw BenchError("no table") }
        let raw = table.columns.reduce(0) { $0 + table.rowCount * bytesPerValue($1) }
        var s = "rows \(table.rowCount)\ncolumns \(table.columnCount)\nfileBytes \(System.fileSize(path) ?? 0)\n"
        s += "seconds \(best)\ncpu \(bestCPU)\nraw \(raw)\npeak \(System.statusBytes("VmHWM") ?? 0)\n"
        s += "warnings \(result?.warnings.count ?? 0)\n"
        s += "kinds " + zip(table.names, table.columns).map { "\($0)=\($1.kind.rawValue)" }.joined(separator: ",") + "\n"
        return s
    }

    /// Child: the whole run on the script's columns, best of `repeats` for the total.
    static func measureRun(path: String, repeats: Int) throws -> String {
        var best = Double.infinity
        var bestSteps: [Double] = []
        var checks: [(String, Double)] = []
        let r = Measure.Roles.registry
        for _ in 0..<max(repeats, 1) {
            var steps: [Double] = []
            var t = System.now()
            func lap() { let now = System.now(); steps.append(now - t); t = now }
            let table = try CSVSource(location: path, selection: .all).readReporting(columns: Registry.scriptColumns).table
            lap()
            let km = try Measure.kaplanMeier(table, r); lap()
            let lr = try Measure.logRank(table, r); lap()
            let cox = try Measure.coxModel(table, r); lap()
            let ci = try Measure.cumulativeIncidence(table, r); lap()
            let total = steps.reduce(0, +)
            if total < best { best = total; bestSteps = steps }
            checks = Measure.checks(km: km, logRank: lr, cox: cox, cuminc: ci)
        }
        var s = "total \(best)\n"
        for (step, v) in zip(Step.allCases, bestSteps) { s += "seconds.\(step.rawValue) \(v)\n" }
        s += "peak \(System.statusBytes("VmHWM") ?? 0)\n"
        for (name, v) in checks { s += "check.\(name) \(v)\n" }
        return s
    }

    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        // The value is after the last space (names of check values may have spaces).
        for line in text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " ") else { continue }
            out[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return out
    }

    /// Parent: writes the files, runs one child per measurement, writes the report.
    static func run(rows: [Int], runRows: [Int], dir: String, out: String, repeats: Int) throws {
        System.makeDirectories(dir)
        System.makeDirectories(directory(of: out))
        let loadAtStart = System.loadAverage
        var uses: [(rows: Int, all: [String: String], script: [String: String])] = []
        var runs: [(rows: Int, run: [String: String])] = []
        func child(_ args: [String], _ result: String) throws -> [String: String] {
            let status = try System.runSelf(args + ["--result", result])
            guard status == 0 else { throw BenchError("lart-bench \(args.joined(separator: " ")) failed (exit status \(status))") }
            return parse(try System.readText(result))
        }
        for n in rows {
            let csv = "\(dir)/registry-\(n).csv"
            if (System.fileSize(csv) ?? 0) == 0 {
                let t0 = System.now()
                try Registry.write(rows: n, to: csv)
                print("wrote \(csv) in \(String(fixed: System.now() - t0, digits: 2)) s")
            }
            // The same repeats at every size: fewer at the larger one would bias the growth up.
            let reps = String(repeats)
            let all = try child(["--measure-use", csv, "--repeats", reps], "\(dir)/registry-use-all-\(n).txt")
            let script = try child(["--measure-use", csv, "--columns", Registry.scriptColumns.joined(separator: ","), "--repeats", reps],
                                   "\(dir)/registry-use-script-\(n).txt")
            print("\(n) rows: use all \(all["seconds"] ?? "?") s (peak \(Report.mb(Int(all["peak"] ?? "") ?? 0)) MB), "
                  + "7 columns \(script["seconds"] ?? "?") s (peak \(Report.mb(Int(script["peak"] ?? "") ?? 0)) MB)")
            uses.append((n, all, script))
            if runRows.contains(n) {
                let run = try child(["--measure-run", csv, "--repeats", String(repeats)], "\(dir)/registry-run-\(n).txt")
                print("\(n) rows: whole run \(run["total"] ?? "?") s")
                runs.append((n, run))
            }
        }
        try System.writeText(report(uses: uses, runs: runs, repeats: repeats, load: loadAtStart), to: out)
        print("wrote \(out)")
    }

    static func report(uses: [(rows: Int, all: [String: String], script: [String: String])],
                       runs: [(rows: Int, run: [String: String])], repeats: Int, load: String) -> String {
        func num(_ d: [String: String], _ k: String) -> Double { Double(d[k] ?? "") ?? .nan }
        func secs(_ v: Double) -> String { String(fixed: v, digits: 4) }
        func mb(_ v: Double) -> String { String(fixed: v / 1e6, digits: 1) }
        var s = "# Benchmark results: lart-bench, the registry file\n\n"
        s += "- Machine: \(System.cpuModel), \(System.processors) processors (nproc), \(System.memoryTotal) RAM\n"
        s += "- Date: \(System.dateUTC)\n"
        s += "- Reader: `CSVSource.readReporting(columns:)`, the path of lart's `use` (types inferred, dates, warnings)\n"
        s += "- Seconds on the monotonic clock, best of \(repeats) at every size; each measurement in a fresh process; peak RSS is VmHWM\n"
        s += "- Raw columns: rows x the bytes lart stores per value (8 for numbers, 4 for dates and text codes)\n"
        s += "- Script columns: \(Registry.scriptColumns.joined(separator: ", "))\n"
        s += "- Load average when the run started (1, 5, 15 min): \(load)\n\n"
        s += "## Use\n\n"
        s += "| rows | columns | CSV file (MB) | use (s) | cpu of the calling thread (s) | raw columns (MB) | peak RSS (MB) | peak / raw |\n"
        s += "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for u in uses {
            for d in [u.all, u.script] {
                s += "| \(u.rows) | \(d["columns"] ?? "?") | \(mb(num(d, "fileBytes"))) | \(secs(num(d, "seconds"))) | \(secs(num(d, "cpu"))) | "
                s += "\(mb(num(d, "raw"))) | \(mb(num(d, "peak"))) | \(String(fixed: num(d, "peak") / num(d, "raw"), digits: 2)) |\n"
            }
        }
        if uses.count >= 2 {
            s += "\nGrowth from \(uses[0].rows) to \(uses[uses.count - 1].rows) rows: all columns "
            s += String(fixed: num(uses[uses.count - 1].all, "seconds") / num(uses[0].all, "seconds"), digits: 1)
            s += "x, script columns "
            s += String(fixed: num(uses[uses.count - 1].script, "seconds") / num(uses[0].script, "seconds"), digits: 1) + "x\n"
        }
        s += "\nColumn kinds read: \(uses.first?.all["kinds"] ?? "")\n"
        if !runs.isEmpty {
            s += "\n## Whole run\n\nLoad of the script columns, KM by sex + 2 times, log-rank by sex, Cox (age + bmi + factor(histology), Efron), cumulative incidence by sex; the best total.\n\n"
            s += "| rows | " + Step.allCases.map { $0 == .load ? "use (7 columns)" : $0 == .cox ? "Cox Efron, age + bmi + histology" : $0.title }.joined(separator: " | ") + " | total |\n"
            s += "|---:|" + String(repeating: "---:|", count: Step.allCases.count + 1) + "\n"
            for r in runs {
                s += "| \(r.rows) | " + Step.allCases.map { secs(num(r.run, "seconds.\($0.rawValue)")) }.joined(separator: " | ")
                s += " | \(secs(num(r.run, "total"))) |\n"
            }
            s += "\n## Check values\n\n| rows | quantity | value |\n|---:|---|---:|\n"
            for r in runs {
                for (k, v) in r.run.sorted(by: { $0.key < $1.key }) where k.hasPrefix("check.") {
                    s += "| \(r.rows) | \(k.dropFirst(6)) | \(v) |\n"
                }
            }
        }
        return s
    }
}
