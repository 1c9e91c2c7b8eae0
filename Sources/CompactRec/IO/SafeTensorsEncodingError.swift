/// Tensors that cannot be written as safetensors: a bug in the caller, not in a user's file.
public struct SafeTensorsEncodingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The offending tensor's name, when the problem is with one tensor.
    public var tensor: String?
    public var message: String

    public init(tensor: String? = nil, _ message: String) {
        self.tensor = tensor
        self.message = message
    }

    public var description: String {
        if let tensor { return "cannot encode safetensors: tensor \(SafeTensorsDiagnostics.printable(tensor)): \(message)" }
        return "cannot encode safetensors: \(message)"
    }
}
