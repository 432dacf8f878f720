import Foundation
import XCTest

/// Faults met by the `sluice` binary: unusual inputs, damaged gzip, failing output, hostile
/// sizes (with the peak memory asserted) and signals. Each outcome is asserted exactly.
final class CLIFaultTests: XCTestCase {
    /// `/dev/null`, an empty file, an empty gzip member and a FIFO are read like any input.
    func testSpecialAndEmptyInputs() throws {
        for path in ["/dev/null", fixture("text/empty.log"), fixture("gzip/only-empty.gz")] {
            let cat = try sluice(["cat", path])
            XCTAssertEqual(cat.status, 0, path)
            XCTAssertEqual(cat.stdout, Data(), path)
            XCTAssertEqual(cat.stderr, "", path)
            let count = try sluice(["grep", "-c", "x", path])
            XCTAssertEqual(count.status, 1, path)
            XCTAssertEqual(count.text, "0\n", path)
        }
        let member = try sluice(["cat", fixture("gzip/empty-member.gz")])
        XCTAssertEqual(member.status, 0)
        XCTAssertEqual(member.stdout, try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/empty-member.expected"))))

        let lf = fixture("text/lf.log")
        let fifo = try shell("""
            d=$(mktemp -d); mkfifo "$d/plain" "$d/gzip"
            (printf 'alpha\\nbeta\\n'; cat \(lf)) > "$d/plain" &
            gzip -c < \(lf) > "$d/gzip" &
            $SLUICE grep -c -e alpha -e error "$d/plain" "$d/gzip"; echo "status $?"; rm -rf "$d"
            """)
        let plain = try shell("(printf 'alpha\\nbeta\\n'; cat \(lf)) | grep -c -e alpha -e error").text
        let gzip = try shell("grep -c -e alpha -e error \(lf)").text
        XCTAssertTrue(fifo.text.contains("/plain:\(plain)") && fifo.text.contains("/gzip:\(gzip)status 0\n"), fifo.text)
    }

    /// Every gzip fixture through the CLI: the decoded bytes, then the message naming the file
    /// and the offset, and status 2; trailing garbage is a warning, and status 2 as zcat gives.
    func testDamagedGzipFixtures() throws {
        struct Entry: Decodable { let file: String; let expected: String; let outcome: String }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fixture("gzip/manifest.json")))
        for entry in try JSONDecoder().decode([Entry].self, from: data) where entry.file.hasSuffix(".gz") {
            let path = fixture("gzip/" + entry.file)
            let r = try sluice(["cat", path])
            let expected = try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/" + entry.expected)))
            if entry.outcome == "error" && ProcessInfo.processInfo.environment["SLUICE_INFLATE"] != "zlib" && r.stdout != expected {
                // Damaged deflate data: the expected bytes are zlib's; ISA-L (the default) outputs
                // every byte before the damage too, and may decode a few damaged bits more.
                let valid = zip(expected, try Data(contentsOf: URL(fileURLWithPath: fixture("text/lf.log")))).prefix { $0 == $1 }.count
                XCTAssertEqual(r.stdout.prefix(valid), expected.prefix(valid), entry.file)
                XCTAssertGreaterThan(valid, 1000, entry.file)
                XCTAssertLessThan(r.stdout.count, expected.count + 256, entry.file)
            } else {
                XCTAssertEqual(r.stdout, expected, entry.file)
            }
            switch entry.outcome {
            case "ok":
                XCTAssertEqual(r.status, 0, entry.file)
                XCTAssertEqual(r.stderr, "", entry.file)
            case "warning":
                // Trailing bytes after gzip data: the warning, and status 2 as `gzip -dc` gives.
                XCTAssertEqual(r.status, 2, entry.file)
                XCTAssertTrue(r.stderr.hasPrefix("sluice: \(path): warning: "), r.stderr)
            default:
                XCTAssertEqual(r.status, 2, entry.file)
                let pattern = "^sluice: \(NSRegularExpression.escapedPattern(for: path)): (truncated|corrupt) gzip input at byte [0-9]+"
                XCTAssertNotNil(r.stderr.range(of: pattern, options: .regularExpression), "\(entry.file): \(r.stderr)")
            }
        }
    }

    /// With standard output and standard error on one file (`> out 2>&1`), every message comes
    /// after the output before it: trailing-bytes warnings of each codec (their decoder runs
    /// ahead, on the other core) and a truncated input, for `cat`, `cat then STAGE`, `grep`
    /// and `grep -c` over several inputs. The oracle is each codec's own tool.
    func testMessagesKeepTheirPlaceInOutput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tools = [("gzip", "gzip"), ("zstd", "zstd -q"), ("xz", "xz"), ("bzip2", "bzip2"), ("lz4", "lz4 -q"), ("lzma", "xz --format=lzma")]
        var script = "set -e; seq 1 200000 > p.txt\n"
        for (name, tool) in tools { script += "\(tool) -c < p.txt > p.\(name); (cat p.\(name); printf GARBAGE) > g.\(name)\n" }
        script += "head -c 300000 p.gzip > t.gz; gzip -dc < t.gz > t.txt 2>/dev/null || true\n"
        XCTAssertEqual(try shell(script, directory: dir).status, 0)
        func run(_ command: String) throws -> String {
            let r = try shell("$SLUICE \(command) > out 2>&1; echo \"status $?\" >> out; cat out", directory: dir)
            return r.text
        }
        let plain = try String(contentsOf: dir.appendingPathComponent("p.txt"), encoding: .utf8)
        let nines = plain.split(separator: "\n").filter { $0.contains("9") }.map { $0 + "\n" }.joined()
        for (name, _) in tools {
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("p.\(name)").path)[.size] as? Int)
            let warning = "sluice: g.\(name): warning: 7 trailing bytes after \(name) data at byte \(size) ignored\n"
            let status = name == "bzip2" ? "status 0\n" : "status 2\n"
            XCTAssertEqual(try run("cat g.\(name) g.\(name)"), plain + warning + plain + warning + status, name)
            XCTAssertEqual(try run("cat g.\(name) g.\(name) then grep 9"), nines + warning + nines + warning + status, name)
            XCTAssertEqual(try run("grep 9 g.\(name) p.\(name)"),
                           nines.split(separator: "\n").map { "g.\(name):\($0)\n" }.joined() + warning
                           + nines.split(separator: "\n").map { "p.\(name):\($0)\n" }.joined() + status, name)
            XCTAssertEqual(try run("grep -c 9 g.\(name) g.\(name)"), "g.\(name):\(nines.split(separator: "\n").count)\n" + warning
                           + "g.\(name):\(nines.split(separator: "\n").count)\n" + warning + status, name)
        }
        // A truncated input: its bytes (a last line cut short), the error, then the next input.
        let cut = try String(contentsOf: dir.appendingPathComponent("t.txt"), encoding: .utf8)
        XCTAssertFalse(cut.isEmpty)
        XCTAssertEqual(try run("cat t.gz p.gzip"), cut + "sluice: t.gz: truncated gzip input at byte 300000\n" + plain + "status 2\n")
    }

    /// A gzip file cut inside its header, its deflate data and its trailer.
    func testTruncatedGzipAtSeveralOffsets() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/single.gz")))
        let content = try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/single.expected")))
        let path = dir.appendingPathComponent("cut.log.gz").path
        for cut in [3, 9, 10, 11, whole.count / 2, whole.count - 8, whole.count - 1] {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            let r = try sluice(["cat", path])
            XCTAssertEqual(r.status, 2, "cut \(cut)")
            XCTAssertEqual(r.stderr, "sluice: \(path): truncated gzip input at byte \(cut)\n")
            XCTAssertEqual(r.stdout, content.prefix(r.stdout.count), "cut \(cut): output is a prefix of the content")
            if cut >= whole.count - 8 { XCTAssertEqual(r.stdout, content, "cut \(cut) in the trailer") }
        }
    }

    /// ENOSPC on output is an error with status 2; a closed pipe is not (see ``CLITests``).
    func testOutputToAFullDevice() throws {
        let lf = fixture("text/lf.log")
        for arguments in [["cat", lf], ["grep", "-n", "e", lf], ["cat", lf, "then", "gzip"]] {
            let r = try shell("$SLUICE \(arguments.joined(separator: " ")) > /dev/full; echo \"status $?\"")
            XCTAssertEqual(r.text, "status 2\n", arguments.description)
            XCTAssertEqual(r.stderr, "sluice: write error: No space left on device\n", arguments.description)
        }
    }

    // MARK: Huge and hostile input, with peak memory

    /// A 1 GiB line: `cat` streams it with flat memory; a line stage stops at the line limit
    /// (64 MiB by default) with a message, after the lines before it, and memory stays bounded.
    func testGigabyteLine() throws {
        let streamed = try measured("head -c 1073741824 /dev/zero | tr '\\0' a | $SLUICE cat | wc -c")
        XCTAssertEqual(streamed.outcome.text.trimmingCharacters(in: .whitespacesAndNewlines), "1073741824")
        XCTAssertEqual(streamed.outcome.stderr, "")
        XCTAssertLessThan(streamed.peakMiB, limit(48))

        let counted = try measured("(printf 'first\\nsecond\\n'; head -c 1073741824 /dev/zero | tr '\\0' a) | $SLUICE grep -n -e first -e second; echo \"status ${PIPESTATUS[1]}\"")
        XCTAssertEqual(counted.outcome.text, "1:first\n2:second\nstatus 2\n")
        XCTAssertEqual(counted.outcome.stderr, "sluice: (standard input): line 3 at byte 13 is longer than the 67108864-byte limit\n")
        XCTAssertLessThan(counted.peakMiB, limit(200))
    }

    /// `--max-line-length` sets the limit.
    func testLineLongerThanAConfiguredLimit() throws {
        let r = try measured("(printf 'ok\\n'; head -c 10485760 /dev/zero | tr '\\0' b; printf '\\nlast\\n') | $SLUICE cat --max-line-length 1M then count; echo \"status ${PIPESTATUS[1]}\"")
        XCTAssertEqual(r.outcome.text, "1\nstatus 2\n", "the line before the fault is counted, as for a truncated gzip file")
        XCTAssertEqual(r.outcome.stderr, "sluice: (standard input): line 2 at byte 3 is longer than the 1048576-byte limit\n")
        XCTAssertLessThan(r.peakMiB, limit(48))
    }

    /// 1 GiB of zeros in 16 gzip members (about 1 MiB compressed): inflated with flat memory.
    /// Counted as lines, it is one NUL-filled line longer than the limit: an error, not an
    /// unbounded buffer (GNU grep would call it binary).
    func testGigabyteZeroBomb() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = dir.appendingPathComponent("bomb.gz").path
        _ = try shell("head -c 67108864 /dev/zero | gzip -1 > \(bomb).member && for i in $(seq 16); do cat \(bomb).member; done > \(bomb)")
        let inflated = try measured("$SLUICE cat \(bomb) | wc -c")
        XCTAssertEqual(inflated.outcome.text.trimmingCharacters(in: .whitespacesAndNewlines), "1073741824")
        XCTAssertLessThan(inflated.peakMiB, limit(48))

        let lines = try measured("$SLUICE count \(bomb); echo \"status $?\"")
        XCTAssertEqual(lines.outcome.text, "0\nstatus 2\n", "no complete line before the fault")
        XCTAssertEqual(lines.outcome.stderr, "sluice: \(bomb): line 1 at byte 0 is longer than the 67108864-byte limit\n")
        XCTAssertLessThan(lines.peakMiB, limit(200))
    }

    /// No newline at all, NUL-only data and invalid UTF-8: bytes pass through unchanged, a
    /// last line without newline is a line, and patterns match bytes.
    func testDataWithoutNewlinesNulsOrValidUTF8() throws {
        let noNewline = try measured("head -c 5000000 /dev/zero | tr '\\0' c | $SLUICE grep -c c")
        XCTAssertEqual(noNewline.outcome.text, "1\n")
        XCTAssertLessThan(noNewline.peakMiB, limit(64))

        let nul = try shell("head -c 5000000 /dev/zero | $SLUICE count; head -c 5000000 /dev/zero | $SLUICE grep -c x; echo \"status $?\"")
        XCTAssertEqual(nul.text, "1\n0\nstatus 1\n")

        let raw = try Data(contentsOf: URL(fileURLWithPath: fixture("text/non-utf8.log")))
        XCTAssertEqual(try sluice(["cat", fixture("text/non-utf8.log")]).stdout, raw)
        let bytes = try sluice(["grep", "-o", "caf.", fixture("text/non-utf8.log")])
        let gnu = try runProgram("/usr/bin/env", ["grep", "-a", "-o", "-P", "caf.", fixture("text/non-utf8.log")])
        XCTAssertEqual(bytes.stdout, gnu.stdout)
    }

    /// A regex that backtracks without end on a line is an error naming the file, the line and
    /// the pattern, after the lines selected before it (grep -P: "exceeded PCRE's backtracking limit").
    func testRegexThatGivesUpIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.log").path
        try Data(("ok line\n" + String(repeating: "a", count: 40) + "b\nlater ok line\n").utf8).write(to: URL(fileURLWithPath: path))
        let r = try sluice(["grep", "-P", "(a+)+$|ok", path])
        XCTAssertEqual(r.text, "ok line\n")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("sluice: \(path): line 2 at byte 8: pattern '(a+)+$|ok' gave up: match limit exceeded"), r.stderr)
        // An ERE never gives up, as in GNU grep: the DFA matcher decides where backtracking cannot.
        let ere = try sluice(["grep", "-E", "(a+)+$|ok", path])
        let gnu = try runProgram("/usr/bin/env", ["grep", "-E", "(a+)+$|ok", path])
        XCTAssertEqual(ere.stdout, gnu.stdout)
        XCTAssertEqual(ere.status, 0)
    }

    /// A regex that gives up while the extents of a selected line are found (`-o`, colour,
    /// `--json`) is an error too, not a line printed as if it had no more matches: GNU grep
    /// prints the extents found before, then stops with "exceeded PCRE's backtracking limit",
    /// status 2 (differential seed 20261204, case 948).
    func testRegexThatGivesUpOnExtentsIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.log").path
        let line = "x1 get = 1514038440000##7007##548365##8661##12361##27173954\r\n"
        try Data(("first ok\n" + line + "later ok\n").utf8).write(to: URL(fileURLWithPath: path))
        let pattern = "([[:graph:]]+)+\\h"
        for options in [["-o"], ["--color=always"], ["-o", "-n", "-b"], ["-c"]] {
            let r = try sluice(["grep", "-P"] + options + [pattern, path])
            let gnu = try runProgram("/usr/bin/env", ["grep", "-P"] + options + [pattern, path])
            XCTAssertEqual(r.stdout, gnu.stdout, "\(options)")
            XCTAssertEqual(r.status, gnu.status, "\(options)")
            if gnu.status == 2 {
                XCTAssertTrue(r.stderr.contains("\(path): "), r.stderr)
                XCTAssertTrue(r.stderr.contains("gave up: match limit exceeded"), r.stderr)
            }
        }
        let json = try sluice(["grep", "--json", "-P", pattern, path])
        XCTAssertEqual(json.status, 2)
        XCTAssertEqual(json.text.split(separator: "\n").count, 3, json.text)  // begin, two matches, no summary
        XCTAssertTrue(json.stderr.contains("line 2 at byte 9: pattern"), json.stderr)
    }

    // MARK: Signals

    /// SIGINT and SIGTERM end the input: what was read is filtered and flushed (a partial last
    /// line too), then sluice exits with 128 + the signal, as a shell reports it.
    func testInterruptFlushesWhatWasRead() throws {
        for (name, number) in [("INT", 130), ("TERM", 143)] {
            let r = try shell("""
                d=$(mktemp -d); mkfifo "$d/in"
                exec 3<>"$d/in"
                printf 'line 1 error\\nline 2 fine\\nline 3 error, partial' >&3
                $SLUICE grep error < "$d/in" > "$d/out" &
                pid=$!
                sleep 0.5
                kill -\(name) $pid
                wait $pid; status=$?
                exec 3>&-
                cat "$d/out"; echo "status $status"; rm -rf "$d"
                """)
            XCTAssertEqual(r.text, "line 1 error\nline 3 error, partial\nstatus \(number)\n", name)
        }
    }

    // MARK: Helpers

    /// A peak-memory limit in MiB; none under a sanitizer, whose shadow memory inflates it.
    func limit(_ mebibytes: Double) -> Double { runningUnderSanitizer ? .infinity : mebibytes }

    /// Runs a shell script and reports the peak resident memory of the largest process it ran.
    func measured(_ script: String) throws -> (outcome: Outcome, peakMiB: Double) {
        let program = """
            import resource, subprocess, sys
            status = subprocess.run(["bash", "-c", sys.argv[1]]).returncode
            sys.stderr.write("peak-kib %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.exit(status)
            """
        let r = try runProgram("/usr/bin/env", ["python3", "-c", program, script], environment: ["SLUICE": sluiceBinary])
        var lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let last = try XCTUnwrap(lines.popLast())
        XCTAssertTrue(last.hasPrefix("peak-kib "), r.stderr)
        let kib = Double(last.dropFirst("peak-kib ".count)) ?? .infinity
        let stderr = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        return (Outcome(status: r.status, stdout: r.stdout, stderr: stderr), kib / 1024)
    }
}
