import Foundation
import XCTest

/// The cases a new user met where `then` did not behave like a shell pipe, and how faults end.
final class PipeSemanticsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory()
        _ = try shell("cd \(dir.path) && printf 'y\\n' > a && cp a b && seq 1 3000000 | gzip > full.gz && head -c 200000 full.gz > cut.gz")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testLaterStagesSeeOneStream() throws {
        let r = try shell("cd \(dir.path) && $SLUICE cat a b then grep -h y then grep -c y")
        XCTAssertEqual(r.text, try shell("cd \(dir.path) && cat a b | grep y | grep -c y").text)
        XCTAssertEqual(r.text, "2\n")
        // grep as the first stage is per file; what it prints is the next stage's input.
        let named = try shell("cd \(dir.path) && $SLUICE grep -c y a b then grep -c :1")
        XCTAssertEqual(named.text, "2\n")
        // Line numbers and byte offsets of a later stage count in the stream it reads.
        let numbers = try shell("cd \(dir.path) && $SLUICE grep -n y a b then grep -n -b y")
        XCTAssertEqual(numbers.text, try shell("cd \(dir.path) && grep -n y a b | grep -n -b y").text)
    }

    func testHeadOfSeveralFilesHasHeaders() throws {
        let r = try shell("cd \(dir.path) && $SLUICE head -n 1 a b")
        XCTAssertEqual(r.text, try shell("cd \(dir.path) && head -n 1 a b").text)
        XCTAssertTrue(r.text.hasPrefix("==> a <==\n"))
        // The same file named twice is two sources, each under its header; so is an empty file
        // (GNU head and tail print a header for each operand, lines or none).
        _ = try shell("cd \(dir.path) && seq 5 > five && : > empty")
        for verb in ["head -n 2", "tail -n 2", "head -n 0", "tail -n +4", "tail -c 3",
                     "head -n -2", "head -n-2", "head --lines=-2", "head -n -0", "head -n -100", "tail -n -2", "head -q -n -1"] {
            for files in ["five five", "empty empty", "empty five empty", "five empty five five", "a five a"] {
                let ours = try shell("cd \(dir.path) && $SLUICE \(verb) \(files)")
                XCTAssertEqual(ours.stdout, try shell("cd \(dir.path) && \(verb) \(files)").stdout, "\(verb) \(files)")
                XCTAssertEqual(ours.status, 0, "\(verb) \(files): \(ours.stderr)")
            }
        }
        // All but the last lines, across batches, of a file, a gzip file and a later stage
        // (`head -n-3` printed nothing, status 0, before it was read as GNU reads it).
        _ = try shell("cd \(dir.path) && seq 1 300000 > many && gzip -k many")
        try assertLargeFileAsGNU(["-n -1", "-n -12345", "-n -299999", "-n -300000", "-n -400000"]) {
            ("cat many then head \($0) then count", "head \($0) many | grep -c ''")
        }
    }

    /// `head ARGS` of `many` (made by the caller) against GNU head, as md5 sums: of the file, of
    /// `many.gz`, and as a later stage (`later(ARGS)`: the sluice pipeline and its shell pipe).
    private func assertLargeFileAsGNU(_ argumentSets: [String], later: (String) -> (String, String)) throws {
        for args in argumentSets {
            let expected = try shell("cd \(dir.path) && head \(args) many | md5sum").text
            XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE head \(args) many | md5sum").text, expected, args)
            XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE head \(args) many.gz | md5sum").text, expected, args)
            let (ours, gnu) = later(args)
            XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE \(ours) | md5sum").text,
                           try shell("cd \(dir.path) && \(gnu) | md5sum").text, args)
        }
    }

    /// `head -c N` and `head -c -N` as GNU head: per file under headers, with multipliers, across
    /// batches, on gzip input, and as a later stage reading what the stage before printed.
    func testHeadBytesAsGNUHead() throws {
        _ = try shell("cd \(dir.path) && printf 'abc\\ndef\\r\\nghi\\n' > s && printf 'xy\\nzz' > t && : > e")
        let counts = ["0", "1", "3", "4", "5", "11", "12", "13", "100", "1b", "1K", "1kB", "1KiB",
                      "-0", "-1", "-2", "-3", "-5", "-12", "-13", "-1K"]
        for n in counts {
            for files in ["s", "t", "e", "s t", "t e s", "s s", "-q s t", "-v t"] {
                let args = n.hasPrefix("-") ? "--bytes=\(n) \(files)" : "-c \(n) \(files)"
                let ours = try shell("cd \(dir.path) && $SLUICE head \(args)")
                XCTAssertEqual(ours.stdout, try shell("cd \(dir.path) && head \(args)").stdout, args)
                XCTAssertEqual(ours.status, 0, "\(args): \(ours.stderr)")
            }
        }
        // Joined and separate negative forms; a later stage sees the cut line as its last line.
        for args in ["-c -3 s", "-c-3 s", "-c -1K s", "-c5 s"] {
            XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE head \(args)").stdout,
                           try shell("cd \(dir.path) && head \(args)").stdout, args)
        }
        for (ours, gnu) in [("grep -n . s t then head -c 9", "grep -n . s t | head -c 9"),
                            ("grep -h . s t then head -c -4 then grep -c z", "grep -h . s t | head -c -4 | grep -c z"),
                            ("cat s t then head -c 14 then count", "cat s t | head -c 14 | grep -c ''"),
                            ("cat s t then head -c -7 then tail -n 1", "cat s t | head -c -7 | tail -n 1")] {
            XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE \(ours)").stdout, try shell("cd \(dir.path) && \(gnu)").stdout, ours)
        }
        XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE head -c 2X s").status, 2)
        // Across batches (1 MiB chunks), plain and gzip, and after another stage.
        _ = try shell("cd \(dir.path) && seq 1 400000 > many && gzip -k many")
        try assertLargeFileAsGNU(["1000000", "1048575", "1048576", "2000001", "-1", "-1048577", "-2000000", "-2888894", "-5000000"].map { "-c \($0)" },
                                 later: { ("grep -h 7 many then head \($0)", "grep 7 many | head \($0)") })
    }

    /// `tail -c N` and `tail -c +N` of standard input and of compressed files, as GNU tail of the
    /// decoded bytes (they were refused with "Illegal seek"); with -f, a compressed file is still
    /// refused, loudly.
    func testTailBytesOfStreamsAndCompressedFiles() throws {
        _ = try shell("cd \(dir.path) && printf 'abc\\ndef\\r\\nghi\\n' > s && printf 'xy\\nzz' > t && gzip -k s t && seq 1 400000 > big && gzip -k big && xz -k big")
        for n in ["0", "1", "3", "5", "12", "13", "+1", "+2", "+12", "+13", "+14", "1K", "-4"] {
            for files in ["s", "t", "s t", "t s s"] {
                let gz = files.split(separator: " ").map { "\($0).gz" }.joined(separator: " ")
                let expected = try shell("cd \(dir.path) && tail -c \(n) \(files)").text
                XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE tail -c \(n) \(gz)").text,
                               expected.replacingOccurrences(of: "==> s <==", with: "==> s.gz <==")
                                   .replacingOccurrences(of: "==> t <==", with: "==> t.gz <=="), "tail -c \(n) \(gz)")
            }
            XCTAssertEqual(try shell("cd \(dir.path) && cat s | $SLUICE tail -c \(n)").stdout,
                           try shell("cd \(dir.path) && cat s | tail -c \(n)").stdout, "stdin, \(n)")
        }
        for n in ["1", "1048576", "1048577", "2888893", "2888894", "3000000", "+1048577", "+2888894"] {
            let expected = try shell("cd \(dir.path) && tail -c \(n) big | md5sum").text
            for input in ["big.gz", "big.xz", "- < big"] {
                XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE tail -c \(n) \(input) | md5sum").text, expected, "\(n) \(input)")
            }
        }
        // After `then`, the last bytes of the stream it reads.
        for (ours, gnu) in [("grep -n . s t then tail -c 9", "grep -n . s t | tail -c 9"),
                            ("cat s t then tail -c +6 then grep -c .", "cat s t | tail -c +6 | grep -c ."),
                            ("cat big then tail -c 1048577 then count", "tail -c 1048577 big | grep -c ''")] {
            XCTAssertEqual(try shell("cd \(dir.path) && $SLUICE \(ours)").stdout, try shell("cd \(dir.path) && \(gnu)").stdout, ours)
        }
        let refused = try shell("cd \(dir.path) && timeout 10 $SLUICE tail -f -c 3 s.gz")
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("s.gz"), refused.stderr)
    }

    func testTailOfATruncatedGzipPrintsItsLastLinesThenTheError() throws {
        let r = try shell("cd \(dir.path) && $SLUICE tail -n 2 cut.gz > out 2>&1; echo \"status $?\"; cat out")
        // What sluice decodes of the cut file is a prefix of the whole file's content (decoders
        // differ in how many of the last bytes they give out: gzip's holds a few back).
        let decodedAll = try shell("cd \(dir.path) && $SLUICE cat cut.gz 2>/dev/null").text
        XCTAssertTrue(try shell("cd \(dir.path) && zcat full.gz").text.hasPrefix(decodedAll))
        XCTAssertGreaterThan(decodedAll.utf8.count, 400_000)
        let decoded = try shell("cd \(dir.path) && $SLUICE cat cut.gz 2>/dev/null | tail -n 2").text
        XCTAssertEqual(r.text, "status 2\n" + decoded + "sluice: cut.gz: truncated gzip input at byte 200000\n")
    }

    /// Messages come after the output before them, in one file, as GNU grep orders them.
    func testMessagesKeepTheirPlaceInTheOutput() throws {
        // -q: a selected line makes the status 0 even after an error, as in GNU grep.
        for args in ["-q y nope a", "-q y a nope", "-q z a nope", "-qs y nope a", "-q y nope"] {
            let ours = try shell("cd \(dir.path) && $SLUICE grep \(args) 2>&1; echo \"status $?\"")
            let gnu = try shell("cd \(dir.path) && grep \(args) 2>&1 | sed 's/^grep:/sluice:/'; echo \"status ${PIPESTATUS[0]}\"")
            XCTAssertEqual(ours.text, gnu.text, args)
        }
        let r = try shell("cd \(dir.path) && $SLUICE grep y a nope b > out 2>&1; echo \"status $?\"; cat out")
        XCTAssertEqual(r.text, "status 2\na:y\nsluice: nope: No such file or directory\nb:y\n")
        let counted = try shell("cd \(dir.path) && $SLUICE grep -c y a nope b > out 2>&1; cat out")
        XCTAssertEqual(counted.text, try shell("cd \(dir.path) && grep -c y a nope b > out 2>&1; sed 's/^grep:/sluice:/' out").text)
        let late = try shell("cd \(dir.path) && $SLUICE cat cut.gz a then count > out 2>&1; echo \"status $?\"; cat out")
        let lines = try shell("cd \(dir.path) && (zcat cut.gz 2>/dev/null; cat a) | awk 'END { print NR }'").text
        XCTAssertEqual(late.text, "status 2\nsluice: cut.gz: truncated gzip input at byte 200000\n" + lines)
    }

    /// Ctrl-C stops reading: a gzip stream cut short by that stop is not reported as damaged.
    func testInterruptIsNotTruncation() throws {
        let r = try shell("""
            cd \(dir.path)
            mkfifo in; exec 3<>in
            head -c 60000 full.gz >&3  # less than the FIFO holds: nothing blocks before sluice reads
            $SLUICE grep -c zzz in > out 2>&1 &
            pid=$!
            for i in $(seq 100); do [ -s out ] && break; sleep 0.05; done
            sleep 0.3; kill -INT $pid; wait $pid; echo "status $?"; cat out
            """)
        XCTAssertEqual(r.text, "status 130\n0\n")
    }

    /// `-l`, `-q` and `-m` stop reading a file once its answer is known.
    func testAnswersStopReading() throws {
        for options in [["-l"], ["-q"], ["-m", "1"], ["-c", "-m", "2"]] {
            let r = try sluice(["--stats", "grep"] + options + ["1", dir.appendingPathComponent("full.gz").path])
            let read = r.stderr.split(separator: "\n").first { $0.hasPrefix("bytes read") }
            let bytes = read.flatMap { Int($0.split(separator: " ").dropFirst(2).first ?? "") } ?? -1
            XCTAssertGreaterThan(bytes, 0, r.stderr)
            XCTAssertLessThan(bytes, 4 << 20, "\(options): \(r.stderr)")
        }
        // And a later stage's answer ends the stages before it.
        let head = try sluice(["--stats", "cat", dir.appendingPathComponent("full.gz").path, "then", "grep", "-m", "1", "5"])
        XCTAssertEqual(head.text, "5\n")
    }
}
