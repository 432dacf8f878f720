import Foundation
import XCTest
@testable import Sluice

/// InputChunks reads a small regular file in the calling task: the oracle is FileChunks, whose
/// chunks (and errors) it must give exactly, whatever the size around one chunk.
final class InputChunksTests: XCTestCase {
    private func chunks<S: AsyncSequence>(_ s: S) async -> (chunks: [[UInt8]], error: SluiceError?) where S.Element == [UInt8] {
        var out: [[UInt8]] = []
        do {
            for try await chunk in s { out.append(chunk) }
            return (out, nil)
        } catch {
            return (out, error as? SluiceError)
        }
    }

    func testSameChunksAsFileChunksAroundOneChunk() async throws {
        let path = NSTemporaryDirectory() + "sluice-inputchunks-\(getpid())"
        defer { unlink(path) }
        var generator = SystemRandomNumberGenerator()
        for chunkSize in [1, 7, 4096] {
            for size in [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 3 * chunkSize + 5] where size >= 0 {
                let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
                XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                let oracle = await chunks(FileChunks(path: path, chunkSize: chunkSize))
                let inline = await chunks(InputChunks(FileChunks(path: path, chunkSize: chunkSize)))
                XCTAssertNil(oracle.error)
                XCTAssertNil(inline.error)
                XCTAssertEqual(inline.chunks, oracle.chunks, "size \(size), chunk \(chunkSize)")
                XCTAssertEqual(InputChunks.isSmallRegularFile(path, chunkSize: chunkSize), size <= chunkSize)
            }
        }
        // A range is read by FileChunks.
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("0123456789".utf8)))
        let range = await chunks(InputChunks(FileChunks(path: path, chunkSize: 64, offset: 3, length: 4)))
        XCTAssertEqual(range.chunks, [Array("3456".utf8)])
    }

    func testSameErrorsAsFileChunks() async {
        for path in ["/nonexistent/x.log", fixtures.path] {
            let oracle = await chunks(FileChunks(path: path))
            let inline = await chunks(InputChunks(FileChunks(path: path)))
            XCTAssertNotNil(oracle.error)
            XCTAssertEqual(inline.error, oracle.error, path)
            XCTAssertEqual(inline.chunks, [])
        }
    }

    func testReadsAFIFOThroughFileChunks() async throws {
        let path = NSTemporaryDirectory() + "sluice-inputchunks-fifo-\(getpid())"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        defer { unlink(path) }
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            let text = Array("one\ntwo\n".utf8)
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        let read = await chunks(InputChunks(FileChunks(path: path)))
        XCTAssertNil(read.error)
        XCTAssertEqual(read.chunks.flatMap { $0 }, Array("one\ntwo\n".utf8))
    }

    func testSmallFilesCloseTheirDescriptors() async throws {
        // Descriptors made once per process (the event loop's) are made before counting.
        for try await _ in FileChunks(path: fixture("text/lf.log"), chunkSize: 16) {}
        let before = openDescriptorCount()
        for _ in 0..<200 {
            for try await _ in InputChunks(FileChunks(path: fixture("text/lf.log"), chunkSize: 1 << 20)) { break }
            for try await _ in InputChunks(FileChunks(path: fixture("text/lf.log"), chunkSize: 1 << 20)) {}
        }
        XCTAssertEqual(openDescriptorCount(), before)
    }
}
