/// The hash `h` that maps an item to a row of a shared table `[m, C]` (MEmCom, the hashing trick).
///
/// The hash is named in the model configuration, so training and every reload of a bundle map
/// items to the same rows. Item 0 (padding) has a bucket like any item, but the tables that use
/// it never read it: padding embeds to zeros.
///
///     ItemHash.modulo.bucket(of: 1234, buckets: 1000)        // 234
///     ItemHash.multiplicative.bucket(of: 1234, buckets: 1000) // 653
public enum ItemHash: String, Codable, CaseIterable, Sendable {
    /// h(x) = x mod m. Ids are frequency-sorted, so the m − 1 most popular items get rows of
    /// their own and each row is shared by one popular item and a few rarer ones.
    case modulo
    /// h(x) = ⌊((x · 2654435761) mod 2³²) · m / 2³²⌋, Knuth's multiplicative hash scaled to
    /// `m` rows: neighbouring ids land far apart, so popular items collide with each other as
    /// often as with rare ones.
    case multiplicative

    /// Knuth's constant: a prime close to 2³² / φ.
    static let multiplier: UInt64 = 2_654_435_761

    /// h(item) in `0..<m`. item ≥ 0, 1 ≤ m < 2³¹.
    @inline(__always)
    public func bucket(of item: Int, buckets m: Int) -> Int {
        precondition(item >= 0 && m >= 1 && m < 1 << 31, "item \(item), buckets \(m)")
        switch self {
        case .modulo:
            return item % m
        case .multiplicative:
            let mixed = (UInt64(item) &* Self.multiplier) & 0xFFFF_FFFF
            return Int((mixed &* UInt64(m)) >> 32)
        }
    }

    /// h(x) for every item `0..<N`, as the gather kernels read it.
    public func buckets(itemCount N: Int, buckets m: Int) -> [Int32] {
        (0..<N).map { Int32(bucket(of: $0, buckets: m)) }
    }
}
