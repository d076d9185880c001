import Runtime

extension Interpreter {
    /// `table1 A vs B: var, ...` (or `table1 A: ...` for one column without tests).
    ///
    /// A variable is, by its value: text -> categorical; boolean or 0/1 -> categorical
    /// (false/true); `factor(x)` -> categorical of a number's values; a number -> mean (SD)
    /// (Welch t-test); `median(x)` -> median [IQR] (Wilcoxon); a date -> median [IQR] as
    /// dates (Wilcoxon on the day numbers); `multi(a, b, ...)` -> a
    /// check-all-that-apply question over 0/1 columns. Options: `fisher(x)` tests a
    /// categorical variable with Fisher's exact test, `yates(x)` with the continuity correction.
    func tableOne(_ a: Pipeline, _ b: Pipeline?, _ vars: [Expr], _ src: SourceFile, warnings: inout RunReport) throws -> TableOne {
        var first = try pipelineSource(a, src)
        first = try applyRowStages(a.stages[...], first, src, cohortName: first.name)
        var groups = [first.name]
        var table = first.table
        var groupOf = [Int](repeating: 0, count: first.table.rowCount)
        if let b {
            var second = try pipelineSource(b, src)
            second = try applyRowStages(b.stages[...], second, src, cohortName: second.name)
            groups.append(second.name)
            table = Table.stack(first.table, second.table)
            groupOf += [Int](repeating: 1, count: second.table.rowCount)
        }
        let data = CohortData(name: groups.joined(separator: " vs "), table: table, flow: [])
        var variables = [TableOneVariable]()
        var options = TableOneOptions()
        for v in vars {
            var e = v
            var test: TableOneCategoricalTest? = nil
            var untested = false
            if case .call(let f, let args) = v.kind, f == "fisher" || f == "yates" || f == "none", args.count == 1 {
                switch f {
                case "fisher": test = .fisher
                case "yates": test = .chiSquareYates
                default: untested = true
                }
                e = args[0].value
            }
            let variable = try tableOneVariable(e, data, src)
            if let test { options.categoricalTestByVariable[variable.name] = test }
            if untested { options.untested.insert(variable.name) }
            variables.append(variable)
        }
        do {
            return try TableOne.build(groups: groups, groupOf: groupOf, variables: variables, options: options)
        } catch let err as AnalysisError {
            throw fail(err.message, vars.first!.range.lowerBound..<vars.last!.range.upperBound, src)
        }
    }

    /// A Table 1 variable with its label and level order: `label x "Title" [v: "Text"]`
    /// names the row and its levels, `levels x [...]` orders them.
    func tableOneVariable(_ e: Expr, _ data: CohortData, _ src: SourceFile) throws -> TableOneVariable {
        let plain = try tableOneVariableUnlabelled(e, data, src)
        let inner: Expr = { if case .call(let f, let args) = e.kind, f == "factor" || f == "median" || f == "mean", args.count == 1 { return args[0].value }; return e }()
        guard let variable = variableName(inner) else { return plain }
        let label = env.labels[variable]
        switch plain {
        case .categorical(_, let values, let levels):
            let present = values.presentValues
            var order = levels ?? DesignMatrix.sortedLevels(present)
            if env.levels[variable] != nil {
                order = try orderedLevels(variable, present: present, fallback: order, inner, src)
            }
            let isBool = Set(present).isSubset(of: ["true", "false"]) && (levels == ["false", "true"])
            let shown: (String) -> String = { self.shownLevel(variable, $0, isBool: isBool) }
            return .categorical(name: label?.title ?? plain.name, values: values.renamed(shown), levels: order.map(shown))
        case .continuous(_, let values, let summary):
            return .continuous(name: label?.title ?? plain.name, values: values, summary: summary)
        case .multiSelect:
            return plain
        }
    }

    /// A date variable: its median [IQR] as dates (`TableOneSummary.medianIQRDates`).
    static func dateVariable(_ name: String, _ days: [Int32]) -> TableOneVariable {
        .continuous(name: name, values: days.map { $0 == Column.dateNA ? .nan : Double($0) }, summary: .medianIQRDates)
    }

    func tableOneVariableUnlabelled(_ e: Expr, _ data: CohortData, _ src: SourceFile) throws -> TableOneVariable {
        var ev = evaluator(for: data)
        let name = src.slice(e.range)
        if case .call(let f, let args) = e.kind {
            switch f {
            case "multi":
                var items = [(label: String, flags: [Bool])]()
                for a in args {
                    let flags = try ev.booleans(try ev.eval(a.value, src), a.value, src, what: "each item of `multi`")
                    items.append((src.slice(a.value.range), flags.map { $0 == 1 }))
                }
                return .multiSelect(name: name, items: items)
            case "factor":
                guard args.count == 1 else { throw fail("`factor` in a table1 takes one column", e.range, src) }
                let values = try factorCategories(try ev.eval(args[0].value, src), args[0].value, src)
                return .categorical(name: src.slice(args[0].value.range), values: values, levels: DesignMatrix.sortedLevels(values.presentValues))
            case "median":
                guard args.count == 1 else { throw fail("`median` takes one column", e.range, src) }
                let v = try ev.eval(args[0].value, src)
                if case .column(.date(let days)) = v { return Self.dateVariable(src.slice(args[0].value.range), days) }
                return .continuous(name: src.slice(args[0].value.range), values: try ev.numbers(v, args[0].value, src, what: "`median`"), summary: .medianIQR)
            case "mean":
                guard args.count == 1 else { throw fail("`mean` takes one column", e.range, src) }
                let v = try ev.eval(args[0].value, src)
                if case .column(.date) = v {
                    let inner = src.slice(args[0].value.range)
                    throw fail("Table 1 shows a date as its median [IQR], not a mean (SD)", e.range, src,
                               hints: ["write `\(inner)` or `median(\(inner))`; for a mean of durations, subtract two dates: `\(inner) - other_date`"])
                }
                return .continuous(name: src.slice(args[0].value.range), values: try ev.numbers(v, args[0].value, src, what: "`mean`"), summary: .meanSD)
            default: break
            }
        }
        let v = try ev.eval(e, src)
        switch v {
        case .scalar: throw fail("`\(name)` is a single value, not a variable", e.range, src)
        case .column(let c):
            switch c {
            case .string(let codes, let dict):
                return .categorical(name: name, values: Categories(dictionaryCodes: codes, dictionary: dict))
            case .bool(let b):
                return .categorical(name: name, values: Categories(booleans: b, no: "false", yes: "true"), levels: ["false", "true"])
            case .date(let days):
                return Self.dateVariable(name, days)
            case .int, .double:
                if let b = c.booleans() {
                    return .categorical(name: name, values: Categories(booleans: b, no: "0", yes: "1"), levels: ["0", "1"])
                }
                return .continuous(name: name, values: c.doubles()!, summary: .meanSD)
            }
        }
    }
}
