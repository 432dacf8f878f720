import Foundation
import XCTest

/// The command line as a user meets it: pipelines, cat, errors and exit statuses.
final class CLITests: XCTestCase {

    func testCatEqualsZcatF() throws {
        let files = [fixture("gzip/three-members.gz"), fixture("text/crlf.log"), fixture("gzip/bgzip.gz"),
                     fixture("text/no-final-newline.log"), fixture("gzip/empty-member.gz"), fixture("gzip/large-multi.gz")]
        let ours = try sluice(["cat"] + files)
        let theirs = try runProgram("/usr/bin/env", ["zcat", "-f"] + files)
        XCTAssertEqual(ours.status, 0)
        XCTAssertEqual(ours.stdout, theirs.stdout)
        // Standard input, compressed and not.
        let gz = try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/three-members.gz")))
        XCTAssertEqual(try sluice(["cat"], stdin: gz).stdout, try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/three-members.expected"))))
        XCTAssertEqual(try sluice(["cat", "--no-decompress", fixture("gzip/single.gz")]).stdout, try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/single.gz"))))
    }

    func testPipelineOfStages() throws {
        let demo = ["app.log.2.gz", "app.log.1.gz", "app.log"].map { fixture("demo/" + $0) }
        let ours = try sluice(["cat"] + demo + ["then", "grep", "-h", "-i", "-E", "timeout|refused", "then", "grep", "-v", "healthcheck",
                                                "then", "head", "-n", "20"])
        // `cat` concatenates: a later grep reads one unnamed stream, as `zcat -f FILE... | grep` does.
        let concatenated = try sluice(["cat"] + demo + ["then", "grep", "-m", "1", "refused"])
        XCTAssertEqual(concatenated.text, try shell("zcat -f \(demo.joined(separator: " ")) | grep -m 1 refused").text)
        XCTAssertFalse(concatenated.text.isEmpty)
        // grep as the first stage names each file, as `grep PATTERN FILE...` does (GNU grep
        // cannot read the .gz files: compare with the decompressed twins).
        let named = try sluice(["grep", "-m", "1", "refused"] + demo)
        XCTAssertTrue(named.text.hasPrefix(demo[0] + ":"), named.text)
        let perFile = demo.map { "zcat -f \($0) | grep -m 1 refused | sed 's|^|\($0):|'" }.joined(separator: "; ")
        XCTAssertEqual(named.text, try shell(perFile).text)
        let theirs = try shell("zcat -f \(demo.joined(separator: " ")) | grep -a -i -P 'timeout|refused' | grep -v healthcheck | head -n 20")
        XCTAssertEqual(ours.status, 0)
        XCTAssertEqual(ours.text, theirs.text)
        XCTAssertEqual(ours.text.split(separator: "\n").count, 20)

        let count = try sluice(["cat"] + demo + ["then", "grep", "Failed password", "then", "count"])
        let expected = try shell("zcat -f \(demo.joined(separator: " ")) | grep -c 'Failed password'")
        XCTAssertEqual(count.text, expected.text)

        let tail = try sluice(["cat"] + demo + ["then", "tail", "-n", "3"])
        XCTAssertEqual(tail.text, try shell("zcat -f \(demo.joined(separator: " ")) | tail -n 3").text)

        let numbered = try sluice(["cat", fixture("text/lf.log"), "then", "number", "then", "grep", "timeout", "then", "head", "-n", "2"])
        XCTAssertEqual(numbered.text, try shell("grep -n timeout \(fixture("text/lf.log")) | head -n 2").text)
    }

    func testGzipStageRoundTrips() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("errors.gz").path
        let r = try shell("$SLUICE cat \(fixture("text/lf.log")) then grep error then gzip -9 > \(out) && gzip -dc \(out)")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.text, try shell("grep error \(fixture("text/lf.log"))").text)
    }

    func testErrorsNameTheFileAndSetStatusTwo() throws {
        let missing = try sluice(["grep", "error", "nope.log", fixture("text/lf.log")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "sluice: nope.log: No such file or directory\n")
        XCTAssertTrue(missing.text.contains(":"), "the other file is still searched")

        let directory = try sluice(["grep", "error", fixture("text")])
        XCTAssertEqual(directory.status, 2)
        XCTAssertEqual(directory.stderr, "sluice: \(fixture("text")): Is a directory\n")

        let truncated = try sluice(["grep", "-c", "", fixture("gzip/truncated-body.gz")])
        XCTAssertEqual(truncated.status, 2)
        XCTAssertEqual(truncated.stderr, "sluice: \(fixture("gzip/truncated-body.gz")): truncated gzip input at byte 1923\n")
        let decoded = try String(contentsOfFile: fixture("gzip/truncated-body.expected"), encoding: .utf8)
        XCTAssertEqual(truncated.text, "\(decoded.split(separator: "\n", omittingEmptySubsequences: false).count)\n",
                       "lines decoded before the fault are counted, the partial last one too")

        let badRegex = try sluice(["grep", "-P", "(unclosed", fixture("text/lf.log")])
        XCTAssertEqual(badRegex.status, 2)
        XCTAssertTrue(badRegex.stderr.hasPrefix("sluice: grep: invalid pattern '(unclosed'"), badRegex.stderr)
        let badERE = try sluice(["grep", "-E", "(unclosed", fixture("text/lf.log")])
        XCTAssertEqual(badERE.status, 2)
        XCTAssertEqual(badERE.stderr, "sluice: grep: Unmatched ( or \\(\n")

        let quietMissing = try sluice(["grep", "-s", "error", "nope.log"])
        XCTAssertEqual(quietMissing.status, 2)
        XCTAssertEqual(quietMissing.stderr, "")

        let quietMatch = try sluice(["grep", "-q", "error", fixture("text/lf.log"), "nope.log"])
        XCTAssertEqual(quietMatch.status, 0, "-q with a match is 0 even when another file is missing")
    }

    func testUnreadableFile() throws {
        try XCTSkipIf(geteuid() == 0, "root reads any file: EACCES cannot happen")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("secret.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x\n".utf8), attributes: [.posixPermissions: 0]))
        let r = try sluice(["grep", "x", path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "sluice: \(path): Permission denied\n")
    }

