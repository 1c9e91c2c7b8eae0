import Testing
@testable import CompactRec
@testable import CompactRecRuntime

/// Every way the brief lists for a safetensors file to be wrong, each rejected with an
/// `InputError` at the right location.
@Suite("SafeTensors corrupt files")
struct SafeTensorsCorruptionTests {
    typealias Support = IOTestSupport

    /// Eight zero bytes: enough data for any two-float layout below.
    let data = [UInt8](repeating: 0, count: 8)

    // MARK: Length prefix

    @Test("files shorter than the length prefix", arguments: 0..<8)
    func tooShort(length: Int) {
        Support.expectRejected([UInt8](repeating: 0, count: length), at: "header", "the file is \(length) bytes", "8-byte header length")
    }

    @Test("header lengths past the limit neither overflow nor allocate",
          arguments: [UInt64(1) << 63, .max, UInt64(SafeTensors.maximumHeaderLength) + 1, UInt64(1) << 32])
    func headerLengthOverLimit(length: UInt64) {
        Support.expectRejected(Support.littleEndianBytes(length) + Array("{}".utf8), at: "header", "header length \(length) exceeds the limit")
    }

    @Test("a header length within the limit but past the end of the file")
    func headerLengthPastEnd() {
        Support.expectRejected(Support.littleEndianBytes(3) + Array("{}".utf8), at: "header", "runs past the end of the file", "2 bytes")
        Support.expectRejected(Support.littleEndianBytes(UInt64(SafeTensors.maximumHeaderLength)) + Array("{}".utf8),
                               at: "header", "runs past the end")
    }

    @Test("every truncation of a valid file is rejected")
    func everyTruncation() throws {
        let bytes = try SafeTensors.encode(IOTestSupport.sampleTensors, metadata: ["k": "v"])
        for length in 0..<bytes.count {
            let error = Support.decodingError(Array(bytes[..<length]))
            #expect(error != nil, "truncated at \(length)")
        }
    }

    // MARK: JSON

    @Test("an empty or blank header, or a non-object")
    func notAnObject() {
        Support.expectRejected(Support.file(header: ""), at: "header", "is empty")
        Support.expectRejected(Support.file(header: "  \n "), at: "header", "is empty")
        Support.expectRejected(Support.file(header: "[]"), at: "header", "must be a JSON object, found '[' at byte 0")
        Support.expectRejected(Support.file(header: " \"a\""), at: "header", "must be a JSON object, found '\"' at byte 1")
        Support.expectRejected(Support.file(header: "\u{FEFF}{}"), at: "header", "must be a JSON object, found byte 0xEF")
    }

    @Test("JSON syntax errors", arguments: [
        #"{"a"}"#, #"{"a":}"#, #"{"__metadata__":{},}"#, #"{"__metadata__":{}"#, #"{"a:1}"#, #"{a:1}"#,
        #"{"__metadata__":{}} x"#, #"{} {}"#, #"{"__metadata__":{"k":"v",}}"#, #"{"__metadata__":{"k" "v"}}"#,
        #"{"a":{"dtype":"F32","shape":[1,],"data_offsets":[0,4]}}"#, #"{"a":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}}"#,
        #"{"a":{"dtype":"F32","shape":[-],"data_offsets":[0,4]}}"#, #"{"a":{"dtype":"F32","shape":[1.],"data_offsets":[0,4]}}"#,
        #"{"a":{"dtype":"F32","shape":[1e],"data_offsets":[0,4]}}"#, #"{"a":{"x":tru,"dtype":"F32"}}"#,
        #"{"a":{"x":nul}}"#, #"{"a":{"x":[1 2]}}"#, #"{"a":{"x":'s'}}"#,
    ])
    func syntaxErrors(header: String) {
        Support.expectRejected(Support.file(header: header), at: "header", "is not valid JSON at byte")
    }

    @Test("NUL padding, which Python also refuses")
    func nulPadding() {
        Support.expectRejected(Support.file(header: "{}\0\0\0\0\0\0"), at: "header", "expected only spaces after the JSON object")
    }

