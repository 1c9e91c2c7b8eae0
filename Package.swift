// swift-tools-version: 6.0
import PackageDescription

#if os(Linux)
let blasDependencies: [Target.Dependency] = ["CBLAS"]
#else
let blasDependencies: [Target.Dependency] = []  // Accelerate on Apple platforms
#endif

let package = Package(
    name: "CompactRec",
    platforms: [.macOS(.v14)],
    products: [
        // What an app that only recommends links: forward passes, bundle reading, ranking.
        .library(name: "CompactRecRuntime", targets: ["CompactRecRuntime"]),
        // Training: data readers, backward passes, Adam, the trainer, evaluation, bundle writing.
        .library(name: "CompactRec", targets: ["CompactRec"]),
        .library(name: "CompactRecExperiments", targets: ["CompactRecExperiments"]),
        // An HTTP server over the runtime alone: `compactrec serve`, or embedded in an app.
        .library(name: "CompactRecServer", targets: ["CompactRecServer"]),
        .executable(name: "compactrec", targets: ["compactrec"]),
        // A libFuzzer target for the safetensors reader; see "Fuzzing" in the README.
        .executable(name: "safetensors-fuzz", targets: ["SafeTensorsFuzz"]),
        // Damaged data files, bundles and checkpoint states, read back and counted; see "Fuzzing".
        .executable(name: "mutation-check", targets: ["MutationCheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The HTTP server's (CompactRecServer and its tests) only.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // glibc's mallopt and malloc_trim, for the server (a header only: nothing to link).
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(name: "CKernels"),
        .target(
            name: "CompactRecRuntime",
            dependencies: blasDependencies + ["CZlib", "CKernels"]),
        .target(
            name: "CompactRec",
            dependencies: ["CompactRecRuntime", "CZlib", "CKernels"]),
        .target(name: "CompactRecExperiments", dependencies: ["CompactRec", "CKernels"]),
        // Depends on the runtime only (CI checks it), never on training.
        .target(
            name: "CompactRecServer",
            dependencies: [
                "CompactRecRuntime",
                "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["openapi.yaml"]),
        .executableTarget(
            name: "compactrec",
            dependencies: [
                "CompactRec",
                "CompactRecExperiments",
                "CompactRecServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
        .executableTarget(
            name: "SafeTensorsFuzz", dependencies: ["CompactRec", "CFuzzDriver"], path: "Fuzz/SafeTensorsFuzz"),
        .executableTarget(name: "MutationCheck", dependencies: ["CompactRec", "CZlib"], path: "Fuzz/MutationCheck"),
        // Helpers shared by the test targets (temporary directories, gzip files).
        .target(name: "CompactRecTestSupport", dependencies: ["CompactRec", "CZlib"], path: "Tests/CompactRecTestSupport"),
        .testTarget(
            name: "CompactRecRuntimeTests",
            dependencies: ["CompactRecRuntime"]),
        .testTarget(
            name: "CompactRecTests",
            dependencies: ["CompactRec", "CompactRecRuntime", "CompactRecTestSupport", "CZlib"],
            exclude: ["Fixtures"]),
        // A real server on a loopback port, driven over a socket; bundles are written with training's writer.
        .testTarget(
            name: "CompactRecServerTests",
            dependencies: [
                "CompactRecServer", "CompactRec", "CompactRecTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(
            name: "CompactRecExperimentsTests",
            dependencies: ["CompactRecExperiments", "CompactRecTestSupport"]),
        // Runs the built executable (`swift build` builds it before the tests), and imports it
        // to check its flags against the run specification.
        .testTarget(
            name: "compactrecTests",
            dependencies: [
                "compactrec", "CompactRec", "CompactRecExperiments", "CompactRecTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ]
)
