/// The item sequences of one interaction file, in time order, as raw indices into an
/// ``ItemTokenTable``.
public struct InteractionLog: Sendable {
    /// The file, as given.
    public var path: String
    /// The format the file was read as (never ``DataFormat/auto``) and the columns used.
    public var layout: InteractionLayout
    /// One sequence per user (or per session for ``DataFormat/seq``), in order of first
    /// appearance in the file; items are raw indices into the table the file was read with.
    public var sequences: [[Int32]]
    /// The user id of each sequence, or nil for ``DataFormat/seq`` files, which have none.
    public var userIds: [String]?

    /// The format the file was read as; never ``DataFormat/auto``.
    public var format: DataFormat { layout.format }

    /// The number of interactions over all sequences.
    public var interactionCount: Int { sequences.reduce(0) { $0 + $1.count } }

    /// The longest user or item id accepted, in bytes.
    public static let maximumIdLength = InteractionFieldParsing.maximumIdLength

    /// Reads an interaction file, plain or gzip-compressed.
    ///
    /// - Parameters:
    ///   - format: the file's layout; ``DataFormat/auto`` detects it (see
    ///     ``DataFormat/detect(path:)``) and the result records what was chosen.
    ///   - items: the item table to intern ids into; pass the same one for files that must
    ///     share item indices, such as a training file and its test file.
    /// - Throws: ``InputError`` naming the file (and line) for anything unreadable or malformed,
    ///   and for a file without interactions.
    public static func read(
        path: String, format: DataFormat = .auto, items: inout ItemTokenTable
    ) throws -> InteractionLog {
        let log: InteractionLog
        switch format {
        case .auto:
            var detected = try read(path: path, format: DataFormat.detect(path: path), items: &items)
            detected.layout.wasDetected = true
            return detected
        case .pairs: log = try PairsFormatReader.read(path: path, items: &items)
        case .userSeq: log = try UserSequenceFormatReader.read(path: path, items: &items)
        case .seq: log = try SessionFormatReader.read(path: path, items: &items)
        case .atomic: log = try AtomicFormatReader.read(path: path, items: &items)
        case .movielens: log = try MovieLensFormatReader.read(path: path, items: &items)
        }
        guard !log.sequences.isEmpty else {
            throw InputError(source: path, "no interactions: the file is empty, blank, or only a header")
        }
        return log
    }
}
