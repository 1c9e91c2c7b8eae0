extension Vocabulary {
    /// Orders the items of raw index below `catalogue` (the training file's) by their frequency
    /// in `training` (raw indices), descending, ties and untrained items by raw index.
    /// - Returns: the vocabulary and, for each raw index, the item's vocabulary index, 0 for an
    ///   item outside the catalogue.
    static func frequencyOrdered(
        items: ItemTokenTable, catalogue: Int, training: [[Int32]]
    ) -> (vocabulary: Vocabulary, indexOfRawItem: [Int32]) {
        var counts = [Int](repeating: 0, count: catalogue)
        for sequence in training {
            for item in sequence { counts[Int(item)] += 1 }
        }
        let order = counts.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var indexOfRawItem = [Int32](repeating: 0, count: items.count)
        var originalIds = [Self.paddingId]
        var frequencies = [0]
        var lookup = TokenInterner()
        originalIds.reserveCapacity(catalogue + 1)
        frequencies.reserveCapacity(catalogue + 1)
        for (position, raw) in order.enumerated() {
            indexOfRawItem[raw] = Int32(position + 1)
            originalIds.append(items.tokens[raw])
            frequencies.append(counts[raw])
            _ = lookup.intern(items.tokens[raw])
        }
        return (Vocabulary(originalIds: originalIds, frequencies: frequencies, lookup: lookup), indexOfRawItem)
    }
}
