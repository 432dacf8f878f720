import Foundation
import XCTest
@testable import Sluice

/// `countBy`: against a dictionary count of the scanner's values, ordering, `top`, JSON,
/// time buckets and named groups.
final class CountByTests: XCTestCase {
    func output(_ s: some AsyncSequence<[UInt8], any Error>) async throws -> String {
        var out: [UInt8] = []
        for try await bytes in s { out += bytes }
        return String(decoding: out, as: UTF8.self)
    }

    func testCountsMatchADictionaryCount() async throws {
        let bytes = try WhereTests.corpus()
        let lines = oracleLines(bytes, keepCR: false)
        let reader = FieldReader([FieldPath("level")!, FieldPath("status")!])
        var naive: [String: Int] = [:]
        for line in lines {
            line.withUnsafeBufferPointer { b in
                let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
                guard reader.read(p, b.count) != .malformed else { return }
                let cells = (0..<2).map { k -> String in
                    let v = reader.values[k]
                    guard v.isPresent else { return "-" }
                    guard v.kind != .object && v.kind != .array else { return "<json>" }
                    return reader.withText(v, p) { q, n in
                        // The table writes control bytes escaped.
                        String(decoding: UnsafeBufferPointer(start: q, count: n), as: UTF8.self).unicodeScalars.map { c -> String in
                            switch c.value {
                            case 0x0A: return "\\n"
                            case 0x09: return "\\t"
                            case 0x0D: return "\\r"
                            case 0..<0x20, 0x7F: return String(format: "\\x%02x", c.value)
                            default: return String(c)
                            }
                        }.joined()
                    }
                }
                naive[cells.joined(separator: "\t"), default: 0] += 1
            }
        }
        let text = try await output(ChunkedBytes(bytes: bytes, size: 4096).lineBatches()
            .countBy([.field(FieldPath("level")!), .field(FieldPath("status")!)]))
        var got: [String: Int] = [:]
        var previous: (Int, String)?
        for row in text.split(separator: "\n") {
            let trimmed = row.drop { $0 == " " }
            let count = Int(trimmed.prefix { $0 != " " })!
            var key = String(trimmed.drop { $0 != " " }.dropFirst())
            if key.contains("{") || key.contains("[") { key = key.split(separator: "\t", omittingEmptySubsequences: false).map { $0.hasPrefix("{") || $0.hasPrefix("[") ? "<json>" : String($0) }.joined(separator: "\t") }
            got[key, default: 0] += count
            // Most frequent first; ties by the keys' bytes (checked where the table shows them
            // as they are: no missing key, object or escape).
            if let (c, k) = previous {
                XCTAssertGreaterThanOrEqual(c, count)
                let plain = { (t: String) in !t.contains("<json>") && !t.contains("\\") && !t.split(separator: "\t", omittingEmptySubsequences: false).contains("-") }
                if c == count && plain(k) && plain(key) {
                    let a = k.split(separator: "\t", omittingEmptySubsequences: false).map { Array($0.utf8) }
                    let b = key.split(separator: "\t", omittingEmptySubsequences: false).map { Array($0.utf8) }
                    XCTAssertFalse(b.lexicographicallyPrecedes(a) { $0.lexicographicallyPrecedes($1) }, "order: \(k) then \(key)")
                }
            }
            previous = (count, key)
        }
        XCTAssertEqual(got, naive)
        let top = try await output(ChunkedBytes(bytes: bytes, size: 1 << 20).lineBatches().countBy([.field(FieldPath("status")!)], top: 3))
        XCTAssertEqual(top.split(separator: "\n").count, 3)
    }

    func testJSONTimeBucketsAndNamedGroups() async throws {
        let text = """
        {"ts":"2024-05-13T08:00:59Z","status":503,"user":"a b"}
        ts=2024-05-13T08:01:00Z status=503 user=bob
        {"ts":"2024-05-13T09:30:00Z","status":"503"}
        plain line user=carol user=dave

        """
        let lines = ChunkedBytes(bytes: Array(text.utf8), size: 1 << 20).lineBatches()
        let json = try await output(lines.countBy([.field(FieldPath("status")!)], format: .jsonLines))
        XCTAssertEqual(json, #"{"status":"503","count":2}"# + "\n" + #"{"status":null,"count":1}"# + "\n" + #"{"status":503,"count":1}"# + "\n")
        let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)
        let got1 = try await output(lines.countBy([.time(.minute, parser: parser)]))
        XCTAssertEqual(got1,
                       "      1 -\n      1 2024-05-13T08:00Z\n      1 2024-05-13T08:01Z\n      1 2024-05-13T09:30Z\n")
        let got2 = try await output(lines.countBy([.time(.hour, parser: parser)]))
        XCTAssertEqual(got2, "      2 2024-05-13T08Z\n      1 -\n      1 2024-05-13T09Z\n")
        let east = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 7200)
        let got3 = try await output(lines.countBy([.time(.day, parser: east)], top: 1))
        XCTAssertEqual(got3, "      3 2024-05-13\n")
        let pattern = try GrepPattern(#"user=(?<user>\w+)"#, syntax: .perl)
        let key = try XCTUnwrap(CountKey.capture("user", of: pattern))
        XCTAssertNil(CountKey.capture("nope", of: pattern))
        // Every match counts (grep -o); lines without one are not counted.
        let got4 = try await output(lines.countBy([key]))
        XCTAssertEqual(got4, "      1 bob\n      1 carol\n      1 dave\n")
    }

    /// A line PCRE2 gives up on is an error naming its line, never a line left out of the counts.
    func testCaptureThatPCRE2GivesUpOnIsAnError() async throws {
        let text = "user=ok\n" + String(repeating: "a", count: 60) + "\n"
        let lines = ChunkedBytes(bytes: Array(text.utf8), size: 1 << 20).lineBatches()
        // Exponential backtracking: PCRE2 stops at its match limit on the second line.
        let pattern = try GrepPattern(#"(?<user>ok)|(?:a|aa)*c"#, syntax: .perl)
        let key = try XCTUnwrap(CountKey.capture("user", of: pattern))
        do {
            let got = try await output(lines.countBy([key]))
            XCTFail("expected a match failure, got \(got.debugDescription)")
        } catch let error as SluiceError {
            XCTAssertEqual(error.kind, .matchFailed)
            XCTAssertEqual(error.lineNumber, 2)
        }
    }
}