    @Test("invalid UTF-8 in a name, a value or a skipped field")
    func invalidUTF8() {
        for invalid in [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] as [[UInt8]] {
            let name = Support.littleEndianBytes(UInt64(6 + invalid.count)) + Array("{\"".utf8) + invalid + Array("\":1}".utf8)
            Support.expectRejected(name, at: "header", "not valid UTF-8")
            let metadataValue = Array(#"{"__metadata__":{"k":""#.utf8) + invalid + Array(#""}}"#.utf8)
            Support.expectRejected(Support.littleEndianBytes(UInt64(metadataValue.count)) + metadataValue, at: "header", "not valid UTF-8")
        }
    }

    // MARK: Entries

    @Test("an entry that is not an object")
    func entryNotObject() {
        Support.expectRejected(Support.file(header: #"{"w":[0,4]}"#), at: "tensor w", "must be an object", "found an array")
    }

    @Test("missing fields", arguments: ["dtype", "shape", "data_offsets"])
    func missingField(field: String) {
        var fields = [#""dtype":"F32""#, #""shape":[1]"#, #""data_offsets":[0,4]"#]
        fields.removeAll { $0.hasPrefix("\"\(field)\"") }
        let header = "{\"w\":{\(fields.joined(separator: ","))}}"
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", "is missing \"\(field)\"")
    }

    @Test("a dtype that is not a string")
    func dtypeNotString() {
        let header = "{\(Support.entry("w", shape: "[1]", offsets: "[0,4]", dtype: "32"))}"
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", "\"dtype\" must be a string", "found the number 32")
    }

    @Test("dtypes other than F32 name what was found", arguments: ["F16", "BF16", "F64", "I64", "U8", "BOOL", "f32", ""])
    func unsupportedDtype(dtype: String) {
        let header = "{\(Support.entry("w", shape: "[1]", offsets: "[0,4]", dtype: "\"\(dtype)\""))}"
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", "dtype is \"\(dtype)\"", "expected \"F32\"")
    }

    @Test("shape entries that are not non-negative integers, including NSNumber-style quirks", arguments: [
        ("[-1]", "found -1"), ("[-0]", "found -0"), ("[3.0]", "found 3.0"), ("[1e30]", "found 1e30"), ("[1E2]", "found 1E2"),
        ("[2.5]", "found 2.5"), ("[true]", "found true"), ("[false]", "found false"), ("[null]", "found null"),
        ("[\"2\"]", "found a string"), ("[[2]]", "found an array"), ("[{}]", "found an object"),
    ])
    func badShapeEntry(shape: String, found: String) {
        let header = "{\(Support.entry("w", shape: shape, offsets: "[0,4]"))}"
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", "\"shape\"[0] must be a non-negative integer", found)
    }

    @Test("shapes and offsets of the wrong JSON type", arguments: [
        ("2", "[0,4]", "\"shape\" must be an array of non-negative integers, found the number 2"),
        ("{}", "[0,4]", "\"shape\" must be an array of non-negative integers, found an object"),
        ("null", "[0,4]", "found null"),
        ("[1]", "\"0,4\"", "\"data_offsets\" must be an array of non-negative integers, found a string"),
        ("[1]", "[0]", "\"data_offsets\" must be [begin, end], found 1 entry"),
        ("[1]", "[]", "found 0 entries"),
        ("[1]", "[0,4,8]", "found more than 2 entries"),
        ("[1]", "[0,4.0]", "\"data_offsets\"[1] must be a non-negative integer, found 4.0"),
        ("[1]", "[true,4]", "\"data_offsets\"[0] must be a non-negative integer, found true"),
        ("[1]", "[-4,0]", "found -4"),
    ])
    func wrongTypes(shape: String, offsets: String, message: String) {
        let header = "{\(Support.entry("w", shape: shape, offsets: offsets))}"
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", message)
    }

    @Test("integers too large for Int")
    func hugeIntegers() {
        for huge in ["9223372036854775808", "18446744073709551616", String(repeating: "9", count: 400)] {
            let header = "{\(Support.entry("w", shape: "[\(huge)]", offsets: "[0,4]"))}"
            Support.expectRejected(Support.file(header: header), at: "tensor w", "\"shape\"[0] is too large")
        }
    }

    @Test("more dimensions than the limit are refused while parsing")
    func rankLimit() {
        let ones = Array(repeating: "1", count: SafeTensors.maximumRank)
        let atLimit = "{\(Support.entry("w", shape: "[\(ones.joined(separator: ","))]", offsets: "[0,4]"))}"
        #expect(throws: Never.self) { try SafeTensors.decode(Support.file(header: atLimit, data: [0, 0, 0, 0]), source: "t") }
        let overLimit = "{\(Support.entry("w", shape: "[\((ones + ["1"]).joined(separator: ","))]", offsets: "[0,4]"))}"
        Support.expectRejected(Support.file(header: overLimit, data: [0, 0, 0, 0]), at: "tensor w", "more than \(SafeTensors.maximumRank) dimensions")
    }

    @Test("shapes whose element or byte count overflows", arguments: [
        "[4294967296,4294967296]", "[9223372036854775807,2]", "[3074457345618258603,3]", "[2305843009213693952]",
    ])
    func overflowingShape(shape: String) {
        let header = "{\(Support.entry("w", shape: shape, offsets: "[0,4]"))}"
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", "too many elements")
    }

    @Test("a zero dimension makes a huge shape empty, as in Python")
    func zeroDimension() throws {
        let header = "{\(Support.entry("w", shape: "[0,9223372036854775807]", offsets: "[0,0]"))}"
        let file = try SafeTensors.decode(Support.file(header: header), source: "t")
        #expect(file["w"]?.values == [])
    }

    // MARK: Offsets

    @Test("offsets that end before they begin")
    func reversedOffsets() {
        let header = "{\(Support.entry("w", shape: "[1]", offsets: "[4,0]"))}"
        Support.expectRejected(Support.file(header: header, data: data), at: "tensor w", "data_offsets [4, 0] end before they begin")
    }

    @Test("offsets past the data buffer, including huge ones")
    func offsetsPastEnd() {
        let header = "{\(Support.entry("w", shape: "[2]", offsets: "[4,12]"))}"
        Support.expectRejected(Support.file(header: header, data: data), at: "tensor w", "run past the end of the data buffer, which has 8 bytes")
        let huge = "{\(Support.entry("w", shape: "[2]", offsets: "[9223372036854775799,9223372036854775807]"))}"
        Support.expectRejected(Support.file(header: huge, data: data), at: "tensor w", "run past the end")
    }

    @Test("a byte range that does not match shape × 4")
    func sizeMismatch() {
        let header = "{\(Support.entry("w", shape: "[3]", offsets: "[0,8]"))}"
        Support.expectRejected(Support.file(header: header, data: data), at: "tensor w", "span 8 bytes, but shape [3] of F32 needs 12")
        let scalar = "{\(Support.entry("s", shape: "[]", offsets: "[0,8]"))}"
        Support.expectRejected(Support.file(header: scalar, data: data), at: "tensor s", "shape [] of F32 needs 4")
    }

    @Test("overlapping tensors")
    func overlap() {
        let header = "{\(Support.entry("a", shape: "[2]", offsets: "[0,8]")),\(Support.entry("b", shape: "[1]", offsets: "[4,8]"))}"
        Support.expectRejected(Support.file(header: header, data: data), at: "tensor b", "overlap those of tensor a")
        let same = "{\(Support.entry("a", shape: "[2]", offsets: "[0,8]")),\(Support.entry("b", shape: "[2]", offsets: "[0,8]"))}"
        Support.expectRejected(Support.file(header: same, data: data), at: "tensor b", "overlap those of tensor a")
        let emptyInside = "{\(Support.entry("a", shape: "[2]", offsets: "[0,8]")),\(Support.entry("e", shape: "[0]", offsets: "[4,4]"))}"
        Support.expectRejected(Support.file(header: emptyInside, data: data), at: "tensor e", "overlap")
    }

    @Test("gaps between tensors")
    func gap() {
        let header = "{\(Support.entry("a", shape: "[1]", offsets: "[0,4]")),\(Support.entry("b", shape: "[1]", offsets: "[8,12]"))}"
        Support.expectRejected(Support.file(header: header, data: data + [0, 0, 0, 0]), at: "tensor b", "leave bytes 4..<8", "without gaps")
        let leading = "{\(Support.entry("b", shape: "[1]", offsets: "[4,8]"))}"
        Support.expectRejected(Support.file(header: leading, data: data), at: "tensor b", "leave bytes 0..<4")
    }

    @Test("bytes left over after the last tensor")
    func leftover() {
        let header = "{\(Support.entry("a", shape: "[1]", offsets: "[0,4]"))}"
        Support.expectRejected(Support.file(header: header, data: data), at: "header", "cover 4 of the data buffer's 8 bytes")
        Support.expectRejected(Support.file(header: "{}", data: [0]), at: "header", "cover 0 of the data buffer's 1 bytes")
    }

    @Test("empty tensors may share an offset and sit at the end")
    func emptyTensorsTile() throws {
        let header = "{" + [
            Support.entry("e1", shape: "[0]", offsets: "[0,0]"), Support.entry("e2", shape: "[0,5]", offsets: "[0,0]"),
            Support.entry("a", shape: "[2]", offsets: "[0,8]"), Support.entry("e3", shape: "[3,0]", offsets: "[8,8]"),
        ].joined(separator: ",") + "}"
        let file = try SafeTensors.decode(Support.file(header: header, data: data), source: "t")
        #expect(file.tensors.map(\.name) == ["e1", "e2", "a", "e3"])
    }

    // MARK: Duplicates and metadata

    @Test("duplicate tensor names, however they are spelled")
    func duplicateNames() {
        let entry = Support.entry("a", shape: "[1]", offsets: "[0,4]")
        Support.expectRejected(Support.file(header: "{\(entry),\(entry)}", data: data), at: "tensor a", "appears more than once")
        let escaped = Support.entry("\\u0061", shape: "[1]", offsets: "[4,8]")
        Support.expectRejected(Support.file(header: "{\(entry),\(escaped)}", data: data), at: "tensor a", "appears more than once")
    }

    @Test("duplicate fields within an entry", arguments: [
        #"{"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        #"{"w":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}"#,
        #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"data_offsets":[0,4]}}"#,
    ])
    func duplicateFields(header: String) {
        Support.expectRejected(Support.file(header: header, data: [0, 0, 0, 0]), at: "tensor w", "more than once")
    }

    @Test("duplicate metadata, or metadata keys")
    func duplicateMetadata() {
        Support.expectRejected(Support.file(header: #"{"__metadata__":{},"__metadata__":{}}"#), at: "header", "\"__metadata__\" more than once")
        Support.expectRejected(Support.file(header: #"{"__metadata__":{"k":"1","k":"2"}}"#), at: "header", "has the key \"k\" more than once")
    }

    @Test("metadata that is not an object of strings", arguments: [
        (#"{"__metadata__":{"k":1}}"#, "value for key \"k\" must be a string, found the number 1"),
        (#"{"__metadata__":{"k":null}}"#, "found null"),
        (#"{"__metadata__":{"k":["v"]}}"#, "found an array"),
        (#"{"__metadata__":["k"]}"#, "\"__metadata__\" must be an object mapping strings to strings, found an array"),
        (#"{"__metadata__":"k"}"#, "found a string"),
    ])
    func badMetadata(header: String, message: String) {
        Support.expectRejected(Support.file(header: header), at: "header", message)
    }

    @Test("null metadata reads as none")
    func nullMetadata() throws {
        #expect(try SafeTensors.decode(Support.file(header: #"{"__metadata__":null}"#), source: "t").metadata == [:])
    }

    @Test("unknown fields are skipped, however nested, up to the depth limit")
    func unknownFields() throws {
        let extra = #""extra":{"x":[1,-2.5e3,true,false,null,"s",{"y":[]}]},"#
        let header = "{\"w\":{\(extra)\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        #expect(try SafeTensors.decode(Support.file(header: header, data: [0, 0, 0, 0]), source: "t")["w"]?.values == [0])
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        Support.expectRejected(Support.file(header: "{\"w\":{\"x\":\(deep)}}"), at: "header", "nests deeper than")
    }

    @Test("hostile names are clipped and escaped in error messages")
    func hostileNames() {
        let name = "\u{1B}[31m" + String(repeating: "x", count: 10_000)
        let header = "{\"\\u001b[31m\(String(repeating: "x", count: 10_000))\":5}"
        guard let error = Support.decodingError(Support.file(header: header)) else { return }
        #expect(error.location?.hasPrefix("tensor \\u{1b}[31mxxx") == true)
        #expect((error.location?.count ?? .max) < 200)
        #expect(!(error.location ?? "").contains(name))
    }
}
