import CompactRecRuntime

// Shape legend: U users (training sequences), N items including padding 0, m splits (code
// bytes), k = m + oversampling columns of the randomized SVD.

/// Assigns JPQ item codes from the training data before training (RecJPQ, Petrov & Macdonald
/// 2024): one sub-id in 0..<256 per split and item.
///
/// `svd`, RecJPQ's default: a truncated SVD of the binary user–item matrix A ([U, N], 1 where a
/// training sequence holds the item) with m components; each component's item loadings are cut
/// into 256 quantile buckets, so the items whose loadings are close (bought by the same users)
/// share or neighbour sub-ids. The SVD is randomized (Halko, Martinsson & Tropp 2011): a seeded
/// Gaussian start of k = m + 10 columns, four rounds of subspace iteration `V ← orth(Aᵀ A V)`,
/// then the Rayleigh–Ritz step (the eigenvectors of `(AV)ᵀ(AV)`, Jacobi's method) for the top m
/// right singular vectors. Everything is in Double and in one thread, so the codes depend on the
/// data and the seed alone. Each vector's sign is fixed by its largest entry (positive), and the
/// quantile buckets are ranks: items sorted by loading (ties by index), the r-th of n items
/// gets `⌊r·256 / n⌋`, as scikit-learn's quantile binning of distinct values does.
///
/// `random`: every sub-id drawn uniformly from the seed.
///
/// Padding's code is all zeros; the table never reads it.
public enum ItemCodeAssignment {
    /// Oversampling of the randomized SVD, and its rounds of subspace iteration.
    static let oversampling = 10, powerIterations = 4

    /// Codes [N, m] by `method` for the items of `sequences` (indices 1..<N).
    public static func codes(_ method: JPQCodeAssignment, sequences: [[Int32]], itemCount N: Int, splits m: Int,
                             seed: UInt64) -> [UInt8] {
        switch method {
        case .svd:
            let loadings = svdLoadings(sequences: sequences, itemCount: N, components: m, seed: seed)
            return quantileCodes(loadings: loadings, itemCount: N, components: m)
        case .random:
            var rng = SeededGenerator(seed: seed)
            return JPQCodes.random(itemCount: N, splits: m, rng: &rng)
        }
    }

    /// Codes [N, m] from item loadings [m][N]: component s's items 1..<N ranked by loading (ties
    /// by index), the r-th of n getting ⌊r·256 / n⌋.
    static func quantileCodes(loadings: [[Double]], itemCount N: Int, components m: Int) -> [UInt8] {
        var codes = [UInt8](repeating: 0, count: N * m)
        let n = N - 1
        guard n > 0 else { return codes }
        for s in 0..<m {
            let v = loadings[s]
            let order = (1..<N).sorted { v[$0] != v[$1] ? v[$0] < v[$1] : $0 < $1 }
            for (r, x) in order.enumerated() { codes[x * m + s] = UInt8(r * JPQCodes.subIdCount / n) }
        }
        return codes
    }

    /// The top `components` right singular vectors of the binary user–item matrix, [components][N]
    /// (padding's entry 0), by randomized subspace iteration.
    static func svdLoadings(sequences: [[Int32]], itemCount N: Int, components m: Int, seed: UInt64) -> [[Double]] {
        // A as compressed rows of distinct items.
        var rowStart = [0], columns: [Int] = []
        for sequence in sequences {
            let items = Set(sequence.lazy.map(Int.init).filter { $0 >= 1 && $0 < N }).sorted()
            guard !items.isEmpty else { continue }
            columns += items
            rowStart.append(columns.count)
        }
        let U = rowStart.count - 1, k = m + oversampling
        // V: [N, k], row-major; padding's row stays zero.
        var rng = SeededGenerator(seed: seed)
        var v = [Double](repeating: 0, count: N * k)
        for i in k..<(N * k) { v[i] = Double(rng.nextNormal()) }
        var y = [Double](repeating: 0, count: U * k)
        func multiplyA() {  // y = A v
            for u in 0..<U {
                for j in 0..<k { y[u * k + j] = 0 }
                for p in rowStart[u]..<rowStart[u + 1] {
                    let x = columns[p]
                    for j in 0..<k { y[u * k + j] += v[x * k + j] }
                }
            }
        }
        func multiplyATransposed() {  // v = Aᵀ y
            for i in 0..<(N * k) { v[i] = 0 }
            for u in 0..<U {
                for p in rowStart[u]..<rowStart[u + 1] {
                    let x = columns[p]
                    for j in 0..<k { v[x * k + j] += y[u * k + j] }
                }
            }
        }
        orthonormalizeColumns(&v, rows: N, columns: k)
        for _ in 0..<powerIterations {
            multiplyA()
            multiplyATransposed()
            orthonormalizeColumns(&v, rows: N, columns: k)
        }
        // Rayleigh–Ritz: G = (AV)ᵀ(AV) = Q Λ Qᵀ; the singular vectors are V·Q by decreasing Λ.
        multiplyA()
        var g = [Double](repeating: 0, count: k * k)
        for u in 0..<U {
            for a in 0..<k where y[u * k + a] != 0 {
                for b in 0..<k { g[a * k + b] += y[u * k + a] * y[u * k + b] }
            }
        }
        let (eigenvalues, eigenvectors) = symmetricEigen(g, size: k)
        let order = (0..<k).sorted { eigenvalues[$0] != eigenvalues[$1] ? eigenvalues[$0] > eigenvalues[$1] : $0 < $1 }
        return (0..<m).map { s in
            let column = order[s]
            var loading = [Double](repeating: 0, count: N)
            for x in 1..<N {
                var sum = 0.0
                for j in 0..<k { sum += v[x * k + j] * eigenvectors[j * k + column] }
                loading[x] = sum
            }
            // A sign of its own: the entry of largest magnitude (the first of equals) is positive.
            var largest = 0
            for x in 1..<N where abs(loading[x]) > abs(loading[largest]) { largest = x }
            if loading[largest] < 0 { for x in 0..<N { loading[x] = -loading[x] } }
            return loading
        }
    }

