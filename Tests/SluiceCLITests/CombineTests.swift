import Foundation
import XCTest

/// `--partial` and `sluice combine` through the binary: the partial results of N = 1…8 splits
/// of several generated files, given to combine in a shuffled order, print what one process
/// over the files prints (and GNU `grep -c`, `wc -l`, `sort | uniq -c` agree with it); what does
/// not add up (mixed kinds or options, a result cut short, a split missing or given twice,
/// lines that are not records) fails with status 2 and prints nothing.
final class CombineTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Files of logfmt-ish lines of random length (empty lines, lines longer than a split, CR,
    /// no final LF in one), an empty file and a file that never matches.
    private func makeFiles(seed: UInt64) throws -> [String] {
        var random = SplitMix(state: seed)
        let users = ["alice", "bob", "carol", "dave", "eve", "mallory"]
        var files: [String] = []
        for f in 0..<3 {
            var text = ""
            for i in 0..<(300 + random.int(400)) {
                switch random.int(10) {
                case 0: text += "\n"
                case 1: text += "level=info msg=\"" + String(repeating: "x", count: 2000 + random.int(3000)) + "\"\n"
                default:
                    let level = ["info", "warn", "error"][random.int(3)]
                    text += "level=\(level) user=\(users[random.int(users.count)]) n=\(i) msg=\"\(String(repeating: "ab", count: random.int(40)))\"" +
                        (random.int(9) == 0 ? "\r\n" : "\n")
                }
            }
            // One file's last line has no LF (the last file's: a middle one would run on into the next).
            if f == 2 { text += "level=error user=zed tail" }
            let name = path("app-\(f).log")
            try Data(text.utf8).write(to: URL(fileURLWithPath: name))
            files.append(name)
        }
        let empty = path("empty.log"), quiet = path("quiet.log")
        try Data().write(to: URL(fileURLWithPath: empty))
        try Data("nothing to see\nhere\n".utf8).write(to: URL(fileURLWithPath: quiet))
        return [files[0], empty, files[1], quiet, files[2]]
    }

    /// Runs `arguments` (the worker's words, `--partial` added) once per split I/N, and
    /// combines the results in a shuffled order, half of them as files and half on standard input.
    private func combined(_ words: [String], files: [String], splits n: Int, seed: UInt64 = 1) throws -> Outcome {
        var results: [Data] = []
        for i in 1...n {
            let r = try sluice(words + ["--partial", "--split", "\(i)/\(n)"] + files)
            XCTAssertTrue([0, 1, 2].contains(r.status), "\(words) split \(i)/\(n): \(r.stderr)")
            results.append(r.stdout)
        }
        var random = SplitMix(state: seed &+ UInt64(n))
        for k in stride(from: results.count - 1, to: 0, by: -1) { results.swapAt(k, random.int(k + 1)) }
        var named: [String] = []
        var piped = Data()
        for (k, result) in results.enumerated() {
            if k % 2 == 0 {
                let name = path("part-\(n)-\(k).jsonl")
                try result.write(to: URL(fileURLWithPath: name))
                named.append(name)
            } else {
                piped += result
            }
        }
        return try sluice(["combine"] + named + (piped.isEmpty ? [] : ["-"]), stdin: piped)
    }

    private func assertSame(_ a: Outcome, _ b: Outcome, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.text, b.text, what, file: file, line: line)
        XCTAssertEqual(a.status, b.status, "\(what): status; \(a.stderr) | \(b.stderr)", file: file, line: line)
        XCTAssertEqual(a.stderr, b.stderr, what, file: file, line: line)
    }

    func testGrepCountCombinesAsOneProcessForOneToEightSplits() throws {
        let files = try makeFiles(seed: 7)
        let gnu = try runProgram("/usr/bin/grep", ["-c", "level=error"] + files)
        for (words, inputs) in [(["grep", "-c", "level=error"], files), (["grep", "-c", "-h", "user=bob"], files),
                                (["grep", "-c", "-H", "-v", "user=bob"], [files[0]]), (["grep", "-c", "-m", "5", "-E", "warn|zed"], files),
                                (["grep", "-c", "never-there"], files), (["grep", "-c", "-Z", "-i", "LEVEL=WARN"], files)] {
            let single = try sluice(words + inputs)
            XCTAssertTrue(single.status == 0 || single.status == 1, single.stderr)
            for n in 1...8 { assertSame(try combined(words, files: inputs, splits: n), single, "\(words) in \(n) splits") }
        }
        // The single process is GNU grep's answer.
        XCTAssertEqual(try sluice(["grep", "-c", "level=error"] + files).text, gnu.text)
        XCTAssertEqual(try combined(["grep", "-c", "never-there"], files: files, splits: 3).status, 1)
    }

    func testCountAndCountByCombineAsOneProcess() throws {
        let files = try makeFiles(seed: 11)
        let single = try sluice(["count"] + files)
        // `cat | wc -l` counts line feeds: the last file's unterminated line is one more.
        let wc = Int(try shell("cat \(files.joined(separator: " ")) | wc -l").text.trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertEqual(single.text, "\(wc + 1)\n")
        let byUser = ["grep", "-P", "user=(?<user>\\w+)"] + files + ["then", "count", "--by", "user"]
        let oracle = try shell("grep -ohP 'user=\\K\\w+' \(files.joined(separator: " ")) | sort | uniq -c | sort -k1,1nr -k2,2 | awk '{printf \"%7d %s\\n\", $1, $2}'")
        XCTAssertEqual(try sluice(byUser).text, oracle.text)
        for n in 1...8 {
            assertSame(try combined(["count"], files: files, splits: n), single, "count in \(n) splits")
            for extra in [[], ["--top", "3"], ["--json"]] {
                // The worker's words: the grep stage reads the split; count --by is the last stage.
                let words = ["grep", "-P", "user=(?<user>\\w+)"]
                var results = Data()
                for i in 1...n {
                    let r = try sluice(words + ["--split", "\(i)/\(n)"] + files + ["then", "count", "--by", "user", "--partial"] + extra)
                    XCTAssertEqual(r.status, 0, r.stderr)
                    results = r.stdout + results
                }
                let c = try sluice(["combine"], stdin: results)
                assertSame(c, try sluice(byUser + extra), "count --by \(extra) in \(n) splits")
            }
            // count --by a field, as the first stage.
            assertSame(try combined(["count", "--by", "level,user"], files: files, splits: n),
                       try sluice(["count", "--by", "level,user"] + files), "count --by fields in \(n) splits")
        }
    }

    func testSplitsPlannedByByteRangeWithInputIndexes() throws {
        var files = try makeFiles(seed: 3)
        let gz = path("rotated.log.gz"), bgz = path("big.log.bgz")
        XCTAssertEqual(try shell("gzip -c \(files[0]) > \(gz) && bgzip -c -@1 \(files[2]) > \(bgz)").status, 0)
        files += [gz, bgz]
        // One task per split of one file, as a Spark job plans them.
        let planned = try sluice(["splits", "--size", "8K"] + files)
        XCTAssertEqual(planned.status, 0, planned.stderr)
        var results = Data()
        for line in planned.text.split(separator: "\n").reversed() {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let index = files.firstIndex(of: row["path"] as! String)!
            let r = try sluice(["grep", "-c", "--partial", "--input-index", "\(index)", "--split-bytes",
                                "\(row["offset"] as! Int):\(row["length"] as! Int)", "-e", "user=carol", "--", row["path"] as! String])
            XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr)
            results += r.stdout
        }
        assertSame(try sluice(["combine"], stdin: results), try sluice(["grep", "-c", "-e", "user=carol", "--"] + files), "planned splits")
    }

    func testFaultsOfWorkersAreReportedOnce() throws {
        let files = try makeFiles(seed: 5)
        let inputs = [files[0], path("missing.log"), files[2]]
        let single = try sluice(["grep", "-c", "user=eve"] + inputs)
        XCTAssertEqual(single.status, 2)
        for n in [1, 3] { assertSame(try combined(["grep", "-c", "user=eve"], files: inputs, splits: n), single, "a missing file in \(n) splits") }
    }

    func testBinaryFilesCountedBySplitsFailUnlessReadAsText() throws {
        var text = ""
        for i in 0..<4000 { text += "line \(i) match\(i % 3 == 0 ? "\u{0}" : "") here\n" }
        let file = path("binary.log")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let r = try combined(["grep", "-c", "match"], files: [file], splits: 4)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("holds a NUL byte"), r.stderr)
        XCTAssertEqual(r.stdout, Data())
        assertSame(try combined(["grep", "-c", "-a", "match"], files: [file], splits: 4), try sluice(["grep", "-c", "-a", "match", file]), "-a")
        // A file whose last line runs on into the next one's cannot be rebuilt for count --by.
        let a = path("a.log"), b = path("b.log")
        try Data("level=info\nlevel=warn".utf8).write(to: URL(fileURLWithPath: a))
        try Data("level=error\n".utf8).write(to: URL(fileURLWithPath: b))
        let runOn = try combined(["count", "--by", "level"], files: [a, b], splits: 2)
        XCTAssertEqual(runOn.status, 2)
        XCTAssertTrue(runOn.stderr.contains("ends without a line feed"), runOn.stderr)
        // count joins the lines as cat does.
        assertSame(try combined(["count"], files: [a, b], splits: 2), try sluice(["count", a, b]), "count of a run-on line")
    }

    func testWhatDoesNotAddUpFailsLoudly() throws {
        let files = try makeFiles(seed: 9)
        func part(_ words: [String], _ split: String) throws -> String {
            let r = try sluice(words + ["--partial", "--split", split] + files)
            return r.text
        }
        let p1 = try part(["grep", "-c", "user=bob"], "1/2"), p2 = try part(["grep", "-c", "user=bob"], "2/2")
        let other = try part(["grep", "-c", "user=eve"], "2/2"), count = try part(["count"], "2/2")
        var lines = p1.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the empty piece after the last LF
        let cutShort = lines.dropLast().joined(separator: "\n") + "\n"
        let wrongEnd = lines.dropLast().joined(separator: "\n") + "\n{\"end\":99}\n"
        let cases: [(String, String, String)] = [
            ("mixed kinds", p1 + count, "does not combine"),
            ("other pattern", p1 + other, "does not combine"),
            ("a split missing", p1, "a split is missing"),
            ("a split twice", p1 + p2 + p2, "given twice"),
            ("cut short", cutShort + p2, "cut short"),
            ("cut short at the end", p2 + cutShort, "cut short"),
            ("wrong record count", wrongEnd + p2, "ends after"),
            ("not JSON", p1 + "garbage\n" + p2, "not a partial result"),
            ("a record outside", "{\"input\":0,\"count\":3}\n" + p1 + p2, "outside a partial result"),
            ("nothing", "", "no partial result"),
            ("a float count", p1.replacingOccurrences(of: "\"count\":", with: "\"count\":1.5") + p2, "not a partial result"),
        ]
        for (what, input, message) in cases {
            let r = try sluice(["combine"], stdin: Data(input.utf8))
            XCTAssertEqual(r.status, 2, what)
            XCTAssertTrue(r.stderr.contains(message), "\(what): \(r.stderr)")
            XCTAssertEqual(r.stdout, Data(), what)
        }
        XCTAssertEqual(try sluice(["combine"], stdin: Data((p2 + p1).utf8)).text, try sluice(["grep", "-c", "user=bob"] + files).text)
        // --partial is for counts, as the last stage.
        for words in [["grep", "--partial", "x", files[0]], ["grep", "-l", "-c", "--partial", "x", files[0]],
                      ["count", "--partial", files[0], "then", "count"], ["grep", "-c", "--input-index", "2", "x", files[0]]] {
            let r = try sluice(words)
            XCTAssertEqual(r.status, 2, "\(words)")
            XCTAssertEqual(r.stdout, Data(), "\(words)")
        }
    }
}
