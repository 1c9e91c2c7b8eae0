import Foundation

/// The model the server answers with now, swapped whole by a reload.
///
/// A request takes `current` once and answers with it to the end, so a swap never changes the
/// model under a request in flight; the old model is freed when the last such request ends.
final class ModelSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var model: LoadedModel

    init(_ model: LoadedModel) { self.model = model }

    var current: LoadedModel { lock.withLock { model } }

    /// Makes `newModel` current and returns the one it replaces.
    @discardableResult
    func swap(to newModel: LoadedModel) -> LoadedModel {
        lock.withLock {
            let old = model
            model = newModel
            return old
        }
    }
}
