/// Values of one column, parsed from the server's text (`PostgresConnection.fetch`).
struct PostgresColumnBuilder {
    let kind: Column.Kind
    var ints = [Int64]()
    var doubles = [Double]()
    var bools = [UInt8]()
    var dates = [Int32]()
    var codes = [UInt32]()
    var dictionary = [String]()
    var index = [String: UInt32]()

    /// `character(n)`: trailing blanks are padding, as PostgreSQL compares them.
    let padded: Bool

    init(kind: Column.Kind, padded: Bool = false) { self.kind = kind; self.padded = padded }

    mutating func appendMissing() {
        switch kind {
        case .int: ints.append(Column.intNA)
        case .double: doubles.append(.nan)
        case .bool: bools.append(Column.boolNA)
        case .date: dates.append(Column.dateNA)
        case .string: codes.append(Column.stringNA)
        }
    }

    /// Appends a value; a message when it cannot be read as the column's kind.
    mutating func append(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        switch kind {
        case .int:
            var i = 0, negative = false, v: Int64 = 0
            if i < b.count, b[i] == 45 { negative = true; i += 1 }
            guard i < b.count else { return "'\(String(decoding: b, as: UTF8.self))' is not an integer" }
            while i < b.count {
                let d = b[i] &- 48
                guard d < 10 else { return "'\(String(decoding: b, as: UTF8.self))' is not an integer" }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return "'\(String(decoding: b, as: UTF8.self))' is too large" }
                v = s; i += 1
            }
            ints.append(negative ? -v : v)
        case .double:
            let text = String(decoding: b, as: UTF8.self)
            guard let v = Double(text) else { return "'\(text)' is not a number" }
            doubles.append(v)
        case .bool:
            guard b.count == 1, b[0] == 116 || b[0] == 102 else { return "'\(String(decoding: b, as: UTF8.self))' is not a boolean" }
            bools.append(b[0] == 116 ? 1 : 0)
        case .date:
            guard case .date(let d) = CivilDate.parse(b) else {
                return "'\(String(decoding: b, as: UTF8.self))' is not a calendar date lart can use; filter it out or cast it in a query"
            }
            dates.append(d.days)
        case .string:
            var n = b.count
            if padded { while n > 0, b[n - 1] == 32 { n -= 1 } }
            // Empty text is missing, as in a CSV file or an SQLite database.
            if n == 0 { codes.append(Column.stringNA); return nil }
            let s = String(decoding: UnsafeBufferPointer(rebasing: b[0..<n]), as: UTF8.self)
            if let k = index[s] { codes.append(k) } else {
                let k = UInt32(dictionary.count)
                dictionary.append(s); index[s] = k; codes.append(k)
            }
        }
        return nil
    }

    func column() -> Column {
        switch kind {
        case .int: return .int(ints)
        case .double: return .double(doubles)
        case .bool: return .bool(bools)
        case .date: return .date(dates)
        case .string: return .string(codes: codes, dictionary: dictionary)
        }
    }
}
