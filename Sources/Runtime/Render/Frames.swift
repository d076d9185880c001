/// Results as values: the parts of a result a script can address by name (`uni.terms`,
/// `km_omd.at`, `km_omd.median`), each a small table of rows keyed by a label column, with
/// numbers at full precision. The language evaluates conditions over a frame (`select(uni,
/// p < 0.05)`) by treating it as a `Table`; `knit` reads cells from it.
public struct ResultFrame: Sendable {
    public var name: String
    /// The column whose text addresses a row (`uni.terms["tki"]`).
    public var keyColumn: String
    public var table: Table

    public init(name: String, keyColumn: String, names: [String], columns: [Column]) {
        self.name = name; self.keyColumn = keyColumn
        table = Table(names: names, columns: columns)
    }

    public var rowCount: Int { table.rowCount }

    /// The row whose key is `key`, if any; else the one row whose key reads `key` once the
    /// names of its groupings are left out (`"F, yes"` for `"sex: F, tki: yes"`, `"age@F"`
    /// for `"age@sex: F"`).
    public func row(_ key: String) -> Int? {
        guard let c = table[keyColumn] else { return nil }
        if let exact = (0..<rowCount).first(where: { c.text(at: $0) == key }) { return exact }
        let short = (0..<rowCount).filter { c.text(at: $0).map(Self.withoutGroupingNames) == key }
        return short.count == 1 ? short[0] : nil
    }

    /// The keys without the groupings' names (`row` takes these too when one row has it).
    public var shortKeys: [String] { keys.map(Self.withoutGroupingNames) }

    /// A key without the `name: ` before each grouping's value (a name being a word of
    /// letters, digits, `_` and `.` that starts the key or follows `, ` or `@`).
    static func withoutGroupingNames(_ key: String) -> String {
        var out = ""
        var rest = Substring(key)
        var atStart = true
        while !rest.isEmpty {
            if atStart, let colon = rest.firstRange(of: ": "),
               !rest[..<colon.lowerBound].isEmpty,
               rest[..<colon.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
                rest = rest[colon.upperBound...]
            }
            let c = rest.removeFirst()
            out.append(c)
            atStart = c == "@" || (c == " " && out.hasSuffix(", "))
        }
        return out
    }

    /// The keys of the rows, in order.
    public var keys: [String] { (0..<rowCount).map { table[keyColumn]?.text(at: $0) ?? "" } }
}

/// A result with named parts.
public protocol HasFrames {
    /// The names of the parts, the first being the main one.
    var frameNames: [String] { get }
    func frame(_ name: String) -> ResultFrame?
}

private func numbers(_ xs: [Double?]) -> Column { .double(xs.map { $0 ?? .nan }) }

extension CoxScreenResult: HasFrames {
    public var frameNames: [String] { ["terms", "coefficients"] }

    /// `terms`: one row per univariate model (term as written) with the model's tests (for a
    /// one-term model they are the term's tests): `p` is the Wald p, `p_lr` the
    /// likelihood-ratio p, `p_score` the score p; `hr`, `lower`, `upper` when the term has a
    /// single column (a number or a yes/no), missing for a factor of several levels.
    /// `coefficients`: one row per design column with its Wald z-test.
    public func frame(_ name: String) -> ResultFrame? {
        switch name {
        case "terms":
            var hr = [Double?](), lo = [Double?](), hi = [Double?]()
            for (_, fit) in fits {
                let single = fit.coefficients.count == 1 && !fit.aliased[0]
                hr.append(single ? fit.hazardRatios[0] : nil)
                lo.append(single ? fit.confidenceLower[0] : nil)
                hi.append(single ? fit.confidenceUpper[0] : nil)
            }
            return ResultFrame(name: name, keyColumn: "term",
                               names: ["term", "hr", "lower", "upper", "p", "p_wald", "p_lr", "p_score", "n", "events", "columns"],
                               columns: [Column.fromStrings(fits.map { $0.0 }), numbers(hr), numbers(lo), numbers(hi),
                                         .double(fits.map { $0.1.wald.p }), .double(fits.map { $0.1.wald.p }),
                                         .double(fits.map { $0.1.likelihoodRatio.p }), .double(fits.map { $0.1.score.p }),
                                         .double(fits.map { Double($0.1.n) }), .double(fits.map { Double($0.1.nEvents) }),
                                         .double(fits.map { Double($0.1.coefficients.count) })])
        case "coefficients":
            var term = [String?](), column = [String?](), hr = [Double](), lo = [Double](), hi = [Double](), p = [Double]()
            for (t, fit) in fits {
                for j in fit.coefficients.indices {
                    term.append(t); column.append(fit.columnNames[j])
                    hr.append(fit.hazardRatios[j]); lo.append(fit.confidenceLower[j]); hi.append(fit.confidenceUpper[j])
                    p.append(fit.pValues[j])
                }
            }
            return ResultFrame(name: name, keyColumn: "column", names: ["column", "term", "hr", "lower", "upper", "p"],
                               columns: [Column.fromStrings(column), Column.fromStrings(term), .double(hr), .double(lo), .double(hi), .double(p)])
        default:
            return nil
        }
    }
}

