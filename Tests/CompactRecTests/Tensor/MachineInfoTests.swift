import Testing
@testable import CompactRec
@testable import CompactRecRuntime

@Suite("Machine info")
struct MachineInfoTests {
    @Test func coreTypeFollowsTheCPUFlags() {
        let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
        #expect(MachineInfo.openBLASCoreType(forFlags: avx2) == nil)
        #expect(MachineInfo.openBLASCoreType(forFlags: avx2.union(["avx512f"])) == nil, "AVX-512F alone is not SkylakeX")
        let skx = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq"])
        #expect(MachineInfo.openBLASCoreType(forFlags: skx) == "SKYLAKEX")
        #expect(MachineInfo.openBLASCoreType(forFlags: skx.union(["avx512_bf16"])) == "COOPERLAKE")
        #expect(MachineInfo.openBLASCoreType(forFlags: []) == nil)
    }

    @Test func sgemmRateIsMeasured() {
        let rate = MachineInfo.sgemmRate(m: 64, n: 64, k: 64, seconds: 0.05)
        #expect(rate > 0.01 && rate < 100_000)
    }
}
