import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
                // Each line ends where a page the process may not read begins: a scan that
                // reads one byte past the line crashes the test.
                let got: String = Self.guarded.atEnd(line) { p, count in
                    let shape = reader.read(p, count)
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

    /// A page followed by one the process may not touch: a line copied to its end is read in
    /// place, and a read past the line faults.
    final class GuardedPage: @unchecked Sendable {  // used by one test at a time, never concurrently
        let size = Int(sysconf(Int32(_SC_PAGESIZE))) * 64
        let base: UnsafeMutableRawPointer

        init() {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            base = mmap(nil, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
            precondition(base != MAP_FAILED)
            precondition(mprotect(base + size, page, PROT_NONE) == 0)
        }

        /// `body` with `line` placed just before the guard (lines up to 64 pages; longer ones in a plain buffer).
        func atEnd<R>(_ line: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
            guard line.count <= size else {
                return line.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            }
            let start = (base + size - line.count).assumingMemoryBound(to: UInt8.self)
            line.withUnsafeBufferPointer { if let b = $0.baseAddress { start.update(from: b, count: $0.count) } }
            return body(UnsafePointer(start), line.count)
        }
    }

    static let guarded = GuardedPage()

    /// Edge cases of the C scanner: string bodies searched sixteen bytes at a time (the special
    /// byte at every offset, lines cut at every length, ending at a guard page), control bytes,
    /// invalid UTF-8 (passed through, not checked), numbers beyond a double's range, nesting at
    /// the limit, trailing bytes, escaped keys longer than the scanner's stack buffer.
    func testScannerEdges() {
        let reader = FieldReader(["a", "b.c"].map { FieldPath($0)! })
        func read(_ bytes: [UInt8]) -> (LineShape, [String]) {
            Self.guarded.atEnd(bytes) { p, n in
                let shape = reader.read(p, n)
                return (shape, (0..<2).map { k in
                    let v = reader.values[k]
                    guard v.isPresent else { return "-" }
                    return reader.withText(v, p) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
                })
            }
        }
        func read(_ s: String) -> (LineShape, [String]) { read(Array(s.utf8)) }
        for length in 0..<40 {
            let body = String(repeating: "v", count: length)
            XCTAssertEqual(read(#"{"a":"\#(body)"}"#).1, [body, "-"], "length \(length)")
            XCTAssertEqual(read(#"{"a":"\#(body)\"x"}"#).1, [body + "\"x", "-"], "escape after \(length)")
            XCTAssertEqual(read("{\"a\":\"\(body)\u{01}\"}").0, .malformed, "control byte after \(length)")
            XCTAssertEqual(read("{\"a\":\"\(body)\u{7F}\u{1F}\"}").0, .malformed)
            XCTAssertEqual(read("{\"a\":\"\(body)\u{7F} \"}").1, [body + "\u{7F} ", "-"])
            // Every prefix of a valid line is malformed (and is read without a byte past its end).
            let line = Array(#"{"a":"\#(body)","b":{"c":[1,2.5e3,"\u00e9"]}}"#.utf8)
            for cut in 1..<line.count { XCTAssertEqual(read(Array(line[..<cut])).0, .malformed, "cut \(cut) of \(length)") }
            XCTAssertEqual(read(line).1, [body, #"[1,2.5e3,"\u00e9"]"#])
        }
        XCTAssertEqual(read([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xC0, 0x80, 0x22, 0x7D]).0, .json, "invalid UTF-8 passes")
        XCTAssertEqual(read([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x2C, 0x22, 0x61, 0x22, 0x3A, 0x32, 0x7D]).1, ["2", "-"])
        XCTAssertEqual(read(#"{"a":1e400,"b":{"c":-123456789012345678901234567890e-999}}"#).1,
                       ["1e400", "-123456789012345678901234567890e-999"])
        XCTAssertEqual(read(#"{"a":01}"#).0, .malformed)
        XCTAssertEqual(read(#"{"a":1.}"#).0, .malformed)
        XCTAssertEqual(read(#"{"a":-}"#).0, .malformed)
        XCTAssertEqual(read(#"{"a":1} "#).0, .json)
        for trailing in ["x", "{}", ",", "\u{0}", "}", " 1"] { XCTAssertEqual(read(#"{"a":1}"# + trailing).0, .malformed, trailing) }
        let limit = FieldScanner.maximumDepth
        func nested(_ depth: Int) -> String { "{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}" }
        XCTAssertEqual(read(nested(limit)).0, .json)
        XCTAssertEqual(read(nested(limit + 1)).0, .malformed)
        let longKey = String(repeating: "k", count: 600)
        XCTAssertEqual(read(#"{"\#(longKey)\u0061":1,"a":2,"\u0061":3}"#).1, ["3", "-"], "escaped keys, one past the stack buffer")
        XCTAssertEqual(read(#"{"b":{"\u0063":"x"},"b":5}"#).1, ["-", "-"])
        XCTAssertEqual(read(#"{"b":{"\u0063":"x"}}"#).1, ["-", "x"])
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
