/// Descriptive summaries of variables, overall or by group: for numbers n, missing, mean,
/// SD (n - 1 denominator), median, quartiles (R's quantile type 7), minimum and maximum; for
/// dates the same without the SD, as dates (R's `summary.Date`: the statistics of the day
/// numbers, each shown as the day it falls in, fractions of a day dropped as R's
/// `format.Date` drops them); for text the count and percentage of each level.
public struct DescriptiveSummary: Reportable {
    public enum Values: Sendable {
        case numbers([Double])      // NaN = missing
        /// Days since 1970-01-01; NaN = missing.
        case dates([Double])
        /// `order`: the levels in the order shown (nil: sorted).
        case levels(Categories, order: [String]?)
    }

    public struct NumberSummary: Sendable {
        public var n: Int, missing: Int
        public var mean: Double, sd: Double, median: Double, q1: Double, q3: Double, min: Double, max: Double
    }

    public struct Row: Sendable {
        public var variable: String
        public var group: String
        public var numbers: NumberSummary?
        /// `numbers` are day numbers, shown as dates.
        public var isDate = false
        public var levels: [(level: String, count: Int)]?
        public var missing: Int
    }

    public var rows: [Row]

    /// `groupOf` codes 0..<groups.count (nil: one group called "all"); rows with another
    /// code are left out.
    public init(variables: [(name: String, values: Values)], groups: [String] = ["all"], groupOf: [Int]? = nil) {
        let g = groups.count
        var out = [Row]()
        // Every variable has a value per row: the rows in a group are found once.
        var grouped: (group: [Int], rows: [Int])? = nil
        for (name, values) in variables {
            let n: Int = { switch values { case .numbers(let x), .dates(let x): return x.count; case .levels(let c, _): return c.count } }()
            if grouped?.group.count != n {
                let group = groupOf ?? [Int](repeating: 0, count: n)
                grouped = (group, group.indices.filter { group[$0] >= 0 && group[$0] < g })
            }
            let (group, rows) = grouped!
            switch values {
            case .numbers(let x), .dates(let x):
                var isDate = false
                if case .dates = values { isDate = true }
                let (present, missing) = GroupedValues.split(x, groupOf: group, rows: rows, groups: g)
                for k in 0..<g {
                    out.append(Row(variable: name, group: groups[k], numbers: DescriptiveSummary.describe(present[k], missing: missing[k]),
                                   isDate: isDate, levels: nil, missing: missing[k]))
                }
            case .levels(let c, let order):
                // counts[k * m + v]: rows of group k with value v; missing[k] without a value.
                let m = c.values.count
                var counts = [Int](repeating: 0, count: g * m)
                var missing = [Int](repeating: 0, count: g)
                c.codes.withUnsafeBufferPointer { code in
                    group.withUnsafeBufferPointer { group in
                        counts.withUnsafeMutableBufferPointer { counts in
                            missing.withUnsafeMutableBufferPointer { missing in
                                for i in rows {
                                    let k = group[i], v = code[i]
                                    if v < 0 { missing[k] += 1 } else { counts[k * m + Int(v)] += 1 }
                                }
                            }
                        }
                    }
                }
                let position = Dictionary(c.values.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                for k in 0..<g {
                    let present = c.values.indices.filter { counts[k * m + $0] > 0 }.map { c.values[$0] }
                    let shown = (order ?? present.sorted()).compactMap { position[$0] }.filter { counts[k * m + $0] > 0 }
                    let levels = shown.map { (level: c.values[$0], count: counts[k * m + $0]) }
                    out.append(Row(variable: name, group: groups[k], numbers: nil, levels: levels, missing: missing[k]))
                }
            }
        }
        rows = out
    }

    /// A day number as the date it falls in (the fraction dropped: floor, as R's `format.Date`).
    static func dayText(_ x: Double) -> String {
        guard let d = day(x) else { return formatNumber(x) }
        return CivilDate(days: d).description
    }

    /// The day a day number falls in (the fraction dropped, as R's `format.Date`); nil when
    /// not finite or beyond the dates lart keeps.
    static func day(_ x: Double) -> Int32? {
        let d = x.rounded(.down)
        guard d >= Double(Int32.min + 1), d <= Double(Int32.max) else { return nil }
        return Int32(d)
    }

    /// Mean and SD as R's `mean` and `sd` (`Moments`, on the values in the rows' order);
    /// quartiles by R's type 7 (`Quantile.type7`).
    static func describe(_ values: [Double], missing: Int) -> NumberSummary {
        let n = values.count
        guard n > 0 else { return NumberSummary(n: 0, missing: missing, mean: .nan, sd: .nan, median: .nan, q1: .nan, q3: .nan, min: .nan, max: .nan) }
        let (mean, variance) = Moments.meanAndVariance(values)
        let sd = variance.squareRoot()
        let sorted = Quantile.ascending(values)
        func q(_ p: Double) -> Double { Quantile.type7(sorted, p) }
        return NumberSummary(n: n, missing: missing, mean: mean, sd: sd, median: q(0.5), q1: q(0.25), q3: q(0.75), min: sorted[0], max: sorted[n - 1])
    }

    public var kind: String { "summary" }

    public func tables() -> [ResultTable] {
        var numeric = [[Cell]](), dates = [[Cell]](), categorical = [[Cell]]()
        for r in rows {
            if let s = r.numbers, r.isDate {
                func day(_ x: Double) -> Cell { x.isFinite ? .text(DescriptiveSummary.dayText(x)) : .missing }
                dates.append([.text(r.variable), .text(r.group), .integer(s.n), .integer(s.missing),
                              day(s.min), day(s.q1), day(s.median), day(s.mean), day(s.q3), day(s.max)])
            } else if let s = r.numbers {
                numeric.append([.text(r.variable), .text(r.group), .integer(s.n), .integer(s.missing), .num(s.mean), .num(s.sd),
                                .num(s.median), .num(s.q1), .num(s.q3), .num(s.min), .num(s.max)])
            } else if let levels = r.levels {
                let total = levels.reduce(0) { $0 + $1.count }
                for l in levels {
                    categorical.append([.text(r.variable), .text(r.group), .text(l.level), .integer(l.count),
                                        .percent(total > 0 ? Double(l.count) / Double(total) : .nan)])
                }
                if r.missing > 0 { categorical.append([.text(r.variable), .text(r.group), .text("(missing)"), .integer(r.missing), .missing]) }
            }
        }
        var out = [ResultTable]()
        if !numeric.isEmpty {
            out.append(ResultTable(title: "Summary", columns: ["variable", "group", "n", "missing", "mean", "SD", "median", "Q1", "Q3", "min", "max"],
                                   rows: numeric, notes: ["SD with n - 1; quartiles by R's default (type 7)."]))
        }
        if !dates.isEmpty {
            out.append(ResultTable(title: "Summary of dates", columns: ["variable", "group", "n", "missing", "min", "Q1", "median", "mean", "Q3", "max"],
                                   rows: dates, notes: ["Quartiles by R's default (type 7) of the day numbers; a fraction of a day is dropped, as R's summary of dates prints."]))
        }
        if !categorical.isEmpty {
            out.append(ResultTable(title: "Summary", columns: ["variable", "group", "level", "n", "%"], rows: categorical,
                                   notes: ["% of non-missing values in the group."]))
        }
        return out
    }

    public func json() -> JSONValue {
        .object([("rows", .array(rows.map { r in
            var fields: [(String, JSONValue)] = [("variable", .string(r.variable)), ("group", .string(r.group)), ("missing", .int(r.missing))]
            if let s = r.numbers, r.isDate {
                func day(_ x: Double) -> JSONValue { x.isFinite ? .string(DescriptiveSummary.dayText(x)) : .null }
                fields += [("n", .int(s.n)), ("min", day(s.min)), ("q1", day(s.q1)), ("median", day(s.median)), ("mean", day(s.mean)),
                           ("q3", day(s.q3)), ("max", day(s.max))]
            } else if let s = r.numbers {
                fields += [("n", .int(s.n)), ("mean", .num(s.mean)), ("sd", .num(s.sd)), ("median", .num(s.median)),
                           ("q1", .num(s.q1)), ("q3", .num(s.q3)), ("min", .num(s.min)), ("max", .num(s.max))]
            }
            if let levels = r.levels {
                fields.append(("levels", .array(levels.map { .object([("level", .string($0.level)), ("n", .int($0.count))]) })))
            }
            return .object(fields)
        }))])
    }
}
