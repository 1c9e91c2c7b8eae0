#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a safetensors file piecewise: the length, then the header, then, once the header is
/// validated against the file's size, each tensor's bytes straight into its own storage, so a
/// model costs one copy of its data in memory rather than two.
enum SafeTensorsFileReader {
    static func read(path: String, accepted: Set<SafeTensorsDType> = [.float32]) throws -> SafeTensorsFile {
        let file = try FileDescriptorIO.openRegularFileForReading(path)
        defer { close(file.descriptor) }

        let prefixSize = SafeTensorsLayout.lengthPrefixSize
        var prefix = [UInt8](repeating: 0, count: prefixSize)
        let prefixCount = min(prefixSize, file.size)
        try prefix.withUnsafeMutableBytes {
            try FileDescriptorIO.read(file.descriptor, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<prefixCount]), at: 0, path: path)
        }
        let headerLength = try prefix.withUnsafeBytes {
            try SafeTensorsLayout.headerLength(prefix: UnsafeRawBufferPointer(rebasing: $0[..<prefixCount]), fileLength: file.size, source: path)
        }
        let headerBytes = try [UInt8](unsafeUninitializedCapacity: headerLength) { storage, initializedCount in
            try FileDescriptorIO.read(file.descriptor, into: UnsafeMutableRawBufferPointer(storage), at: prefixSize, path: path)
            initializedCount = headerLength
        }
        let header = try headerBytes.withUnsafeBytes { try SafeTensorsHeaderParser.parse($0, source: path) }
        let dataStart = prefixSize + headerLength
        let layout = try SafeTensorsLayout(validating: header, dataLength: file.size - dataStart, source: path, accepted: accepted)

        let stored = try layout.slots.filter { $0.dtype != .float32 }.map { slot in
            let bytes = try [UInt8](unsafeUninitializedCapacity: slot.end - slot.begin) { storage, initializedCount in
                try FileDescriptorIO.read(file.descriptor, into: UnsafeMutableRawBufferPointer(storage), at: dataStart + slot.begin, path: path)
                initializedCount = slot.end - slot.begin
            }
            return StoredTensor(name: slot.name, dtype: slot.dtype, shape: slot.shape, bytes: bytes)
        }
        let tensors = try layout.slots.filter { $0.dtype == .float32 }.map { slot in
            let values = try [Float](unsafeUninitializedCapacity: slot.elementCount) { storage, initializedCount in
                let destination = UnsafeMutableRawBufferPointer(storage)
                try FileDescriptorIO.read(file.descriptor, into: destination, at: dataStart + slot.begin, path: path)
                SafeTensors.convertLittleEndianFloats(destination)
                initializedCount = slot.elementCount
            }
            return NamedTensor(name: slot.name, shape: slot.shape, values: values)
        }
        return SafeTensorsFile(source: path, tensors: tensors, stored: stored, metadata: layout.metadata)
    }
}
