import Runtime

/// Turns source bytes into tokens. Never throws: a bad lexeme becomes an `.error` token and
/// lexing continues, so the parser can report it at its position.
public struct Lexer {
    let source: SourceFile
    var pos = 0
    var depth = 0  // open ( and [ : newlines inside brackets are not statement ends

    public init(_ source: SourceFile) { self.source = source }

    public static func tokenize(_ source: SourceFile) -> [Token] {
        var lexer = Lexer(source)
        var out = [Token]()
        while true {
            let t = lexer.next()
            out.append(t)
            if t.kind == .eof { return out }
        }
    }

    private var bytes: [UInt8] { source.bytes }

    private func peek(_ k: Int = 0) -> UInt8? { pos + k < bytes.count ? bytes[pos + k] : nil }

    private static func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 48 && $0 <= 57 } ?? false }
    private static func isIdentStart(_ c: UInt8?) -> Bool {
        guard let c else { return false }
        return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 0x80
    }
    private static func isIdentPart(_ c: UInt8?) -> Bool { isIdentStart(c) || isDigit(c) }

    mutating func next() -> Token {
        // Skip blanks and comments.
        while let c = peek() {
            if c == 32 || c == 9 || c == 13 { pos += 1; continue }
            if c == 35 { while let d = peek(), d != 10 { pos += 1 }; continue }  // # comment
            if c == 10 && depth > 0 {
                // A line that starts (unindented) with a statement keyword begins a new
                // statement even inside an unclosed bracket: this stops one missing `)`
                // from swallowing the rest of the file.
                if startsStatement(at: pos + 1) { depth = 0; break }
                pos += 1; continue
            }
            break
        }
        let start = pos
        guard let c = peek() else { return Token(kind: .eof, range: start..<start, text: "") }
        func make(_ k: Token.Kind, _ n: Int) -> Token {
            pos += n
            return Token(kind: k, range: start..<pos, text: source.slice(start..<pos))
        }
        switch c {
        case 10: return make(.newline, 1)
        case 124: return make(.pipe, 1)
        case 43: return make(.plus, 1)
        case 45: return make(.minus, 1)
        case 42: return make(.star, 1)
        case 47: return make(.slash, 1)
        case 58: return make(.colon, 1)
        case 44: return make(.comma, 1)
        case 126: return make(.tilde, 1)
        case 40: depth += 1; return make(.leftParen, 1)
        case 41: depth = max(0, depth - 1); return make(.rightParen, 1)
        case 91: depth += 1; return make(.leftBracket, 1)
        case 93: depth = max(0, depth - 1); return make(.rightBracket, 1)
        case 61: return peek(1) == 61 ? make(.equal, 2) : make(.assign, 1)
        case 33:
            if peek(1) == 61 { return make(.notEqual, 2) }
            return make(.error("unexpected `!`: write `!=` for not-equal, or `not` to negate"), 1)
        case 60: return peek(1) == 61 ? make(.lessEqual, 2) : make(.less, 1)
        case 62: return peek(1) == 61 ? make(.greaterEqual, 2) : make(.greater, 1)
        case 34: return string(start)
        case 96: return backtick(start)
        // R's spellings, told in lart's.
        case 39: return make(.error("unexpected `'`: text is written in double quotes (`\"F\"`)"), 1)
        case 38:
            let twice = peek(1) == 38
            return make(.error("unexpected `\(twice ? "&&" : "&")`: write `and`"), twice ? 2 : 1)
        case 37 where peek(1) == 105 && peek(2) == 110 && peek(3) == 37:
            return make(.error("unexpected `%in%`: write `x in [\"a\", \"b\"]`"), 4)
        case 94: return make(.error("unexpected `^`: lart has no power operator; write `age * age`, or `exp(p * log(x))`"), 1)
        case 46:
            if Lexer.isDigit(peek(1)) { return number(start) }
            return make(.dot, 1)
        default:
            if Lexer.isDigit(c) { return number(start) }
            if Lexer.isIdentStart(c) {
                while Lexer.isIdentPart(peek()) { pos += 1 }
                return Token(kind: .identifier, range: start..<pos, text: source.slice(start..<pos))
            }
            let scalarLength = c < 0x80 ? 1 : 1
            return make(.error("unexpected character `\(source.slice(start..<start + scalarLength))`"), scalarLength)
        }
    }

    private func startsStatement(at offset: Int) -> Bool {
        var end = offset
        while end < bytes.count, Lexer.isIdentPart(bytes[end]) { end += 1 }
        guard end > offset, end < bytes.count ? (bytes[end] == 32 || bytes[end] == 10 || bytes[end] == 9) : true else { return false }
        return ["use", "param", "let", "endpoint", "cohort", "set", "flow", "count", "table1"].contains(source.slice(offset..<end))
    }

    private mutating func string(_ start: Int) -> Token {
        pos += 1
        var value = [UInt8]()
        while let c = peek() {
            if c == 34 {
                pos += 1
                return Token(kind: .string(String(decoding: value, as: UTF8.self)), range: start..<pos, text: source.slice(start..<pos))
            }
            if c == 10 { break }
            if c == 92, let e = peek(1) {  // backslash escapes
                switch e {
                case 110: value.append(10)
                case 116: value.append(9)
                case 34: value.append(34)
                case 92: value.append(92)
                default: value.append(92); value.append(e)
                }
                pos += 2
                continue
            }
            value.append(c)
            pos += 1
        }
        return Token(kind: .error("unterminated string: add a closing `\"` before the end of the line"),
                     range: start..<pos, text: source.slice(start..<pos))
    }

    private mutating func backtick(_ start: Int) -> Token {
        pos += 1
        let nameStart = pos
        while let c = peek(), c != 96, c != 10 { pos += 1 }
        guard peek() == 96 else {
            return Token(kind: .error("unterminated quoted name: add a closing backtick"), range: start..<pos, text: source.slice(start..<pos))
        }
        let name = source.slice(nameStart..<pos)
        pos += 1
        if name.isEmpty { return Token(kind: .error("empty quoted name"), range: start..<pos, text: "``") }
        return Token(kind: .identifier, range: start..<pos, text: name, quoted: true)
    }

    /// number   -> digits ("." digits)? (("e"|"E") sign? digits)? unit?
    /// date     -> dddd "-" dd "-" dd
    private mutating func number(_ start: Int) -> Token {
        // ISO date literal.
        if pos + 10 <= bytes.count,
           (0..<4).allSatisfy({ Lexer.isDigit(bytes[pos + $0]) }), bytes[pos + 4] == 45,
           Lexer.isDigit(bytes[pos + 5]), Lexer.isDigit(bytes[pos + 6]), bytes[pos + 7] == 45,
           Lexer.isDigit(bytes[pos + 8]), Lexer.isDigit(bytes[pos + 9]), !Lexer.isIdentPart(pos + 10 < bytes.count ? bytes[pos + 10] : nil) {
            pos += 10
            let text = source.slice(start..<pos)
            if case .date(let d) = CivilDate.parse(text) {
                return Token(kind: .date(d.days), range: start..<pos, text: text)
            }
            return Token(kind: .error("`\(text)` is not a real date (YYYY-MM-DD)"), range: start..<pos, text: text)
        }
        while Lexer.isDigit(peek()) { pos += 1 }
        if peek() == 46, Lexer.isDigit(peek(1)) { pos += 1; while Lexer.isDigit(peek()) { pos += 1 } }
        if peek() == 101 || peek() == 69, Lexer.isDigit(peek(1)) || ((peek(1) == 45 || peek(1) == 43) && Lexer.isDigit(peek(2))) {
            pos += 2
            while Lexer.isDigit(peek()) { pos += 1 }
        }
        let numberEnd = pos
        let value = Double(source.slice(start..<numberEnd)) ?? .nan
        if Lexer.isIdentStart(peek()) {
            let unitStart = pos
            while Lexer.isIdentPart(peek()) { pos += 1 }
            let unit = source.slice(unitStart..<pos)
            if let u = DurationUnit.parse(unit) {
                return Token(kind: .duration(value, u), range: start..<pos, text: source.slice(start..<pos))
            }
            let millimetres: [String: Double] = ["mm": 1, "cm": 10, "in": 25.4]
            if let factor = millimetres[unit] {
                return Token(kind: .length(value * factor), range: start..<pos, text: source.slice(start..<pos))
            }
            return Token(kind: .error("`\(unit)` is not a duration unit: write d (days), w (weeks), mo (months) or y (years), e.g. `12mo`"),
                         range: start..<pos, text: source.slice(start..<pos))
        }
        return Token(kind: .number(value), range: start..<numberEnd, text: source.slice(start..<numberEnd))
    }
}
