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
                // Any size read in the calling task: the same chunks, one pread each.
                let anySize = await chunks(InputChunks(FileChunks(path: path, chunkSize: chunkSize), readsRegularFilesInline: true))
                XCTAssertNil(oracle.error)
                XCTAssertNil(inline.error)
                XCTAssertNil(anySize.error)
                XCTAssertEqual(inline.chunks, oracle.chunks, "size \(size), chunk \(chunkSize)")
                XCTAssertEqual(anySize.chunks, oracle.chunks, "any size: size \(size), chunk \(chunkSize)")
                XCTAssertEqual(InputChunks.isSmallRegularFile(path, chunkSize: chunkSize), size <= chunkSize)
            }
        }
        // A range is read by FileChunks.
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("0123456789".utf8)))
        let range = await chunks(InputChunks(FileChunks(path: path, chunkSize: 64, offset: 3, length: 4)))
        XCTAssertEqual(range.chunks, [Array("3456".utf8)])
        let anyRange = await chunks(InputChunks(FileChunks(path: path, chunkSize: 2, offset: 3, length: 4), readsRegularFilesInline: true))
        XCTAssertEqual(anyRange.chunks, [Array("34".utf8), Array("56".utf8)])
    }

    func testSameErrorsAsFileChunks() async {
        for path in ["/nonexistent/x.log", fixtures.path] {
            let oracle = await chunks(FileChunks(path: path))
            let inline = await chunks(InputChunks(FileChunks(path: path)))
            let anySize = await chunks(InputChunks(FileChunks(path: path), readsRegularFilesInline: true))
            XCTAssertNotNil(oracle.error)
            XCTAssertEqual(inline.error, oracle.error, path)
            XCTAssertEqual(anySize.error, oracle.error, path)
            XCTAssertEqual(inline.chunks, [])
        }
    }

    func testReadsAFIFOThroughFileChunks() async throws {
        let path = NSTemporaryDirectory() + "sluice-inputchunks-fifo-\(getpid())"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        defer { unlink(path) }
        writeToFIFO(path, "one\ntwo\n")
        let read = await chunks(InputChunks(FileChunks(path: path)))
        XCTAssertNil(read.error)
        XCTAssertEqual(read.chunks.flatMap { $0 }, Array("one\ntwo\n".utf8))
    }

    /// Asked to read any regular file inline, a FIFO is still left to FileChunks: its open does
    /// not block and its bytes all come (a writer that opens it later is not cut off).
    func testAnySizeLeavesAFIFOToFileChunks() async throws {
        let path = NSTemporaryDirectory() + "sluice-inputchunks-fifo2-\(getpid())"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        defer { unlink(path) }
        writeToFIFO(path, "one\ntwo\n")
        let read = await chunks(InputChunks(FileChunks(path: path), readsRegularFilesInline: true))
        XCTAssertNil(read.error)
        XCTAssertEqual(read.chunks.flatMap { $0 }, Array("one\ntwo\n".utf8))
    }

    /// A large plain file read inline and one truncated while it is read give what FileChunks
    /// gives: every byte present at each read, never a crash.
    func testAnySizeFileTruncatedWhileRead() async throws {
        let path = NSTemporaryDirectory() + "sluice-inputchunks-trunc-\(getpid())"
        defer { unlink(path) }
        let bytes = (0..<(64 << 10)).map { UInt8(truncatingIfNeeded: $0 % 251) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        var seen: [UInt8] = []
        var first = true
        for try await chunk in InputChunks(FileChunks(path: path, chunkSize: 4096), readsRegularFilesInline: true) {
            seen += chunk
            if first {
                first = false
                XCTAssertEqual(truncate(path, 10000), 0)
            }
        }
        XCTAssertEqual(seen, Array(bytes[0..<10000]))
    }

    func testSmallFilesCloseTheirDescriptors() async throws {
        // Descriptors made once per process (the event loop's) are made before counting.
        for try await _ in FileChunks(path: fixture("text/lf.log"), chunkSize: 16) {}
        // Readers of earlier tests close their descriptors on their own queue: count once that is done.
        let before = await settledDescriptorCount()
        for _ in 0..<200 {
            for try await _ in InputChunks(FileChunks(path: fixture("text/lf.log"), chunkSize: 1 << 20)) { break }
            for try await _ in InputChunks(FileChunks(path: fixture("text/lf.log"), chunkSize: 1 << 20)) {}
        }
        // Small files are read inline and closed before the loop goes on: no waiting here.
        XCTAssertEqual(openDescriptorCount(), before)
    }

    /// The number of open descriptors once it has not changed for 50 ms (at most 2 s).
    private func settledDescriptorCount() async -> Int {
        var last = openDescriptorCount()
        var stableSince = Date()
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            try? await Task.sleep(nanoseconds: 10_000_000)
            let now = openDescriptorCount()
            if now != last { last = now; stableSince = Date() } else if Date().timeIntervalSince(stableSince) >= 0.05 { break }
        }
        return last
    }
}

/// Writes `text` to the FIFO at `path` from a thread of its own (its open waits for the
/// reader), with SIGPIPE blocked in that thread: a reader that fails and closes early makes
/// the test fail, not kill the test process.
func writeToFIFO(_ path: String, _ text: String) {
    Thread {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        let fd = open(path, O_WRONLY)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }.start()
}
