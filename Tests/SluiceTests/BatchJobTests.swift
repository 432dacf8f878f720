import Foundation
import Sluice
import Synchronization
import SluiceFoundation
import XCTest

/// The library calls a batch job makes: captures, a tee, file sinks, per-file concurrency,
/// FileHandle and Pipe sources. Oracles: Swift's Regex on the same lines, the bytes written,
/// gzip(1) and the files' contents.
final class BatchJobTests: XCTestCase {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "sluice-batch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func shell(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, command)
    }

    // MARK: Captures

    func testCapturesNumberedAndNamedMatchAnOracle() throws {
        let lines = [
            "Failed password for invalid user admin from 10.0.0.1 port 22",
            "Failed password for root from 192.168.1.7 port 22",
            "Accepted password for bob from 10.0.0.2 port 22",
            "Failed password for  from x",
        ]
        let ere = try GrepPattern(#"Failed password for (invalid user )?(\S+) from (\S+)"#)
        let perl = try GrepPattern(#"Failed password for (?:invalid user )?(?<user>\S+) from (?<ip>\S+)"#, syntax: .perl)
        let oracle = try Regex(#"Failed password for (invalid user )?(\S+) from (\S+)"#)
        for text in lines {
            let line = Line(Array(text.utf8))
            let m = try ere.firstMatch(in: line)
            let o = text.firstMatch(of: oracle)
            XCTAssertEqual(m == nil, o == nil, text)
            guard let m, let o else { continue }
            XCTAssertEqual(m.count, 4)
            XCTAssertEqual(m[0].map(String.init), String(o.output[0].substring!), text)
            for g in 1...3 {
                XCTAssertEqual(m[g].map(String.init), o.output[g].substring.map(String.init), "\(text) group \(g)")
            }
            let p = try XCTUnwrap(perl.firstMatch(in: line))
            XCTAssertEqual(p["user"].map(String.init), String(o.output[2].substring!))
            XCTAssertEqual(p["ip"].map(String.init), String(o.output[3].substring!))
            XCTAssertEqual(p.range(named: "ip"), m.range(3))
            XCTAssertNil(p["nosuch"])
            XCTAssertEqual(try ere.matches(line), true)
        }
        // A group that took no part is nil; groups past the last exist.
        let m = try XCTUnwrap(ere.firstMatch(in: Line(Array(lines[1].utf8))))
        XCTAssertNil(m[1])
        XCTAssertNil(m[7])
    }

    func testCapturesUseLeftmostLongestForPOSIXAndPerlForP() throws {
        let line = Line(Array("xabcdy".utf8))
        let ere = try GrepPattern("(ab|abcd)(.?)")
        XCTAssertEqual(try ere.firstMatch(in: line)?[0], "abcdy", "grep -oE prints the longest extent")
        XCTAssertEqual(try ere.firstMatch(in: line)?[1], "abcd")
        let perl = try GrepPattern("(ab|abcd)(.?)", syntax: .perl)
        XCTAssertEqual(try perl.firstMatch(in: line)?[0], "abc", "Perl: the first alternative")
        let bre = try GrepPattern(#"\(a\)\(b\)*"#, syntax: .basic)
        XCTAssertEqual(try bre.firstMatch(in: line)?[1], "a")
        // All matches, left to right, as grep -o gives them.
        let words = try GrepPattern("[a-z]+=([0-9]+)")
        let all = try words.matches(in: Line(Array("a=1 bb=22 c= d=333".utf8)))
        XCTAssertEqual(all.map { String($0[0]!) }, ["a=1", "bb=22", "d=333"])
        XCTAssertEqual(all.map { String($0[1]!) }, ["1", "22", "333"])
        // A list of fixed strings has group 0 only.
        let fixed = try GrepPattern(["needle", "pin"], syntax: .fixed)
        let f = try XCTUnwrap(fixed.firstMatch(in: Line(Array("a pin and a needle".utf8))))
        XCTAssertEqual(f[0], "pin")
        XCTAssertEqual(f.count, 1)
        XCTAssertNil(try fixed.firstMatch(in: Line(Array("nothing".utf8))))
    }

    // MARK: Tee

    func testInspectSeesEveryBatchWithoutALock() async throws {
        var bytes: [UInt8] = []
        for i in 0..<50_000 { bytes += Array("line \(i)\n".utf8) }
        var seen = 0
        var selected = 0
        let pattern = try GrepPattern("7$")
        for try await batch in ChunkedBytes(bytes: bytes, size: 4096).lineBatches().inspect({ seen += $0.lineCount }).grep(pattern) {
            selected += batch.lineCount
        }
        XCTAssertEqual(seen, 50_000)
        XCTAssertEqual(selected, 5_000)
    }

    // MARK: Sinks

    func testWriteToFileOwnsFlushesAndCloses() async throws {
        let dir = try folder()
        var bytes: [UInt8] = []
        for i in 0..<100_000 { bytes += Array("row \(i)\n".utf8) }
        let written = try await ChunkedBytes(bytes: bytes, size: 10_000).write(toFile: dir + "/out")
        XCTAssertEqual(written, Int64(bytes.count))
        XCTAssertEqual(Array(FileManager.default.contents(atPath: dir + "/out")!), bytes)
        // Appending, then a gzip sink that gzip(1) reads back.
        try await ChunkedBytes(bytes: Array("tail\n".utf8), size: 3).write(toFile: dir + "/out", append: true)
        XCTAssertEqual(Array(FileManager.default.contents(atPath: dir + "/out")!), bytes + Array("tail\n".utf8))
        try await ChunkedBytes(bytes: bytes, size: 65536).gzip(level: 6).write(toFile: dir + "/out.gz")
        try shell("gzip -dc '\(dir)/out.gz' | cmp - '\(dir)/out' 2>/dev/null; test $(gzip -dc '\(dir)/out.gz' | wc -c) -eq \(bytes.count)")
        // A writer dropped without close() still flushes and closes.
        do {
            let writer = try OutputWriter(path: dir + "/dropped")
            try writer.write(Array("kept\n".utf8))
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/dropped", encoding: .utf8), "kept\n")
        // A file that cannot be created is an error value naming it.
        do {
            try await ChunkedBytes(bytes: bytes, size: 100).write(toFile: dir + "/no/such/dir/file")
            XCTFail("expected an error")
        } catch let error as SluiceError {
            XCTAssertEqual(error.kind, .io)
            XCTAssertEqual(error.errno, ENOENT)
            XCTAssertEqual(error.path, dir + "/no/such/dir/file")
        }
        // A full disk is an error value: /dev/full fails every write with ENOSPC.
        do {
            try await ChunkedBytes(bytes: bytes, size: 100).write(toFile: "/dev/full")
            XCTFail("expected ENOSPC")
        } catch let error as SluiceError {
            XCTAssertEqual(error.kind, .write)
            XCTAssertEqual(error.errno, ENOSPC)
        }
        // A FileHandle sink leaves the handle open.
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/handle", contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/handle"))
        try await ChunkedBytes(bytes: Array("one\n".utf8), size: 2).write(to: handle)
        try handle.write(contentsOf: Data("two\n".utf8))
        try handle.close()
        XCTAssertEqual(try String(contentsOfFile: dir + "/handle", encoding: .utf8), "one\ntwo\n")
    }

    // MARK: Per-file concurrency

    func testMapFilesKeepsInputOrderBoundsConcurrencyAndReportsErrorsAsValues() async throws {
        let dir = try folder()
        var paths: [String] = []
        var expected: [Int?] = []
        for i in 0..<40 {
            let path = dir + "/f\(String(format: "%02d", i)).log"
            let text = (0..<(i * 37 % 500)).map { "entry \($0) \($0 % 3 == 0 ? "ERROR" : "ok")\n" }.joined()
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            if i % 4 == 1 { try shell("gzip -f '\(path)' && mv '\(path).gz' '\(path)'") }
            paths.append(path)
            expected.append(text.split(separator: "\n").filter { $0.hasSuffix("ERROR") }.count)
        }
        paths.insert(dir + "/missing.log", at: 5)
        expected.insert(nil, at: 5)
        try shell("printf 'entry 1 ERROR\\n' | gzip | head -c 20 > '\(dir)/cut.gz'")
        paths.append(dir + "/cut.gz")
        expected.append(nil)
        let pattern = try GrepPattern("ERROR$")
        let running = Locked2()
        let results = await InputFiles(paths).mapFiles(maxConcurrent: 3) { name, lines in
            running.enter()
            defer { running.leave() }
            var n = 0
            for try await batch in lines.grep(pattern) { n += batch.lineCount }
            return (name, n)
        }
        XCTAssertEqual(results.count, paths.count)
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let (name, n)):
                XCTAssertEqual(name, paths[i])
                XCTAssertEqual(n, expected[i], paths[i])
            case .failure(let error):
                XCTAssertNil(expected[i], "\(paths[i]): \(error)")
                let failure = try XCTUnwrap(error as? SluiceError)
                XCTAssertEqual(failure.path, paths[i])
                XCTAssertEqual(failure.kind, i == 5 ? .io : .truncated)
            }
        }
        XCTAssertLessThanOrEqual(running.peak, 3)
        XCTAssertGreaterThanOrEqual(running.peak, 1)
    }

    func testInputFilesWithoutAHandlerThrowsTheFirstFailure() async throws {
        let dir = try folder()
        try "a\n".write(toFile: dir + "/a", atomically: false, encoding: .utf8)
        var lines = 0
        do {
            for try await batch in InputFiles([dir + "/a", dir + "/missing", dir + "/a"]).lineBatches() { lines += batch.lineCount }
            XCTFail("a missing file must not be skipped silently")
        } catch let error as SluiceError {
            XCTAssertEqual(error.kind, .io)
            XCTAssertEqual(error.path, dir + "/missing")
        }
        XCTAssertEqual(lines, 1)
    }

    // MARK: Foundation sources

    func testFileHandleAndPipeSourcesNameTheirErrors() async throws {
        let dir = try folder()
        try shell("seq 1 100000 | gzip > '\(dir)/whole.gz'; head -c 20000 '\(dir)/whole.gz' > '\(dir)/cut.gz'")
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: dir + "/whole.gz"))
        var count = 0
        for try await batch in try FileChunks(fileHandle: handle, name: "whole.gz").decompressed().lineBatches() { count += batch.lineCount }
        XCTAssertEqual(count, 100_000)
        let cut = try XCTUnwrap(FileHandle(forReadingAtPath: dir + "/cut.gz"))
        do {
            for try await _ in try FileChunks(fileHandle: cut, name: "cut.gz").decompressed().lineBatches() {}
            XCTFail("expected truncation")
        } catch let error as SluiceError {
            XCTAssertEqual(error.kind, .truncated)
            XCTAssertEqual(error.description, "cut.gz: truncated gzip input at byte 20000")
        }
        // A child's gzip output through a Pipe.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "seq 1 50000 | gzip -1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var total = 0
        var last = ""
        for try await batch in try FileChunks(pipe: pipe, name: "child").decompressed().lineBatches() {
            total += batch.lineCount
            for line in batch { last = String(line) }
        }
        process.waitUntilExit()
        XCTAssertEqual(total, 50_000)
        XCTAssertEqual(last, "50000")
        // URLs.
        var viaURL = 0
        for try await batch in InputFiles(urls: [URL(fileURLWithPath: dir + "/whole.gz")]).lineBatches() { viaURL += batch.lineCount }
        XCTAssertEqual(viaURL, 100_000)
    }
}

/// Counts closures running at once, and the most seen.
private final class Locked2: Sendable {
    private let state = Mutex<(now: Int, peak: Int)>((0, 0))
    func enter() { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var peak: Int { state.withLock { $0.peak } }
}
