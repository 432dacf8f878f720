import Foundation
import XCTest

/// `where`, `fields` and `count --by` through the binary, against jq, grep -o | sort | uniq -c
/// and Python's json on make-timed-log's JSON and logfmt logs (real messages).
final class FieldsCLITests: XCTestCase {
    static let makeTimedLog = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/bench/make-timed-log").path

    /// A JSON log and a logfmt log of `size` bytes in `dir`, with a few hand-written lines
    /// (escapes, a malformed line, a plain line) mixed in.
    func logs(_ dir: URL, size: Int = 1_500_000) throws -> (json: String, logfmt: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.makeTimedLog) else { throw XCTSkip("no make-timed-log beside the repository") }
        let json = dir.appendingPathComponent("app.json").path, logfmt = dir.appendingPathComponent("app.logfmt").path
        for (path, format) in [(json, "json"), (logfmt, "logfmt")] {
            let made = try runProgram(Self.makeTimedLog, [path, "--format", format, "--size", "\(size)", "--seed", "5"])
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        let extra = #"{"ts":"2024-05-13T00:00:01.000Z","level":"\u0065rror","status":503,"msg":"escaped \"quote\" \u00e9"}"# + "\n"
        XCTAssertEqual(try shell("printf '%s' '\(extra)' >> '\(json)'").status, 0)
        return (json, logfmt)
    }

    func testWhereSelectsTheLinesJqSelects() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (json, _) = try logs(dir)
        let cases = [
            (#"level == "error" and status >= 500"#, #"select(.level=="error" and .status>=500)"#),
            (#"status in (404, 503) or user == "dave""#, #"select(.status==404 or .status==503 or .user=="dave")"#),
            (#"latency_ms > 50.5 and not (host == "web-1")"#, #"select(.latency_ms > 50.5 and .host != "web-1")"#),
            (#"msg ~ "(?i)error|fail" and level != "error""#, #"select((.msg|test("(?i)error|fail")) and .level != "error")"#),
            (#"ts >= 2024-05-13T00:00:05Z and ts < 2024-05-13T00:00:09.5Z"#,
             #"select(.ts >= "2024-05-13T00:00:05" and .ts < "2024-05-13T00:00:09.5")"#),
        ]
        for (expression, filter) in cases {
            // jq 1.6 rewrites numbers (2.0 as 2): both sides go through jq -c . to compare the lines.
            let mine = try shell("\"$SLUICE\" where '\(expression)' '\(json)' | jq -c .")
            let theirs = try shell("jq -c '\(filter)' '\(json)'")
            XCTAssertEqual(mine.status, 0, mine.stderr)
            XCTAssertGreaterThan(theirs.stdout.count, 0, filter)
            XCTAssertEqual(mine.text, theirs.text, expression)
        }
    }

    func testWhereOnLogfmtMatchesTheSameLinesAsOnJSON() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, logfmt) = try logs(dir)
        // The same log in both formats (same seed): convert the logfmt lines' selection to
        // their trace ids and compare with grep's view of the logfmt file.
        let mine = try shell("\"$SLUICE\" where 'level == \"error\" and status >= 500' '\(logfmt)' | grep -o 'trace_id=[0-9a-f]*'")
        let theirs = try shell("grep -E '(^| )level=error( |$)' '\(logfmt)' | grep -E '(^| )status=5[0-9][0-9]( |$)' | grep -o 'trace_id=[0-9a-f]*'")
        XCTAssertGreaterThan(theirs.stdout.count, 0)
        XCTAssertEqual(mine.text, theirs.text)
    }

    func testFieldsAsJqPrintsThem() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (json, logfmt) = try logs(dir)
        let mine = try shell("\"$SLUICE\" fields --json ts,level,msg,missing '\(json)'")
        let theirs = try shell("jq -c '{ts,level,msg,missing}' '\(json)'")
        XCTAssertEqual(mine.status, 0, mine.stderr)
        XCTAssertEqual(mine.text, theirs.text)
        // logfmt out, read back by jq's view of the JSON: the same values.
        let back = try shell("\"$SLUICE\" fields level,status,user '\(logfmt)' | head -200")
        let lines = back.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 200)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("level=") && $0.contains(" status=") && $0.contains(" user=") }, back.text)
        let quoted = try shell("\"$SLUICE\" fields msg '\(json)' | tail -1")
        XCTAssertEqual(quoted.text, #"msg="escaped \"quote\" é""# + "\n")
    }

    func testCountByMatchesSortUniq() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (json, logfmt) = try logs(dir)
        func pairs(_ text: String) -> [String] {
            text.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).joined(separator: " ") }
        }
        let mine = try shell("\"$SLUICE\" count --by status '\(json)'")
        let theirs = try shell("jq -r .status '\(json)' | sort | uniq -c | sort -k1,1nr -k2,2")
        XCTAssertEqual(pairs(mine.text), pairs(theirs.text))
        let two = try shell("\"$SLUICE\" count --by level,host '\(logfmt)' --top 5")
        let twoOracle = try shell("grep -oE '(^| )(level|host)=[^ ]*' '\(logfmt)' | paste - - | sed -E 's/ ?level=//; s/\\t ?host=/\\t/' | LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2 | head -5")
        XCTAssertEqual(pairs(two.text), pairs(twoOracle.text))
        let json5 = try shell("\"$SLUICE\" count --by status --json '\(json)' | head -2")
        XCTAssertTrue(json5.text.hasPrefix("{\"status\":"), json5.text)
        let hours = try shell("\"$SLUICE\" count --by minute '\(json)'")
        let hoursOracle = try shell("jq -r '.ts[0:16] + \"Z\"' '\(json)' | sort | uniq -c | sort -k1,1nr -k2,2")
        XCTAssertEqual(pairs(hours.text), pairs(hoursOracle.text))
    }

    func testCountByNamedGroupOfTheGrepBefore() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, logfmt) = try logs(dir)
        let mine = try shell("\"$SLUICE\" grep -P '(?<user>user=\\S+)' '\(logfmt)' then count --by user")
        let theirs = try shell("grep -oP 'user=\\S+' '\(logfmt)' | LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2,2")
        XCTAssertEqual(mine.status, 0, mine.stderr)
        XCTAssertGreaterThan(theirs.stdout.count, 0)
        XCTAssertEqual(mine.text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") },
                       theirs.text.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") })
    }

    func testParseErrorsHaveACaretAndStatusTwo() throws {
        let r = try sluice(["where", #"level == "error" and status >= "#, "/dev/null"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, """
        sluice: where: expected a value (a quoted string, a number, a time, true, false or null), found the end
          level == "error" and status >= 
                                         ^

        """)
        let bad = try sluice(["count", "--by", "a..b", "/dev/null"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("not a key"), bad.stderr)
    }

    func testMalformedLinesAreSkippedAndCounted() throws {
        let input = "{\"level\":\"error\"}\n{\"level\":\"error\"\nlevel=\"error\nplain text\nlevel=error\n"
        let r = try sluice(["--stats", "where", "not has(status)"], stdin: Data(input.utf8))
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.text, "{\"level\":\"error\"}\nplain text\nlevel=error\n")
        XCTAssertTrue(r.stderr.contains("lines malformed 2"), r.stderr)
    }
}
