/// Stable orderings of rows by numeric keys, for the estimators that walk their data in time
/// order (Kaplan-Meier, log-rank, Cox, concordance, cumulative incidence).
///
/// Every key is first mapped to an unsigned 64-bit integer with the same order (`key(_:)`).
/// Keys with few distinct values (at most min(2^14, n/8)) are sorted by counting: an id per
/// distinct key from a small hash table, the distinct keys sorted, one scatter pass. Other
/// keys go through a least-significant-digit radix sort on the top 32 bits where they
/// differ (11-bit digits, at most three scatter passes, a pass skipped when every key has
/// the same digit there), runs equal on those bits then ordered by the full key. Both are
/// stable, so sorting by a minor key and then by a major key sorts by (major, minor), and
/// rows with equal keys keep their input order. Cost O(n) per pass over flat arrays,
/// instead of O(n log n) comparisons that each look up two rows.
///
/// Source: Knuth, The Art of Computer Programming vol. 3, sections 5.2 (counting sort),
/// 5.2.5 (radix sorting) and 6.4 (open addressing with linear probing);
/// the float-to-integer order map is the usual IEEE 754 sign-magnitude flip.
enum RowOrder {

    /// An unsigned integer with the same order as `x` (NaN excluded; -0 and +0 equal).
    @inline(__always)
    static func key(_ x: Double) -> UInt64 {
        let bits = (x == 0 ? 0.0 : x).bitPattern
        // Negative: all bits flipped; otherwise the sign bit set (without a branch: the
        // mask is all ones for a negative value, else 0).
        let mask = UInt64(bitPattern: Int64(bitPattern: bits) >> 63)
        return bits ^ (mask | (1 << 63))
    }

    /// An unsigned integer with the same order as `x`.
    @inline(__always)
    static func key(_ x: Int) -> UInt64 { UInt64(bitPattern: Int64(x)) ^ (1 << 63) }

    /// `rows` stably sorted by `key(row)` ascending.
    static func stableSorted(_ rows: [Int], by key: (Int) -> UInt64) -> [Int] {
        let m = rows.count
        if m < 256 || m > Int(UInt32.max) {
            // Small (or huge) inputs: comparison sort with the position as the tie-break.
            var pairs = [(key: UInt64, position: Int)]()
            pairs.reserveCapacity(m)
            for (p, r) in rows.enumerated() { pairs.append((key(r), p)) }
            pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
            return pairs.map { rows[$0.position] }
        }
        var keys = [UInt64](repeating: 0, count: m)
        keys.withUnsafeMutableBufferPointer { k in
            rows.withUnsafeBufferPointer { r in
                for p in 0..<m { k[p] = key(r[p]) }
            }
        }
        return rows.withUnsafeBufferPointer { r in
            keys.withUnsafeBufferPointer { k in
                var out = [Int](repeating: 0, count: m)
                out.withUnsafeMutableBufferPointer { o in
                    if let d = distinctIds(k) {
                        // Counting sort: start offset of each id (ids in key order), one scatter.
                        var offset = [Int](repeating: 0, count: d.distinct.count)
                        var running = 0
                        for id in d.rankOrder { offset[id] = running; running += d.counts[id] }
                        d.ids.withUnsafeBufferPointer { idIn in
                            offset.withUnsafeMutableBufferPointer { off in
                                for p in 0..<m {
                                    let id = Int(idIn[p])
                                    o[off[id]] = r[p]
                                    off[id] += 1
                                }
                            }
                        }
                    } else {
                        let sorted = radixPositions(k)
                        sorted.positions.withUnsafeBufferPointer { p in
                            for i in 0..<m { o[i] = r[Int(p[i])] }
                        }
                    }
                }
                return out
            }
        }
    }

    /// Dense ranks 1...count of `x` (equal values share a rank, -0 equals +0; no NaN), from
    /// one counting or radix sort of the keys.
    static func denseRanks(_ x: [Double]) -> (rank: [Int32], count: Int) {
        var keys = [UInt64](repeating: 0, count: x.count)
        keys.withUnsafeMutableBufferPointer { k in
            x.withUnsafeBufferPointer { v in for p in 0..<v.count { k[p] = key(v[p]) } }
        }
        return denseRanks(keys: keys)
    }

