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
        /// nil = missing; `order`: the levels in the order shown (nil: sorted).
        case levels([String?], order: [String]?)
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

    /// `groupOf` codes 0..<groups.count (nil: one group called "all").
    public init(variables: [(name: String, values: Values)], groups: [String] = ["all"], groupOf: [Int]? = nil) {
        var out = [Row]()
        for (name, values) in variables {
            for (k, group) in groups.enumerated() {
                let member: (Int) -> Bool = { groupOf == nil || groupOf![$0] == k }
                switch values {
                case .numbers(let x), .dates(let x):
                    let rows = x.indices.filter(member)
                    let present = rows.map { x[$0] }.filter { !$0.isNaN }
                    var isDate = false
                    if case .dates = values { isDate = true }
                    out.append(Row(variable: name, group: group, numbers: DescriptiveSummary.describe(present, missing: rows.count - present.count),
                                   isDate: isDate, levels: nil, missing: rows.count - present.count))
                case .levels(let v, let order):
                    let rows = v.indices.filter(member)
                    var counts = [String: Int]()
                    var missing = 0
                    for i in rows { if let s = v[i] { counts[s, default: 0] += 1 } else { missing += 1 } }
                    let shown = (order ?? counts.keys.sorted()).filter { counts[$0] != nil }
                    let levels = shown.map { (level: $0, count: counts[$0]!) }
                    out.append(Row(variable: name, group: group, numbers: nil, levels: levels, missing: missing))
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
        let sorted = values.sorted()
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
