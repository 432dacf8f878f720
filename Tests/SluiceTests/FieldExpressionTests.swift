import Foundation
import XCTest
@testable import Sluice

/// The `where` expression language: every operator, precedence, types, errors with positions.
final class FieldExpressionTests: XCTestCase {
    let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)

    func holds(_ expression: String, _ line: String, file: StaticString = #filePath, lineNumber: UInt = #line) throws -> Bool {
        let e = try FieldExpression(expression, now: 1_715_600_000 * LogTime.second, parser: parser)
        let reader = FieldReader(e.paths)
        return try Array(line.utf8).withUnsafeBufferPointer { b in
            let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
            _ = reader.read(p, b.count)
            return try e.evaluate(reader, p)
        }
    }

    let json = #"{"ts":"2024-05-13T08:00:00.500Z","level":"error","status":503,"lat":12.5,"ok":true,"none":null,"http":{"path":"/api/x","code":"E\u0031"},"msg":"timed out after 30s"}"#
    let logfmt = #"ts=2024-05-13T08:00:00.500Z level=error status=503 lat=12.5 ok=true http.path=/api/x msg="timed out after 30s""#

    func testEveryOperatorOnJSONAndLogfmt() throws {
        for line in [json, logfmt] {
            XCTAssertTrue(try holds(#"level == "error""#, line))
            XCTAssertTrue(try holds(#"level == 'error'"#, line))
            XCTAssertFalse(try holds(#"level != "error""#, line))
            XCTAssertTrue(try holds(#"level != "info""#, line))
            XCTAssertTrue(try holds("status == 503", line))
            XCTAssertTrue(try holds("status >= 500 and status < 600 and status > 502 and status <= 503", line))
            XCTAssertFalse(try holds("status > 503", line))
            XCTAssertTrue(try holds("lat < 12.51 and lat > 12.49", line))
            XCTAssertTrue(try holds("lat == 1.25e1", line))
            XCTAssertTrue(try holds(#"level < "f" and level > "d" and level >= "error" and level <= "error""#, line))
            XCTAssertTrue(try holds(#"msg ~ "time(d)? out""#, line))
            XCTAssertTrue(try holds(#"msg ~ "\d+s$""#, line))
            XCTAssertFalse(try holds(#"msg !~ "out""#, line))
            XCTAssertTrue(try holds(#"level in ("warn", "error")"#, line))
            XCTAssertTrue(try holds("status in (500, 503)", line))
            XCTAssertFalse(try holds("status in (500, 502)", line))
            XCTAssertTrue(try holds("status not in (500, 502)", line))
            XCTAssertTrue(try holds("has(status) and not has(retry)", line))
            XCTAssertTrue(try holds("ok == true and ok != false", line))
            XCTAssertTrue(try holds(#"http.path == "/api/x""#, line))
            XCTAssertTrue(try holds("ts >= 2024-05-13T08:00:00Z and ts < 2024-05-13T08:00:01Z", line))
            XCTAssertTrue(try holds("ts > 2024-05-13 and ts < now", line))
            XCTAssertFalse(try holds("ts > 2024-05-13T08:00:00.6Z", line))
            XCTAssertTrue(try holds("missing != 1 and not (missing == 1) and not (missing < 1) and not (missing >= 1)", line))
        }
    }

    func testTypesAreStrictInJSONAndTextInLogfmt() throws {
        XCTAssertFalse(try holds(#"status == "503""#, json), "a JSON number is not a string")
        XCTAssertTrue(try holds(#"status == "503""#, logfmt), "a logfmt value is text")
        XCTAssertTrue(try holds("none == null", json))
        XCTAssertFalse(try holds("none == null", logfmt))
        XCTAssertTrue(try holds(#"http.code == "E1""#, json), "escapes are decoded before comparing")
        XCTAssertFalse(try holds(#"level == 1"#, json))
        XCTAssertTrue(try holds(#"not has(level)"#, "plain text, no fields"))
    }

    func testPrecedenceNotThenAndThenOr() throws {
        let line = #"{"a":1,"b":2,"c":3}"#
        XCTAssertTrue(try holds("a == 1 or b == 9 and c == 9", line), "and binds tighter than or")
        XCTAssertFalse(try holds("(a == 1 or b == 9) and c == 9", line))
        XCTAssertTrue(try holds("not a == 2 and b == 2", line), "not binds tighter than and")
        XCTAssertFalse(try holds("not (a == 1 and b == 2)", line))
        XCTAssertTrue(try holds("not not a == 1", line))
        XCTAssertTrue(try holds("a == 1 && (b == 3 || c == 3) && !has(d)", line))
        // Against a truth table of three variables, every shape of two operators.
        let names = ["a == 1", "b == 9", "c == 3"]  // true, false, true
        let truth = [true, false, true]
        for x in 0..<3 { for y in 0..<3 { for z in 0..<3 {
            for (o1, o2) in [("and", "or"), ("or", "and"), ("and", "and"), ("or", "or")] {
                let text = "\(names[x]) \(o1) \(names[y]) \(o2) \(names[z])"
                func op(_ o: String, _ l: Bool, _ r: Bool) -> Bool { o == "and" ? l && r : l || r }
                let expected = o1 == "and" && o2 == "or" ? op("or", op("and", truth[x], truth[y]), truth[z])
                    : o1 == "or" && o2 == "and" ? op("or", truth[x], op("and", truth[y], truth[z]))
                    : op(o2, op(o1, truth[x], truth[y]), truth[z])
                XCTAssertEqual(try holds(text, line), expected, text)
            }
        } } }
    }

    func testErrorsSayWhere() {
        let cases: [(String, Int, String)] = [
            ("", 0, "empty"),
            ("level = 'x'", 6, "=="),
            ("level == ", 9, "expected a value"),
            ("level == 'x", 9, "unterminated"),
            ("(level == 'x'", 13, "')'"),
            ("level == 'x' and", 16, "field name"),
            ("level 'x'", 6, "operator"),
            ("has level", 4, "'('"),
            ("level == 'x' foo", 13, "'and', 'or'"),
            ("status >= 12ab", 10, "neither a number nor a time"),
            ("ts > 08:00", 5, "time of day"),
            ("msg ~ 5", 6, "regular expression"),
            ("msg ~ '('", 6, "missing closing parenthesis"),
            ("a..b == 1", 0, "not a field name"),
            ("level in ('a' 'b')", 14, "',' or ')'"),
            ("ok < true", 5, "orders"),
            ("level == 'x' # y", 13, "unexpected character"),
        ]
        for (text, offset, words) in cases {
            guard let d = FieldExpression.diagnose(text) else { XCTFail("\(text) parsed"); continue }
            XCTAssertEqual(d.offset, offset, "\(text): \(d.reason)")
            XCTAssertTrue(d.reason.contains(words), "\(text): \(d.reason)")
            XCTAssertThrowsError(try FieldExpression(text), text)
        }
        XCTAssertNil(FieldExpression.diagnose(#"level == "error" and status >= 500"#))
    }

    func testPrefilterLiterals() throws {
        func literals(_ t: String) throws -> [String]? {
            try FieldExpression(t).requiredLiterals?.map { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(try literals(#"level == "error" and status >= 500"#), [#""error""#, "level=error"])
        XCTAssertEqual(try literals("status >= 500"), ["status"])
        XCTAssertEqual(try literals(#"http.status in ("a", "bb")"#), [#""a""#, "http.status=a", #""bb""#, "http.status=bb"])
        XCTAssertEqual(try literals(#"level == "x" or has(y)"#), [#""x""#, "level=x", "y"])
        XCTAssertNil(try literals(#"level == "x" or not has(y)"#))
        XCTAssertNil(try literals(#"not has(level)"#))
        XCTAssertEqual(try literals(#"level == """#), ["level"], "an empty string gives the key")
    }
}
