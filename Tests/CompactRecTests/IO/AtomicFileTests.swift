import Foundation
import Testing
@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Atomic file writing")
struct AtomicFileTests {
    private func contents(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test("creates a file, then replaces it whole, leaving no temporary file")
    func replaces() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/bundle.bin"
            try writeAtomically([UInt8](repeating: 1, count: 100_000), to: path)
            #expect(try contents(path) == [UInt8](repeating: 1, count: 100_000))
            try writeAtomically([2, 3], to: path)
            #expect(try contents(path) == [2, 3])
            try writeAtomically(Data(), to: path)
            #expect(try contents(path) == [])
            #expect(try entries(directory) == ["bundle.bin"])
        }
    }

    @Test("dot components in the directory part are fine")
    func dotComponents() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            try writeAtomically([9], to: directory + "/./x")
            #expect(try contents(directory + "/x") == [9])
        }
    }

    @Test("a missing directory fails naming the path and the reason")
    func missingDirectory() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/absent/file"
            let error = #expect(throws: InputError.self) { try writeAtomically([1], to: path) }
            #expect(error?.source == path)
            #expect(error?.message.contains("cannot create a temporary file in \(directory)/absent") == true)
            #expect(error?.message.hasSuffix("No such file or directory") == true)
        }
    }

    @Test("a directory at the target fails and removes the temporary file")
    func directoryInTheWay() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/taken"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let error = #expect(throws: InputError.self) { try writeAtomically([1, 2, 3], to: path) }
            #expect(error?.source == path)
            #expect(error?.message.contains("cannot rename") == true)
            #expect(try entries(directory) == ["taken"])
        }
    }

    @Test("paths that name no file are refused", arguments: ["", "dir/", ".", "..", "/"])
    func notAFile(path: String) {
        let error = #expect(throws: InputError.self) { try writeAtomically([1], to: path) }
        #expect(error?.message == "cannot write: the path does not name a file")
    }

    @Test("an unwritable directory fails with the system's reason", .enabled(if: geteuid() != 0, "root may write anywhere"))
    func unwritableDirectory() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let locked = directory + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0o500)
            defer { chmod(locked, 0o700) }
            let error = #expect(throws: InputError.self) { try writeAtomically([1], to: locked + "/f") }
            #expect(error?.message.hasSuffix("Permission denied") == true)
        }
    }

    @Test("concurrent writers to one path never leave a torn file")
    func concurrentWriters() async throws {
        try await IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/shared"
            await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask { try writeAtomically([UInt8](repeating: UInt8(writer), count: 65_536), to: path) }
                }
            }
            let final = try contents(path)
            #expect(final.count == 65_536)
            #expect(Set(final).count == 1)
            #expect(try entries(directory) == ["shared"])
        }
    }
}

@Suite("Directory creation")
struct DirectoryCreationTests {
    @Test("creates nested directories and accepts existing ones")
    func nested() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/a/b//c/"
            try createDirectories(atPath: path)
            try createDirectories(atPath: path)
            try createDirectories(atPath: directory)
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: directory + "/a/b/c", isDirectory: &isDirectory) && isDirectory.boolValue)
        }
    }

    @Test("a regular file in the way is named in the error")
    func fileInTheWay() throws {
        try IOTestSupport.withTemporaryDirectory { directory in
            try writeAtomically([1], to: directory + "/file")
            let asParent = #expect(throws: InputError.self) { try createDirectories(atPath: directory + "/file/sub") }
            #expect(asParent?.source == directory + "/file")
            #expect(asParent?.message == "cannot create directory (a parent of \(directory)/file/sub): it exists and is not a directory")
            let asTarget = #expect(throws: InputError.self) { try createDirectories(atPath: directory + "/file") }
            #expect(asTarget?.message == "cannot create directory: it exists and is not a directory")
        }
    }

    @Test("an empty path is refused")
    func emptyPath() {
        #expect(throws: InputError.self) { try createDirectories(atPath: "") }
    }
}
