/// The tensors and metadata decoded from one safetensors file.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Where the bytes came from (a path), used in every error about them.
    public let source: String
    /// The tensors in the order of their data in the file.
    public let tensors: [NamedTensor]
    /// The header's `"__metadata__"` object; empty when absent.
    public let metadata: [String: String]
    private let indexByName: [String: Int]

    init(source: String, tensors: [NamedTensor], metadata: [String: String]) {
        self.source = source
        self.tensors = tensors
        self.metadata = metadata
        // The decoders pass unique names; keeping the first of any duplicate avoids a trap,
        // which -Ounchecked would turn into undefined behaviour, should that ever change.
        self.indexByName = Dictionary(tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tensor called `name`, if the file has one.
    public subscript(name: String) -> NamedTensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// The values of the tensor called `name`, which must exist and have exactly `shape`:
    /// the check every model loader needs, with an error that names the file and the tensor.
    public func values(of name: String, shape: [Int]) throws -> [Float] {
        let location = SafeTensorsDiagnostics.location(ofTensor: name)
        guard let tensor = self[name] else {
            throw InputError(source: source, location: location, "missing; the file has no tensor of that name")
        }
        guard tensor.shape == shape else {
            throw InputError(source: source, location: location, "expected shape \(shape), found \(tensor.shape)")
        }
        return tensor.values
    }

    /// Copies every parameter's values from the tensor of its name, which must exist with the
    /// parameter's shape, and checks the file has no other tensors: loading a model or an
    /// optimizer state, with errors that name this file and the tensor at fault.
    /// - Parameters:
    ///   - prefix: prepended to each parameter's name to find its tensor (e.g. `"m."`).
    ///   - unexpected: the error message for a tensor no parameter asked for.
    public func copyValues(
        into parameters: [NamedParameter], prefix: String = "", unexpected: String = "not a parameter of this model"
    ) throws {
        try copyValues(into: parameters.map { (prefix + $0.name, $0.parameter.value) }, unexpected: unexpected)
    }

    /// As above for tensors under explicit names; every tensor of the file must be used.
    public func copyValues(
        into destinations: [(name: String, tensor: Tensor)], unexpected: String = "not a parameter of this model"
    ) throws {
        for (name, tensor) in destinations {
            let values = try self.values(of: name, shape: tensor.shape)
            values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
        let known = Set(destinations.map(\.name))
        if let extra = tensors.first(where: { !known.contains($0.name) }) {
            throw InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: extra.name), unexpected)
        }
    }
}
