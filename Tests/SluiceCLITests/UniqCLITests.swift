import Foundation
import XCTest

/// `sluice uniq` against GNU uniq: random lines and option sets in the C and UTF-8 locales,
/// as a first stage, after `then`, on gzip input, and its refusals.
final class UniqCLITests: XCTestCase {
    static let optionSets: [[String]] = [
        [], ["-c"], ["-d"], ["-u"], ["-D"], ["-c", "-d"], ["-c", "-u"], ["-d", "-u"], ["-D", "-u"],
        ["--all-repeated=prepend"], ["--all-repeated=separate"], ["--all-repeated"], ["-i"], ["-f", "1"],
        ["-s", "2"], ["-w", "1"], ["-f1", "-s1", "-w2", "-i", "-c"], ["-w", "0"], ["-i", "-d", "-c"],
        ["--all-repeated=prepend", "-D"], ["--skip-fields=2", "--count"], ["--check-chars=3", "--unique"],
        ["--group"], ["--group=prepend"], ["--group=append", "-i"], ["--group=both", "-f", "1"], ["--group=separate", "-w", "1"],
    ]

    func testRandomLinesAgainstGNUUniq() throws {
        var rng = SplitMix(state: 20261203)
        let alphabet: [[UInt8]] = [[97], [65], [98], [32], [9], Array("x y".utf8), [0xC3, 0xA9], [0xC3, 0x89], [0xFF], [49], [13]]
        var compared = 0
        for round in 0..<135 {
            let pool: [[UInt8]] = (0..<(1 + rng.int(4))).map { _ in
                (0..<rng.int(7)).flatMap { _ in rng.pick(alphabet) }
            }
            let lines: [[UInt8]] = (0..<rng.int(31)).map { _ in rng.pick(pool) }
            var input: [UInt8] = lines.flatMap { $0 + [10] }
            if rng.int(4) == 0, !input.isEmpty { input.removeLast() }  // no final newline
            let options = Self.optionSets[round % Self.optionSets.count]
            for locale in ["C", "C.UTF-8"] {
                let gnu = try runProgram("/usr/bin/uniq", options, stdin: Data(input), environment: ["LC_ALL": locale])
                let ours = try sluice(["uniq"] + options, stdin: Data(input), environment: ["LC_ALL": locale])
                XCTAssertEqual(gnu.status, 0)
                XCTAssertEqual(ours.status, 0, "\(options) \(locale): \(ours.stderr)")
                XCTAssertEqual(ours.stdout, gnu.stdout, "round \(round), \(locale), \(options), input \(input)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 270)
    }

    /// Runs across chunks, a file, gzip, a later stage, and a fault: as `zcat F | uniq`.
    func testAsAStageOfAPipeline() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(state: 7)
        let words = ["alpha 1", "alpha 2", "beta", "gamma delta 1", "gamma delta 2"]
        let text = (0..<300_000).map { _ in rng.pick(words) }.joined(separator: "\n") + "\n"
        let path = dir.appendingPathComponent("big.log").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try shell("gzip -k \(path) && head -c $(( $(stat -c %s \(path).gz) / 2 )) \(path).gz > \(path).cut.gz").status, 0)
        for options in [[], ["-c"], ["-d", "-c"], ["-u"], ["-D"], ["-f", "1", "-c"], ["-w", "5", "-c"]] {
            let o = options.joined(separator: " ")
            let gnu = try shell("uniq \(o) \(path)")
            XCTAssertEqual(try sluice(["uniq"] + options + [path]).stdout, gnu.stdout, o)
            XCTAssertEqual(try sluice(["uniq"] + options + [path + ".gz"]).stdout, gnu.stdout, o)
            XCTAssertEqual(try sluice(["cat", path, "then", "grep", "a", "then", "uniq"] + options).stdout,
                           try shell("grep a \(path) | uniq \(o)").stdout, o)
            XCTAssertEqual(try sluice(["uniq"] + options + [path, "then", "count"]).text,
                           try shell("uniq \(o) \(path) | wc -l").text.trimmingCharacters(in: .whitespaces), o)
            // A truncated gzip: every run decoded is output, then the message, status 2.
            let cut = try sluice(["uniq"] + options + [path + ".cut.gz"])
            XCTAssertEqual(cut.stdout, try shell("zcat \(path).cut.gz 2>/dev/null | uniq \(o)").stdout, o)
            XCTAssertEqual(cut.status, 2)
            XCTAssertTrue(cut.stderr.contains("truncated gzip input"), cut.stderr)
        }
        // Runs go on across files, as `cat a b | uniq -c`.
        let a = dir.appendingPathComponent("a").path, b = dir.appendingPathComponent("b").path
        try "x\ny\n".write(toFile: a, atomically: true, encoding: .utf8)
        try "y\nz\n".write(toFile: b, atomically: true, encoding: .utf8)
        XCTAssertEqual(try sluice(["cat", a, b, "then", "uniq", "-c"]).text, "      1 x\n      2 y\n      1 z\n")
    }

    func testRefusals() throws {
        let two = try sluice(["uniq", "in", "out"])
        XCTAssertEqual(two.status, 2)
        XCTAssertTrue(two.stderr.contains("> OUTPUT"), two.stderr)
        let meaningless = try sluice(["uniq", "-c", "-D"], stdin: Data("a\n".utf8))
        XCTAssertEqual(meaningless.status, 2)
        XCTAssertTrue(meaningless.stderr.contains("meaningless"), meaningless.stderr)
        XCTAssertEqual(try sluice(["uniq", "--all-repeated=bad"], stdin: Data()).status, 2)
        XCTAssertEqual(try sluice(["uniq", "--group=bad"], stdin: Data()).status, 2)
        for other in ["-c", "-d", "-D", "-u"] {
            let exclusive = try sluice(["uniq", "--group", other], stdin: Data("a\n".utf8))
            XCTAssertEqual(exclusive.status, 2, other)
            XCTAssertTrue(exclusive.stderr.contains("mutually exclusive"), exclusive.stderr)
        }
    }
}
