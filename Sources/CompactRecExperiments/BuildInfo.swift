import Foundation

/// The CompactRec build that made a run, recorded beside the machine so a result can be traced
/// to the code that produced it, and results from different code told apart.
public struct BuildInfo: Codable, Hashable, Sendable {
    /// ``compactRecVersion`` of the build.
    public var version: String
    /// The git commit of the source tree (`git rev-parse HEAD`), with `-modified` when its
    /// sources differed from that commit; `unknown` when the tree is not a git checkout or git
    /// cannot be run.
    public var commit: String

    public init(version: String, commit: String) {
        self.version = version
        self.commit = commit
    }

    /// CompactRec's version. The package has had no release yet; change it with each one.
    public static let compactRecVersion = "0.1.0"

    /// What a commit is recorded as when it cannot be found.
    public static let unknownCommit = "unknown"

    /// This build. SwiftPM gives a build no hook to stamp the commit into it, so it is read at
    /// run time from the source tree the binary was compiled from (found from this file's path);
    /// a binary copied to a machine without that tree records `unknown`. A tree checked out at
    /// another commit after building would be misreported, which `-modified` does not catch.
    public static let current = BuildInfo(version: compactRecVersion, commit: commit(ofSourceTree: sourceTree))

    /// The package root: this file is `Sources/CompactRecExperiments/BuildInfo.swift` in it.
    static let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The HEAD commit of the git checkout at `directory`, with `-modified` when its sources
    /// (`Sources`, `Package.swift`) differ from it; ``unknownCommit`` when there is none.
    static func commit(ofSourceTree directory: String) -> String {
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(".git")),
              let head = git(["rev-parse", "HEAD"], in: directory), head.count == 40, head.allSatisfy(\.isHexDigit)
        else { return unknownCommit }
        let changes = git(["status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift"], in: directory)
        return changes.map { $0.isEmpty ? head : head + "-modified" } ?? head
    }

    /// The trimmed standard output of `git arguments` run in `directory`; nil when git cannot be
    /// run or fails.
    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
