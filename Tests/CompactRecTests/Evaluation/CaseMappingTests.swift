import Testing

@testable import CompactRec
@testable import CompactRecRuntime

@Suite("mapCases")
struct CaseMappingTests {
    // The data's vocabulary and the model's, with different orders and partly different items.
    static let source = try! Vocabulary(originalIds: ["<pad>", "a", "b", "c", "d", "e"], frequencies: [0, 9, 7, 5, 3, 1])
    static let model = try! Vocabulary(originalIds: ["<pad>", "c", "x", "a", "e", "b"], frequencies: [0, 8, 6, 4, 2, 1])

    @Test func remapsByOriginalId() {
        // source: a=1 b=2 c=3 d=4 e=5; model: c=1 x=2 a=3 e=4 b=5; d is unknown to the model.
        let cases = [
            EvaluationCase(history: [1, 2, 3], target: 5),  // a b c → e
            EvaluationCase(history: [5, 5], target: 1),  // e e → a
            EvaluationCase(history: [3], target: 2),  // c → b
        ]
        let mapped = mapCases(cases, from: Self.source, to: Self.model)
        #expect(mapped.cases == [
            EvaluationCase(history: [3, 5, 1], target: 4),
            EvaluationCase(history: [4, 4], target: 3),
            EvaluationCase(history: [1], target: 5),
        ])
        #expect(mapped.unknownTargets == 0 && mapped.unknownHistoryItems == 0)
        // Same ids after mapping.
        for (before, after) in zip(cases, mapped.cases) {
            #expect(Self.model.originalIds[Int(after.target)] == Self.source.originalIds[Int(before.target)])
            #expect(after.history.map { Self.model.originalIds[Int($0)] } == before.history.map { Self.source.originalIds[Int($0)] })
        }
    }

    @Test func unknownTargetsAreCountedAndDropped() {
        let cases = [
            EvaluationCase(history: [1, 2], target: 4),  // d: unknown
            EvaluationCase(history: [4, 1], target: 3),  // history holds d
            EvaluationCase(history: [3, 4, 4, 2], target: 4),  // both: counted as a target only
        ]
        let mapped = mapCases(cases, from: Self.source, to: Self.model)
        #expect(mapped.unknownTargets == 2)
        // Unknown history items of dropped cases are not counted.
        #expect(mapped.unknownHistoryItems == 1)
        #expect(mapped.cases == [EvaluationCase(history: [3], target: 1)])
    }

    @Test func unknownHistoryItemsAreDroppedAndCounted() {
        let cases = [
            EvaluationCase(history: [4, 1, 4, 2, 4], target: 5),
            EvaluationCase(history: [2, 4], target: 3),
        ]
        let mapped = mapCases(cases, from: Self.source, to: Self.model)
        #expect(mapped.unknownTargets == 0 && mapped.unknownHistoryItems == 4)
        #expect(mapped.cases == [EvaluationCase(history: [3, 5], target: 4), EvaluationCase(history: [5], target: 1)])
    }

    @Test func theSameVocabularyIsTheIdentity() {
        let cases = [EvaluationCase(history: [5, 4, 3], target: 2), EvaluationCase(history: [1], target: 5)]
        let mapped = mapCases(cases, from: Self.source, to: Self.source)
        #expect(mapped.cases == cases && mapped.unknownTargets == 0 && mapped.unknownHistoryItems == 0)
    }

    @Test func anItemCalledLikeThePaddingIsAnOrdinaryItem() throws {
        // Index 0 is never an item; an item whose id happens to be "<pad>" maps like any other.
        let data = try Vocabulary(originalIds: ["<pad>", "a", "b", "<pad>"], frequencies: [0, 3, 2, 1])
        let odd = try Vocabulary(originalIds: ["<pad>", "a", "<pad>"], frequencies: [0, 1, 1])
        #expect(odd.index(of: "<pad>") == 2)
        let mapped = mapCases([EvaluationCase(history: [3, 2, 1], target: 3)], from: data, to: odd)
        #expect(mapped.cases == [EvaluationCase(history: [2, 1], target: 2)])
        #expect(mapped.unknownTargets == 0 && mapped.unknownHistoryItems == 1)
    }
}
