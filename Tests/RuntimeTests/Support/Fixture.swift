import Foundation
import Testing
@testable import Runtime

/// Tolerances named once (see issue texts): closed-form results match R to 1e-9 absolute,
/// iterative fits to 1e-6 relative.
enum Tolerance {
    static let closedForm = 1e-9
    static let iterativeRelative = 1e-6
}

/// Reads the committed copies of R's reference results (`Tests/Fixtures/**.ref.json`, made
/// by R 4.2 with survival 3.5-3 and cmprsk 2.2-11; see `Tests/Fixtures/*/README.md`).
/// JSON `null` is R's NA; the strings "Inf", "-Inf", "NaN" are non-finite numbers.
struct Fixture {
    let root: [String: Any]

    /// `relativePath` is below `Tests/Fixtures`, e.g. `public/lung.ref.json`.
    init(_ relativePath: String) throws {
        let url = Fixture.url(relativePath)
        let data = try Data(contentsOf: url)
        root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // RuntimeTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures")
    }

    static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// Path of a fixture file (CSV) as a String, for `CSVReader.read(path:)`.
    static func path(_ relativePath: String) -> String { url(relativePath).path }

    /// The case with this `id`, or a test failure.
    func `case`(_ id: String) throws -> [String: Any] {
        let cases = root["cases"] as! [[String: Any]]
        guard let c = cases.first(where: { $0["id"] as? String == id }) else {
            throw FixtureError.missingCase(id)
        }
        return c
    }

    func cases(ofType type: String) -> [[String: Any]] {
        (root["cases"] as! [[String: Any]]).filter { $0["type"] as? String == type }
    }
}

enum FixtureError: Error { case missingCase(String), notANumber(String) }

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

/// Expects `actual` to equal R's `expected` (both NA, or both within `abs` absolute or
/// `rel` relative tolerance).
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
