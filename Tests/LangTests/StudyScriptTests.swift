import Foundation
import Testing
import TestSupport
import Lang
import Runtime

/// `examples/lart_study.lart`, the whole study as a script: the numbers it prints equal
/// R's (the committed reference `Tests/Fixtures/lart/lart_registry.ref.json`, made by
/// `Tests/Fixtures/lart/make_ref.R`), and it runs unchanged on another registry of the same
/// columns (`--param registry=...`).
struct StudyScriptTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repo.appendingPathComponent("examples/lart_study.lart").path

    static func run(overrides: [String: String] = [:], checked: Bool = false) throws -> RunReport {
        let text = try String(contentsOfFile: script, encoding: .utf8)
        let interpreter = Interpreter(baseDirectory: repo.appendingPathComponent("examples").path, overrides: overrides)
        // `checked`: as `lart run` does, reading only the columns the script names.
        return checked ? interpreter.runChecked(text, file: "examples/lart_study.lart") : interpreter.run(text, file: "examples/lart_study.lart")
    }

    let fixture: Fixture
    let results: [Output]

    init() throws {
        fixture = try Fixture(Study.fixturePath)
        let report = try StudyScriptTests.run()
        #expect(report.ok, "\(report.errors.map(\.description).joined())")
        results = report.results
    }

    /// The results made by the script line that contains `text`.
    func made<T>(_ type: T.Type, by text: String) -> [T] {
        results.filter { $0.statement.contains(text) }.compactMap { $0.result as? T }
    }

    @Test func flowTree() throws {
        let tree = try #require(made(FlowTreeResult.self, by: "flow registry -> omd, opd").first)
        let sizes = Dictionary(uniqueKeysWithValues: tree.tree.sizes().map { ($0.cohort, $0.n) })
        let cohorts = object(fixture.root["cohorts"])
        #expect(sizes["omd"] == object(cohorts["OMD"])["n"] as? Int)
        #expect(sizes["opd"] == object(cohorts["OPD"])["n"] as? Int)
    }

    @Test(arguments: [("pfs", "lart.km.analysed.pfs.by_group", "lart.logrank.pfs.omd_vs_opd"),
                      ("os", "lart.km.analysed.os.by_group", "lart.logrank.os.omd_vs_opd")])
    func survivalByGroup(_ endpoint: String, _ kmCase: String, _ logrankCase: String) throws {
        let km = try #require(made(KaplanMeierResult.self, by: "km \(endpoint) by cohort at 1y, 3y").first)
        for g in try fixture.results(kmCase)["groups"] as? [[String: Any]] ?? [] {
            let label = (g["group"] as? String ?? "").replacingOccurrences(of: "group=", with: "").lowercased()
            let curve = try #require(km.curves.first { $0.label == label })
            let a = object(g["at_times"])
            let times = rNumbers(a["time"]).compactMap { $0 }
            expectClose(times.map { curve.at($0).survival }, rNumbers(a["surv"]), "\(kmCase) \(label) survival")
            let q = object(object(g["quantiles"])["log"])
            let median = curve.median
            expectClose(median.estimate, rNumbers(q["quantile"])[1], "\(kmCase) \(label) median")
            expectClose(median.lower, rNumbers(q["lower"])[1], "\(kmCase) \(label) median lower")
            expectClose(median.upper, rNumbers(q["upper"])[1], "\(kmCase) \(label) median upper")
        }
        let lr = try #require(made(LogRankResult.self, by: "km \(endpoint) by cohort at 1y, 3y").first)
        expectClose(lr.p, rNumber(try fixture.results(logrankCase)["p"]), "\(logrankCase) p")
    }

    /// The univariate screens and the models the script selects (R selected the same terms:
    /// univariate Wald p < 0.05). `high_eqd2` splits at the cohort's median (43.73 Gy here),
    /// R's case at the paper's 43.9 Gy, so that term is not compared.
    @Test(arguments: ["pfs", "os"])
    func tableTwo(_ endpoint: String) throws {
        let screen = try #require(made(CoxScreenResult.self, by: "let uni_\(endpoint)").first)
        let cases = ["sex": "female", "age_ge60": "age_ge60", "egfr": "egfr_mutant", "alk": "alk_positive",
                     "ros1": "ros1_positive", "pdl1": "pdl1_positive", "mets_at_dx": "mets_at_dx", "tki": "tki",
                     "rt_bone": "rt_bone", "all_sites_rt": "all_sites_rt"]
        for (term, fit) in screen.fits {
            guard let id = cases[term] else { continue }
            let r = try fixture.results("lart.cox.omd.\(endpoint).uni.\(id)")
            let c = object((r["coefficients"] as? [Any])?.first)
            expectClose(fit.hazardRatios[0], rNumber(c["hr"]), abs: 0, rel: Tolerance.iterativeRelative, "\(endpoint) \(term) HR")
            expectClose(fit.pValues[0], rNumber(c["p"]), abs: 0, rel: Tolerance.iterativeRelative, "\(endpoint) \(term) p")
        }
        let multi = try #require(made(CoxResult.self, by: "let multi_\(endpoint)").first)
        let r = try fixture.results("lart.cox.omd.\(endpoint).multi_selected.efron")
        let coefficients = r["coefficients"] as? [[String: Any]] ?? []
        #expect(multi.coefficients.count == coefficients.count)
        for (j, c) in coefficients.enumerated() where j < multi.coefficients.count {
            expectClose(multi.coefficients[j], rNumber(c["coef"]), abs: 0, rel: Tolerance.iterativeRelative, "\(endpoint) multi coef \(j)")
            expectClose(multi.standardErrors[j], rNumber(c["se"]), abs: 0, rel: Tolerance.iterativeRelative, "\(endpoint) multi se \(j)")
        }
        #expect(made(Table2Result.self, by: "table2 uni_pfs").count == 1)
    }

    @Test func cumulativeIncidence() throws {
        let lf = try #require(made(CumulativeIncidenceResult.self, by: "cuminc lf by cohort").first)
        for c in try fixture.results("lart.cuminc.local_failure.by_group")["curves"] as? [[String: Any]] ?? [] {
            let name = (c["curve"] as? String ?? "").lowercased()
            let curve = try #require(lf.curves.first { $0.name == name })
            for (t, (est, v)) in zip(rNumbers(c["time"]), zip(rNumbers(c["est"]), rNumbers(c["var"]))) where t == 12 || t == 36 {
                let ours = curve.at(t!)
                expectClose(ours.estimate, est, "lf \(name) at \(t!)")
                expectClose(ours.variance, v, "lf \(name) variance at \(t!)")
            }
        }
        let cst = try #require(made(CumulativeIncidenceResult.self, by: "cuminc cst").first)
        let r = try fixture.results("lart.cuminc.cst.opd_maintained")
        let curve = try #require((r["curves"] as? [[String: Any]])?.first { ($0["curve"] as? String)?.hasSuffix("1") == true })
        for (t, est) in zip(rNumbers(curve["time"]), rNumbers(curve["est"])) {
            guard let t, [6.0, 12, 24].contains(t), let ours = cst.curves.first(where: { $0.cause == 1 }) else { continue }
            expectClose(ours.at(t).estimate, est, "cst at \(t)")
        }
    }

    @Test func followUpAndDelay() throws {
        let f = try #require(made(FollowUpResult.self, by: "followup os").first)
        let r = try fixture.results("lart.followup.reverse_km")
        expectClose(f.reverseMedian, rNumbers(r["median_followup"])[0], "median follow-up")
        let delay = try fixture.results("lart.cst.delay.opd_maintained")
        let all = try #require(made(DescriptiveSummary.self, by: "where cst_date is not missing | summary").first)
        #expect(all.tables().first?.rows.first?[2] == .integer(object(delay["all"])["n_changed"] as? Int ?? -1))
    }

    @Test func tableOnePValues() throws {
        let t1 = try #require(made(TableOne.self, by: "table1 omd vs opd: sex").first)
        for (variable, label) in [("sex", "Sex"), ("egfr", "EGFR"), ("ros1", "ROS1"), ("pdl1", "PD-L1"), ("rt_technique", "rt_technique")] {
            let r = try fixture.results("lart.table1.\(variable)")
            let test = try #require(t1.tests.first { $0.variable == label && $0.item.isEmpty }, "\(variable)")
            expectClose(test.p, rNumber(object(r["chisq"])["p"]), "\(variable) chi-square p")
        }
        let fisher = try #require(made(TableOne.self, by: "fisher(tox_pneumonitis >= 1)").first)
        expectClose(fisher.tests.first?.p, rNumber(object(object(try fixture.results("lart.toxicity"))["fisher_pneumonitis_omd_tki"])["p"]), "Fisher p")
    }

    /// The same registry in an SQLite file (one table, so no `table` is needed) gives the same
    /// output as the CSV, but for the name of the source.
    @Test func sqliteRegistry() throws {
        let sqlite = StudyScriptTests.repo.appendingPathComponent("examples/data/lart_registry.sqlite").path
        let fromCSV = ReportPrinter(format: .text).transcript(try StudyScriptTests.run())
        let fromSQLite = ReportPrinter(format: .text).transcript(try StudyScriptTests.run(overrides: ["registry": sqlite]))
        // Column widths follow the longer file name; compare with runs of spaces collapsed.
        func normalized(_ s: String) -> String {
            s.replacingOccurrences(of: "lart_registry.sqlite", with: "lart_registry.csv")
                .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(fromSQLite.count > 10_000)
        #expect(normalized(fromSQLite) == normalized(fromCSV))
        // As `lart run` runs it: the columns the script names, from both.
        let checkedCSV = ReportPrinter(format: .text).transcript(try StudyScriptTests.run(checked: true))
        let checkedSQLite = ReportPrinter(format: .text).transcript(try StudyScriptTests.run(overrides: ["registry": sqlite], checked: true))
        #expect(checkedCSV == fromCSV)
        #expect(normalized(checkedSQLite) == normalized(fromCSV))
    }

    /// The same registry in PostgreSQL (database `lart`, one table `patients`, loaded by
    /// `.ci/postgres`): `--param registry=postgresql://...` gives the CSV's output, but for the
    /// name of the source.
    @Test(.enabled(if: PostgresServer.available, PostgresServer.skipped))
    func postgresRegistry() throws {
        let url = try #require(PostgresServer.url)
        let fromCSV = ReportPrinter(format: .text).transcript(try StudyScriptTests.run())
        let report = try StudyScriptTests.run(overrides: ["registry": url])
        #expect(report.ok, "\(report.errors.map(\.description).joined())")
        let fromPostgres = ReportPrinter(format: .text).transcript(report)
        func normalized(_ s: String) -> String {
            s.replacingOccurrences(of: "registry (lart)", with: "registry (lart_registry.csv)")
                .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(fromPostgres.count > 10_000)
        #expect(normalized(fromPostgres) == normalized(fromCSV))
        #expect(fromPostgres.contains("registry (lart)"))
        let checked = try StudyScriptTests.run(overrides: ["registry": url], checked: true)
        #expect(checked.ok, "\(checked.errors.map(\.description).joined())")
        #expect(normalized(ReportPrinter(format: .text).transcript(checked)) == normalized(fromCSV))
    }

    /// The script runs unchanged on another registry of the same columns: the bundled one
    /// resampled with replacement (a fixed seed), written to a temporary CSV.
    @Test func runsOnAnotherRegistry() throws {
        let source = try String(contentsOfFile: StudyScriptTests.repo.appendingPathComponent("examples/data/lart_registry.csv").path, encoding: .utf8)
        var lines = source.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let header = lines.removeFirst()
        var state: UInt64 = 20261129
        var out = [header]
        for k in 0..<lines.count * 2 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var fields = lines[Int((state >> 33) % UInt64(lines.count))].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[0] = "R\(k)"
            out.append(fields.joined(separator: ","))
        }
        let path = NSTemporaryDirectory() + "lart-registry-\(UUID().uuidString).csv"
        try out.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try StudyScriptTests.run(overrides: ["registry": path])
        #expect(report.ok, "\(report.errors.map(\.description).joined())")
        let tree = report.results.compactMap { $0.result as? FlowTreeResult }.first
        #expect(tree?.tree.root.before == lines.count * 2)
        #expect(report.results.contains { $0.result is Table2Result })
    }
}
