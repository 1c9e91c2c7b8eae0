import Foundation

/// Which entries of a model bundle's directory CompactRec wrote: the only ones it may delete
/// or overwrite there. Anything else belongs to someone else and is kept.
enum BundleDirectoryContents {
    /// The bundle's own files.
    static let bundleFiles: Set<String> = [BundleIntegrity.configName, BundleIntegrity.itemsName, BundleIntegrity.weightsName]

    /// The files of one checkpoint (`TrainingCheckpoint`): a bundle and the training state.
    static let checkpointFiles = bundleFiles.union([
        TrainingCheckpoint.optimizerName, TrainingCheckpoint.bestName, TrainingCheckpoint.stateName,
    ])

    /// A bundle file, or a temporary file `writeAtomically` left while writing one.
    static func isBundleFile(_ entry: String) -> Bool {
        bundleFiles.contains(entry) || isTemporary(entry, ofOneOf: bundleFiles)
    }

    /// `.NAME.HEX.tmp`, the name `writeAtomically` gives its temporary file for NAME.
    static func isTemporary(_ entry: String, ofOneOf names: Set<String>) -> Bool {
        guard entry.hasPrefix("."), entry.hasSuffix(".tmp") else { return false }
        let middle = entry.dropFirst().dropLast(4)
        guard let dot = middle.lastIndex(of: ".") else { return false }
        let suffix = middle[middle.index(after: dot)...]
        return names.contains(String(middle[..<dot])) && !suffix.isEmpty && suffix.allSatisfy(\.isHexDigit)
    }

    /// Whether `path` is a directory CompactRec wrote checkpoints into: every entry is the
    /// `latest` pointer (or its temporary file) or a checkpoint folder holding nothing but
    /// checkpoint files. An empty directory qualifies: there is nothing in it to lose.
    static func isCheckpointDirectory(_ path: String) -> Bool {
        isDirectory(path) && foreignCheckpointEntries(path)?.isEmpty == true
    }

    /// The entries of the checkpoint directory `path` that CompactRec did not write, sorted;
    /// nil if it cannot be listed.
    static func foreignCheckpointEntries(_ path: String) -> [String]? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        return entries.sorted().filter { entry in
            !(entry == TrainingCheckpoint.pointerName || isTemporary(entry, ofOneOf: [TrainingCheckpoint.pointerName])
              || (CheckpointWriter.isCheckpointName(entry) && isCheckpointFolder(ModelBundle.path(path, entry))))
        }
    }

    /// Whether `path` is a directory holding only checkpoint files and their temporary files.
    static func isCheckpointFolder(_ path: String) -> Bool {
        guard isDirectory(path), let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        return entries.allSatisfy { checkpointFiles.contains($0) || isTemporary($0, ofOneOf: checkpointFiles) }
    }

    /// Whether `path` is a directory, not following a symbolic link.
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// Removes the files of `names` (and their temporary files) from `directory`, then the
    /// directory itself if that left it empty; anything else in it stays, and so does the
    /// directory. Failures are ignored: what is left is cleaned up by a later write.
    static func removeOwnFiles(_ names: Set<String>, andDirectory directory: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for entry in entries where names.contains(entry) || isTemporary(entry, ofOneOf: names) {
            unlink(ModelBundle.path(directory, entry))
        }
        rmdir(directory)
    }
}
