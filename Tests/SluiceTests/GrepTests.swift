import Foundation
import XCTest
@testable import Sluice

final class GrepTests: XCTestCase {
    /// Runs `grep` over `text` cut into `size`-byte chunks; returns the selected lines as strings
    /// (context lines prefixed with "-", group starts with "--").
    func run(_ text: String, _ pattern: GrepPattern, _ options: GrepOptions = GrepOptions(), size: Int = 4096) async throws -> [String] {
        var out: [String] = []
        for try await batch in ChunkedBytes(bytes: Array(text.utf8), size: size).lineBatches().grep(pattern, options: options) {
            for entry in batch.entries ?? [] {
                if entry.startsGroup { out.append("--") }
                let s = String(decoding: batch.storage[entry.range], as: UTF8.self)
                out.append(entry.isContext ? "-" + s : s)
            }
        }
        return out
    }

    /// The fast whole-buffer path agrees with a line-by-line oracle on real-looking logs at every chunk size.
    func testSelectionMatchesOracle() async throws {
        let text = String(decoding: fixtureBytes("text/lf.log") + fixtureBytes("text/crlf.log"), as: UTF8.self)
        let lines = oracleLines(Array(text.utf8), keepCR: false).map { String(decoding: $0, as: UTF8.self) }
        let cases: [(GrepPattern, (String) -> Bool)] = [
            (try GrepPattern("error"), { $0.contains("error") }),
            (try GrepPattern("ERROR", ignoreCase: true), { $0.lowercased().contains("error") }),
            (try GrepPattern("timeout|refused"), { $0.contains("timeout") || $0.contains("refused") }),
            (try GrepPattern(["Failed", "healthcheck"], syntax: .fixed), { $0.contains("Failed") || $0.contains("healthcheck") }),
            (try GrepPattern("a.c", syntax: .fixed), { $0.contains("a.c") }),
            (try GrepPattern("^20"), { $0.hasPrefix("20") }),
        ]
        for (pattern, oracle) in cases {
            for size in [1, 7, 4096, 1 << 20] {
                let got = try await run(text, pattern, size: size)
                XCTAssertEqual(got, lines.filter(oracle), "\(pattern.patterns) at \(size)")
                var inverted = GrepOptions()
                inverted.invert = true
                let gotInverted = try await run(text, pattern, inverted, size: size)
                XCTAssertEqual(gotInverted, lines.filter { !oracle($0) }, "-v \(pattern.patterns) at \(size)")
            }
        }
    }

    /// Searching batches ahead in tasks of their own (``GrepOptions/scansAhead``) selects the
    /// same lines, numbers and offsets, in order, as searching each batch when it is selected:
    /// with -m (which stops in the middle of a batch searched ahead), a NUL that makes the source
    /// binary (the batch is split, and its part searched again), and several sources.
    func testScanningAheadSelectsWhatScanningInTurnSelects() async throws {
        var text = ""
        for i in 0..<3000 { text += i % 7 == 0 ? "\(i) error: connection refused\n" : "\(i) ok fine\n" }
        // (The NUL past the first reads: the lines before it are text, as GNU grep reads them.)
        let binary = String(repeating: text, count: 4) + "x\u{0}y error\n" + text
        let patterns = [try GrepPattern("error"), try GrepPattern("(refused|err)[a-z]*: ", syntax: .extended),
                        try GrepPattern(["refused", "error:", "zzz"], syntax: .fixed)]
        func selected(_ input: String, _ pattern: GrepPattern, _ options: GrepOptions, size: Int) async throws -> [String] {
            var out: [String] = []
            let stream = ChunkedBytes(bytes: Array(input.utf8), size: size).lineBatches(sourceName: "f").grep(pattern, options: options)
            for try await batch in stream {
                if batch.endsSource { out.append("end \(batch.binaryMatch)"); continue }
                for entry in batch.entries ?? [] {
                    out.append("\(entry.number):\(entry.byteOffset):" + String(decoding: batch.storage[entry.range], as: UTF8.self))
                }
            }
            return out
        }
        var searchedAhead = 0
        for pattern in patterns {
            for size in [64, 4096, 65536] {
                for (input, maxCount, binaryFiles) in [(text, nil, BinaryFiles.text), (text, 100, .text), (binary, nil, .binary)] {
                    var options = GrepOptions()
                    options.maxCount = maxCount
                    options.binaryFiles = binaryFiles
                    let inTurn = try await selected(input, pattern, options, size: size)
                    options.scansAhead = 2
                    let ahead = try await selected(input, pattern, options, size: size)
                    XCTAssertEqual(ahead, inTurn, "\(pattern.patterns) size \(size) -m \(String(describing: maxCount)) \(binaryFiles)")
                    XCTAssertGreaterThan(inTurn.count, 10, "\(inTurn.prefix(3)) \(input.utf8.count) \(String(describing: maxCount)) \(binaryFiles) \(size)")
                    searchedAhead += 1
                }
            }
        }
        // The batches searched ahead carry their lines to the selector.
        var options = GrepOptions()
        options.scansAhead = 2
        var iterator = ChunkedBytes(bytes: Array(text.utf8), size: 4096).lineBatches().makeAsyncIterator()
        let first = try await iterator.next()!
        let found = LineSelector.searched(first, with: patterns[0].matcher)
        XCTAssertEqual(found.matchingLines?.count, first.storage[first.region].split(separator: 0x0A).filter { $0.contains(0x3A) }.count)
        XCTAssertEqual(searchedAhead, 27)
    }

