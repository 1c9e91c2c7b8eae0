import Testing
@testable import CompactRec
@testable import CompactRecRuntime

@Suite("SafeTensors header JSON")
struct SafeTensorsHeaderParserTests {
    private func parse(_ json: String) throws -> SafeTensorsHeader {
        let bytes = Array(json.utf8)
        return try bytes.withUnsafeBytes { try SafeTensorsHeaderParser.parse($0, source: "t") }
    }

    private func metadataValue(_ literal: String) throws -> String? {
        try parse("{\"__metadata__\":{\"k\":\"\(literal)\"}}").metadata["k"]
    }

    @Test("all JSON escapes decode")
    func escapes() throws {
        #expect(try metadataValue(#"\"\\\/\b\f\n\r\t"#) == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(try metadataValue(#"\u0041\u00e9\u00E9\u4e2d"#) == "Aéé中")
        #expect(try metadataValue(#"\ud83d\ude00"#) == "😀")
        #expect(try metadataValue(#"a\u0000b"#) == "a\u{0}b")
        #expect(try metadataValue("raw é 中 😀") == "raw é 中 😀")
    }

    @Test("invalid escapes and raw control characters", arguments: [
        #"\ud800"#, #"\ud800x"#, #"\ud800\u0041"#, #"\udc00"#, #"\u12"#, #"\u12G4"#, #"\x"#, #"\'"#, "tab\there", "nl\nhere", "\\",
    ])
    func invalidStrings(literal: String) {
        #expect(throws: InputError.self) { try metadataValue(literal) }
    }

    @Test("whitespace is allowed around every token, as Python allows it")
    func whitespace() throws {
        let header = try parse(" \t\r\n{ \"w\" :\n{\t\"dtype\" : \"F32\" ,\r\n\"shape\" : [ 1 , 2 ] , \"data_offsets\" : [ 0 , 8 ] } }  \n\t\r")
        #expect(header.entries == [SafeTensorsHeaderEntry(name: "w", dtype: "F32", shape: [1, 2], begin: 0, end: 8)])
    }

    @Test("entries keep header order and exact integers")
    func entries() throws {
        let header = try parse(#"{"b":{"data_offsets":[0,9223372036854775807],"shape":[],"dtype":"X"},"a":{"dtype":"F32","shape":[0,1,10],"data_offsets":[5,5]}}"#)
        #expect(header.entries.map(\.name) == ["b", "a"])
        #expect(header.entries[0].end == Int.max)
        #expect(header.entries[0].shape == [])
        #expect(header.entries[1].shape == [0, 1, 10])
    }

    @Test("syntax errors report the byte offset and what was found")
    func syntaxErrorMessage() {
        let error = #expect(throws: InputError.self) { try parse(#"{"a" 1}"#) }
        #expect(error == InputError(source: "t", location: "header", "is not valid JSON at byte 5: expected ':' after a key, found '1'"))
        let end = #expect(throws: InputError.self) { try parse(#"{"a":"#) }
        #expect(end?.message == "is not valid JSON at byte 5: expected a value, found the end of the header")
    }
}
