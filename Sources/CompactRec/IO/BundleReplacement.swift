import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a model bundle's directory as a whole, so that however the writer dies (killed,
/// out of memory, an I/O error, a power cut) the directory holds the complete old bundle or
/// the complete new one, never a mix, and nothing CompactRec did not write is deleted.
///
/// 1. Leftovers of killed writers are cleaned up (`BundleLeftovers`).
/// 2. The new bundle is written into a sibling directory `NAME.tmp-PID-HEX`, each file and
///    the directory flushed to disk (`writeAtomically`).
/// 3. Whatever else the old directory holds (a checkpoint directory, another program's files)
///    is moved into the new one, so it stays where it was.
/// 4. The two directories are swapped in one step (`DirectoryExchange`); where the file system
///    cannot, the old one is renamed aside and the new one into place.
/// 5. The parent directory is flushed, then the old bundle's files and directory are removed.
///
/// A failure before the swap moves the carried entries back and removes the new files, so the
/// old bundle is as it was; the error names what failed.
struct BundleReplacement {
    /// The path as the user gave it, for messages.
    let destination: String
    let leftovers: BundleLeftovers
    /// How the directories are swapped; tests replace it to take the two-rename way.
    var exchange: (String, String) -> DirectoryExchange.Outcome = DirectoryExchange.exchange

    /// The bundle directory; a symbolic link to a directory is followed, so the bundle is
    /// replaced where it lives and the link stays.
    var bundle: String { leftovers.bundle }

    init(destination: String) throws {
        self.destination = destination
        var path = destination
        var status = stat()
        if lstat(destination, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK {
            guard let resolved = realpath(destination, nil) else {
                throw InputError(source: destination, "is a symbolic link that cannot be followed: \(FileDescriptorIO.message(forErrno: errno))")
            }
            path = String(cString: resolved)
            free(resolved)
        }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        guard !name.isEmpty, name != ".", name != "..", name != "/" else {
            throw InputError(source: destination, "cannot write a model bundle there: the path must end in the bundle directory's own name")
        }
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        leftovers = BundleLeftovers(parent: parent, name: name)
    }

    /// Replaces the bundle with what `writeFiles` writes into the directory it is given.
    func replace(writeFiles: (String) throws -> Void) throws {
        if leftovers.parent != "." { try createDirectories(atPath: leftovers.parent) }
        var status = stat()
        let exists = lstat(bundle, &status) == 0
        if exists && status.st_mode & S_IFMT != S_IFDIR {
            throw InputError(source: destination, "exists and is not a directory; a model bundle is a directory")
        }
        leftovers.clean()

        let staging = leftovers.newPath(.staging)
        guard mkdir(staging, 0o777) == 0 else {
            throw InputError(source: destination, "cannot create the directory \(staging) for the new bundle: \(FileDescriptorIO.message(forErrno: errno))")
        }
        do {
            try writeFiles(staging)
        } catch let error as InputError {
            BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.bundleFiles, andDirectory: staging)
            throw InputError(source: destination, (exists ? "the old bundle is kept: " : "") + "cannot write the new bundle: \(error)")
        } catch {
            BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.bundleFiles, andDirectory: staging)
            throw error
        }
        guard exists else {
            guard rename(staging, bundle) == 0 else {
                let code = errno
                BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.bundleFiles, andDirectory: staging)
                throw InputError(source: destination, "cannot move the new bundle into place: \(FileDescriptorIO.message(forErrno: code))")
            }
            try DirectoryExchange.synchronize(leftovers.parent)
            return
        }
        _ = chmod(staging, status.st_mode & 0o7777)  // the old directory's permissions, as far as they can be kept

        let carried = try carryOver(from: bundle, to: staging)
        let old: String
        switch exchange(staging, bundle) {
        case .exchanged:
            old = staging
        case .unsupported:
            old = leftovers.newPath(.setAside)
            guard rename(bundle, old) == 0 else {
                let code = errno
                throw abandon(staging, carried: carried, "cannot set the old bundle aside as \(old): \(FileDescriptorIO.message(forErrno: code))")
            }
            guard rename(staging, bundle) == 0 else {
                let code = errno
                rename(old, bundle)
                throw abandon(staging, carried: carried, "cannot move the new bundle into place: \(FileDescriptorIO.message(forErrno: code))")
            }
        case let .failed(code):
            throw abandon(staging, carried: carried, "cannot swap the new bundle into place: \(FileDescriptorIO.message(forErrno: code))")
        }
        // The old bundle is removed only once the swap is on disk; if that flush fails, the old
        // directory stays for the next write to clean up.
        try DirectoryExchange.synchronize(leftovers.parent)
        BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.bundleFiles, andDirectory: old)
        try DirectoryExchange.synchronize(leftovers.parent)
    }

    /// Moves every entry of `bundle` that is not a bundle file into `staging` and flushes both;
    /// on failure moves them back, removes `staging` and throws.
    private func carryOver(from bundle: String, to staging: String) throws -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: bundle)
        } catch {
            throw abandon(staging, carried: [], "cannot list the old bundle's directory: \(error.localizedDescription)")
        }
        var carried: [String] = []
        for entry in entries.sorted() where !BundleDirectoryContents.isBundleFile(entry) {
            guard rename(ModelBundle.path(bundle, entry), ModelBundle.path(staging, entry)) == 0 else {
                let code = errno
                throw abandon(staging, carried: carried,
                              "cannot move \(entry) from the old bundle into the new one: \(FileDescriptorIO.message(forErrno: code))")
            }
            carried.append(entry)
        }
        guard !carried.isEmpty else { return carried }
        do {
            try DirectoryExchange.synchronize(staging)
            try DirectoryExchange.synchronize(bundle)
        } catch let error as InputError {
            throw abandon(staging, carried: carried, error.description)
        }
        return carried
    }

    /// Gives up before the swap: puts the carried entries back into the bundle, removes the
    /// new bundle's files and directory, and returns the error to throw.
    private func abandon(_ staging: String, carried: [String], _ reason: String) -> InputError {
        for entry in carried {
            rename(ModelBundle.path(staging, entry), ModelBundle.path(bundle, entry))
        }
        BundleDirectoryContents.removeOwnFiles(BundleDirectoryContents.bundleFiles, andDirectory: staging)
        return InputError(source: destination, "the old bundle is kept: \(reason)")
    }
}
