import Testing
@testable import Lang

struct LexerTests {
    func kinds(_ text: String) -> [Token.Kind] {
        Lexer.tokenize(SourceFile(name: "t", text: text)).map(\.kind)
    }

    @Test func literals() {
        #expect(kinds("12 3.5 \"a b\" 2021-06-30 12mo 90d 6w 3y") == [
            .number(12), .number(3.5), .string("a b"), .date(18808), .duration(12, .months), .duration(90, .days),
            .duration(6, .weeks), .duration(3, .years), .eof,
        ])
    }

    @Test func operatorsAndWords() {
        #expect(kinds("a >= 1 and b != \"x\" | km") == [
            .identifier, .greaterEqual, .number(1), .identifier, .identifier, .notEqual, .string("x"), .pipe, .identifier, .eof,
        ])
        #expect(kinds("x == 1 # comment\ny") == [.identifier, .equal, .number(1), .newline, .identifier, .eof])
    }

    @Test func backtickNames() {
        let t = Lexer.tokenize(SourceFile(name: "t", text: "`ecog.ps` > 1"))
        #expect(t[0].text == "ecog.ps")
        #expect(t[0].quoted)
        #expect(!t[0].isWord("ecog.ps"))
    }

    @Test func newlinesInsideBracketsAreDropped() {
        #expect(kinds("f(a,\n b)") == [.identifier, .leftParen, .identifier, .comma, .identifier, .rightParen, .eof])
    }

    @Test func unterminatedString() {
        guard case .error(let m) = kinds("let x = \"abc")[3] else { Issue.record("expected an error token"); return }
        #expect(m.contains("unterminated string"))
    }

    @Test func badDuration() {
        guard case .error(let m) = kinds("at 12mth")[1] else { Issue.record("expected an error token"); return }
        #expect(m.contains("`mth` is not a duration unit"))
    }

    @Test func impossibleDate() {
        guard case .error(let m) = kinds("2019-13-02")[0] else { Issue.record("expected an error token"); return }
        #expect(m.contains("not a real date"))
    }

    @Test func locations() {
        let s = SourceFile(name: "t", text: "ab\ncdé f\n")
        #expect(s.location(of: 0) == (1, 1))
        #expect(s.location(of: 3) == (2, 1))
        // é is two bytes but one column.
        #expect(s.location(of: 8) == (2, 5))
        #expect(s.lineText(2) == "cdé f")
    }
}
