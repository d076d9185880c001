#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a continuous variable is summarized in a Table 1.
public enum TableOneSummary: String, Sendable {
    /// mean (SD); tested with Welch's t-test by default.
    case meanSD
    /// median [Q1, Q3] (R's quantile type 7); tested with the Wilcoxon rank-sum test by default.
    case medianIQR
    /// median [Q1, Q3] of dates: the values are day numbers (days since 1970-01-01), the
    /// quartiles R's type 7 of them shown as dates, a fraction of a day dropped towards the
    /// past (R's `format(quantile(x, type = 7))` on a `Date`); tested with the Wilcoxon
    /// rank-sum test on the day numbers by default (R's `wilcox.test(as.numeric(x) ~ g)`).
    case medianIQRDates

    /// The row's label: what the summary shows.
    var label: String {
        switch self {
        case .meanSD: return "mean (SD)"
        case .medianIQR, .medianIQRDates: return "median [IQR]"
        }
    }

    /// The test used when none is asked for.
    var defaultTest: TableOneContinuousTest {
        switch self {
        case .meanSD: return .welch
        case .medianIQR, .medianIQRDates: return .wilcoxon
        }
    }
}

/// One variable of a Table 1. Values are per row, aligned with `groupOf`.
public enum TableOneVariable: Sendable {
    /// A missing code is missing. `levels` fixes the order (default: sorted, as R's `factor`);
    /// values not among them count as missing.
    case categorical(name: String, values: Categories, levels: [String]? = nil)
    /// NaN is missing.
    case continuous(name: String, values: [Double], summary: TableOneSummary)
    /// A check-all-that-apply question: one flag column per item (e.g. RT sites).
    case multiSelect(name: String, items: [(label: String, flags: [Bool])])

    public var name: String {
        switch self {
        case .categorical(let name, _, _), .continuous(let name, _, _), .multiSelect(let name, _): return name
        }
    }
}

public enum TableOneCategoricalTest: String, Sendable {
    /// Pearson chi-square without continuity correction (R `chisq.test(correct = FALSE)`).
    case chiSquare
    /// With Yates' correction (R applies it to 2 x 2 tables only).
    case chiSquareYates
    /// Fisher's exact test.
    case fisher
}

public enum TableOneContinuousTest: String, Sendable {
    case welch, wilcoxon
}

public struct TableOneOptions: Sendable {
    public var categoricalTest: TableOneCategoricalTest = .chiSquare
    /// Tests chosen for single variables (by name), overriding `categoricalTest`.
    public var categoricalTestByVariable: [String: TableOneCategoricalTest] = [:]
    /// nil: Welch for mean (SD) variables, Wilcoxon for median [IQR] variables.
    public var continuousTest: TableOneContinuousTest? = nil
    /// Variables shown without a test (`none(x)` in the language).
    public var untested: Set<String> = []
    /// Decimals of percentages and of continuous summaries.
    public var percentDecimals = 1
    public var summaryDecimals = 1
    public init(categoricalTest: TableOneCategoricalTest = .chiSquare, continuousTest: TableOneContinuousTest? = nil,
                percentDecimals: Int = 1, summaryDecimals: Int = 1) {
        self.categoricalTest = categoricalTest; self.continuousTest = continuousTest
        self.percentDecimals = percentDecimals; self.summaryDecimals = summaryDecimals
    }

    /// The categorical test for one variable.
    public func categoricalTest(for variable: String) -> TableOneCategoricalTest {
        categoricalTestByVariable[variable] ?? categoricalTest
    }
}

/// One line of a Table 1.
public struct TableOneRow: Sendable {
    public enum Kind: String, Sendable {
        /// The variable's name line (carries the p-value for categorical and multi-select variables).
        case variable
        /// n (%) of one level or item.
        case level
        /// mean (SD) or median [IQR] of a continuous variable (carries its p-value).
        case summary
        /// Count of missing values.
        case missing
    }
    public var kind: Kind
    public var variable: String
    /// Level, item, "mean (SD)", "median [IQR]" or "missing".
    public var label: String
    /// Per group: counts (level, missing) ...
    public var counts: [Int]?
    /// ... and their proportions of the group's non-missing values (level rows).
    public var proportions: [Double]?
    /// Per group, for summary rows: (mean, SD) or (median, Q1, Q3) and the n used.
    public var summaries: [[Double]]?
    public var summaryN: [Int]?
    /// Per group, the display text.
    public var text: [String]
    /// p-value of the variable (or of the item, for multi-select items).
    public var p: Double?
    public var test: String?
    /// The summaries are day numbers of dates (`medianIQRDates`): JSON gives them as dates.
    public var dates = false
}

