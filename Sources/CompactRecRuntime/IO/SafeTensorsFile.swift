/// The tensors and metadata decoded from one safetensors file.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Where the bytes came from (a path), used in every error about them.
    public let source: String
    /// The tensors in the order of their data in the file.
    public let tensors: [NamedTensor]
    /// The tensors of other dtypes than `F32` (read only when asked for, see `SafeTensors.read(path:accepting:)`).
    public let stored: [StoredTensor]
    /// The header's `"__metadata__"` object; empty when absent.
    public let metadata: [String: String]
    /// F32 tensors read straight into the storage of the tensors of their names (a model's
    /// parameters, see `ModelBundle.read`) rather than into `tensors`.
    public let readInto: Set<String>
    private let indexByName: [String: Int]
    private let storedIndexByName: [String: Int]

    init(source: String, tensors: [NamedTensor], stored: [StoredTensor] = [], metadata: [String: String], readInto: Set<String> = []) {
        self.source = source
        self.tensors = tensors
        self.stored = stored
        self.metadata = metadata
        self.readInto = readInto
        self.storedIndexByName = Dictionary(stored.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        // The decoders pass unique names; keeping the first of any duplicate avoids a trap,
        // which -Ounchecked would turn into undefined behaviour, should that ever change.
        self.indexByName = Dictionary(tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tensor called `name`, if the file has one.
    public subscript(name: String) -> NamedTensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// The tensor of a dtype other than F32 called `name`, if the file has one.
    public func stored(_ name: String) -> StoredTensor? {
        storedIndexByName[name].map { stored[$0] }
    }

    /// The values of the tensor called `name`, which must exist, have exactly `shape` and hold
    /// finite numbers no larger than `limit` in magnitude: the check every model loader needs,
    /// with an error that names the file, the tensor and the element at fault. (A NaN or an
    /// infinity would turn every score it touches into NaN, which is never recommended: a model
    /// that silently recommends nothing is worse than a file refused.)
    public func values(of name: String, shape: [Int], limit: Float = .greatestFiniteMagnitude) throws -> [Float] {
        let location = SafeTensorsDiagnostics.location(ofTensor: name)
        guard let tensor = self[name] else {
            throw InputError(source: source, location: location, "missing; the file has no tensor of that name")
        }
        guard tensor.shape == shape else {
            throw InputError(source: source, location: location, "expected shape \(shape), found \(tensor.shape)")
        }
        if let index = Self.firstBeyond(limit, in: tensor.values) {
            let value = tensor.values[index]
            throw InputError(source: source, location: location, "element \(index) is \(value), " + Self.problem(value, limit))
        }
        return tensor.values
    }

    /// What is wrong with a value beyond the limit.
    private static func problem(_ value: Float, _ limit: Float) -> String {
        value.isFinite ? "beyond ±\(limit), far larger than trained weights get (is the file damaged?)" : "not a finite number"
    }

    /// The index of the first value that is NaN or larger than `limit` in magnitude, if any.
    /// Blocks of 4096 are counted with a branch-free compare, which vectorises; only a block
    /// with a count is searched element by element.
    static func firstBeyond(_ limit: Float, in values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { firstBeyond(limit, in: $0) }
    }

    /// As above, over a buffer (a parameter's storage) without copying it.
    package static func firstBeyond(_ limit: Float, in buffer: UnsafeBufferPointer<Float>) -> Int? {
        var start = 0
        while start < buffer.count {
            let end = min(start + 4096, buffer.count)
            var beyond = 0
            for i in start..<end { beyond &+= abs(buffer[i]) <= limit ? 0 : 1 }
            if beyond > 0 { return (start..<end).first { !(abs(buffer[$0]) <= limit) } }
            start = end
        }
        return nil
    }

    /// Copies every parameter's values from the tensor of its name, which must exist with the
    /// parameter's shape, and checks the file has no other tensors: loading a model or an
    /// optimizer state, with errors that name this file and the tensor at fault.
    /// - Parameters:
    ///   - prefix: prepended to each parameter's name to find its tensor (e.g. `"m."`).
    ///   - unexpected: the error message for a tensor no parameter asked for.
    ///   - limit: the largest magnitude a value may have (see `values(of:shape:limit:)`).
    public func copyValues(
        into parameters: [NamedWeight], prefix: String = "", unexpected: String = "not a parameter of this model",
        limit: Float = .greatestFiniteMagnitude
    ) throws {
        try copyValues(into: parameters.map { (prefix + $0.name, $0.weight.value) }, unexpected: unexpected, limit: limit)
    }

    /// As above for tensors under explicit names; every tensor of the file must be used.
    public func copyValues(
        into destinations: [(name: String, tensor: Tensor)], unexpected: String = "not a parameter of this model",
        limit: Float = .greatestFiniteMagnitude
    ) throws {
        for (name, tensor) in destinations {
            if readInto.contains(name) {
                // Read into its storage already, with its shape: only the values are left to check.
                if let index = Self.firstBeyond(limit, in: UnsafeBufferPointer(tensor.buffer)) {
                    throw InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: name),
                                     "element \(index) is \(tensor.data[index]), " + Self.problem(tensor.data[index], limit))
                }
                continue
            }
            let values = try self.values(of: name, shape: tensor.shape, limit: limit)
            values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
        let known = Set(destinations.map(\.name))
        if let extra = tensors.first(where: { !known.contains($0.name) }) {
            throw InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: extra.name), unexpected)
        }
        if let extra = stored.first {
            throw InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: extra.name),
                             "\(unexpected) (a \(extra.dtype.rawValue) tensor, where every weight is F32)")
        }
    }
}
