import Foundation
import XCTest
@testable import Sluice
import Synchronization

/// Damaged input and inputs that change or go away while they are read: the outcome of each is
/// asserted exactly (what is output, and which error with which offset).
final class FaultTests: XCTestCase {
    /// A three-member file cut at every offset: a cut on a member boundary is a shorter valid
    /// file; any other cut (an empty input too, as for gzip) outputs everything decoded before it and then reports
    /// `truncatedGzip` at exactly the cut. A cut inside the last trailer still outputs the
    /// member's whole content.
    func testTruncationAtEveryOffset() async throws {
        let whole = fixtureBytes("gzip/three-members.gz")
        let content = fixtureBytes("gzip/three-members.expected")
        let boundaries = memberEnds(whole)
        XCTAssertEqual(boundaries.count, 3)
        var previousLength = 0
        for cut in 0..<whole.count {
            for size in [1, 64, 1 << 20] where size == 1 ? cut % 17 == 0 : true {
                let (out, error) = await ChunkedBytes(bytes: Array(whole[..<cut]), size: size).gunzip(inflater: testInflater).collect()
                XCTAssertEqual(out, Array(content.prefix(out.count)), "cut \(cut): output is not a prefix")
                if boundaries.contains(cut) {
                    XCTAssertNil(error, "cut \(cut) on a member boundary")
                } else {
                    XCTAssertEqual(error as? SluiceError, .truncatedGzip(path: nil, offset: Int64(cut)), "cut \(cut) at \(size)")
                }
                if size == 1 << 20 {
                    XCTAssertGreaterThanOrEqual(out.count, previousLength, "cut \(cut): less output than a shorter cut")
                    previousLength = out.count
                }
            }
        }
        // Inside the last member's trailer, all of its content was inflated and is output.
        let (out, error) = await ChunkedBytes(bytes: Array(whole.dropLast(3)), size: 4096).gunzip(inflater: testInflater).collect()
        XCTAssertEqual(out, content)
        XCTAssertEqual(error as? SluiceError, .truncatedGzip(path: nil, offset: Int64(whole.count - 3)))
    }

    /// Every byte of the deflate data, and of the trailer, flipped in turn: each is reported
    /// (CRC-32 and ISIZE catch what the deflate format does not), never accepted.
    func testFlippedBytesAreReported() async throws {
        let whole = fixtureBytes("gzip/single.gz")
        let headerSize = 10  // single.gz has no optional header fields
        XCTAssertEqual(whole[3], 0)
        for position in headerSize..<whole.count {
            var damaged = whole
            damaged[position] ^= 0x5A
            let (_, error) = await ChunkedBytes(bytes: damaged, size: 512).gunzip(inflater: testInflater).collect()
            let failure = error as? SluiceError
            switch failure?.kind {
            case .corrupt?:
                XCTAssertEqual(failure?.codec, .gzip)
                XCTAssertFalse((failure?.reason ?? "").isEmpty)
                XCTAssert((0...Int64(whole.count)).contains(failure?.offset ?? -1), "flip at \(position): offset \(String(describing: failure?.offset))")
            case .truncated?:
                XCTAssertEqual(failure?.codec, .gzip)
                XCTAssertEqual(failure?.offset, Int64(whole.count), "flip at \(position)")
            default:
                XCTFail("flip at \(position): \(String(describing: error))")
            }
        }
    }

    /// `1f 8b` followed by junk, and a gzip stream that starts well but turns into junk.
    func testMagicFollowedByJunk() async throws {
        let (out, error) = await ChunkedBytes(bytes: [0x1f, 0x8b, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49], size: 3)
            .gunzip(autoDetect: true, inflater: testInflater).collect()
        XCTAssertEqual(out, [])
        guard let failure = error as? SluiceError, failure.kind == .corrupt, failure.codec == .gzip, let offset = failure.offset, let reason = failure.reason else { return XCTFail("\(String(describing: error))") }
        XCTAssert((2...10).contains(offset), "inside the header: \(offset)")
        XCTAssertEqual(reason, "unknown compression method")
    }

    // MARK: Files that change while they are read

