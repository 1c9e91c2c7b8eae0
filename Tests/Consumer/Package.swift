// swift-tools-version: 6.0
// An app that depends on CompactRec as another package would, and links the runtime alone:
// CI builds it and runs it on the committed version-1 bundle.
import PackageDescription

let package = Package(
    name: "CompactRecConsumer",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "CompactRec", path: "../..")],
    targets: [
        .executableTarget(
            name: "recommend-once",
            dependencies: [.product(name: "CompactRecRuntime", package: "CompactRec")]),
    ]
)
