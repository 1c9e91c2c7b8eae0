/// A full item-embedding table `E : [N, C]`; row 0 is padding and stays zero.
///
///     let embedding = Embedding(count: N, dimensions: 64, rng: &rng)
///     embedding.forward(ids: ids, count: B * T, output: x)   // x is [B*T, C]
public final class Embedding: WeightContainer {
    public let count: Int
    public let dimensions: Int
    /// [N, C]
    public let weight: Weight

    /// Rows from N(0, standardDeviation²): 1 as torch.nn.Embedding, 0.02 as RecBole's SASRec.
    public init(count: Int, dimensions: Int, standardDeviation: Float = 1, rng: inout SeededGenerator) {
        precondition(count >= 1 && dimensions >= 1)
        self.count = count
        self.dimensions = dimensions
        weight = Weight(shape: [count, dimensions])
        weight.value.fillNormal(std: standardDeviation, using: &rng)
        weight.value.data.update(repeating: 0, count: dimensions)
    }

    /// A replica: the same weights, shared and only read, with scratch of its own (see `Replica`).
    public init(replicating other: Embedding) {
        count = other.count
        dimensions = other.dimensions
        weight = other.weight
    }

    public func replica() -> Self { Embedding(replicating: self) as! Self }

    public func namedWeights(prefix: String) -> [NamedWeight] {
        [NamedWeight(join(prefix, "weight"), weight)]
    }

    /// output[i, :] = E[ids[i], :], zeros for padding; output is [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions
        let table = weight.value.data
        for i in 0..<rows {
            if ids[i] == 0 {
                (output + i * C).update(repeating: 0, count: C)
            } else {
                (output + i * C).update(from: table + Int(ids[i]) * C, count: C)
            }
        }
    }

}