    /// Modified Gram–Schmidt on the columns of a row-major [rows, columns] matrix; a column that
    /// vanishes (rank below the columns) is left zero.
    static func orthonormalizeColumns(_ a: inout [Double], rows: Int, columns k: Int) {
        for j in 0..<k {
            for i in 0..<j {
                var dot = 0.0
                for r in 0..<rows { dot += a[r * k + i] * a[r * k + j] }
                for r in 0..<rows { a[r * k + j] -= dot * a[r * k + i] }
            }
            var norm = 0.0
            for r in 0..<rows { norm += a[r * k + j] * a[r * k + j] }
            norm = norm.squareRoot()
            let scale = norm > 1e-12 ? 1 / norm : 0
            for r in 0..<rows { a[r * k + j] *= scale }
        }
    }

    /// Eigenvalues and eigenvectors (columns of a row-major [n, n] matrix) of a symmetric matrix,
    /// by cyclic Jacobi rotations until the off-diagonal part is negligible.
    static func symmetricEigen(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var q = [Double](repeating: 0, count: n * n)
        for i in 0..<n { q[i * n + i] = 1 }
        let scale = max(a.reduce(0) { $0 + $1 * $1 }, 1e-300)
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
            if off <= 1e-24 * scale { break }
            for p in 0..<n {
                for r in (p + 1)..<n where a[p * n + r] != 0 {
                    let theta = (a[r * n + r] - a[p * n + p]) / (2 * a[p * n + r])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for i in 0..<n {  // A ← A·J
                        let aip = a[i * n + p], air = a[i * n + r]
                        a[i * n + p] = c * aip - s * air
                        a[i * n + r] = s * aip + c * air
                    }
                    for i in 0..<n {  // A ← Jᵀ·A
                        let api = a[p * n + i], ari = a[r * n + i]
                        a[p * n + i] = c * api - s * ari
                        a[r * n + i] = s * api + c * ari
                    }
                    for i in 0..<n {  // Q ← Q·J
                        let qip = q[i * n + p], qir = q[i * n + r]
                        q[i * n + p] = c * qip - s * qir
                        q[i * n + r] = s * qip + c * qir
                    }
                }
            }
        }
        return ((0..<n).map { a[$0 * n + $0] }, q)
    }
}

extension SequentialRecommender {
    /// Assigns the codes of every JPQ table from the training sequences, as the configuration's
    /// settings say (`jpqCodes`), seeded: what a run does once the model is built, before
    /// training. A model without JPQ tables is left as it is.
    public func assignItemCodes(sequences: [[Int32]], seed: UInt64) {
        let c = configuration
        var cache: [String: [UInt8]] = [:]
        for (name, codes) in namedItemCodes() {
            let settings = name.hasPrefix("output.") ? c.outputTable : c.inputTable
            guard let method = settings?.jpqCodes else { preconditionFailure("\(name) has codes but no jpq settings") }
            let key = "\(method.rawValue)/\(codes.splits)"
            let bytes = cache[key] ?? ItemCodeAssignment.codes(method, sequences: sequences, itemCount: codes.itemCount,
                                                               splits: codes.splits, seed: seed)
            cache[key] = bytes
            codes.assign(bytes)
        }
    }
}
