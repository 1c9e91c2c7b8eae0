#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the directory at `path` and any missing parents, like `mkdir -p`; an existing
/// directory (or a symbolic link to one) is fine. Throws an `InputError` naming the path at
/// fault and the system's reason, e.g. when a parent is a regular file.
public func createDirectories(atPath path: String) throws {
    guard !path.isEmpty else { throw InputError(source: "\"\"", "cannot create a directory: the path is empty") }
    // Each prefix ending before a "/" is a parent; the path itself comes last.
    var prefixes = path.indices.filter { path[$0] == "/" && $0 != path.startIndex }.map { String(path[..<$0]) }
    prefixes.append(path)
    for prefix in prefixes where !prefix.hasSuffix("/") {
        guard mkdir(prefix, 0o777) != 0 else { continue }
        let code = errno
        var status = stat()
        // EEXIST is fine only for a directory; stat(2) follows symbolic links, as mkdir -p does.
        if code == EEXIST, stat(prefix, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { continue }
        let reason = code == EEXIST ? "it exists and is not a directory" : FileDescriptorIO.message(forErrno: code)
        throw InputError(source: prefix, "cannot create directory\(prefix == path ? "" : " (a parent of \(path))"): \(reason)")
    }
}
