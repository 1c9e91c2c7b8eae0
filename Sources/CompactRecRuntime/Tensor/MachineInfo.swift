import Foundation

/// What machine a figure was measured on: printed beside every speed figure.
public enum MachineInfo {
    /// The CPU's model name, e.g. "AMD EPYC 9R45".
    public static var cpuName: String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #endif
        return "unknown CPU"
    }

    /// The CPU feature flags (Linux), used to choose BLAS kernels.
    public static var cpuFlags: Set<String> {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            return Set(line.split(separator: " ").map(String.init))
        }
        #endif
        return []
    }

    /// The OpenBLAS core type to force, or nil to keep its own choice.
    ///
    /// OpenBLAS 0.3.21 does not recognise recent AVX-512 CPUs (Zen 5, Sapphire Rapids) and falls
    /// back to AVX2 kernels at half the rate; it reads `OPENBLAS_CORETYPE` only at load time, so
    /// the command line re-executes itself once with it set. Chosen from the flags, never
    /// hard-coded: a core type the CPU lacks would crash with an illegal instruction.
    public static var preferredOpenBLASCoreType: String? { openBLASCoreType(forFlags: cpuFlags) }

    /// The core type for a CPU with these `/proc/cpuinfo` flags (nil: keep OpenBLAS's choice).
    public static func openBLASCoreType(forFlags flags: Set<String>) -> String? {
        if flags.contains("avx512_bf16") && flags.contains("avx512f") { return "COOPERLAKE" }
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SKYLAKEX" }
        return nil
    }

    /// Memory a new allocation can get without swapping, in bytes: `MemAvailable` from
    /// /proc/meminfo on Linux (also capped by a cgroup v2 `memory.max` below it), the
    /// physical memory on macOS; nil when unknown.
    public static var availableMemoryBytes: Int? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        var available = availableMemory(meminfo: text)
        if let limit = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limitBytes = Int(limit.trimmingCharacters(in: .whitespacesAndNewlines)),
           let current = try? String(contentsOfFile: "/sys/fs/cgroup/memory.current", encoding: .utf8),
           let currentBytes = Int(current.trimmingCharacters(in: .whitespacesAndNewlines)) {
            let left = max(0, limitBytes - currentBytes)
            available = available.map { min($0, left) } ?? left
        }
        return available
        #elseif canImport(Darwin)
        return Int(ProcessInfo.processInfo.physicalMemory)
        #else
        return nil
        #endif
    }

    /// The `MemAvailable:` line of a /proc/meminfo text, in bytes.
    public static func availableMemory(meminfo text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            let unit = fields.count >= 3 ? fields[2] : "kB"
            return unit == "kB" ? kibibytes * 1024 : kibibytes
        }
        return nil
    }

    /// Measures this machine's single-precision GEMM rate (GFLOP/s) for `[m, k] x [k, n]`.
    public static func sgemmRate(m: Int, n: Int, k: Int, seconds: Double = 0.5) -> Double {
        let a = Tensor(shape: [m, k]), b = Tensor(shape: [k, n]), c = Tensor(shape: [m, n])
        var rng = SeededGenerator(seed: 7)
        a.fillUniform(bound: 1, using: &rng)
        b.fillUniform(bound: 1, using: &rng)
        BLAS.gemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, beta: 0, c: c.data, ldc: n)
        var reps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            BLAS.gemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, beta: 0, c: c.data, ldc: n)
            reps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return 2 * Double(m) * Double(n) * Double(k) * Double(reps) / elapsed / 1e9
    }
}
