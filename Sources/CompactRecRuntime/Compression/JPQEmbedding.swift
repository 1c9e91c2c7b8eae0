import CKernels

// Shape legend: C channels, N items including padding 0, m splits of w = C/m channels each,
// 256 sub-ids per split, B rows of hidden states.

/// RecJPQ's item table (Petrov & Macdonald, WSDM 2024): each item has a code of m sub-ids, one
/// per split of the embedding, and its embedding is the concatenation of its sub-ids' vectors:
///
///     e(x) = [S_0[k_0(x)], S_1[k_1(x)], …, S_{m−1}[k_{m−1}(x)]]      S: [m, 256, C/m]
///
/// The sub-item embeddings `S` are trained; the codes `k` ([N, m] bytes, `JPQCodes`) are
/// assigned before training and fixed. Parameters `m·256·(C/m) = 256·C` floats whatever m and N,
/// plus `N·m` bytes of codes.
///
/// Scoring is product-quantised: for a hidden state h split as [h_0, …, h_{m−1}], the 256
/// sub-item scores of each split `h_s · S_s[j]` (m small products, `O(256·C)` per row), then an
/// item's score is the sum of m lookups, `Σ_s (h_s · S_s)[k_s(x)]` (`O(N·m)` per row, the C
/// kernel `ck_jpq_scores`), instead of `O(N·C)`.
///
/// Names: `sub_items` [m, 256, C/m], and the codes `codes` [N, m] (a `U8` tensor, not a parameter).
/// Initialisation `S ~ N(0, s²)`, so each coordinate of e(x) has standard deviation s. Padding
/// (item 0) embeds to zeros and takes no gradient; its score column is 0.
///
///     let e = JPQEmbedding(itemCount: N, dimensions: 64, splits: 8, rng: &rng)
///     e.codes.assign(codes)   // [N, 8] bytes, before training
public final class JPQEmbedding: ItemMatrix, ItemCodeContainer {
    public let itemCount: Int
    public let dimensions: Int
    /// m
    public let splits: Int
    /// S: [m, 256, C/m]
    public let subItems: Weight
    /// k: [N, m]
    public let codes: JPQCodes

    /// [B, m, 256]: the sub-item scores of the last `scoreItems`, then their gradient.
    package let subScores = Workspace(), subScoresGradient = Workspace()

    /// C/m, the width of one split.
    public var splitWidth: Int { dimensions / splits }

    /// A table whose codes are all zero until assigned (`codes.assign`), unless `codes` are given.
    /// - Parameter standardDeviation: s, the standard deviation of each coordinate of e(x) at initialisation.
    public init(itemCount N: Int, dimensions C: Int, splits m: Int, codes: JPQCodes? = nil, standardDeviation s: Float = 1,
                rng: inout SeededGenerator) {
        precondition(N >= 2 && C >= 1, "JPQ needs items and channels, got N = \(N), C = \(C)")
        precondition(m >= 1 && m <= C && C % m == 0, "JPQ needs m splits dividing C = \(C), got \(m)")
        itemCount = N
        dimensions = C
        splits = m
        subItems = Weight(shape: [m, JPQCodes.subIdCount, C / m])
        subItems.value.fillNormal(std: s, using: &rng)
        if let codes {
            precondition(codes.itemCount == N && codes.splits == m, "JPQ codes are [\(codes.itemCount), \(codes.splits)], expected [\(N), \(m)]")
            self.codes = codes
        } else {
            self.codes = JPQCodes(itemCount: N, splits: m)
        }
    }

    /// A replica: the same weights and codes, shared and only read, with scratch of its own.
    public init(replicating other: JPQEmbedding) {
        itemCount = other.itemCount
        dimensions = other.dimensions
        splits = other.splits
        subItems = other.subItems
        codes = other.codes
    }

    public func replica() -> Self { JPQEmbedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "sub_items"), subItems)]
    }

    public func namedItemCodes(prefix: String) -> [(name: String, codes: JPQCodes)] {
        [(join(prefix, "codes"), codes)]
    }

    /// output[i, :] = e(ids[i]), zeros for padding; output: [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions, m = splits, w = splitWidth, table = subItems.value.data
        codes.bytes.withUnsafeBufferPointer { k in
            for i in 0..<rows {
                let x = Int(ids[i]), out = output + i * C
                if x == 0 { out.update(repeating: 0, count: C); continue }
                for s in 0..<m {
                    (out + s * w).update(from: table + (s * JPQCodes.subIdCount + Int(k[x * m + s])) * w, count: w)
                }
            }
        }
    }

    /// The [B, m, 256] sub-item scores `h_s · S_s[j]` into `subScores`, one product per split.
    package func computeSubScores(hidden: UnsafePointer<Float>, rows B: Int) -> UnsafeMutablePointer<Float> {
        let C = dimensions, m = splits, w = splitWidth, K = JPQCodes.subIdCount
        let sub = subScores.ensure(B * m * K)  // [B, m, 256]
        for s in 0..<m {
            BLAS.gemm(transB: true, m: B, n: K, k: w, a: hidden + s * w, lda: C, b: subItems.value.data + s * K * w, ldb: w,
                      beta: 0, c: sub + s * K, ldc: m * K)
        }
        return sub
    }

    /// Product-quantised: the sub-item scores, then m lookups per item (`ck_jpq_scores`).
    public func scoreItems(hidden: UnsafePointer<Float>, rows B: Int, output: UnsafeMutablePointer<Float>) {
        let N = itemCount, m = splits, K = JPQCodes.subIdCount
        let sub = UnsafePointer(computeSubScores(hidden: hidden, rows: B))
        codes.bytes.withUnsafeBufferPointer { k in
            let codes = k.baseAddress!
            Parallel.forEachChunk(B) { chunk in
                for b in chunk {
                    let row = output + b * N
                    ck_jpq_scores(sub + b * m * K, codes + m, N - 1, m, row + 1)
                    row[0] = 0
                }
            }
        }
    }

    /// The [N, C] table the codes and sub-item embeddings describe (padding's row zero): what
    /// `scoreItems` equals the product with.
    public func reconstructed() -> [Float] {
        let N = itemCount, C = dimensions
        var table = [Float](repeating: 0, count: N * C)
        let ids = (0..<N).map(Int32.init)
        table.withUnsafeMutableBufferPointer { out in
            ids.withUnsafeBufferPointer { forward(ids: $0.baseAddress!, rows: N, output: out.baseAddress!) }
        }
        return table
    }
}

extension CompressedSoftmax: ItemCodeContainer {
    /// The codes of the item matrix, under `items`, when it has any.
    public func namedItemCodes(prefix: String) -> [(name: String, codes: JPQCodes)] {
        (items as? any ItemCodeContainer)?.namedItemCodes(prefix: join(prefix, "items")) ?? []
    }
}