    /// A regular file is read with `pread` at increasing offsets on a descriptor opened once:
    /// - truncated while read: the stream ends at the new end of file (no error), as `cat` does;
    /// - deleted, or replaced by a rename: the descriptor still reads the original file to its end;
    /// - grown while read: bytes appended before the reader reaches the end are read too.
    func testFileTruncatedWhileRead() async throws {
        let (path, original) = try makeFile(size: 4 << 20)
        defer { unlink(path) }
        let out = try await readPausingAfterFirstChunk(path) { truncate(path, 100_000) }
        XCTAssertEqual(out, Array(original[..<100_000]))
    }

    func testFileDeletedWhileRead() async throws {
        let (path, original) = try makeFile(size: 4 << 20)
        let out = try await readPausingAfterFirstChunk(path) { unlink(path) }
        XCTAssertEqual(out, original)
    }

    func testFileReplacedWhileRead() async throws {
        let (path, original) = try makeFile(size: 4 << 20)
        let (other, _) = try makeFile(size: 1000)
        defer { unlink(path) }
        let out = try await readPausingAfterFirstChunk(path) { rename(other, path) }
        XCTAssertEqual(out, original)
        XCTAssertEqual(fileSize(path), 1000)
    }

    func testFileGrownWhileRead() async throws {
        let (path, original) = try makeFile(size: 4 << 20)
        defer { unlink(path) }
        let tail = Array("appended line\n".utf8)
        let out = try await readPausingAfterFirstChunk(path) {
            let handle = FileHandle(forWritingAtPath: path)!
            handle.seekToEndOfFile()
            handle.write(Data(tail))
            try? handle.close()
        }
        XCTAssertEqual(out, original + tail)
    }

    /// A gzip file truncated while it is inflated: the content before the cut, then
    /// `truncatedGzip` naming the file and the new size.
    func testGzipFileTruncatedWhileRead() async throws {
        let text = Array((0..<200_000).map { "line \($0) of a log that is being cut\n" }.joined().utf8)
        let path = try await makeGzipFile(text)
        defer { unlink(path) }
        var out: [UInt8] = []
        var failure: (any Error)?
        do {
            var first = true
            for try await chunk in FileChunks(path: path, chunkSize: 4096, readAhead: 2).gunzip(inflater: testInflater) {
                if first { truncate(path, 200_000); first = false }
                out += chunk
            }
        } catch { failure = error }
        XCTAssertEqual(failure as? SluiceError, .truncatedGzip(path: path, offset: 200_000), "the reader names its file in the decoder's error")
        XCTAssertGreaterThan(out.count, 0)
        XCTAssertEqual(out, Array(text.prefix(out.count)))
    }

    // MARK: Cancellation

    /// 1,000 pipelines (reader thread, inflater, splitter, grep in its own task) cancelled
    /// mid-stream, half over files and half over pipes that never end: afterwards the process
    /// holds no more descriptors and no more threads than before.
    func testThousandPipelinesCancelledMidStream() async throws {
        let path = try await makeGzipFile(Array((0..<100_000).map { "request \($0) served in \($0 % 97) ms\n" }.joined().utf8))
        defer { unlink(path) }
        let pattern = try GrepPattern(["served in 7 ms"])


        try await runPipelines(count: 4, path: path, pattern: pattern)  // warm the thread pool up
        let descriptorsBefore = openDescriptorCount()
        let threadsBefore = threadCount()
        try await runPipelines(count: 1000, path: path, pattern: pattern)
        // Readers notice the stop within one chunk or one poll. Streams have no thread of their
        // own (they wait on the event loop), so threads are Dispatch's and the concurrency
        // pool's, which may keep an idle worker or two for a while: a thread per pipeline
        // left behind would be hundreds more.
        let slack = 2
        var waited = 0
        while (threadCount() > threadsBefore || openDescriptorCount() > descriptorsBefore) && waited < 150 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        XCTAssertLessThanOrEqual(openDescriptorCount(), descriptorsBefore)
        XCTAssertLessThanOrEqual(threadCount(), threadsBefore + slack)
    }

    private func runPipelines(count: Int, path: String, pattern: GrepPattern) async throws {
        for index in 0..<count {
            let started = LineCounter()
            var pipeEnds: [Int32] = [0, 0]
            let chunks: FileChunks
            if index % 2 == 0 {
                chunks = FileChunks(path: path, chunkSize: 4096, readAhead: 2)
            } else {
                XCTAssertEqual(pipe(&pipeEnds), 0)
                let line = Array("request 1 served in 7 ms\n".utf8)
                _ = line.withUnsafeBytes { write(pipeEnds[1], $0.baseAddress, $0.count) }
                chunks = FileChunks(fileDescriptor: pipeEnds[0], name: "pipe", closeWhenDone: true, chunkSize: 4096)
            }
            let task = Task { @Sendable in
                for try await _ in chunks.gunzip(autoDetect: true, inflater: testInflater).lineBatches().grep(pattern).readAhead(2).lines() {
                    started.add()
                }
            }
            while started.value == 0 { try await Task.sleep(for: .microseconds(200)) }
            task.cancel()
            _ = await task.result
            if index % 2 == 1 { close(pipeEnds[1]) }
        }
    }