/// A test reported in a Table 1, with the table it was computed on.
public struct TableOneTest: Sendable {
    public var variable: String
    /// Item label for a multi-select item test; "" otherwise.
    public var item: String
    public var method: String
    public var statistic: TestStatistic?
    public var p: Double
    /// The levels (rows of `counts`) kept for the test.
    public var levelsUsed: [String]
    /// levels x groups counts tested (categorical and multi-select).
    public var counts: [[Int]]?
    public var warnings: [String]
}

/// A descriptive "Table 1" comparing groups, with one test per variable.
///
/// Rules (as the lart fixtures' R code): per group, n (%) per level with percentages of the
/// group's non-missing values; missing counts on their own line when any; mean (SD) or
/// median [IQR]. Categorical tests: levels with a zero count in every group are dropped
/// before testing (a level present in one group only is kept); chi-square without
/// continuity correction unless asked. Continuous tests: Welch t or Wilcoxon rank-sum,
/// two groups only. Multi-select: a row per item, n (%) of the group's size with the flag,
/// a 2 x G test per item, and the items x groups count-table chi-square for the variable
/// (a patient counts once per flagged item, so columns can sum to more than n).
public struct TableOne: Reportable {
    public var groups: [String]
    public var groupSizes: [Int]
    public var rows: [TableOneRow]
    public var tests: [TableOneTest]
    public var options: TableOneOptions
    public var warnings: [String]

    public var kind: String { "table1" }

    /// `groupOf[i]` is the group index of row i (0..<groups.count); rows with any other code
    /// (e.g. -1 for a missing group) are left out.
    public static func build(groups: [String], groupOf: [Int], variables: [TableOneVariable],
                             options: TableOneOptions = .init()) throws -> TableOne {
        let g = groups.count
        guard g >= 1 else { throw AnalysisError("Table 1 needs at least one group") }
        let included = groupOf.indices.filter { groupOf[$0] >= 0 && groupOf[$0] < g }
        var sizes = [Int](repeating: 0, count: g)
        for i in included { sizes[groupOf[i]] += 1 }
        var builder = Builder(groups: groups, groupOf: groupOf, included: included, sizes: sizes, options: options)
        for variable in variables {
            switch variable {
            case let .categorical(name, values, levels):
                guard values.count == groupOf.count else {
                    throw AnalysisError("variable \(name) has \(values.count) values for \(groupOf.count) rows")
                }
                builder.categorical(name, values, levels)
            case let .continuous(name, values, summary):
                guard values.count == groupOf.count else {
                    throw AnalysisError("variable \(name) has \(values.count) values for \(groupOf.count) rows")
                }
                builder.continuous(name, values, summary)
            case let .multiSelect(name, items):
                for item in items where item.flags.count != groupOf.count {
                    throw AnalysisError("item \(item.label) of \(name) has \(item.flags.count) values for \(groupOf.count) rows")
                }
                builder.multiSelect(name, items)
            }
        }
        var warnings: [String] = []
        if included.count < groupOf.count {
            warnings.append("\(groupOf.count - included.count) row(s) without a group were left out")
        }
        return TableOne(groups: groups, groupSizes: sizes, rows: builder.rows, tests: builder.tests,
                        options: options, warnings: warnings)
    }

    /// Accumulates rows and tests; one value per Table 1.
    struct Builder {
        let groups: [String]
        let groupOf: [Int]
        let included: [Int]
        let sizes: [Int]
        let options: TableOneOptions
        var rows: [TableOneRow] = []
        var tests: [TableOneTest] = []

        var g: Int { groups.count }

