#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes the Hugging Face safetensors format, restricted to `F32` tensors.
///
/// A file is an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype", "shape", "data_offsets"}` (plus an optional string-to-string
/// `"__metadata__"`), then the little-endian, row-major data buffer. The reader accepts the
/// `F32` files the Python `safetensors` library accepts, except those with duplicate tensor
/// names, which Python silently collapses to one; it checks every header field against the
/// file's size before allocating any tensor storage.
public enum SafeTensors {
    /// The largest header the reader accepts, in bytes; the Python library's own limit,
    /// so every file it can load, CompactRec can load.
    public static let maximumHeaderLength = 100_000_000

    /// The largest tensor rank the reader accepts: NumPy's own maximum, which keeps a hostile
    /// `shape` from allocating memory out of proportion to any real tensor.
    public static let maximumRank = 64

    /// Reads the safetensors file at `path`, reading each tensor's bytes straight into its
    /// storage once the whole header has been validated against the file's size.
    public static func read(path: String) throws -> SafeTensorsFile {
        try SafeTensorsFileReader.read(path: path)
    }

    /// As `read(path:)`, also accepting tensors of the dtypes in `accepted` (`F16`, `U8`, `I8`: a
    /// reduced-precision model bundle), which come as `StoredTensor`s in `SafeTensorsFile.stored`.
    public static func read(path: String, accepting accepted: Set<SafeTensorsDType>) throws -> SafeTensorsFile {
        try SafeTensorsFileReader.read(path: path, accepted: accepted.union([.float32]))
    }

    /// Converts little-endian `Float` bytes to host order in place, or host to little-endian:
    /// the same swap both ways, and nothing at all on little-endian hosts.
    package static func convertLittleEndianFloats(_ bytes: UnsafeMutableRawBufferPointer) {
        #if _endian(big)
        var offset = 0
        while offset + 4 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            bytes.storeBytes(of: word.byteSwapped, toByteOffset: offset, as: UInt32.self)
            offset += 4
        }
        #endif
    }
}
