import Foundation
import Testing

/// Tolerances named once: closed-form results match R to 1e-9 absolute, iterative fits
/// (Cox, cox.zph) to 1e-6 relative.
enum Tolerance {
    static let closedForm = 1e-9
    static let iterativeRelative = 1e-6
}

/// Reads the committed copies of R's reference results below `Tests/Fixtures` for the
/// language tests (the RuntimeTests target has its own loader). JSON `null` is R's NA; the
/// strings "Inf", "-Inf", "NaN" are non-finite numbers.
struct LangFixture {
    let root: [String: Any]

    /// `relativePath` is below `Tests/Fixtures`, e.g. `lart/lart_registry.ref.json`.
    init(_ relativePath: String) throws {
        let data = try Data(contentsOf: LangFixture.url(relativePath))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LangFixtureError.malformed(relativePath)
        }
        root = object
    }

    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // LangTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures")
    }

    static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// A fixture path as a String (for a `Session`'s base directory or a CSV path).
    static func path(_ relativePath: String) -> String { url(relativePath).path }

    var cases: [[String: Any]] { root["cases"] as? [[String: Any]] ?? [] }

    var caseIDs: [String] { cases.compactMap { $0["id"] as? String } }

    /// The case with this `id`.
    func `case`(_ id: String) throws -> [String: Any] {
        guard let c = cases.first(where: { $0["id"] as? String == id }) else { throw LangFixtureError.missingCase(id) }
        return c
    }

    /// The `results` object of the case with this `id`.
    func results(_ id: String) throws -> [String: Any] {
        guard let r = try self.case(id)["results"] as? [String: Any] else { throw LangFixtureError.malformed(id) }
        return r
    }
}

enum LangFixtureError: Error { case missingCase(String), malformed(String) }

/// R number from JSON: nil for NA (`null`), Double for numbers and "Inf"/"-Inf"/"NaN".
func rNumber(_ any: Any?) -> Double? {
    switch any {
    case let n as NSNumber: return n.doubleValue
    case let s as String:
        switch s { case "Inf": return .infinity; case "-Inf": return -.infinity; case "NaN": return .nan; default: return Double(s) }
    default: return nil
    }
}

/// An array of R numbers (nil = NA).
func rNumbers(_ any: Any?) -> [Double?] {
    (any as? [Any] ?? []).map { rNumber($0) }
}

/// A JSON object, or an empty one.
func object(_ any: Any?) -> [String: Any] { any as? [String: Any] ?? [:] }

/// Expects `actual` to equal R's `expected` (both NA, or both within `abs` absolute or
/// `rel` relative tolerance; non-finite values must be equal).
func expectClose(_ actual: Double?, _ expected: Double?, abs absTol: Double = Tolerance.closedForm,
                 rel relTol: Double = 0, _ what: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    switch (actual, expected) {
    case (nil, nil): return
    case let (a?, e?):
        if a.isNaN && e.isNaN { return }
        if a.isInfinite || e.isInfinite {
            #expect(a == e, "\(what()): got \(a), R has \(e)", sourceLocation: sourceLocation); return
        }
        let ok = Swift.abs(a - e) <= absTol || Swift.abs(a - e) <= relTol * Swift.abs(e)
        #expect(ok, "\(what()): got \(a), R has \(e) (diff \(a - e))", sourceLocation: sourceLocation)
    default:
        Issue.record("\(what()): got \(String(describing: actual)), R has \(String(describing: expected))",
                     sourceLocation: sourceLocation)
    }
}

/// Element-wise `expectClose` of two series, after checking their lengths.
func expectClose(_ actual: [Double?], _ expected: [Double?], abs absTol: Double = Tolerance.closedForm,
                 rel relTol: Double = 0, _ what: @autoclosure () -> String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what()): \(actual.count) values, R has \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for i in actual.indices {
        expectClose(actual[i], expected[i], abs: absTol, rel: relTol, "\(what())[\(i)]", sourceLocation: sourceLocation)
    }
}
