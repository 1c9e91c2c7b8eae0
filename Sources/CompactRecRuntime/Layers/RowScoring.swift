/// How the output layers that score items row by row (`QuantizedFullSoftmax`, and `TiedSoftmax`
/// for a request) split their work: the one place for these two settings.
enum RowScoring {
    /// Items per thread below which scoring stays on the calling thread.
    static let minimumItemsPerThread = 8192

    /// Histories up to which the Float32 tied softmax uses the row kernel rather than gemm
    /// (measured on Zen 3 at N = 54,543, C = 64: the kernel 0.29 ms for one history and 0.16 ms
    /// each for eight; gemm about 1.6 ms for one, as it packs the whole table first).
    static let maximumRowKernelHistories = 8
}
