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

    /// `skipLast` (head -n -N) against the standard library's `dropLast`, at chunk sizes that
    /// put the cut inside a batch, on a batch's edge, and past the start.
    func testSkipLastAtSeveralChunkSizes() async throws {
        let all = text.split(separator: "\n").map(String.init)
        for size in [1, 13, 4096, 1 << 20] {
            for n in [0, 1, 2, 7, 999, 1000, 1001, 5000] {
                let got = try await strings(ChunkedBytes(bytes: Array(text.utf8), size: size).lineBatches().skipLast(n))
                XCTAssertEqual(got, Array(all.dropLast(n)), "chunks of \(size), skipLast(\(n))")
            }
        }
        var numbers: [Int] = []
        for try await line in ChunkedBytes(bytes: Array(text.utf8), size: 100).lineBatches().skipLast(998).lines() { numbers.append(line.number) }
        XCTAssertEqual(numbers, [1, 2])
    }

    /// headBytes and skipLastBytes give the first bytes of the text and all but its last, at
    /// every chunk size, with CRs and no final line feed; their lines are whole lines of the text
    /// but for the one cut at the end (a later stage sees the lines a pipe would give it).
    func testHeadBytesAndSkipLastBytesAtSeveralChunkSizes() async throws {
        let bytes = Array("ab\r\n\ncd\nlonger line here\r\nx".utf8) + Array(text.utf8.prefix(3000)) + Array("tail".utf8)
        var format = PrintFormat()
        format.terminatesLastLine = false
        func lines(_ b: ArraySlice<UInt8>) -> Int { b.split(separator: 0x0A, omittingEmptySubsequences: false).count - (b.last == 0x0A || b.isEmpty ? 1 : 0) }
        for size in [1, 5, 64, 4096, 1 << 20] {
            for n in [0, 1, 2, 3, 4, 5, 17, 18, 999, 3034, 3035, 3036, 9999] {
                let source = { ChunkedBytes(bytes: bytes, size: size).lineBatches(keepCarriageReturn: true) }
                var first: [UInt8] = [], allBut: [UInt8] = []
                for try await chunk in source().headBytes(Int64(n)).printed(format) { first += chunk }
                for try await chunk in source().skipLastBytes(Int64(n)).printed(format) { allBut += chunk }
                XCTAssertEqual(first, Array(bytes.prefix(n)), "chunks of \(size), headBytes(\(n))")
                XCTAssertEqual(allBut, Array(bytes.dropLast(n)), "chunks of \(size), skipLastBytes(\(n))")
                var counted = 0
                for try await batch in source().skipLastBytes(Int64(n)) { counted += batch.lineCount }
                XCTAssertEqual(counted, lines(bytes.dropLast(n)[...]), "chunks of \(size), lines of skipLastBytes(\(n))")
            }
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

/// The merging of selected lines in inputs searched ahead (``SelectedLinesMerger``, used by
/// ``StartedInput``): batch boundaries change, nothing else.
final class SelectedLinesMergerTests: XCTestCase {
    /// Every line (source, CR flag, number, offset, context and group flags, bytes) and every
    /// marker, in order: what a stream says, whatever its batches' boundaries.
    static func events(_ batches: [LineBatch]) -> [String] {
        var out: [String] = []
        for batch in batches {
            if let entries = batch.entries, !batch.endsSource {
                for e in entries {
                    out.append("L \(batch.sourceName ?? "-") \(batch.keepsCarriageReturn) \(e.number) \(e.byteOffset) \(e.isContext) "
                               + "\(e.startsGroup) " + String(decoding: batch.storage[e.range], as: UTF8.self))
                }
            } else {
                out.append("M \(batch.sourceName ?? "-") \(batch.endsSource) \(batch.isNotice) \(batch.binaryMatch) "
                           + "\(batch.failure.map { "\($0)" } ?? "") \(batch.message ?? "") \(batch.lineCount)")
            }
        }
        return out
    }

    /// Random streams of filtered batches (two sources, both CR settings, context lines),
    /// region batches and markers, merged with random "elements waiting": the same events;
    /// no merged batch above the limit by more than one batch; a batch that comes while
    /// nothing waits (and nothing is merged) passes as it is.
    func testSameLinesAndMarkersInOrder() {
        var random = SplitMix(seed: 16)
        for round in 0..<300 {
            var input: [LineBatch] = []
            var number = 1
            for _ in 0..<Int.random(in: 0...40, using: &random) {
                let source = Bool.random(using: &random) ? "a.log" : "b.log"
                let keepsCR = Int.random(in: 0..<8, using: &random) == 0
                switch Int.random(in: 0..<10, using: &random) {
                case 0:
                    input.append(.endOfSource(source, keepsCarriageReturn: keepsCR))
                case 1:
                    input.append(.notice(message: "note \(round)", source: source))
                case 2:
                    input.append(.endOfBinarySource(source, binaryMatch: true, skipped: false))
                case 3:
                    let text = Array("r1\nr2\n".utf8)
                    input.append(LineBatch(storage: text, region: 0..<text.count, firstLineNumber: number, lineCount: 2,
                                           firstByteOffset: 0, keepsCarriageReturn: keepsCR, sourceName: source))
                default:
                    // A chunk of which some lines are listed, as grep lists them (up to 600 KiB of lines).
                    let lines = Int.random(in: 0...60, using: &random)
                    let length = Int.random(in: 0...1, using: &random) == 0 ? 10 : 10_000
                    var storage: [UInt8] = []
                    var entries: [LineBatch.Entry] = []
                    for k in 0..<lines {
                        let text = Array("line \(number) of \(round) ".utf8) + [UInt8](repeating: UInt8(97 + k % 26), count: length)
                        storage += Array("skipped\n".utf8)
                        let start = storage.count
                        storage += text + [0x0A]
                        if Bool.random(using: &random) {
                            entries.append(.init(range: start..<(start + text.count), number: number, byteOffset: Int64(start) * 3,
                                                 isContext: Int.random(in: 0..<4, using: &random) == 0,
                                                 startsGroup: Int.random(in: 0..<4, using: &random) == 0))
                        }
                        number += 1
                    }
                    input.append(LineBatch(storage: storage, entries: entries, keepsCarriageReturn: keepsCR, sourceName: source))
                }
            }
            var merger = SelectedLinesMerger()
            var output: [LineBatch] = []
            func address(_ batch: LineBatch) -> UnsafeRawPointer? { batch.storage.withUnsafeBytes { $0.baseAddress } }
            for batch in input {
                let waiting = Int.random(in: 0..<4, using: &random) != 0
                let heldBefore = merger.isHolding
                let (first, second) = merger.add(batch, othersWaiting: waiting)
                let handed = [first, second].compactMap { $0 }
                for out in handed {
                    let bytes = out.entries?.reduce(0) { $0 + $1.range.count } ?? 0
                    XCTAssertLessThanOrEqual(bytes, SelectedLinesMerger.limit + 60 * 10_100, "round \(round)")
                }
                output += handed
                if !waiting && !heldBefore && batch.entries != nil && !batch.endsSource && !batch.storage.isEmpty {
                    // Nothing waits and nothing was held: the batch itself, uncopied.
                    XCTAssertEqual(handed.count, 1, "round \(round)")
                    XCTAssertEqual(handed.last.flatMap(address), address(batch), "round \(round)")
                }
                // Nothing is held once nothing waits.
                if !waiting { XCTAssertFalse(merger.isHolding, "round \(round)") }
            }
            if let rest = merger.flush() { output.append(rest) }
            XCTAssertNil(merger.flush())
            XCTAssertEqual(Self.events(output), Self.events(input), "round \(round)")
        }
    }

    /// Several gzip inputs searched two at a time, with a consumer slow enough that selected
    /// lines of the input read ahead get merged: the same lines, numbers and markers as one
    /// input after another.
    func testInputsSearchedAheadGiveTheSameLines() async throws {
        let dir = NSTemporaryDirectory() + "sluice-merge-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var paths: [String] = []
        for k in 0..<4 {
            var text = ""
            for i in 0..<30_000 { text += i % 7 == k ? "\(k) Failed password for user\(i)\n" : "\(k) accepted \(i) ok\n" }
            let path = dir + "/r\(k).log"
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
            if k % 2 == 0 {
                let gzip = Process()
                gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
                gzip.arguments = ["-c", "gzip -6 '\(path)'"]
                try gzip.run()
                gzip.waitUntilExit()
                XCTAssertEqual(gzip.terminationStatus, 0)
                paths.append(path + ".gz")
            } else {
                paths.append(path)
            }
        }
        let pattern = try GrepPattern("Failed", ignoreCase: false)
        func run(parallel: Int, slow: Bool) async throws -> [String] {
            var options = InputFiles.Options()
            options.parallelInputs = parallel
            options.chunkSize = 64 << 10
            options.decompression.outputSize = 16 << 10
            let files = InputFiles(paths + paths, options: options)
            var batches: [LineBatch] = []
            for try await batch in files.lineBatches(eachInput: { $0.grep(pattern) }) {
                batches.append(batch)
                // Slow: the inputs searched ahead fill their queues.
                if slow && batches.count % 8 == 0 { try await Task.sleep(nanoseconds: 2_000_000) }
            }
            return SelectedLinesMergerTests.events(batches)
        }
        let oracle = try await run(parallel: 1, slow: false)
        XCTAssertEqual(oracle.filter { $0.hasPrefix("L ") }.count, 8 * (0..<30_000).filter { $0 % 7 == 0 }.count)
        XCTAssertEqual(oracle.filter { $0.hasPrefix("M ") }.count, 8)
        let ahead = try await run(parallel: 2, slow: true)
        XCTAssertEqual(ahead, oracle)
    }
}

final class ErrorLog: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var errors: [SluiceError] = []
    func add(_ e: SluiceError) { lock.lock(); errors.append(e); lock.unlock() }
    var all: [SluiceError] { lock.lock(); defer { lock.unlock() }; return errors }
}
