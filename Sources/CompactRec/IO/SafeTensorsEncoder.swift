extension SafeTensors {
    /// Encodes `tensors` and writes them atomically to `path` (see `writeAtomically`).
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        let bytes = try encode(tensors, metadata: metadata)
        try writeAtomically(bytes, to: path)
    }


    /// Encodes `tensors` and `metadata` as a safetensors file.
    ///
    /// The output is deterministic: tensors are laid out contiguously in the byte order of
    /// their names, whatever their order in `tensors`; metadata keys are sorted the same way;
    /// the JSON is compact, as the Python library writes it, and padded with spaces so the
    /// data starts at a multiple of 8 bytes. Throws `SafeTensorsEncodingError` for duplicate
    /// names, the reserved name `"__metadata__"`, a negative dimension, more than
    /// `maximumRank` dimensions, or values whose count is not the shape's product: anything
    /// `decode` would refuse.
    ///
    /// `stored` tensors (F16, U8, I8: a reduced-precision bundle's) are laid out among the F32
    /// ones by the same order of names.
    public static func encode(_ tensors: [NamedTensor], stored: [StoredTensor] = [], metadata: [String: String] = [:]) throws -> [UInt8] {
        // F32 tensors first, then the stored ones: entry i < tensors.count is tensors[i].
        let names = tensors.map(\.name) + stored.map(\.name)
        let order = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
        for tensor in stored { try validate(tensor) }
        var json: [UInt8] = []
        json.reserveCapacity(64 + 96 * tensors.count)
        json.append(UInt8(ascii: "{"))
        if !metadata.isEmpty {
            appendJSONString(SafeTensorsHeaderParser.metadataKey, to: &json)
            json.append(contentsOf: ":{".utf8)
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                appendJSONString(value, to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        var seen = Set<String>()
        var dataLength = 0
        for (position, index) in order.enumerated() {
            let name = names[index], shape: [Int], byteCount: Int, dtype: String
            if index < tensors.count {
                let tensor = tensors[index]
                try validate(tensor)
                (shape, byteCount, dtype) = (tensor.shape, tensor.values.count * SafeTensorsLayout.elementSize, "F32")
            } else {
                let tensor = stored[index - tensors.count]
                (shape, byteCount, dtype) = (tensor.shape, tensor.bytes.count, tensor.dtype.rawValue)
            }
            // Swift compares strings up to Unicode normalisation, as the decoder will.
            guard seen.insert(name).inserted else {
                throw SafeTensorsEncodingError(tensor: name, "the name is used by more than one tensor")
            }
            if position > 0 || !metadata.isEmpty { json.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &json)
            json.append(contentsOf: #":{"dtype":""#.utf8)
            json.append(contentsOf: dtype.utf8)
            json.append(contentsOf: #"","shape":["#.utf8)
            json.append(contentsOf: shape.map(String.init).joined(separator: ",").utf8)
            json.append(contentsOf: #"],"data_offsets":["#.utf8)
            json.append(contentsOf: "\(dataLength),\(dataLength + byteCount)]}".utf8)
            dataLength += byteCount
        }
        json.append(UInt8(ascii: "}"))
        let prefixSize = SafeTensorsLayout.lengthPrefixSize
        // Spaces, like the Python library's padding, keep the data 8-byte aligned for readers that map the file.
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (prefixSize - json.count % prefixSize) % prefixSize))
        guard json.count <= maximumHeaderLength else {
            throw SafeTensorsEncodingError("the header would be \(json.count) bytes, over the \(maximumHeaderLength)-byte limit")
        }

        let total = prefixSize + json.count + dataLength
        return [UInt8](unsafeUninitializedCapacity: total) { storage, initializedCount in
            let output = UnsafeMutableRawBufferPointer(storage)
            output.storeBytes(of: UInt64(json.count).littleEndian, as: UInt64.self)
            json.withUnsafeBytes { output.baseAddress!.advanced(by: prefixSize).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var cursor = prefixSize + json.count
            for index in order {
                if index < tensors.count {
                    tensors[index].values.withUnsafeBytes { values in
                        let destination = UnsafeMutableRawBufferPointer(rebasing: output[cursor..<cursor + values.count])
                        destination.copyMemory(from: values)
                        convertLittleEndianFloats(destination)
                        cursor += values.count
                    }
                } else {
                    // Already little-endian: StoredTensor holds the file's bytes.
                    stored[index - tensors.count].bytes.withUnsafeBytes { bytes in
                        UnsafeMutableRawBufferPointer(rebasing: output[cursor..<cursor + bytes.count]).copyMemory(from: bytes)
                        cursor += bytes.count
                    }
                }
            }
            initializedCount = total
        }
    }

    private static func validate(_ tensor: StoredTensor) throws {
        try validate(NamedTensor(name: tensor.name, shape: tensor.shape, values: []), checkingCount: false)
        guard let count = SafeTensorsLayout.elementCount(of: tensor.shape), count * tensor.dtype.size == tensor.bytes.count else {
            throw SafeTensorsEncodingError(tensor: tensor.name, "shape \(tensor.shape) of \(tensor.dtype.rawValue) does not match its \(tensor.bytes.count) bytes")
        }
    }

    private static func validate(_ tensor: NamedTensor, checkingCount: Bool = true) throws {
        guard tensor.name != SafeTensorsHeaderParser.metadataKey else {
            throw SafeTensorsEncodingError(tensor: tensor.name, "the name is reserved for the header's metadata")
        }
        guard tensor.shape.count <= maximumRank else {
            throw SafeTensorsEncodingError(tensor: tensor.name, "shape has \(tensor.shape.count) dimensions; at most \(maximumRank) can be read back")
        }
        guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
            throw SafeTensorsEncodingError(tensor: tensor.name, "shape \(tensor.shape) has a negative dimension")
        }
        guard !checkingCount || SafeTensorsLayout.elementCount(of: tensor.shape) == tensor.values.count else {
            throw SafeTensorsEncodingError(tensor: tensor.name, "shape \(tensor.shape) does not match its \(tensor.values.count) values")
        }
    }

    /// Appends `string` as a JSON string literal, escaped as serde_json (behind the Python
    /// library) escapes: quotes, backslashes and control characters, nothing else.
    private static func appendJSONString(_ string: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): json.append(contentsOf: #"\\"#.utf8)
            case 0x08: json.append(contentsOf: #"\b"#.utf8)
            case 0x09: json.append(contentsOf: #"\t"#.utf8)
            case 0x0A: json.append(contentsOf: #"\n"#.utf8)
            case 0x0C: json.append(contentsOf: #"\f"#.utf8)
            case 0x0D: json.append(contentsOf: #"\r"#.utf8)
            case 0x00..<0x10:
                json.append(contentsOf: #"\u000"#.utf8)
                json.append(hexDigit(byte))
            case 0x10..<0x20:
                json.append(contentsOf: #"\u001"#.utf8)
                json.append(hexDigit(byte & 0xF))
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
