/// One caller's way into a shared model: a replica of it (the same weights, shared and only
/// read; scratch of its own) and the thread count its calls use.
///
/// A loaded model serves any number of contexts at once; a context serves one call at a time.
/// Creating one allocates no weights, only the scratch its first calls grow.
///
///     let context = InferenceContext(model: bundle.model, threads: 1)   // one per thread or task
///     let top = context.recommend(history: [12, 7, 31], count: 10)
public final class InferenceContext: @unchecked Sendable {
    /// The replica this context runs; its weights are the shared model's.
    public let model: SequentialRecommender
    /// How many threads CompactRec's own kernels use in this context's calls.
    public let threads: Int

    public init(model: SequentialRecommender, threads: Int = 1) {
        precondition(threads >= 1, "a context needs at least one thread")
        self.model = model.replica()
        self.threads = threads
    }

    /// The `count` best next items after `history` (item indices, oldest first), as
    /// `SequentialRecommender.recommend` gives them.
    public func recommend(history: [Int32], count: Int, excludingHistory: Bool = false) -> [Recommendation] {
        Parallel.withThreads(threads) { model.recommend(history: history, count: count, excludingHistory: excludingHistory) }
    }
}
