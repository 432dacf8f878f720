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
            for size in [13, 1 << 20] {
                let got = try await lineStrings(ChunkedBytes(bytes: log.text, size: size).lineBatches()
                    .grepRecords(compiled, parser: parser, options: options))
                var selected = log.records.filter { $0.lines.contains { $0.contains(pattern) } != invert }
                if let maxCount { selected = Array(selected.prefix(maxCount)) }
                XCTAssertEqual(got, selected.flatMap { firstOnly ? [$0.lines[0]] : $0.lines }, "\(pattern) size \(size)")
            }
        }
    }
}
