import Foundation
import XCTest

/// `grep -r --sort=path` visits each directory's entries in the byte order of their names, as
/// ripgrep's `--sort path` does (a directory's files right after it: `b/c` before `b-x` and
/// `b.txt`). ripgrep is the oracle, on a tree created in shuffled order so that `readdir`'s
/// order is not already sorted.
final class SortPathTests: XCTestCase {
    func testSortPathAsRipgrep() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/rg") else { throw XCTSkip("rg is not installed") }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var names: [String] = []
        for top in ["b", "a", "B", "_", "z9", "é"] {
            for leaf in ["c", "b-x", "b.txt", "Z", "a b", "10", "9", "ü.log"] { names.append("\(top)/\(leaf)") }
            names += ["\(top).txt", "\(top)-x", "\(top)/deep/er/n.log"]
        }
        var random = SplitMix(state: 20261201)
        for i in stride(from: names.count - 1, to: 0, by: -1) { names.swapAt(i, random.int(i + 1)) }
        for (i, name) in names.enumerated() {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((i % 5 == 0 ? "nothing\n" : "one ERROR \(i)\nno\nERROR again\n").utf8).write(to: url)
        }
        let unsorted = try shell("cd '\(dir.path)' && \"$SLUICE\" grep -rl ERROR")
        let sorted = try shell("cd '\(dir.path)' && \"$SLUICE\" grep -rl --sort=path ERROR")
        XCTAssertEqual(Set(unsorted.text.split(separator: "\n")), Set(sorted.text.split(separator: "\n")))
        XCTAssertNotEqual(unsorted.stdout, sorted.stdout, "readdir gave sorted order: the test proves nothing")
        for (sluiceArgs, rgArgs) in [("-rl", "-l"), ("-rn", "-n -H"), ("-rc -m 1", "-c -m 1")] {
            for operands in ["", ".", "b a", "é/ B"] {
                let ours = try shell("cd '\(dir.path)' && \"$SLUICE\" grep \(sluiceArgs) --sort=path ERROR \(operands)")
                let theirs = try shell("cd '\(dir.path)' && rg -uuu --no-config --sort path \(rgArgs) ERROR \(operands)")
                // rg -c leaves out files with no match; GNU grep -c (and sluice) print them with 0.
                let ourLines = ours.text.split(separator: "\n").filter { !(sluiceArgs.hasPrefix("-rc") && $0.hasSuffix(":0")) }
                XCTAssertEqual(ourLines, theirs.text.split(separator: "\n"), "grep \(sluiceArgs) --sort=path ERROR \(operands)")
                XCTAssertEqual(ours.status, 0, ours.stderr)
            }
        }
        let bad = try sluice(["grep", "-r", "--sort=modified", "ERROR", dir.path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--sort"), bad.stderr)
    }
}