        func percentText(_ count: Int, _ denominator: Int) -> String {
            guard denominator > 0 else { return "\(count)" }
            return "\(count) (\(TableOne.fixed(100 * Double(count) / Double(denominator), options.percentDecimals))%)"
        }

        mutating func categorical(_ name: String, _ values: Categories, _ givenLevels: [String]?) {
            // Values outside given levels count as missing, as R's factor(levels =) does.
            let levels = givenLevels ?? Array(Set(zip(values.values, values.present(rows: included)).compactMap { $1 ? $0 : nil })).sorted()
            let level = values.positions(in: levels)
            // counts[l][k] of level l in group k, tallied flat (level * g + group).
            var flat = [Int](repeating: 0, count: levels.count * g)
            var missing = [Int](repeating: 0, count: g)
            values.codes.withUnsafeBufferPointer { c in
                groupOf.withUnsafeBufferPointer { group in
                    level.withUnsafeBufferPointer { level in
                        flat.withUnsafeMutableBufferPointer { flat in
                            missing.withUnsafeMutableBufferPointer { missing in
                                for i in included {
                                    let k = c[i], l = k < 0 ? -1 : Int(level[Int(k)])
                                    if l >= 0 { flat[l * g + group[i]] += 1 } else { missing[group[i]] += 1 }
                                }
                            }
                        }
                    }
                }
            }
            let counts = (0..<levels.count).map { Array(flat[($0 * g)..<($0 * g + g)]) }
            let nonMissing = (0..<g).map { k in counts.reduce(0) { $0 + $1[k] } }
            // A variable recorded in one group only (metastases at diagnosis of OMD) is shown
            // as NA for the others and not tested.
            let onlySome = g >= 2 && nonMissing.contains(0) && nonMissing.contains { $0 > 0 }
            let test = options.untested.contains(name) || onlySome ? nil : countTest(name, item: "", levels: levels, counts: counts)
            rows.append(TableOneRow(kind: .variable, variable: name, label: "", counts: nil, proportions: nil,
                                    summaries: nil, summaryN: nil, text: [String](repeating: "", count: g),
                                    p: test?.p, test: test?.method))
            for (l, level) in levels.enumerated() {
                let props = (0..<g).map { nonMissing[$0] > 0 ? Double(counts[l][$0]) / Double(nonMissing[$0]) : .nan }
                rows.append(TableOneRow(kind: .level, variable: name, label: level, counts: counts[l],
                                        proportions: props, summaries: nil, summaryN: nil,
                                        text: (0..<g).map { nonMissing[$0] == 0 && onlySome ? "NA" : percentText(counts[l][$0], nonMissing[$0]) },
                                        p: nil, test: nil))
            }
            appendMissing(name, onlySome ? zip(missing, nonMissing).map { $1 == 0 ? 0 : $0 } : missing)
            if let test { tests.append(test) }
        }

        mutating func appendMissing(_ name: String, _ missing: [Int]) {
            guard missing.contains(where: { $0 > 0 }) else { return }
            rows.append(TableOneRow(kind: .missing, variable: name, label: "missing", counts: missing,
                                    proportions: nil, summaries: nil, summaryN: nil,
                                    text: missing.map(String.init), p: nil, test: nil))
        }

        /// The categorical test on a levels x groups table after dropping all-zero levels.
        func countTest(_ name: String, item: String, levels: [String], counts: [[Int]],
                       method forced: TableOneCategoricalTest? = nil) -> TableOneTest? {
            let kept = levels.indices.filter { counts[$0].contains { $0 > 0 } }
            let table = kept.map { counts[$0] }
            let used = kept.map { levels[$0] }
            guard g >= 2 else { return nil }
            guard kept.count >= 2 else {
                return TableOneTest(variable: name, item: item, method: "none", statistic: nil, p: .nan,
                                    levelsUsed: used, counts: table,
                                    warnings: ["fewer than two levels observed; no test"])
            }
            switch forced ?? options.categoricalTest(for: name) {
            case .chiSquare, .chiSquareYates:
                let r = ChiSquareTest.pearson(table, correct: (forced ?? options.categoricalTest(for: name)) == .chiSquareYates)
                return TableOneTest(variable: name, item: item, method: r.method, statistic: r.test, p: r.p,
                                    levelsUsed: used, counts: table, warnings: r.warnings)
            case .fisher:
                do {
                    let r = try FisherExact.test(table)
                    return TableOneTest(variable: name, item: item, method: "Fisher's exact test", statistic: nil,
                                        p: r.p, levelsUsed: used, counts: table, warnings: [])
                } catch {
                    return TableOneTest(variable: name, item: item, method: "Fisher's exact test", statistic: nil,
                                        p: .nan, levelsUsed: used, counts: table, warnings: ["\(error)"])
                }
            }
        }

