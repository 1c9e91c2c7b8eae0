#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the fields of an interaction line into ids and timestamps, with errors that say
/// which file, line and column held what.
enum InteractionFieldParsing {
    /// The longest user or item id accepted, in bytes. Real ids are short; a longer one
    /// usually means the separator was not recognized and a whole line became one id.
    static let maximumIdLength = 256

    /// Checks that `field` can be a user or item id: not empty and not too long.
    /// - Parameter role: what the column holds, for the message: "user id", "item id".
    static func id(
        _ field: UnsafeBufferPointer<UInt8>, role: String, column: Int, file: String, line: Int
    ) throws -> UnsafeBufferPointer<UInt8> {
        if field.isEmpty {
            throw InputError(file: file, line: line, "column \(column) is empty; expected the \(role)")
        }
        if field.count > maximumIdLength {
            throw InputError(
                file: file, line: line,
                "column \(column): the \(role) is \(field.count) bytes long, over the limit of \(maximumIdLength)")
        }
        return field
    }

    /// Parses a timestamp: an integer or decimal number, optionally signed or with an exponent.
    static func timestamp(
        _ field: UnsafeBufferPointer<UInt8>, column: Int, file: String, line: Int
    ) throws -> Double {
        guard let value = number(field) else {
            throw InputError(
                file: file, line: line,
                "column \(column): expected a numeric timestamp, found \(quoted(field))")
        }
        guard value.isFinite else {
            throw InputError(
                file: file, line: line,
                "column \(column): the timestamp \(quoted(field)) is too large for a number")
        }
        return value
    }

    static func isNumber(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        number(field) != nil
    }

    /// The value of `field` if it is `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`.
    /// Deliberately stricter than `strtod`, which would also take `inf`, `nan` and hex.
    static func number(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = field.count
        var i = 0
        if i < count && (field[i] == 0x2B || field[i] == 0x2D) { i += 1 }
        let integerStart = i
        var integer: UInt64 = 0
        while i < count && isDigit(field[i]) {
            integer = integer &* 10 &+ UInt64(field[i] &- 0x30)
            i += 1
        }
        let integerDigits = i - integerStart
        // The common case, a Unix time in seconds or milliseconds, needs no strtod.
        if i == count && integerDigits > 0 && integerDigits <= 18 {
            let magnitude = Double(integer)
            return field[0] == 0x2D ? -magnitude : magnitude
        }
        var fractionDigits = 0
        if i < count && field[i] == 0x2E {
            i += 1
            while i < count && isDigit(field[i]) {
                i += 1
                fractionDigits += 1
            }
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        if i < count && (field[i] == 0x65 || field[i] == 0x45) {
            i += 1
            if i < count && (field[i] == 0x2B || field[i] == 0x2D) { i += 1 }
            let exponentStart = i
            while i < count && isDigit(field[i]) { i += 1 }
            guard i > exponentStart else { return nil }
        }
        guard i == count else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text in
            for k in 0..<count { text[k] = CChar(bitPattern: field[k]) }
            text[count] = 0
            return strtod(text.baseAddress!, nil)
        }
    }

    /// `field` in quotes for an error message, shortened when long.
    static func quoted(_ field: UnsafeBufferPointer<UInt8>) -> String {
        let limit = 40
        guard field.count > limit else { return "'\(String(decoding: field, as: UTF8.self))'" }
        // Back up to a character boundary so the message stays valid UTF-8.
        var cut = limit
        while cut > 0 && field[cut] & 0xC0 == 0x80 { cut -= 1 }
        return "'\(String(decoding: UnsafeBufferPointer(rebasing: field[..<cut]), as: UTF8.self))…'"
    }

    /// "1 column", "3 columns".
    static func columns(_ count: Int) -> String {
        count == 1 ? "1 column" : "\(count) columns"
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte)
    }
}
