import Runtime

/// The steps timed, in report order, with their column titles (shared with bench/compare.R).
enum Step: String, CaseIterable {
    case load, km, logrank, cox, cuminc

    var title: String {
        switch self {
        case .load: return "CSV load"
        case .km: return "KM by group + 2 times"
        case .logrank: return "log-rank"
        case .cox: return "Cox Efron, 5 cov"
        case .cuminc: return "cuminc by group"
        }
    }
}

/// One size measured in one process.
struct Measurement {
    var rows = 0
    var fileBytes = 0
    var seconds: [Step: Double] = [:]
    /// Thread CPU seconds of the same best runs (console only; a check on a busy machine).
    var cpu: [Step: Double] = [:]
    /// VmHWM in bytes over the whole run, and at the end of the CSV load.
    var peak = 0
    var peakAfterLoad = 0
    /// VmHWM during each analysis step, measured after resetting the peak to the resident
    /// set just before it (0 when the kernel does not allow the reset).
    var stepPeak: [Step: Int] = [:]
    /// Values to compare with R: (name, value).
    var checks: [(String, Double)] = []

    /// Raw column bytes: rows x columns x 8.
    var rawBytes: Int { rows * Cohort.columnCount * 8 }

    func serialized() -> String {
        var s = "rows \(rows)\nfileBytes \(fileBytes)\npeak \(peak)\npeakAfterLoad \(peakAfterLoad)\n"
        for step in Step.allCases {
            if let t = seconds[step] { s += "seconds.\(step.rawValue) \(t)\n" }
            if let t = cpu[step] { s += "cpu.\(step.rawValue) \(t)\n" }
            if let m = stepPeak[step] { s += "stepPeak.\(step.rawValue) \(m)\n" }
        }
        for (name, v) in checks { s += "check.\(name) \(v)\n" }
        return s
    }

    init() {}

    init(parsing text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = String(parts[0]), value = String(parts[1])
            if key == "rows" { rows = Int(value) ?? 0 }
            else if key == "fileBytes" { fileBytes = Int(value) ?? 0 }
            else if key == "peak" { peak = Int(value) ?? 0 }
            else if key == "peakAfterLoad" { peakAfterLoad = Int(value) ?? 0 }
            else if key.hasPrefix("seconds."), let step = Step(rawValue: String(key.dropFirst(8))) {
                seconds[step] = Double(value)
            } else if key.hasPrefix("cpu."), let step = Step(rawValue: String(key.dropFirst(4))) {
                cpu[step] = Double(value)
            } else if key.hasPrefix("stepPeak."), let step = Step(rawValue: String(key.dropFirst(9))) {
                stepPeak[step] = Int(value)
            } else if key.hasPrefix("check.") {
                checks.append((String(key.dropFirst(6)), Double(value) ?? .nan))
            }
        }
    }
}

/// Times every step on one CSV. Each analysis step includes taking its inputs out of the
/// table (as R's model frame does), so the two sides time the same work.
enum Measure {
    static let landmarks = [2.0, 5.0]

    static func run(path: String, repeats: Int, loadRepeats: Int) throws -> Measurement {
        var m = Measurement()
        m.fileBytes = System.fileSize(path) ?? 0

        var table: Table? = nil
        var best = Double.infinity, bestCPU = Double.infinity
        for _ in 0..<max(loadRepeats, 1) {
            table = nil
            let t0 = System.now(), c0 = System.threadCPU()
            let t = try CSVReader.read(path: path)
            best = min(best, System.now() - t0)
            bestCPU = min(bestCPU, System.threadCPU() - c0)
            table = t
        }
        guard let table else { throw BenchError("no table") }
        m.seconds[.load] = best
        m.cpu[.load] = bestCPU
        m.rows = table.rowCount
        m.peakAfterLoad = System.statusBytes("VmHWM") ?? 0

        func timed<R>(_ step: Step, _ body: () throws -> R) rethrows -> R {
            let canReset = System.resetPeak()
            var best = Double.infinity, bestCPU = Double.infinity
            var result: R? = nil
            for _ in 0..<max(repeats, 1) {
                result = nil
                let t0 = System.now(), c0 = System.threadCPU()
                let r = try body()
                best = min(best, System.now() - t0)
                bestCPU = min(bestCPU, System.threadCPU() - c0)
                result = r
            }
            m.seconds[step] = best
            m.cpu[step] = bestCPU
            if canReset { m.stepPeak[step] = System.statusBytes("VmHWM") ?? 0 }
            return result!
        }

        let roles = Roles.cohort
        let km = try timed(.km) { try kaplanMeier(table, roles) }
        let lr = try timed(.logrank) { try logRank(table, roles) }
        let cox = try timed(.cox) { try coxModel(table, roles) }
        let ci = try timed(.cuminc) { try cumulativeIncidence(table, roles) }
        m.checks = checks(km: km, logRank: lr, cox: cox, cuminc: ci)

        m.peak = max(System.statusBytes("VmHWM") ?? 0, m.peakAfterLoad)
        // After resets VmHWM only covers the last step; the overall peak is the largest seen.
        for (_, v) in m.stepPeak { m.peak = max(m.peak, v) }
        return m
    }

