// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Sluice", targets: ["Sluice"]),
        // FileHandle, URL and Pipe sources and sinks, for programs that use Foundation.
        .library(name: "SluiceFoundation", targets: ["SluiceFoundation"]),
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target Sluice` (`make docs`): the DocC catalog in Sources/Sluice.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        // Vectorscan (Hyperscan's portable fork) for sets of literals and regexes.
        .systemLibrary(name: "CHyperscan", pkgConfig: "libhs", providers: [.apt(["libvectorscan-dev"])]),
        // The decoders of `decompressed()` (and the encoders of `then gzip` / `then zstd`).
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBzip2", providers: [.apt(["libbz2-dev"])]),  // no bzip2.pc on Debian
        .systemLibrary(name: "CLz4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // Vectorised byte scans (newline counts, literal search) for the hot paths.
        .target(name: "CByteScan"),
        .target(name: "CReadiness"),
        .target(name: "Sluice", dependencies: ["CZlib", "CPCRE2", "CByteScan", "CReadiness", "CIsal", "CZstd", "CLzma", "CBzip2", "CLz4", "CHyperscan"]),
        .target(name: "SluiceFoundation", dependencies: ["Sluice"]),
        // The command line's verbs, parser and pipeline composition (a library so that the
        // fuzzer can drive the parser); `sluice` is its entry point.
        .target(
            name: "SluiceCommands",
            dependencies: ["Sluice", "CByteScan", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The release binary links the Swift runtime statically: no symbol lookups in a dozen
        // shared libraries at every start (`sluice tail -n 10` is mostly start-up). The argument
        // parser's FoundationEssentials needs its two support libraries named; lld links it
        // without the GNU linkers' warning about Foundation's use of mktemp.
        .executableTarget(name: "sluice", dependencies: ["Sluice", "SluiceCommands", "CByteScan"],
                          linkerSettings: [
                              .unsafeFlags(["-static-stdlib", "-use-ld=lld"], .when(platforms: [.linux], configuration: .release)),
                              .linkedLibrary("_FoundationCollections", .when(platforms: [.linux], configuration: .release)),
                              .linkedLibrary("_FoundationCShims", .when(platforms: [.linux], configuration: .release)),
                          ]),
        // libFuzzer targets (`make fuzz`); in a normal build, a replayer of saved inputs.
        .executableTarget(name: "sluice-fuzz", dependencies: ["Sluice", "SluiceCommands", "CZlib", "CZstd", "CLzma", "CBzip2", "CLz4"], path: "Sources/SluiceFuzz"),
        // Measures the library's line loops for `make bench`; not installed.
        .executableTarget(name: "sluice-bench", dependencies: ["Sluice", "SluiceFoundation"], path: "Sources/SluiceBench"),
        // Small programs that use the library as batch jobs do; built by `make test`, run by its tests.
        .executableTarget(name: "errors-per-hour", dependencies: ["Sluice"], path: "Examples/ErrorsPerHour"),
        .executableTarget(name: "follow-and-forward", dependencies: ["Sluice"], path: "Examples/FollowAndForward"),
        .executableTarget(name: "decompress-stdin", dependencies: ["Sluice"], path: "Examples/DecompressStdin"),
        .testTarget(name: "SluiceTests", dependencies: ["Sluice", "SluiceFoundation"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["sluice"]),
    ],
    swiftLanguageModes: [.v6]
)
