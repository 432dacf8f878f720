import Foundation
import XCTest

/// `sluice grep` against GNU grep 3.8 on random patterns (BRE, ERE, -F, -P), options and inputs
/// in the C and the UTF-8 locale: scripts/grep-differential.py with a fixed seed, its shrunk
/// regressions first. Output bytes and exit status must agree on every case it runs.
final class GrepDifferentialTests: XCTestCase {
    func testRandomCasesAgreeWithGNUGrep() throws {
        // About 300 cases in 20 s on two cores; under a sanitizer a process takes a second to
        // start, so a tenth of them. (Larger seeds and counts still find open mismatches: see the README.).
        let cases = runningUnderSanitizer ? 30 : 300
        let r = try runProgram("/usr/bin/python3", [packageRoot.appendingPathComponent("scripts/grep-differential.py").path,
                                                  "--sluice", sluiceBinary, "--seed", "20261201", "--cases", "\(cases)",
                                                  "--time-limit", "50", "--show", "5", "--shrink-seconds", "5"],
                               timeout: 240)
        XCTAssertEqual(r.status, 0, r.text + r.stderr)
        // The summary line: "N cases run in S s (seed K), M differ"; N must not be small.
        let summary = r.text.split(separator: "\n").first.map(String.init) ?? ""
        let ran = Int(summary.split(separator: " ").first ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(ran, runningUnderSanitizer ? 10 : 150, summary)
        XCTAssertTrue(summary.hasSuffix(", 0 differ"), r.text)
    }
}
