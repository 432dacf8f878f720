import Foundation
import XCTest

/// Binary files and `-r`/`-R` against GNU grep 3.8, in `LC_ALL=C` and `LC_ALL=C.UTF-8`:
/// standard output, standard error (after the program name) and exit status must agree.
/// Compressed inputs are compared with GNU grep on their decompressed twins (same names).
final class BinaryAndRecursiveTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// One comparison: GNU grep in `grepDir`, sluice in `sluiceDir`, same arguments (or `sluiceArgs`).
    struct Case {
        var args: [String]
        var sluiceArgs: [String]? = nil
        var grepDir: String
        var sluiceDir: String
        var locale = "C"
        var input: String? = nil  // a file fed on standard input (by redirection)
        var pipe: String? = nil   // a file fed through a pipe
    }

    /// Runs all cases in one shell script; output goes to files (GNU grep skips work when it
    /// writes to /dev/null).
    func check(_ all: [Case], file: StaticString = #filePath, line: UInt = #line) throws {
        let cases = runningUnderSanitizer ? all.enumerated().filter { $0.offset % 10 == 0 }.map(\.element) : all
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        var script = ""
        for (i, c) in cases.enumerated() {
            func command(_ program: String, _ args: [String]) -> String {
                let words = args.map(quote).joined(separator: " ")
                if let input = c.input { return "\(program) \(words) < \(quote(input))" }
                if let pipe = c.pipe { return "cat \(quote(pipe)) | \(program) \(words)" }
                return "\(program) \(words)"
            }
            script += "cd \(quote(c.grepDir)); LC_ALL=\(c.locale) \(command("grep", c.args)) > \(out.path)/\(i).grep 2>&1; echo \"status $?\" >> \(out.path)/\(i).grep\n"
            script += "cd \(quote(c.sluiceDir)); LC_ALL=\(c.locale) \(command("\"$SLUICE\" grep", c.sluiceArgs ?? c.args)) > \(out.path)/raw 2>&1; "
                + "echo \"status $?\" > \(out.path)/status; sed 's/sluice: /grep: /g' \(out.path)/raw > \(out.path)/\(i).sluice; cat \(out.path)/status >> \(out.path)/\(i).sluice\n"
        }
        let scriptFile = out.appendingPathComponent("cases.sh")
        try Data(script.utf8).write(to: scriptFile)
        let result = try shell("bash \(quote(scriptFile.path))")
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        var failures = 0
        for (i, c) in cases.enumerated() {
            let expected = try Data(contentsOf: out.appendingPathComponent("\(i).grep"))
            let ours = try Data(contentsOf: out.appendingPathComponent("\(i).sluice"))
            if expected != ours {
                failures += 1
                if failures <= 8 {
                    XCTFail("LC_ALL=\(c.locale) grep \(c.args.joined(separator: " "))\(c.input.map { " < \($0)" } ?? "")\(c.pipe.map { " (piped \($0))" } ?? "") in \(c.sluiceDir):\n--- grep\n"
                            + String(decoding: expected.suffix(700), as: UTF8.self) + "--- sluice\n" + String(decoding: ours.suffix(700), as: UTF8.self),
                            file: file, line: line)
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(cases.count) cases differ", file: file, line: line)
    }

    /// Binary inputs: a NUL in the first read, one far in (after 1 MiB, past a batch boundary,
    /// inside a line that spans two reads), one in the last line; a match right before a GNU
    /// read boundary with after-context running into the NUL's read.
    func writeBinaryInputs(_ plain: URL) throws {
        func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: plain.appendingPathComponent(name)) }
        try write("first.bin", Array("foo\u{0}bar\nfoo\nbaz foo\nbar\n\u{0}\u{0}\nfoo bar\n".utf8))
        func lines(_ count: Int, from: Int = 0) -> [UInt8] {
            var b: [UInt8] = []
            for i in from..<(from + count) { b += Array((i % 3 == 0 ? "line \(i) foo\n" : i % 3 == 1 ? "line \(i) bar\n" : "line \(i)\n").utf8) }
            return b
        }
        var far = lines(80_000)                       // about 1.1 MB
        far += Array("x\u{0}y foo\n".utf8) + lines(200, from: 80_000)
        try write("far.bin", far)
        // A NUL just after 1 MiB, and one in a line that straddles a 96 KiB boundary.
        var mib = lines(76_000)
        while mib.count < (1 << 20) + 9 { mib += Array("pad foo\n".utf8) }
        mib += Array("after\u{0}foo\n".utf8) + lines(50)
        try write("mib.bin", mib)
        var straddle = lines(6_000)
        while straddle.count < 3 * 98_304 - 20 { straddle += Array("s foo\n".utf8) }
        straddle += Array(String(repeating: "z", count: 30).utf8) + [0] + Array("foo\nend foo\n".utf8)
        try write("straddle.bin", straddle)
        var last = lines(3_000)
        last += Array("tail foo\u{0}".utf8)
        try write("last.bin", last)
        var context: [UInt8] = []
        while context.count < 98_304 - 10 { context += Array("ctx \(context.count)\n".utf8) }
        context += Array("MATCH foo\nc1\nc2\u{0}c3\nc4\nc5\n".utf8) + Array(repeating: Array("z\n".utf8), count: 50).flatMap { $0 }
        try write("context.bin", context)
        try write("text.log", lines(500))
        try write("empty.log", [])
        // Compressed-looking bytes over several batches (NUL, LF and CR among them), the literal
        // in a few pieces only, next to a NUL, and split by a NUL, a LF or a CR where it must
        // not match: pieces are counted from one search per batch where it finds nothing.
        var state: UInt32 = 12345
        var sparse: [UInt8] = []
        for i in 0..<3_200_000 {
            state = state &* 1_103_515_245 &+ 12345
            sparse.append(UInt8(truncatingIfNeeded: state >> 16))
            if i % 700_001 == 350_000 { sparse += Array("\u{0}foo\u{0}bar foo\nfo\u{0}o f\no fo\ro ".utf8) }
        }
        try write("sparse.bin", sparse)
    }

    func testBinaryFilesAsGNU() throws {
        let plain = dir.appendingPathComponent("plain"), gz = dir.appendingPathComponent("gz")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: gz, withIntermediateDirectories: true)
        try writeBinaryInputs(plain)
        XCTAssertEqual(try shell("cd \(plain.path) && for f in *; do gzip -c \"$f\" > \(gz.path)/\"$f\"; done").status, 0)
        let files = ["first.bin", "far.bin", "mib.bin", "straddle.bin", "last.bin", "context.bin", "sparse.bin", "text.log", "empty.log"]
        let options: [[String]] = [
            [], ["-c"], ["-l"], ["-L"], ["-q"], ["-v"], ["-o"], ["-n"], ["-b"], ["-x"], ["-c", "-v"], ["-m", "3"], ["-A", "2"],
            ["-n", "-A", "4"], ["-I"], ["-I", "-c"], ["-I", "-L"], ["-I", "-l"], ["-a"], ["-a", "-c"], ["--binary-files=text"],
            ["--binary-files=without-match"], ["--binary-files=binary"], ["-U"], ["-H", "-B", "1"], ["-s"], ["-c", "-m", "2"],
            ["-I", "-a"], ["-a", "-I"], ["-w"], ["-i", "-n"],
            // Of -l and -L the last one counts (differential seed 20261203).
            ["-l", "-L"], ["-L", "-l"], ["--files-with-matches", "-L", "-c"],
        ]
        var cases: [Case] = []
        for locale in ["C", "C.UTF-8"] {
            // The UTF-8 locale changes matching, not binary handling: a third of the options there.
            for (n, o) in options.enumerated() where locale == "C" || n % 3 == 0 {
                let pattern = ["foo", "bar", "o.b", "^", "MATCH"][n % 5]
                for file in files {
                    cases.append(Case(args: o + [pattern, file], grepDir: plain.path, sluiceDir: plain.path, locale: locale))
                }
                cases.append(Case(args: o + [pattern] + files, grepDir: plain.path, sluiceDir: plain.path, locale: locale))
                // Compressed, against the decompressed twins.
                cases.append(Case(args: o + [pattern] + files, grepDir: plain.path, sluiceDir: gz.path, locale: locale))
                // Standard input: a regular file read as a file is, a pipe with its NUL in the first read.
                cases.append(Case(args: o + [pattern], grepDir: plain.path, sluiceDir: plain.path, locale: locale, input: "far.bin"))
                cases.append(Case(args: o + [pattern], grepDir: plain.path, sluiceDir: plain.path, locale: locale, pipe: "first.bin"))
                cases.append(Case(args: o + ["--label=in", "-H", pattern], grepDir: plain.path, sluiceDir: plain.path, locale: locale,
                                  pipe: "first.bin"))
            }
        }
        try check(cases)
    }

    /// In a UTF-8 locale GNU grep prints no line that is not valid UTF-8 to the C library (a
    /// Latin-1 byte, a truncated, overlong or surrogate form; glibc takes five- and six-byte
    /// forms and values above U+10FFFF): the line is still selected (numbered, counted, `-m`),
    /// and `NAME: binary file matches` follows the file's other lines. `-o` checks only the
    /// match; `-c`, `-l`, `-q` and the C locale are unaffected. Before, Sluice printed such lines.
    func testLinesNotValidUTF8AsGNU() throws {
        let plain = dir.appendingPathComponent("plain"), gz = dir.appendingPathComponent("gz")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: gz, withIntermediateDirectories: true)
        func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: plain.appendingPathComponent(name)) }
        let forms: [[UInt8]] = [[0xE9], [0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80], [0xFF], [0x80],
                                [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80],
                                [0xF0, 0x8F, 0xBF, 0xBF], [0xC3, 0xA9], [0xE2, 0x82, 0xAC]]
        var latin: [UInt8] = []
        for (i, f) in forms.enumerated() {
            latin += Array("user foo \(i) ".utf8) + f + Array(" end\n".utf8)
            latin += Array("clean foo \(i)\n".utf8)
        }
        try write("forms.log", latin)
        // Undecodable lines far apart, across batches and GNU reads, one last without a newline.
        var big: [UInt8] = []
        for i in 0..<60_000 { big += Array((i % 997 == 0 ? "caf" : "line \(i) foo ").utf8) + (i % 997 == 0 ? [0xE9] + Array(" foo\n".utf8) : [0x0A]) }
        big += Array("last foo ".utf8) + [0xE9]
        try write("big.log", big)
        // Only undecodable lines match: status 0, nothing printed but the message.
        try write("only.log", Array("a foo ".utf8) + [0xE9, 0x0A] + Array("b bar\n".utf8))
        // An undecodable line, then a NUL further on: the NUL's message once.
        var nul: [UInt8] = Array("x foo ".utf8) + [0xE9, 0x0A]
        while nul.count < 200_000 { nul += Array("pad foo\n".utf8) }
        nul += Array("z\u{0} foo\nfoo\n".utf8)
        try write("nul.bin", nul)
        try write("text.log", Array("foo\nbar\n".utf8))
        XCTAssertEqual(try shell("cd \(plain.path) && for f in *; do gzip -c \"$f\" > \(gz.path)/\"$f\"; done").status, 0)
        let files = ["forms.log", "big.log", "only.log", "nul.bin", "text.log"]
        let options: [[String]] = [[], ["-n"], ["-v"], ["-m", "3"], ["-m", "1", "-n"], ["-H", "-b"], ["--color=always"], ["-o"],
                                   ["-o", "-b"], ["-c"], ["-l"], ["-L"], ["-q"], ["-a"], ["-x", "-v"], ["-i"], ["-w"], ["-F"], ["-s"]]
        var cases: [Case] = []
        for locale in ["C.UTF-8", "C"] {
            // (The C locale prints every line: a third of the options there.)
            for (n, o) in options.enumerated() where locale == "C.UTF-8" || n % 3 == 0 {
                let pattern = ["foo", "o", "e.d", "^"][n % 4]
                for file in files {
                    cases.append(Case(args: o + [pattern, file], grepDir: plain.path, sluiceDir: plain.path, locale: locale))
                }
                cases.append(Case(args: o + [pattern] + files, grepDir: plain.path, sluiceDir: plain.path, locale: locale))
                cases.append(Case(args: o + [pattern] + files, grepDir: plain.path, sluiceDir: gz.path, locale: locale))
                cases.append(Case(args: o + [pattern], grepDir: plain.path, sluiceDir: plain.path, locale: locale, pipe: "forms.log"))
            }
        }
        // The same file twice is two files: GNU separates their context groups with `--`.
        for locale in ["C.UTF-8", "C"] {
            cases.append(Case(args: ["-C", "1", "foo", "text.log", "text.log"], grepDir: plain.path, sluiceDir: plain.path, locale: locale))
            cases.append(Case(args: ["-A", "0", "-n", "o", "text.log", "text.log", "text.log"], grepDir: plain.path, sluiceDir: gz.path, locale: locale))
        }
        try check(cases)
        // A later stage sees what the earlier one printed, as a pipe does: `grep | grep -c`.
        for locale in ["C.UTF-8", "C"] {
            for (first, second) in [("foo", "-c user"), ("-v zzz", "-c foo"), ("o", "-n e")] {
                let ours = try shell("cd \(plain.path) && LC_ALL=\(locale) $SLUICE grep \(first) forms.log then grep \(second); echo \"status $?\"")
                let gnu = try shell("cd \(plain.path) && LC_ALL=\(locale) grep \(first) forms.log | LC_ALL=\(locale) grep \(second); echo \"status $?\"")
                XCTAssertEqual(ours.text, gnu.text, "\(locale): grep \(first) then grep \(second)")
                XCTAssertEqual(ours.stderr.replacingOccurrences(of: "sluice: ", with: "grep: "), gnu.stderr,
                               "\(locale): grep \(first) then grep \(second)")
            }
        }
        // Where GNU prints other lines than those around an unprinted one (context), or exits 0
        // having printed nothing (-I), Sluice refuses: status 2, after the lines before it.
        for args in [["-A", "1", "foo", "forms.log"], ["-C", "2", "foo", "forms.log"], ["-B", "1", "-n", "foo", "big.log"],
                     ["-I", "foo", "only.log"]] {
            let ours = try sluice(["grep"] + args, directory: plain, environment: ["LC_ALL": "C.UTF-8"])
            XCTAssertEqual(ours.status, 2, args.joined(separator: " "))
            XCTAssertTrue(ours.stderr.contains("is not valid UTF-8"), ours.stderr)
            // The same options in the C locale are GNU's, and agree.
            let c = try sluice(["grep"] + args, directory: plain, environment: ["LC_ALL": "C"])
            XCTAssertEqual(c.status, 0, args.joined(separator: " "))
        }
    }

    /// `cat` passes NUL bytes on; a later grep stage reads the stream as a pipe (GNU: `cat f | grep`).
    func testCatIsUnaffectedAndLaterStagesSeeBinary() throws {
        let plain = dir.appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        try writeBinaryInputs(plain)
        let raw = try Data(contentsOf: plain.appendingPathComponent("first.bin"))
        XCTAssertEqual(try sluice(["cat", plain.appendingPathComponent("first.bin").path]).stdout, raw)
        let ours = try shell("cd \(plain.path) && $SLUICE cat first.bin then grep foo; echo \"status $?\"")
        let gnu = try shell("cd \(plain.path) && cat first.bin | grep foo; echo \"status $?\"")
        XCTAssertEqual(ours.text, gnu.text)
        XCTAssertEqual(ours.stderr, "sluice: (standard input): binary file matches\n")
        XCTAssertEqual(gnu.stderr, "grep: (standard input): binary file matches\n")
        let count = try shell("cd \(plain.path) && $SLUICE cat first.bin then grep -c foo")
        XCTAssertEqual(count.text, try shell("cd \(plain.path) && cat first.bin | grep -c foo").text)
    }

    /// Builds the same tree twice: `gz` with some files gzip-compressed, `plain` with those
    /// files decompressed in place (same names, same directory order).
    func makeTrees() throws -> (plain: URL, gz: URL) {
        let plain = dir.appendingPathComponent("plain"), gz = dir.appendingPathComponent("gz")
        let build = """
        set -e
        for root in \(quote(plain.path)) \(quote(gz.path)); do
          mkdir -p "$root"; cd "$root"
          mkdir -p logs/old logs/deep/er/est empty-dir bin skip-me
          printf 'ERROR one\\ninfo\\nERROR two\\n' > logs/app.log
          printf 'warn\\nERROR rotated\\n' | gzip > logs/old/app.log.1.gz
          seq 1 200000 | sed 's/^\\(.*7\\)$/ERROR \\1/' | gzip > logs/old/big.log.2.gz
          seq 1 300000 | sed 's/^\\(.*3\\)$/ERROR \\1/' > logs/deep/er/est/big.txt
          printf 'ERROR deep\\n' > logs/deep/er/est/n.txt
          : > logs/empty.log
          : > empty-dir/.keep
          printf 'ELF\\0\\0ERROR\\n' > bin/prog
          printf 'ERROR skipped\\n' > skip-me/x.log
          printf 'ERROR \\0 gz binary\\n' | gzip > bin/blob.gz
          printf 'x\\n' > 'logs/name with space.log'
          ln -s ../logs/app.log bin/link-to-file
          ln -s ../logs/deep bin/link-to-dir
          ln -s .. logs/deep/loop
          ln -s nowhere logs/dangling
          for i in $(seq 1 40); do printf "ERROR $i\\nok\\n" > logs/many-$i.log; done
        done
        cd \(quote(plain.path))
        for f in $(find . -name '*.gz' -type f); do gzip -dc "$f" > \(quote(dir.path))/tmp.out; cat \(quote(dir.path))/tmp.out > "$f"; done
        """
        let result = try shell(build)
        XCTAssertEqual(result.status, 0, result.stderr)
        return (plain, gz)
    }

    func testRecursiveAsGNU() throws {
        let (plain, gz) = try makeTrees()
        let options: [[String]] = [
            ["-r"], ["-R"], ["-rc"], ["-Rc"], ["-rl"], ["-rL"], ["-rn"], ["-rh"], ["-rH"], ["-r", "-o"], ["-rv", "-c"],
            ["-r", "--include=*.log"], ["-r", "--exclude=*.log"], ["-r", "--include=*.log", "--exclude=many-*"],
            ["-r", "--exclude=many-*", "--include=*.log"], ["-r", "--exclude-dir=deep"], ["-r", "--exclude-dir=skip*", "--exclude-dir=old"],
            ["-r", "-I"], ["-rs"], ["-Rs"], ["-r", "-m", "1"], ["-d", "recurse"], ["-d", "skip"], ["-d", "read"], ["-r", "-q"],
            ["-R", "-l", "--include=*.gz"], ["-r", "-c", "--exclude-dir=logs"], ["-r", "-a", "-c"], ["-ri", "error"],
        ]
        var cases: [Case] = []
        for locale in ["C", "C.UTF-8"] {
            for (n, o) in options.enumerated() where locale == "C" || n % 4 == 0 {
                let pattern = o.last == "error" ? [] : ["ERROR"]
                for operands in [[], ["."], ["logs"], ["logs/", "bin"], ["bin/link-to-dir"], ["logs/app.log"], ["logs/app.log", "bin"]] {
                    if o == ["-d", "read"] || o == ["-d", "skip"], operands.isEmpty { continue }  // standard input
                    cases.append(Case(args: o + pattern + operands, grepDir: plain.path, sluiceDir: gz.path, locale: locale))
                }
            }
        }
        // Without -r: a directory FILE is an error (read) or skipped, globs still apply to FILEs.
        for o in [[], ["-d", "skip"], ["--exclude=*.log"], ["--include=*.txt"], ["--exclude=logs/*"], ["--exclude-dir=logs", "-r"]] {
            cases.append(Case(args: o + ["ERROR", "logs/app.log", "logs", "logs/deep/er/est/n.txt"], grepDir: plain.path, sluiceDir: gz.path))
        }
        try check(cases)
    }

    /// -Z, -T, --group-separator, --no-group-separator, --line-buffered, --no-ignore-case, -s,
    /// --label, -y, -U, against GNU grep (on files, standard input and a walked tree).
    func testOtherOptionsAsGNU() throws {
        let (plain, gz) = try makeTrees()
        let files = ["logs/app.log", "logs/empty.log", "logs/many-1.log", "logs/deep/er/est/big.txt", "nope.log"]
        let options: [[String]] = [
            ["-Z"], ["-Zl"], ["-ZL"], ["-Zc"], ["-Z", "-n", "-A", "1"], ["-T"], ["-T", "-n"], ["-T", "-n", "-b"], ["-T", "-H", "-o", "-b"],
            ["-T", "-c"], ["-T", "-n", "-C", "1"], ["-A", "1", "--group-separator=::"], ["-A", "1", "--group-separator="],
            ["-A", "1", "--group-separator", "<>"], ["-B", "1", "--no-group-separator"], ["--line-buffered", "-n"],
            ["-i", "--no-ignore-case"], ["--no-ignore-case", "-i", "-c"], ["-y", "-c"], ["-s"], ["-s", "-c"], ["-U", "-c"],
            ["-rZ"], ["-rTn"],
        ]
        var cases: [Case] = []
        for o in options {
            let operands = o.contains(where: { $0.hasPrefix("-r") }) ? ["logs"] : files
            // -T pads to the digits of the file's size: a compressed file's differs from its twin's.
            cases.append(Case(args: o + ["ERROR"] + operands, grepDir: plain.path, sluiceDir: o.contains("-rTn") ? plain.path : gz.path))
            cases.append(Case(args: o + ["--label=in", "-H", "ERROR"], grepDir: plain.path, sluiceDir: plain.path, input: "logs/app.log"))
        }
        cases.append(Case(args: ["-T", "-n", "ERROR"], grepDir: plain.path, sluiceDir: plain.path, pipe: "logs/deep/er/est/big.txt"))
        try check(cases)
    }

    /// `--exclude-from` reads globs from a file; a missing one is an error (status 2).
    func testExcludeFrom() throws {
        let (plain, gz) = try makeTrees()
        try Data("many-*\n*.txt\n".utf8).write(to: dir.appendingPathComponent("globs"))
        let globs = dir.appendingPathComponent("globs").path
        try check([
            Case(args: ["-r", "--exclude-from=\(globs)", "ERROR"], grepDir: plain.path, sluiceDir: gz.path),
            Case(args: ["-r", "--include=many-1*", "--exclude-from", globs, "-c", "ERROR", "logs"], grepDir: plain.path, sluiceDir: gz.path),
        ])
        let missing = try sluice(["grep", "-r", "--exclude-from=/nonexistent/globs", "x", dir.path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/globs: No such file or directory"), missing.stderr)
    }
}
