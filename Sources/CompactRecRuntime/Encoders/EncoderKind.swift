/// The backbones this build has, by the name `--encoder` and a plan's `encoder` key take.
public enum EncoderKind: String, Codable, CaseIterable, Sendable {
    case nextitnet
    case sasrec
}
