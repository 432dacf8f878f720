import Foundation
import XCTest
@testable import Sluice

/// `fields`: JSON output against Foundation's JSON reading of the input lines, logfmt output
/// read back by the scanner, on the generated lines of every shape.
final class FieldsTests: XCTestCase {
    static let names = ["level", "a.b", "msg", "n", "missing"]

    func testJSONOutputHoldsTheInputsValuesAndLogfmtReadsBack() async throws {
        // Without lone surrogates (\ud800): Sluice decodes them to U+FFFD as jq does, Foundation does not.
        let lines = oracleLines(try WhereTests.corpus(), keepCR: false).filter { !String(decoding: $0, as: UTF8.self).contains(#"\ud800"#) }
        let bytes: [UInt8] = lines.flatMap { $0 + [UInt8(0x0A)] }
        let paths = Self.names.map { FieldPath($0)! }
        let reader = FieldReader(paths)
        var expected: [[String: Any]] = []
        var expectedLogfmt: [[String]] = []
        for line in lines {
            let shape = line.withUnsafeBufferPointer { b in reader.read(b.baseAddress ?? UnsafePointer(bitPattern: 1)!, b.count) }
            guard shape == .json || shape == .logfmt else { continue }
            var object: [String: Any] = [:]
            if shape == .json {
                let whole = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) as? [String: Any])
                for name in Self.names {
                    var cur: Any? = whole
                    for part in name.split(separator: ".") { cur = (cur as? [String: Any])?[String(part)] }
                    object[name] = cur ?? NSNull()
                }
            } else {
                for (k, name) in Self.names.enumerated() {
                    let v = reader.values[k]
                    object[name] = v.isPresent ? line.withUnsafeBufferPointer { b in
                        reader.withText(v, b.baseAddress!) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
                    } : NSNull()
                }
            }
            expected.append(object)
            // What logfmt output must read back as: the decoded text (JSON scalars as written).
            expectedLogfmt.append(Self.names.indices.compactMap { k in
                let v = reader.values[k]
                guard v.isPresent else { return nil }
                return line.withUnsafeBufferPointer { b in
                    if v.kind == .object || v.kind == .array {
                        var compact: [UInt8] = []
                        JSONText.appendMinified(b.baseAddress! + v.start, v.end - v.start, to: &compact)
                        return "\(Self.names[k])=" + String(decoding: compact, as: UTF8.self)
                    }
                    return "\(Self.names[k])=" + reader.withText(v, b.baseAddress!) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
                }
            })
        }
        XCTAssertGreaterThan(expected.count, 1000)
        var got: [[String: Any]] = []
        for try await batch in ChunkedBytes(bytes: bytes, size: 777).lineBatches().fields(paths, format: .json) {
            for line in batch {
                got.append(try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.bytes)) as? [String: Any], String(line)))
            }
        }
        XCTAssertEqual(got.count, expected.count)
        for (g, e) in zip(got, expected) {
            XCTAssertEqual(NSDictionary(dictionary: g), NSDictionary(dictionary: e))
        }
        // logfmt: lines with no field are dropped; the rest read back to the same text.
        var back: [[String]] = []
        let again = FieldReader(paths)
        for try await batch in ChunkedBytes(bytes: bytes, size: 1 << 20).lineBatches().fields(paths) {
            for line in batch {
                let bytes = line.bytes
                back.append(bytes.withUnsafeBufferPointer { b in
                    XCTAssertEqual(again.read(b.baseAddress!, b.count), .logfmt, String(line))
                    return Self.names.indices.compactMap { k in
                        let v = again.values[k]
                        guard v.isPresent else { return nil }
                        let text = again.withText(v, b.baseAddress!) { String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
                        return "\(Self.names[k])=" + text
                    }
                })
            }
        }
        XCTAssertEqual(back, expectedLogfmt.filter { !$0.isEmpty })
    }
}
