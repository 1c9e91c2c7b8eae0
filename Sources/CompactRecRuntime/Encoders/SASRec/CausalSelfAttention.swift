/// Multi-head causal self-attention over left-padded histories (SASRec's, as in RecBole):
///
///     Q, K, V = x·W_q + b_q, x·W_k + b_k, x·W_v + b_v           each [B, T, C]
///     A_h = softmax(Q_h·K_hᵀ / √(C/H) over keys j ≤ i that are not padding)   [T, T] per head
///     y   = concat_h(dropout(A_h)·V_h)·W_o + b_o                  [B, T, C]
///
/// Head `h` is columns `h·C/H ..< (h+1)·C/H` of Q, K and V, read in place through BLAS's row
/// strides. The `[T, T]` attention weights live one sequence and head at a time in a worker's
/// scratch: nothing of shape `[B, H, T, T]` is kept; backward computes them again. A query
/// with no key to attend to (every earlier position is padding) gets a zero context.
///
/// With `lastOnly`, queries are the last position alone (serving): K and V are computed for the
/// whole history, once per call, and Q, the context and the output for one row per sequence.
public final class CausalSelfAttention: WeightContainer {
    public let dimensions: Int
    public let heads: Int
    public let query: Linear, key: Linear, value: Linear, output: Linear
    package var batch = 0, length = 0
    /// Per sequence, its first position that is not padding (T when all are).
    package var keyStart: [Int] = []
    /// [B, T, C] each (Q is [B, 1, C] after a `lastOnly` forward): the forward's projections.
    package let queries = Workspace(), keys = Workspace(), values = Workspace()
    /// [B, T, C]: the heads' contexts, concatenated, before the output projection.
    package let context = Workspace()
    /// [B, 1, C]: the last positions' inputs, for a `lastOnly` forward.
    private let lastRows = Workspace()
    /// One `[T, T]` buffer per worker; backward uses three per worker.
    package var workerScratch: [Workspace] = []
    // Gradient scratch, each [B, T, C].
    package let queriesGradient = Workspace(), keysGradient = Workspace(), valuesGradient = Workspace()
    package let contextGradient = Workspace()

    public init(dimensions C: Int, heads H: Int, rng: inout SeededGenerator) {
        precondition(H >= 1 && C % H == 0, "the channels must split evenly over the heads")
        let std = SASRecConfiguration.initialStandardDeviation
        self.dimensions = C
        self.heads = H
        query = Linear(inputSize: C, outputSize: C, standardDeviation: std, rng: &rng)
        key = Linear(inputSize: C, outputSize: C, standardDeviation: std, rng: &rng)
        value = Linear(inputSize: C, outputSize: C, standardDeviation: std, rng: &rng)
        output = Linear(inputSize: C, outputSize: C, standardDeviation: std, rng: &rng)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own.
    public init(replicating other: CausalSelfAttention) {
        dimensions = other.dimensions
        heads = other.heads
        query = other.query.replica()
        key = other.key.replica()
        value = other.value.replica()
        output = other.output.replica()
    }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        query.namedWeights(prefix: join(prefix, "query")) + key.namedWeights(prefix: join(prefix, "key"))
            + value.namedWeights(prefix: join(prefix, "value")) + output.namedWeights(prefix: join(prefix, "output"))
    }

    /// Columns per head.
    public var headSize: Int { dimensions / heads }

