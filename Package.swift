// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Sluice", targets: ["Sluice"]),
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        // Vectorised byte scans (newline counts, literal search) for the hot paths.
        .target(name: "CByteScan"),
        .target(name: "Sluice", dependencies: ["CZlib", "CPCRE2", "CByteScan"]),
        // The command line's verbs, parser and pipeline composition (a library so that the
        // fuzzer can drive the parser); `sluice` is its entry point.
        .target(
            name: "SluiceCommands",
            dependencies: ["Sluice", "CByteScan", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "sluice", dependencies: ["Sluice", "SluiceCommands", "CByteScan"]),
        // libFuzzer targets (`make fuzz`); in a normal build, a replayer of saved inputs.
        .executableTarget(name: "sluice-fuzz", dependencies: ["Sluice", "SluiceCommands", "CZlib", "CFuzzCoverage"],
                          path: "Sources/SluiceFuzz"),
        // Swift edge coverage handed to libFuzzer (`make fuzz` links it in with --wrap).
        .target(name: "CFuzzCoverage"),
        // Measures the library's line loops for `make bench`; not installed.
        .executableTarget(name: "sluice-bench", dependencies: ["Sluice"], path: "Sources/SluiceBench"),
        .testTarget(name: "SluiceTests", dependencies: ["Sluice"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["sluice"]),
    ],
    swiftLanguageModes: [.v6]
)
