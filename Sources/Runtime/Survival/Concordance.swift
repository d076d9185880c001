/// Harrell's concordance between a survival outcome and a score, as `coxph` reports it
/// (survival's `concordancefit` with timewt = "n" and unit case weights).
public struct ConcordanceResult: Sendable, Equatable {
    /// (concordant + tied_x / 2) / (concordant + discordant + tied_x).
    public var concordance: Double
    /// Infinitesimal-jackknife standard error.
    public var standardError: Double
    public var concordant: Double
    public var discordant: Double
    /// Comparable pairs tied on the score only.
    public var tiedX: Double
    /// Pairs of events at the same time with different scores.
    public var tiedY: Double
    /// Pairs of events at the same time with equal scores.
    public var tiedXY: Double
}

/// Inputs: time, event, a score per row (for a Cox model the linear predictor), optional
/// strata (pairs are only formed within a stratum), and `reverse` (true for risk scores,
/// where a higher score should mean a shorter time).
///
/// Pairs: (i, j) is comparable when i has an event at t_i and j, in the same stratum, has
/// t_j > t_i, or t_j = t_i and j is censored (censored at t counts as surviving past t).
/// With reverse = false it is concordant when x_j > x_i, discordant when x_j < x_i, tied_x
/// when equal; reverse swaps concordant and discordant. Events tied in time are not
/// comparable; they are counted as tied_y (different x) or tied_xy (same x).
///
/// C = (concordant + tied_x / 2) / (concordant + discordant + tied_x).
///
/// Standard error (survival's concordancefit, Therneau's noweb "concordance"): the
/// infinitesimal jackknife. With npair = C + D + T, Somers' d = (C - D) / npair and, for
/// each row k, C_k, D_k, T_k the numbers of concordant, discordant and tied_x pairs that
/// row k belongs to (as either member),
///   dfbeta_k = (C_k - D_k) / npair - d (C_k + D_k + T_k) / npair,
///   var(C) = sum_k dfbeta_k^2 / 4.
///
/// Counting is O(n log n) with a Fenwick tree over the ranks of x (ranks from one radix
/// sort of the scores). Walking time backwards, the tree holds everyone at risk after the
/// current time (and censored at it): each event's pairs as the earlier member are read
/// from it. Walking time forwards, the tree holds the events met so far: each row's pairs
/// as the later member are read from it (a censored row after adding the events at its own
/// time, an event before). The walks read flat arrays in sorted position.
public enum Concordance {

    public static func compute(time: [Double], event: [Bool], score: [Double], strata: [Int]? = nil,
                               reverse: Bool = false) -> ConcordanceResult {
        let order = RowOrder.byStratumAndTime(time: time, strata: strata)
        return score.withUnsafeBufferPointer { x in
            compute(sortedTime: order.map { time[$0] }, sortedEvent: order.map { event[$0] },
                    sortedStratum: strata.map { s in order.map { s[$0] } },
                    score: { x[order[$0]] }, reverse: reverse)
        }
    }

