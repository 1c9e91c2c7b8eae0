/// One tensor entry of a safetensors header with its JSON types checked; whether its values
/// make sense is `SafeTensorsLayout`'s concern.
package struct SafeTensorsHeaderEntry: Equatable {
    var name: String
    var dtype: String
    var shape: [Int]
    var begin: Int
    var end: Int
}

/// A safetensors header as written: entries in header order and the metadata.
package struct SafeTensorsHeader: Equatable {
    var entries: [SafeTensorsHeaderEntry]
    var metadata: [String: String]
}

/// A strict, single-pass parser for the JSON header of a safetensors file.
///
/// Foundation's `JSONSerialization` is not used because, measured on Linux, it keeps the last
/// of duplicate keys silently, bridges `3.0`, `1e2` and `true` to `Int`, and materialises a
/// 100 MB header of small numbers as about 3 GB of objects in 16 s. This parser reads straight
/// into the few fields it needs, so memory stays proportional to the tensors it describes; it
/// takes integers only from plain digit tokens; it rejects duplicate tensor names, duplicate
/// fields and duplicate metadata keys; and it bounds nesting, so no input can exhaust the stack.
/// Unknown fields of an entry are checked for syntax and skipped, as the Python library does.
/// Duplicate tensor names, which the Python library lets collapse silently, are rejected here,
/// and names are compared as Swift strings, so two names that differ only in Unicode
/// normalisation count as duplicates too: they could not be told apart once decoded.
package struct SafeTensorsHeaderParser {
    /// Deepest nesting accepted; a valid header needs 3 levels, unknown fields a few more.
    static let maximumDepth = 64
    package static let metadataKey = "__metadata__"

    private let bytes: UnsafeRawBufferPointer
    private let source: String
    private var position = 0

    private init(bytes: UnsafeRawBufferPointer, source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// Parses `bytes`, the whole header including any trailing padding, and throws an
    /// `InputError` from `source` describing the first thing that is not as expected.
    static func parse(_ bytes: UnsafeRawBufferPointer, source: String) throws -> SafeTensorsHeader {
        var parser = SafeTensorsHeaderParser(bytes: bytes, source: source)
        return try parser.parseHeader()
    }

    // MARK: Header structure

    private mutating func parseHeader() throws -> SafeTensorsHeader {
        skipWhitespace()
        guard let first = peek() else {
            throw error(.header, "is empty; expected a JSON object")
        }
        guard first == .openBrace else {
            throw error(.header, "must be a JSON object, found \(Self.describe(first)) at byte \(position)")
        }
        position += 1
        var entries: [SafeTensorsHeaderEntry] = []
        var names = Set<String>()
        var metadata: [String: String]?
        try parseMembers(closedBy: .closeBrace) { parser, key in
            if key == Self.metadataKey {
                guard metadata == nil else {
                    throw parser.error(.header, "has \"__metadata__\" more than once")
                }
                metadata = try parser.parseMetadata()
            } else {
                guard names.insert(key).inserted else {
                    throw parser.error(.tensor(key), "appears more than once in the header")
                }
                entries.append(try parser.parseEntry(name: key))
            }
        }
        skipWhitespace()
        guard position == bytes.count else {
            throw syntaxError("expected only spaces after the JSON object")
        }
        return SafeTensorsHeader(entries: entries, metadata: metadata ?? [:])
    }

    private mutating func parseMetadata() throws -> [String: String] {
        if peek() == UInt8(ascii: "n") {
            // `null` is what an absent Python `metadata=None` can serialise to.
            try parseLiteral("null")
            return [:]
        }
        guard peek() == .openBrace else {
            try typeMismatch(.header, depth: 2, "\"__metadata__\" must be an object mapping strings to strings")
        }
        position += 1
        var metadata: [String: String] = [:]
        try parseMembers(closedBy: .closeBrace) { parser, key in
            guard parser.peek() == .quote else {
                try parser.typeMismatch(
                    .header, depth: 3, "\"__metadata__\" value for key \"\(SafeTensorsDiagnostics.printable(key))\" must be a string")
            }
            let value = try parser.parseString(expecting: "a metadata value")
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw parser.error(.header, "\"__metadata__\" has the key \"\(SafeTensorsDiagnostics.printable(key))\" more than once")
            }
        }
        return metadata
    }

    private mutating func parseEntry(name: String) throws -> SafeTensorsHeaderEntry {
        let site = Site.tensor(name)
        guard peek() == .openBrace else {
            try typeMismatch(site, depth: 2, "must be an object with \"dtype\", \"shape\" and \"data_offsets\"")
        }
        position += 1
        var dtype: String?
        var shape: [Int]?
        var offsets: [Int]?
        try parseMembers(closedBy: .closeBrace) { parser, key in
            func duplicate() -> InputError {
                parser.error(site, "has the field \"\(key)\" more than once")
            }
            switch key {
            case "dtype":
                guard dtype == nil else { throw duplicate() }
                guard parser.peek() == .quote else {
                    try parser.typeMismatch(site, depth: 3, "\"dtype\" must be a string such as \"F32\"")
                }
                dtype = try parser.parseString(expecting: "a dtype")
            case "shape":
                guard shape == nil else { throw duplicate() }
                shape = try parser.parseIntegerArray(
                    field: "shape", site: site, maximumCount: SafeTensors.maximumRank,
                    tooLong: "\"shape\" has more than \(SafeTensors.maximumRank) dimensions")
            case "data_offsets":
                guard offsets == nil else { throw duplicate() }
                offsets = try parser.parseIntegerArray(
                    field: "data_offsets", site: site, maximumCount: 2,
                    tooLong: "\"data_offsets\" must be [begin, end], found more than 2 entries")
            default:
                _ = try parser.skipValue(depth: 3)
            }
        }
        guard let dtype else { throw error(site, "is missing \"dtype\"") }
        guard let shape else { throw error(site, "is missing \"shape\"") }
        guard let offsets else { throw error(site, "is missing \"data_offsets\"") }
        guard offsets.count == 2 else {
            throw error(site, "\"data_offsets\" must be [begin, end], found \(offsets.count) entr\(offsets.count == 1 ? "y" : "ies")")
        }
        return SafeTensorsHeaderEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// Parses `"key": value` pairs up to `closing`, the opening byte already consumed, leaving
    /// `parseValue` positioned at each value.
    private mutating func parseMembers(
        closedBy closing: UInt8, _ parseValue: (inout SafeTensorsHeaderParser, String) throws -> Void
    ) throws {
        skipWhitespace()
        if peek() == closing {
            position += 1
            return
        }
        repeat {
            skipWhitespace()
            let key = try parseString(expecting: "a key")
            skipWhitespace()
            guard peek() == .colon else { throw syntaxError("expected ':' after a key") }
            position += 1
            skipWhitespace()
            try parseValue(&self, key)
            skipWhitespace()
        } while try consumeSeparator(orClosing: closing)
    }

    /// Consumes `,` (returning true: another element follows) or `closing` (returning false).
    private mutating func consumeSeparator(orClosing closing: UInt8) throws -> Bool {
        switch peek() {
        case .comma:
            position += 1
            return true
        case closing:
            position += 1
            return false
        default:
            throw syntaxError("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }
    }

    // MARK: Typed values

    private mutating func parseIntegerArray(
        field: String, site: Site, maximumCount: Int, tooLong: @autoclosure () -> String
    ) throws -> [Int] {
        guard peek() == .openBracket else {
            try typeMismatch(site, depth: 3, "\"\(field)\" must be an array of non-negative integers")
        }
        position += 1
        var values: [Int] = []
        skipWhitespace()
        if peek() == .closeBracket {
            position += 1
            return values
        }
        repeat {
            skipWhitespace()
            guard values.count < maximumCount else {
                throw error(site, tooLong())
            }
            values.append(try parseNonNegativeInteger(field: field, index: values.count, site: site))
            skipWhitespace()
        } while try consumeSeparator(orClosing: .closeBracket)
        return values
    }

    /// An integer written as plain digits: serde_json, behind the Python library, rejects
    /// `3.0`, `1e2` and `-0` for its unsigned fields, and so does this.
    private mutating func parseNonNegativeInteger(field: String, index: Int, site: Site) throws -> Int {
        guard let first = peek(), first == .minus || Self.isDigit(first) else {
            try typeMismatch(site, depth: 4, "\"\(field)\"[\(index)] must be a non-negative integer")
        }
        let token = try scanNumber()
        guard token.isPlainInteger else {
            throw error(site, "\"\(field)\"[\(index)] must be a non-negative integer, found \(text(of: token.range))")
        }
        var value = 0
        for digit in token.range {
            let (scaled, scaleOverflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = scaled.addingReportingOverflow(Int(bytes[digit] &- .digitZero))
            guard !scaleOverflow, !sumOverflow else {
                throw error(site, "\"\(field)\"[\(index)] is too large: \(text(of: token.range))")
            }
            value = sum
        }
        return value
    }

    /// Throws that the value at the current position is not of the `expectation`'s type,
    /// first skipping it so that a syntax error, if any, is reported instead.
    private mutating func typeMismatch(_ site: Site, depth: Int, _ expectation: @autoclosure () -> String) throws -> Never {
        let found: String
        switch try skipValue(depth: depth) {
        case .string: found = "a string"
        case .object: found = "an object"
        case .array: found = "an array"
        case .literal(let literal): found = literal.description
        case .number(let range): found = "the number \(text(of: range))"
        }
        throw error(site, "\(expectation()), found \(found)")
    }

    // MARK: JSON grammar

    /// What kind of value `skipValue` skipped; described only when an error needs it, since
    /// building text for every skipped value would dominate the parse of a large header.
    private enum SkippedValue {
        case string, object, array
        case literal(StaticString)
        case number(Range<Int>)
    }

    /// Skips one value of any type, checking its syntax, and tells what it was.
    private mutating func skipValue(depth: Int) throws -> SkippedValue {
        guard depth <= Self.maximumDepth else {
            throw error(.header, "nests deeper than \(Self.maximumDepth) levels at byte \(position)")
        }
        guard let byte = peek() else { throw syntaxError("expected a value") }
        switch byte {
        case .quote:
            _ = try parseString(expecting: "a string")
            return .string
        case .openBrace:
            position += 1
            try parseMembers(closedBy: .closeBrace) { parser, _ in _ = try parser.skipValue(depth: depth + 1) }
            return .object
        case .openBracket:
            position += 1
            skipWhitespace()
            if peek() == .closeBracket {
                position += 1
            } else {
                repeat {
                    skipWhitespace()
                    _ = try skipValue(depth: depth + 1)
                    skipWhitespace()
                } while try consumeSeparator(orClosing: .closeBracket)
            }
            return .array
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .literal("true")
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .literal("false")
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .literal("null")
        case .minus, UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try scanNumber().range)
        default:
            throw syntaxError("expected a value")
        }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count,
              UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
                .elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: count))
        else { throw syntaxError("expected '\(literal)'") }
        position += count
    }

    /// Scans a number per RFC 8259 and tells whether it was plain digits: no sign, fraction
    /// or exponent.
    private mutating func scanNumber() throws -> (range: Range<Int>, isPlainInteger: Bool) {
        let start = position
        var isPlainInteger = true
        if peek() == .minus {
            position += 1
            isPlainInteger = false
        }
        guard let leading = peek(), Self.isDigit(leading) else { throw syntaxError("expected a digit") }
        position += 1
        if leading != .digitZero { skipDigits() }
        if peek() == .period {
            position += 1
            isPlainInteger = false
            guard let digit = peek(), Self.isDigit(digit) else { throw syntaxError("expected a digit after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            isPlainInteger = false
            if peek() == .plus || peek() == .minus { position += 1 }
            guard let digit = peek(), Self.isDigit(digit) else { throw syntaxError("expected a digit in the exponent") }
            skipDigits()
        }
        return (start..<position, isPlainInteger)
    }

    private mutating func skipDigits() {
        while let byte = peek(), Self.isDigit(byte) { position += 1 }
    }

    /// Parses a string, checking that it is valid UTF-8 with valid escapes.
    private mutating func parseString(expecting what: String) throws -> String {
        guard peek() == .quote else { throw syntaxError("expected \(what) (a JSON string)") }
        position += 1
        let start = position
        var hasEscapes = false
        while true {
            guard position < bytes.count else { throw syntaxError("unterminated string starting at byte \(start - 1)") }
            let byte = bytes[position]
            if byte == .quote { break }
            if byte < 0x20 { throw syntaxError("control character in a string (it must be escaped)") }
            if byte == .backslash {
                hasEscapes = true
                position += 2  // Whatever follows is checked by `unescape`; the bounds by the guard above.
            } else {
                position += 1
            }
        }
        let end = position
        position += 1
        if hasEscapes { return try unescape(start..<end) }
        return try validatedUTF8(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), at: start)
    }

    private func unescape(_ range: Range<Int>) throws -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            guard byte == .backslash else {
                utf8.append(byte)
                index += 1
                continue
            }
            guard index + 1 < range.upperBound else { throw syntaxError("unterminated escape", at: index) }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case .quote, .backslash, .slash: utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalarValue = try hexUnit(at: index, limit: range.upperBound)
                index += 4
                if (0xD800..<0xDC00).contains(scalarValue) {
                    // A high surrogate must be followed at once by an escaped low one.
                    guard index + 6 <= range.upperBound, bytes[index] == .backslash, bytes[index + 1] == UInt8(ascii: "u")
                    else { throw syntaxError("unpaired UTF-16 surrogate in a \\u escape", at: index - 6) }
                    let low = try hexUnit(at: index + 2, limit: range.upperBound)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw syntaxError("unpaired UTF-16 surrogate in a \\u escape", at: index - 6)
                    }
                    scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                guard let scalar = Unicode.Scalar(scalarValue) else {
                    throw syntaxError("unpaired UTF-16 surrogate in a \\u escape", at: index - 6)
                }
                UTF8.encode(scalar) { utf8.append($0) }
            default:
                throw syntaxError("expected an escape character after '\\'", at: index - 1)
            }
        }
        return try utf8.withUnsafeBytes { try validatedUTF8($0, at: range.lowerBound) }
    }

    private func hexUnit(at index: Int, limit: Int) throws -> UInt32 {
        guard index + 4 <= limit else { throw syntaxError("expected 4 hex digits after \\u", at: index) }
        var value: UInt32 = 0
        for offset in index..<index + 4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntaxError("expected 4 hex digits after \\u", at: offset)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func validatedUTF8(_ utf8: UnsafeRawBufferPointer, at offset: Int) throws -> String {
        // Decoding repairs invalid sequences with U+FFFD, so the bytes survive unchanged exactly
        // when they were valid; unlike `String(validating:as:)`, this needs no macOS 15.
        let string = String(decoding: utf8, as: UTF8.self)
        guard string.utf8.elementsEqual(utf8) else {
            throw error(.header, "is not valid UTF-8 (in the string at byte \(offset))")
        }
        return string
    }

    // MARK: Bytes

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == .space || byte == .tab || byte == .lineFeed || byte == .carriageReturn {
            position += 1
        }
    }

    private func text(of range: Range<Int>) -> String {
        // Number tokens are ASCII, so decoding cannot fail; clipping keeps messages short.
        SafeTensorsDiagnostics.printable(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
    }

    private func syntaxError(_ expectation: String, at offset: Int? = nil) -> InputError {
        let offset = offset ?? position
        let found = offset < bytes.count ? Self.describe(bytes[offset]) : "the end of the header"
        return error(.header, "is not valid JSON at byte \(offset): \(expectation), found \(found)")
    }

    /// Where in the header a problem lies. It becomes an `InputError.location` only when an
    /// error is thrown: formatting one for every entry would dominate the parse of a large header.
    private enum Site {
        case header
        case tensor(String)
    }

    private func error(_ site: Site, _ message: String) -> InputError {
        switch site {
        case .header: InputError(source: source, location: "header", message)
        case .tensor(let name): InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: name), message)
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

private extension UInt8 {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let period = UInt8(ascii: ".")
    static let digitZero = UInt8(ascii: "0")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
}
