import Foundation
import XCTest
@testable import Sluice

final class GunzipTests: XCTestCase {
    struct Entry: Decodable { let file: String; let expected: String; let outcome: String }

    func manifest() throws -> [Entry] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fixture("gzip/manifest.json")))
        return try JSONDecoder().decode([Entry].self, from: data)
    }

    /// Every fixture at every chunk size, with empty chunks injected: the bytes decoded before
    /// any fault equal the known content, and the outcome is the documented one.
    func testFixturesAtEveryChunkSize() async throws {
        for entry in try manifest() where entry.file.hasSuffix(".gz") {
            let input = fixtureBytes("gzip/" + entry.file)
            let expected = fixtureBytes("gzip/" + entry.expected)
            for size in chunkSizes {
                let warnings = WarningLog()
                let (out, error) = await ChunkedBytes(bytes: input, size: size)
                    .gunzip(inflater: testInflater, onWarning: { warnings.add($0) }).collect()
                if entry.outcome == "error" && testInflater == .isal && out != expected {
                    // Damaged deflate data: the expected bytes are zlib's. ISA-L outputs every
                    // byte before the damage too, but may decode a few more damaged bits before
                    // it notices (how many depends on where the chunks end).
                    let valid = zip(expected, fixtureBytes("text/lf.log")).prefix { $0 == $1 }.count
                    XCTAssertEqual(Array(out.prefix(valid)), Array(expected.prefix(valid)), "\(entry.file) at chunk size \(size)")
                    XCTAssertGreaterThan(valid, 1000, entry.file)
                    XCTAssertLessThan(out.count, expected.count + 256, entry.file)
                } else {
                    XCTAssertEqual(out, expected, "\(entry.file) at chunk size \(size)")
                }
                switch entry.outcome {
                case "ok":
                    XCTAssertNil(error, "\(entry.file) at \(size)")
                    XCTAssertEqual(warnings.count, 0, "\(entry.file) at \(size)")
                case "warning":
                    XCTAssertNil(error, "\(entry.file) at \(size)")
                    XCTAssertEqual(warnings.count, 1, "\(entry.file) at \(size)")
                default:
                    XCTAssertNotNil(error as? SluiceError, "\(entry.file) at \(size) should fail")
                }
            }
        }
    }

    func testTruncationReportsTheCompressedOffset() async throws {
        let input = fixtureBytes("gzip/truncated-body.gz")
        let (_, error) = await ChunkedBytes(bytes: input, size: 100).gunzip(inflater: testInflater).collect()
        XCTAssertEqual(error as? SluiceError, .truncatedGzip(path: nil, offset: Int64(input.count)))
    }

    func testCorruptionReportsOffsetAndZlibMessage() async throws {
        let (_, error) = await ChunkedBytes(bytes: fixtureBytes("gzip/bad-crc.gz"), size: 4096).gunzip(inflater: testInflater).collect()
        guard let failure = error as? SluiceError, failure.kind == .corrupt, failure.codec == .gzip, let offset = failure.offset, let reason = failure.reason else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(reason, "incorrect data check")
        XCTAssertGreaterThan(offset, 3000)
    }

    func testTrailingGarbageWarningNamesOffsetAndSize() async throws {
        let warnings = WarningLog()
        _ = await ChunkedBytes(bytes: fixtureBytes("gzip/trailing-garbage.gz"), size: 5).gunzip(inflater: testInflater, onWarning: { warnings.add($0) }).collect()
        let w = try XCTUnwrap(warnings.all.first)
        XCTAssertEqual(w.byteCount, 17)
        XCTAssertEqual(w.offset, Int64(fixtureBytes("gzip/trailing-garbage.gz").count - 17))
    }

    func testAutoDetectPassesPlainInputThrough() async throws {
        for name in ["gzip/not-gzip.txt", "text/crlf.log", "text/empty.log"] {
            let bytes = fixtureBytes(name)
            for size in chunkSizes {
                let (out, error) = await ChunkedBytes(bytes: bytes, size: size).gunzip(autoDetect: true, inflater: testInflater).collect()
                XCTAssertNil(error)
                XCTAssertEqual(out, bytes, "\(name) at \(size)")
            }
        }
        // A lone 1f byte, and 1f followed by something else, are not gzip.
        for bytes: [UInt8] in [[0x1f], [0x1f, 0x41, 0x42]] {
            let (out, error) = await ChunkedBytes(bytes: bytes, size: 1).gunzip(autoDetect: true, inflater: testInflater).collect()
            XCTAssertNil(error)
            XCTAssertEqual(out, bytes)
        }
    }

    func testStrictModeRejectsPlainInput() async throws {
        let (_, error) = await ChunkedBytes(bytes: Array("hello\n".utf8), size: 3).gunzip(inflater: testInflater).collect()
        XCTAssertEqual(error as? SluiceError, .corruptGzip(path: nil, offset: 0, reason: "not in gzip format"))
    }

    /// Members whose boundary falls exactly on a chunk boundary.
    func testMemberBoundaryOnChunkBoundary() async throws {
        let a = try await gzipped(Array("first member\n".utf8))
        let b = try await gzipped(Array("second member\n".utf8))
        let (out, error) = await ChunkedBytes(bytes: a + b, size: a.count, emptyEvery: 0).gunzip(inflater: testInflater).collect()
        XCTAssertNil(error)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "first member\nsecond member\n")
    }

    func gzipped(_ bytes: [UInt8], level: Int = 6) async throws -> [UInt8] {
        let (out, error) = await ChunkedBytes(bytes: bytes, size: 1000, emptyEvery: 0).gzip(level: level).collect()
        if let error { throw error }
        return out
    }

    func testGzipRoundTripsAtEveryLevel() async throws {
        let text = fixtureBytes("text/lf.log") + fixtureBytes("text/non-utf8.log")
        for level in 0...9 {
            let compressed = try await gzipped(text, level: level)
            XCTAssertEqual(Array(compressed.prefix(2)), [0x1f, 0x8b])
            let (out, error) = await ChunkedBytes(bytes: compressed, size: 7).gunzip(inflater: testInflater).collect()
            XCTAssertNil(error)
            XCTAssertEqual(out, text, "level \(level)")
        }
        let empty = try await gzipped([])
        let (out, error) = await ChunkedBytes(bytes: empty, size: 1).gunzip(inflater: testInflater).collect()
        XCTAssertNil(error)
        XCTAssertEqual(out, [])
    }

    /// 256 MiB of zeros compress to about 256 KiB; inflating them yields bounded chunks and
    /// does not grow the process's peak memory by more than a few chunks.
    func testZeroBombInflatesInBoundedChunks() async throws {
        let zeros = ZeroStream(total: 256 << 20, chunk: 1 << 20)
        var compressed: [UInt8] = []
        for try await chunk in zeros.gzip(level: 9) { compressed += chunk }
        XCTAssertLessThan(compressed.count, 1 << 20)
        let before = peakResidentBytes()
        var total = 0
        var largest = 0
        for try await chunk in ChunkedBytes(bytes: compressed, size: 64 << 10, emptyEvery: 0).gunzip(inflater: testInflater) {
            total += chunk.count
            largest = max(largest, chunk.count)
        }
        XCTAssertEqual(total, 256 << 20)
        XCTAssertLessThanOrEqual(largest, 256 << 10)
        if !runningUnderSanitizer { XCTAssertLessThan(peakResidentBytes() - before, 32 << 20) }
    }
}

/// Collects warnings from a `@Sendable` handler.
final class WarningLog: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var warnings: [GunzipWarning] = []
    func add(_ w: GunzipWarning) { lock.lock(); warnings.append(w); lock.unlock() }
    var all: [GunzipWarning] { lock.lock(); defer { lock.unlock() }; return warnings }
    var count: Int { all.count }
}

/// `total` zero bytes in chunks, made as they are read.
struct ZeroStream: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let total: Int
    let chunk: Int
    func makeAsyncIterator() -> Iterator { Iterator(remaining: total, chunk: chunk) }
    struct Iterator: AsyncIteratorProtocol {
        var remaining: Int
        let chunk: Int
        mutating func next() async throws -> [UInt8]? {
            guard remaining > 0 else { return nil }
            let n = Swift.min(chunk, remaining)
            remaining -= n
            return [UInt8](repeating: 0, count: n)
        }
    }
}

/// The process's peak resident set so far, in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
