import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces the file at `path` with `bytes` so that, even across a crash or a power loss, the
/// path holds either its old content or all of `bytes`: never a mix, never a truncated file.
///
/// The bytes go to a uniquely named temporary file in the same directory (a rename is atomic
/// only within one file system), which is flushed to disk and then renamed over `path`; the
/// directory is flushed last, so that the rename itself is durable. The new file gets the
/// default permissions (0666 less the umask), not the old file's; a symbolic link at `path`
/// is replaced, not followed. On failure the temporary file is removed and an `InputError`
/// names `path` and the system's reason.
public func writeAtomically(_ bytes: some ContiguousBytes, to path: String) throws {
    try bytes.withUnsafeBytes { try AtomicFileWriter(path: path).write($0) }
}

/// The steps of `writeAtomically`, each failing with an error about `path`.
private struct AtomicFileWriter {
    /// Attempts at a fresh temporary name before giving up; with 64 random bits a clash means
    /// a leftover file from a crashed run, not bad luck.
    static let temporaryNameAttempts = 4

    let path: String
    let directory: String
    let name: String

    init(path: String) throws {
        let slash = path.lastIndex(of: "/")
        let name = String(slash.map { path[path.index(after: $0)...] } ?? path[...])
        guard !name.isEmpty, name != ".", name != ".." else {
            throw InputError(source: path, "cannot write: the path does not name a file")
        }
        self.path = path
        self.name = name
        switch slash {
        case nil: directory = "."
        case path.startIndex?: directory = "/"
        case let slash?: directory = String(path[..<slash])
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        let (descriptor, temporaryPath) = try createTemporaryFile()
        var code = FileDescriptorIO.writeAll(descriptor, bytes)
        guard code == 0 else {
            close(descriptor)
            unlink(temporaryPath)
            throw failure(code, "cannot write the temporary file \(temporaryPath)")
        }
        code = FileDescriptorIO.synchronize(descriptor)
        guard code == 0 else {
            close(descriptor)
            unlink(temporaryPath)
            throw failure(code, "cannot flush the temporary file \(temporaryPath) to disk")
        }
        // close(2) may report a deferred write error (on NFS, say), so its result counts too.
        guard close(descriptor) == 0 else {
            code = errno
            unlink(temporaryPath)
            throw failure(code, "cannot close the temporary file \(temporaryPath)")
        }
        guard rename(temporaryPath, path) == 0 else {
            code = errno
            unlink(temporaryPath)
            throw failure(code, "cannot rename \(temporaryPath) over it")
        }
        try synchronizeDirectory()
    }

    private func createTemporaryFile() throws -> (descriptor: Int32, path: String) {
        // A short prefix of the name keeps the temporary name under NAME_MAX and its origin visible.
        let stem = String(name.prefix(64))
        let separator = directory.hasSuffix("/") ? "" : "/"
        var code: Int32 = 0
        for _ in 0..<Self.temporaryNameAttempts {
            let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
            let temporaryPath = "\(directory)\(separator).\(stem).\(suffix).tmp"
            let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor >= 0 { return (descriptor, temporaryPath) }
            code = errno
            if code != EEXIST { break }
        }
        throw failure(code, "cannot write: cannot create a temporary file in \(directory)")
    }

    private func synchronizeDirectory() throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure(errno, "written, but cannot open \(directory) to flush the rename to disk")
        }
        defer { close(descriptor) }
        let code = FileDescriptorIO.synchronize(descriptor)
        // Some file systems cannot flush a directory at all (EINVAL); nothing more can be done there.
        guard code == 0 || code == EINVAL else {
            throw failure(code, "written, but cannot flush \(directory) to disk, so the rename may not survive a crash")
        }
    }

    private func failure(_ code: Int32, _ context: String) -> InputError {
        InputError(source: path, "\(context): \(FileDescriptorIO.message(forErrno: code))")
    }
}