    /// Dense ranks 1...count of order-preserving keys (see `key(_:)`).
    static func denseRanks(keys: [UInt64]) -> (rank: [Int32], count: Int) {
        let m = keys.count
        var rank = [Int32](repeating: 0, count: m)
        if m == 0 { return (rank, 0) }
        precondition(m < Int(Int32.max), "too many values for 32-bit ranks")
        if m < 256 {
            let order = (0..<m).sorted { keys[$0] < keys[$1] }
            var size: Int32 = 0
            for i in 0..<m {
                if i == 0 || keys[order[i]] != keys[order[i - 1]] { size += 1 }
                rank[order[i]] = size
            }
            return (rank, Int(size))
        }
        let count = keys.withUnsafeBufferPointer { k in
            rank.withUnsafeMutableBufferPointer { out -> Int in
                if let d = distinctIds(k) {
                    var rankOfId = [Int32](repeating: 0, count: d.distinct.count)
                    for (r, id) in d.rankOrder.enumerated() { rankOfId[id] = Int32(r + 1) }
                    d.ids.withUnsafeBufferPointer { ids in
                        for p in 0..<m { out[p] = rankOfId[Int(ids[p])] }
                    }
                    return d.distinct.count
                }
                let sorted = radixPositions(k)
                var size: Int32 = 0
                sorted.positions.withUnsafeBufferPointer { pos in
                    sorted.prefix.withUnsafeBufferPointer { pre in
                        for i in 0..<m {
                            // Equal prefixes are equal keys when the prefix is the whole key.
                            if i == 0 || pre[i] != pre[i - 1]
                                || (!sorted.exact && k[Int(pos[i])] != k[Int(pos[i - 1])]) { size += 1 }
                            out[Int(pos[i])] = size
                        }
                    }
                }
                return Int(size)
            }
        }
        return (rank, count)
    }

    /// The positions of `keys` in ascending key order (stable) and the dense rank 1...count
    /// of the key at each of those positions (so `rank` is non-decreasing), from the same
    /// counting or radix sort as `denseRanks`.
    static func rankOrder(keys: [UInt64]) -> (order: [UInt32], rank: [Int32], count: Int) {
        let m = keys.count
        if m == 0 { return ([], [], 0) }
        precondition(m < Int(Int32.max), "too many values for 32-bit ranks")
        var order = [UInt32](repeating: 0, count: m)
        var rank = [Int32](repeating: 0, count: m)
        if m < 256 {
            let sorted = (0..<m).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            var size: Int32 = 0
            for i in 0..<m {
                if i == 0 || keys[sorted[i]] != keys[sorted[i - 1]] { size += 1 }
                order[i] = UInt32(truncatingIfNeeded: sorted[i]); rank[i] = size
            }
            return (order, rank, Int(size))
        }
        let count = keys.withUnsafeBufferPointer { k in
            order.withUnsafeMutableBufferPointer { out in
                rank.withUnsafeMutableBufferPointer { rk -> Int in
                    if let d = distinctIds(k) {
                        // Counting sort by id, ids taken in key order.
                        var offset = [Int](repeating: 0, count: d.distinct.count)
                        var rankOfId = [Int32](repeating: 0, count: d.distinct.count)
                        var running = 0
                        for (r, id) in d.rankOrder.enumerated() {
                            offset[id] = running; running += d.counts[id]; rankOfId[id] = Int32(r + 1)
                        }
                        d.ids.withUnsafeBufferPointer { ids in
                            for p in 0..<m {
                                let id = Int(ids[p])
                                let at = offset[id]
                                offset[id] = at + 1
                                out[at] = UInt32(truncatingIfNeeded: p); rk[at] = rankOfId[id]
                            }
                        }
                        return d.distinct.count
                    }
                    let sorted = radixPositions(k)
                    var size: Int32 = 0
                    sorted.positions.withUnsafeBufferPointer { pos in
                        sorted.prefix.withUnsafeBufferPointer { pre in
                            for i in 0..<m {
                                if i == 0 || pre[i] != pre[i - 1]
                                    || (!sorted.exact && k[Int(pos[i])] != k[Int(pos[i - 1])]) { size += 1 }
                                out[i] = pos[i]; rk[i] = size
                            }
                        }
                    }
                    return Int(size)
                }
            }
        }
        return (order, rank, count)
    }

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