    // MARK: Helpers

    /// The end offsets of the members of a well-formed multi-member file.
    private func memberEnds(_ bytes: [UInt8]) -> [Int] {
        // Each member's ISIZE trailer is followed by the next member's magic, or the end.
        var ends: [Int] = []
        for index in 18..<bytes.count where index + 2 <= bytes.count ? (bytes[index] == 0x1f && bytes[index + 1] == 0x8b && bytes[index + 2] == 0x08) : false {
            ends.append(index)
        }
        return ends + [bytes.count]
    }

    /// A temporary gzip file (level 1) holding `text`.
    private func makeGzipFile(_ text: [UInt8]) async throws -> String {
        var compressed: [UInt8] = []
        for try await chunk in ChunkedBytes(bytes: text, size: 1 << 16, emptyEvery: 0).gzip(level: 1) { compressed += chunk }
        let path = NSTemporaryDirectory() + "sluice-fault-\(UUID().uuidString).gz"
        XCTAssert(FileManager.default.createFile(atPath: path, contents: Data(compressed)))
        return path
    }

    private func makeFile(size: Int) throws -> (String, [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<size).map { index in index % 80 == 79 ? 0x0A : UInt8.random(in: 0x20...0x7E, using: &generator) }
        let path = NSTemporaryDirectory() + "sluice-fault-\(UUID().uuidString)"
        XCTAssert(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return (path, bytes)
    }

    /// Reads `path` in 4 KiB chunks with little read-ahead, calling `change` after the first chunk.
    private func readPausingAfterFirstChunk(_ path: String, change: () -> Void) async throws -> [UInt8] {
        var out: [UInt8] = []
        var first = true
        for try await chunk in FileChunks(path: path, chunkSize: 4096, readAhead: 2) {
            if first { change(); first = false }
            out += chunk
        }
        return out
    }

    private func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    private func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    /// Errors are a struct with a kind: messages as before, names filled in only where missing,
    /// and kinds compared by value.
    func testErrorKindsAndMessages() {
        let cut = SluiceError.truncatedGzip(path: nil, offset: 12)
        XCTAssertEqual(cut.kind, .truncated)
        XCTAssertEqual(cut.codec, .gzip)
        XCTAssertEqual(cut.description, "(standard input): truncated gzip input at byte 12")
        XCTAssertEqual(cut.naming("a.gz").description, "a.gz: truncated gzip input at byte 12")
        XCTAssertEqual(cut.naming("a.gz").naming("b.gz").path, "a.gz")
        let xz = SluiceError.corruptInput(path: "c.xz", codec: .xz, offset: 3, reason: "bad")
        XCTAssertEqual(xz.kind, .corrupt)
        XCTAssertNotEqual(xz.kind, .truncated)
        XCTAssertEqual(xz.description, "c.xz: corrupt xz input at byte 3: bad")
        XCTAssertEqual(SluiceError.io(path: "f", operation: "open", errno: ENOENT).description, "f: No such file or directory")
        XCTAssertTrue(SluiceError.write(errno: EPIPE).isBrokenPipe)
        XCTAssertFalse(SluiceError.write(errno: ENOSPC).isBrokenPipe)
        XCTAssertEqual(SluiceError.patternSyntax(reason: "Unmatched ( or \\(").naming("x").path, nil)
        let long = SluiceError.badPattern(pattern: String(repeating: "a", count: 500), offset: 4, reason: "r")
        XCTAssertLessThan(long.description.count, 120, "a long pattern is shortened in messages")
        XCTAssertEqual(SluiceError.lineTooLong(path: "l", lineNumber: 3, offset: 10, limit: 5).description,
                       "l: line 3 at byte 10 is longer than the 5-byte limit")
    }
}

/// A count shared between a pipeline's task and the test.
private final class LineCounter: Sendable {
    private let count = Atomic(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