extension CoxResult: HasFrames {
    public var frameNames: [String] { ["terms", "tests"] }

    /// `terms`: one row per design column (R's coefficient names) with HR, CI, z-test p.
    /// `tests`: the model's likelihood-ratio, Wald and score tests.
    public func frame(_ name: String) -> ResultFrame? {
        switch name {
        case "terms":
            return ResultFrame(name: name, keyColumn: "term", names: ["term", "coef", "se", "hr", "lower", "upper", "z", "p"],
                               columns: [Column.fromStrings(columnNames), .double(coefficients), .double(standardErrors),
                                         .double(hazardRatios), .double(confidenceLower), .double(confidenceUpper),
                                         .double(zStatistics), .double(pValues)])
        case "tests":
            let tests = [("lr", likelihoodRatio), ("wald", wald), ("score", score)]
            return ResultFrame(name: name, keyColumn: "test", names: ["test", "statistic", "df", "p"],
                               columns: [Column.fromStrings(tests.map { $0.0 }), .double(tests.map { $0.1.statistic }),
                                         .double(tests.map { $0.1.df }), .double(tests.map { $0.1.p })])
        default:
            return nil
        }
    }
}

extension KaplanMeierResult: HasFrames {
    public var frameNames: [String] { ["median", "at"] }

    /// `median`: one row per group: n, events, median and its interval.
    /// `at`: one row per group and asked time (`at 12mo`): survival, its interval, at risk;
    /// keyed by the group, then by `group@time` when there are several times.
    public func frame(_ name: String) -> ResultFrame? {
        switch name {
        case "median":
            let m = curves.map(\.median)
            return ResultFrame(name: name, keyColumn: "group", names: ["group", "n", "events", "median", "lower", "upper"],
                               columns: [Column.fromStrings(curves.map(\.label)), .double(curves.map { Double($0.n) }),
                                         .double(curves.map { Double($0.events) }), numbers(m.map(\.estimate)),
                                         numbers(m.map(\.lower)), numbers(m.map(\.upper))])
        case "at":
            var key = [String?](), group = [String?](), time = [Double](), s = [Double](), lo = [Double?](), hi = [Double?](), risk = [Double]()
            for c in curves {
                for t in options.times {
                    let p = c.at(t)
                    key.append(options.times.count == 1 ? c.label : "\(c.label)@\(formatNumber(t))")
                    group.append(c.label); time.append(t); s.append(p.survival); lo.append(p.lower); hi.append(p.upper)
                    risk.append(Double(p.nRisk))
                }
            }
            return ResultFrame(name: name, keyColumn: "key", names: ["key", "group", "time", "survival", "lower", "upper", "n_risk"],
                               columns: [Column.fromStrings(key), Column.fromStrings(group), .double(time), .double(s),
                                         numbers(lo), numbers(hi), .double(risk)])
        default:
            return nil
        }
    }
}

extension LogRankResult: HasFrames {
    public var frameNames: [String] { ["test", "groups"] }

    public func frame(_ name: String) -> ResultFrame? {
        switch name {
        case "test":
            return ResultFrame(name: name, keyColumn: "test", names: ["test", "chisq", "df", "p"],
                               columns: [Column.fromStrings([testName]), .double([chiSquare]), .double([Double(df)]), .double([p])])
        case "groups":
            return ResultFrame(name: name, keyColumn: "group", names: ["group", "n", "observed", "expected"],
                               columns: [Column.fromStrings(groups), .double(n.map(Double.init)), .double(observed), .double(expected)])
        default:
            return nil
        }
    }
}

extension CumulativeIncidenceResult: HasFrames {
    public var frameNames: [String] { ["at"] }

