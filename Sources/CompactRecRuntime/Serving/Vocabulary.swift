/// The items a model knows, indexed 1…N-1 by descending training frequency; index 0 is padding.
///
/// Ordering by frequency puts popular items at small indices, which frequency-aware layers
/// (adaptive embeddings, sampled softmax) rely on. Ties keep the order in which the items
/// first appear in the data. Items of the training file never trained on (held-out targets)
/// come last with frequency 0; items only in a separate test file are not in it, since no
/// model trained on the training file could predict them.
public struct Vocabulary: Sendable {
    /// The id stored at index 0, which stands for "no item".
    public static let paddingId = "<pad>"

    /// Index → original item id; `originalIds[0]` is ``paddingId``.
    public let originalIds: [String]
    /// Index → how often the item occurs in the training split; `frequencies[0]` is 0.
    public let frequencies: [Int]
    /// Item ids of indices 1…N-1; the padding is not an item, so no id maps to index 0.
    private let lookup: TokenInterner

    /// The number of indices, N, including the padding.
    public var count: Int { originalIds.count }

    /// The index of an item, or nil if it is not in the vocabulary. Ids compare byte for byte.
    public func index(of originalId: String) -> Int32? {
        lookup.index(of: originalId).map { $0 + 1 }
    }

    /// Rebuilds a saved vocabulary, checking it is consistent.
    /// - Throws: ``InputError`` if the arrays differ in length, index 0 is not the padding with
    ///   frequency 0, a frequency is negative, or an item id is empty or repeated.
    public init(originalIds: [String], frequencies: [Int]) throws {
        func invalid(_ message: String) -> InputError { InputError(source: "vocabulary", message) }
        guard originalIds.count == frequencies.count else {
            throw invalid("\(originalIds.count) item ids but \(frequencies.count) frequencies; expected one per id")
        }
        guard originalIds.first == Self.paddingId, frequencies.first == 0 else {
            throw invalid("expected index 0 to be the padding '\(Self.paddingId)' with frequency 0")
        }
        guard originalIds.count <= TokenInterner.capacity else {
            throw invalid("more than \(TokenInterner.capacity) items")
        }
        if let index = frequencies.firstIndex(where: { $0 < 0 }) {
            throw invalid("negative frequency \(frequencies[index]) at index \(index)")
        }
        var lookup = TokenInterner()
        for index in 1..<originalIds.count {
            let id = originalIds[index]
            guard !id.isEmpty else { throw invalid("empty item id at index \(index)") }
            if let (earlier, isNew) = lookup.intern(id), !isNew {
                throw invalid("item id '\(id)' appears at index \(earlier + 1) and again at index \(index)")
            }
        }
        self.init(originalIds: originalIds, frequencies: frequencies, lookup: lookup)
    }

    package init(originalIds: [String], frequencies: [Int], lookup: TokenInterner) {
        self.originalIds = originalIds
        self.frequencies = frequencies
        self.lookup = lookup
    }
}