        mutating func continuous(_ name: String, _ values: [Double], _ summary: TableOneSummary) {
            let (byGroup, missing) = GroupedValues.split(values, groupOf: groupOf, rows: included, groups: g)
            let d = options.summaryDecimals
            var summaries: [[Double]] = []
            var text: [String] = []
            for k in 0..<g {
                let v = byGroup[k]
                switch summary {
                case .meanSD:
                    let (mean, variance) = WelchTTest.meanAndVariance(v)
                    let sd = variance.squareRoot()
                    summaries.append([mean, sd])
                    text.append(v.isEmpty ? "" : "\(TableOne.fixed(mean, d)) (\(sd.isNaN ? "NA" : TableOne.fixed(sd, d)))")
                case .medianIQR, .medianIQRDates:
                    let sorted = Quantile.ascending(v)
                    let q = [0.5, 0.25, 0.75].map { Quantile.type7(sorted, $0) }
                    summaries.append(q)
                    func shown(_ x: Double) -> String { summary == .medianIQRDates ? DescriptiveSummary.dayText(x) : TableOne.fixed(x, d) }
                    text.append(v.isEmpty ? "" : "\(shown(q[0])) [\(shown(q[1])), \(shown(q[2]))]")
                }
            }
            var test: TableOneTest? = nil
            if g == 2 && !options.untested.contains(name) {
                let which = options.continuousTest ?? summary.defaultTest
                switch which {
                case .welch:
                    let r = WelchTTest.test(byGroup[0], byGroup[1])
                    test = TableOneTest(variable: name, item: "", method: "Welch Two Sample t-test", statistic: r.test,
                                        p: r.p, levelsUsed: [], counts: nil, warnings: r.warnings)
                case .wilcoxon:
                    let r = WilcoxonRankSum.test(byGroup[0], byGroup[1])
                    test = TableOneTest(variable: name, item: "", method: r.method,
                                        statistic: TestStatistic(statistic: r.w, df: .nan, p: r.p),
                                        p: r.p, levelsUsed: [], counts: nil, warnings: r.warnings)
                }
            } else if g > 2 {
                test = TableOneTest(variable: name, item: "", method: "none", statistic: nil, p: .nan, levelsUsed: [],
                                    counts: nil, warnings: ["continuous variables are tested for two groups only"])
            }
            rows.append(TableOneRow(kind: .summary, variable: name,
                                    label: summary.label, counts: nil,
                                    proportions: nil, summaries: summaries, summaryN: byGroup.map(\.count),
                                    text: text, p: test?.p, test: test?.method, dates: summary == .medianIQRDates))
            appendMissing(name, missing)
            if let test { tests.append(test) }
        }

        mutating func multiSelect(_ name: String, _ items: [(label: String, flags: [Bool])]) {
            var flagged = [[Int]](repeating: [Int](repeating: 0, count: g), count: items.count)
            for (t, item) in items.enumerated() {
                for i in included where item.flags[i] { flagged[t][groupOf[i]] += 1 }
            }
            let overall = countTest(name, item: "", levels: items.map(\.label), counts: flagged,
                                    method: options.categoricalTest(for: name) == .fisher ? .fisher : .chiSquare)
            rows.append(TableOneRow(kind: .variable, variable: name, label: "", counts: nil, proportions: nil,
                                    summaries: nil, summaryN: nil, text: [String](repeating: "", count: g),
                                    p: overall?.p, test: overall.map { $0.method + " on item counts" }))
            if let overall { tests.append(overall) }
            for (t, item) in items.enumerated() {
                let notFlagged = (0..<g).map { sizes[$0] - flagged[t][$0] }
                let test = countTest(name, item: item.label, levels: ["1", "0"], counts: [flagged[t], notFlagged])
                let props = (0..<g).map { sizes[$0] > 0 ? Double(flagged[t][$0]) / Double(sizes[$0]) : .nan }
                rows.append(TableOneRow(kind: .level, variable: name, label: item.label, counts: flagged[t],
                                        proportions: props, summaries: nil, summaryN: nil,
                                        text: (0..<g).map { percentText(flagged[t][$0], sizes[$0]) },
                                        p: test?.p, test: test?.method))
                if let test { tests.append(test) }
            }
        }
    }

