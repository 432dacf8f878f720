import Foundation
import XCTest
@testable import Sluice

/// `whereFields`: the prefiltered stage against evaluating every line, at many chunk sizes.
final class WhereTests: XCTestCase {
    /// Lines of every shape (fields.py) and a real-message JSON / logfmt log (make-timed-log).
    static func corpus() throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-where-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes: [UInt8] = []
        let lines = dir.appendingPathComponent("lines").path
        let r = try runTool("/usr/bin/python3", [FieldScannerTests.oracle, "generate", lines, lines + ".x", "--seed", "7", "--count", "1500", "a"])
        XCTAssertEqual(r.status, 0)
        bytes += Array(try Data(contentsOf: URL(fileURLWithPath: lines)))
        for format in ["json", "logfmt"] {
            let out = dir.appendingPathComponent(format).path
            let made = try runTool(sharedDir.appendingPathComponent("bench/make-timed-log").path, [out, "--format", format, "--size", "150000", "--seed", "3"])
            XCTAssertEqual(made.status, 0)
            bytes += Array(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        bytes += Array(#"""
        {"level":"\u0065rror","status":503}
        {"le\u0076el":"error","status":"503"}
        level="\u0065rror" status=503
        {"level":"error","status":5e2}
        {"level":"error","status":500
        level="error status=503
        {"error" :"x","level":"error","status":503}
        {"error":"error","level":"error":1}

        """#.utf8)
        return bytes
    }

    static let expressions = [
        #"level == "error" and status >= 500"#,
        #"level == "error""#,
        "status >= 500",
        #"level in ("warn", "error") or has(dup)"#,
        #"not has(level)"#,
        #"msg ~ "(?i)fail" and not (status == 200)"#,
        #"user == "dave" and latency_ms > 50"#,
        "ts >= 2024-05-13T00:00:00.1Z",
        #"level != "info""#,
        "a == 1 or a == true or a == null",
    ]

    func testStageKeepsWhatEvaluatingEveryLineKeeps() async throws {
        let bytes = try Self.corpus()
        let lines = oracleLines(bytes, keepCR: false)
        for text in Self.expressions {
            let e = try FieldExpression(text, parser: LogTime())
            let reader = FieldReader(e.paths)
            var expected: [Int] = []
            var malformed = 0
            for (i, line) in lines.enumerated() {
                try line.withUnsafeBufferPointer { b in
                    let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    if reader.read(p, b.count) == .malformed { malformed += 1; return }
                    if try e.evaluate(reader, p) { expected.append(i + 1) }
                }
            }
            XCTAssertGreaterThan(expected.count, 0, text)
            XCTAssertLessThan(expected.count, lines.count, text)
            for size in [1 << 20, 4096, 333] {
                let statistics = PipelineStatistics()
                var got: [Int] = []
                var texts: [[UInt8]] = []
                for try await batch in ChunkedBytes(bytes: bytes, size: size).lineBatches().whereFields(e, statistics: statistics) {
                    for line in batch { got.append(line.number); texts.append(line.bytes) }
                }
                XCTAssertEqual(got, expected, "\(text) at \(size)")
                XCTAssertEqual(texts, expected.map { lines[$0 - 1] }, "\(text) at \(size)")
                // Malformed lines are counted among those parsed: all of them without a prefilter.
                if e.requiredLiterals == nil {
                    XCTAssertEqual(statistics.malformedLines, malformed, "\(text) at \(size)")
                } else {
                    XCTAssertLessThanOrEqual(statistics.malformedLines, malformed, "\(text) at \(size)")
                }
            }
        }
    }

    func testEscapedSpellingsPassThePrefilter() async throws {
        let text = #"{"level":"\u0065rror","status":503}"# + "\n" + #"{"le\u0076el":"error","status":503}"# + "\n"
            + #"level="\u0065rror" status=503"# + "\n" + #"{"level":"info","status":503}"# + "\n"
        let e = try FieldExpression(#"level == "error" and status >= 500"#)
        var kept: [Int] = []
        for try await batch in ChunkedBytes(bytes: Array(text.utf8), size: 1 << 20).lineBatches().whereFields(e) {
            for line in batch { kept.append(line.number) }
        }
        XCTAssertEqual(kept, [1, 2, 3])
    }

    func testEverySpellingOfAValuePassesThePrefilter() async throws {
        let lines = [
            #"{"level":"error","status":503}"#, #"{ "level" : "error" , "status" : 503 }"#,
            "level=error status=503", #"level="error" status=503"#, "status=503\tlevel=error",
            "ts=1 level=error\tstatus=503", #"msg="an error" level=info status=503"#,
            #"{"error":{"type":"x"},"level":"error","status":503}"#, "{\"level\":\"error\" \t\r,\"status\":503}",
            #"{"msg":"error","level":"info","status":503}"#, "level=errors status=503", "xlevel=error status=503",
            // `"error"` followed by `:` is a key: the prefilter passes over these lines.
            #"{"error":{"type":"x"},"level":"info","status":503}"#, "{\"error\" \t\r: 1,\"status\":503}",
            // The last line, with no line feed: the value ends the buffer.
            #"status=503 level="error""#,
        ]
        let text = lines.joined(separator: "\n")
        let e = try FieldExpression(#"level == "error" and status >= 500"#)
        var kept: [Int] = []
        for try await batch in ChunkedBytes(bytes: Array(text.utf8), size: 1 << 20).lineBatches().whereFields(e) {
            for line in batch { kept.append(line.number) }
        }
        XCTAssertEqual(kept, [1, 2, 3, 4, 5, 6, 8, 9, 15])
    }

    /// The prefilter passes over a line whose only hit is the value spelled as a key
    /// (`"error":`): seen in the malformed count, which counts the lines parsed.
    func testAKeySpelledAsTheValueIsNotAHit() async throws {
        let text = #"{"error":1,"# + "\n" + #"{"error" : {"a":1}"# + "\n" + #"{"level":"error","# + "\n" + #"{"a":"error"}"# + "\n"
        let e = try FieldExpression(#"level == "error""#)
        let statistics = PipelineStatistics()
        var kept = 0
        for try await batch in ChunkedBytes(bytes: Array(text.utf8), size: 1 << 20).lineBatches().whereFields(e, statistics: statistics) {
            kept += batch.lineCount
        }
        XCTAssertEqual(kept, 0)
        XCTAssertEqual(statistics.malformedLines, 1, "only the third line is parsed")
    }
}
