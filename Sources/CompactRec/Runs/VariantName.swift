/// A variant (an input embedding, an output layer, a sharing scheme, a hash, …) by the name the
/// user gave, which this build may not have: a plan written for a newer build still loads, and
/// ``RunSpecification/unsupportedVariant(names:)`` names what cannot run before any run starts.
/// Encoded as the name alone.
public struct VariantName<Kind>: Codable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral
where Kind: RawRepresentable & CaseIterable & Sendable, Kind.RawValue == String {
    public var name: String

    public init(name: String) {
        self.name = name
    }

    public init(stringLiteral name: String) {
        self.name = name
    }

    public init(_ kind: Kind) {
        self.name = kind.rawValue
    }

    /// The variant, or nil when this build has none of that name.
    public var kind: Kind? { Kind(rawValue: name) }

    /// "none, cross-layer, …": the names this build has, for errors.
    public static var known: String { Kind.allCases.map(\.rawValue).joined(separator: ", ") }

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
