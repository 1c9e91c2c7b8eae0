#if canImport(Glibc)
import Glibc
#endif
import CompactRec

enum Startup {
    /// OpenBLAS reads its settings from the environment when it loads, before `main`, so the
    /// command line sets them by re-executing itself once. A user's own setting always wins.
    ///
    /// - `OPENBLAS_CORETYPE`, when the CPU has kernels OpenBLAS would not pick by itself (see
    ///   `MachineInfo.preferredOpenBLASCoreType`).
    /// - `OPENBLAS_THREAD_TIMEOUT=4`: OpenBLAS's worker threads go to sleep almost at once after
    ///   a product instead of spinning on `sched_yield` for about 2^28 cycles, which on a machine
    ///   with few cores takes the cores CompactRec's own kernels run on between two products
    ///   (measured: tree-softmax training 1.27× and full-softmax training 1.07× faster on 2 cores).
    static func configureBLAS() {
        #if os(Linux)
        var changed = false
        if getenv("OPENBLAS_CORETYPE") == nil, let core = MachineInfo.preferredOpenBLASCoreType {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
            changed = true
        }
        guard changed else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with OpenBLAS's defaults.
        #endif
    }
}