    /// `zcat` (`gzip -dc`) warns about trailing garbage and exits 2; so does sluice.
    func testTrailingGarbageWarnsAndExitsTwoAsZcat() throws {
        let r = try sluice(["cat", fixture("gzip/trailing-garbage.gz")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("warning: 17 trailing bytes"), r.stderr)
    }

    func testBrokenPipeIsQuiet() throws {
        let r = try shell("yes 'a line of text to search' | head -c 50000000 > /tmp/sluice-bp-$$ && $SLUICE grep line /tmp/sluice-bp-$$ | head -1; s=${PIPESTATUS[0]}; rm -f /tmp/sluice-bp-$$; echo status $s >&2")
        XCTAssertEqual(r.text, "a line of text to search\n")
        XCTAssertFalse(r.stderr.contains("sluice:"), r.stderr)
    }

    func testUsageErrorsSuggestAndExitTwo() throws {
        let verb = try sluice(["grpe", "x"])
        XCTAssertEqual(verb.status, 2)
        XCTAssertTrue(verb.stderr.contains("did you mean 'grep'?"), verb.stderr)
        let option = try sluice(["grep", "--ignore-cas", "x"])
        XCTAssertEqual(option.status, 2)
        XCTAssertTrue(option.stderr.contains("--ignore-case"), option.stderr)
        XCTAssertTrue(option.stderr.hasPrefix("sluice: grep: "), option.stderr)
        XCTAssertTrue(option.stderr.contains("See 'sluice grep --help'"), "points at the verb's help: \(option.stderr)")
        let help = try sluice(["help", "grep"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.text.contains("--invert-match"))
        XCTAssertEqual(try sluice(["grep", "--help"]).status, 0)
        XCTAssertEqual(try sluice(["cat", "x", "then", "cat"]).status, 2)
        XCTAssertEqual(try sluice(["count", "then", "head"]).status, 2)
    }

    func testExitStatusFollowsGrep() throws {
        XCTAssertEqual(try sluice(["grep", "error", fixture("text/lf.log")]).status, 0)
        XCTAssertEqual(try sluice(["grep", "zzzz-none", fixture("text/lf.log")]).status, 1)
        // The status is the last stage's, as a shell pipe's is: `grep zzzz | wc -l` succeeds with 0.
        XCTAssertEqual(try sluice(["cat", fixture("text/lf.log"), "then", "grep", "zzzz", "then", "count"]).status, 0)
        XCTAssertEqual(try sluice(["cat", fixture("text/lf.log"), "then", "count", "then", "grep", "zzzz"]).status, 2)
        XCTAssertEqual(try sluice(["grep", "error", fixture("text/lf.log"), "then", "grep", "zzzz"]).status, 1)
        XCTAssertEqual(try sluice(["grep", "zzzz", fixture("text/lf.log"), "then", "head", "-n", "1"]).status, 0)
        XCTAssertEqual(try sluice(["cat", fixture("text/empty.log")]).status, 0)
    }

    func testColorAlways() throws {
        let r = try sluice(["grep", "--color=always", "-n", "-H", "refused", fixture("text/lf.log")])
        let g = try runProgram("/usr/bin/env", ["grep", "--color=always", "-n", "-H", "refused", fixture("text/lf.log")])
        XCTAssertEqual(r.text, g.text)
        XCTAssertTrue(r.text.contains("\u{1B}[01;31m\u{1B}[K"))
    }

    /// Later stages read a stream, as through a pipe: compared with the same shell pipeline.
    func testStagesBehaveLikeAPipe() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.txt").path
        try Data("foo 1\nbar\nfoo 2\nfoo bar 3\nbaz\nfoo 4\nx\n-5\n".utf8).write(to: URL(fileURLWithPath: a))
        let cases: [([String], String)] = [
            (["cat", a, "then", "head", "-n", "2", "then", "grep", "-c", "foo"], "head -n 2 \(a) | grep -c foo"),
            (["cat", a, "then", "tail", "-n", "3", "then", "grep", "-c", "foo"], "tail -n 3 \(a) | grep -c foo"),
            (["cat", a, "then", "grep", "foo", "then", "number"], "grep foo \(a) | grep -n ''"),
            (["grep", "foo", a, "then", "grep", "-n", "bar"], "grep foo \(a) | grep -n bar"),
            (["grep", "o", a, "then", "grep", "-A1", "foo"], "grep o \(a) | grep -A1 foo"),
            (["grep", "-e", "-5", a], "grep -e -5 \(a)"),
            (["grep", "-c", "-F", "foo\nbar", a], "grep -c -F $'foo\\nbar' \(a)"),
            (["grep", "-P", "foo \\d\\z", a], "grep -P 'foo \\d\\z' \(a)"),
            (["grep", "-v", "-o", "foo", a], "grep -v -o foo \(a)"),
        ]
        for (arguments, pipeline) in cases {
            let ours = try sluice(arguments)
            let theirs = try shell(pipeline)
            XCTAssertEqual(ours.text, theirs.text, pipeline)
            XCTAssertEqual(ours.status, theirs.status, pipeline)
        }
        let fromStdin = try sluice(["grep", "-c", "-f", "-", a], stdin: Data("foo\n".utf8))
        XCTAssertEqual(fromStdin.text, "4\n", "-f - reads the patterns from standard input once")
    }
}
