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

    // MARK: The event loop, the pool, the stop

    /// A pipe whose writer never closes it ends normally once the stop is requested, with every
    /// byte written before.
    func testStopEndsAPipeThatNeverEnds() async throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[1]) }
        let line = Array("first\n".utf8)
        _ = line.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        let stop = StopToken()
        var bytes: [UInt8] = []
        for try await chunk in FileChunks(fileDescriptor: fds[0], name: "pipe", closeWhenDone: true).stopping(on: stop) {
            bytes += chunk
            stop.request()
        }
        XCTAssertEqual(bytes, line)
    }

    /// Pipes read on the event loop, many at once: each gets its own bytes, in order, and no
    /// thread is started per pipe.
    func testManyPipesAtOnce() async throws {
        let count = 200
        var pipes: [[Int32]] = []
        for _ in 0..<count {
            var fds: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&fds), 0)
            pipes.append(fds)
        }
        let before = threadCount()
        let totals = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (index, fds) in pipes.enumerated() {
                group.addTask {
                    var bytes: [UInt8] = []
                    for try await chunk in FileChunks(fileDescriptor: fds[0], name: "pipe \(index)", closeWhenDone: true) { bytes += chunk }
                    return (index, bytes)
                }
            }
            for round in 0..<20 {
                for (index, fds) in pipes.enumerated() {
                    let text = Array("pipe \(index) round \(round)\n".utf8)
                    _ = text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
                }
            }
            XCTAssertLessThanOrEqual(threadCount(), before + 4, "no thread per pipe")
            for fds in pipes { close(fds[1]) }
            var totals: [Int: [UInt8]] = [:]
            for try await (index, bytes) in group { totals[index] = bytes }
            return totals
        }
        for index in 0..<count {
            XCTAssertEqual(totals[index], Array((0..<20).map { "pipe \(index) round \($0)\n" }.joined().utf8))
        }
    }

    /// Chunk buffers are reused once the consumer has let them go: reading 32 chunks touches
    /// only a few distinct buffers.
    func testChunkBuffersAreReused() async throws {
        try XCTSkipUnless(ChunkPool.canReuse, "no reuse on this platform")
        let size = 1 << 16
        let path = NSTemporaryDirectory() + "sluice-pool-\(UUID().uuidString)"
        XCTAssert(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x61, count: size * 32)))
        defer { unlink(path) }
        var addresses = Set<UInt>()
        var total = 0
        for try await chunk in FileChunks(path: path, chunkSize: size, readAhead: 2) {
            total += chunk.count
            _ = chunk.withUnsafeBufferPointer { addresses.insert(UInt(bitPattern: $0.baseAddress)) }
        }
        XCTAssertEqual(total, size * 32)
        XCTAssertLessThanOrEqual(addresses.count, 8, "distinct buffers for 32 chunks")
    }

    /// A compressed input cut short by the caller's stop is not reported as truncated; the
    /// same input cut short without a stop is.
    func testStoppedDecoderIsNotTruncated() async throws {
        var compressed: [UInt8] = []
        let text = Array(String(repeating: "some line of text\n", count: 10_000).utf8)
        for try await chunk in ChunkedBytes(bytes: text, size: 1 << 16, emptyEvery: 0).gzip(level: 1) { compressed += chunk }
        let cut = Array(compressed.prefix(compressed.count / 2))
        var options = DecompressionOptions()
        let plain = await ChunkedBytes(bytes: cut, size: 4096, emptyEvery: 0).decompressed(options).collect()
        XCTAssertNotNil(plain.error, "a cut stream is truncated")
        let stop = StopToken()
        stop.request()
        options.stop = stop
        let stopped = await ChunkedBytes(bytes: cut, size: 4096, emptyEvery: 0).decompressed(options).collect()
        XCTAssertNil(stopped.error)
        XCTAssertEqual(stopped.bytes, Array(text.prefix(stopped.bytes.count)))
        XCTAssertGreaterThan(stopped.bytes.count, 0)
    }

    /// A DispatchIO channel the caller holds is read to its end, every byte in order.
    func testDispatchIOChannel() async throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        let expected = Array((0..<20_000).map { "line \($0)\n" }.joined().utf8)
        let writer = Thread {
            expected.withUnsafeBytes { raw in
                var at = 0
                while at < raw.count { let n = write(writeEnd, raw.baseAddress! + at, min(4096, raw.count - at)); if n <= 0 { break }; at += n }
            }
            close(writeEnd)
        }
        writer.start()
        let readEnd = fds[0]
        let channel = DispatchIO(type: .stream, fileDescriptor: readEnd, queue: .global(), cleanupHandler: { _ in close(readEnd) })
        var bytes: [UInt8] = []
        for try await chunk in FileChunks(channel: channel, name: "channel", chunkSize: 1 << 16, readAhead: 2) { bytes += chunk }
        channel.close()
        XCTAssertEqual(bytes, expected)
    }

    private func threadCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
}
