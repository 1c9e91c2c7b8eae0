import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directories `ModelBundle.write` works in, next to the bundle `NAME`, and the clean-up of
/// those a killed writer left behind:
///
///     NAME.tmp-PID-HEX   the new bundle being written; after the swap, the old one on its way out
///     NAME.old-PID-HEX   the old bundle set aside, where the file system cannot swap directories
///
/// A leftover is cleaned up by the next write to the same bundle (and by `train` before it
/// starts), unless the process that made it still runs. What the writer had carried over from
/// the bundle (a checkpoint directory, anything that is not a bundle file) goes back into the
/// bundle; only bundle files are deleted.
struct BundleLeftovers {
    enum Kind: String {
        case staging = "tmp"
        case setAside = "old"
    }

    /// The directory holding the bundle.
    let parent: String
    /// The bundle directory's own name.
    let name: String

    var bundle: String { ModelBundle.path(parent, name) }

    /// A fresh name for a working directory of this process.
    func newPath(_ kind: Kind) -> String {
        ModelBundle.path(parent, "\(name).\(kind.rawValue)-\(getpid())-\(String(UInt64.random(in: .min ... .max), radix: 16))")
    }

    /// The working directories in `parent` of writers that no longer run.
    func abandoned() -> [(path: String, kind: Kind)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        return entries.sorted().compactMap { entry in
            for kind in [Kind.staging, .setAside] {
                let prefix = "\(name).\(kind.rawValue)-"
                guard entry.hasPrefix(prefix) else { continue }
                let parts = entry.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
                guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, !parts[1].isEmpty, parts[1].allSatisfy(\.isHexDigit)
                else { return nil }
                let path = ModelBundle.path(parent, entry)
                guard BundleDirectoryContents.isDirectory(path), !Self.isRunning(pid) else { return nil }
                return (path, kind)
            }
            return nil
        }
    }

    /// Undoes what killed writers left half done: an old bundle set aside goes back in place
    /// when the bundle is missing; entries carried over from the bundle go back into it where
    /// it lacks them; bundle files are removed, and so are the working directories they leave
    /// empty. Never throws: whatever cannot be cleaned up is left for the next try.
    func clean() {
        let leftovers = abandoned()
        guard !leftovers.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: bundle),
           let setAside = leftovers.first(where: { $0.kind == .setAside && FileManager.default.fileExists(atPath: ModelBundle.path($0.path, BundleIntegrity.configName)) }) {
            rename(setAside.path, bundle)
        }
        for leftover in leftovers where FileManager.default.fileExists(atPath: leftover.path) {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: leftover.path)) ?? []
            if BundleDirectoryContents.isDirectory(bundle) {
                for entry in entries where !BundleDirectoryContents.isBundleFile(entry) {
                    let destination = ModelBundle.path(bundle, entry)
                    var status = stat()
                    if lstat(destination, &status) != 0 && errno == ENOENT {
                        rename(ModelBundle.path(leftover.path, entry), destination)
                    }
                }
            }
            BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.bundleFiles, andDirectory: leftover.path)
        }
        try? DirectoryExchange.synchronize(parent)
    }

    /// Whether a process `pid` exists (one of another user counts too). A reused pid keeps a
    /// leftover for later, which is harmless; this process's own leftovers are never in use.
    private static func isRunning(_ pid: pid_t) -> Bool {
        pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
