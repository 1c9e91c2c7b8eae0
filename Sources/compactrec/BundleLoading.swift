import CompactRec

extension ModelBundle {
    /// Reads the bundle at `directory` as every command does: a bundle whose files could not be
    /// checked against recorded digests (one written before they were recorded) still loads,
    /// with a note on stderr, `--quiet` or not, since a damaged file would go unnoticed.
    static func readNotingUncheckedFiles(from directory: String) throws -> ModelBundle {
        let bundle = try ModelBundle.read(from: directory)
        if let reason = bundle.unverifiedReason { Output.standardError("note: \(reason)") }
        return bundle
    }
}
