import CompactRec
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file in an experiment folder, so that several processes can run
/// one plan into one folder at once: each run is claimed before it starts, and `results.jsonl`
/// is locked while it is repaired or appended to.
///
/// The kernel drops the lock when its holder exits, however it exits, so a killed process
/// leaves no claim behind (at most an unlocked file, which the next claim reuses).
///
///     if let claim = try RunClaim.take(path: "runs/cprec/claims/ml-1m-T20-….lock") { …; claim.release() }
public final class RunClaim {
    public let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// The lock at `path` (the file is created if needed), or nil when another open file holds it.
    /// With `wait`, blocks until it is free instead.
    public static func take(path: String, wait: Bool = false) throws -> RunClaim? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw InputError(source: path, "cannot create the lock file: \(FileDescriptorIO.message(forErrno: errno))")
        }
        while flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw InputError(source: path, "cannot lock: \(FileDescriptorIO.message(forErrno: code))")
        }
        return RunClaim(path: path, descriptor: descriptor)
    }

    public var isReleased: Bool { descriptor < 0 }

    /// Removes the file (when `removingFile`) and drops the lock; later calls do nothing.
    public func release(removingFile: Bool = false) {
        guard descriptor >= 0 else { return }
        // Unlinking first: a process that opened the old file and now gets its lock finds the
        // run finished when it looks at the results again.
        if removingFile { unlink(path) }
        close(descriptor)
        descriptor = -1
    }
}
