import Testing
@testable import CompactRec
@testable import CompactRecRuntime

@Suite("SafeTensors encoder")
struct SafeTensorsEncoderTests {
    private func encodingError(_ tensors: [NamedTensor], sourceLocation: SourceLocation = #_sourceLocation) -> SafeTensorsEncodingError? {
        #expect(throws: SafeTensorsEncodingError.self, sourceLocation: sourceLocation) { try SafeTensors.encode(tensors) }
    }

    @Test("values that do not fill the shape are refused")
    func countMismatch() {
        let error = encodingError([NamedTensor(name: "w", shape: [2, 3], values: [1, 2, 3])])
        #expect(error == SafeTensorsEncodingError(tensor: "w", "shape [2, 3] does not match its 3 values"))
    }

    @Test("a scalar needs exactly one value")
    func scalarNeedsOneValue() {
        #expect(encodingError([NamedTensor(name: "s", shape: [], values: [])])?.tensor == "s")
    }

    @Test("negative dimensions are refused even when the product matches")
    func negativeDimension() {
        let error = encodingError([NamedTensor(name: "w", shape: [-1, -2], values: [1, 2])])
        #expect(error?.message.contains("negative") == true)
    }

    @Test("a shape whose product overflows is refused")
    func overflowingShape() {
        #expect(encodingError([NamedTensor(name: "w", shape: [1 << 40, 1 << 40], values: [])])?.tensor == "w")
    }

    @Test("more dimensions than the reader accepts are refused")
    func tooManyDimensions() {
        let shape = [Int](repeating: 1, count: SafeTensors.maximumRank + 1)
        #expect(encodingError([NamedTensor(name: "w", shape: shape, values: [1])])?.tensor == "w")
        #expect(throws: Never.self) {
            try SafeTensors.encode([NamedTensor(name: "w", shape: Array(shape.dropLast()), values: [1])])
        }
    }

    @Test("duplicate names, including Unicode-equivalent ones, are refused")
    func duplicateNames() {
        let tensor = NamedTensor(name: "w", shape: [1], values: [1])
        #expect(encodingError([tensor, tensor])?.message == "the name is used by more than one tensor")
        let composed = NamedTensor(name: "caf\u{E9}", shape: [1], values: [1])
        let decomposed = NamedTensor(name: "cafe\u{301}", shape: [1], values: [1])
        #expect(encodingError([composed, decomposed]) != nil)
    }

    @Test("the metadata key cannot name a tensor")
    func reservedName() {
        #expect(encodingError([NamedTensor(name: "__metadata__", shape: [], values: [1])])?.tensor == "__metadata__")
    }
}
