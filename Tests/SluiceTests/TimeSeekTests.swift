import Foundation
import XCTest
@testable import Sluice

/// The binary search by timestamp against the offset a linear scan of the known records gives.
final class TimeSeekTests: XCTestCase {
    let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)

    func write(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "timeseek-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func testSearchFindsTheFirstRecordAtOrAfterEveryTime() throws {
        // Records with stack traces and lines longer than 4 KiB, so probes land inside records
        // and across block boundaries.
        let log = TimedLog(count: 1500, seed: 21, multiEvery: 5, longEvery: 40, untimedHead: true)
        let path = try write(log.text)
        defer { unlink(path) }
        for blockSize in [4096, 100, 64, 65536] {
            let seek = TimeSeek(parser: parser, blockSize: blockSize)
            for t in log.probeTimes(blockSize == 4096 ? 100 : 20, seed: UInt64(blockSize)) {
                let result = try seek.search(path: path, for: .instant(t))
                XCTAssertEqual(result.outcome, .found(offset: Int64(log.offset(atOrAfter: t))), "t=\(t) block \(blockSize)")
                XCTAssertLessThan(result.probes, 64)
            }
        }
        // A probe costs a few blocks, not the file.
        let result = try TimeSeek(parser: parser).search(path: path, for: .instant(log.times[750]))
        XCTAssertLessThan(result.bytesRead, Int64(log.text.count / 4))
    }

    func testTimeOfDayAndEmptyAndUntimedFiles() throws {
        let log = TimedLog(count: 100, seed: 3)
        let path = try write(log.text)
        defer { unlink(path) }
        let t = log.times[40]
        let sod = (t / LogTime.second) % 86400 * LogTime.second + t % LogTime.second
        let result = try TimeSeek(parser: parser).search(path: path, for: .timeOfDay(sod, zoneOffset: 0))
        XCTAssertEqual(result.outcome, .found(offset: Int64(log.offset(atOrAfter: t))))
        XCTAssertEqual(result.firstTimestamp, log.times[0])
        for text in ["", "no time here\nnor here\n", "no newline at all"] {
            let p = try write(Array(text.utf8))
            defer { unlink(p) }
            XCTAssertEqual(try TimeSeek(parser: parser).search(path: p, for: .instant(0)).outcome, .found(offset: Int64(text.utf8.count)))
        }
        XCTAssertThrowsError(try TimeSeek(parser: parser).search(path: "/nonexistent/x.log", for: .instant(0)))
    }

    func testLastLineWithoutNewline() throws {
        var log = TimedLog(count: 500, seed: 8, multiEvery: 0)
        log.text.removeLast()
        let path = try write(log.text)
        defer { unlink(path) }
        for t in [log.times.last!, log.times.last! + 1] {
            let result = try TimeSeek(parser: parser, blockSize: 64).search(path: path, for: .instant(t))
            XCTAssertEqual(result.outcome, .found(offset: Int64(t == log.times.last! ? log.offset(atOrAfter: t) : log.text.count)))
        }
    }

    func testDisorderIsDetectedAndJitterWithinToleranceIsNot() throws {
        // The second half an hour earlier than the first: every search that probes both halves sees it.
        let first = TimedLog(count: 2000, seed: 5, start: 1_715_590_800 * LogTime.second)
        let second = TimedLog(count: 2000, seed: 6, start: 1_715_587_200 * LogTime.second)
        let path = try write(first.text + second.text)
        defer { unlink(path) }
        var unordered = 0
        for t in first.probeTimes(40, seed: 1) + second.probeTimes(40, seed: 2) {
            if case .unordered = try TimeSeek(parser: parser).search(path: path, for: .instant(t)).outcome { unordered += 1 }
        }
        XCTAssertEqual(unordered, 92)  // every one
        // Lines up to a minute out of order, tolerance five minutes: in order.
        var lines: [String] = []
        var rng = SplitMix(seed: 7)
        for i in 0..<5000 {
            let t = (1_715_587_200 + Int64(i)) * LogTime.second - Int64(rng.next() % 60) * LogTime.second
            lines.append("\(LogTime.isoMillis(t)) line \(i)")
        }
        let jittered = try write(Array((lines.joined(separator: "\n") + "\n").utf8))
        defer { unlink(jittered) }
        for k in stride(from: 100, to: 5000, by: 450) {
            let t = (1_715_587_200 + Int64(k)) * LogTime.second
            guard case .found = try TimeSeek(parser: parser).search(path: jittered, for: .instant(t)).outcome else {
                return XCTFail("jitter within the tolerance taken for disorder at \(k)")
            }
        }
        // A zero tolerance sees the jitter.
        var seen = false
        for k in stride(from: 100, to: 5000, by: 450) {
            if case .unordered = try TimeSeek(parser: parser, tolerance: 0).search(path: jittered, for: .instant((1_715_587_200 + Int64(k)) * LogTime.second)).outcome { seen = true }
        }
        XCTAssertTrue(seen)
    }

    func testSeekedLinesThenWindowMatchTheOracle() async throws {
        let log = TimedLog(count: 4000, seed: 13, multiEvery: 4, longEvery: 50)
        let path = try write(log.text)
        defer { unlink(path) }
        for (k, t) in log.probeTimes(40, seed: 3).enumerated() {
            let u = t + Int64(k % 5) * 20 * LogTime.second
            let result = try TimeSeek(parser: parser).search(path: path, for: .instant(t))
            guard case .found(let offset) = result.outcome else { return XCTFail("unordered") }
            let lines = TimeSeek.lineBatches(path: path, name: "x", offset: offset, chunkSize: 1000)
                .since(.instant(t), parser: parser).until(.instant(u), parser: parser)
            let got = try await lineStrings(lines)
            XCTAssertEqual(got, log.lines { $0 != nil && $0! >= t && $0! <= u }, "\(t) ... \(u)")
        }
    }
}
