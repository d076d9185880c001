import Testing
@testable import Runtime

/// The radix ordering used by the survival estimators against the standard library's sort.
struct RowOrderTests {

    static func data(_ n: Int, seed: UInt64) -> (time: [Double], strata: [Int]) {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        var time = [Double](), strata = [Int]()
        for _ in 0..<n {
            // Ties, negative values, both zeros, tiny and huge magnitudes.
            switch next() % 8 {
            case 0: time.append(0.0)
            case 1: time.append(-0.0)
            case 2: time.append(-Double(next() % 50) / 4)
            case 3: time.append(Double(next()) * 1e300)
            case 4: time.append(Double(next() % 7) * Double.leastNormalMagnitude / 64)  // subnormal times
            default: time.append(Double(next() % 300) / 100)
            }
            strata.append(Int(next() % 3) - 1)
        }
        return (time, strata)
    }

    @Test(arguments: [0, 1, 5, 255, 256, 3000])
    func matchesComparisonSort(_ n: Int) {
        let (time, strata) = Self.data(n, seed: UInt64(n) + 7)
        let expectedAsc = (0..<n).sorted { time[$0] != time[$1] ? time[$0] < time[$1] : $0 < $1 }
        #expect(RowOrder.byStratumAndTime(time: time, strata: nil) == expectedAsc)
        let expectedStrata = (0..<n).sorted {
            if strata[$0] != strata[$1] { return strata[$0] < strata[$1] }
            return time[$0] != time[$1] ? time[$0] < time[$1] : $0 < $1
        }
        #expect(RowOrder.byStratumAndTime(time: time, strata: strata) == expectedStrata)
        let expectedDesc = (0..<n).sorted {
            if strata[$0] != strata[$1] { return strata[$0] < strata[$1] }
            return time[$0] != time[$1] ? time[$0] > time[$1] : $0 < $1
        }
        #expect(RowOrder.byStratumAndTime(time: time, strata: strata, descending: true) == expectedDesc)
    }

    /// A subset of rows in a given order: ties keep that order.
    @Test func subsetKeepsInputOrderOnTies() {
        let time: [Double] = (0..<1000).map { Double($0 % 10) }
        let rows = Array((0..<1000).reversed().filter { $0 % 3 != 0 })
        let expected = rows.enumerated().sorted {
            time[$0.element] != time[$1.element] ? time[$0.element] < time[$1.element] : $0.offset < $1.offset
        }.map(\.element)
        #expect(RowOrder.byStratumAndTime(time: time, strata: nil, rows: rows) == expected)
    }

    /// Few distinct times (the counting sort) and many (the radix sort on 32-bit prefixes,
    /// with runs that share a prefix but differ further down).
    @Test(arguments: [(4000, 300), (4000, 100_000)])
    func countingAndPrefixPaths(_ n: Int, _ distinct: Int) {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        // Values 1 + k * 2^-50 share their top 32 bits for many k; the others spread out.
        let time: [Double] = (0..<n).map { i in
            let k = Double(next() % UInt64(distinct))
            return i % 5 == 0 ? 1 + k * 0x1p-50 : k / 7 - 3
        }
        let strata = (0..<n).map { _ in Int(next() % 2) }
        let expected = (0..<n).sorted {
            if strata[$0] != strata[$1] { return strata[$0] < strata[$1] }
            return time[$0] != time[$1] ? time[$0] < time[$1] : $0 < $1
        }
        #expect(RowOrder.byStratumAndTime(time: time, strata: strata) == expected)
        // Dense ranks against a sort of the distinct values.
        let values = Array(Set(time)).sorted()
        let (rank, count) = RowOrder.denseRanks(time)
        #expect(count == values.count)
        #expect(rank.map { values[Int($0) - 1] } == time)
        // The rank order: a stable sort, with the dense rank of each place.
        let keys = time.map { RowOrder.key($0) }
        let ranked = RowOrder.rankOrder(keys: keys)
        #expect(ranked.count == values.count)
        #expect(ranked.order.map { Int($0) } == (0..<n).sorted { time[$0] != time[$1] ? time[$0] < time[$1] : $0 < $1 })
        #expect(ranked.order.indices.allSatisfy { ranked.rank[$0] == rank[Int(ranked.order[$0])] })
    }

    /// Sorted positions (counting path with and without strata, and the radix fallback) are
    /// the inverse of the order.
    @Test(arguments: [(4000, 40), (4000, 100_000), (300, 5)])
    func positionsInvertTheOrder(_ n: Int, _ distinct: Int) {
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let time = (0..<n).map { _ in Double(next() % UInt64(distinct)) / 3 - 2 }
        let strata = (0..<n).map { _ in Int(next() % 3) * 5 - 4 }
        for s in [nil, strata] {
            let order = RowOrder.byStratumAndTime(time: time, strata: s)
            let position = RowOrder.positions(time: time, strata: s)
            #expect((0..<n).allSatisfy { order[Int(position[$0])] == $0 })
            #expect(RowOrder.scatter(time, to: position, zero: 0) == order.map { time[$0] })
        }
    }

    /// The buckets of (stratum, time) on many rows (ids found by two threads, then merged):
    /// each row's bucket is the rank of its pair, the times are the first met of each (so
    /// -0 or +0, whichever comes first), against a sort.
    @Test(arguments: [false, true])
    func bucketsOnManyRows(_ withStrata: Bool) throws {
        let n = 70_000
        var state: UInt64 = 31
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        // Early rows of the second half bring keys the first half also has, and -0 before +0.
        let time: [Double] = (0..<n).map { i in
            if i == 10 { return -0.0 }
            if i == 11 { return 0.0 }
            return Double(next() % 900) / 8 - 20
        }
        let strata = (0..<n).map { _ in Int(next() % 3) * 7 - 2 }
        let b = try #require(RowOrder.buckets(time: time, strata: withStrata ? strata : nil))
        let times = Array(Set(time.map { $0 == 0 ? 0.0 : $0 })).sorted()
        let strataValues = withStrata ? Array(Set(strata)).sorted() : [0]
        #expect(b.count == times.count * strataValues.count)
        #expect(b.times.map(\.bitPattern) == times.map { t in time.first { $0 == t }!.bitPattern })
        #expect(b.times[times.firstIndex(of: 0)!].sign == .minus)
        #expect(b.strata == strataValues)
        for i in stride(from: 0, to: n, by: 7) {
            let s = withStrata ? strataValues.firstIndex(of: strata[i])! : 0
            #expect(Int(b.bucket[i]) == s * times.count + times.firstIndex(of: time[i])!)
        }
    }
}
