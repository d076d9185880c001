// MARK: - RowOrder's keys with few distinct values: ids from hash tables, ranks and buckets

extension RowOrder {

    /// Keys with few distinct values (follow-up times rounded to days, group codes): an id
    /// per distinct key in order of first appearance (from a small open-addressing hash
    /// table), the id of every key, how often each id occurs, and the ids in increasing key
    /// order, so that one counting pass sorts. nil when there are more than
    /// `min(2^14, m / 8)` distinct keys (then the radix sort is cheaper).
    static func distinctIds(_ keys: UnsafeBufferPointer<UInt64>)
        -> (ids: [UInt32], distinct: [UInt64], counts: [Int], rankOrder: [Int])? {
        let m = keys.count
        var table = KeyIds(limit: min(1 << 14, m / 8))
        var counts = [Int]()
        var ids = [UInt32](repeating: 0, count: m)
        var lastKey = keys[0] &+ 1, lastId = 0
        let complete = ids.withUnsafeMutableBufferPointer { idOut -> Bool in
            for p in 0..<m {
                let k = keys[p]
                if k != lastKey {
                    guard let id = table.id(k) else { return false }
                    if id == counts.count { counts.append(0) }
                    lastKey = k; lastId = id
                }
                idOut[p] = UInt32(truncatingIfNeeded: lastId)
                counts[lastId] += 1
            }
            return true
        }
        guard complete else { return nil }
        return (ids, table.distinct, counts, table.rankOrder())
    }

    /// Rows grouped by (stratum, time) when there are few distinct pairs: for every row its
    /// bucket, numbered in (stratum, time) order as stratumRank * times.count + timeRank
    /// (some buckets may be empty), the distinct times ascending (the first value met of
    /// each) and the distinct strata ascending. nil with fewer than 256 rows or too many
    /// distinct values (the caller sorts instead). NaN times must have been removed.
    static func buckets(time: [Double], strata: [Int]?)
        -> (bucket: [UInt32], count: Int, times: [Double], strata: [Int])? {
        let n = time.count
        guard n >= 256, n < Int(UInt32.max) else { return nil }
        let limit = min(1 << 14, n / 8)
        guard let t = time.withUnsafeBufferPointer({ tv in denseKeyRanks(count: n, limit: limit) { key(tv[$0]) } })
        else { return nil }
        var stratumRanks: (rank: [UInt32], first: [Int])? = nil
        if let strata {
            stratumRanks = strata.withUnsafeBufferPointer { sv in denseKeyRanks(count: n, limit: limit) { key(sv[$0]) } }
            if stratumRanks == nil { return nil }
        }
        let dt = t.first.count
        let ds = stratumRanks?.first.count ?? 1
        guard dt * ds <= max(n / 4, 1 << 16) else { return nil }
        var bucket = t.rank
        if let sr = stratumRanks {
            bucket.withUnsafeMutableBufferPointer { b in
                sr.rank.withUnsafeBufferPointer { s in
                    for i in 0..<n { b[i] = s[i] &* UInt32(truncatingIfNeeded: dt) &+ b[i] }
                }
            }
        }
        let times = t.first.map { time[$0] }
        let strataValues = strata.map { s in stratumRanks!.first.map { s[$0] } } ?? [0]
        return (bucket, dt * ds, times, strataValues)
    }

    /// The rank 0..<d of every key among the d distinct keys `key(0..<count)` (in increasing
    /// order), and the first row with each; nil when there are more than `limit` distinct
    /// keys. Two threads each take half of the rows on many rows, with a hash table of their
    /// own (`KeyTable`: ids in order of first appearance); the two tables' keys are then
    /// sorted together (a radix sort carrying their ids, stable, so that the first half's
    /// first rows come first among equal keys) and each half's ids mapped to ranks.
    /// `expected`: about how many distinct keys there are (the tables start that large).
    static func denseKeyRanks(count n: Int, limit: Int, expected: Int = 0,
                              key: (Int) -> UInt64) -> (rank: [UInt32], first: [Int])? {
        let threads = n >= 1 << 16 ? 2 : 1
        func half(_ t: Int) -> Range<Int> { threads == 1 ? 0..<n : (t == 0 ? 0..<(n / 2) : (n / 2)..<n) }
        var ids = [UInt32](repeating: 0, count: n)
        // Per thread: its distinct keys and the first row of each, in id order; nil when
        // more than `limit`.
        var found = [(keys: [UInt64], first: [Int])?](repeating: nil, count: threads)
        ids.withUnsafeMutableBufferPointer { idOut in
        found.withUnsafeMutableBufferPointer { found in
            CSVReader.concurrently(threads) { t in
                let rows = half(t)
                guard !rows.isEmpty else { found[t] = ([], []); return }
                var table = KeyTable(expected: expected / threads)
                defer { table.deallocate() }
                var first: [Int] = []
                var lastKey = key(rows.lowerBound) &+ 1, lastId: UInt32 = 0
                for i in rows {
                    let k = key(i)
                    if k != lastKey {
                        let id = table.id(k)
                        if id == first.count {
                            if id >= limit { return }
                            first.append(i)
                        }
                        lastKey = k; lastId = UInt32(truncatingIfNeeded: id)
                    }
                    idOut[i] = lastId
                }
                found[t] = (table.keys(), first)
            }
        }
        }
        guard found.allSatisfy({ $0 != nil }) else { return nil }
        let parts = found.map { $0! }
        let all = parts.flatMap(\.keys)
        var rankOfId = [UInt32](repeating: 0, count: all.count)
        var first: [Int] = []
        if !all.isEmpty {
            let sorted = all.withUnsafeBufferPointer { radixPositions($0) }
            let allFirst = parts.flatMap(\.first)
            var rank: UInt32 = 0
            for i in 0..<all.count {
                let id = Int(sorted.positions[i])
                if i > 0 && all[id] != all[Int(sorted.positions[i - 1])] { rank += 1 }
                if first.count == Int(rank) { first.append(allFirst[id]) }
                rankOfId[id] = rank
            }
        }
        guard first.count <= limit else { return nil }
        // Each half's ids to ranks (the second half's ids follow the first half's).
        let offset = threads == 2 ? parts[0].keys.count : 0
        ids.withUnsafeMutableBufferPointer { idOut in
            rankOfId.withUnsafeBufferPointer { r in
                CSVReader.concurrently(threads) { t in
                    let base = r.baseAddress! + (t == 0 ? 0 : offset)
                    for i in half(t) { idOut[i] = base[Int(idOut[i])] }
                }
            }
        }
        return (ids, first)
    }
}

