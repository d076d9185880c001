#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64 as its authors advise.
/// Our own generator so that the cohort is the same on every platform and Swift version.
struct Xoshiro256 {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform on [0, 1) with 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform on (0, 1], safe for log.
    mutating func uniformPositive() -> Double { Double((next() >> 11) + 1) * 0x1.0p-53 }

    mutating func exponential(rate: Double) -> Double { -log(uniformPositive()) / rate }

    /// Competing risks: an event of cause 1 (hazard `rate1`) or 2 (`rate2`) against
    /// exponential censoring (`censoring`) and administrative censoring at `end`; the time
    /// observed, whether it is an event, and the cause drawn.
    mutating func competing(rate1: Double, rate2: Double, censoring: Double, end: Double) -> (Double, Bool, Int) {
        let tEvent = exponential(rate: rate1 + rate2)
        let cause = uniform() < rate1 / (rate1 + rate2) ? 1 : 2
        let tCensor = min(exponential(rate: censoring), end)
        return (min(tEvent, tCensor), tEvent <= tCensor, cause)
    }

    /// Standard normal by Box-Muller (one of the pair; simple and deterministic).
    mutating func normal() -> Double {
        let u1 = uniformPositive(), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// The synthetic cohort: one row per patient.
///
///   group  "A"/"B" (1:1)
///   x1     standard normal, 4 decimals
///   x2     uniform(0, 1), 4 decimals
///   x3     0/1 with P(1) = 0.4
///   x4     age-like, uniform 40-80, 1 decimal
///   x5     "lo"/"mid"/"hi" with probabilities 0.3/0.4/0.3
///   lp     0.4 [B] + 0.3 x1 - 0.5 x2 + 0.2 x3 + 0.02 (x4 - 60) + 0.25 [mid] + 0.5 [hi]
///   cause-1 hazard 0.10 exp(lp), cause-2 hazard 0.05, censoring hazard 0.05, administrative
///   censoring at 20; time = min(event, censoring) rounded to 0.01 (at least 0.01), so
///   there are at most 2000 distinct times and many ties.
///   event  1 when an event of either cause was observed, cause 0/1/2.
enum Cohort {
    static let seed: UInt64 = 20_240_601
    static let header = "time,event,cause,group,x1,x2,x3,x4,x5\n"
    static let columnCount = 9

    /// Writes `rows` rows to `path`, streaming in 1 MiB chunks.
    static func write(rows: Int, to path: String) throws {
        var rng = Xoshiro256(seed: seed)
        let levels: [[UInt8]] = [Array("lo".utf8), Array("mid".utf8), Array("hi".utf8)]
        try stream(to: path, header: header, rows: rows) { buf, _ in
            let isB = rng.uniform() < 0.5
            let x1 = (rng.normal() * 1e4).rounded() / 1e4
            let x2 = (rng.uniform() * 1e4).rounded() / 1e4
            let x3 = rng.uniform() < 0.4 ? 1 : 0
            let x4 = ((40 + 40 * rng.uniform()) * 10).rounded() / 10
            let u5 = rng.uniform()
            let x5 = u5 < 0.3 ? 0 : (u5 < 0.7 ? 1 : 2)
            let lp = (isB ? 0.4 : 0) + 0.3 * x1 - 0.5 * x2 + 0.2 * Double(x3) + 0.02 * (x4 - 60)
                + (x5 == 1 ? 0.25 : x5 == 2 ? 0.5 : 0)
            let (t, observed, causeDraw) = rng.competing(rate1: 0.10 * exp(lp), rate2: 0.05, censoring: 0.05, end: 20)
            let hundredths = max(1, Int64((t * 100).rounded()))
            appendFixed(&buf, hundredths, decimals: 2); buf.append(44)
            buf.append(observed ? 49 : 48); buf.append(44)
            buf.append(observed ? UInt8(48 + causeDraw) : 48); buf.append(44)
            buf.append(isB ? 66 : 65); buf.append(44)
            appendFixed(&buf, Int64((x1 * 1e4).rounded()), decimals: 4); buf.append(44)
            appendFixed(&buf, Int64((x2 * 1e4).rounded()), decimals: 4); buf.append(44)
            buf.append(UInt8(48 + x3)); buf.append(44)
            appendFixed(&buf, Int64((x4 * 10).rounded()), decimals: 1); buf.append(44)
            buf.append(contentsOf: levels[x5]); buf.append(10)
        }
    }

    /// Writes `header`, then row 0, 1, ... `rows - 1` as `row` appends them to the buffer,
    /// to `path` in chunks of about 1 MiB.
    static func stream(to path: String, header: String, rows: Int, _ row: (inout [UInt8], Int) -> Void) throws {
        guard let f = fopen(path, "wb") else { throw BenchError("cannot write \(path)") }
        defer { fclose(f) }
        var buf = [UInt8]()
        buf.reserveCapacity(1 << 20 + 256)
        buf.append(contentsOf: Array(header.utf8))
        func flush() throws {
            let n = buf.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            if n != buf.count { throw BenchError("short write to \(path)") }
            buf.removeAll(keepingCapacity: true)
        }
        for i in 0..<rows {
            row(&buf, i)
            if buf.count >= 1 << 20 { try flush() }
        }
        try flush()
    }

    /// Appends `scaled / 10^decimals` in fixed notation ("-0.0123", "12.5").
    static func appendFixed(_ buf: inout [UInt8], _ scaled: Int64, decimals: Int) {
        var v = scaled
        if v < 0 { buf.append(45); v = -v }
        // Digits least significant first, then reversed in place.
        let start = buf.count
        var k = 0
        repeat {
            if k == decimals && decimals > 0 { buf.append(46) }
            buf.append(UInt8(48 + v % 10)); v /= 10; k += 1
        } while v > 0 || k <= decimals
        buf[start...].reverse()
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
