import Dispatch

/// How many threads CompactRec's own kernels use (BLAS has its own setting, see `BLAS.threads`).
///
/// A call may name its own count with `withThreads`, which binds it for the calling thread (or
/// task) only, so concurrent callers of one model each keep theirs; `threads` outside such a
/// call is the process default.
public enum Parallel {
    nonisolated(unsafe) private static var defaultThreads = 2
    @TaskLocal private static var callThreads: Int?

    /// The thread count in force here: the enclosing `withThreads` call's, else the default.
    /// Setting it sets the default.
    public static var threads: Int {
        get { callThreads ?? defaultThreads }
        set { defaultThreads = newValue }
    }

    /// Runs `body` with `threads` bound to `count` for this thread (or task) alone.
    public static func withThreads<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        precondition(count >= 1, "at least one thread")
        return try $callThreads.withValue(count, operation: body)
    }

    /// Runs `body(w)` for each worker index `w` in `0..<workers`, concurrently, and returns
    /// when all are done.
    ///
    /// The kernels hand each worker a disjoint slice of raw buffers, which the compiler cannot
    /// prove; that contract is the caller's, so the closure is passed on as `@Sendable`.
    public static func forEachWorker(_ workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let work = unsafeBitCast(escapable, to: (@Sendable (Int) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
    }

    /// Splits `0..<count` into one contiguous chunk per thread and runs `body` on each.
    /// Work smaller than `minimumPerThread` items per thread runs on the calling thread.
    public static func forEachChunk(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = max(1, min(threads, count / max(minimumPerThread, 1)))
        forEachWorker(workers) { w in body((count * w / workers)..<(count * (w + 1) / workers)) }
    }
}
