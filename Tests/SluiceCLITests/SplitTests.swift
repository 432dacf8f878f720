import Foundation
import XCTest

/// `--split I/N`, `--split-bytes START:LENGTH` and `sluice splits` through the binary: the
/// splits of real logs concatenated are the file (BGZF against `bgzip -d`, zstd frames against
/// `zstd -d`), `grep -c` summed over the planned splits is GNU grep's count, plain gzip is one
/// split, and what cannot be split fails with status 2. The Spark example runs when pyspark is
/// importable.
final class SplitTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A log of a few thousand lines of varied length, some long, CRLF in places, no final LF.
    private func makeLog() throws -> String {
        var text = ""
        for i in 0..<5000 {
            let body = String(repeating: "abcdefgh", count: [0, 1, 3, 20, 300][i % 5])
            text += "2024-05-13T10:\(i % 60):00Z host app[\(i)]: \(i % 7 == 0 ? "ERROR" : "info") \(body)\(i % 11 == 0 ? "\r" : "")\n"
        }
        text += "last line without newline ERROR"
        let p = path("app.log")
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    private func concatenatedSplits(_ file: String, _ n: Int) throws -> Data {
        var whole = Data()
        for i in 1...n {
            let r = try sluice(["cat", "--split", "\(i)/\(n)", file])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            whole += r.stdout
        }
        return whole
    }

    func testSplitsConcatenateToTheFile() throws {
        let log = try makeLog()
        let content = try Data(contentsOf: URL(fileURLWithPath: log))
        for n in [1, 2, 3, 5, 8, 13, 16] { XCTAssertEqual(try concatenatedSplits(log, n), content, "\(n) splits") }
        // The demo logs (real-looking syslog lines), the plain one and the gzip ones.
        let demo = fixture("demo/app.log")
        let demoContent = try Data(contentsOf: URL(fileURLWithPath: demo))
        for n in [2, 7, 16] { XCTAssertEqual(try concatenatedSplits(demo, n), demoContent, "demo in \(n) splits") }
    }

    func testBGZFAndZstdFrames() throws {
        let log = try makeLog()
        let content = try Data(contentsOf: URL(fileURLWithPath: log))
        let bgzf = path("app.log.bgz"), zst = path("app.log.zst"), gz = path("app.log.gz")
        // Frames of 100 KB that cut lines in the middle, concatenated as `cat a.zst b.zst` makes them.
        let made = try shell("bgzip -c \(log) > \(bgzf) && gzip -c \(log) > \(gz) && mkdir \(path("parts")) && cd \(path("parts")) && " +
                             "split -b 100000 \(log) part. && for f in part.*; do zstd -q -c $f; done > \(zst)")
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertEqual(try shell("bgzip -dc \(bgzf)").stdout, content, "the bgzip oracle")
        XCTAssertEqual(try shell("zstd -dc \(zst)").stdout, content, "the zstd oracle")
        let planned = try sluice(["splits", "--size", "4K", bgzf, zst, gz])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let rows = try planned.text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(Set(rows.map { $0["codec"] as! String }), ["bgzf", "zstd", "gzip"])
        XCTAssertGreaterThan(rows.filter { $0["codec"] as! String == "bgzf" }.count, 2)
        XCTAssertGreaterThan(rows.filter { $0["codec"] as! String == "zstd" }.count, 2)
        XCTAssertEqual(rows.filter { $0["codec"] as! String == "gzip" }.map { $0["split"] as! String }, ["1/1"])
        for file in [bgzf, zst, gz] {
            for n in [1, 3, 8] { XCTAssertEqual(try concatenatedSplits(file, n), content, "\(file) in \(n) splits") }
            // The planned splits, read by byte range, give the same lines.
            var whole = Data()
            for row in rows where row["path"] as! String == file {
                let r = try sluice(["cat", "--split-bytes", "\(row["offset"] as! Int):\(row["length"] as! Int)", file])
                XCTAssertEqual(r.status, 0, r.stderr)
                let same = try sluice(["cat", "--split", row["split"] as! String, file])
                XCTAssertEqual(r.stdout, same.stdout, "\(row)")
                whole += r.stdout
            }
            XCTAssertEqual(whole, content, file)
        }
        // A plain gzip file cannot be entered in the middle: split 1 reads it, the others nothing.
        for i in 2...4 { XCTAssertEqual(try sluice(["cat", "--split", "\(i)/4", gz]).stdout, Data()) }
    }

    func testGrepCountSumsToGNUGrep() throws {
        let log = try makeLog()
        let expected = Int(try shell("grep -c ERROR \(log)").text.trimmingCharacters(in: .whitespacesAndNewlines))!
        let planned = try sluice(["splits", "--size", "50K", log])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        var total = 0, tasks = 0
        for line in planned.text.split(separator: "\n") {
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(row["codec"] as? String, "none")
            let r = try sluice(["grep", "-c", "--split-bytes", "\(row["offset"] as! Int):\(row["length"] as! Int)", "ERROR", log])
            XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr)
            total += Int(r.text.trimmingCharacters(in: .whitespacesAndNewlines))!
            tasks += 1
        }
        XCTAssertGreaterThan(tasks, 5)
        XCTAssertEqual(total, expected)
        // count and head take the option too.
        var lines = 0
        for i in 1...4 { lines += Int(try sluice(["count", "--split", "\(i)/4", log]).text.trimmingCharacters(in: .whitespacesAndNewlines))! }
        XCTAssertEqual("\(lines)\n", try sluice(["count", log]).text)
        let head = try sluice(["head", "-n", "1", "--split", "1/4", log])
        XCTAssertEqual(head.text, try shell("head -n 1 \(log)").text)
    }

    func testWhatCannotBeSplitFailsLoudly() throws {
        let log = try makeLog()
        let cases: [([String], Data?, String)] = [
            (["cat", "--split", "1/2"], Data("x\n".utf8), "standard input is not a regular file"),
            (["cat", "--split", "0/2", log], nil, "--split"),
            (["cat", "--split", "3/2", log], nil, "--split"),
            (["cat", "--split", "a/b", log], nil, "--split"),
            (["cat", "--split-bytes", "10", log], nil, "--split-bytes"),
            (["cat", "--split", "1/2", "--split-bytes", "0:10", log], nil, "cannot both be given"),
            (["cat", log, "then", "grep", "--split", "1/2", "x"], nil, "belong to the first stage"),
            (["grep", "-n", "--split", "1/2", "x", log], nil, "cannot be used with --split"),
            (["splits"], nil, "standard input cannot be split"),
        ]
        for (arguments, stdin, message) in cases {
            let r = try sluice(arguments, stdin: stdin)
            XCTAssertEqual(r.status, 2, "\(arguments)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stdout, Data(), "\(arguments)")
        }
        // A FIFO cannot be entered in the middle either.
        let fifo = path("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let r = try sluice(["grep", "-c", "--split", "1/2", "x", fifo])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("not a regular file"), r.stderr)
        // Standard input redirected from a regular file can be split.
        let fromFile = try shell("\"$SLUICE\" count --split 1/1 < \(log)")
        XCTAssertEqual(fromFile.text, try sluice(["count", log]).text, fromFile.stderr)
    }

    /// The PySpark example against one process, in local[2] (skipped without pyspark).
    func testSparkExample() throws {
        let probe = try shell("python3 -c 'import pyspark' && java -version")
        try XCTSkipIf(probe.status != 0, "pyspark is not importable (pip install pyspark) or Java is missing: the Spark example is not run")
        let log = try makeLog()
        let folder = path("rotated")
        let made = try shell("mkdir \(folder) && cp \(log) \(folder)/app.log && gzip -c \(log) > \(folder)/app.log.1.gz && bgzip -c \(log) > \(folder)/app.log.2.bgz")
        XCTAssertEqual(made.status, 0, made.stderr)
        let script = packageRoot.appendingPathComponent("Examples/Spark/sluice_job.py").path
        let r = try runProgram("/usr/bin/env", ["python3", script, "--sluice", sluiceBinary, "--master", "local[2]", "--split-size", "64K",
                                                "--pattern", "ERROR", "--capture", "app\\[(?<n>[0-9]*7)\\]", "--key", "n", folder],
                               timeout: 240)
        XCTAssertEqual(r.status, 0, r.text + r.stderr)
        let expected = Int(try shell("grep -c ERROR \(log)").text.trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertTrue(r.text.contains("\(folder)/app.log:\(expected)\n"), r.text)
        XCTAssertEqual(r.text.components(separatedBy: "results equal").count, 4, r.text)
    }
}
