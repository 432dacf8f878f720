import Foundation
import XCTest
@testable import Sluice

/// merge against a stable sort of the known records, and grep --records against a record-by-record oracle.
final class TimeMergeTests: XCTestCase {
    let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)

    func testMergeIsAStableSortOfRecords() async throws {
        for (n, seed) in [(1, UInt64(1)), (2, 2), (4, 3), (7, 4)] {
            let logs = (0..<n).map { TimedLog(count: 300 + $0 * 37, seed: seed * 10 + UInt64($0), untimedHead: $0 == 1, prefix: "src\($0) ") }
            for size in [7, 4096] {
                let sources: [AsyncTimeMergedLineSources.Source] = logs.enumerated().map { i, log in
                    ("log\(i)", ChunkedBytes(bytes: log.text, size: size + i).lineBatches(sourceName: "log\(i)"))
                }
                for labels in [false, true] {
                    let got = try await lineStrings(AsyncTimeMergedLineSources(sources, parser: parser, labels: labels, outputBytes: 5000))
                    // The oracle: all records, sorted by time then by source (Swift's sort is not
                    // stable, so the key holds the source and the position).
                    var keyed: [(Int64, Int, Int, [String])] = []
                    for (i, log) in logs.enumerated() {
                        for (j, r) in log.records.enumerated() {
                            keyed.append((r.time ?? Int64.min, i, j, labels ? r.lines.map { "log\(i):" + $0 } : r.lines))
                        }
                    }
                    keyed.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
                    XCTAssertEqual(got, keyed.flatMap(\.3), "\(n) logs, chunk \(size), labels \(labels)")
                }
            }
        }
    }

    /// Fifty sources (a heap of heads), CRLF lines read with and without their CR, listed
    /// batches as well as region ones, a last line without LF; numbers and byte offsets count
    /// the merged output.
    func testMergeOfManySourcesKeepsTiesAndRecords() async throws {
        let logs = (0..<50).map { TimedLog(count: 40 + $0 % 7 * 11, seed: 900 + UInt64($0), multiEvery: 3, longEvery: $0 % 10 == 0 ? 5 : 0,
                                           untimedHead: $0 % 9 == 4, crlf: $0 % 5 == 2, prefix: "s\($0) ") }
        var oracle: [(Int64, Int, Int, [String])] = []
        for (i, log) in logs.enumerated() {
            for (j, r) in log.records.enumerated() { oracle.append((r.time ?? Int64.min, i, j, r.lines)) }
        }
        oracle.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        for keepCR in [true, false] {
            for size in [61, 4096, 1 << 20] {
                let sources: [AsyncTimeMergedLineSources.Source] = logs.enumerated().map { i, log in
                    var text = log.text
                    if i == 7 { text.removeLast() }  // no LF after the last line
                    let lines = ChunkedBytes(bytes: text, size: size + i).lineBatches(keepCarriageReturn: keepCR)
                    // Every third source as listed batches (a filter's output).
                    guard i % 3 == 1 else { return ("log\(i)", lines) }
                    return ("log\(i)", lines.map { @Sendable batch in
                        LineBatch(storage: batch.storage, entries: batch.map {
                            .init(range: $0.range, number: $0.number, byteOffset: $0.byteOffset, isContext: false, startsGroup: false)
                        }, keepsCarriageReturn: batch.keepsCarriageReturn)
                    })
                }
                var got: [String] = [], numbers: [Int] = [], offsets: [Int64] = [], bytes = 0
                for try await batch in AsyncTimeMergedLineSources(sources, parser: parser, outputBytes: 3000) {
                    for line in batch {
                        got.append(String(line)); numbers.append(line.number); offsets.append(line.byteOffset)
                    }
                    bytes += batch.storage.count
                }
                let crlf = Set(logs.indices.filter { $0 % 5 == 2 })
                let expected = oracle.flatMap { r in r.3.map { keepCR && crlf.contains(r.1) ? $0 + "\r" : $0 } }
                XCTAssertEqual(got, expected, "keepCR \(keepCR), chunk \(size)")
                XCTAssertEqual(numbers, Array(1...expected.count))
                var offset: Int64 = 0, want2: [Int64] = []
                for line in expected { want2.append(offset); offset += Int64(line.utf8.count + 1) }
                XCTAssertEqual(offsets, want2, "offsets count the merged output")
                XCTAssertEqual(Int64(bytes), offset)
            }
        }
    }

    func testMergeNumbersLinesAndHandlesEmptyInputs() async throws {
        let a = TimedLog(count: 20, seed: 1)
        let sources: [AsyncTimeMergedLineSources.Source] = [
            ("empty", ChunkedBytes(bytes: [], size: 10).lineBatches()),
            ("a", ChunkedBytes(bytes: a.text, size: 10).lineBatches()),
        ]
        var numbers: [Int] = []
        for try await batch in AsyncTimeMergedLineSources(sources, parser: parser) { for line in batch { numbers.append(line.number) } }
        XCTAssertEqual(numbers, Array(1...a.records.flatMap(\.lines).count))
    }

    func testRecordGrepMatchesTheOracle() async throws {
        let log = TimedLog(count: 2000, seed: 17, multiEvery: 3, untimedHead: true)
        for (pattern, invert, maxCount, firstOnly) in [("IllegalState", false, nil, false), ("Caused by", false, nil, false),
                                                       ("Exception", true, nil, false), ("Class.method2", false, 5, false),
                                                       ("IOException", false, nil, true), ("preamble", false, nil, false),
                                                       ("nothing matches this", false, nil, false)] as [(String, Bool, Int?, Bool)] {
            var options = RecordGrepOptions()
            options.invert = invert
            options.maxCount = maxCount
            options.firstLinesOnly = firstOnly
            let compiled = try GrepPattern(pattern, syntax: .fixed)
            for size in [13, 333, 4096, 1 << 20] {
                let got = try await lineStrings(ChunkedBytes(bytes: log.text, size: size).lineBatches()
                    .grepRecords(compiled, parser: parser, options: options))
                var selected = log.records.filter { $0.lines.contains { $0.contains(pattern) } != invert }
                if let maxCount { selected = Array(selected.prefix(maxCount)) }
                XCTAssertEqual(got, selected.flatMap { firstOnly ? [$0.lines[0]] : $0.lines }, "\(pattern) size \(size)")
            }
        }
    }

    /// The whole-buffer path (literals, regexes, sets) against the line-by-line path (-v off,
    /// on a listed batch), with line numbers and byte offsets, at many batch sizes.
    func testRecordGrepAroundHitsKeepsNumbersAndOffsets() async throws {
        let log = TimedLog(count: 3000, seed: 23, multiEvery: 2, longEvery: 50, untimedHead: true)
        let plain = try await lineStrings(ChunkedBytes(bytes: log.text, size: 1 << 20).lineBatches())
        var offsets: [Int64] = []
        for try await batch in ChunkedBytes(bytes: log.text, size: 1 << 20).lineBatches() { for line in batch { offsets.append(line.byteOffset) } }
        let patterns: [([String], GrepPattern.Syntax)] = [(["Exception"], .fixed), (["method[13]"], .extended),
                                                          (["Caused", "long x"], .fixed), (["^\tat", "record 7"], .extended),
                                                          (["preamble"], .fixed)]
        for (pattern, syntax) in patterns {
            let compiled = try GrepPattern(pattern, syntax: syntax)
            let regex = try pattern.map { try Regex<Substring>($0) }
            let oracle = log.records.filter { $0.lines.contains { line in regex.contains { line.contains($0) } } }.flatMap(\.lines)
            for size in [97, 1000, 8192, 1 << 20] {
                for firstOnly in [false, true] {
                    var options = RecordGrepOptions()
                    options.firstLinesOnly = firstOnly
                    var got: [String] = []
                    for try await batch in ChunkedBytes(bytes: log.text, size: size).lineBatches()
                        .grepRecords(compiled, parser: parser, options: options) {
                        for line in batch {
                            got.append(String(line))
                            XCTAssertEqual(plain[line.number - 1], String(line), "\(pattern) \(size): line number \(line.number)")
                            XCTAssertEqual(offsets[line.number - 1], line.byteOffset, "\(pattern) \(size): offset of line \(line.number)")
                        }
                    }
                    if firstOnly {
                        let firsts = log.records.filter { $0.lines.contains { line in regex.contains { line.contains($0) } } }.map { $0.lines[0] }
                        XCTAssertEqual(got, firsts, "\(pattern) size \(size) first lines")
                    } else {
                        XCTAssertEqual(got, oracle, "\(pattern) size \(size)")
                    }
                }
            }
        }
    }
}
