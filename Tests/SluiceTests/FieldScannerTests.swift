import Foundation
import XCTest
@testable import Sluice

/// The JSON / logfmt field scanner against Python's json module and a separate logfmt reader
/// (Tests/Oracles/fields.py) on generated lines: escapes, unicode, nesting, duplicate keys
/// (the last wins), numbers in every JSON form, very long values, broken lines.
final class FieldScannerTests: XCTestCase {
    static let oracle = repositoryRoot.appendingPathComponent("Tests/Oracles/fields.py").path
    static let paths = ["a", "b", "c", "a.b", "a.b.c", "level", "msg", "n", "dup", "é", "status", "x", "a.a", "k\"q"]

    /// The canonical form fields.py prints for a value.
    static func canonical(_ v: FieldValue, _ p: UnsafePointer<UInt8>, _ reader: FieldReader) -> String {
        func hex(_ q: UnsafePointer<UInt8>, _ n: Int) -> String {
            UnsafeBufferPointer(start: q, count: n).map { String(format: "%02x", $0) }.joined()
        }
        switch v.kind {
        case .missing: return "-"
        case .string: return "s:" + reader.withText(v, p) { hex($0, $1) }
        case .text: return "x:" + reader.withText(v, p) { hex($0, $1) }
        case .number:
            guard let number = JSONText.number(p + v.start, v.end - v.start) else { return "n:?" }
            let d = number + 0.0  // -0 and 0 alike, as the oracle prints them
            return "n:" + String(format: "%016llx", d.bitPattern)
        case .true: return "t"
        case .false: return "f"
        case .null: return "z"
        case .object: return "o"
        case .array: return "a"
        }
    }

    static func shapeName(_ s: LineShape) -> String {
        switch s {
        case .json: return "json"
        case .logfmt: return "logfmt"
        case .neither: return "neither"
        case .malformed: return "malformed"
        }
    }

    func testFieldsMatchPythonJSONAndTheLogfmtOracle() throws {
        let dir = try XCTUnwrap(FileManager.default.temporaryDirectory.appendingPathComponent("sluice-fields-\(getpid())"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = FieldReader(Self.paths.map { FieldPath($0)! })
        var shapes: [String: Int] = [:]
        for seed in 1...4 {
            let linesPath = dir.appendingPathComponent("lines").path, expectedPath = dir.appendingPathComponent("expected").path
            let result = try runTool("/usr/bin/python3", [Self.oracle, "generate", linesPath, expectedPath, "--seed", "\(seed)",
                                                          "--count", "2000"] + Self.paths)
            XCTAssertEqual(result.status, 0)
            let lines = oracleLines(Array(try Data(contentsOf: URL(fileURLWithPath: linesPath))), keepCR: true)
            let expected = try String(contentsOfFile: expectedPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertEqual(lines.count, expected.count)
            var failures = 0
            for (line, want) in zip(lines, expected) {
                let got: String = line.withUnsafeBufferPointer { buffer in
                    let p = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    let shape = reader.read(p, buffer.count)
                    shapes[Self.shapeName(shape), default: 0] += 1
                    return ([Self.shapeName(shape)] + (0..<Self.paths.count).map { Self.canonical(reader.values[$0], p, reader) })
                        .joined(separator: "\t")
                }
                if got != String(want) {
                    failures += 1
                    if failures <= 5 {
                        XCTFail("seed \(seed): \(String(decoding: line.prefix(300), as: UTF8.self))\n got  \(got.prefix(400))\n want \(want.prefix(400))")
                    }
                }
            }
            XCTAssertEqual(failures, 0, "seed \(seed)")
        }
        // The generator reaches every shape often.
        for shape in ["json", "logfmt", "neither", "malformed"] { XCTAssertGreaterThan(shapes[shape] ?? 0, 300, shape) }
    }

    func testHandPickedLines() {
        let reader = FieldReader(["level", "http.status", "a.b"].map { FieldPath($0)! })
        func read(_ s: String) -> (LineShape, [String]) {
            Array(s.utf8).withUnsafeBufferPointer { b in
                let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
                let shape = reader.read(p, b.count)
                return (shape, (0..<3).map { k in
                    let v = reader.values[k]
                    return v.isPresent ? reader.withText(v, p) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) } : "-"
                })
            }
        }
        XCTAssertEqual(read(#"{"level":"error","http":{"status":503}}"#).1, ["error", "503", "-"])
        XCTAssertEqual(read(#"{ "level" : "e\u0072ror" , "http" : { "status" : 5e2 } }"#).1, ["error", "5e2", "-"])
        XCTAssertEqual(read(#"{"a":{"b":1},"a":{"c":2}}"#).1, ["-", "-", "-"], "the last duplicate wins, nested too")
        XCTAssertEqual(read(#"{"a":{"b":1},"a":{"b":2}}"#).1, ["-", "-", "2"])
        XCTAssertEqual(read(#"{"a.b":1}"#).1, ["-", "-", "-"], "a dotted path is nesting in JSON")
        XCTAssertEqual(read(#"a.b=1 level="say \"hi\"" http.status=503"#).1, ["say \"hi\"", "503", "1"])
        XCTAssertEqual(read("level=info level=warn").1, ["warn", "-", "-"])
        XCTAssertEqual(read(#"{"level":"x"} trailing"#).0, .malformed)
        XCTAssertEqual(read(#"{"level":"x\"}"#).0, .malformed)
        XCTAssertEqual(read(#"level="unterminated"#).0, .malformed)
        XCTAssertEqual(read("plain text level=error").0, .neither)
        XCTAssertEqual(read("").0, .neither)
        XCTAssertEqual(read(String(repeating: "[", count: 100_000)).0, .neither)
        XCTAssertEqual(read("{\"a\":" + String(repeating: "[", count: 100_000)).0, .malformed, "deep nesting: no crash")
        XCTAssertEqual(read("{\"level\":\"ok\"}\r").1, ["ok", "-", "-"], "a CR is JSON white space")
    }
}
