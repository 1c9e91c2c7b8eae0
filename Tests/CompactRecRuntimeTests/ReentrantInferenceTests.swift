import Foundation
import Testing

@testable import CompactRecRuntime

/// One loaded model, many callers at once: every caller's answers equal the serial ones, item for
/// item and score bit for bit, because callers share the weights and never each other's scratch.
@Suite("Reentrant inference")
struct ReentrantInferenceTests {
    static let N = 600, C = 16, T = 12

    static let configurations: [ModelConfiguration] = [
        ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1, 2], maxLength: T),
        ModelConfiguration(itemCount: N, embeddingSize: C, dilations: [1, 2], maxLength: T,
                           inputEmbedding: .blockAdaptive, outputLayer: .treeSoftmax, sharing: .crossLayer,
                           cutoffs: [40, 200, N], rankDivisor: 2),
    ]

    /// A model whose weights are moved off their initial values, so that the tree's tails matter.
    static func model(_ index: Int) -> SequentialRecommender {
        let model = SequentialRecommender(configuration: configurations[index], seed: 7)
        var rng = SeededGenerator(seed: 8)
        for p in model.uniqueWeights() { for i in 0..<p.weight.count { p.weight.value.data[i] += 0.3 * rng.nextNormal() } }
        model.weightsDidChange()
        return model
    }

    /// 1,000 histories of 1 to 2·T items.
    static let histories: [[Int32]] = {
        var rng = SeededGenerator(seed: 9)
        return (0..<1000).map { _ in (0..<(1 + Int(rng.next() % UInt64(2 * T)))).map { _ in Int32(1 + rng.next() % UInt64(N - 1)) } }
    }()

    static func answer(_ context: InferenceContext, _ i: Int) -> [Recommendation] {
        context.recommend(history: histories[i], count: 10, excludingHistory: i % 3 == 0)
    }

    @Test(arguments: 0..<2)
    func eightThreadsOfAThousandRequestsGetTheSerialAnswers(_ index: Int) {
        let model = Self.model(index)
        let serialContext = InferenceContext(model: model)
        let serial = (0..<Self.histories.count).map { Self.answer(serialContext, $0) }
        #expect(serial == (0..<Self.histories.count).map { model.recommend(history: Self.histories[$0], count: 10,
                                                                             excludingHistory: $0 % 3 == 0) })
        let threads = 8
        let mismatches = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        defer { mismatches.deallocate() }
        mismatches.initialize(repeating: 0, count: threads)
        let counts = UncheckedBox(mismatches)
        let shared = UncheckedReference(model)  // read by every thread, through its own context
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let context = InferenceContext(model: shared.object)
            for step in 0..<Self.histories.count {
                let i = (step * 7 + thread * 131) % Self.histories.count  // each thread in its own order
                if Self.answer(context, i) != serial[i] { counts.pointer[thread] += 1 }
            }
        }
        #expect((0..<threads).map { mismatches[$0] } == [Int](repeating: 0, count: threads))
    }

    @Test func theRecommenderAnswersOriginalIdsFromManyThreads() throws {
        let model = Self.model(1)
        let ids = ["<pad>"] + (1..<Self.N).map { "item-\($0 * 3)" }
        let vocabulary = try Vocabulary(originalIds: ids, frequencies: [0] + (1..<Self.N).map { Self.N - $0 })
        let recommender = Recommender(bundle: ModelBundle(model: model, vocabulary: vocabulary, training: nil, data: [:]))
        let history = ["item-3", "no-such-item", "item-30"]
        let expected = model.recommend(history: [1, 10], count: 5).map { Recommender.Answer.Item(id: ids[Int($0.item)], score: $0.score) }
        let answers = UncheckedBox(UnsafeMutablePointer<Recommender.Answer?>.allocate(capacity: 64))
        defer { answers.pointer.deallocate() }
        answers.pointer.initialize(repeating: nil, count: 64)
        DispatchQueue.concurrentPerform(iterations: 64) { answers.pointer[$0] = recommender.recommend(history: history, count: 5) }
        for i in 0..<64 {
            #expect(answers.pointer[i] == Recommender.Answer(items: expected, unknown: ["no-such-item"]))
        }
    }
}

/// Hands one loaded model to `concurrentPerform`'s workers, which only read it through contexts.
private struct UncheckedReference<Object: AnyObject>: @unchecked Sendable {
    let object: Object
    init(_ object: Object) { self.object = object }
}

/// Hands a pointer to `concurrentPerform`'s workers, each of which writes only its own slot.
private struct UncheckedBox<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
}