    /// The values compared with R: KM at the landmarks, the log-rank chi-square, the Cox
    /// coefficients, log-likelihood, iterations and concordance, cumulative incidence of
    /// cause 1 at 5 and Gray's statistic.
    static func checks(km: KMOut, logRank lr: LogRankResult, cox: CoxResult, cuminc ci: CIOut) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for (curve, points) in zip(km.curves, km.points) {
            for (t, point) in zip(landmarks, points) {
                out.append(("km.\(curve.label).S(\(formatNumber(t)))", point.survival))
            }
        }
        out.append(("logrank.chisq", lr.chiSquare))
        for (name, b) in zip(cox.columnNames, cox.coefficients) { out.append(("cox.coef.\(name)", b)) }
        out.append(("cox.loglik", cox.logLikelihood))
        out.append(("cox.iterations", Double(cox.iterations)))
        out.append(("cox.concordance", cox.concordance.concordance))
        for curve in ci.result.curves where curve.cause == 1 {
            out.append(("cuminc.\(curve.group).cause1.F(5)", curve.at(5).estimate))
        }
        if let gray = ci.result.gray.first { out.append(("gray.cause1.stat", gray.statistic)) }
        return out
    }

    // MARK: Steps (inputs from the table, then the analysis)

    /// Which columns play which part in the analyses.
    struct Roles {
        var time: String, event: String, group: String, cause: String
        /// Numeric Cox covariates, then one factor.
        var numeric: [String], factor: String

        static let cohort = Roles(time: "time", event: "event", group: "group", cause: "cause",
                                  numeric: ["x1", "x2", "x3", "x4"], factor: "x5")
        static let registry = Roles(time: "time", event: "status", group: "sex", cause: "cause",
                                    numeric: ["age", "bmi"], factor: "histology")
    }

    static func column(_ table: Table, _ name: String) throws -> [Double] {
        guard let v = table.doubles(name) else { throw BenchError("\(name) is not a numeric column") }
        return v
    }

    static func eventIndicator(_ table: Table, _ name: String) throws -> [Bool] {
        guard let b = table[name]?.booleans() else { throw BenchError("\(name) is not 0/1") }
        return b.map { $0 == 1 }
    }

    /// Group codes 0..<k in R's level order, and the labels.
    static func factorCodes(_ table: Table, _ name: String) throws -> (codes: [Int], labels: [String]) {
        guard case .string(let codes, let dictionary)? = table[name] else { throw BenchError("\(name) is not text") }
        let labels = DesignMatrix.sortedLevels(dictionary)
        var position = [Int](repeating: 0, count: dictionary.count)
        for (k, s) in dictionary.enumerated() { position[k] = labels.firstIndex(of: s)! }
        var out = [Int](repeating: 0, count: codes.count)
        for i in 0..<codes.count {
            guard codes[i] != Column.stringNA else { throw BenchError("\(name) is missing in row \(i + 1)") }
            out[i] = position[Int(codes[i])]
        }
        return (out, labels)
    }

    struct KMOut { var curves: [KaplanMeierCurve]; var points: [[KaplanMeierPoint]] }

    static func kaplanMeier(_ table: Table, _ r: Roles) throws -> KMOut {
        let time = try column(table, r.time)
        let event = try eventIndicator(table, r.event)
        let (group, labels) = try factorCodes(table, r.group)
        let fit = try KaplanMeier.fit(time: time, event: event, group: group, groupLabels: labels,
                                      options: KaplanMeierOptions(times: landmarks))
        return KMOut(curves: fit.curves, points: fit.curves.map { c in landmarks.map { c.at($0) } })
    }

    static func logRank(_ table: Table, _ r: Roles) throws -> LogRankResult {
        let time = try column(table, r.time)
        let event = try eventIndicator(table, r.event)
        let (group, labels) = try factorCodes(table, r.group)
        return try LogRank.test(time: time, event: event, group: group, groupLabels: labels)
    }

    static func coxModel(_ table: Table, _ r: Roles) throws -> CoxResult {
        let time = try column(table, r.time)
        let event = try eventIndicator(table, r.event)
        var terms: [(name: String, columns: DesignColumns)] = []
        for name in r.numeric {
            terms.append((name, DesignMatrix.numeric(try column(table, name), name: name)))
        }
        let factor = "factor(\(r.factor))"
        if case .string(let codes, let dictionary)? = table[r.factor] {
            // As lart's `cox` builds a text term: from the column's codes, no per-row strings
            // (the same levels, columns and names as from the values).
            terms.append((factor, try DesignMatrix.factor(codes: codes, dictionary: dictionary, name: factor)))
        } else {
            guard let levels = table.strings(r.factor) else { throw BenchError("no column \(r.factor)") }
            terms.append((factor, try DesignMatrix.factor(values: levels, name: factor)))
        }
        var design = DesignMatrix.design(terms)
        let (kept, dropped) = DesignMatrix.completeRows(numeric: design.columns + [time])
        if dropped > 0 {
            design = design.rows(kept)
            var fit = try Cox.fit(time: kept.map { time[$0] }, event: kept.map { event[$0] }, design: design,
                                  options: CoxOptions(ties: .efron))
            fit.nDropped = dropped
            return fit
        }
        return try Cox.fit(time: time, event: event, design: design, options: CoxOptions(ties: .efron))
    }

    struct CIOut { var result: CumulativeIncidenceResult; var values: [(Double, Double)] }

    static func cumulativeIncidence(_ table: Table, _ r: Roles) throws -> CIOut {
        let time = try column(table, r.time)
        guard case .int(let cause)? = table[r.cause] else { throw BenchError("\(r.cause) is not an integer column") }
        let status = cause.map { Int($0) }
        let (group, labels) = try factorCodes(table, r.group)
        let result = try CumulativeIncidence.estimate(time: time, status: status, group: group, groupLabels: labels,
                                                      options: CumulativeIncidenceOptions(times: landmarks))
        // Read the curves at the landmarks (cmprsk::timepoints).
        var values: [(Double, Double)] = []
        for curve in result.curves { for t in landmarks { values.append(curve.at(t)) } }
        return CIOut(result: result, values: values)
    }
}
