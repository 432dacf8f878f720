import Foundation
import XCTest
@testable import Sluice

/// LogTime on timestamp dialects it was not written from, against Python's strptime
/// (Tests/Oracles/dialects.py): every line is read with the right instant or not at all, never
/// with a wrong one. Also `TimeFormat` (`--time-format`) against strptime on generated lines.
final class LogTimeDialectTests: XCTestCase {
    let dialects = repositoryRoot.appendingPathComponent("Tests/Oracles/dialects.py").path

    func values(_ path: String, _ parser: LogTime) -> [String] {
        let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
        return oracleLines(bytes, keepCR: false).map { line in
            line.withUnsafeBytes { parser.parse($0) }.map(String.init) ?? "-"
        }
    }

    func python(_ arguments: [String]) throws -> [String] {
        let result = try runTool("/usr/bin/python3", [dialects] + arguments)
        XCTAssertEqual(result.status, 0, arguments.joined(separator: " "))
        return result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "dialects-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Compares line by line, naming the line that differs.
    func assertSame(_ mine: [String], _ theirs: [String], _ path: String, _ what: String) {
        XCTAssertEqual(mine.count, theirs.count, what)
        let lines = oracleLines(Array(FileManager.default.contents(atPath: path) ?? Data()), keepCR: false)
        var failures = 0
        for (k, (a, b)) in zip(mine, theirs).enumerated() where a != b {
            failures += 1
            if failures <= 10 {
                XCTFail("\(what): line \(k + 1) read as \(a), strptime says \(b): \(String(decoding: lines[k].prefix(100), as: UTF8.self))")
            }
        }
        XCTAssertEqual(failures, 0, what)
    }

    func testLoghubSamplesAgainstTheirKnownFormats() throws {
        let dir = sharedDir.appendingPathComponent("data/loghub").path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".log") }), !names.isEmpty else {
            throw XCTSkip("no loghub samples beside the repository")
        }
        for name in names.sorted() {
            let path = dir + "/" + name
            for (year, month, offset) in [(2017, 12, 0), (2016, 6, -25200), (2024, 1, 19800)] {
                let mine = values(path, LogTime(referenceYear: year, referenceMonth: month, zoneOffset: offset))
                let theirs = try python(["loghub", path, "--year", "\(year)", "--month", "\(month)", "--offset", "\(offset)"])
                assertSame(mine, theirs, path, "\(name) \(year)/\(month)/\(offset)")
            }
        }
    }

    func testEveryDialectReadRightOrNotAtAll() throws {
        let dir = try temporaryDirectory()
        for (seed, offset) in [(1, 0), (2, 7200), (3, -25200), (4, 19800)] {
            let path = "\(dir)/dialects-\(seed).log"
            _ = try python(["generate", path, "--seed", "\(seed)", "--count", "60", "--year", "2024", "--month", "12", "--offset", "\(offset)"])
            let expected = try String(contentsOfFile: path + ".expected", encoding: .utf8)
                .split(separator: "\n").map(String.init)
            let mine = values(path, LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: offset))
            assertSame(mine, expected, path, "seed \(seed), offset \(offset)")
        }
    }

    func testKnownInstantsOfNewDialects() {
        let t = Int64(1_715_587_200) * LogTime.second  // 2024-05-13T08:00:00Z
        let p = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 3600)
        func parse(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { p.parse($0) } }
        let cases: [(String, Int64?)] = [
            ("2024-05-13 08:00:00.123 UTC [42] LOG:  x", t + 123_000), ("2024-05-13 10:00:00 CEST x", t),
            ("2024-05-13 04:00:00 EDT", t), ("2024-05-13 08:00:00 GMT", t), ("2024-05-13 17:00:00 JST x", t),
            ("2024-05-13 09:00:00 INFO x", t), ("2024-05-13 08:00:00 CST x", nil), ("2024-05-13 08:00:00 IST", nil),
            ("2024-05-13 08:00:00 UTC+2 x", nil), ("13-May-2024 09:00:00.250 INFO [main]", t + 250_000),
            ("I0513 09:00:00.000001    7 main.go:1] x", t + 1), ("F0513 09:00:00.5 x", t + 500_000),
            ("Mon 2024-05-13 10:00:00 CEST host x", t), ("Mon May 13 08:00:00 UTC 2024", t),
            ("Mon May 13 08:00:00 CST 2024", nil), ("20240513T080000Z x", t), ("20240513T100000.5+0200", t + 500_000),
            ("example.com:80 10.0.0.1 - - [13/May/2024:08:00:00 +0000] \"GET /\"", t),
            ("10.0.0.1 - john doe [13/May/2024:10:00:00 +0200] \"GET /\"", t),
            ("{\"log\":\"a \\\"time\\\":\\\"2001-01-01T00:00:00Z\\\"\",\"time\":\"2024-05-13T08:00:00.123456789Z\"}", t + 123_456),
            ("{\"a\":{\"ts\":\"2001-01-01T00:00:00Z\"},\"b\":[1,{\"time\":2}],\"ts\":1715587200}", t),
            ("{\"a\":{\"ts\":\"2001-01-01T00:00:00Z\"}}", nil), ("<34>1 - host app - - - x", nil),
            ("13/05/2024 08:00:00 x", nil), ("05/13/2024 08:00:00 AM x", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parse(text), expected, text)
        }
    }

    // MARK: - --time-format

    func testTimeFormatAgainstStrptime() throws {
        let dir = try temporaryDirectory()
        let formats = ["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "[%d/%b/%Y:%H:%M:%S %z]", "%Y%m%d %H%M%S",
                       "%d.%m.%y %H:%M:%S.%f", "%b %d %H:%M:%S", "%A, %B %d, %Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f%z",
                       "%a %b %d %H:%M:%S %Y", "%H:%M:%S %d-%m-%Y", "%y%m%d-%H:%M"]
        for (k, format) in formats.enumerated() {
            let path = "\(dir)/format-\(k).log"
            _ = try python(["formatted", path, format, "--seed", "\(k + 1)", "--count", "300"])
            let parser = LogTime(referenceYear: 2023, referenceMonth: 6, zoneOffset: 0, format: try TimeFormat(format))
            let theirs = try python(["strptime", path, format, "--year", "2023", "--month", "6", "--offset", "0"])
            let mine = values(path, parser)
            assertSame(mine, theirs, path, format)
            XCTAssertGreaterThan(mine.filter { $0 != "-" }.count, 200, format)
        }
        // A zone offset for times without one.
        let path = "\(dir)/local.log"
        _ = try python(["formatted", path, "%d/%m/%Y %H:%M:%S", "--seed", "9", "--count", "100"])
        let parser = LogTime(referenceYear: 2023, referenceMonth: 12, zoneOffset: -18000, format: try TimeFormat("%d/%m/%Y %H:%M:%S"))
        assertSame(values(path, parser), try python(["strptime", path, "%d/%m/%Y %H:%M:%S", "--offset", "-18000"]), path, "offset")
    }

    func testTimeFormatForcesOneFormatAndRefusesWhatItCannotRead() throws {
        let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0, format: try TimeFormat("%d/%m/%Y %H:%M:%S"))
        func parse(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { parser.parse($0) } }
        XCTAssertEqual(parse("13/05/2024 08:00:00 x"), 1_715_587_200 * LogTime.second)
        XCTAssertNil(parse("2024-05-13T08:00:00Z x"), "other formats are not read")
        XCTAssertNil(parse("31/02/2024 08:00:00"))
        let epoch = LogTime(format: try TimeFormat("%s.%f"))
        XCTAssertEqual(Array("1715587200.25 x".utf8).withUnsafeBytes { epoch.parse($0) }, 1_715_587_200 * LogTime.second + 250_000)
        let named = LogTime(format: try TimeFormat("%Y-%m-%d %T %Z"))
        XCTAssertEqual(Array("2024-05-13 10:00:00 CEST".utf8).withUnsafeBytes { named.parse($0) }, 1_715_587_200 * LogTime.second)
        XCTAssertNil(Array("2024-05-13 10:00:00 CST".utf8).withUnsafeBytes { named.parse($0) })
        for bad in ["%Q", "%", "plain text", "%Y-%j"] {
            XCTAssertThrowsError(try TimeFormat(bad), bad)
        }
    }
}
