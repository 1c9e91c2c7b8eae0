import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks `train` makes of where it will write, before the first training step, so that a
/// run never trains for hours and then fails to save, or saves over someone else's files.
public enum BundleDestination {
    /// Checks that `path` (`--output`) can take a model bundle: absent, an empty directory, or
    /// a directory holding a CompactRec bundle and checkpoint directories; and that its parent
    /// can be written (created if missing, as the bundle's writer would). Leftovers of a killed
    /// writer are cleaned up first, which also puts back a checkpoint directory it had carried away.
    /// - Throws: an `InputError` naming `path` (or the file in it) and what was expected.
    public static func checkBundleDirectory(_ path: String) throws {
        let replacement = try BundleReplacement(destination: path)
        let bundle = replacement.bundle
        if replacement.leftovers.parent != "." { try createDirectories(atPath: replacement.leftovers.parent) }
        replacement.leftovers.clean()
        var status = stat()
        if lstat(bundle, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw InputError(source: path, "exists and is not a directory; --output names the directory of a model bundle")
            }
            try checkHoldsOnlyABundle(bundle, as: path)
            guard access(bundle, W_OK | X_OK) == 0 else {
                throw InputError(source: path, "cannot write there: \(FileDescriptorIO.message(forErrno: errno)); choose another --output")
            }
        }
        // A real write where the writer will create its working directory: a read-only, full
        // or otherwise refusing file system says so now.
        let probe = replacement.leftovers.newPath(.staging)
        guard mkdir(probe, 0o777) == 0 else {
            throw InputError(source: path, "cannot write next to it, in \(replacement.leftovers.parent): "
                                 + "\(FileDescriptorIO.message(forErrno: errno)); choose another --output")
        }
        defer { rmdir(probe) }
        if let failure = probeByWriting(ModelBundle.path(probe, BundleIntegrity.configName)) {
            throw InputError(source: path, "cannot write next to it, in \(replacement.leftovers.parent): \(failure); choose another --output")
        }
    }

    /// Checks that `path` (`--checkpoint-dir`, or its default) is absent, or a directory that
    /// holds only CompactRec checkpoints; creates it, and checks a file can be written there.
    public static func checkCheckpointDirectory(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw InputError(source: path, "exists and is not a directory; checkpoints go into a directory")
            }
            let foreign = BundleDirectoryContents.foreignCheckpointEntries(path) ?? []
            guard foreign.isEmpty else {
                throw InputError(source: path, "holds \(describe(foreign, in: path)), which are not CompactRec checkpoints; "
                                     + "a checkpoint directory holds only 'latest' and checkpoint folders: choose another --checkpoint-dir")
            }
        }
        try createDirectories(atPath: path)
        // The pointer's temporary name: a probe left by a kill is removed with the next checkpoint.
        let probe = ModelBundle.path(path, ".\(TrainingCheckpoint.pointerName).\(String(UInt64.random(in: .min ... .max), radix: 16)).tmp")
        if let failure = probeByWriting(probe) {
            throw InputError(source: path, "cannot write checkpoints there: \(failure); choose another --checkpoint-dir")
        }
    }

    /// Checks the file systems of `output` and `checkpointDirectory` (both checked above, so
    /// their directories exist) have room for a bundle of `parameters` weights in `tensors`
    /// tensors and of `vocabulary`, and for two checkpoints of it; summed where they share one.
    public static func checkRoom(output: String?, checkpointDirectory: String?, parameters: Int, tensors: Int,
                                 vocabulary: Vocabulary) throws {
        let bundle = bundleBytes(parameters: parameters, tensors: tensors, vocabulary: vocabulary)
        var needs: [(directory: String, bytes: Int, what: String)] = []
        if let output {
            needs.append((try BundleReplacement(destination: output).leftovers.parent, bundle, "the model bundle"))
        }
        if let checkpointDirectory {
            // Two at once: the next checkpoint is complete before the last one goes. Each is a
            // bundle, Adam's two moments and the best weights.
            needs.append((checkpointDirectory, 2 * (bundle + 12 * parameters), "two checkpoints"))
        }
        var byDevice: [UInt64: (directory: String, bytes: Int, what: [String])] = [:]
        for need in needs {
            var status = stat()
            guard stat(need.directory, &status) == 0 else { continue }
            let device = UInt64(status.st_dev)
            var total = byDevice[device] ?? (need.directory, 0, [])
            total.bytes += need.bytes
            total.what.append(need.what)
            byDevice[device] = total
        }
        for need in byDevice.values.sorted(by: { $0.directory < $1.directory }) {
            var space = statvfs()
            guard statvfs(need.directory, &space) == 0 else { continue }
            let available = Int(clamping: UInt64(space.f_bavail) &* UInt64(space.f_frsize))
            guard available >= need.bytes else {
                throw InputError(source: need.directory, "\(need.what.joined(separator: " and ")) \(need.what.count == 1 ? "needs" : "need") "
                                     + "about \(MemoryEstimate.format(need.bytes)), "
                                     + "but its file system has \(MemoryEstimate.format(available)) free; free some space or write elsewhere")
            }
        }
    }

    /// The size of a bundle, slightly over: items.tsv exactly, a generous allowance for the
    /// safetensors header and config.json.
    static func bundleBytes(parameters: Int, tensors: Int, vocabulary: Vocabulary) -> Int {
        var items = "index\toriginal_id\tfrequency\n".utf8.count
        for i in 0..<vocabulary.count {
            items += String(i).utf8.count + vocabulary.originalIds[i].utf8.count + String(vocabulary.frequencies[i]).utf8.count + 3
        }
        return 4 * parameters + 512 * tensors + items + (64 << 10)
    }

    /// Refuses a directory holding anything but a CompactRec bundle's files, the writer's
    /// temporary files and checkpoint directories.
    private static func checkHoldsOnlyABundle(_ directory: String, as path: String) throws {
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let foreign = entries.filter { entry in
            !BundleDirectoryContents.isBundleFile(entry) && !BundleDirectoryContents.isCheckpointDirectory(ModelBundle.path(directory, entry))
        }
        guard foreign.isEmpty else {
            throw InputError(source: path, "holds \(describe(foreign, in: directory)), which are not part of a CompactRec model bundle; "
                                 + "--output must be a new or empty directory or a bundle CompactRec wrote, which it replaces: choose another --output")
        }
        let files = entries.filter(BundleDirectoryContents.bundleFiles.contains)
        guard !files.isEmpty else { return }
        let config = ModelBundle.path(path, BundleIntegrity.configName)
        guard files.contains(BundleIntegrity.configName) else {
            throw InputError(source: path, "holds \(files.joined(separator: " and ")) but no config.json: not a CompactRec model bundle, "
                                 + "so --output will not replace it: choose another --output")
        }
        struct Header: Decodable { var format: String }
        guard let data = FileManager.default.contents(atPath: ModelBundle.path(directory, BundleIntegrity.configName)),
              (try? JSONDecoder().decode(Header.self, from: data))?.format == ModelBundle.formatName
        else {
            throw InputError(source: config, "is not the configuration of a CompactRec model bundle (format '\(ModelBundle.formatName)'), "
                                 + "so --output will not replace it: choose another --output")
        }
    }

    /// "notes.txt, data/ and 3 more"
    private static func describe(_ entries: [String], in directory: String) -> String {
        let shown = entries.prefix(3).map { BundleDirectoryContents.isDirectory(ModelBundle.path(directory, $0)) ? $0 + "/" : $0 }
        return shown.joined(separator: ", ") + (entries.count > 3 ? " and \(entries.count - 3) more" : "")
    }

    /// Creates `path`, writes 4 KiB to it, flushes and removes it; nil, or why that failed.
    private static func probeByWriting(_ path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return FileDescriptorIO.message(forErrno: errno) }
        defer { unlink(path) }
        let bytes = [UInt8](repeating: 0, count: 4096)
        var code = bytes.withUnsafeBytes { FileDescriptorIO.writeAll(descriptor, $0) }
        if code == 0 { code = FileDescriptorIO.synchronize(descriptor) }
        if close(descriptor) != 0 && code == 0 { code = errno }
        return code == 0 ? nil : FileDescriptorIO.message(forErrno: code)
    }
}