/// Ids 0, 1, 2, ... for distinct 64-bit keys in order of first appearance: an open-addressing
/// hash table (multiplicative hash, linear probing) that doubles when half full, refusing
/// keys beyond `limit` distinct ones.
struct KeyIds {
    let limit: Int
    private(set) var distinct: [UInt64] = []
    private var table: [UInt64]
    private var slotId: [Int32]
    private var bits = 8

    init(limit: Int) {
        self.limit = limit
        table = [UInt64](repeating: 0, count: 1 << bits)
        slotId = [Int32](repeating: -1, count: 1 << bits)
    }

    @inline(__always)
    private func slot(_ k: UInt64) -> Int {
        Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }

    /// The id of `k` (a new one for a new key); nil when that would exceed `limit`.
    @inline(__always)
    mutating func id(_ k: UInt64) -> Int? {
        let mask = (1 << bits) - 1
        var h = slot(k)
        while true {
            let s = Int(slotId[h])
            if s < 0 { break }
            if table[h] == k { return s }
            h = (h + 1) & mask
        }
        let id = distinct.count
        if id >= limit { return nil }
        distinct.append(k)
        table[h] = k
        slotId[h] = Int32(id)
        if 2 * distinct.count > table.count { grow() }
        return id
    }

    private mutating func grow() {
        bits += 1
        let mask = (1 << bits) - 1
        table = [UInt64](repeating: 0, count: 1 << bits)
        slotId = [Int32](repeating: -1, count: 1 << bits)
        for (j, v) in distinct.enumerated() {
            var g = slot(v)
            while slotId[g] >= 0 { g = (g + 1) & mask }
            table[g] = v
            slotId[g] = Int32(j)
        }
    }

    /// The ids in increasing key order.
    func rankOrder() -> [Int] { distinct.indices.sorted { distinct[$0] < distinct[$1] } }
}

/// Ids 0, 1, 2, ... for distinct 64-bit keys in order of first appearance, as `KeyIds` (the
/// same hash and linear probing, doubling when half full) without a limit, in memory of its
/// own, for one thread's loop over many rows. `deallocate()` when done.
struct KeyTable {
    private var key: UnsafeMutablePointer<UInt64>
    private var slotId: UnsafeMutablePointer<Int32>
    /// The keys in id order (room for three quarters of the slots).
    private var ordered: UnsafeMutablePointer<UInt64>
    private var bits = 8
    private(set) var count = 0

    /// Room for about `expected` keys before the first doubling (at least 192).
    init(expected: Int = 0) {
        while 3 << bits < 4 * expected && bits < 30 { bits += 1 }
        key = .allocate(capacity: 1 << bits)
        slotId = .allocate(capacity: 1 << bits)
        slotId.initialize(repeating: -1, count: 1 << bits)
        ordered = .allocate(capacity: (3 << bits) / 4 + 1)
    }

    mutating func deallocate() { key.deallocate(); slotId.deallocate(); ordered.deallocate() }

    /// The keys in order of their ids.
    func keys() -> [UInt64] { Array(UnsafeBufferPointer(start: ordered, count: count)) }

    /// The id of `k` (a new one for a new key).
    @inline(__always)
    mutating func id(_ k: UInt64) -> Int {
        let mask = (1 << bits) - 1
        var h = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
        while true {
            let s = Int(slotId[h])
            if s < 0 { break }
            if key[h] == k { return s }
            h = (h + 1) & mask
        }
        let id = count
        key[h] = k
        slotId[h] = Int32(truncatingIfNeeded: id)
        ordered[id] = k
        count += 1
        if 4 * count >= 3 << bits { grow() }
        return id
    }

    private mutating func grow() {
        bits += 1
        let size = 1 << bits, mask = size - 1
        key.deallocate(); slotId.deallocate()
        key = .allocate(capacity: size)
        slotId = .allocate(capacity: size)
        slotId.initialize(repeating: -1, count: size)
        let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: 3 * size / 4 + 1)
        bigger.update(from: ordered, count: count)
        ordered.deallocate()
        ordered = bigger
        for j in 0..<count {
            let k = ordered[j]
            var h = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
            while slotId[h] >= 0 { h = (h + 1) & mask }
            key[h] = k
            slotId[h] = Int32(truncatingIfNeeded: j)
        }
    }
}
