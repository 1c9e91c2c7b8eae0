// Scoring for `TreeSoftmax`: every item's log-probability, and the pieces the early stop shares
// with it. Shape legend as in TreeSoftmax.swift.

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
    /// depend on which rows came with it. Four rows share each load of `b`. K ≥ 1.
    static func rowProducts(
        _ a: UnsafePointer<Float>, lda: Int, rows M: Int, inner K: Int,
        _ b: UnsafePointer<Float>, ldb: Int, columns N: Int, plus bias: UnsafePointer<Float>? = nil,
        into out: UnsafeMutablePointer<Float>, ldo: Int
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        var r = 0
        while r + 4 <= M {
            let a0 = a + r * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
            let o0 = out + r * ldo, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo
            var j = 0
            while j + 8 <= N {
                var w = load(b + j)
                var s0 = a0[0] * w, s1 = a1[0] * w, s2 = a2[0] * w, s3 = a3[0] * w
                if let bias {
                    let c = load(bias + j)
                    s0 = s0 + c; s1 = s1 + c; s2 = s2 + c; s3 = s3 + c
                }
                for e in 1..<K {
                    w = load(b + e * ldb + j)
                    s0 = s0 + a0[e] * w
                    s1 = s1 + a1[e] * w
                    s2 = s2 + a2[e] * w
                    s3 = s3 + a3[e] * w
                }
                store(s0, o0 + j); store(s1, o1 + j); store(s2, o2 + j); store(s3, o3 + j)
                j += 8
            }
            if j < N {
                for row in 0..<4 {
                    rowProductsTail(a0 + row * lda, inner: K, b, ldb: ldb, columns: j..<N, plus: bias, into: o0 + row * ldo)
                }
            }
            r += 4
        }
        while r < M {
            let ar = a + r * lda, or = out + r * ldo
            var j = 0
            while j + 8 <= N {
                var s = ar[0] * load(b + j)
                if let bias { s = s + load(bias + j) }
                for e in 1..<K { s = s + ar[e] * load(b + e * ldb + j) }
                store(s, or + j)
                j += 8
            }
            rowProductsTail(ar, inner: K, b, ldb: ldb, columns: j..<N, plus: bias, into: or)
            r += 1
        }
    }

    /// `rowProducts` for one row and a few columns, one at a time, with the same operations.
    @inline(__always)
    private static func rowProductsTail(
        _ a: UnsafePointer<Float>, inner K: Int, _ b: UnsafePointer<Float>, ldb: Int, columns: Range<Int>,
        plus bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>
    ) {
        for j in columns {
            var s = a[0] * b[j]
            if let bias { s = s + bias[j] }
            for e in 1..<K { s = s + a[e] * b[e * ldb + j] }
            out[j] = s
        }
    }
}
