import Foundation
import Synchronization
import XCTest
@testable import Sluice

/// `AsyncMergedLineSources` with `InitialParts`: followed files' first parts come whole and in
/// the order of the sources, whatever order their readers finish in; an open empty file gives
/// one empty batch with its name there, a missing one and a source that is not followed give
/// none; then new lines come as they are added, and stopping adds no end marker.
final class MergeTests: XCTestCase {
    /// What the merge yielded, in order: `(source, line)` per line, `(source, nil)` per batch without lines.
    final class Seen: Sendable {
        let items = Mutex<[(String, String?)]>([])
        func add(_ batch: LineBatch) {
            let name = batch.sourceName ?? "?"
            var lines: [(String, String?)] = []
            for line in batch { lines.append((name, line.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })) }
            if lines.isEmpty { lines.append((name, nil)) }
            items.withLock { $0 += lines }
        }
        var count: Int { items.withLock { $0.count } }
        var all: [(String, String?)] { items.withLock { $0 } }
    }

    func waitUntil(_ what: String, seconds: Double = 20, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() && Date() < deadline { usleep(5_000) }
        XCTAssertTrue(condition(), what)
    }

    func testFirstPartsInSourceOrderThenAsTheyCome() async throws {
        let dir = NSTemporaryDirectory() + "sluice-merge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Many chunks (4 KiB each) in the first source, so that the others' readers finish first.
        let big = (1...20_000).map { "big \($0)" }, small = ["s1", "s2", "s3"], plain = ["p1", "p2"]
        try Data((big.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/big"))
        try Data().write(to: URL(fileURLWithPath: dir + "/empty"))
        try Data((small.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/small"))
        try Data((plain.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/plain"))
        for round in 0..<5 {
            let stop = StopToken()
            let names = ["big", "empty", "missing", "plain", "small"]
            let parts = InitialParts(count: names.count)
            var sources: [AsyncChainedLineSources.Source] = []
            for (index, name) in names.enumerated() {
                if name == "plain" {
                    // Not followed: read to its end, it counts as caught up then.
                    sources.append((name, FileChunks(path: dir + "/plain").lineBatches(sourceName: name)))
                    continue
                }
                var file = FollowedFile(path: dir + "/" + name, start: .offset(0), follow: .name, retry: true,
                                        pollInterval: .milliseconds(20), chunkSize: 4096)
                file.stop = stop
                file.onCaughtUp = { parts.caughtUp(index, opened: $0) }
                sources.append((name, file.lineBatches(sourceName: name)))
            }
            let merged = AsyncMergedLineSources(sources, initialParts: parts, onError: { XCTFail("\($0)") })
            let seen = Seen()
            let reader = Task {
                for try await batch in merged {
                    XCTAssertFalse(batch.endsSource, "no end marker")
                    seen.add(batch)
                }
            }
            let first: [(String, String?)] = big.map { ("big", $0) } + [("empty", nil)] + plain.map { ("plain", $0) }
                + small.map { ("small", $0) }
            waitUntil("round \(round): the first parts") { seen.count >= first.count }
            let got = seen.all
            XCTAssertEqual(got.count, first.count, "round \(round)")
            XCTAssertTrue(zip(got, first).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 },
                          "round \(round): first parts out of order: \(got.map(\.0).reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } })")
            // New lines, as they come.
            let fd = open(dir + "/empty", O_WRONLY | O_APPEND)
            _ = write(fd, "e1\n", 3)
            close(fd)
            waitUntil("round \(round): the added line") { seen.count == first.count + 1 }
            XCTAssertEqual(seen.all.last?.0, "empty")
            XCTAssertEqual(seen.all.last?.1, "e1")
            stop.request()
            try await reader.value
            XCTAssertEqual(seen.count, first.count + 1, "round \(round): nothing more after the stop")
            try Data().write(to: URL(fileURLWithPath: dir + "/empty"))
        }
    }
}