    func testWholeWordAndWholeLine() async throws {
        let text = "error\nerrors\nterror\nan error here\nerror_x\n"
        let word = try await run(text, try GrepPattern("error", wholeWord: true))
        XCTAssertEqual(word, ["error", "an error here"])
        let wordFixed = try await run(text, try GrepPattern("error", syntax: .fixed, wholeWord: true))
        XCTAssertEqual(wordFixed, ["error", "an error here"])
        let line = try await run(text, try GrepPattern("error", wholeLine: true))
        XCTAssertEqual(line, ["error"])
        let lineRegex = try await run(text, try GrepPattern("e.*s", wholeLine: true))
        XCTAssertEqual(lineRegex, ["errors"])
    }

    func testContextAndGroupSeparators() async throws {
        let text = (1...12).map { $0 == 3 || $0 == 4 || $0 == 10 ? "hit \($0)" : "line \($0)" }.joined(separator: "\n") + "\n"
        var options = GrepOptions()
        options.beforeContext = 1
        options.afterContext = 1
        for size in [1, 5, 4096] {
            let got = try await run(text, try GrepPattern("hit"), options, size: size)
            XCTAssertEqual(got, ["-line 2", "hit 3", "hit 4", "-line 5", "--", "-line 9", "hit 10", "-line 11"], "chunk \(size)")
        }
    }

    func testMaxCountStopsSelectingButKeepsTrailingContext() async throws {
        var options = GrepOptions()
        options.maxCount = 2
        let text = "a1\nb\na2\na3\nc\n"
        let got = try await run(text, try GrepPattern("a"), options)
        XCTAssertEqual(got, ["a1", "a2"])
        options.afterContext = 1
        let withContext = try await run(text, try GrepPattern("a"), options)
        XCTAssertEqual(withContext, ["a1", "-b", "a2", "-a3"])
    }

    func testBadPatternIsATypedError() {
        XCTAssertThrowsError(try GrepPattern("(unclosed")) { error in
            XCTAssertEqual(error as? SluiceError, .patternSyntax(reason: "Unmatched ( or \\("))
        }
        XCTAssertThrowsError(try GrepPattern("(unclosed", syntax: .perl)) { error in
            guard let failure = error as? SluiceError, failure.kind == .badPattern, let pattern = failure.pattern, let reason = failure.reason else { return XCTFail("\(error)") }
            XCTAssertEqual(pattern, "(unclosed")
            XCTAssertFalse(reason.isEmpty)
        }
    }

    func testLineNumbersAndOffsetsOfSelectedLines() async throws {
        let text = "x\nfoo 1\ny\r\nfoo 2\n"
        var found: [(Int, Int64)] = []
        for try await line in ChunkedBytes(bytes: Array(text.utf8), size: 3).lineBatches().grep(try GrepPattern("foo")).lines() {
            found.append((line.number, line.byteOffset))
        }
        XCTAssertEqual(found.map(\.0), [2, 4])
        XCTAssertEqual(found.map(\.1), [2, 11])
    }

    func testMatchRangesForOnlyMatching() throws {
        let pattern = try GrepPattern("o+")
        let ranges = Array("foo boo x".utf8).withUnsafeBytes { pattern.matchRanges(in: $0) }
        XCTAssertEqual(ranges, [1..<3, 5..<7])
    }
}
