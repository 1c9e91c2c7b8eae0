import Foundation

/// A seeded synthetic interaction file over a catalogue of any size: what `compactrec synth`
/// writes, for benchmarks of catalogues larger than the shared data sets (2M items and up).
///
/// - Popularity is Zipf: the item of popularity rank `r` (1 = most popular) is drawn with
///   probability ∝ 1 / r^s (`zipfExponent`). Ranks are given ids by a seeded shuffle, so an id
///   says nothing of its popularity.
/// - Each user's history has `3 + G` items, G geometric with mean `meanLength − 3` (so every
///   history can be split leave-one-out).
/// - Sequences carry a signal a recommender can learn: with probability `follow` the next item
///   is one of the previous item's `successors` (a fixed seeded map, each successor itself drawn
///   from the Zipf popularity), otherwise a fresh Zipf draw. `follow` 0 gives independent draws.
///
/// The file is `seq` format: one user's history a line, item ids separated by spaces, oldest
/// first. The same settings give the same bytes on every machine.
public struct SyntheticCatalogue: Sendable, Equatable {
    public var items: Int
    public var users: Int
    public var meanLength: Double = 10
    public var zipfExponent: Double = 1
    public var follow: Double = 0.5
    public var successors = 8
    public var seed: UInt64 = 1

    public init(items: Int, users: Int) {
        self.items = items
        self.users = users
    }

    /// Refuses settings that cannot make a usable file, naming the flag.
    public func validate() throws {
        func refuse(_ flag: String, _ message: String) -> InputError { InputError(source: flag, message) }
        guard items >= 2 && items <= 100_000_000 else { throw refuse("--items", "expected 2 to 100,000,000 items, got \(items)") }
        guard users >= 1 && users <= 100_000_000 else { throw refuse("--users", "expected 1 to 100,000,000 users, got \(users)") }
        guard meanLength >= 3 && meanLength <= 10_000 else {
            throw refuse("--mean-length", "expected a mean history length from 3 (the leave-one-out minimum) to 10,000, got \(meanLength)")
        }
        guard zipfExponent >= 0 && zipfExponent <= 5 else { throw refuse("--zipf", "expected an exponent from 0 (uniform) to 5, got \(zipfExponent)") }
        guard follow >= 0 && follow <= 1 else { throw refuse("--follow", "expected a probability from 0 to 1, got \(follow)") }
        guard successors >= 1 && successors <= 1000 else { throw refuse("--successors", "expected 1 to 1,000, got \(successors)") }
    }

    /// What a generated file holds.
    public struct Summary: Sendable, Equatable {
        public var users: Int
        public var interactions: Int
        /// Distinct items that occur at least once.
        public var distinctItems: Int
        /// The share of interactions on the most popular 20 % of the catalogue's items (by rank).
        public var topFifthShare: Double
    }

    /// Generates the file's text and what it holds. Memory: the Zipf table (8 bytes an item) and
    /// the text (about `users · meanLength · (digits + 1)` bytes).
    public func generate() throws -> (text: [UInt8], summary: Summary) {
        try validate()
        var rng = SeededGenerator(seed: seed)
        let popularity = ZipfTable(items: items, exponent: zipfExponent)
        // ids[r] is the id of popularity rank r (0-based), a seeded shuffle of 1…N.
        var ids = [Int32](unsafeUninitializedCapacity: items) { buffer, count in
            for i in 0..<items { buffer[i] = Int32(i + 1) }
            count = items
        }
        ids.shuffle(using: &rng)
        let digits = ids.map { Array(String($0).utf8) }
        var text: [UInt8] = []
        text.reserveCapacity(Int(Double(users) * meanLength * Double(String(items).count + 1)))
        var seen = [Bool](repeating: false, count: items)
        var interactions = 0, onTopFifth = 0
        let topFifth = max(1, Int((Double(items) * 0.2).rounded()))
        // Geometric extra length with mean m: P(stop) = 1 / (m + 1) per step.
        let stop = 1 / (meanLength - 3 + 1)
        for _ in 0..<users {
            var length = 3
            while unit(&rng) >= stop { length += 1 }
            var previous = -1
            for position in 0..<length {
                var rank: Int
                if previous >= 0 && unit(&rng) < follow {
                    let which = UInt64(rng.next() % UInt64(successors))
                    rank = popularity.rank(at: Self.mix(seed, UInt64(previous), which))
                } else {
                    rank = popularity.rank(at: unit(&rng))
                }
                rank = min(rank, items - 1)
                if position > 0 { text.append(0x20) }
                text.append(contentsOf: digits[rank])
                seen[rank] = true
                if rank < topFifth { onTopFifth += 1 }
                previous = rank
            }
            text.append(0x0A)
            interactions += length
        }
        let summary = Summary(users: users, interactions: interactions, distinctItems: seen.reduce(0) { $0 + ($1 ? 1 : 0) },
                              topFifthShare: Double(onTopFifth) / Double(max(interactions, 1)))
        return (text, summary)
    }

    /// A uniform number in [0, 1) from the next 53 bits of `rng` (the same on every platform).
    private func unit(_ rng: inout SeededGenerator) -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    /// A uniform number in [0, 1) fixed by (seed, item, which): successor `which` of an item.
    static func mix(_ seed: UInt64, _ item: UInt64, _ which: UInt64) -> Double {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 ^ item &* 0xBF58_476D_1CE4_E5B9 ^ (which &+ 1) &* 0x94D0_49BB_1331_11EB
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return Double(x >> 11) * 0x1p-53
    }
}

/// Inverse-CDF sampling of a Zipf popularity over `items` ranks: `rank(at: u)` for u uniform in
/// [0, 1) is rank r (0-based) with probability (r + 1)^−s / H(N, s).
struct ZipfTable {
    /// [N]: cumulative[r] = P(rank ≤ r); the last is 1.
    let cumulative: [Double]

    init(items: Int, exponent: Double) {
        var sums = [Double](repeating: 0, count: items)
        var total = 0.0
        for r in 0..<items {
            total += exponent == 0 ? 1 : 1 / pow(Double(r + 1), exponent)
            sums[r] = total
        }
        cumulative = sums.map { $0 / total }
    }

    /// The first rank whose cumulative probability exceeds u.
    func rank(at u: Double) -> Int {
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > u { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
