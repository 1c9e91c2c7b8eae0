#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX calls the file formats need, retried on `EINTR` and short transfers, failing
/// with `InputError`s that name the path and the system's reason.
package enum FileDescriptorIO {
    /// The system's description of `code`, such as "No such file or directory".
    package static func message(forErrno code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Opens `path` read-only and returns its descriptor and size; anything but a regular file
    /// is refused, so a FIFO or a device cannot block or stream forever.
    package static func openRegularFileForReading(_ path: String) throws -> (descriptor: Int32, size: Int) {
        // O_NONBLOCK keeps open(2) itself from waiting on a FIFO; it changes nothing for the
        // regular files that get past the check below.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw InputError(source: path, "cannot open for reading: \(message(forErrno: errno))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw InputError(source: path, "cannot read file status: \(message(forErrno: code))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw InputError(source: path, "is not a regular file")
        }
        return (descriptor, Int(status.st_size))
    }

    /// Fills `buffer` from `offset` of the file; running out of file first means the file
    /// shrank after its size was taken.
    package static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if count > 0 {
                done += count
            } else if count == 0 {
                throw InputError(source: path, "ended at byte \(offset + done) while being read; was it changed meanwhile?")
            } else if errno != EINTR {
                throw InputError(source: path, "cannot read: \(message(forErrno: errno))")
            }
        }
    }

    /// Writes all of `bytes`; returns 0, or the `errno` of the call that failed.
    package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        while done < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if count > 0 {
                done += count
            } else if count == 0 {
                return EIO  // No progress on a non-empty write: retrying could spin forever.
            } else if errno != EINTR {
                return errno
            }
        }
        return 0
    }

    /// Flushes `descriptor` to stable storage; returns 0, or the `errno` of the failure.
    package static func synchronize(_ descriptor: Int32) -> Int32 {
        while fsync(descriptor) != 0 {
            guard errno == EINTR else { return errno }
        }
        return 0
    }
}
