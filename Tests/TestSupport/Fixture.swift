import Foundation
import Testing

/// Support shared by the test targets: the R fixture loader, R number decoding and
/// tolerance-aware comparisons.

/// Tolerances named once (see the issue texts): closed-form results match R to 1e-9
/// absolute, iterative fits (Cox, cox.zph, Fine-Gray) to 1e-6 relative.
public enum Tolerance {
    public static let closedForm = 1e-9
    public static let iterativeRelative = 1e-6
}

/// Reads the committed copies of R's reference results (`Tests/Fixtures/**.ref.json`, made
/// by R 4.2 with survival 3.5-3 and cmprsk 2.2-11; see `Tests/Fixtures/*/README.md`).
/// JSON `null` is R's NA; the strings "Inf", "-Inf", "NaN" are non-finite numbers.
public struct Fixture {
    public let root: [String: Any]

    /// `relativePath` is below `Tests/Fixtures`, e.g. `lart/lart_registry.ref.json`.
    public init(_ relativePath: String) throws {
        let data = try Data(contentsOf: Fixture.url(relativePath))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError.malformed(relativePath)
        }
        root = object
    }

    public static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TestSupport
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures")
    }

    public static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// A fixture path as a String (for a `Interpreter`'s base directory or a CSV path).
    public static func path(_ relativePath: String) -> String { url(relativePath).path }

    public var cases: [[String: Any]] { root["cases"] as? [[String: Any]] ?? [] }

    public var caseIDs: [String] { cases.compactMap { $0["id"] as? String } }

    /// The case with this `id`.
    public func `case`(_ id: String) throws -> [String: Any] {
        guard let c = cases.first(where: { $0["id"] as? String == id }) else { throw FixtureError.missingCase(id) }
        return c
    }

    /// The `results` object of the case with this `id`.
    public func results(_ id: String) throws -> [String: Any] {
        guard let r = try self.case(id)["results"] as? [String: Any] else { throw FixtureError.malformed(id) }
        return r
    }
}

extension Fixture {
    public func cases(ofType type: String) -> [[String: Any]] {
        cases.filter { $0["type"] as? String == type }
    }
}

public enum FixtureError: Error { case missingCase(String), malformed(String), notANumber(String) }

/// R number from JSON: nil for NA (`null`), Double for numbers and "Inf"/"-Inf"/"NaN".
public func rNumber(_ any: Any?) -> Double? {
    switch any {
    case let n as NSNumber: return n.doubleValue
    case let s as String:
        switch s { case "Inf": return .infinity; case "-Inf": return -.infinity; case "NaN": return .nan; default: return Double(s) }
    default: return nil
    }
}

/// An array of R numbers (nil = NA).
public func rNumbers(_ any: Any?) -> [Double?] {
    (any as? [Any] ?? []).map { rNumber($0) }
}

/// A JSON object, or an empty one.
public func object(_ any: Any?) -> [String: Any] { any as? [String: Any] ?? [:] }

/// Expects `actual` to equal R's `expected` (both NA, or both within `abs` absolute or
/// `rel` relative tolerance; non-finite values must be equal).
public func expectClose(_ actual: Double?, _ expected: Double?, abs absTol: Double = Tolerance.closedForm,
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
public func expectClose(_ actual: [Double?], _ expected: [Double?], abs absTol: Double = Tolerance.closedForm,
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
