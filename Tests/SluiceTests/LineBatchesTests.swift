import Foundation
import XCTest
@testable import Sluice

final class LineBatchesTests: XCTestCase {
    static let inputs = ["text/lf.log", "text/crlf.log", "text/mixed.log", "text/no-final-newline.log", "text/empty.log",
                         "text/blank-lines.log", "text/non-utf8.log", "text/nul.log"]

    /// At every chunk size, with empty chunks injected, the lines equal the standard library's
    /// split, with their numbers and byte offsets.
    func testSplitMatchesOracleAtEveryChunkSize() async throws {
        for name in Self.inputs {
            let bytes = fixtureBytes(name)
            for keepCR in [false, true] {
                let expected = oracleLines(bytes, keepCR: keepCR)
                for size in chunkSizes {
                    var lines: [[UInt8]] = []
                    var numbers: [Int] = []
                    var offsets: [Int64] = []
                    for try await line in ChunkedBytes(bytes: bytes, size: size).lines(keepCarriageReturn: keepCR) {
                        lines.append(line.bytes)
                        numbers.append(line.number)
                        offsets.append(line.byteOffset)
                    }
                    XCTAssertEqual(lines, expected, "\(name) keepCR \(keepCR) chunk \(size)")
                    XCTAssertEqual(numbers, Array(1...max(1, expected.count)).prefix(expected.count).map { $0 })
                    var offset: Int64 = 0
                    var expectedOffsets: [Int64] = []
                    for raw in oracleLines(bytes, keepCR: true) { expectedOffsets.append(offset); offset += Int64(raw.count + 1) }
                    XCTAssertEqual(offsets, expectedOffsets, "\(name) offsets at chunk \(size)")
                }
            }
        }
    }

    func testBatchesCountTheirLinesAndEndTheSource() async throws {
        let bytes = fixtureBytes("text/lf.log")
        var total = 0
        var last: LineBatch?
        for try await batch in ChunkedBytes(bytes: bytes, size: 1000).lineBatches(sourceName: "lf") {
            XCTAssertEqual(batch.lineCount, Array(batch).count)
            total += batch.lineCount
            last = batch
        }
        XCTAssertEqual(total, 200)
        XCTAssertEqual(last?.endsSource, true)
        XCTAssertEqual(last?.sourceName, "lf")
    }

    func testLongLineFailsWithNumberAndOffsetAfterEarlierLines() async throws {
        let bytes = fixtureBytes("text/long-line.log")
        for size in [7, 4096, 1 << 20] {
            var seen = 0
            do {
                for try await _ in ChunkedBytes(bytes: bytes, size: size).lines(maxLineLength: 100_000) { seen += 1 }
                XCTFail("expected lineTooLong")
            } catch let error as SluiceError where error.kind == .lineTooLong {
                let number = error.lineNumber, offset = error.offset
                XCTAssertEqual(number, 3)
                XCTAssertEqual(error.limit, 100_000)
                let firstTwo = oracleLines(bytes, keepCR: true).prefix(2).reduce(0) { $0 + $1.count + 1 }
                XCTAssertEqual(offset, Int64(firstTwo))
                XCTAssertEqual(seen, 2, "lines before the long one are delivered, at chunk \(size)")
            }
        }
        // Within the limit, the long line is one line.
        var lengths: [Int] = []
        for try await line in ChunkedBytes(bytes: bytes, size: 4096).lines() { lengths.append(line.byteCount) }
        XCTAssertEqual(lengths.count, oracleLines(bytes, keepCR: true).count)
        XCTAssertTrue(lengths.contains(300_000))
    }

    func testUpstreamErrorComesAfterThePartialLastLine() async throws {
        var lines: [String] = []
        let source = ChunkedBytes(bytes: Array("a\nb\npartial".utf8), size: 3, failure: .truncatedGzip(path: nil, offset: 9))
        do {
            for try await line in source.lines() { lines.append(String(line)) }
            XCTFail("expected the error")
        } catch {
            XCTAssertEqual(error as? SluiceError, .truncatedGzip(path: nil, offset: 9))
        }
        XCTAssertEqual(lines, ["a", "b", "partial"])
    }

    func testLineAPI() {
        let line = Line(Array("caf\u{e9} \u{ff}x".utf8) + [0xff], number: 4, byteOffset: 10)
        XCTAssertTrue(line.contains("caf"))
        XCTAssertFalse(line.contains("tea"))
        XCTAssertEqual(line.number, 4)
        XCTAssertEqual(line.byteCount, 10)
        XCTAssertEqual(Array(line).last, 0xff)
        XCTAssertTrue(String(line).hasSuffix("\u{FFFD}"))
        XCTAssertEqual(line.withUnsafeBytes { $0.count }, 10)
    }
}
