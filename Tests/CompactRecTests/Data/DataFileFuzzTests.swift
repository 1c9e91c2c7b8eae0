import Foundation
import CompactRecTestSupport
import Testing

@testable import CompactRec
@testable import CompactRecRuntime

/// Thousands of seeded mutations of valid data files in every format: reading one must throw an
/// `InputError` about that file or give a consistent data set, never crash or throw anything else.
@Suite("Data files, mutated")
struct DataFileFuzzTests {
    /// A valid file per format, under a name that auto-detection reads the intended way.
    static let seeds: [(name: String, text: String)] = [
        ("pairs.txt", "1 10\n1 11\n1 12\n2 11\n2 12\n2 13\n2 10\n3 10\n3 12\n3 14\n"),
        ("timed.txt", "u1 a 100\nu1 b 90\nu1 c 110\nu2 b 5\nu2 c 6\nu2 a 7\nu2 d 1e2\n"),
        ("users.txt", "1 a b c d\n2 b c a\n3 c a b d e\n"),
        ("sessions.txt", "5,6,7\n-1,5,8,6\n7 8 9 5\n6,7,8\n"),
        ("data.inter", "user_id:token\titem_id:token\ttimestamp:float\nu\ti1\t1\nu\ti2\t2\nu\ti3\t3\nv\ti2\t1\nv\ti1\t2\nv\ti3\t2\n"),
        ("u.data", "1\t10\t5\t881250949\n1\t11\t3\t881250950\n1\t12\t4\t881250951\n2\t10\t2\t881250952\n2\t12\t1\t881250953\n2\t11\t5\t881250954\n"),
        ("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n1::914::3::978301968\n2::1193::4::978300761\n2::914::5::978300762\n2::661::1::978300763\n"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3,1260759179\n1,1061,3,1260759182\n2,31,4,1260759185\n2,1061,1,1260759186\n2,1029,2,1260759187\n"),
    ]

    /// A data set that came out of a mutated file must still make sense.
    static func expectConsistent(_ data: SequenceDataset, path: String) {
        let N = data.vocabulary.count
        #expect(N >= 2 && N == data.vocabulary.frequencies.count, "\(path)")
        // Every test case may have a target only the test file holds: then all are misses.
        #expect(!data.train.isEmpty && (!data.test.isEmpty || data.unseenTestTargets > 0), "\(path)")
        let items = 1..<Int32(N)
        #expect(data.train.allSatisfy { $0.allSatisfy(items.contains) }, "\(path)")
        for c in data.validation {
            #expect(items.contains(c.target) && c.history.allSatisfy(items.contains) && !c.history.isEmpty, "\(path)")
        }
        // A test history loses the items only the test file holds, and may be left empty.
        for c in data.test { #expect(items.contains(c.target) && c.history.allSatisfy(items.contains), "\(path)") }
        #expect(data.vocabulary.frequencies.reduce(0, +) == data.train.reduce(0) { $0 + $1.count }, "\(path)")
    }

    @Test(arguments: [false, true])
    func mutatedFilesAreReadOrRejectedNeverCrash(gzipped: Bool) throws {
        let directory = try DataTestDirectory()
        var mutator = SeededMutator(seed: gzipped ? 2 : 1)
        var read = 0, rejected = 0
        let runs = try forBoundedTime(iterations: 4000, atLeast: 500, seconds: 3) { i in
            let seed = Self.seeds[i % Self.seeds.count], donor = Self.seeds[(i + 3) % Self.seeds.count]
            let bytes = mutator.mutate(Array(seed.text.utf8), donor: Array(donor.text.utf8))
            let path = try directory.write(gzipped ? seed.name + ".gz" : seed.name, bytes: bytes)
            let validation = mutator.below(2) == 0
            do {
                Self.expectConsistent(try SequenceDataset.load(path: path, validation: validation), path: path)
                read += 1
            } catch let error as InputError {
                #expect(error.source == path || error.source.hasPrefix("--"), "\(error)")
                #expect(!error.message.isEmpty)
                rejected += 1
            }
        }
        // Both outcomes occur, or the mutations are not probing anything.
        #expect(read > runs / 20 && rejected > runs / 20, "read \(read), rejected \(rejected)")
    }

    @Test func mutatedSessionTestFilesAreReadOrRejected() throws {
        let directory = try DataTestDirectory()
        let train = try directory.write("train.txt", "1 2 3\n2 3 4\n3 4 5\n4 5 6\n5 6 7\n")
        var mutator = SeededMutator(seed: 3)
        let original = Array("2 3 4\n5,6,7\n-1 3 4 5\n".utf8)
        _ = try forBoundedTime(iterations: 1500, atLeast: 300, seconds: 1.5) { _ in
            let test = try directory.write("test.txt", bytes: mutator.mutate(original, donor: Array("1 2\n99999999999 -1\n".utf8)))
            do {
                Self.expectConsistent(try SequenceDataset.load(path: train, testPath: test), path: test)
            } catch let error as InputError {
                #expect(error.source == test || error.source == train, "\(error)")
            }
        }
    }

    /// Mutated gzip streams: corrupt compressed data is reported, never read as garbage silently
    /// or crashed on.
    @Test func mutatedCompressedBytesAreRejectedOrRead() throws {
        let directory = try DataTestDirectory()
        var text = ""
        for user in 0..<40 { for item in 0..<5 { text += "u\(user) i\((user + item) % 17)\n" } }
        let compressed = try directory.gzipped(Array(text.utf8))
        var mutator = SeededMutator(seed: 4)
        _ = try forBoundedTime(iterations: 1500, atLeast: 300, seconds: 1.5) { _ in
            let path = try directory.write("data.bin", bytes: mutator.mutate(compressed, donor: compressed))
            do {
                Self.expectConsistent(try SequenceDataset.load(path: path, format: .pairs), path: path)
            } catch let error as InputError {
                #expect(error.source == path, "\(error)")
            }
        }
    }
}
