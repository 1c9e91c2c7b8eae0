import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the built `compactrec` executable as a child process, with the control a crash test
/// needs (SIGKILL at a chosen moment) and no Foundation `Process` in between.
enum CompactRecExecutable {
    /// The executable built next to this test bundle (`.build/<triple>/debug/compactrec`), or nil.
    static let path: String? = {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        // On macOS the test bundle is a directory; the executable sits beside it.
        candidates += candidates.map { $0.deletingLastPathComponent() }
        for directory in candidates {
            let path = directory.appendingPathComponent("compactrec").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    static let missing = "the compactrec executable was not found next to the test bundle; build it with 'swift build'"

    /// A started child; its standard output and error go to files.
    final class Child {
        let pid: pid_t
        let standardOutput: String
        let standardError: String
        private var status: Int32?

        init(pid: pid_t, standardOutput: String, standardError: String) {
            self.pid = pid
            self.standardOutput = standardOutput
            self.standardError = standardError
        }

        /// Waits for the child; returns its exit code, or nil if a signal ended it.
        func wait() -> Int32? {
            if status == nil {
                var raw: Int32 = 0
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                status = raw
            }
            let raw = status!
            return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : nil
        }

        /// Whether the child has ended, without waiting.
        var hasEnded: Bool {
            if status != nil { return true }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
            status = raw
            return true
        }

        /// SIGKILL: no handler, no cleanup, as an out-of-memory kill or a power cut.
        func killAbruptly() { _ = kill(pid, SIGKILL) }

        var output: String { (try? String(contentsOfFile: standardOutput, encoding: .utf8)) ?? "" }
        var errorOutput: String { (try? String(contentsOfFile: standardError, encoding: .utf8)) ?? "" }
    }

    /// Starts `compactrec arguments…`, writing its output to `logPrefix.out` and `.err`, in
    /// `directory` (the tests' own working directory when nil).
    static func start(_ arguments: [String], logPrefix: String, in directory: String? = nil) throws -> Child {
        guard let path else { throw POSIXError(.ENOENT) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let out = logPrefix + ".out", err = logPrefix + ".err"
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // env -C changes directory before it runs the command (glibc's addchdir is not imported).
        let command = directory.map { ["/usr/bin/env", "-C", $0, path] } ?? [path]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard code == 0 else { throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        return Child(pid: pid, standardOutput: out, standardError: err)
    }

    /// Runs `compactrec arguments…` to the end: exit code, standard output and error.
    static func run(_ arguments: [String], logPrefix: String, in directory: String? = nil) throws -> (code: Int32?, output: String, error: String) {
        let child = try start(arguments, logPrefix: logPrefix, in: directory)
        let code = child.wait()
        return (code, child.output, child.errorOutput)
    }
}
