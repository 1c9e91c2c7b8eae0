import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite struct VocabularyTests {
    /// Items a…e with raw indices 0…4, all of the training file; training counts a 1, b 2, c 3,
    /// d 1, and e only in held-out cases.
    static func handWorkedVocabulary() -> (Vocabulary, [Int32]) {
        var items = ItemTokenTable()
        for id in ["a", "b", "c", "d", "e"] { items.intern(id) }
        return Vocabulary.frequencyOrdered(items: items, catalogue: 5, training: [[0, 1, 2], [1, 2, 3], [2]])
    }

    @Test func leavesOutItemsOnlyATestFileHolds() {
        var items = ItemTokenTable()
        for id in ["a", "b", "c", "d", "e", "f"] { items.intern(id) }  // e and f only in the test file
        let (vocabulary, indexOfRawItem) = Vocabulary.frequencyOrdered(
            items: items, catalogue: 4, training: [[0, 1, 2], [1, 2, 3], [2]])
        #expect(vocabulary.originalIds == ["<pad>", "c", "b", "a", "d"])
        #expect(vocabulary.frequencies == [0, 3, 2, 1, 1])
        #expect(indexOfRawItem == [3, 2, 1, 4, 0, 0])
        #expect(vocabulary.index(of: "e") == nil)
    }

    @Test func ordersByDescendingFrequencyThenFirstAppearance() {
        let (vocabulary, indexOfRawItem) = Self.handWorkedVocabulary()
        #expect(vocabulary.originalIds == ["<pad>", "c", "b", "a", "d", "e"])
        #expect(vocabulary.frequencies == [0, 3, 2, 1, 1, 0])
        #expect(vocabulary.count == 6)
        #expect(indexOfRawItem == [3, 2, 1, 4, 5])
    }

    @Test func looksUpIdsButNotThePadding() {
        let (vocabulary, _) = Self.handWorkedVocabulary()
        #expect(vocabulary.index(of: "c") == 1)
        #expect(vocabulary.index(of: "a") == 3)
        #expect(vocabulary.index(of: "e") == 5)
        #expect(vocabulary.index(of: "z") == nil)
        #expect(vocabulary.index(of: Vocabulary.paddingId) == nil)
    }

    @Test func comparesIdsByteForByte() throws {
        // "é" precomposed and decomposed are equal as Swift strings, but different ids.
        let vocabulary = try Vocabulary(originalIds: ["<pad>", "\u{E9}", "e\u{301}"], frequencies: [0, 2, 1])
        #expect(vocabulary.index(of: "\u{E9}") == 1)
        #expect(vocabulary.index(of: "e\u{301}") == 2)
    }

    @Test func rebuildsASavedVocabulary() throws {
        let (built, _) = Self.handWorkedVocabulary()
        let loaded = try Vocabulary(originalIds: built.originalIds, frequencies: built.frequencies)
        #expect(loaded.originalIds == built.originalIds)
        #expect(loaded.frequencies == built.frequencies)
        #expect(loaded.index(of: "d") == 4)
    }

    @Test func anItemMayBeCalledPad() throws {
        let vocabulary = try Vocabulary(originalIds: ["<pad>", "<pad>"], frequencies: [0, 1])
        #expect(vocabulary.index(of: "<pad>") == 1)
    }

    @Test(arguments: [
        (["<pad>", "a"], [0], "2 item ids but 1 frequencies; expected one per id"),
        (["a", "b"], [0, 1], "expected index 0 to be the padding '<pad>' with frequency 0"),
        (["<pad>", "a"], [1, 1], "expected index 0 to be the padding '<pad>' with frequency 0"),
        ([], [], "expected index 0 to be the padding '<pad>' with frequency 0"),
        (["<pad>", "a", "b"], [0, 1, -1], "negative frequency -1 at index 2"),
        (["<pad>", "a", ""], [0, 1, 1], "empty item id at index 2"),
        (["<pad>", "a", "b", "a"], [0, 3, 2, 1], "item id 'a' appears at index 1 and again at index 3"),
    ])
    func rejectsInconsistentSavedVocabulary(ids: [String], frequencies: [Int], message: String) throws {
        let error = try #require(throws: InputError.self) {
            try Vocabulary(originalIds: ids, frequencies: frequencies)
        }
        #expect(error == InputError(source: "vocabulary", message))
    }

    @Test func itemTableInternsManyTokens() {
        // Enough tokens to grow the hash table many times over.
        var items = ItemTokenTable()
        let first = (0..<50_000).map { items.intern("item\($0)") }
        let again = stride(from: 0, to: 50_000, by: 7).map { items.intern("item\($0)") }
        #expect(first == Array(0..<50_000))
        #expect(again == Array(stride(from: 0, to: 50_000, by: 7)))
        #expect(items.count == 50_000)
        #expect(items.index(of: "item49999") == 49_999)
        #expect(items.index(of: "item50000") == nil)
        #expect(items.tokens[123] == "item123")
    }
}
