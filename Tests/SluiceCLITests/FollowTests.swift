import Foundation
import XCTest

/// `sluice tail -F` against a writer that appends numbered lines fast while it rotates the file
/// every way logs are rotated: afterwards every line must appear exactly once and in order.
final class FollowTests: XCTestCase {
    /// Appends numbered lines through a descriptor of its own, as a logging process does.
    final class Writer {
        private(set) var path: String
        var fd: Int32 = -1
        var next = 1
        init(path: String) { self.path = path; reopen() }
        func reopen() { if fd >= 0 { close(fd) }; fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644) }
        /// Writes to another file from now on (a daemon pointed at a new log).
        func retarget(_ newPath: String) { path = newPath; reopen() }
        func write(_ count: Int, burst: Int = 50) {
            var written = 0
            while written < count {
                let n = min(burst, count - written)
                let text = (0..<n).map { String(format: "line %07d\n", next + $0) }.joined()
                next += n
                written += n
                _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
                usleep(200)
            }
        }
    }

    /// Runs `sluice tail` on `path` with stdout collected by a reader thread.
    final class Follower: @unchecked Sendable {
        // @unchecked Sendable: `data` is only touched with `lock` held; `process` is used from
        // the test's thread only.
        let process = Process()
        private let lock = NSLock()
        private var data = Data()
        /// `executable`: sluice unless named (GNU tail, run the same way as an oracle); `directory`: where it runs.
        init(_ arguments: [String], environment: [String: String] = [:], executable: String? = nil,
             directory: URL? = nil) throws {
            process.executableURL = URL(fileURLWithPath: executable ?? sluiceBinary)
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = directory }
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            process.environment = env
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let handle = pipe.fileHandleForReading
            Thread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return }
                    lock.lock(); data.append(chunk); lock.unlock()
                }
            }.start()
        }
        /// Everything printed so far.
        var output: String {
            lock.lock(); defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self)
        }
        /// Waits until what was printed ends with `suffix` (or `seconds` pass).
        func waitForOutput(endingWith suffix: String, seconds: Double = 20) {
            let deadline = Date().addingTimeInterval(seconds)
            while !output.hasSuffix(suffix) && Date() < deadline {
                if !process.isRunning { usleep(50_000); return }  // what it printed is all there is
                usleep(5_000)
            }
        }
        var lines: [String] {
            lock.lock(); defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        /// Waits until the line numbered `n` was printed.
        func waitFor(_ n: Int, seconds: Double = 20) -> Bool {
            let target = String(format: "line %07d", n)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if lines.last == target || lines.suffix(200).contains(target) { return true }
                usleep(10_000)
            }
            return false
        }
        /// Waits until at least `count` lines were printed (or `seconds` pass).
        func waitForLineCount(_ count: Int, seconds: Double = 5) {
            let deadline = Date().addingTimeInterval(seconds)
            while lines.count < count && Date() < deadline { usleep(10_000) }
        }
        /// Waits until the follower has set at least `count` inotify watches (on a missing file's
        /// folder; on a file and its folder), so that following has begun and a change made now
        /// is one it must see. A readiness marker read from `/proc`, not a fixed sleep; fails the
        /// test at the deadline.
        func waitUntilWatching(_ count: Int = 1, seconds: Double = 20, file: StaticString = #filePath, line: UInt = #line) {
            let deadline = Date().addingTimeInterval(seconds)
            var seen = 0
            while Date() < deadline {
                seen = Self.inotifyWatches(of: process.processIdentifier)
                if seen >= count { return }
                usleep(5_000)
            }
            XCTFail("the follower set \(seen) inotify watches in \(seconds) s, not \(count)", file: file, line: line)
        }
        /// The inotify watches process `pid` holds, from `/proc/PID/fdinfo` (one `inotify wd:` line each).
        static func inotifyWatches(of pid: Int32) -> Int {
            let fdDirectory = "/proc/\(pid)/fd"
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { return 0 }
            var watches = 0
            for fd in descriptors {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fdDirectory + "/" + fd),
                      target == "anon_inode:inotify",
                      let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8) else { continue }
                watches += info.split(separator: "\n").filter { $0.hasPrefix("inotify wd:") }.count
            }
            return watches
        }
        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Writes at a high rate right up to each rotation and straight after it. Between rotations
    /// the follower is let catch up, as with real rotation intervals: a file created and gone
    /// again between two looks cannot be read by any follower.
    func torture(environment: [String: String], arguments: [String]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("app.log").path
        let writer = Writer(path: path)
        writer.write(500)
        let follower = try Follower(["tail", "-F", "-n", "+1"] + arguments + [path], environment: environment)
        defer { follower.stop() }
        XCTAssertTrue(follower.waitFor(500), "started")

        // Rename and create; the writer adds lines to the old file just after the rename.
        writer.write(2000)
        XCTAssertEqual(rename(path, path + ".1"), 0)
        writer.write(30)
        writer.reopen()
        writer.write(2000)
        XCTAssertTrue(follower.waitFor(writer.next - 1), "caught up after the rename")

        // Delete and re-create.
        writer.write(1000)
        XCTAssertEqual(unlink(path), 0)
        writer.reopen()
        writer.write(2000)
        XCTAssertTrue(follower.waitFor(writer.next - 1), "caught up after delete and re-create")

        // Truncate and regrow past the old size before the follower looks again: it is stopped
        // meanwhile, so only the content (not the size) can tell it the file was rewritten.
        kill(follower.process.processIdentifier, SIGSTOP)
        XCTAssertEqual(ftruncate(writer.fd, 0), 0)
        writer.write(4000, burst: 4000)
        kill(follower.process.processIdentifier, SIGCONT)
        XCTAssertTrue(follower.waitFor(writer.next - 1), "caught up after truncate-and-regrow")

        // copytruncate: lines written between the copy and the truncation are lost by design
        // (none are written in that window here).
        let copied = try FileManager.default.contentsOfFile(path)
        try copied.write(to: URL(fileURLWithPath: path + ".2"))
        XCTAssertEqual(ftruncate(writer.fd, 0), 0)
        writer.write(2000)
        XCTAssertTrue(follower.waitFor(writer.next - 1), "saw the last line")

        let lines = follower.lines
        let numbers = lines.compactMap { Int($0.dropFirst(5)) }
        XCTAssertEqual(numbers.count, lines.count, "only whole numbered lines")
        let expected = Array(1..<writer.next)
        let seen = Set(numbers)
        let missing = expected.filter { !seen.contains($0) }
        let repeated = numbers.count - seen.count
        let outOfOrder = zip(numbers, numbers.dropFirst()).filter { $0 >= $1 }.count
        XCTAssertTrue(missing.isEmpty && repeated == 0 && outOfOrder == 0,
                      "\(missing.count) lines lost (first \(missing.prefix(5))), \(repeated) repeated, \(outOfOrder) out of order, of \(expected.count)")
    }

    func testTortureWithInotify() throws {
        try torture(environment: [:], arguments: [])
    }

    func testTortureWithPolling() throws {
        try torture(environment: ["SLUICE_NO_INOTIFY": "1"], arguments: ["-s", "0.02"])
    }

    /// Out of inotify watches: the folder is watched but the file is not, so it is polled.
    func testTortureWithWatchesExhausted() throws {
        try torture(environment: ["SLUICE_MAX_INOTIFY_WATCHES": "1"], arguments: ["-s", "0.02"])
    }

    func testPartialLineIsHeldUntilItsNewline() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("first\nsec".utf8)))
        let follower = try Follower(["tail", "-F", path])
        defer { follower.stop() }
        follower.waitForLineCount(1)
        follower.waitUntilWatching(2)
        XCTAssertEqual(follower.lines, ["first"])
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data("ond\n".utf8))
        try handle.close()
        follower.waitForLineCount(2)
        XCTAssertEqual(follower.lines, ["first", "second"])
    }

    func testFileThatAppearsLaterIsReadFromItsStart() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("later.log").path
        let follower = try Follower(["tail", "-F", "-n", "0", path])
        defer { follower.stop() }
        follower.waitUntilWatching()
        try Data("one\ntwo\n".utf8).write(to: URL(fileURLWithPath: path + ".tmp"))
        XCTAssertEqual(rename(path + ".tmp", path), 0)
        follower.waitForLineCount(2)
        XCTAssertEqual(follower.lines, ["one", "two"])
    }

    /// A followed file that is missing or empty when following begins, and is then written
    /// compressed (a growing `.gz`: members appended, or one member written with sync flushes),
    /// is decoded, not printed as compressed bytes; one written as text still keeps its lines
    /// whole.
    func testFileEmptyOrMissingAtStartThenCompressedIsDecoded() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func gzip(_ text: String) throws -> Data {
            let r = try runProgram("/bin/gzip", ["-c"], stdin: Data(text.utf8))
            XCTAssertEqual(r.status, 0)
            return r.stdout
        }
        func append(_ path: String, _ data: Data) throws {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            handle.write(data)
            try handle.close()
        }
        for startsEmpty in [true, false] {
            let path = dir.appendingPathComponent("grow-\(startsEmpty).log.gz").path
            if startsEmpty { XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data())) }
            let follower = try Follower(["tail", "-F", "-n", "5", path])
            defer { follower.stop() }
            follower.waitUntilWatching(startsEmpty ? 2 : 1)
            if !startsEmpty { XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data())) }
            try append(path, gzip("one\ntwo\n"))
            follower.waitForLineCount(2)
            try append(path, gzip("three\n"))
            follower.waitForLineCount(3)
            XCTAssertEqual(follower.lines, ["one", "two", "three"], "starts empty: \(startsEmpty)")
        }
        // One gzip member written as it goes, flushed after each line (Python's GzipFile.flush).
        let streamed = dir.appendingPathComponent("streamed.gz").path
        let follower = try Follower(["tail", "-F", "-n", "5", streamed])
        defer { follower.stop() }
        follower.waitUntilWatching()
        let writer = try runProgram("/usr/bin/python3", ["-c", """
            import gzip, sys, time
            f = open(sys.argv[1], 'wb'); g = gzip.GzipFile(fileobj=f, mode='wb')
            for i in range(4):
                g.write(b'row %d\\n' % i); g.flush(); f.flush(); time.sleep(0.1)
            time.sleep(1.0)
            """, streamed])
        XCTAssertEqual(writer.status, 0, writer.stderr)
        follower.waitForLineCount(4)
        XCTAssertEqual(follower.lines, ["row 0", "row 1", "row 2", "row 3"])
        // Text into a file that was empty: lines whole, a partial line held until its LF.
        let text = dir.appendingPathComponent("text.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: text, contents: Data()))
        let plain = try Follower(["tail", "-F", text])
        defer { plain.stop() }
        plain.waitUntilWatching(2)
        try append(text, Data("a\nb".utf8))
        plain.waitForLineCount(1)
        usleep(100_000)  // lets the follower read the partial "b" on its own (the test holds either way)
        try append(text, Data("c\n".utf8))
        plain.waitForLineCount(2)
        XCTAssertEqual(plain.lines, ["a", "bc"])
    }

    /// Several followed files as GNU tail prints them: each file's first part whole and in the
    /// order of the operands (an empty file's header in its place, none for a missing one),
    /// then lines as they are added, with a header when the file changes, and nothing more when
    /// following is stopped. GNU `tail` is run the same way as the oracle. Before, the first
    /// parts came in the order their readers finished, an empty file's header came last, and
    /// stopping printed a header for every file.
    func testSeveralFilesFirstPartsInOrderThenAsTheyComeAsGNUTail() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func reset() throws {
            let fm = FileManager.default
            for name in ["e", "a", "five", "big1", "big2", "missing"] { try? fm.removeItem(at: dir.appendingPathComponent(name)) }
            try Data().write(to: dir.appendingPathComponent("e"))
            try Data("a1\na2\n".utf8).write(to: dir.appendingPathComponent("a"))
            try Data((1...5).map { "\($0)\n" }.joined().utf8).write(to: dir.appendingPathComponent("five"))
            // First parts of many batches each: read by readers that race.
            for big in ["big1", "big2"] {
                try Data((1...30_000).map { "\(big) line \($0)\n" }.joined().utf8).write(to: dir.appendingPathComponent(big))
            }
        }
        func append(_ line: String, to name: String) {
            let fd = open(dir.appendingPathComponent(name).path, O_WRONLY | O_APPEND)
            _ = "\(line)\n".withCString { Glibc.write(fd, $0, strlen($0)) }
            close(fd)
        }
        let cases: [(args: [String], appends: [(String, String)])] = [
            (["-f", "-n", "2", "e", "a", "five"], [("e", "x1"), ("a", "y1"), ("a", "y2"), ("five", "z1")]),
            (["-f", "-n", "+1", "big1", "e", "big2", "a"], [("a", "y1"), ("big1", "b1")]),
            (["-F", "-n", "3", "missing", "a", "e", "five"], [("five", "z1"), ("e", "x1")]),
            (["-f", "-n", "1", "a", "e"], [("e", "x1"), ("e", "x2"), ("a", "y1")]),
            (["-f", "-c", "3", "five", "a"], [("a", "y1")]),
        ]
        for (args, appends) in cases {
            try reset()
            let first = try shell("cd \(dir.path) && tail \(args.filter { $0 != "-f" && $0 != "-F" }.joined(separator: " ")) 2>/dev/null").text
            /// The output once the first parts are printed, after each added line (each awaited
            /// before the next is added) and after the stop.
            func outputs(_ follower: Follower) -> [String] {
                var seen: [String] = []
                follower.waitForOutput(endingWith: first)
                seen.append(follower.output)
                for (name, line) in appends {
                    append(line, to: name)
                    follower.waitForOutput(endingWith: line + "\n")
                    seen.append(follower.output)
                }
                follower.stop()
                seen.append(follower.output)
                return seen
            }
            // The oracle: GNU tail, followed the same way.
            let expected = outputs(try Follower(args, executable: "/usr/bin/tail", directory: dir))
            XCTAssertEqual(expected[0], first, "GNU tail \(args): its first parts are what tail without -f prints")
            for run in 0..<3 {
                try reset()
                let got = outputs(try Follower(["tail"] + args, directory: dir))
                XCTAssertEqual(got.dropLast(), expected.dropLast(), "sluice tail \(args), run \(run): output after each step")
                XCTAssertEqual(got.last, expected.dropLast().last, "sluice tail \(args), run \(run): nothing more when stopped")
            }
        }
    }

    func testPidEndsFollowing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x\n".utf8)))
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["0.5"]
        try sleeper.run()
        let follower = try Follower(["tail", "-f", "--pid", String(sleeper.processIdentifier), path])
        sleeper.waitUntilExit()
        let deadline = Date().addingTimeInterval(5)
        while follower.process.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(follower.process.isRunning, "following stops when the process ends")
    }

    func testTailOfLastLinesReadsBackwards() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big.log").path
        let r = try shell("seq 1 2000000 > \(path) && $SLUICE tail -n 10 \(path)")
        XCTAssertEqual(r.text, (1999991...2000000).map(String.init).joined(separator: "\n") + "\n")
    }
    /// A FIFO named as a file is read as a stream from its first byte: the start-up looks at it
    /// with a `stat` only (opening it would wait for a writer, and reading its first bytes to
    /// look for a magic number would take them from the stream). GNU tail is the oracle.
    func testTailOfFifoReadsEveryByte() throws {
        let r = try shell("""
            d=$(mktemp -d); mkfifo "$d/plain" "$d/gz"
            seq 1 3000 > "$d/text"; gzip -c "$d/text" > "$d/text.gz"
            cat "$d/text" > "$d/plain" & w1=$!
            cat "$d/text.gz" > "$d/gz" & w2=$!
            timeout 20 $SLUICE tail -n +1 "$d/plain" > "$d/out"; echo "status $?"
            timeout 20 $SLUICE tail -n 3 "$d/gz"; echo "status $?"
            tail -n +1 "$d/text" | cmp - "$d/out" && echo same
            kill $w1 $w2 2>/dev/null; rm -rf "$d"
            """)
        XCTAssertEqual(r.text, "status 0\n2998\n2999\n3000\nstatus 0\nsame\n", r.stderr)
    }

    /// A line still being written when its file is rotated is never spliced with the new file's
    /// lines: late writes complete it, and the new file's unfinished line waits for its LF.
    func testPartialLineAtRotationStaysWhole() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("one\ntwo-part".utf8)))
        let follower = try Follower(["tail", "-F", "-n", "+1", path])
        defer { follower.stop() }
        follower.waitForLineCount(1)
        XCTAssertEqual(follower.lines, ["one"])
        XCTAssertEqual(rename(path, path + ".1"), 0)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("new1\nne".utf8)))
        follower.waitForLineCount(2)
        let old = FileHandle(forWritingAtPath: path + ".1")!
        old.seekToEndOfFile()
        old.write(Data("-late\n".utf8))
        try old.close()
        let current = FileHandle(forWritingAtPath: path)!
        current.seekToEndOfFile()
        current.write(Data("w2\n".utf8))
        try current.close()
        follower.waitForLineCount(4)
        XCTAssertEqual(Set(follower.lines), ["one", "two-part-late", "new1", "new2"], "\(follower.lines)")
        XCTAssertEqual(follower.lines.count, 4, "\(follower.lines)")
    }

    /// A followed file truncated while its last line has no LF: that line ends there.
    func testPartialLineAtTruncationEndsThere() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("a\nunfinished".utf8)))
        let follower = try Follower(["tail", "-F", "-n", "+1", path])
        defer { follower.stop() }
        follower.waitForLineCount(1)
        try Data("b\n".utf8).write(to: URL(fileURLWithPath: path))  // truncated and rewritten, shorter
        follower.waitForLineCount(3)
        XCTAssertEqual(follower.lines, ["a", "unfinished", "b"])
    }
}

extension FileManager {
    func contentsOfFile(_ path: String) throws -> Data {
        guard let data = contents(atPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        return data
    }

}
