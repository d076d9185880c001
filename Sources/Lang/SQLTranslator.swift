import Runtime

/// A condition or value as SQL, with the kind of value it gives.
struct SQLValue {
    enum Kind { case bool, number, text, date, null }
    var sql: String
    var kind: Kind
}

/// Translates expressions to SQL where the database computes exactly what the evaluator
/// would: comparisons, `and`/`or`/`not` (SQL's three-valued logic is R's), `in` lists of
/// literals, `is missing`, `+ - *` on numbers, literals, parameters and `let` columns built
/// from those. Anything else (functions, aggregates, `/`, date arithmetic, ordering of text,
/// 0/1 integer columns used as conditions) gives nil and runs in memory.
struct SQLTranslator {
    let dialect: SQLDialect
    let columns: [String: Column.Kind]
    let lets: [String: Bound]
    let params: [String: Scalar]
    let monthDays: Double
    var visiting: Set<String> = []

    func quote(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }

    func literal(_ s: String) -> String { "'" + s.replacing("'", with: "''") + "'" }

    func number(_ x: Double) -> SQLValue? {
        guard x.isFinite else { return nil }
        let text = formatNumber(x)
        return SQLValue(sql: x < 0 ? "(\(text))" : text, kind: .number)
    }

    func date(_ days: Int32) -> SQLValue {
        let text = literal(CivilDate(days: days).description)
        switch dialect {
        case .postgres: return SQLValue(sql: "DATE " + text, kind: .date)
        case .sqlite: return SQLValue(sql: text, kind: .date)
        }
    }

    func scalar(_ s: Scalar) -> SQLValue? {
        switch s {
        case .number(let x), .duration(let x): return number(x)
        case .text(let t): return SQLValue(sql: literal(t), kind: .text)
        case .bool(let b): return SQLValue(sql: b ? "TRUE" : "FALSE", kind: .bool)
        case .date(let d): return date(d)
        case .missing: return SQLValue(sql: "NULL", kind: .null)
        }
    }

    /// A column as the evaluator sees it: NaN and empty text are missing.
    func column(_ name: String, _ kind: Column.Kind) -> SQLValue {
        let q = quote(name)
        switch kind {
        case .double:
            switch dialect {
            case .postgres: return SQLValue(sql: "NULLIF(\(q), 'NaN')", kind: .number)
            case .sqlite: return SQLValue(sql: q, kind: .number)
            }
        case .int: return SQLValue(sql: q, kind: .number)
        case .bool: return SQLValue(sql: q, kind: .bool)
        case .date:
            switch dialect {
            case .postgres: return SQLValue(sql: q, kind: .date)
            case .sqlite: return SQLValue(sql: "NULLIF(\(q), '')", kind: .date)
            }
        case .string: return SQLValue(sql: "NULLIF(\(q), '')", kind: .text)
        }
    }

    /// A number from a number or a boolean (true = 1).
    func numeric(_ v: SQLValue) -> String? {
        switch v.kind {
        case .number, .null: return v.sql
        case .bool: return "CAST(\(v.sql) AS INTEGER)"
        case .text, .date: return nil
        }
    }

    func double(_ sql: String) -> String {
        switch dialect {
        case .postgres: return "CAST(\(sql) AS DOUBLE PRECISION)"
        case .sqlite: return "CAST(\(sql) AS REAL)"
        }
    }

    /// A row condition: true, false or missing.
    mutating func condition(_ e: Expr) -> String? {
        guard let v = translate(e), v.kind == .bool else { return nil }
        return v.sql
    }

