import Foundation
import XCTest

/// since, until, merge and grep --records through the binary, against oracles computed from
/// the records the test writes (a linear scan), and gzip against plain.
final class TimeCLITests: XCTestCase {
    struct Record { var time: Int; var lines: [String] }  // time in milliseconds since the epoch

    /// ISO-stamped records from `start` (ms), ties and stack traces included.
    func makeRecords(_ count: Int, seed: UInt64, start: Int = 1_715_587_200_000, step: Int = 900,
                     format: (Int) -> String = TimeCLITests.iso) -> [Record] {
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var t = start
        var out: [Record] = []
        for i in 0..<count {
            if next() % 4 != 0 { t += next() % step }
            var lines = ["\(format(t)) INFO request \(i) \(next() % 50 == 0 ? "Exception" : "ok")"]
            if next() % 6 == 0 {
                lines[0] += " failed: java.lang.IllegalStateException"
                for k in 0..<(next() % 4 + 1) { lines.append("\tat org.example.C.m\(k)(C.java:\(i))") }
            }
            out.append(Record(time: t, lines: lines))
        }
        return out
    }

    static func iso(_ ms: Int) -> String {
        let s = ms / 1000, days = s / 86400, sod = s % 86400
        // Days to a date (2024 and later in these tests).
        var y = 1970, d = days
        func leap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        while d >= (leap(y) ? 366 : 365) { d -= leap(y) ? 366 : 365; y += 1 }
        let lengths = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var m = 0
        while d >= lengths[m] { d -= lengths[m]; m += 1 }
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m + 1, d + 1, sod / 3600, sod / 60 % 60, sod % 60, ms % 1000)
    }

    func text(_ records: [Record]) -> String { records.flatMap(\.lines).map { $0 + "\n" }.joined() }

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testWindowOnPlainAndGzipMatchesTheOracle() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = makeRecords(20000, seed: 3)
        let path = try write(text(records), "app.log", in: dir)
        XCTAssertEqual(try shell("gzip -c '\(path)' > '\(path).gz'").status, 0)
        var state: UInt64 = 99
        for k in 0..<12 {
            state = state &* 6364136223846793005 &+ 1
            let a = records[Int(state >> 33) % records.count].time + (k % 3 == 0 ? 1 : 0)
            let b = a + Int(state >> 40) % 400_000
            let t1 = Self.iso(a), t2 = Self.iso(b)
            let expected = text(records.filter { $0.time >= a && $0.time <= b })
            for file in [path, path + ".gz"] {
                let out = try sluice(["since", t1, file, "then", "until", t2])
                XCTAssertEqual(out.status, 0, out.stderr)
                XCTAssertEqual(out.text, expected, "\(t1) ... \(t2) \(file)")
            }
            let untilOnly = try sluice(["until", t2, path])
            XCTAssertEqual(untilOnly.text, text(records.filter { $0.time <= b }))
        }
        // Before the first line and after the last.
        XCTAssertEqual(try sluice(["since", "2020-01-01", path]).text, text(records))
        XCTAssertEqual(try sluice(["since", "2030-01-01", path]).text, "")
        XCTAssertEqual(try sluice(["since", "2030-01-01", path]).status, 0)
        // The seek reads little of the file: --stats counts the probes and the window.
        let stats = try sluice(["--stats", "since", Self.iso(records[10000].time), path, "then", "until", Self.iso(records[10050].time)])
        let read = stats.stderr.split(separator: "\n").first { $0.hasPrefix("bytes read") }.flatMap { $0.split(separator: " ").dropFirst(2).first }
        XCTAssertNotNil(read)
        XCTAssertLessThan(Int(read ?? "") ?? .max, 700_000, stats.stderr)  // of 1.5 MB
    }

    /// A log in a format sluice does not read: since, until, grep --records and merge fail
    /// (status 2, a message naming it) rather than print nothing or everything; among other
    /// files, the others still give their answer.
    func testLogWithoutTimestampsSluiceReadsIsAnError() throws {
        let dir = try temporaryDirectory()
        let untimed = (0..<30).map { "May 13, 2024 8:00:\($0 + 10) AM request \($0) ok\n" }.joined()
        let bad = try write(untimed, "bad.log", in: dir)
        let records = makeRecords(200, seed: 3)
        let good = try write(text(records), "good.log", in: dir)
        let t = Self.iso(records[100].time)
        let message = "bad.log: no line starts with a timestamp sluice reads (see --time-format)"
        let gz = dir.appendingPathComponent("bad.log.gz").path
        XCTAssertEqual(try shell("gzip -c '\(bad)' > '\(gz)'").status, 0)
        for args in [["since", t, bad], ["until", t, bad], ["grep", "--records", "request", bad], ["merge", bad],
                     ["since", t, gz], ["cat", bad, "then", "since", t], ["cat", bad, "then", "until", t],
                     ["cat", bad, "then", "grep", "--records", "ok"]] {
            let out = try sluice(args)
            XCTAssertEqual(out.status, 2, "\(args)")
            XCTAssertEqual(out.text, "", "\(args)")
            XCTAssertTrue(out.stderr.contains("no line starts with a timestamp sluice reads"), "\(args): \(out.stderr)")
        }
        let mixed = try sluice(["since", t, bad, good])
        XCTAssertEqual(mixed.status, 2)
        XCTAssertTrue(mixed.stderr.contains(message), mixed.stderr)
        XCTAssertEqual(mixed.text, text(records.filter { $0.time >= records[100].time }))
        let merged = try sluice(["merge", bad, good])
        XCTAssertEqual(merged.status, 2)
        XCTAssertTrue(merged.stderr.contains(message), merged.stderr)
        XCTAssertEqual(merged.text, text(records))
        let grepMixed = try sluice(["grep", "--records", "-c", "Exception", good, bad])
        XCTAssertEqual(grepMixed.status, 2)
        XCTAssertTrue(grepMixed.stderr.contains(message), grepMixed.stderr)
        XCTAssertTrue(grepMixed.text.hasPrefix("\(good):\(records.filter { $0.lines.joined().contains("Exception") }.count)\n"), grepMixed.text)
        // A first timestamp past the first MiB: the file fails the same way whether since bisects
        // it (a regular file) or reads it as a stage (the bisection used to read on to it and succeed).
        let late = try write(String(repeating: untimed, count: 1_600) + text(records), "late.log", in: dir)
        for args in [["since", t, late], ["cat", late, "then", "since", t], ["until", t, late]] {
            let out = try sluice(args)
            XCTAssertEqual(out.status, 2, "\(args)")
            XCTAssertEqual(out.text, "", "\(args)")
            // (After `cat ... then`, the stream is one unnamed input, as through a pipe.)
            let name = args[0] == "cat" ? "(standard input)" : "late.log"
            XCTAssertTrue(out.stderr.contains("\(name): in the first 1 MiB, no line starts with a timestamp"), "\(args): \(out.stderr)")
        }
    }

    func testFileOutOfOrderIsReadInFullWithANotice() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let late = makeRecords(3000, seed: 1, start: 1_715_590_800_000), early = makeRecords(3000, seed: 2)
        let path = try write(text(late + early), "mixed.log", in: dir)
        let a = early[1000].time, b = late[1500].time
        let out = try sluice(["since", Self.iso(a), path, "then", "until", Self.iso(b)])
        XCTAssertEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("not in time order"), out.stderr)
        XCTAssertEqual(out.text, text((late + early).filter { $0.time >= a && $0.time <= b }))
        // A larger tolerance accepts it (and then the answer follows the file's order).
        let tolerant = try sluice(["since", "--tolerance", "2h", Self.iso(late[10].time), path])
        XCTAssertFalse(tolerant.stderr.contains("not in time order"))
    }

    func testTimeOfDayRelativeTimesAndZones() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = makeRecords(2000, seed: 5)  // from 2024-05-13T08:00Z
        let path = try write(text(records), "a.log", in: dir)
        let t = records[700].time
        let hhmmss = String(Self.iso(t).dropFirst(11).prefix(12))
        let expected = text(records.filter { $0.time >= t })
        XCTAssertEqual(try sluice(["since", "--zone", "UTC", hhmmss, path]).text, expected)
        XCTAssertEqual(try sluice(["since", hhmmss, path], environment: ["TZ": "UTC"]).text, expected)
        // The same wall time two hours east is two hours earlier.
        let east = try sluice(["since", "--zone", "+02:00", hhmmss, path])
        XCTAssertEqual(east.text, text(records.filter { $0.time >= t - 7_200_000 }))
        // Relative to now: a log of the last three hours.
        let now = Int(Date().timeIntervalSince1970 * 1000)
        let recent = makeRecords(3000, seed: 8, start: now - 3 * 3_600_000, step: 7000).filter { $0.time < now - 60_000 }
        let recentPath = try write(text(recent), "recent.log", in: dir)
        let out = try sluice(["since", "-90m", recentPath])
        let cut = now - 90 * 60_000
        // Lines within the few seconds the test takes of the bound may go either way.
        let sure = text(recent.filter { $0.time >= cut + 30_000 })
        XCTAssertTrue(out.text.hasSuffix(sure) && out.text.count <= text(recent.filter { $0.time >= cut - 30_000 }).count)
        XCTAssertFalse(out.text.isEmpty)
        let bad = try sluice(["since", "soon", path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("invalid time 'soon'"), bad.stderr)
        XCTAssertEqual(try sluice(["since", "--zone", "Mars", "08:00", path]).status, 2)
    }

    func testMergeOfThreeFormatsIsAStableSort() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func syslog(_ ms: Int) -> String {
            let iso = Self.iso(ms - ms % 1000)
            let m = Int(iso.dropFirst(5).prefix(2))!, d = Int(iso.dropFirst(8).prefix(2))!
            return "\(months[m - 1]) \(d < 10 ? " " : "")\(d) \(iso.dropFirst(11).prefix(8))"
        }
        func epoch(_ ms: Int) -> String { String(format: "%d.%03d", ms / 1000, ms % 1000) }
        let a = makeRecords(1500, seed: 1), b = makeRecords(1500, seed: 2, format: syslog), c = makeRecords(1500, seed: 3, format: epoch)
        // syslog has whole seconds: its records sort by the second.
        let b2 = b.map { Record(time: $0.time - $0.time % 1000, lines: $0.lines) }
        let paths = [try write(text(a), "a.log", in: dir), try write(text(b), "b.log", in: dir), try write(text(c), "c.log", in: dir)]
        XCTAssertEqual(try shell("gzip '\(paths[2])'").status, 0)
        let files = [paths[0], paths[1], paths[2] + ".gz"]
        var keyed: [(Int, Int, Int, [String])] = []
        for (i, records) in [a, b2, c].enumerated() {
            for (j, r) in records.enumerated() { keyed.append((r.time, i, j, r.lines.map { "\(files[i]):" + $0 })) }
        }
        keyed.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        let out = try sluice(["merge", "-H", "--zone", "UTC", "--year", "2024"] + files)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(out.text, keyed.flatMap(\.3).map { $0 + "\n" }.joined())
        let plain = try sluice(["merge", "--zone", "UTC", "--year", "2024"] + files + ["then", "count"])
        XCTAssertEqual(plain.text, "\(keyed.flatMap(\.3).count)\n")
    }

    /// A BGZF file (bgzip) is bisected by block: the same window as on the plain file and as
    /// `zcat | awk` over everything, with little of the file read; plain gzip still streams.
    func testWindowOnBGZFMatchesPlainAndAwk() throws {
        guard (try? shell("command -v bgzip"))?.status == 0 else { throw XCTSkip("bgzip (tabix) missing") }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = makeRecords(200_000, seed: 8, step: 300)
        let path = try write(text(records), "app.log", in: dir)
        XCTAssertEqual(try shell("bgzip -c '\(path)' > '\(path).bgz' && gzip -c '\(path)' > '\(path).gz'").status, 0)
        var state: UInt64 = 7
        var times = [records[0].time - 1, records[0].time, records.last!.time, records.last!.time + 1, records[100_000].time]
        for _ in 0..<8 {
            state = state &* 6364136223846793005 &+ 1
            times.append(records[Int(state >> 33) % records.count].time + Int(state >> 50) % 2)
        }
        for a in times {
            let t1 = Self.iso(a)
            let b = a + 60_000
            let t2 = Self.iso(b)
            let expected = text(records.filter { $0.time >= a && $0.time <= b })
            let plain = try sluice(["since", t1, path, "then", "until", t2])
            XCTAssertEqual(plain.text, expected, "plain \(t1)")
            for file in [path + ".bgz", path + ".gz"] {
                let out = try sluice(["since", t1, file, "then", "until", t2])
                XCTAssertEqual(out.status, 0, out.stderr)
                XCTAssertTrue(out.text == expected, "\(t1) ... \(t2) \(file)")
            }
            let since = try sluice(["since", t1, path + ".bgz"])
            let awk = try shell("zcat '\(path).bgz' | LC_ALL=C awk -v a='\(t1)' '/^[0-9][0-9][0-9][0-9]-/ { keep = ($1 >= a) } keep'")
            XCTAssertEqual(awk.status, 0, awk.stderr)
            XCTAssertTrue(since.text == awk.text, "since \(t1) against zcat | awk")
        }
        // Little of the BGZF file is read for a window in its middle.
        let stats = try sluice(["--stats", "since", Self.iso(records[100_000].time), path + ".bgz", "then", "until", Self.iso(records[100_050].time)])
        let read = stats.stderr.split(separator: "\n").first { $0.hasPrefix("bytes read") }.flatMap { $0.split(separator: " ").dropFirst(2).first }
        let size = (try FileManager.default.attributesOfItem(atPath: path + ".bgz")[.size] as? Int) ?? 0
        XCTAssertLessThan(Int(read ?? "") ?? .max, size / 4, stats.stderr)
        // Out of order: read in full, with a notice, and still right.
        let shuffled = records[100_000...] + records[..<100_000]
        let mixed = try write(text(Array(shuffled)), "mixed.log", in: dir)
        XCTAssertEqual(try shell("bgzip '\(mixed)'").status, 0)
        let t = records[140_000].time
        let out = try sluice(["since", Self.iso(t), mixed + ".gz"])
        XCTAssertTrue(out.stderr.contains("not in time order"), out.stderr)
        XCTAssertTrue(out.text == text(Array(shuffled).filter { $0.time >= t }), "unordered BGZF read in full")
    }

    /// Fifty inputs, every fourth gzipped, against GNU `sort -m -s` on a fixed-width time key
    /// (continuation lines carry their record's key), the key cut off again.
    func testMergeOfFiftyInputsMatchesSortM() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = [], keyed: [String] = []
        for i in 0..<50 {
            let records = makeRecords(200 + i * 13, seed: 100 + UInt64(i), step: 4000)
            let path = try write(text(records), "m\(i).log", in: dir)
            keyed.append(try write(records.flatMap { r in r.lines.map { String(format: "%015d\t", r.time) + $0 + "\n" } }.joined(),
                                   "m\(i).keyed", in: dir))
            if i % 4 == 3 {
                XCTAssertEqual(try shell("gzip '\(path)'").status, 0)
                files.append(path + ".gz")
            } else {
                files.append(path)
            }
        }
        let quoted = keyed.map { "'\($0)'" }.joined(separator: " ")
        let oracle = try shell("LC_ALL=C sort -m -s -t \"$(printf '\\t')\" -k1,1 \(quoted) | cut -f2-")
        XCTAssertEqual(oracle.status, 0, oracle.stderr)
        XCTAssertGreaterThan(oracle.text.count, 100_000)
        let out = try sluice(["merge", "--zone", "UTC"] + files)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.text == oracle.text, "merge of 50 inputs differs from sort -m")
    }

    /// A missing input and a damaged gzip one are reported (status 2), not dropped: the other
    /// input is merged in full, and what the damaged one held before its damage too, its
    /// message after its last line (as `cat` places it). Merge once ended with status 0 and no
    /// message here.
    func testMergeReportsMissingAndDamagedInputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = makeRecords(3000, seed: 21), b = makeRecords(3000, seed: 22)
        let pathA = try write(text(a), "a.log", in: dir)
        let pathB = try write(text(b), "b.log", in: dir)
        let cut = pathB + ".cut.gz", missing = dir.appendingPathComponent("missing.log").path
        XCTAssertEqual(try shell("gzip -c '\(pathB)' | head -c 20000 > '\(cut)'").status, 0)
        let out = try shell("\"$SLUICE\" merge -H --zone UTC '\(pathA)' '\(cut)' '\(missing)' 2>&1")
        XCTAssertEqual(out.status, 2, out.text.suffix(300).description)
        let lines = out.text.split(separator: "\n").map(String.init)
        func from(_ path: String) -> [String] { lines.filter { $0.hasPrefix(path + ":") }.map { String($0.dropFirst(path.count + 1)) } }
        XCTAssertEqual(from(pathA), a.flatMap(\.lines))
        // A prefix of b's lines (the last one perhaps cut short), then the message.
        let fromB = from(cut), linesB = b.flatMap(\.lines)
        XCTAssertGreaterThan(fromB.count, 100)
        XCTAssertLessThan(fromB.count, linesB.count)
        XCTAssertEqual(Array(fromB.dropLast()), Array(linesB.prefix(fromB.count - 1)))
        XCTAssertTrue(linesB[fromB.count - 1].hasPrefix(fromB.last ?? "-"))
        let message = lines.firstIndex { $0.hasPrefix("sluice: \(cut): truncated gzip") }
        XCTAssertNotNil(message, out.text.suffix(300).description)
        XCTAssertGreaterThan(message ?? -1, lines.lastIndex { $0.hasPrefix(cut + ":") } ?? .max)
        XCTAssertTrue(lines.contains { $0.hasPrefix("sluice: \(missing): ") && $0.contains("No such file") }, out.text.prefix(300).description)
    }

    func testGrepRecordsMatchesTheOracle() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = makeRecords(5000, seed: 4)
        let path = try write(text(records), "r.log", in: dir)
        let hits = records.filter { $0.lines.contains { $0.contains("C.m2") } }
        XCTAssertEqual(try sluice(["grep", "--records", "C.m2", path]).text, text(hits))
        XCTAssertEqual(try sluice(["grep", "--records", "-c", "C.m2", path]).text, "\(hits.count)\n")
        XCTAssertEqual(try sluice(["grep", "--records", "-c", "-v", "Exception", path]).text,
                       "\(records.filter { !$0.lines.contains { $0.contains("Exception") } }.count)\n")
        // -n numbers every line of a record by its place in the file.
        var numbered: [String] = []
        var n = 0
        for r in records {
            let selected = r.lines.contains { $0.contains("C.m2") }
            for line in r.lines { n += 1; if selected { numbered.append("\(n):\(line)") } }
        }
        XCTAssertEqual(try sluice(["grep", "--records", "-n", "C.m2", path]).text, numbered.map { $0 + "\n" }.joined())
        XCTAssertEqual(try sluice(["cat", path, "then", "grep", "--records", "-m", "3", "IllegalState"]).text,
                       text(Array(records.filter { $0.lines[0].contains("IllegalState") }.prefix(3))))
        XCTAssertEqual(try sluice(["grep", "--records", "nothing-like-this", path]).status, 1)
        XCTAssertEqual(try sluice(["grep", "--records", "-A", "1", "x", path]).status, 2)
    }

    /// `DD/MM/YYYY HH:MM:SS.mmm`, a day-first form sluice never guesses.
    static func dayFirst(_ ms: Int) -> String {
        let iso = Array(Self.iso(ms))
        return String(iso[8..<10]) + "/" + String(iso[5..<7]) + "/" + String(iso[0..<4]) + " " + String(iso[11..<23])
    }

    func testTimeFormatOnEveryTimeVerb() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = makeRecords(4000, seed: 11, format: Self.dayFirst)
        let path = try write(text(records), "dayfirst.log", in: dir)
        let format = ["--zone", "UTC", "--time-format", "%d/%m/%Y %H:%M:%S.%f"]
        let a = records[1200].time, b = records[2500].time
        let window = try sluice(["since"] + format + [Self.iso(a), path, "then", "until"] + format + [Self.iso(b)])
        XCTAssertEqual(window.status, 0, window.stderr)
        XCTAssertEqual(window.text, text(records.filter { $0.time >= a && $0.time <= b }))
        let scanned = try sluice(["cat", path, "then", "since"] + format + [Self.iso(a)])
        XCTAssertEqual(scanned.text, text(records.filter { $0.time >= a }))
        let grep = try sluice(["grep", "--records"] + format + ["Exception", path])
        XCTAssertEqual(grep.text, text(records.filter { $0.lines.contains { $0.contains("Exception") } }))
        // merge of the file with itself: a stable sort by time, the first file first on ties.
        let merged = try sluice(["merge"] + format + [path, path])
        let tagged = (records.map { ($0, 0) } + records.map { ($0, 1) }).enumerated()
            .sorted { ($0.element.0.time, $0.element.1, $0.offset) < ($1.element.0.time, $1.element.1, $1.offset) }
        XCTAssertEqual(merged.text, text(tagged.map(\.element.0)))
        // count --by hour: the timestamped lines per hour (continuation lines under "-").
        let counted = try sluice(["cat", path, "then", "count", "--by", "hour"] + format)
        var hours: [String: Int] = [:]
        for r in records {
            hours[String(Self.iso(r.time).prefix(13)) + "Z", default: 0] += 1
            if r.lines.count > 1 { hours["-", default: 0] += r.lines.count - 1 }
        }
        let rows = counted.text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rows.map { (String($0[1]), Int($0[0])!) }), hours, counted.text)
        // Without the format nothing is read as a timestamp, and since says so.
        let unformatted = try sluice(["since", "--zone", "UTC", Self.iso(a), path])
        XCTAssertEqual(unformatted.text, "")
        XCTAssertTrue(unformatted.stderr.contains("no line starts with a timestamp"), unformatted.stderr)
        let bad = try sluice(["since", "--time-format", "%Q", Self.iso(a), path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("%Q"), bad.stderr)
    }
}
