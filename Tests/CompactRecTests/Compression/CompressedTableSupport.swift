import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// One compressed item table at N = 13, C = 4, with its parameter count worked out by hand.
struct TableVariant: Sendable, CustomTestStringConvertible {
    static let N = 13, C = 4
    /// Popularity buckets for mixed-dim: [0, 4), [4, 8), [8, 13).
    static let cutoffs = [4, 8, 13]
    static var clusters: ItemClusters { try! ItemClusters(cutoffs: [4, 8], itemCount: N) }

    let name: String
    let kind: ItemTableKind
    let settings: ItemTableSettings
    /// The METHODS formula at N = 13, C = 4, by hand.
    let formula: Int
    /// Names and shapes of the parameters, in order.
    let tensors: [String]
    let shapes: [[Int]]
    var testDescription: String { name }

    static let all: [TableVariant] = [
        // m·C + N = 5·4 + 13; items 1, 6, 11 share bucket 1.
        TableVariant(name: "memcom modulo", kind: .memcom, settings: ItemTableSettings(buckets: 5, hash: .modulo),
                     formula: 33, tensors: ["table", "weights"], shapes: [[5, 4], [13]]),
        TableVariant(name: "memcom multiplicative", kind: .memcom, settings: ItemTableSettings(buckets: 5, hash: .multiplicative),
                     formula: 33, tensors: ["table", "weights"], shapes: [[5, 4], [13]]),
        // m·C = 5·4
        TableVariant(name: "hashing", kind: .hashing, settings: ItemTableSettings(buckets: 5),
                     formula: 20, tensors: ["table"], shapes: [[5, 4]]),
        // (⌈13/5⌉ + 5)·4 = (3 + 5)·4
        TableVariant(name: "qr multiply", kind: .qr, settings: ItemTableSettings(qrCollisions: 5, qrOperation: .multiply),
                     formula: 32, tensors: ["quotient", "remainder"], shapes: [[3, 4], [5, 4]]),
        // (⌈13/4⌉ + 4)·4 = (4 + 4)·4
        TableVariant(name: "qr add", kind: .qr, settings: ItemTableSettings(qrCollisions: 4, qrOperation: .add),
                     formula: 32, tensors: ["quotient", "remainder"], shapes: [[4, 4], [4, 4]]),
        // N·r + r·C = 13·2 + 2·4
        TableVariant(name: "low-rank", kind: .lowRank, settings: ItemTableSettings(rank: 2),
                     formula: 34, tensors: ["weight", "projection"], shapes: [[13, 2], [2, 4]]),
        // k_0·C + (k_1·d_1 + d_1·C) + (k_2·d_2 + d_2·C) = 4·4 + (4·2 + 2·4) + (5·1 + 1·4)
        TableVariant(name: "mixed-dim", kind: .mixedDim, settings: ItemTableSettings(mixedDimensions: [4, 2, 1]),
                     formula: 41, tensors: ["head.weight", "tails.0.weight", "tails.0.projection", "tails.1.weight", "tails.1.projection"],
                     shapes: [[4, 4], [4, 2], [2, 4], [5, 1], [1, 4]]),
        // m·256·(C/m) = 2·256·2, whatever N; codes random from the generator until assigned.
        TableVariant(name: "jpq", kind: .jpq, settings: ItemTableSettings(jpqSplits: 2),
                     formula: 1024, tensors: ["sub_items"], shapes: [[2, 256, 2]]),
    ]

    /// The table with its backward pass: every runtime table has one in the training library.
    func make(standardDeviation s: Float = 1, seed: UInt64) -> any TrainableItemMatrix {
        var rng = SeededGenerator(seed: seed)
        let table = settings.makeTable(kind, itemCount: Self.N, dimensions: Self.C, clusters: Self.clusters, standardDeviation: s, rng: &rng)
        return table as! any TrainableItemMatrix
    }

    /// A table whose every parameter is moved off its initial values (MEmCom's weights are no
    /// longer all 1), and whose padding-only entries hold junk that must never show.
    func perturbed(standardDeviation s: Float = 1, seed: UInt64) -> any TrainableItemMatrix {
        let table = make(standardDeviation: s, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1000)
        for p in table.uniqueWeights() {
            let values = p.weight.value
            for i in 0..<values.count { values.data[i] += 0.5 * s * rng.nextNormal() }
        }
        return table
    }

    /// Entries only the padding uses (zero at initialisation, never updated): (parameter, range).
    static func paddingEntries(_ table: any ItemMatrix) -> [(String, Range<Int>)] {
        switch table {
        case is MEmComEmbedding: [("weights", 0..<1)]
        case let t as LowRankEmbedding: [("weight", 0..<t.rank)]
        case let t as MixedDimensionEmbedding: [("head.weight", 0..<t.dimensions)]
        default: []
        }
    }
}

/// Double references straight from the definitions in METHODS §4, §5.
enum TableReference {
    static func value(_ p: Weight, _ row: Int, _ column: Int) -> Double {
        Double(p.value.data[row * p.shape[1] + column])
    }

    /// e(x), zeros for padding, recomputed from the parameters and the hash function itself.
    static func embedding(_ table: any ItemMatrix, item x: Int) -> [Double] {
        let C = table.dimensions
        if x == 0 { return Array(repeating: 0, count: C) }
        switch table {
        case let t as MEmComEmbedding:
            let row = t.hash.bucket(of: x, buckets: t.bucketCount)
            return (0..<C).map { Double(t.weights.value.data[x]) * value(t.table, row, $0) }
        case let t as HashingEmbedding:
            let row = t.hash.bucket(of: x, buckets: t.bucketCount)
            return (0..<C).map { value(t.table, row, $0) }
        case let t as QuotientRemainderEmbedding:
            let q = x / t.collisions, r = x % t.collisions
            return (0..<C).map { c in
                t.operation == .multiply ? value(t.quotient, q, c) * value(t.remainder, r, c)
                    : value(t.quotient, q, c) + value(t.remainder, r, c)
            }
        case let t as LowRankEmbedding:
            return (0..<C).map { c in (0..<t.rank).reduce(0.0) { $0 + value(t.weight, x, $1) * value(t.projection, $1, c) } }
        case let t as MixedDimensionEmbedding:
            return BlockAdaptiveEmbeddingTests.naive(t.blocks, item: x)
        case let t as JPQEmbedding:
            // [S_0[k_0(x)], …, S_{m−1}[k_{m−1}(x)]], S: [m, 256, C/m].
            let w = C / t.splits
            return (0..<C).map { c in
                let s = c / w
                return Double(t.subItems.value.data[(s * 256 + t.codes.code(item: x, split: s)) * w + c % w])
            }
        default:
            preconditionFailure("no reference for \(type(of: table))")
        }
    }

    /// Every item's embedding, [N][C].
    static func matrix(_ table: any ItemMatrix) -> [[Double]] {
        (0..<table.itemCount).map { embedding(table, item: $0) }
    }
}
