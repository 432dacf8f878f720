import Foundation
import XCTest

/// `sluice grep` against GNU grep (C locale, `-a`; `-P` for regex patterns, `-F` for fixed
/// strings) over a matrix of options, patterns and inputs: output bytes and exit status must agree.
final class GrepConformanceTests: XCTestCase {
    static let options: [[String]] = [
        [], ["-i"], ["-v"], ["-w"], ["-x"], ["-c"], ["-n"], ["-b"], ["-o"], ["-m", "2"], ["-A", "2"], ["-B", "1"],
        ["-C", "1"], ["-n", "-C", "2"], ["-c", "-v"], ["-i", "-w", "-n"], ["-o", "-b", "-n"], ["-l"], ["-H"], ["-h", "-n"],
        ["-v", "-n", "-A", "1"], ["-m", "1", "-A", "2"], ["-c", "-m", "3"], ["-in"], ["-A1", "-B2"], ["-x", "-v", "-c"],
    ]
    static let fixed = ["error", "Failed password", "e", "xyz-not-there"]
    static let regex = ["err(or|ors)", "^\\d{4}-", "timeout|refused", "[0-9]+ms\\b", "e.r", "^$"]
    static let fileSets = [["lf.log"], ["crlf.log"], ["no-final-newline.log"], ["lf.log", "crlf.log", "mixed.log"],
                           ["numbers.log"], ["non-utf8.log", "nul.log", "blank-lines.log", "empty.log"]]

    var plainDir: URL!
    var gzipDir: URL!

    override func setUpWithError() throws {
        plainDir = try temporaryDirectory()
        gzipDir = try temporaryDirectory()
        let text = fixturesDir.appendingPathComponent("text")
        for name in try FileManager.default.contentsOfDirectory(atPath: text.path) {
            try FileManager.default.copyItem(at: text.appendingPathComponent(name), to: plainDir.appendingPathComponent(name))
        }
        // Short lines: many line endings per block, for -n and -c.
        let numbers = (1...5000).map { $0 % 7 == 0 ? "\($0) error" : "\($0)" }.joined(separator: "\n") + "\n"
        try Data(numbers.utf8).write(to: plainDir.appendingPathComponent("numbers.log"))
        // The same files gzip-compressed, under the same names (so prefixes agree).
        let result = try shell("for f in *; do gzip -c \"$f\" > \"\(gzipDir.path)/$f\"; done", directory: plainDir)
        XCTAssertEqual(result.status, 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: plainDir)
        try? FileManager.default.removeItem(at: gzipDir)
    }

    struct Case { let grep: [String]; let sluice: [String]; let gzip: Bool }

    func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs every case in one shell (process start-up dominates otherwise) and compares the
    /// output bytes and exit statuses of each pair.
    ///
    /// Under a sanitizer (`make check`) one case in ten runs: each sanitized process takes
    /// about a second to start, and the matrix checks output, not threads or memory.
    func check(_ allCases: [Case]) throws {
        let cases = runningUnderSanitizer ? allCases.enumerated().filter { $0.offset % 10 == 0 }.map(\.element) : allCases
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        var script = "export LC_ALL=C\n"
        for (i, c) in cases.enumerated() {
            script += "cd \(quote(plainDir.path)); grep \(c.grep.map(quote).joined(separator: " ")) > \(out.path)/\(i).grep 2>&1; echo $? >> \(out.path)/\(i).grep\n"
            script += "cd \(quote((c.gzip ? gzipDir : plainDir).path)); \"$SLUICE\" grep \(c.sluice.map(quote).joined(separator: " ")) > \(out.path)/\(i).sluice 2>&1; echo $? >> \(out.path)/\(i).sluice\n"
        }
        let scriptFile = out.appendingPathComponent("cases.sh")
        try Data(script.utf8).write(to: scriptFile)
        let result = try shell("bash \(quote(scriptFile.path))")
        XCTAssertEqual(result.status, 0, result.stderr)
        var failures = 0
        for (i, c) in cases.enumerated() {
            let expected = try Data(contentsOf: out.appendingPathComponent("\(i).grep"))
            let ours = try Data(contentsOf: out.appendingPathComponent("\(i).sluice"))
            if expected != ours {
                failures += 1
                if failures <= 10 {
                    XCTFail("grep \(c.grep.joined(separator: " "))\(c.gzip ? " (gzip input)" : ""): output and status (last line) differ\n--- grep\n"
                            + String(decoding: expected.prefix(600), as: UTF8.self) + "--- sluice\n" + String(decoding: ours.prefix(600), as: UTF8.self))
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(cases.count) cases differ")
    }

    func cases(options: [[String]], fixed: [String], regex: [String], fileSets: [[String]], gzip: Bool) -> [Case] {
        var all: [Case] = []
        for files in fileSets {
            for o in options {
                for (pattern, isFixed) in fixed.map({ ($0, true) }) + regex.map({ ($0, false) }) {
                    if pattern.isEmpty && o.contains("-v") { continue }  // GNU grep prints nothing for -c -v '' (a quirk)
                    all.append(Case(grep: ["-a", isFixed ? "-F" : "-P"] + o + ["-e", pattern] + files,
                                    sluice: (isFixed ? ["-F"] : []) + o + ["-e", pattern] + files, gzip: gzip))
                }
            }
        }
        return all
    }

    func testMatrixOnPlainInput() throws {
        try check(cases(options: Self.options, fixed: Self.fixed, regex: Self.regex, fileSets: Self.fileSets, gzip: false))
    }

    func testMatrixOnGzipInput() throws {
        try check(cases(options: Self.options, fixed: ["error"], regex: ["timeout|refused"],
                        fileSets: [["lf.log"], ["lf.log", "crlf.log", "mixed.log"], ["numbers.log", "empty.log"]], gzip: true))
    }

    func testStandardInputAndLabel() throws {
        let input = try Data(contentsOf: plainDir.appendingPathComponent("crlf.log"))
        let ours = try sluice(["grep", "-H", "--label=app", "-n", "error"], stdin: input)
        let theirs = try runProgram("/usr/bin/env", ["grep", "-H", "--label=app", "-n", "error"], stdin: input)
        XCTAssertEqual(ours.text, theirs.text)
        XCTAssertTrue(ours.text.hasPrefix("app:"))
    }
}
