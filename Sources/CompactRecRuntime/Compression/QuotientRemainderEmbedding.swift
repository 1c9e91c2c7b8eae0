// Shape legend: C channels, N items including padding 0, c items per quotient row,
// Q = ⌈N / c⌉ quotient rows, B rows of hidden states.

/// How a quotient-remainder embedding combines its two rows.
public enum QuotientRemainderOperation: String, Codable, CaseIterable, Sendable {
    /// e(x) = Q[x / c] ⊙ R[x mod c]
    case multiply
    /// e(x) = Q[x / c] + R[x mod c]
    case add
}

/// The quotient-remainder trick (Shi et al., KDD 2020; METHODS §5): two small tables whose rows,
/// combined, are distinct for every item, since no two items share both quotient and remainder.
///
///     e(x) = Q[x / c] ⊙ R[x mod c]   (or +)      Q: [⌈N/c⌉, C], R: [c, C]
///
/// Parameters `(⌈N/c⌉ + c)·C`. Names: `quotient` and `remainder`.
///
/// Initialisation, with s the target standard deviation of each coordinate of e(x):
/// - multiply: `Q, R ~ N(1, σ²)` with `σ² = sqrt(1 + s²) − 1`, so `Q ⊙ R` has mean 1 and
///   variance `(1 + σ²)² − 1 = s²`. METHODS asks for both "around 1": a product of two
///   zero-mean factors would start near 0 with heavy tails (and dlrm's init is known to
///   diverge). The shared mean 1 is the same vector for every item: the first convolution's
///   bias absorbs it, and on the output side it adds `h · 1` to every score, which the softmax
///   ignores.
/// - add: `Q, R ~ N(0, s²/2)`, so the sum has variance s².
///
/// Padding (item 0) embeds to zeros and takes no gradient, although it shares `Q[0]` and `R[0]`.
///
///     let e = QuotientRemainderEmbedding(itemCount: N, dimensions: 64, collisions: 200, operation: .multiply, rng: &rng)
public final class QuotientRemainderEmbedding: ItemMatrix {
    public let itemCount: Int
    public let dimensions: Int
    /// c: items per quotient row.
    public let collisions: Int
    public let operation: QuotientRemainderOperation
    /// Q: [⌈N/c⌉, C]
    public let quotient: Weight
    /// R: [c, C]
    public let remainder: Weight

    /// [N, C] (multiply): every item's embedding, materialised for scoring and kept for its
    /// backward; then [N, C] dE.
    package let materialised = Workspace(), materialisedGradient = Workspace()
    /// [B, Q] and [B, c] (add): H·Qᵀ and H·Rᵀ, then their gradients.
    package let quotientScores = Workspace(), remainderScores = Workspace()

    /// - Parameter standardDeviation: s, the standard deviation of each coordinate of e(x) at initialisation.
    public init(itemCount N: Int, dimensions C: Int, collisions c: Int, operation: QuotientRemainderOperation,
                standardDeviation s: Float = 1, rng: inout SeededGenerator) {
        precondition(N >= 2 && C >= 1, "quotient-remainder needs items and channels, got N = \(N), C = \(C)")
        precondition(c >= 1 && c <= N, "quotient-remainder needs 1 ≤ c ≤ N = \(N) collisions, got \(c)")
        itemCount = N
        dimensions = C
        collisions = c
        self.operation = operation
        quotient = Weight(shape: [(N + c - 1) / c, C])
        remainder = Weight(shape: [c, C])
        switch operation {
        case .multiply:
            let sigma = ((1 + Double(s) * Double(s)).squareRoot() - 1).squareRoot()
            for table in [quotient, remainder] {
                table.value.fillNormal(std: Float(sigma), using: &rng)
                for i in 0..<table.count { table.value.data[i] += 1 }
            }
        case .add:
            quotient.value.fillNormal(std: s / Float(2).squareRoot(), using: &rng)
            remainder.value.fillNormal(std: s / Float(2).squareRoot(), using: &rng)
        }
    }

    /// ⌈N/c⌉
    public var quotientCount: Int { quotient.shape[0] }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: QuotientRemainderEmbedding) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        collisions = other.collisions
        operation = other.operation
        quotient = other.quotient
        remainder = other.remainder
    }

    public func replica() -> Self { QuotientRemainderEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "quotient"), quotient), NamedWeight(join(prefix, "remainder"), remainder)]
    }

    /// e(x) into `out` ([C]) for x ≥ 1.
    @inline(__always)
    private func embed(_ x: Int, into out: UnsafeMutablePointer<Float>) {
        let C = dimensions
        let q = quotient.value.data + (x / collisions) * C, r = remainder.value.data + (x % collisions) * C
        switch operation {
        case .multiply:
            Kernels.multiply(q, r, into: out, count: C)
        case .add:
            out.update(from: q, count: C)
            Kernels.add(r, into: out, count: C)
        }
    }

    /// output[i, :] = e(ids[i]), zeros for padding; output: [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions
        for i in 0..<rows {
            let x = Int(ids[i])
            if x == 0 { (output + i * C).update(repeating: 0, count: C) } else { embed(x, into: output + i * C) }
        }
    }

    /// multiply cannot factor `h · (Q[q] ⊙ R[r])` into per-table products, so it materialises
    /// E: [N, C] (O(N·C), once per call) and does one GEMM. add is cheap:
    /// `score[b, x] = (H·Qᵀ)[b, x/c] + (H·Rᵀ)[b, x mod c]`, O((⌈N/c⌉ + c)·C + N) per row.
    public func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, C = dimensions, c = collisions, nq = quotientCount
        switch operation {
        case .multiply:
            let e = materialised.ensure(N * C)  // [N, C]
            e.update(repeating: 0, count: C)
            for x in 1..<N { embed(x, into: e + x * C) }
            BLAS.gemm(transB: true, m: B, n: N, k: C, a: hidden, lda: C, b: e, ldb: C, beta: 0, c: output, ldc: N)
        case .add:
            let sq = quotientScores.ensure(B * nq), sr = remainderScores.ensure(B * c)  // [B, Q], [B, c]
            BLAS.gemm(transB: true, m: B, n: nq, k: C, a: hidden, lda: C, b: quotient.value.data, ldb: C, beta: 0, c: sq, ldc: nq)
            BLAS.gemm(transB: true, m: B, n: c, k: C, a: hidden, lda: C, b: remainder.value.data, ldb: C, beta: 0, c: sr, ldc: c)
            Parallel.forEachChunk(B) { chunk in
                for b in chunk {
                    let row = output + b * N
                    for q in 0..<nq {
                        let start = q * c
                        Kernels.addScalar(sq[b * nq + q], to: sr + b * c, into: row + start, count: min(c, N - start))
                    }
                    row[0] = 0
                }
            }
        }
    }

}
