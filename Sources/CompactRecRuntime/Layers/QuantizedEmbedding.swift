/// A full item table `[N, C]` stored in reduced precision (fp16, int8 or int4 row-wise); a
/// lookup dequantizes only the rows it reads. Read-only: a model with it serves, never trains.
///
///     let embedding = QuantizedEmbedding(table: QuantizedRows.quantize(e, rows: N, columns: C, format: .int8))
public final class QuantizedEmbedding: ItemEmbedding {
    /// [N, C]
    public let table: QuantizedRows

    public init(table: QuantizedRows) {
        self.table = table
    }

    public var itemCount: Int { table.rows }
    public var dimensions: Int { table.columns }

    /// No scratch of its own: the same object serves every caller.
    public func replica() -> Self { self }

    /// None: the table is not a trainable parameter (see `ModelBundle.quantizedWeights`).
    public func namedWeights(prefix: String) -> [NamedWeight] { [] }

    /// output[i, :] = E[ids[i], :] dequantized, zeros for padding; output is [rows, C].
    public func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>) {
        let C = dimensions
        for i in 0..<rows {
            if ids[i] == 0 {
                (output + i * C).update(repeating: 0, count: C)
            } else {
                table.dequantizeRow(Int(ids[i]), into: output + i * C)
            }
        }
    }
}
