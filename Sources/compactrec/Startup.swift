#if canImport(Glibc)
import Glibc
#endif
import CompactRec

enum Startup {
    /// Re-executes this process once with `OPENBLAS_CORETYPE` set when the CPU has kernels
    /// OpenBLAS would not pick by itself (see `MachineInfo.preferredOpenBLASCoreType`).
    /// A user's own `OPENBLAS_CORETYPE` always wins.
    static func selectBLASKernels() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = MachineInfo.preferredOpenBLASCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.unsafeArgv
        execv("/proc/self/exe", arguments)
        // execv returns only on failure: carry on with the default kernels.
        #endif
    }
}
