import Foundation

extension SafeTensors {
    /// Decodes a whole safetensors file held in memory. Errors are `InputError`s from `source`
    /// (normally the path the bytes were read from) locating the problem at `"header"` or at
    /// `"tensor NAME"`; no input, however malformed, can crash, hang or over-allocate.
    public static func decode(_ bytes: some ContiguousBytes, source: String) throws -> SafeTensorsFile {
        try bytes.withUnsafeBytes { try decode(buffer: $0, source: source) }
    }

    private static func decode(buffer: UnsafeRawBufferPointer, source: String) throws -> SafeTensorsFile {
        let prefixSize = SafeTensorsLayout.lengthPrefixSize
        let headerLength = try SafeTensorsLayout.headerLength(
            prefix: UnsafeRawBufferPointer(rebasing: buffer.prefix(prefixSize)), fileLength: buffer.count, source: source)
        let dataStart = prefixSize + headerLength
        let header = try SafeTensorsHeaderParser.parse(
            UnsafeRawBufferPointer(rebasing: buffer[prefixSize..<dataStart]), source: source)
        let layout = try SafeTensorsLayout(validating: header, dataLength: buffer.count - dataStart, source: source)
        let tensors = layout.slots.map { slot in
            let values = [Float](unsafeUninitializedCapacity: slot.elementCount) { storage, initializedCount in
                let destination = UnsafeMutableRawBufferPointer(storage)
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[dataStart + slot.begin..<dataStart + slot.end]))
                convertLittleEndianFloats(destination)
                initializedCount = slot.elementCount
            }
            return NamedTensor(name: slot.name, shape: slot.shape, values: values)
        }
        return SafeTensorsFile(source: source, tensors: tensors, metadata: layout.metadata)
    }
}
