/// Renders names taken from a possibly hostile file for error messages.
package enum SafeTensorsDiagnostics {
    /// Longest excerpt of a name or token quoted in an error; a header may hold megabyte-long
    /// strings, and an error message must stay readable.
    static let maximumQuotedLength = 120

    /// The `InputError.location` for the tensor called `name`.
    static func location(ofTensor name: String) -> String {
        "tensor \(printable(name))"
    }

    /// `text` clipped and with control characters escaped, so that a name from a file can
    /// neither flood a terminal nor drive it with escape sequences.
    package static func printable(_ text: String) -> String {
        var result = ""
        var length = 0
        for scalar in text.unicodeScalars {
            if length == maximumQuotedLength { return result + "…" }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            length += 1
        }
        return result
    }
}
