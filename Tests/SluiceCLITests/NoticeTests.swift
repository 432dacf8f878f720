import Foundation
import XCTest

/// The library never prints: the notices and warnings users see come from the command line,
/// which passes its own handlers. These tests make sure that moving the printing out of the
/// library lost none of them.
final class NoticeTests: XCTestCase {
    /// `tail -F` says that a followed file was truncated, as GNU tail does
    /// (`tail: NAME: file truncated`).
    func testFollowReportsTruncation() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("app.log").path
        try "first line\nsecond line\n".write(toFile: path, atomically: false, encoding: .utf8)
        let errPath = dir.appendingPathComponent("err").path
        XCTAssertTrue(FileManager.default.createFile(atPath: errPath, contents: nil))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sluiceBinary)
        process.arguments = ["tail", "-F", "-s", "0.05", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        let expected = "sluice: \(path): file truncated"
        var seen = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            // Truncate until the follower has noticed (it may not have opened the file yet).
            let fd = open(path, O_WRONLY | O_TRUNC)
            if fd >= 0 { _ = "x\n".withCString { write(fd, $0, 2) }; close(fd) }
            usleep(200_000)
            seen = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            if seen.contains(expected) { break }
            try "first line\nsecond line\nthird line\n".write(toFile: path, atomically: false, encoding: .utf8)
            usleep(200_000)
        }
        XCTAssert(seen.contains(expected), "stderr: \(seen)")
    }

    /// Trailing garbage after gzip data: the warning names the input.
    func testTrailingGarbageWarningNamesTheInput() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("t.gz").path
        let gz = try runProgram("/bin/sh", ["-c", "printf 'a\\nb\\n' | gzip -c > '\(path)'; printf 'JUNKJUNK' >> '\(path)'"])
        XCTAssertEqual(gz.status, 0)
        let result = try runProgram(sluiceBinary, ["cat", path])
        XCTAssertEqual(result.text, "a\nb\n")
        XCTAssert(result.stderr.contains("\(path): warning: 8 trailing bytes after gzip data"), result.stderr)
    }
}
