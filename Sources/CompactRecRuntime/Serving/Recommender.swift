import Foundation

/// A trained model answering histories of original item ids, from any number of threads at once.
///
/// Each call borrows an `InferenceContext` from a pool (creating one when all are busy) and
/// returns it, so concurrent calls share the weights and never each other's scratch.
///
///     let recommender = try Recommender(contentsOf: "runs/beauty")
///     let answer = recommender.recommend(history: ["12", "7", "31"], count: 10)
///     for item in answer.items { print(item.id, item.score) }
public final class Recommender: @unchecked Sendable {
    /// The model, its vocabulary and its configuration as read.
    public let bundle: ModelBundle
    /// The thread count of each call.
    public let threadsPerCall: Int
    private let lock = NSLock()
    private var idle: [InferenceContext] = []

    /// What a call returns: the items, best first, and the history's ids the model does not know.
    public struct Answer: Sendable, Equatable {
        public struct Item: Sendable, Equatable {
            public var id: String
            public var score: Float
        }
        public var items: [Item]
        /// History ids not in the model's catalogue; they are left out of the history read.
        public var unknown: [String]
    }

    public init(bundle: ModelBundle, threadsPerCall: Int = 1) {
        precondition(threadsPerCall >= 1, "a call needs at least one thread")
        self.bundle = bundle
        self.threadsPerCall = threadsPerCall
    }

    /// Reads the bundle in `directory` (see `ModelBundle.read`).
    public convenience init(contentsOf directory: String, threadsPerCall: Int = 1) throws {
        self.init(bundle: try ModelBundle.read(from: directory), threadsPerCall: threadsPerCall)
    }

    /// The `count` best next items after `history` (original ids, oldest first). Ids the model
    /// does not know are reported in `unknown` and skipped; with `excludingHistory`, items of
    /// the history are never recommended.
    public func recommend(history: [String], count: Int, excludingHistory: Bool = false) -> Answer {
        recommend([Query(history: history, count: count, excludingHistory: excludingHistory)])[0]
    }

    /// One history of original ids and what to answer for it, for `recommend(_:)`.
    public struct Query: Sendable, Equatable {
        public var history: [String]
        public var count: Int
        public var excludingHistory: Bool

        public init(history: [String], count: Int, excludingHistory: Bool = false) {
            self.history = history
            self.count = count
            self.excludingHistory = excludingHistory
        }
    }

    /// The answers to several histories, scored together in one forward pass: each equals
    /// `recommend(history:count:excludingHistory:)` for its query alone.
    public func recommend(_ queries: [Query]) -> [Answer] {
        var unknown: [[String]] = []
        unknown.reserveCapacity(queries.count)
        let indexed = queries.map { query in
            var known: [Int32] = [], missing: [String] = []
            for id in query.history {
                if let index = bundle.vocabulary.index(of: id) { known.append(index) } else { missing.append(id) }
            }
            unknown.append(missing)
            return RecommendationQuery(history: known, count: query.count, excludingHistory: query.excludingHistory)
        }
        let context = borrow()
        defer { giveBack(context) }
        let best = indexed.count == 1
            ? [context.recommend(history: indexed[0].history, count: indexed[0].count, excludingHistory: indexed[0].excludingHistory)]
            : context.recommend(indexed)
        let ids = bundle.vocabulary.originalIds
        return zip(best, unknown).map { items, unknown in
            Answer(items: items.map { Answer.Item(id: ids[Int($0.item)], score: $0.score) }, unknown: unknown)
        }
    }

    private func borrow() -> InferenceContext {
        if let context = lock.withLock({ idle.popLast() }) { return context }
        return InferenceContext(model: bundle.model, threads: threadsPerCall)
    }

    private func giveBack(_ context: InferenceContext) {
        lock.withLock { idle.append(context) }
    }
}
