/// A safetensors header checked against the data buffer it describes: every tensor is `F32` (or
/// another accepted dtype),
/// its byte range matches its shape, and the ranges tile the buffer exactly. Only once this
/// holds is any tensor storage allocated, and then never more than the buffer's size.
package struct SafeTensorsLayout {
    /// Where one tensor's bytes lie, relative to the start of the data buffer.
    struct Slot {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var elementCount: Int
        var begin: Int
        var end: Int
    }

    /// Size of the little-endian `UInt64` header length that starts every file.
    package static let lengthPrefixSize = 8
    /// Size of one `F32` element.
    package static let elementSize = MemoryLayout<Float>.size

    /// The tensors in the order of their data.
    var slots: [Slot]
    var metadata: [String: String]

    /// The header length stored in `prefix`, the first `min(8, fileLength)` bytes of a file of
    /// `fileLength` bytes, once checked against the limit and the file's size.
    static func headerLength(prefix: UnsafeRawBufferPointer, fileLength: Int, source: String) throws -> Int {
        guard fileLength >= lengthPrefixSize, prefix.count >= lengthPrefixSize else {
            throw InputError(source: source, location: "header",
                             "the file is \(fileLength) bytes, too short for the 8-byte header length a safetensors file starts with")
        }
        let length = UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self))
        // Compared as UInt64 so that lengths up to 2^64 - 1 can neither overflow nor allocate.
        guard length <= UInt64(SafeTensors.maximumHeaderLength) else {
            throw InputError(source: source, location: "header",
                             "header length \(length) exceeds the limit of \(SafeTensors.maximumHeaderLength) bytes")
        }
        let available = fileLength - lengthPrefixSize
        guard length <= UInt64(available) else {
            throw InputError(source: source, location: "header",
                             "header length \(length) runs past the end of the file, which has \(available) bytes after the length")
        }
        return Int(length)
    }

    /// Checks `header` against a data buffer of `dataLength` bytes; a tensor whose dtype is not
    /// in `accepted` is refused (F32 alone unless a reader of reduced-precision bundles asks for more).
    init(validating header: SafeTensorsHeader, dataLength: Int, source: String,
         accepted: Set<SafeTensorsDType> = [.float32]) throws {
        var slots: [Slot] = []
        slots.reserveCapacity(header.entries.count)
        for entry in header.entries {
            slots.append(try Self.slot(for: entry, dataLength: dataLength, source: source, accepted: accepted))
        }
        // Sorted as the Python library sorts, by (begin, end); names break ties so that the
        // error reported for two identical ranges does not depend on the sort algorithm.
        slots.sort { ($0.begin, $0.end) != ($1.begin, $1.end)
            ? ($0.begin, $0.end) < ($1.begin, $1.end)
            : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var covered = 0
        var previous: String?
        for slot in slots {
            if slot.begin < covered, let previous {
                throw InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: slot.name),
                                 "data_offsets [\(slot.begin), \(slot.end)] overlap those of tensor \(SafeTensorsDiagnostics.printable(previous)), which end at \(covered)")
            }
            guard slot.begin == covered else {
                throw InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: slot.name),
                                 "data_offsets [\(slot.begin), \(slot.end)] leave bytes \(covered)..<\(slot.begin) of the data buffer unused; tensors must tile it without gaps")
            }
            covered = slot.end
            previous = slot.name
        }
        guard covered == dataLength else {
            throw InputError(source: source, location: "header",
                             "the tensors cover \(covered) of the data buffer's \(dataLength) bytes; \(dataLength - covered) bytes after the last tensor belong to none")
        }
        self.slots = slots
        self.metadata = header.metadata
    }

    private static func slot(
        for entry: SafeTensorsHeaderEntry, dataLength: Int, source: String, accepted: Set<SafeTensorsDType>
    ) throws -> Slot {
        // Messages are built only on failure: formatting them for every entry would dominate large headers.
        func failure(_ message: String) -> InputError {
            InputError(source: source, location: SafeTensorsDiagnostics.location(ofTensor: entry.name), message)
        }
        func offsets() -> String { "data_offsets [\(entry.begin), \(entry.end)]" }
        guard let dtype = SafeTensorsDType(rawValue: entry.dtype), accepted.contains(dtype) else {
            let found = "dtype is \"\(SafeTensorsDiagnostics.printable(entry.dtype))\""
            if accepted == [.float32] { throw failure("\(found), expected \"F32\" (the only dtype CompactRec reads)") }
            let names = SafeTensorsDType.allCases.filter(accepted.contains).map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw failure("\(found), expected one of \(names) (the dtypes of a CompactRec model bundle)")
        }
        guard let elementCount = elementCount(of: entry.shape),
              case let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.size), !overflow
        else {
            throw failure("shape \(entry.shape) has too many elements to address")
        }
        guard entry.begin <= entry.end else {
            throw failure("\(offsets()) end before they begin")
        }
        guard entry.end <= dataLength else {
            throw failure("\(offsets()) run past the end of the data buffer, which has \(dataLength) bytes")
        }
        guard entry.end - entry.begin == byteCount else {
            throw failure("\(offsets()) span \(entry.end - entry.begin) bytes, but shape \(entry.shape) of \(dtype.rawValue) needs \(byteCount)")
        }
        return Slot(name: entry.name, dtype: dtype, shape: entry.shape, elementCount: elementCount, begin: entry.begin, end: entry.end)
    }

    /// The product of `shape` (1 for a scalar), or nil if it overflows `Int`.
    package static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