    // MARK: Reportable

    public func tables() -> [ResultTable] {
        let columns = ["Variable", ""] + zip(groups, groupSizes).map { "\($0) (n=\($1))" } + ["p", "test"]
        let body: [[Cell]] = rows.map { row in
            let p: Cell = row.p.map { $0.isNaN ? Cell.missing : Cell.pValue($0) } ?? .missing
            return [.text(row.kind == .variable || row.kind == .summary ? row.variable : ""),
                    .text(row.label)] + row.text.map { Cell.text($0) } + [p, .text(row.test ?? "")]
        }
        var notes = warnings
        for t in tests where !t.warnings.isEmpty {
            let note = "\(t.variable)\(t.item.isEmpty ? "" : " / " + t.item): " + t.warnings.joined(separator: "; ")
            if !notes.contains(note) { notes.append(note) }
        }
        let untestedShown = rows.contains { $0.kind == .variable && $0.p == nil && options.untested.contains($0.variable) }
        if untestedShown { notes.append("variables without a p-value are described only (none(x))") }
        return [ResultTable(title: "Table 1", columns: columns, rows: body, notes: notes)]
    }

    public func json() -> JSONValue {
        func optionalInts(_ x: [Int]?) -> JSONValue { x.map { JSONValue.ints($0) } ?? .null }
        let rowValues: [JSONValue] = rows.map { r in
            .object([
                ("kind", .string(r.kind.rawValue)), ("variable", .string(r.variable)), ("label", .string(r.label)),
                ("counts", optionalInts(r.counts)),
                ("proportions", r.proportions.map { JSONValue.nums($0) } ?? .null),
                ("summaries", r.summaries.map { s in
                    JSONValue.array(s.map { r.dates ? .array($0.map { $0.isFinite ? .string(DescriptiveSummary.dayText($0)) : .null }) : .nums($0) })
                } ?? .null),
                ("summary_n", optionalInts(r.summaryN)),
                ("text", .strings(r.text)), ("p", .num(r.p)), ("test", r.test.map { JSONValue.string($0) } ?? .null),
            ])
        }
        let testValues: [JSONValue] = tests.map { t in
            .object([
                ("variable", .string(t.variable)), ("item", .string(t.item)), ("method", .string(t.method)),
                ("statistic", .num(t.statistic?.statistic)), ("df", .num(t.statistic?.df)), ("p", .number(t.p)),
                ("levels_used", .strings(t.levelsUsed)),
                ("counts", t.counts.map { JSONValue.array($0.map { JSONValue.ints($0) }) } ?? .null),
                ("warnings", .strings(t.warnings)),
            ])
        }
        return .object([
            ("kind", .string(kind)), ("groups", .strings(groups)), ("group_sizes", .ints(groupSizes)),
            ("categorical_test", .string(options.categoricalTest.rawValue)),
            ("rows", .array(rowValues)), ("tests", .array(testValues)), ("warnings", .strings(warnings)),
        ])
    }

    // MARK: Formatting helpers

    /// `x` with exactly `decimals` digits after the point (half away from zero), e.g. 37.0.
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NA" : (x > 0 ? "Inf" : "-Inf") }
        let scale = pow(10.0, Double(decimals))
        let scaled = (Swift.abs(x) * scale).rounded()
        guard scaled < 9e15 else { return String(x) }
        let units = Int64(scaled)
        let divisor = Int64(scale)
        let whole = units / divisor
        let fraction = units % divisor
        var s = (x < 0 && units != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let f = String(fraction)
            s += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return s
    }
}
