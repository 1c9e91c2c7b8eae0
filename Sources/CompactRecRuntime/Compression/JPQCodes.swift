// Shape legend: N items including padding 0, m splits (one byte of code each).

/// How a JPQ table's item codes are assigned before training (`--jpq-codes`).
public enum JPQCodeAssignment: String, Codable, CaseIterable, Sendable {
    /// RecJPQ's default: a truncated SVD of the training user–item matrix with m components,
    /// each component's item loadings cut into 256 quantile buckets, so items bought by the
    /// same users get close sub-ids.
    case svd
    /// Every sub-id drawn uniformly, seeded.
    case random
}

/// The item codes of a JPQ table (RecJPQ, Petrov & Macdonald 2024): for every item, one sub-id
/// per split, each a byte (256 sub-item embeddings per split).
///
/// Codes are not trained: they are assigned before training (`JPQCodeAssignment`) and stored in
/// a bundle as a `U8` tensor `[N, m]` beside the sub-item embeddings. The object is shared by
/// the replicas of a table and, when input and output are tied, by both sides; its bytes
/// change only when codes are assigned or loaded, before the model is used.
///
/// Padding's code (row 0) is all zeros; the table never reads it.
public final class JPQCodes: @unchecked Sendable {
    /// Sub-ids per split.
    public static let subIdCount = 256

    /// N, including padding.
    public let itemCount: Int
    /// m
    public let splits: Int
    /// [N, m]
    public private(set) var bytes: [UInt8]

    /// Codes of zeros, to be assigned.
    public init(itemCount N: Int, splits m: Int) {
        precondition(N >= 1 && m >= 1, "JPQ codes need items and splits, got N = \(N), m = \(m)")
        itemCount = N
        splits = m
        bytes = [UInt8](repeating: 0, count: N * m)
    }

    /// The shape of the tensor they are stored as: [N, m].
    public var shape: [Int] { [itemCount, splits] }

    /// Replaces every code: `bytes` is [N, m]; padding's row is set to zeros whatever it holds.
    public func assign(_ bytes: [UInt8]) {
        precondition(bytes.count == itemCount * splits, "JPQ codes need N·m = \(itemCount * splits) bytes, got \(bytes.count)")
        self.bytes = bytes
        for s in 0..<splits { self.bytes[s] = 0 }
    }

    /// Codes drawn uniformly from `rng`: every sub-id of every item but padding.
    public static func random(itemCount N: Int, splits m: Int, rng: inout SeededGenerator) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: N * m)
        for i in m..<(N * m) { bytes[i] = UInt8(truncatingIfNeeded: rng.next() >> 56) }
        return bytes
    }

    /// item x's sub-id in split s.
    @inline(__always)
    public func code(item x: Int, split s: Int) -> Int { Int(bytes[x * splits + s]) }
}

/// A part of a model that holds item codes besides its parameters (a JPQ table, or an output
/// layer over one): what a bundle stores as `U8` tensors.
public protocol ItemCodeContainer: AnyObject {
    /// Every code table with its dotted name, e.g. `item_embedding.codes`.
    func namedItemCodes(prefix: String) -> [(name: String, codes: JPQCodes)]
}