    /// The same, for rows already ordered by (stratum, time) ascending with ties in input
    /// order (a Cox fit's risk-set order), so that no sort by time is repeated. `score(q)`
    /// is the score of the row at sorted position q.
    static func compute(sortedTime: [Double], sortedEvent: [Bool], sortedStratum: [Int]?,
                        score: (Int) -> Double, reverse: Bool) -> ConcordanceResult {
        let n = sortedTime.count
        // Walk order: strata ascending, time descending within a stratum; in a block of one
        // stratum and one time the censored rows first, then the events, each in input order.
        // Built from the ascending order block by block (reads stay local).
        // Per walk position: event, block (one stratum and one time) number, stratum.
        var ev = [Bool](repeating: false, count: n), blk = [Int32](repeating: 0, count: n)
        // Stratum codes by walk position (all 0 without strata: one shared zero).
        var st = sortedStratum == nil ? [Int](repeating: 0, count: 1) : [Int](repeating: 0, count: n)
        let stratumStep = sortedStratum == nil ? 0 : 1
        var keys = [UInt64](repeating: 0, count: n)
        sortedTime.withUnsafeBufferPointer { time in
            sortedEvent.withUnsafeBufferPointer { event in
                var out = 0, block: Int32 = 0
                func emit(_ q: Int) {
                    blk[out] = block; ev[out] = event[q]; keys[out] = RowOrder.key(score(q))
                    if let sortedStratum { st[out] = sortedStratum[q] }
                    out += 1
                }
                var s0 = 0
                while s0 < n {
                    var s1 = s0 + 1
                    if let sortedStratum { while s1 < n && sortedStratum[s1] == sortedStratum[s0] { s1 += 1 } } else { s1 = n }
                    var b1 = s1
                    while b1 > s0 {
                        var b0 = b1 - 1
                        while b0 > s0 && time[b0 - 1] == time[b1 - 1] { b0 -= 1 }
                        for q in b0..<b1 where !event[q] { emit(q) }
                        for q in b0..<b1 where event[q] { emit(q) }
                        block &+= 1
                        b1 = b0
                    }
                    s0 = s1
                }
            }
        }
        // Dense ranks of the scores, 1-based, by position in the walk.
        let (rk, size) = RowOrder.denseRanks(keys: keys)
        keys = []

        // Per-position counts as in the unreversed orientation: [concordant, discordant, tiedX]
        // (integers below 2n, exact in 32 bits; converted to Double for the variance).
        precondition(n < Int(Int32.max) / 2, "too many rows for 32-bit pair counts")
        var inflC = [Int32](repeating: 0, count: n)
        var inflD = [Int32](repeating: 0, count: n)
        var inflT = [Int32](repeating: 0, count: n)
        var concordant = 0.0, discordant = 0.0, tiedX = 0.0, tiedY = 0.0, tiedXY = 0.0

        // Backward in time: each event against everyone at risk after it (and censored at
        // its time), as the earlier member of its pairs.
        let tree = CountTree(size)
        // Equal ranks within one tied set of events, counted in a small hash table (rank ->
        // count; rank 0 marks an empty slot) sized for the set, so it stays in cache.
        let scoresTie = size < n
        var sameKey = [Int32](), sameCount = [Int]()
        var stratumStart = 0
        var pos = 0
        while pos < n {
            if pos > 0 && st[(pos - 1) * stratumStep] != st[pos * stratumStep] {
                tree.clear(holding: rk[stratumStart..<pos].lazy.map { Int($0) })
                stratumStart = pos
            }
            if !ev[pos] {
                tree.add(Int(rk[pos]))
                pos += 1
                continue
            }
            // All events tied at this time in this stratum.
            var end = pos
            while end < n && blk[end] == blk[pos] && ev[end] { end += 1 }
            var sameX = 0
            for i in pos..<end {
                let (less, equal, greater) = tree.split(Int(rk[i]))
                concordant += Double(greater); discordant += Double(less); tiedX += Double(equal)
                inflC[i] &+= Int32(truncatingIfNeeded: greater); inflD[i] &+= Int32(truncatingIfNeeded: less)
                inflT[i] &+= Int32(truncatingIfNeeded: equal)
            }
            // Event pairs tied in time: count those with the same score (none when every
            // score is distinct): each event pairs with the earlier ones of its rank.
            if scoresTie && end - pos > 1 {
                var bits = 1
                while (1 << bits) < 2 * (end - pos) { bits += 1 }
                let mask = (1 << bits) - 1
                if sameKey.count < mask + 1 {
                    sameKey = [Int32](repeating: 0, count: mask + 1)
                    sameCount = [Int](repeating: 0, count: mask + 1)
                } else {
                    for h in 0...mask { sameKey[h] = 0 }
                }
                for i in pos..<end {
                    let r = rk[i]
                    var h = Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: r)) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
                    while sameKey[h] != 0 && sameKey[h] != r { h = (h + 1) & mask }
                    if sameKey[h] == 0 { sameKey[h] = r; sameCount[h] = 0 }
                    sameX += sameCount[h]
                    sameCount[h] += 1
                }
            }
            let d = Double(end - pos)
            tiedXY += Double(sameX)
            tiedY += d * (d - 1) / 2 - Double(sameX)
            for i in pos..<end { tree.add(Int(rk[i])) }
            pos = end
        }
        tree.clear(holding: rk[stratumStart..<n].lazy.map { Int($0) })

        // Forward in time: each row as the later member, against the events before it. A row
        // censored at t pairs with the events at t too; an event only with earlier events.
        // Blocks of one stratum and one time hold the censored rows first, then the events.
        var blockEnd = n
        var stratumEnd = n
        while blockEnd > 0 {
            let last = blockEnd - 1
            var blockStart = last
            while blockStart > 0 && blk[blockStart - 1] == blk[last] { blockStart -= 1 }
            var firstEvent = blockEnd
            while firstEvent > blockStart && ev[firstEvent - 1] { firstEvent -= 1 }
            for j in firstEvent..<blockEnd {
                let (less, equal, greater) = tree.split(Int(rk[j]))
                inflC[j] &+= Int32(truncatingIfNeeded: less); inflD[j] &+= Int32(truncatingIfNeeded: greater)
                inflT[j] &+= Int32(truncatingIfNeeded: equal)
            }
            for j in firstEvent..<blockEnd { tree.add(Int(rk[j])) }
            for j in blockStart..<firstEvent {
                let (less, equal, greater) = tree.split(Int(rk[j]))
                inflC[j] &+= Int32(truncatingIfNeeded: less); inflD[j] &+= Int32(truncatingIfNeeded: greater)
                inflT[j] &+= Int32(truncatingIfNeeded: equal)
            }
            if blockStart == 0 || st[(blockStart - 1) * stratumStep] != st[last * stratumStep] {
                // Leaving the stratum: empty the tree of its events.
                tree.clear(holding: (blockStart..<stratumEnd).lazy.filter { ev[$0] }.map { Int(rk[$0]) })
                stratumEnd = blockStart
            }
            blockEnd = blockStart
        }

        if reverse {
            swap(&concordant, &discordant)
            swap(&inflC, &inflD)
        }
        let npair = concordant + discordant + tiedX
        let somers = npair > 0 ? (concordant - discordant) / npair : .nan
        var variance = 0.0
        if npair > 0 {
            for k in 0..<n {
                let c = Double(inflC[k]), d = Double(inflD[k]), t = Double(inflT[k])
                let dfbeta = (c - d) / npair - somers * (c + d + t) / npair
                variance += dfbeta * dfbeta
            }
            variance /= 4
        }
        return ConcordanceResult(concordance: (somers + 1) / 2, standardError: npair > 0 ? variance.squareRoot() : .nan,
                                 concordant: concordant, discordant: discordant, tiedX: tiedX,
                                 tiedY: tiedY, tiedXY: tiedXY)
    }
}

