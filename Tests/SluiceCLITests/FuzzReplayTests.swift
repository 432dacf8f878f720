import Foundation
import XCTest

/// The fuzz targets' checks (Sources/SluiceFuzz) over their seed corpora and every input the
/// fuzzer saved in Fixtures/fuzz/<target>/, run by the replaying build of `sluice-fuzz`.
final class FuzzReplayTests: XCTestCase {
    func testSeedsAndSavedInputsPass() throws {
        let replayer = URL(fileURLWithPath: sluiceBinary).deletingLastPathComponent().appendingPathComponent("sluice-fuzz").path
        let seeds = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: seeds) }
        let made = try runProgram("/bin/bash", [fixture("scripts/fuzz-seeds.sh"), seeds.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        for target in ["gunzip", "lines", "plan", "fields", "gzip", "zstd", "xz", "bzip2", "lz4"] {
            var inputs: [String] = []
            for folder in [seeds.appendingPathComponent(target).path, fixture("fuzz/" + target)] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                inputs += names.filter { !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }
            }
            XCTAssertGreaterThan(inputs.count, 5, target)
            let r = try runProgram(replayer, [target] + inputs)
            XCTAssertEqual(r.status, 0, "\(target): \(r.stderr)")
            XCTAssertEqual(r.text, "\(target): \(inputs.count) inputs passed\n")
        }
    }
}
