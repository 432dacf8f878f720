import Foundation
import XCTest
@testable import Sluice

final class FileChunksTests: XCTestCase {
    func testReadsWholeFileAtSeveralChunkSizes() async throws {
        let path = fixture("text/long-line.log")
        let expected = fixtureBytes("text/long-line.log")
        for size in [1 << 10, 4096, 65536, 1 << 20] {
            var chunks = 0
            var bytes: [UInt8] = []
            for try await chunk in FileChunks(path: path, chunkSize: size) {
                XCTAssertLessThanOrEqual(chunk.count, size)
                bytes += chunk
                chunks += 1
            }
            XCTAssertEqual(bytes, expected, "chunk size \(size)")
            XCTAssertEqual(chunks, (expected.count + size - 1) / size)
        }
    }

    func testByteRange() async throws {
        let (out, error) = await FileChunks(path: fixture("text/lf.log"), chunkSize: 7, offset: 100, length: 50).collect()
        XCTAssertNil(error)
        XCTAssertEqual(out, Array(fixtureBytes("text/lf.log")[100..<150]))
        let (past, _) = await FileChunks(path: fixture("text/lf.log"), offset: 1 << 30).collect()
        XCTAssertEqual(past, [])
    }

    func testTypedErrorsNameThePath() async {
        let (_, missing) = await FileChunks(path: "/nonexistent/x.log").collect()
        XCTAssertEqual(missing as? SluiceError, .io(path: "/nonexistent/x.log", operation: "open", errno: ENOENT))
        XCTAssertEqual((missing as? SluiceError)?.description, "/nonexistent/x.log: No such file or directory")
        let (_, directory) = await FileChunks(path: fixtures.path).collect()
        XCTAssertEqual(directory as? SluiceError, .io(path: fixtures.path, operation: "read", errno: EISDIR))
    }

    func testUnreadableFile() async throws {
        try XCTSkipIf(geteuid() == 0, "root reads any file: EACCES cannot happen")
        let path = NSTemporaryDirectory() + "sluice-unreadable-\(getpid())"
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8), attributes: [.posixPermissions: 0])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, error) = await FileChunks(path: path).collect()
        XCTAssertEqual(error as? SluiceError, .io(path: path, operation: "open", errno: EACCES))
    }

    func testReadsAPipeAsDataArrives() async throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        let writer = Thread {
            for i in 0..<100 {
                let line = Array("line \(i)\n".utf8)
                _ = line.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            }
            close(writeEnd)
        }
        writer.start()
        var lines = 0
        for try await _ in FileChunks(fileDescriptor: fds[0], name: "pipe", closeWhenDone: true).lines() { lines += 1 }
        XCTAssertEqual(lines, 100)
    }

    /// Dropping an iterator mid-stream, or cancelling its task, stops the reader and closes
    /// its descriptors: after many such reads, no descriptor is left open.
    func testCancellationClosesDescriptors() async throws {
        _ = InputStop.descriptor  // the process-wide stop pipe stays open: create it before counting
        let before = openDescriptorCount()
        for _ in 0..<200 {
            for try await _ in FileChunks(path: fixture("text/long-line.log"), chunkSize: 1024) { break }
        }
        for _ in 0..<50 {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            let readEnd = fds[0]
            let task = Task { @Sendable in
                var n = 0
                for try await chunk in FileChunks(fileDescriptor: readEnd, name: "idle pipe", closeWhenDone: true) { n += chunk.count }
                return n
            }
            try await Task.sleep(for: .milliseconds(2))
            task.cancel()
            let result = await task.result
            XCTAssertThrowsError(try result.get())
            close(fds[1])
        }
        try await Task.sleep(for: .milliseconds(200))  // reader threads close as they notice
        XCTAssertLessThanOrEqual(openDescriptorCount(), before + 2)
    }
}