/// Counts over ranks 1...size, answering "how many below / equal to / above rank r".
///
/// Two levels, so that each operation touches little memory (the walks are bound by cache
/// misses, not arithmetic): the count at every rank, and a binary indexed tree (Fenwick
/// 1994) over blocks of 64 ranks, small enough to stay in cache. Adding touches one count
/// and the block tree; a split sums the blocks before r's block in the tree and the counts
/// from its block's start up to r, which are contiguous.
final class CountTree {
    static let blockShift = 6
    let size: Int
    private let counts: UnsafeMutablePointer<Int32>
    private let blocks: UnsafeMutablePointer<Int32>
    private let blockCount: Int
    private(set) var total = 0

    init(_ size: Int) {
        precondition(size < Int(Int32.max), "more distinct scores than a 32-bit count tree holds")
        self.size = size
        counts = .allocate(capacity: size + 1)
        counts.initialize(repeating: 0, count: size + 1)
        blockCount = (size >> Self.blockShift) + 1
        blocks = .allocate(capacity: blockCount + 1)
        blocks.initialize(repeating: 0, count: blockCount + 1)
    }

    deinit {
        counts.deallocate()
        blocks.deallocate()
    }

    @inline(__always)
    func add(_ rank: Int) { change(rank, 1) }

    @inline(__always)
    func remove(_ rank: Int) { change(rank, -1) }

    /// Empties the tree that holds `ranks`: one by one when they are few, else all at once.
    func clear<C: Collection>(holding ranks: C) where C.Element == Int {
        if ranks.count < size / 32 {
            for r in ranks { remove(r) }
        } else {
            counts.update(repeating: 0, count: size + 1)
            blocks.update(repeating: 0, count: blockCount + 1)
            total = 0
        }
    }

    @inline(__always)
    private func change(_ rank: Int, _ delta: Int32) {
        total += Int(delta)
        counts[rank] &+= delta
        var i = (rank >> Self.blockShift) + 1
        while i <= blockCount { blocks[i] &+= delta; i += i & -i }
    }

    /// Counts below, equal to and above `rank`.
    @inline(__always)
    func split(_ rank: Int) -> (less: Int, equal: Int, greater: Int) {
        let block = rank >> Self.blockShift
        var below = 0
        var i = block
        while i > 0 { below += Int(blocks[i]); i -= i & -i }
        var inBlock: Int32 = 0
        for r in (block << Self.blockShift)..<rank { inBlock &+= counts[r] }
        below += Int(inBlock)
        let equal = Int(counts[rank])
        return (below, equal, total - below - equal)
    }
}
