// Scoring for `TreeSoftmax`: every item's log-probability, and the pieces the early stop shares
// with it. Shape legend as in TreeSoftmax.swift.
import CKernels

extension TreeSoftmax {
    /// log p(x) for every item x of every row, padding's log p(0) included (see the type's
    /// comment), so each row's exponentials sum to 1. hidden: [B, C]; output: [B, N].
    public func scores(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, H = headWidth, c1 = headItemCount
        let head = headLogProbabilities(hidden: hidden, rows: B)
        for r in 0..<B { (output + r * N).update(from: head + r * H, count: c1) }
        for t in tails.indices {
            tailLogProbabilities(
                t, hidden: hidden, rows: B, nodeLogProbabilities: head + c1 + t, nodeStride: H,
                output: output + tails[t].items.lowerBound, outputStride: N)
        }
    }

    /// The head's log-softmax for every row, in `headLogits`: [B, H].
    ///
    /// One GEMM: `scores` and the early stop compute the head for the same rows in the same
    /// call, so they agree bit for bit without asking more of the BLAS.
    func headLogProbabilities(hidden: UnsafePointer<Float>, rows B: Int) -> UnsafeMutablePointer<Float> {
        let H = headWidth
        let z = headLogits.ensure(B * H)
        BLAS.gemm(m: B, n: H, k: dimensions, a: hidden, lda: dimensions, b: headWeight.value.data, ldb: H, beta: 0,
                  c: z, ldc: H)
        let scratch = rowScratch.ensure(Parallel.threads * H)
        let bias = headBias.value.data
        Self.forEachRowChunk(B, width: H) { w, rows in
            for r in rows {
                Kernels.add(bias, into: z + r * H, count: H)
                Self.logSoftmax(row: z + r * H, count: H, plus: 0, scratch: scratch + w * H)
            }
        }
        return z
    }

    /// Tail `t`'s log p(x) over its items for `B` rows: node log-probability + tail log-softmax.
    /// hidden: [B, C]; row r's node log-probability at `nodeLogProbabilities[r · nodeStride]`;
    /// output: [B, k_j] with row stride `outputStride`. `then(r, row)` runs on each finished row
    /// while it is in cache, on the worker that wrote it.
    ///
    /// The early stop scores a tail for a subset of the rows `scores` scores it for, and both must
    /// get the same bits. A BLAS does not promise that a row of a product is computed the same
    /// way whatever the number of rows (OpenBLAS's AVX2 kernels differ in the last bit), so the
    /// two narrow products here use `rowProducts`, whose rows are independent by construction.
    func tailLogProbabilities(
        _ t: Int, hidden: UnsafePointer<Float>, rows B: Int, nodeLogProbabilities: UnsafePointer<Float>,
        nodeStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
        then: (Int, UnsafePointer<Float>) -> Void = { _, _ in }
    ) {
        let tail = tails[t], C = dimensions, d = tail.dimensions, k = tail.items.count
        let projected = tailProjected.ensure(B * d), scratch = rowScratch.ensure(Parallel.threads * k)
        let q = tail.projection.value.data, w = tail.weight.value.data, bias = tail.bias.value.data
        Self.forEachRowChunk(B, width: (C + k) * d) { worker, rows in
            // Blocks of a few rows, so each block's logits are still in cache for their softmax.
            for first in stride(from: rows.lowerBound, to: rows.upperBound, by: 4) {
                let count = min(4, rows.upperBound - first)
                let p = projected + first * d, z = output + first * outputStride
                Self.rowProducts(hidden + first * C, lda: C, rows: count, inner: C, q, ldb: d, columns: d, into: p, ldo: d)
                Self.rowProducts(p, lda: d, rows: count, inner: d, w, ldb: k, columns: k, plus: bias, into: z,
                                 ldo: outputStride)
                for r in first..<(first + count) {
                    let row = output + r * outputStride
                    Self.logSoftmax(row: row, count: k, plus: nodeLogProbabilities[r * nodeStride],
                                    scratch: scratch + worker * k)
                    then(r, row)
                }
            }
        }
    }

    /// row[i] = offset + (row[i] − logsumexp(row)); `scratch` holds [n] exponentials.
    ///
    /// In that order on purpose: x ≤ max ≤ logsumexp also after rounding (the max's
    /// exponential is exactly 1, so the sum is ≥ 1 and its log ≥ 0), so the difference is ≤ 0
    /// and a tail item's log-probability never exceeds its node's, which the early stop needs.
    @inline(__always)
    static func logSoftmax(
        row: UnsafeMutablePointer<Float>, count n: Int, plus offset: Float, scratch: UnsafeMutablePointer<Float>
    ) {
        let top = Kernels.maximum(row, count: n)
        scratch.update(from: row, count: n)
        let lse = top + _logf(Kernels.expShiftedInPlace(scratch, count: n, shift: top))
        for i in 0..<n { row[i] = offset + (row[i] - lse) }
    }

    /// out[r, j] = a[r, 0]·b[0, j] + bias[j] + a[r, 1]·b[1, j] + … + a[r, K−1]·b[K−1, j], left to
    /// right, every product and sum rounded on its own, for r < M; row-major with the given
    /// strides; no bias term when `bias` is nil.
    ///
    /// Each output element goes through exactly these operations whatever M, the row's place
    /// among the others or the column's place among its neighbours, so a row's result does not
    /// depend on which rows came with it. K ≥ 1.
    @inline(__always)
    static func rowProducts(
        _ a: UnsafePointer<Float>, lda: Int, rows M: Int, inner K: Int,
        _ b: UnsafePointer<Float>, ldb: Int, columns N: Int, plus bias: UnsafePointer<Float>? = nil,
        into out: UnsafeMutablePointer<Float>, ldo: Int
    ) {
        ck_row_products(a, lda, M, K, b, ldb, N, bias, out, ldo)
    }
}
