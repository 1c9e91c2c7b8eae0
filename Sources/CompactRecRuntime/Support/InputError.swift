/// An error in something the user handed CompactRec: a data file, a bundle, a flag.
///
/// It names where the problem is (a file and, when it applies, a line or a tensor) and what
/// was expected, so the user can fix the input without reading the source:
///
///     beauty.txt:17: expected 'user item [timestamp]', found 1 column
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or flag) the problem is in.
    public var source: String
    /// Where inside the source: `line 17`, `tensor blocks.0.conv1.weight`, or nil for the whole file.
    public var location: String?
    /// What was found and what was expected, as a sentence.
    public var message: String

    public init(source: String, location: String? = nil, _ message: String) {
        self.source = source
        self.location = location
        self.message = message
    }

    public init(file: String, line: Int, _ message: String) {
        self.init(source: file, location: "line \(line)", message)
    }

    public var description: String {
        if let location { return "\(source): \(location): \(message)" }
        return "\(source): \(message)"
    }
}
