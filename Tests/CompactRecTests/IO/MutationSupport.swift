import Foundation

@testable import CompactRec
@testable import CompactRecRuntime

/// Seeded mutations of valid files for the fuzz-style tests: every run mutates the same way,
/// so a failure is reproduced by rerunning the test.
struct SeededMutator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// Bytes that change the structure of text formats and JSON.
    static let interestingBytes: [UInt8] = Array("\n\t ,:;-+.0159eE\"{}[]\\\r".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xFF]

    /// Numbers at the edges of what readers accept.
    static let interestingNumbers = [
        "0", "-1", "-0", "1e400", "-1e400", "NaN", "2147483647", "2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999999999999999", "1.5", "1e3", "65537", "1048576", "0x10",
    ]

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    /// One to three mutations of `bytes`, some borrowing from `donor` (another valid file).
    mutating func mutate(_ bytes: [UInt8], donor: [UInt8]) -> [UInt8] {
        var result = bytes
        for _ in 0...below(3) { result = mutateOnce(result, donor: donor) }
        return result
    }

    private mutating func mutateOnce(_ bytes: [UInt8], donor: [UInt8]) -> [UInt8] {
        var b = bytes
        let n = b.count
        switch below(9) {
        case 0 where n > 0:  // flip a bit
            b[below(n)] ^= UInt8(1) << UInt8(below(8))
        case 1 where n > 0:  // replace a byte by a structural one
            b[below(n)] = pick(Self.interestingBytes)
        case 2:  // truncate
            b.removeLast(n - below(n + 1))
        case 3 where n > 0:  // delete a range
            let start = below(n), end = min(n, start + 1 + below(64))
            b.removeSubrange(start..<end)
        case 4:  // splice in a slice of the donor
            let start = below(donor.count), end = min(donor.count, start + 1 + below(128))
            b.insert(contentsOf: donor.isEmpty ? [] : donor[start..<end], at: below(n + 1))
        case 5:  // insert an edge-case number
            b.insert(contentsOf: Array(pick(Self.interestingNumbers).utf8), at: below(n + 1))
        case 6 where n > 0:  // replace a run of digits by an edge-case number
            let digits = (0..<n).filter { (0x30...0x39).contains(b[$0]) }
            guard !digits.isEmpty else { break }
            var start = pick(digits), end = start + 1
            while start > 0 && (0x30...0x39).contains(b[start - 1]) { start -= 1 }
            while end < n && (0x30...0x39).contains(b[end]) { end += 1 }
            b.replaceSubrange(start..<end, with: Array(pick(Self.interestingNumbers).utf8))
        case 7 where n > 0:  // duplicate a range (repeated lines, keys, tensors)
            let start = below(n), end = min(n, start + 1 + below(256))
            b.insert(contentsOf: b[start..<end], at: below(n + 1))
        case 8:  // a very long token
            b.insert(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 200 + below(400)), at: below(n + 1))
        default:
            break
        }
        return b
    }
}

/// Runs `body` `minimum` times whatever the time, then on while `seconds` have not passed, up to
/// `iterations` in all; returns how many ran. The floor does not depend on how busy the machine
/// is, so a loaded machine makes the test slower, never failing.
func forBoundedTime(iterations: Int, atLeast minimum: Int, seconds: Double, _ body: (Int) throws -> Void) rethrows -> Int {
    precondition(minimum <= iterations)
    let start = DispatchTime.now().uptimeNanoseconds
    for i in 0..<iterations {
        if i >= minimum && Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 > seconds { return i }
        try body(i)
    }
    return iterations
}
