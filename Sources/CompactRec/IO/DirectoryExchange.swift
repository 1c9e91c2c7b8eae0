import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls that replace one directory by another in a single step.
enum DirectoryExchange {
    enum Outcome: Equatable {
        case exchanged
        /// The file system or kernel cannot exchange (an old Linux, NFS, some FUSE file
        /// systems): the caller falls back to two renames.
        case unsupported
        case failed(errno: Int32)
    }

    /// Swaps the entries `first` and `second` atomically: whoever opens either path sees one
    /// directory or the other, never neither. Linux's `renameat2(RENAME_EXCHANGE)`, macOS's
    /// `renamex_np(RENAME_SWAP)`.
    static func exchange(_ first: String, _ second: String) -> Outcome {
        #if os(Linux)
        // glibc declares renameat2 only for _GNU_SOURCE, which Swift's Glibc module does not
        // see, so it is looked up by name (glibc 2.28 and later have it).
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        let renameExchange: UInt32 = 1 << 1  // RENAME_EXCHANGE in <linux/fs.h>
        guard let handle = dlopen(nil, RTLD_NOW) else { return .unsupported }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "renameat2") else { return .unsupported }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        guard renameat2(AT_FDCWD, first, AT_FDCWD, second, renameExchange) != 0 else { return .exchanged }
        #elseif canImport(Darwin)
        guard renamex_np(first, second, UInt32(RENAME_SWAP)) != 0 else { return .exchanged }
        #endif
        let code = errno
        return [EINVAL, ENOSYS, ENOTSUP, EOPNOTSUPP].contains(code) ? .unsupported : .failed(errno: code)
    }

    /// Flushes the directory's entries to disk, so that renames in it survive a crash.
    static func synchronize(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InputError(source: directory, "cannot open the directory to flush it to disk: \(FileDescriptorIO.message(forErrno: errno))")
        }
        defer { close(descriptor) }
        let code = FileDescriptorIO.synchronize(descriptor)
        // Some file systems cannot flush a directory at all (EINVAL); nothing more can be done there.
        guard code == 0 || code == EINVAL else {
            throw InputError(source: directory, "cannot flush the directory to disk: \(FileDescriptorIO.message(forErrno: code))")
        }
    }
}
