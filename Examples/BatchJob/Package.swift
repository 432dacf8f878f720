// swift-tools-version: 6.0
// A batch job that uses Sluice as a separate package would: through a path dependency.
//
// A path dependency's package is named after its folder (the last component of the path), not
// after the `name:` in its manifest, so `.product(name:package:)` must name the folder. Here the
// folder is the repository's, whatever it was cloned as; in your own package write, for
// example, `.package(path: "../sluice")` and `.product(name: "Sluice", package: "sluice")`.
import Foundation
import PackageDescription

let sluiceFolder = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "batch-job",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: sluiceFolder.path)],
    targets: [
        .executableTarget(name: "batch-job", dependencies: [
            .product(name: "Sluice", package: sluiceFolder.lastPathComponent),
            .product(name: "SluiceFoundation", package: sluiceFolder.lastPathComponent),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
