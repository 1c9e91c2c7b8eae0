// Shape legend used throughout CompactRec:
//   B = batch size, T = sequence length, C = channels (embedding size d),
//   N = number of items including padding, K = a top-K cut-off, M = rows that carry a target.

/// A dense, contiguous, row-major buffer of `Float32` with a shape.
///
/// Storage is 64-byte aligned and owned by the tensor; kernels work on `data` directly.
/// A `Tensor` is a reference type so layers can keep activations and parameters without
/// copying; it is never resized, only re-created.
///
///     let x = Tensor(shape: [B, T, C])   // zero-filled
///     x.data[0] = 1
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        self.data = raw.assumingMemoryBound(to: Float.self)
    }

    /// A tensor holding a copy of `values`.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var values: [Float] { Array(buffer) }

    public func zero() { data.update(repeating: 0, count: count) }
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy between \(other.shape) and \(shape)")
        data.update(from: other.data, count: count)
    }
}

/// A growable scratch buffer for activations (or indices) whose size depends on the batch.
///
/// `ensure(_:)` reallocates only when asked for more than it holds, and then grows by at least
/// half, so a training loop whose batches vary in size reallocates (and page-faults fresh
/// memory) only a few times. Contents are undefined after a reallocation.
public final class ScratchBuffer<Element>: @unchecked Sendable {
    public private(set) var capacity = 0
    public private(set) var data = UnsafeMutablePointer<Element>.allocate(capacity: 1)

    public init() {}
    deinit { data.deallocate() }

    @discardableResult
    public func ensure(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > capacity {
            let grown = max(count, capacity + capacity / 2)
            data.deallocate()
            data = UnsafeMutablePointer<Element>.allocate(capacity: grown)
            capacity = grown
        }
        return data
    }
}

/// Scratch space for Float activations.
public typealias Workspace = ScratchBuffer<Float>
