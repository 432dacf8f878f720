import Foundation
import XCTest
@testable import Sluice

/// head, tail, count, readAhead and the multi-file input.
final class StageTests: XCTestCase {
    let text = (1...1000).map { "line \($0)" }.joined(separator: "\n")  // no final newline

    func strings(_ s: some AsyncSequence<LineBatch, any Error>) async throws -> [String] {
        var out: [String] = []
        for try await line in s.lines() { out.append(String(line)) }
        return out
    }

    func testHeadTailCountAtSeveralChunkSizes() async throws {
        for size in [1, 13, 4096] {
            let batches = ChunkedBytes(bytes: Array(text.utf8), size: size).lineBatches()
            let head = try await strings(batches.head(3))
            XCTAssertEqual(head, ["line 1", "line 2", "line 3"])
            let tail = try await strings(batches.tail(3))
            XCTAssertEqual(tail, ["line 998", "line 999", "line 1000"])
            let all = try await strings(batches.tail(5000))
            XCTAssertEqual(all.count, 1000)
            let count = try await batches.count()
            XCTAssertEqual(count, 1000)
            let none = try await strings(batches.head(0))
            XCTAssertEqual(none, [])
        }
    }

    func testTailKeepsLineNumbers() async throws {
        var numbers: [Int] = []
        for try await line in ChunkedBytes(bytes: Array(text.utf8), size: 100).lineBatches().tail(2).lines() { numbers.append(line.number) }
        XCTAssertEqual(numbers, [999, 1000])
    }

    func testReadAheadKeepsOrderAndErrors() async throws {
        let lines = try await strings(ChunkedBytes(bytes: Array(text.utf8), size: 7).lineBatches().readAhead(2))
        XCTAssertEqual(lines.count, 1000)
        XCTAssertEqual(lines.last, "line 1000")
        let failing = ChunkedBytes(bytes: Array("a\nb\n".utf8), size: 1, failure: .truncatedGzip(path: nil, offset: 4))
        var seen: [String] = []
        do {
            for try await line in failing.lineBatches().readAhead(1).lines() { seen.append(String(line)) }
            XCTFail("expected the error")
        } catch {
            XCTAssertEqual(error as? SluiceError, .truncatedGzip(path: nil, offset: 4))
        }
        XCTAssertEqual(seen, ["a", "b"])
    }

    func testInputFilesReadsInOrderAndReportsFailures() async throws {
        let errors = ErrorLog()
        let files = InputFiles([fixture("gzip/three-members.gz"), "/nonexistent/file", fixture("text/no-final-newline.log")],
                               onError: { errors.add($0) })
        var bytes: [UInt8] = []
        for try await chunk in files.bytes { bytes += chunk }
        XCTAssertEqual(bytes, fixtureBytes("gzip/three-members.expected") + fixtureBytes("text/no-final-newline.log"))
        XCTAssertEqual(errors.all, [.io(path: "/nonexistent/file", operation: "open", errno: ENOENT)])

        var markers: [String?] = []
        var lines = 0
        for try await batch in files.lineBatches() {
            if batch.endsSource { markers.append(batch.sourceName) }
            lines += batch.lineCount
        }
        XCTAssertEqual(markers, [fixture("gzip/three-members.gz"), fixture("text/no-final-newline.log")])
        XCTAssertEqual(lines, oracleLines(fixtureBytes("gzip/three-members.expected"), keepCR: true).count + 5)
    }

    func testTruncatedInputIsReportedWithItsNameAndStillEndsItsSource() async throws {
        let errors = ErrorLog()
        let path = fixture("gzip/truncated-body.gz")
        var text: [UInt8] = []
        var ended = false
        for try await batch in InputFiles([path], onError: { errors.add($0) }).lineBatches(keepCarriageReturn: true) {
            for line in batch { text += line.bytes + [0x0A] }
            ended = ended || batch.endsSource
        }
        let expected = fixtureBytes("gzip/truncated-body.expected")
        XCTAssertEqual(Array(text.prefix(expected.count)), expected)
        XCTAssertTrue(ended)
        XCTAssertEqual(errors.all, [.truncatedGzip(path: path, offset: Int64(fixtureBytes("gzip/truncated-body.gz").count))])
    }
}

final class ErrorLog: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var errors: [SluiceError] = []
    func add(_ e: SluiceError) { lock.lock(); errors.append(e); lock.unlock() }
    var all: [SluiceError] { lock.lock(); defer { lock.unlock() }; return errors }
}
