import CompactRecRuntime

/// A teacher's bundle, read and checked against the data a student trains on: the same
/// catalogue, item for item, so that the teacher's logit `i` is the student's item `i`.
///
/// Only read after loading: every training session distils from a replica of its model.
public final class TeacherSource: @unchecked Sendable {
    public let directory: String
    public let bundle: ModelBundle

    /// - Throws: ``InputError`` when the bundle does not read, or
    ///   ``RunSpecificationError`` naming the teacher setting when its catalogue is another.
    public init(directory: String, for data: SequenceDataset, names: RunSettingNames) throws {
        let bundle = try ModelBundle.read(from: directory)
        let theirs = bundle.vocabulary.originalIds, ours = data.vocabulary.originalIds
        if theirs != ours {
            let index = (0..<min(theirs.count, ours.count)).first { theirs[$0] != ours[$0] } ?? min(theirs.count, ours.count)
            let detail = index < min(theirs.count, ours.count)
                ? "item \(index) is '\(theirs[index])' there and '\(ours[index])' here"
                : "it has \(theirs.count - 1) items and this data \(ours.count - 1)"
            throw RunSpecificationError(.teacher, "\(names[.teacher]) \(directory) was trained on another catalogue: \(detail); "
                                        + "distil from a model trained on the same data file and split")
        }
        self.directory = directory
        self.bundle = bundle
    }
}
