import Foundation
import Testing
@testable import Runtime

/// `Moments.mean` and `Moments.variance` against R's `mean()` and `var()` to the last bit
/// (Tests/Fixtures/moments/moments.csv, written by moments.R beside it, R 4.2.2 on x86-64).
@Suite struct MomentsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/moments/moments.csv")

    /// Each line: the values, R's mean, R's variance (hexadecimal doubles).
    static func cases() throws -> [(x: [Double], mean: Double, variance: Double)] {
        try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n").map { line in
            let f = line.split(separator: ";").map { $0.split(separator: " ").map { Double(String($0))! } }
            return (f[0], f[1][0], f[2][0])
        }
    }

    #if arch(x86_64)
    @Test func meanAndVarianceAreRsToTheLastBit() throws {
        let cases = try Self.cases()
        #expect(cases.count == 60)
        var plainDiffers = 0
        for c in cases {
            #expect(Moments.mean(c.x) == c.mean, "\(c.x)")
            #expect(Moments.variance(c.x) == c.variance, "\(c.x)")
            // The plain two-pass formula in double, as lart had: differs from R on many of them.
            let m = c.x.reduce(0, +) / Double(c.x.count)
            let v = c.x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(c.x.count - 1)
            if m != c.mean || v != c.variance { plainDiffers += 1 }
        }
        #expect(plainDiffers >= 20)
    }
    #endif

    @Test func emptyAndSingleValues() {
        #expect(Moments.mean([Double]()).isNaN)
        #expect(Moments.mean([3.5]) == 3.5)
        #expect(Moments.variance([3.5]).isNaN)
        #expect(Moments.mean([1, .infinity]) == .infinity)
        #expect(Moments.mean([-Double.infinity, .infinity]).isNaN)
    }
}
