import Foundation
import XCTest
@testable import Sluice

/// `FollowedFile.decompressed()`: the library itself decodes a followed file that is
/// compressed from its start (now, or once written into a file that was missing or empty),
/// and never takes bytes from the middle of a text file for a magic number. The compressors
/// are the real tools; the oracle is the text they compressed.
final class DecompressedFollowedFileTests: XCTestCase {
    /// The standard output of `tool -c` on `text`.
    func compressed(_ text: String, _ tool: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let dir = NSTemporaryDirectory() + "sluice-follow-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/in"))
        process.arguments = ["-c", "\(tool) -c < \(dir)/in > \(dir)/out"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, tool)
        return Array(FileManager.default.contents(atPath: dir + "/out") ?? Data())
    }

    func append(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
        close(fd)
    }

    /// Polls `condition` until it holds or `seconds` pass.
    func waitUntil(_ what: String, seconds: Double = 10, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() && Date() < deadline { usleep(5_000) }
        XCTAssertTrue(condition(), what)
    }

    /// Whether this process has `path` open (the follower opened it).
    func isOpen(_ path: String) -> Bool {
        var file = stat()
        guard stat(path, &file) == 0 else { return false }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.contains { fd in
            var open = stat()
            return stat("/proc/self/fd/\(fd)", &open) == 0 && open.st_dev == file.st_dev && open.st_ino == file.st_ino
        }
    }

    /// Iterates `sequence` in a task; `finish` waits for its end (after a stop request), and
    /// cancels it after `seconds` so that a test cannot hang.
    struct Run {
        let task: Task<[UInt8], any Error>
        init(_ sequence: DecompressedFollowedFile) {
            task = Task {
                var out: [UInt8] = []
                for try await chunk in sequence { out += chunk }
                return out
            }
        }
        func finish(seconds: Double = 20) async throws -> [UInt8] {
            let task = self.task
            let watchdog = Task { try await Task.sleep(for: .seconds(seconds)); task.cancel() }
            defer { watchdog.cancel() }
            return try await task.value
        }
    }

    final class Notices: @unchecked Sendable {
        // @unchecked Sendable: `list` is only touched with `lock` held.
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ notice: String) { lock.lock(); list.append(notice); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
    }

    func followed(_ path: String, start: FollowedFile.Start, stop: StopToken, notices: Notices? = nil) -> FollowedFile {
        var file = FollowedFile(path: path, start: start, follow: .name, pollInterval: .milliseconds(20),
                                onNotice: { notices?.add($0) })
        file.stop = stop
        return file
    }

    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "sluice-followed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Missing when following begins, then written compressed: members appended one by one.
    func testMissingAtStartThenCompressedIsDecoded() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for tool in ["gzip", "zstd"] {
            let path = dir + "/missing-\(tool).log"
            let stop = StopToken(), notices = Notices()
            let decoded: DecompressedFollowedFile = followed(path, start: .lastLines(5), stop: stop, notices: notices).decompressed()
            let run = Run(decoded)
            waitUntil("\(tool): the follower found the file missing") { notices.all.contains { $0.hasPrefix("cannot open") } }
            append(path, try compressed("one\ntwo\n", tool))
            waitUntil("\(tool): the follower opened the file") { isOpen(path) }
            append(path, try compressed("three\n", tool))
            stop.request()
            let out = try await run.finish()
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "one\ntwo\nthree\n", tool)
        }
    }

    /// Empty when following begins (and open), then written compressed, the first byte on its
    /// own: undecided bytes are held, then go out once, in front of the rest.
    func testEmptyAtStartThenCompressedIsDecoded() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = (1...500).map { "line \($0)\n" }.joined()
        let first = try compressed(text, "gzip"), second = try compressed("last\n", "gzip")
        let path = dir + "/grow.log.gz"
        append(path, [])
        let stop = StopToken()
        let run = Run(followed(path, start: .lastLines(10), stop: stop).decompressed())
        waitUntil("the follower opened the file") { isOpen(path) }
        append(path, Array(first.prefix(1)))
        usleep(100_000)  // lets the follower read the lone byte (the test holds either way)
        append(path, Array(first.dropFirst()))
        usleep(100_000)
        append(path, second)
        stop.request()
        let out = try await run.finish()
        XCTAssertEqual(String(decoding: out, as: UTF8.self), text + "last\n")
    }

    /// Compressed when following begins: decoded from its start, whatever the start asked for.
    func testCompressedAtStartIsDecodedFromItsStart() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = (1...2000).map { "row \($0)\n" }.joined()
        for tool in ["gzip", "zstd", "xz", "bzip2"] {
            let path = dir + "/app.log.\(tool)"
            append(path, try compressed(text, tool))
            let stop = StopToken()
            stop.request()  // what the file holds, then the end
            let out = try await Run(followed(path, start: .lastLines(2), stop: stop).decompressed()).finish()
            XCTAssertEqual(String(decoding: out, as: UTF8.self), text, tool)
        }
    }

    /// Text passes through; its last lines are found as asked, and a line in its middle that
    /// starts with a magic number (bzip2's, here) is text, not a compressed stream.
    func testTextPassesThroughEvenWhenALineLooksCompressed() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/app.log"
        let text = "first\nBZh91AY&SY looks like bzip2\nlast\n"
        append(path, Array(text.utf8))
        let stop = StopToken()
        stop.request()
        let out = try await Run(followed(path, start: .lastLines(2), stop: stop).decompressed()).finish()
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "BZh91AY&SY looks like bzip2\nlast\n")

        // Decoding off: a compressed file's bytes as they are.
        let gz = dir + "/raw.gz"
        let bytes = try compressed(text, "gzip")
        append(gz, bytes)
        var off = DecompressionOptions()
        off.enabled = false
        let rawStop = StopToken()
        rawStop.request()
        let raw = try await Run(followed(gz, start: .offset(0), stop: rawStop).decompressed(off)).finish()
        XCTAssertEqual(raw, bytes)
    }
}
