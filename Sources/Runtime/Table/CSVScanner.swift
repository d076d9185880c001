/// The CSV tokenizer: records field by field.
extension CSVReader {

    // MARK: - Scanning

    /// Walks records field by field. `field` gets (columnIndex, bytes).
    struct Scanner {
        let buf: UnsafeBufferPointer<UInt8>
        let delimiter: UInt8
        var pos: Int
        var line = 1
        /// The line the last record started on.
        var recordLine = 1
        var scratch = [UInt8]()
        /// Column names for messages (empty while the header is read).
        var names: [String] = []
        /// The columns whose fields are passed to `record`'s closure (empty: all). A quoted
        /// field of another column is stepped over without copying; unquoted fields are
        /// always passed (in place, which costs nothing).
        var wanted: [Bool] = []

        init(buf: UnsafeBufferPointer<UInt8>, delimiter: UInt8) {
            self.buf = buf
            self.delimiter = delimiter
            pos = Self.start(of: buf)
        }

        /// Where the text starts: after a UTF-8 byte-order mark, if any.
        static func start(of buf: UnsafeBufferPointer<UInt8>) -> Int {
            (buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) ? 3 : 0
        }

        func columnName(_ col: Int) -> String {
            col < names.count ? names[col] : String(col + 1)
        }

        /// Steps over blank lines before `end` (as `record` does before a record), counting them.
        mutating func skipBlankLines(upTo end: Int) {
            while pos < end, buf[pos] == 10 || buf[pos] == 13 {
                if buf[pos] == 10 { line += 1 }
                pos += 1
            }
        }

        /// Reads one record; returns the number of fields, or nil at end of input.
        /// Blank lines are skipped.
        @inline(__always)
        mutating func record(_ origin: String, _ field: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int? {
            // Position and line in locals (registers) while scanning; written back at the end.
            let d = delimiter
            let n = buf.count
            guard let base = buf.baseAddress else { return nil }
            var p = pos
            var ln = line
            defer { pos = p; line = ln }
            while p < n, base[p] == 10 || base[p] == 13 {
                if base[p] == 10 { ln += 1 }
                p += 1
            }
            if p >= n { return nil }
            recordLine = ln
            var col = 0
            while true {
                if p < n, base[p] == 34 { // quoted field
                    let startLine = ln
                    let want = wanted.isEmpty || (col < wanted.count && wanted[col])
                    p += 1
                    // The field is passed in place unless it has a doubled quote: then it
                    // is copied, from there on, into `scratch`.
                    let from = p
                    var copying = false
                    var closed = false
                    while p < n {
                        let c = base[p]
                        if c == 34 {
                            if p + 1 < n, base[p + 1] == 34 {
                                if want {
                                    if !copying {
                                        scratch.removeAll(keepingCapacity: true)
                                        scratch.append(contentsOf: UnsafeBufferPointer(start: base + from, count: p - from))
                                        copying = true
                                    }
                                    scratch.append(34)
                                }
                                p += 2; continue
                            }
                            p += 1; closed = true; break
                        }
                        if c == 10 { ln += 1 }
                        if copying { scratch.append(c) }
                        p += 1
                    }
                    if !closed {
                        throw DataError(file: origin, line: startLine, column: columnName(col),
                                        message: "a quoted field is never closed: add the closing \" (the field runs to the end of the file)")
                    }
                    if want {
                        if copying {
                            try scratch.withUnsafeBufferPointer { try field(col, $0) }
                        } else {
                            try field(col, UnsafeBufferPointer(start: base + from, count: p - 1 - from))
                        }
                    }
                    if p < n, base[p] != d, base[p] != 10, base[p] != 13 {
                        throw afterQuote(origin, col, startLine, at: p, line: ln)
                    }
                } else {
                    let start = p
                    while p < n { let c = base[p]; if c == d || c == 10 || c == 13 { break }; p += 1 }
                    try field(col, UnsafeBufferPointer(start: base + start, count: p - start))
                }
                col += 1
                if p >= n { break }
                let c = base[p]
                if c == d { p += 1; if p >= n { try field(col, UnsafeBufferPointer(start: base + p, count: 0)); col += 1; break }; continue }
                // end of record
                if c == 13 { p += 1; if p < n, base[p] == 10 { p += 1 } } else { p += 1 }
                ln += 1
                break
            }
            return col
        }

        /// The error for text after a closing quote (at `pos`), with what the text suggests.
        private func afterQuote(_ origin: String, _ col: Int, _ startLine: Int, at pos: Int, line: Int) -> DataError {
            var end = pos
            while end < buf.count, end - pos < 20, buf[end] != 10, buf[end] != 13 { end += 1 }
            let after = String(decoding: UnsafeBufferPointer(rebasing: buf[pos..<end]), as: UTF8.self)
            var message = "unexpected text after a closing quote (\(CSVReader.quote(after)))"
            if startLine != line { message += ", in a quoted field opened on line \(startLine)" }
            message += "; a quote inside a quoted field is written \"\""
            let c = buf[pos]
            if c == 44 || c == 59 || c == 9 {
                let name = c == 44 ? "\",\"" : c == 59 ? "\";\"" : "\"\\t\""
                message += "; if the fields are separated by \(name), say so: delimiter \(name)"
            }
            return DataError(file: origin, line: line, column: columnName(col), message: message)
        }
    }
}
