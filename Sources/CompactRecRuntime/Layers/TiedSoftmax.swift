import CKernels

/// A full softmax whose item matrix is the input embedding's table (tied embeddings, as
/// SASRec, BERT4Rec and RecBole use): logits = h · Eᵀ + b over all N items, with `E` the
/// `Embedding`'s own `[N, C]` parameter, so the model stores the table once.
///
/// Both uses add to the one gradient (training keeps it: `Gradients`), and a bundle holds the table once, under
/// the input's name `item_embedding.weight`; only the bias `[N]` is the output's own.
///
///     let embedding = Embedding(count: N, dimensions: C, rng: &rng)
///     let output = TiedSoftmax(tiedTo: embedding)
public final class TiedSoftmax: RangeScoringOutputLayer {
    public let itemCount: Int
    public let dimensions: Int
    /// [N, C], the input embedding's.
    public let weight: Weight
    /// [N]
    public let bias: Weight
    /// [M, N]: logits, then probabilities, then dLoss/dLogits.
    package let logits = Workspace()
    /// [threads, N]: per-thread partial bias gradients.
    package let biasPartials = Workspace()
    /// [B, N]: scores of a ranking that scores every item (`OutputLayer.rankingScratch`).
    public let rankingScratch = Workspace()

    /// Scores with `embedding`'s table and a zero bias.
    public convenience init(tiedTo embedding: Embedding) {
        self.init(weight: embedding.weight, bias: Weight(shape: [embedding.count]))
    }

    /// A layer over existing parameters: weight `[N, C]`, bias `[N]`.
    public init(weight: Weight, bias: Weight) {
        precondition(weight.shape.count == 2 && bias.shape == [weight.shape[0]], "a tied softmax needs weight [N, C] and bias [N]")
        itemCount = weight.shape[0]
        dimensions = weight.shape[1]
        self.weight = weight
        self.bias = bias
    }

    /// A replica: the same weights, shared and only read, with scratch of its own.
    public func replica() -> Self { TiedSoftmax(weight: weight, bias: bias) as! Self }

    /// The table appears under the output's name too; `uniqueWeights` keeps the input's.
    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), weight), NamedWeight(join(prefix, "bias"), bias)]
    }

    /// hidden: [B, C]; output: [B, N]. A few histories (a request) go to the row kernel, which
    /// reads each row once for all of them and reduces eight (AVX2) or sixteen (AVX-512) rows at
    /// a time (BLAS's gemm would first pack all of `E`, its gemv reduces one row at a time); a
    /// batch goes to gemm.
    public func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, C = dimensions
        if B <= RowScoring.maximumRowKernelHistories {
            let weight = UnsafePointer(weight.value.data), bias = UnsafePointer(bias.value.data)
            Parallel.forEachChunk(N, minimumPerThread: RowScoring.minimumItemsPerThread) { chunk in
                ck_scores_f32_rows(hidden, C, B, weight, C, chunk.lowerBound, chunk.upperBound, bias, output, N)
            }
            return
        }
        for r in 0..<B { (output + r * N).update(from: bias.value.data, count: N) }
        BLAS.gemm(transB: true, m: B, n: N, k: C, a: hidden, lda: C, b: weight.value.data, ldb: C, beta: 1, c: output, ldc: N)
    }

    /// One history against a range of items, for blockwise ranking (`RangeScoringOutputLayer`):
    /// the row kernel's scores (gemm, which scores a batch when nothing is skipped, may round a
    /// score differently in its last bit). h: [C]; row: [N].
    public func scores(history h: UnsafePointer<Float>, items range: Range<Int>, into row: UnsafeMutablePointer<Float>) {
        ck_scores_f32_rows(h, dimensions, 1, weight.value.data, dimensions, range.lowerBound, range.upperBound, bias.value.data, row, itemCount)
    }
}
