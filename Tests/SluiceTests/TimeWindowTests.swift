import Foundation
import XCTest
@testable import Sluice

/// since / until against a linear oracle over a log whose record times the test knows.
final class TimeWindowTests: XCTestCase {
    let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)

    func testSinceAndUntilMatchTheOracleAtManyTimesAndChunkSizes() async throws {
        let log = TimedLog(count: 600, seed: 11, untimedHead: true)
        let probes = log.probeTimes(120, seed: 5)
        for (k, t) in probes.enumerated() {
            let size = [1 << 20, 4096, 97, 7][k % 4]
            let input = ChunkedBytes(bytes: log.text, size: size).lineBatches()
            let since = try await lineStrings(input.since(.instant(t), parser: parser))
            XCTAssertEqual(since, log.lines { ($0 ?? Int64.min) >= t }, "since \(t) size \(size)")
            for stop in [TimeWindowStop.endOfStream, .never, .endOfSource] {
                let until = try await lineStrings(input.until(.instant(t), parser: parser, stop: stop))
                XCTAssertEqual(until, log.lines { ($0 ?? Int64.min) <= t }, "until \(t) size \(size)")
            }
            let u = probes[(k * 7 + 3) % probes.count]
            let window = try await lineStrings(input.since(.instant(t), parser: parser).until(.instant(u), parser: parser))
            XCTAssertEqual(window, log.lines { $0 != nil && $0! >= t && $0! <= u }, "window \(t) ... \(u)")
        }
    }

    func testTimeOfDayResolvesOnTheFirstLineAndCRLFLines() async throws {
        let log = TimedLog(count: 300, seed: 2, crlf: true)
        let t = log.times[150]
        let sod = (t / LogTime.second) % 86400 * LogTime.second + t % LogTime.second
        let input = ChunkedBytes(bytes: log.text, size: 333).lineBatches()
        let got = try await lineStrings(input.since(.timeOfDay(sod, zoneOffset: 0), parser: parser))
        XCTAssertEqual(got, log.lines { ($0 ?? Int64.min) >= t })
    }

    func testUnorderedStreamStillGivesEveryRecordWithoutStopping() async throws {
        var log = TimedLog(count: 200, seed: 9)
        var shuffler = SplitMix(seed: 4)
        log.records.shuffle(using: &shuffler)
        var text: [UInt8] = []
        for r in log.records { for l in r.lines { text += Array((l + "\n").utf8) } }
        let t = log.times.sorted()[100]
        let input = ChunkedBytes(bytes: text, size: 512).lineBatches()
        let since = try await lineStrings(input.since(.instant(t), parser: parser))
        XCTAssertEqual(since, log.lines { ($0 ?? Int64.min) >= t })
        let until = try await lineStrings(input.until(.instant(t), parser: parser, stop: .never))
        XCTAssertEqual(until, log.lines { ($0 ?? Int64.min) <= t })
    }

    func testUntilEndsEachSourceOrTheStream() async throws {
        let a = TimedLog(count: 50, seed: 1), b = TimedLog(count: 50, seed: 2)
        let t = a.times[25]
        let sources: [AsyncChainedLineSources.Source] = [
            ("a", ChunkedBytes(bytes: a.text, size: 100).lineBatches(sourceName: "a")),
            ("b", ChunkedBytes(bytes: b.text, size: 100).lineBatches(sourceName: "b")),
        ]
        let chain = AsyncChainedLineSources(sources, onError: { _ in })
        let perSource = try await lineStrings(chain.until(.instant(t), parser: parser, stop: .endOfSource))
        XCTAssertEqual(perSource, a.lines { $0! <= t } + b.lines { $0! <= t })
        let whole = try await lineStrings(chain.until(.instant(t), parser: parser, stop: .endOfStream))
        XCTAssertEqual(whole, a.lines { $0! <= t })
        // The end-of-source marker still comes (grep -c needs it).
        var markers = 0
        for try await batch in chain.until(.instant(t), parser: parser) where batch.endsSource { markers += 1 }
        XCTAssertEqual(markers, 1)
    }

    /// A log in a format the parser does not read is an error, never an empty (since) or whole
    /// (until, records) answer: at its end, or once 1 MiB of it has no timestamp; the lines held
    /// before a first timestamp are not given out.
    func testSourceWithoutTimestampsFails() async throws {
        let untimed = Array((0..<40).map { "May 13, 2024 8:00:\($0 % 60) AM line \($0)\n" }.joined().utf8)
        let t = Int64(1_715_587_200) * LogTime.second
        let pattern = try GrepPattern("line", syntax: .fixed)
        for size in [4096, 97] {
            let input = ChunkedBytes(bytes: untimed, size: size).lineBatches()
            let results = [("since", await drain(input.since(.instant(t), parser: parser))),
                           ("until", await drain(input.until(.instant(t), parser: parser))),
                           ("records", await drain(input.grepRecords(pattern, parser: parser)))]
            for (name, (lines, error)) in results {
                XCTAssertEqual(error?.kind, .noTimestamp, "\(name) \(size)")
                XCTAssertNil(error?.limit, "\(name) \(size)")
                XCTAssertEqual(lines, 0, "\(name) \(size): lines given before the error")
            }
        }
        // 1 MiB without a timestamp: the stream ends there, without reading on.
        let big = Array(repeating: Array("no time on this line, none at all\n".utf8), count: 40_000).flatMap { $0 }
        let (_, caught) = await drain(ChunkedBytes(bytes: big, size: 65536).lineBatches().until(.instant(t), parser: parser))
        XCTAssertEqual(caught?.kind, .noTimestamp)
        XCTAssertEqual(caught?.limit, 1 << 20)
    }

    /// Named sources: the one without timestamps fails on its own (a notice), the others are
    /// windowed; a timed log after an untimed head still keeps that head (until).
    func testUntimedSourceFailsAloneAmongOthers() async throws {
        let a = TimedLog(count: 50, seed: 1), b = TimedLog(count: 50, seed: 2, untimedHead: true)
        let junk = Array("no time\nnor here\n".utf8)
        let t = a.times[25]
        let sources: [AsyncChainedLineSources.Source] = [
            ("a", ChunkedBytes(bytes: a.text, size: 100).lineBatches(sourceName: "a")),
            ("junk", ChunkedBytes(bytes: junk, size: 5).lineBatches(sourceName: "junk")),
            ("b", ChunkedBytes(bytes: b.text, size: 100).lineBatches(sourceName: "b")),
        ]
        let chain = AsyncChainedLineSources(sources, onError: { _ in })
        var lines: [String] = []
        var failures: [SluiceError] = []
        for try await batch in chain.until(.instant(t), parser: parser, stop: .endOfSource) {
            if let failure = batch.failure { failures.append(failure) }
            for line in batch { lines.append(String(line)) }
        }
        XCTAssertEqual(failures.map(\.kind), [.noTimestamp])
        XCTAssertEqual(failures.first?.path, "junk")
        XCTAssertEqual(lines, a.lines { $0! <= t } + b.lines { ($0 ?? Int64.min) <= t })
    }
}

/// The number of lines a stream gives and the error that ends it (thrown, or carried by an
/// end-of-source marker or notice).
private func drain(_ s: some AsyncSequence<LineBatch, any Error>) async -> (Int, SluiceError?) {
    var lines = 0
    var failure: SluiceError?
    do {
        for try await batch in s {
            lines += batch.lineCount
            if let f = batch.failure { failure = f }
        }
    } catch let error as SluiceError {
        return (lines, error)
    } catch {
        return (lines, nil)
    }
    return (lines, failure)
}
