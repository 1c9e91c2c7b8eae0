/// The backbones this build has, by the name `--encoder` and a plan's `encoder` key take.
public enum EncoderKind: String, Codable, CaseIterable, Sendable {
    case nextitnet
    case sasrec

    /// Whether the backbone's papers and reference code score with the input table itself:
    /// SASRec does (as RecBole and the original code), NextItNet does not. It is the default of
    /// a run with full tables, and the uncompressed reference model is tied the same way.
    public var tiesTablesByDefault: Bool { self == .sasrec }
}