    /// LSD radix sort (11-bit digits) on the top 32 bits where the keys differ, carrying
    /// positions; runs that share those 32 bits but differ further down are then sorted by
    /// the full key (stably: the positions in a run are increasing). For scores and other
    /// continuous values this is three scatter passes of 8 bytes per row instead of six of 12.
    /// Returns the positions in key order, the 32-bit prefixes in that order, and whether the
    /// prefix is the whole key (every key agrees above it).
    static func radixPositions(_ keys: UnsafeBufferPointer<UInt64>)
        -> (positions: [UInt32], prefix: [UInt32], exact: Bool) {
        let m = keys.count
        var differ: UInt64 = 0
        let first = keys[0]
        for p in 0..<m { differ |= keys[p] ^ first }
        let significant = 64 - differ.leadingZeroBitCount
        let shift = UInt64(max(significant - 32, 0))
        let digitBits = 11, radix = 1 << 11, passes = 3
        var prefix = [UInt32](repeating: 0, count: m)
        var positions = [UInt32](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: passes * radix)
        prefix.withUnsafeMutableBufferPointer { pre in
            counts.withUnsafeMutableBufferPointer { c in
                for p in 0..<m {
                    let v = UInt32(truncatingIfNeeded: keys[p] >> shift)
                    pre[p] = v
                    c[Int(v & 0x7FF)] += 1
                    c[radix + Int((v >> 11) & 0x7FF)] += 1
                    c[2 * radix + Int(v >> 22)] += 1
                }
            }
        }
        for p in 0..<m { positions[p] = UInt32(truncatingIfNeeded: p) }
        var prefix2 = [UInt32](repeating: 0, count: m)
        var positions2 = [UInt32](repeating: 0, count: m)
        var offsets = [Int](repeating: 0, count: radix)
        for d in 0..<passes {
            // Skip a digit that every key shares.
            let base = d * radix
            var trivial = false
            for b in 0..<radix where counts[base + b] != 0 { trivial = counts[base + b] == m; break }
            if trivial { continue }
            var running = 0
            for b in 0..<radix { offsets[b] = running; running += counts[base + b] }
            let digitShift = UInt32(d * digitBits)
            prefix.withUnsafeBufferPointer { kIn in
                positions.withUnsafeBufferPointer { pIn in
                    prefix2.withUnsafeMutableBufferPointer { kOut in
                        positions2.withUnsafeMutableBufferPointer { pOut in
                            offsets.withUnsafeMutableBufferPointer { o in
                                for i in 0..<m {
                                    let v = kIn[i]
                                    let b = Int((v >> digitShift) & UInt32(radix - 1))
                                    let at = o[b]
                                    o[b] = at + 1
                                    kOut[at] = v
                                    pOut[at] = pIn[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&prefix, &prefix2)
            swap(&positions, &positions2)
        }
        if shift > 0 {
            // Runs equal on the prefix: order by the full key (insertion sort keeps the
            // increasing positions of equal keys in order).
            positions.withUnsafeMutableBufferPointer { pos in
                var start = 0
                while start < m {
                    var end = start + 1
                    while end < m && prefix[end] == prefix[start] { end += 1 }
                    if end - start > 1 {
                        if end - start <= 32 {
                            for i in (start + 1)..<end {
                                let v = pos[i], kv = keys[Int(v)]
                                var j = i
                                while j > start && keys[Int(pos[j - 1])] > kv { pos[j] = pos[j - 1]; j -= 1 }
                                pos[j] = v
                            }
                        } else {
                            var run = Array(pos[start..<end])
                            run.sort { keys[Int($0)] != keys[Int($1)] ? keys[Int($0)] < keys[Int($1)] : $0 < $1 }
                            for i in start..<end { pos[i] = run[i - start] }
                        }
                    }
                    start = end
                }
            }
        }
        return (positions, prefix, shift == 0)
    }

    /// Rows `0..<time.count` (or `rows`) ordered by (stratum, time), ascending or with time
    /// descending; equal keys keep their input order. NaN times must have been removed.
    static func byStratumAndTime(time: [Double], strata: [Int]?, rows: [Int]? = nil,
                                 descending: Bool = false) -> [Int] {
        let start = rows ?? Array(0..<time.count)
        var order = time.withUnsafeBufferPointer { t in
            descending ? stableSorted(start) { ~key(t[$0]) } : stableSorted(start) { key(t[$0]) }
        }
        if let strata {
            order = strata.withUnsafeBufferPointer { s in stableSorted(order) { key(s[$0]) } }
        }
        return order
    }

    /// The sorted position of every row `0..<time.count` in the order of `byStratumAndTime`
    /// (stratum, then time ascending, ties in input order): the inverse permutation. With
    /// few distinct (stratum, time) pairs it comes from a counting sort without building the
    /// order: ids per row, bucket offsets, then positions handed out in one sequential pass.
    /// Callers then write each row's values to its position, reading the rows in input
    /// order; with few buckets those writes stream (one moving cursor per bucket), instead
    /// of gathering every value from a random row. NaN times must have been removed.
    static func positions(time: [Double], strata: [Int]?) -> [UInt32] {
        let n = time.count
        precondition(n < Int(UInt32.max), "too many rows for 32-bit positions")
        var out = [UInt32](repeating: 0, count: n)
        if let b = buckets(time: time, strata: strata) {
            var offset = [Int](repeating: 0, count: b.count + 1)
            b.bucket.withUnsafeBufferPointer { bk in
                for i in 0..<n { offset[Int(bk[i]) + 1] += 1 }
            }
            for k in 1..<offset.count { offset[k] += offset[k - 1] }
            out.withUnsafeMutableBufferPointer { o in
                b.bucket.withUnsafeBufferPointer { bk in
                    offset.withUnsafeMutableBufferPointer { c in
                        for i in 0..<n {
                            let bucket = Int(bk[i])
                            o[i] = UInt32(truncatingIfNeeded: c[bucket])
                            c[bucket] += 1
                        }
                    }
                }
            }
            return out
        }
        let order = byStratumAndTime(time: time, strata: strata)
        out.withUnsafeMutableBufferPointer { o in
            for (pos, i) in order.enumerated() { o[i] = UInt32(truncatingIfNeeded: pos) }
        }
        return out
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

    /// `values` written to their sorted positions: out[position[i]] = values[i].
    static func scatter<T>(_ values: [T], to position: [UInt32], zero: T) -> [T] {
        var out = [T](repeating: zero, count: values.count)
        out.withUnsafeMutableBufferPointer { o in
            values.withUnsafeBufferPointer { v in
                position.withUnsafeBufferPointer { p in
                    for i in 0..<v.count { o[Int(p[i])] = v[i] }
                }
            }
        }
        return out
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