    /// x: [B, T, C]; keyStart: each sequence's first non-padding position; y: [B, T, C], or
    /// [B, C] with `lastOnly`. `dropout` (training) drops attention weights.
    public func forward(
        input x: UnsafePointer<Float>, keyStart: [Int], batch B: Int, length T: Int, lastOnly: Bool,
        dropout: Dropout?, output y: UnsafeMutablePointer<Float>
    ) {
        precondition(keyStart.count == B, "one key start per sequence")
        let C = dimensions, Tq = lastOnly ? 1 : T
        batch = B
        length = T
        self.keyStart = keyStart
        let q = queries.ensure(B * Tq * C), k = keys.ensure(B * T * C), v = values.ensure(B * T * C)
        let ctx = context.ensure(B * Tq * C)
        if lastOnly {
            let last = lastRows.ensure(B * C)
            for s in 0..<B { (last + s * C).update(from: x + (s * T + T - 1) * C, count: C) }
            query.forward(input: last, rows: B, output: q)
        } else {
            query.forward(input: x, rows: B * T, output: q)
        }
        key.forward(input: x, rows: B * T, output: k)
        value.forward(input: x, rows: B * T, output: v)
        forEachSequence(B, buffersPerWorker: 1, squareSize: Tq * T) { s, scratch in
            for h in 0..<heads {
                let a = scratch[0]
                attentionWeights(sequence: s, head: h, queryRows: Tq, into: a)
                if let dropout { dropWeights(a, sequence: s, head: h, queryRows: Tq, dropout: dropout) }
                // context_h = A_h · V_h: [Tq, T] · [T, C/H] into columns h of ctx.
                BLAS.gemm(m: Tq, n: headSize, k: T, a: a, lda: T, b: v + s * T * C + h * headSize, ldb: C,
                          beta: 0, c: ctx + s * Tq * C + h * headSize, ldc: C)
            }
        }
        output.forward(input: ctx, rows: B * Tq, output: y)
    }

    /// The attention weights of one sequence and head, from the last forward's Q and K, into
    /// `weights` [Tq, T]: causal, padding keys excluded, rows with no key all zero.
    package func attentionWeights(sequence s: Int, head h: Int, queryRows Tq: Int, into weights: UnsafeMutablePointer<Float>) {
        let C = dimensions, T = length, d = headSize
        let scale = 1 / Float(d).squareRoot()
        BLAS.gemm(transB: true, m: Tq, n: T, k: d, alpha: scale, a: queries.data + s * Tq * C + h * d, lda: C,
                  b: keys.data + s * T * C + h * d, ldb: C, beta: 0, c: weights, ldc: T)
        let start = keyStart[s]
        for i in 0..<Tq {
            let position = T - Tq + i, row = weights + i * T
            guard start <= position else {
                row.update(repeating: 0, count: T)
                continue
            }
            let allowed = position - start + 1
            row.update(repeating: 0, count: start)
            (row + position + 1).update(repeating: 0, count: T - position - 1)
            let shift = Kernels.maximum(row + start, count: allowed)
            let sum = Kernels.expShiftedInPlace(row + start, count: allowed, shift: shift)
            Kernels.scale(row + start, count: allowed, by: 1 / sum)
        }
    }

    /// Multiplies one sequence and head's weights [Tq, T] by their dropout factors.
    package func dropWeights(_ weights: UnsafeMutablePointer<Float>, sequence s: Int, head h: Int, queryRows Tq: Int, dropout: Dropout) {
        let T = length
        dropout.apply(weights, count: Tq * T, offset: (s * heads + h) * Tq * T)
    }

    /// Runs `body(sequence, scratch)` for every sequence, split over `Parallel.threads` workers,
    /// each with `buffersPerWorker` scratch buffers of `squareSize` floats of its own.
    package func forEachSequence(
        _ B: Int, buffersPerWorker: Int, squareSize: Int, _ body: (Int, [UnsafeMutablePointer<Float>]) -> Void
    ) {
        let workers = max(1, min(Parallel.threads, B))
        while workerScratch.count < workers * buffersPerWorker { workerScratch.append(Workspace()) }
        let buffers = (0..<(workers * buffersPerWorker)).map { workerScratch[$0].ensure(squareSize) }
        Parallel.forEachWorker(workers) { w in
            let mine = Array(buffers[(w * buffersPerWorker)..<((w + 1) * buffersPerWorker)])
            for s in (B * w / workers)..<(B * (w + 1) / workers) { body(s, mine) }
        }
    }
}
