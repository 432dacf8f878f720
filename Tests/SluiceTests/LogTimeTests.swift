import Foundation
import XCTest
@testable import Sluice

/// LogTime against Python's datetime (Tests/Oracles/logtime.py) on the real loghub samples and
/// on make-timed-log output in every format, and hand-picked forms with known instants.
final class LogTimeTests: XCTestCase {
    /// Each line's instant by LogTime, as the oracle prints it.
    func swiftValues(_ path: String, _ parser: LogTime) -> [String] {
        let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
        return oracleLines(bytes, keepCR: false).map { line in
            line.withUnsafeBytes { parser.parse($0) }.map(String.init) ?? "-"
        }
    }

    func oracleValues(_ path: String, year: Int, month: Int, offset: Int) throws -> [String] {
        let result = try runTool("/usr/bin/python3", [timeOracle, path, "--year", "\(year)", "--month", "\(month)", "--offset", "\(offset)"])
        XCTAssertEqual(result.status, 0)
        return result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func testLoghubSamplesMatchPythonAndEveryLineParses() throws {
        let dir = sharedDir.appendingPathComponent("data/loghub").path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".log") }), !names.isEmpty else {
            throw XCTSkip("no loghub samples beside the repository")
        }
        XCTAssertEqual(names.count, 10)
        for name in names.sorted() {
            let path = dir + "/" + name
            for (year, month, offset) in [(2017, 12, 0), (2016, 6, -25200), (2024, 1, 19800)] {
                let parser = LogTime(referenceYear: year, referenceMonth: month, zoneOffset: offset)
                let mine = swiftValues(path, parser)
                let theirs = try oracleValues(path, year: year, month: month, offset: offset)
                XCTAssertEqual(mine.count, 2000, name)
                XCTAssertEqual(mine, theirs, name)
                XCTAssertFalse(mine.contains("-"), "\(name): a line without a timestamp")
            }
        }
    }

    func testMakeTimedLogEveryFormatMatchesPython() throws {
        let tool = sharedDir.appendingPathComponent("bench/make-timed-log").path
        guard FileManager.default.fileExists(atPath: tool) else { throw XCTSkip("no make-timed-log beside the repository") }
        let dir = NSTemporaryDirectory() + "logtime-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for format in ["iso", "hadoop", "syslog", "rfc5424", "clf", "apache", "hdfs", "android", "epoch", "json", "logfmt", "mixed"] {
            let path = "\(dir)/\(format).log"
            let made = try runTool(tool, [path, "--format", format, "--size", "60000", "--records", "40", "--seed", "3"],
                                   environment: ["TZ": "UTC"])
            XCTAssertEqual(made.status, 0, format)
            let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 7200)
            let mine = swiftValues(path, parser)
            XCTAssertEqual(mine, try oracleValues(path, year: 2024, month: 12, offset: 7200), format)
            // Every line but a continuation line has a timestamp, and times never decrease (read in
            // the zone they were written in; to the second in the mixed log, whose formats differ in precision).
            let inOrder = swiftValues(path, LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0))
            let lines = oracleLines(Array(FileManager.default.contents(atPath: path)!), keepCR: false).map { String(decoding: $0, as: UTF8.self) }
            var last = Int64.min
            for (line, value) in zip(lines, inOrder) {
                let continuation = line.hasPrefix("\t") || line.hasPrefix("Caused by")
                XCTAssertEqual(value == "-", continuation, "\(format): \(line.prefix(60))")
                if var t = Int64(value) {
                    if format == "mixed" { t /= LogTime.second }
                    XCTAssertGreaterThanOrEqual(t, last, format)
                    last = t
                }
            }
        }
    }

    func parse(_ text: String, _ parser: LogTime = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)) -> Int64? {
        Array(text.utf8).withUnsafeBytes { parser.parse($0) }
    }

    func testKnownInstantsInEveryFormAndZone() {
        let t = Int64(1_715_587_200) * LogTime.second  // 2024-05-13T08:00:00Z
        let s = LogTime.second
        let cases: [(String, Int64)] = [
            ("2024-05-13T08:00:00Z x", t), ("2024-05-13T08:00:00z", t), ("2024-05-13 08:00:00Z", t),
            ("2024-05-13t08:00:00Z", t), ("2024-05-13T08:00Z", t), ("2024/05/13 08:00:00 x", t),
            ("2024-05-13T10:00:00+02:00", t), ("2024-05-13T10:00:00+0200", t), ("2024-05-13T10:00:00+02 x", t),
            ("2024-05-13T00:30:00-07:30", t), ("2024-05-13T00:30:00-0730", t), ("2024-05-13 10:00:00 +0200", t),
            ("2024-05-13T08:00:00.5Z", t + s / 2), ("2024-05-13T08:00:00.123456789Z", t + 123_456),
            ("2024-05-13 08:00:00,978 INFO", t + 978_000), ("2024-05-13T10:00:00.250+02:00", t + 250_000),
            ("<34>1 2024-05-13T08:00:00.123456+00:00 host app", t + 123_456), ("<13>May 13 08:00:00 host", t),
            ("May 13 08:00:00 host sshd[1]: x", t), ("May  3 08:00:00 x", t - 10 * 86400 * s),
            ("may 13 08:00:00.250 x", t + 250_000),
            ("10.0.0.1 - alice [13/May/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200", t),
            ("10.0.0.1 - - [13/May/2024:10:00:00 +0200] \"GET /\"", t), ("[13/May/2024:08:00:00 +0000]", t),
            ("[Mon May 13 08:00:00 2024] [error] x", t), ("[Mon May 13 08:00:00.500000 2024] [error]", t + s / 2),
            ("240513 080000 148 INFO x", t), ("05-13 08:00:00.123  1702 D x", t + 123_000),
            ("20240513-8:0:0:7|Step", t + 7000), ("20240513-08:00:00:606|x", t + 606_000), ("[05.13 08:00:00] chrome.exe", t),
            ("1715587200 INFO", t), ("1715587200.25 INFO", t + s / 4), ("1715587200123 x", t + 123_000),
            ("1715587200123456 x", t + 123_456), ("1715587200123456789 x", t + 123_456),
            ("{\"ts\":\"2024-05-13T08:00:00Z\",\"msg\":\"x\"}", t), ("{\"msg\":\"ts\", \"time\" : \"2024-05-13T10:00:00+02:00\"}", t),
            ("{\"level\":\"info\",\"@timestamp\":1715587200123}", t + 123_000), ("{\"timestamp\":\"May 13 08:00:00\"}", t),
            ("ts=2024-05-13T08:00:00Z level=info", t), ("level=info msg=\"a b=c\" time=\"2024-05-13 08:00:00Z\" x=1", t),
            ("level=info @timestamp=1715587200 x", t),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parse(text), expected, text)
        }
        // Zone-less times take the offset given; year-less ones the reference year, or the one before.
        XCTAssertEqual(parse("2024-05-13 10:00:00 x", LogTime(zoneOffset: 7200)), t)
        XCTAssertEqual(parse("May 13 08:00:00", LogTime(referenceYear: 2025, referenceMonth: 4, zoneOffset: 0)), t)
        XCTAssertEqual(parse("05-13 08:00:00.000", LogTime(referenceYear: 2024, referenceMonth: 5, zoneOffset: 0)), t)
        XCTAssertEqual(parse("[05.13 10:00:00]", LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 7200)), t)
        XCTAssertEqual(parse("Dec 31 23:59:59 x", LogTime(referenceYear: 2025, referenceMonth: 1, zoneOffset: 0)),
                       Int64(LogTime.daysFromCivil(year: 2024, month: 12, day: 31) * 86400 + 86399) * s)
    }

    func testLinesWithoutATimestamp() {
        for text in ["", "\tat org.example.Main.run(Main.java:10)", "Caused by: java.io.IOException", "2024-05-13",
                     "2024-13-13T08:00:00Z", "2023-02-29 08:00:00", "2024-05-13T24:00:00Z", "2024-05-13T08:60:00Z",
                     "May 32 08:00:00 x", "Mai 13 08:00:00", "12345 lines", "171558720 x", "17155872001 x",
                     "{\"msg\":\"2024-05-13T08:00:00Z\"}", "hello world ts=2024-05-13T08:00:00Z",
                     "a [13/May/2024:08:00:00 +0000]", "[Mon Foo 13 08:00:00 2024]", "- - [x]", "<34>", "[", "240513 0800001 x"] {
            XCTAssertNil(parse(text), text)
        }
        XCTAssertEqual(parse("2024-02-29 08:00:00"), Int64(LogTime.daysFromCivil(year: 2024, month: 2, day: 29) * 86400 + 28800) * LogTime.second)
    }

    func testCalendarRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = LogTime.civil(fromDays: days)
            XCTAssertEqual(LogTime.daysFromCivil(year: y, month: m, day: d), days)
        }
        XCTAssertEqual(LogTime.daysFromCivil(year: 1970, month: 1, day: 1), 0)
        XCTAssertEqual(LogTime.daysFromCivil(year: 2000, month: 3, day: 1), 11017)
    }

    func testTimeBounds() {
        let now = Int64(1_715_587_200) * LogTime.second + 12_345  // 2024-05-13T08:00:00.012345Z
        let s = LogTime.second
        XCTAssertEqual(TimeBound("-90m", now: now, zoneOffset: 0), .instant(now - 5400 * s))
        XCTAssertEqual(TimeBound("now-2h", now: now, zoneOffset: 0), .instant(now - 7200 * s))
        XCTAssertEqual(TimeBound("-3d", now: now, zoneOffset: 0), .instant(now - 3 * 86400 * s))
        XCTAssertEqual(TimeBound("now", now: now, zoneOffset: 0), .instant(now))
        XCTAssertEqual(TimeBound("today", now: now, zoneOffset: 0), .instant(1_715_558_400 * s))
        XCTAssertEqual(TimeBound("yesterday", now: now, zoneOffset: 0), .instant((1_715_558_400 - 86400) * s))
        XCTAssertEqual(TimeBound("today", now: now, zoneOffset: 10 * 3600), .instant((1_715_558_400 - 36000) * s))
        XCTAssertEqual(TimeBound("2024-05-13T08:00", now: now, zoneOffset: 0), .instant(1_715_587_200 * s))
        XCTAssertEqual(TimeBound("2024-05-13 10:00:00", now: now, zoneOffset: 7200), .instant(1_715_587_200 * s))
        XCTAssertEqual(TimeBound("2024-05-13T10:00:00+02:00", now: now, zoneOffset: -3600), .instant(1_715_587_200 * s))
        XCTAssertEqual(TimeBound("2024-05-13", now: now, zoneOffset: 0), .instant(1_715_558_400 * s))
        XCTAssertEqual(TimeBound("@1715587200.5", now: now, zoneOffset: 0), .instant(1_715_587_200 * s + s / 2))
        let day = TimeBound("08:15", now: now, zoneOffset: 3600)
        XCTAssertEqual(day, .timeOfDay(8 * 3600 * s + 900 * s, zoneOffset: 3600))
        // On the day of the first line in that zone: 2024-05-13T23:30Z is the 14th at +01:00.
        XCTAssertEqual(day?.resolved(firstTimestamp: (1_715_587_200 + 15 * 3600 + 1800) * s), (1_715_587_200 + 86400 - 3600 + 900) * s)
        for bad in ["", "soon", "-5x", "25:00", "2024-13-01", "08:00:00junk1234567"] {
            XCTAssertNil(TimeBound(bad, now: now, zoneOffset: 0), bad)
        }
    }
}