    mutating func translate(_ e: Expr) -> SQLValue? {
        switch e.kind {
        case .number(let x): return number(x)
        case .string(let s): return SQLValue(sql: literal(s), kind: .text)
        case .bool(let b): return SQLValue(sql: b ? "TRUE" : "FALSE", kind: .bool)
        case .date(let d): return date(d)
        case .duration(let v, let u): return number(v * Evaluator.days(in: u, monthDays: monthDays))
        case .name(let n):
            if let kind = columns[n] { return column(n, kind) }
            if let b = lets[n] {
                guard !visiting.contains(n) else { return nil }
                visiting.insert(n)
                defer { visiting.remove(n) }
                return translate(b.expr)
            }
            if let p = params[n] { return scalar(p) }
            return nil
        case .negate(let inner):
            guard let v = translate(inner), v.kind == .number else { return nil }
            return SQLValue(sql: "(-\(v.sql))", kind: .number)
        case .not(let inner):
            guard let v = translate(inner), v.kind == .bool else { return nil }
            return SQLValue(sql: "(NOT \(v.sql))", kind: .bool)
        case .binary(let op, let l, let r):
            guard let a = translate(l), let b = translate(r) else { return nil }
            return binary(op, a, b)
        case .inList(let x, let items, let negated):
            guard !items.isEmpty, let v = translate(x) else { return nil }
            var values = [String]()
            for it in items {
                switch (v.kind, it.kind) {
                case (.text, .string(let s)): values.append(literal(s))
                case (.number, .number(let d)), (.bool, .number(let d)):
                    guard let n = number(d) else { return nil }
                    values.append(n.sql)
                case (.number, .negate(let inner)), (.bool, .negate(let inner)):
                    guard case .number(let d) = inner.kind, let n = number(-d) else { return nil }
                    values.append(n.sql)
                default: return nil
                }
            }
            guard let lhs = v.kind == .text ? v.sql : numeric(v) else { return nil }
            return SQLValue(sql: "(\(lhs) \(negated ? "NOT IN" : "IN") (\(values.joined(separator: ", "))))", kind: .bool)
        case .isMissing(let x, let negated):
            guard let v = translate(x) else { return nil }
            return SQLValue(sql: "(\(v.sql) IS \(negated ? "NOT NULL" : "NULL"))", kind: .bool)
        case .call, .list, .resultPart:
            return nil
        }
    }

    func binary(_ op: BinaryOperator, _ a: SQLValue, _ b: SQLValue) -> SQLValue? {
        switch op {
        case .and, .or:
            guard a.kind == .bool, b.kind == .bool else { return nil }
            return SQLValue(sql: "(\(a.sql) \(op == .and ? "AND" : "OR") \(b.sql))", kind: .bool)
        case .add, .subtract, .multiply:
            guard a.kind == .number || a.kind == .bool, b.kind == .number || b.kind == .bool,
                  let x = numeric(a), let y = numeric(b) else { return nil }
            let sign = op == .add ? "+" : op == .subtract ? "-" : "*"
            return SQLValue(sql: "(\(double(x)) \(sign) \(double(y)))", kind: .number)
        case .divide:
            return nil  // x / 0 is Inf in memory, an error in PostgreSQL
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            let sql: String
            switch op {
            case .equal: sql = "="
            case .notEqual: sql = "<>"
            case .less: sql = "<"
            case .lessEqual: sql = "<="
            case .greater: sql = ">"
            case .greaterEqual: sql = ">="
            case .and, .or, .add, .subtract, .multiply, .divide: return nil
            }
            if a.kind == .text || b.kind == .text {
                // Equality only: the order of text is the server's collation, not lart's.
                guard op == .equal || op == .notEqual, a.kind == .text || a.kind == .null, b.kind == .text || b.kind == .null else { return nil }
                return SQLValue(sql: "(\(a.sql) \(sql) \(b.sql))", kind: .bool)
            }
            if a.kind == .date || b.kind == .date {
                guard a.kind == .date || a.kind == .null, b.kind == .date || b.kind == .null else { return nil }
                return SQLValue(sql: "(\(a.sql) \(sql) \(b.sql))", kind: .bool)
            }
            guard let x = numeric(a), let y = numeric(b) else { return nil }
            return SQLValue(sql: "(\(x) \(sql) \(y))", kind: .bool)
        }
    }
}
