#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a safetensors file piecewise: the length, then the header, then, once the header is
/// validated against the file's size, each tensor's bytes straight into its own storage — a
/// tensor the caller gives a destination for (a model's parameter) into that, so a model costs one
/// copy of its data in memory rather than two.
enum SafeTensorsFileReader {
    static func read(path: String, accepted: Set<SafeTensorsDType> = [.float32]) throws -> SafeTensorsFile {
        let file = try open(path: path, accepted: accepted)
        defer { file.close() }
        return try file.read()
    }

    /// The file opened and its header validated, its data not read yet.
    static func open(path: String, accepted: Set<SafeTensorsDType> = [.float32]) throws -> OpenSafeTensorsFile {
        let file = try FileDescriptorIO.openRegularFileForReading(path)
        do {
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
            return OpenSafeTensorsFile(path: path, descriptor: file.descriptor, layout: layout, dataStart: dataStart)
        } catch {
            closeDescriptor(file.descriptor)
            throw error
        }
    }
}

/// A safetensors file whose header has been validated and whose data is still on disk.
struct OpenSafeTensorsFile {
    let path: String
    let descriptor: Int32
    let layout: SafeTensorsLayout
    let dataStart: Int

    /// Values of each dtype the header declares, by dtype (what a loader checks a model's size against).
    var elementCounts: [SafeTensorsDType: Int] {
        layout.slots.reduce(into: [:]) { $0[$1.dtype, default: 0] += $1.elementCount }
    }

    /// Reads every tensor: an F32 tensor named in `destinations` with the destination's shape
    /// straight into it (its name joins `SafeTensorsFile.readInto`), every other one into an array.
    func read(into destinations: [String: Tensor] = [:]) throws -> SafeTensorsFile {
        let stored = try layout.slots.filter { $0.dtype != .float32 }.map { slot in
            let bytes = try [UInt8](unsafeUninitializedCapacity: slot.end - slot.begin) { storage, initializedCount in
                try FileDescriptorIO.read(descriptor, into: UnsafeMutableRawBufferPointer(storage), at: dataStart + slot.begin, path: path)
                initializedCount = slot.end - slot.begin
            }
            return StoredTensor(name: slot.name, dtype: slot.dtype, shape: slot.shape, bytes: bytes)
        }
        var readInto = Set<String>()
        var tensors: [NamedTensor] = []
        for slot in layout.slots where slot.dtype == .float32 {
            if let destination = destinations[slot.name], destination.shape == slot.shape {
                let bytes = UnsafeMutableRawBufferPointer(start: destination.data, count: slot.elementCount * MemoryLayout<Float>.size)
                try FileDescriptorIO.read(descriptor, into: bytes, at: dataStart + slot.begin, path: path)
                SafeTensors.convertLittleEndianFloats(bytes)
                readInto.insert(slot.name)
                continue
            }
            let values = try [Float](unsafeUninitializedCapacity: slot.elementCount) { storage, initializedCount in
                let destination = UnsafeMutableRawBufferPointer(storage)
                try FileDescriptorIO.read(descriptor, into: destination, at: dataStart + slot.begin, path: path)
                SafeTensors.convertLittleEndianFloats(destination)
                initializedCount = slot.elementCount
            }
            tensors.append(NamedTensor(name: slot.name, shape: slot.shape, values: values))
        }
        return SafeTensorsFile(source: path, tensors: tensors, stored: stored, metadata: layout.metadata, readInto: readInto)
    }

    func close() { closeDescriptor(descriptor) }
}

private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
