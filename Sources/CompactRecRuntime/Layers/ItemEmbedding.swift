/// What maps item ids to vectors: the full table, and later its compressed variants.
public protocol ItemEmbedding: WeightContainer {
    /// N, including padding.
    var itemCount: Int { get }
    /// C
    var dimensions: Int { get }
    /// output[i, :] = e(ids[i]); output: [rows, C]. Padding (id 0) maps to zeros.
    func forward(ids: UnsafePointer<Int32>, rows: Int, output: UnsafeMutablePointer<Float>)

    /// The same layer over the same weights, shared and only read, with scratch of its own: two
    /// callers, each with its own replica, can run at once (see `InferenceContext`).
    func replica() -> Self
}

extension Embedding: ItemEmbedding {
    public var itemCount: Int { count }
}