    /// `at`: one row per curve (group and cause) and asked time: the estimate and its
    /// variance; keyed by the curve name (`omd 1`), then `name@time` for several times.
    public func frame(_ name: String) -> ResultFrame? {
        guard name == "at" else { return nil }
        var key = [String?](), curve = [String?](), time = [Double](), est = [Double](), variance = [Double]()
        for c in curves {
            for t in times {
                let v = c.at(t)
                key.append(times.count == 1 ? c.name : "\(c.name)@\(formatNumber(t))")
                curve.append(c.name); time.append(t); est.append(v.estimate); variance.append(v.variance)
            }
        }
        return ResultFrame(name: name, keyColumn: "key", names: ["key", "curve", "time", "estimate", "variance"],
                           columns: [Column.fromStrings(key), Column.fromStrings(curve), .double(time), .double(est), .double(variance)])
    }
}

extension DescriptiveSummary: HasFrames {
    /// The parts with rows: `numbers`, `dates`, `levels`.
    public var frameNames: [String] {
        var names = [String]()
        if rows.contains(where: { $0.numbers != nil && !$0.isDate }) { names.append("numbers") }
        if rows.contains(where: { $0.numbers != nil && $0.isDate }) { names.append("dates") }
        if rows.contains(where: { !($0.levels ?? []).isEmpty }) { names.append("levels") }
        return names
    }

    /// `numbers`: one row per number variable (and group): n, missing, mean, sd, median, q1,
    /// q3, min, max. `dates`: one row per date variable: n, missing, and min, q1, median,
    /// mean, q3, max as dates (the day each falls in, as the summary prints them). `levels`:
    /// one row per level of a text variable: n and its proportion of the non-missing values.
    /// Rows are keyed by the variable (`s.numbers["age"]`) or, for a level, `variable=level`
    /// (`s.levels["sex=F"]`); with `by`, `@group` follows (`s.numbers["age@F"]`).
    public func frame(_ name: String) -> ResultFrame? {
        let grouped = rows.contains { $0.group != "all" }
        func key(_ k: String, _ group: String) -> String { grouped ? "\(k)@\(group)" : k }
        switch name {
        case "numbers":
            let rs = rows.filter { $0.numbers != nil && !$0.isDate }
            let s = rs.map { $0.numbers! }
            return ResultFrame(name: name, keyColumn: "key",
                               names: ["key", "variable", "group", "n", "missing", "mean", "sd", "median", "q1", "q3", "min", "max"],
                               columns: [Column.fromStrings(rs.map { key($0.variable, $0.group) }), Column.fromStrings(rs.map(\.variable)),
                                         Column.fromStrings(rs.map(\.group)), .double(s.map { Double($0.n) }),
                                         .double(s.map { Double($0.missing) }), .double(s.map(\.mean)), .double(s.map(\.sd)),
                                         .double(s.map(\.median)), .double(s.map(\.q1)), .double(s.map(\.q3)),
                                         .double(s.map(\.min)), .double(s.map(\.max))])
        case "dates":
            let rs = rows.filter { $0.numbers != nil && $0.isDate }
            let s = rs.map { $0.numbers! }
            func days(_ xs: [Double]) -> Column { .date(xs.map { DescriptiveSummary.day($0) ?? Column.dateNA }) }
            return ResultFrame(name: name, keyColumn: "key",
                               names: ["key", "variable", "group", "n", "missing", "min", "q1", "median", "mean", "q3", "max"],
                               columns: [Column.fromStrings(rs.map { key($0.variable, $0.group) }), Column.fromStrings(rs.map(\.variable)),
                                         Column.fromStrings(rs.map(\.group)), .double(s.map { Double($0.n) }),
                                         .double(s.map { Double($0.missing) }), days(s.map(\.min)), days(s.map(\.q1)),
                                         days(s.map(\.median)), days(s.map(\.mean)), days(s.map(\.q3)), days(s.map(\.max))])
        case "levels":
            var k = [String?](), variable = [String?](), group = [String?](), level = [String?](), n = [Double](), share = [Double]()
            for r in rows {
                guard let levels = r.levels else { continue }
                let total = levels.reduce(0) { $0 + $1.count }
                for l in levels {
                    k.append(key("\(r.variable)=\(l.level)", r.group)); variable.append(r.variable); group.append(r.group)
                    level.append(l.level); n.append(Double(l.count)); share.append(total > 0 ? Double(l.count) / Double(total) : .nan)
                }
            }
            return ResultFrame(name: name, keyColumn: "key", names: ["key", "variable", "group", "level", "n", "proportion"],
                               columns: [Column.fromStrings(k), Column.fromStrings(variable), Column.fromStrings(group),
                                         Column.fromStrings(level), .double(n), .double(share)])
        default:
            return nil
        }
    }
}
