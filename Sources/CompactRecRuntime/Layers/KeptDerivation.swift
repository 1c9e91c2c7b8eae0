import Foundation

/// Something a layer derives from its weights for ranking (a tree softmax's tail bounds, a
/// quantized softmax's block bounds), derived at the first ranking after the weights last
/// changed and kept until they change again (`forget()`, from `OutputLayer.weightsDidChange`).
/// Shared by a layer and its replicas, which read the same weights; safe from many threads.
final class KeptDerivation<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    /// The kept value, or `derive()`'s, kept from now on.
    func value(_ derive: () -> Value) -> Value {
        lock.withLock {
            if let value { return value }
            let derived = derive()
            value = derived
            return derived
        }
    }

    /// Drops the kept value: the weights it came from changed.
    func forget() {
        lock.withLock { value = nil }
    }
}
