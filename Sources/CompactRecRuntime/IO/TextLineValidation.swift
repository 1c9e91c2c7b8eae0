/// Checks that a line of an interaction file is text: valid UTF-8 without NUL bytes.
///
/// Every later step (splitting on ASCII separators, turning tokens into `String`s) relies on
/// this, and a NUL or a stray high byte almost always means the user pointed at a binary file.
enum TextLineValidation {
    enum Problem: Equatable {
        /// A NUL byte at this 0-based byte offset of the line.
        case nulByte(offset: Int)
        /// A byte at this 0-based offset that does not continue a valid UTF-8 sequence.
        case invalidUTF8(offset: Int)
    }

    /// The first problem in `line`, or nil when the line is valid text.
    static func firstProblem(in line: UnsafeBufferPointer<UInt8>) -> Problem? {
        guard let base = line.baseAddress else { return nil }
        let count = line.count
        let raw = UnsafeRawPointer(base)
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let lowBits: UInt64 = 0x0101_0101_0101_0101
        var i = 0
        while i < count {
            // Data files are nearly all ASCII, so skip 8 bytes at a time while none is a NUL
            // (the classic "has zero byte" test) and none has its high bit set.
            if i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & highBits == 0 && (word &- lowBits) & ~word & highBits == 0 {
                    i += 8
                    continue
                }
            }
            let lead = base[i]
            if lead == 0 { return .nulByte(offset: i) }
            if lead < 0x80 {
                i += 1
                continue
            }
            // Well-formed sequences per Unicode table 3-7: the ranges on the second byte
            // exclude overlong forms, surrogates and code points above U+10FFFF.
            let continuationCount: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: continuationCount = 1
            case 0xE0:
                continuationCount = 2
                secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: continuationCount = 2
            case 0xED:
                continuationCount = 2
                secondHigh = 0x9F
            case 0xF0:
                continuationCount = 3
                secondLow = 0x90
            case 0xF1...0xF3: continuationCount = 3
            case 0xF4:
                continuationCount = 3
                secondHigh = 0x8F
            default: return .invalidUTF8(offset: i)
            }
            guard i + 1 < count, (secondLow...secondHigh).contains(base[i + 1]) else {
                return .invalidUTF8(offset: i)
            }
            var k = 2
            while k <= continuationCount {
                guard i + k < count, (0x80...0xBF).contains(base[i + k]) else {
                    return .invalidUTF8(offset: i)
                }
                k += 1
            }
            i += continuationCount + 1
        }
        return nil
    }
}
