@testable import Sluice
import XCTest

/// The BRE/ERE translator and the matching built on it. Expected answers are GNU grep 3.8's,
/// taken by running it on the same pattern and text (`LC_ALL=C` or `LC_ALL=C.UTF-8`).
final class POSIXPatternTests: XCTestCase {
    func selects(_ pattern: String, _ syntax: GrepPattern.Syntax, _ line: String, utf8: Bool = false,
                 ignoreCase: Bool = false, wholeWord: Bool = false) throws -> Bool {
        let p = try GrepPattern(pattern, syntax: syntax, encoding: utf8 ? .utf8 : .bytes, ignoreCase: ignoreCase, wholeWord: wholeWord)
        return Array(line.utf8).withUnsafeBytes { (try? p.matcher.lineMatches($0)) ?? false }
    }

    func extents(_ pattern: String, _ syntax: GrepPattern.Syntax, _ line: [UInt8], utf8: Bool = false) throws -> [String] {
        let p = try GrepPattern(pattern, syntax: syntax, encoding: utf8 ? .utf8 : .bytes)
        return line.withUnsafeBytes { bytes in p.matchRanges(in: bytes).map { String(decoding: line[$0], as: UTF8.self) } }
    }

    func message(_ pattern: String, _ syntax: GrepPattern.Syntax) -> String? {
        do { _ = try GrepPattern(pattern, syntax: syntax); return nil } catch { return "\(error)" }
    }

    func testPlainStringsStayLiterals() throws {
        for (pattern, literal) in [("foo", "foo"), ("a\\.b", "a.b"), ("\\*x", "*x"), ("a{1}", "a{1}"), ("a+b", "a+b")] {
            let t = try POSIXPattern(pattern, dialect: .basic, utf8: false, caseless: false)
            XCTAssertEqual(t.literal.map { String(decoding: $0, as: UTF8.self) }, literal, pattern)
        }
        XCTAssertNil(try POSIXPattern("a+b", dialect: .extended, utf8: false, caseless: false).literal)
        let alternation = try POSIXPattern("foo\\|ba\\.r\\|", dialect: .basic, utf8: false, caseless: false)
        XCTAssertNil(alternation.literal)
        XCTAssertEqual(alternation.alternativeLiterals, [Array("foo".utf8), Array("ba.r".utf8), []])
        XCTAssertNil(try POSIXPattern("foo\\|b.r", dialect: .basic, utf8: false, caseless: false).alternativeLiterals)
        XCTAssertNil(try POSIXPattern("\\(a\\|b\\)", dialect: .basic, utf8: false, caseless: false).alternativeLiterals)
        guard case .literal = try GrepPattern("Failed password", syntax: .basic).matcher else { return XCTFail("not a literal") }
    }

    func testBasicAndExtendedForms() throws {
        XCTAssertTrue(try selects("foo\\|bar", .basic, "a bar"))
        XCTAssertFalse(try selects("foo|bar", .basic, "a bar"))
        XCTAssertTrue(try selects("foo|bar", .basic, "foo|bar"))
        XCTAssertTrue(try selects("\\(ba\\)r", .basic, "bar"))
        XCTAssertTrue(try selects("\\<bar\\>", .extended, "a bar b"))
        XCTAssertFalse(try selects("\\<bar\\>", .extended, "abar"))
        XCTAssertTrue(try selects("*x", .basic, "a*x"), "a leading * is literal in a BRE")
        XCTAssertFalse(try selects("*x", .basic, "ax"))
        XCTAssertTrue(try selects("^*x", .basic, "*x"))
        XCTAssertTrue(try selects("a\\{,2\\}b", .basic, "b"))
        XCTAssertTrue(try selects("a{1", .extended, "a{1"), "an ERE's invalid interval is literal")
        XCTAssertTrue(try selects("a^b", .basic, "a^b"), "^ not at the start of a BRE is literal")
        XCTAssertFalse(try selects("a^b", .extended, "a^b"))
        XCTAssertTrue(try selects("a$b", .basic, "a$b"))
        XCTAssertTrue(try selects("(o)\\1", .extended, "foo"))
        XCTAssertFalse(try selects("(a)\\1", .extended, "a"))
        XCTAssertTrue(try selects("[]a]", .basic, "]"))
        XCTAssertTrue(try selects("[^]a]", .basic, "b"))
        XCTAssertTrue(try selects("[\\]", .basic, "\\"))
        XCTAssertTrue(try selects("[[:digit:]]\\{4\\}", .basic, "in 2005"))
        XCTAssertTrue(try selects("a+?", .extended, "b"), "a+? is (a+)?, not lazy")
        let warned = try GrepPattern("*a", syntax: .extended)
        XCTAssertEqual(warned.warnings, ["* at start of expression"])
    }

    func testBackReferencesKeepTheirNumbersAcrossPatterns() throws {
        let p = try GrepPattern(["(a)\\1", "(b)\\1"], syntax: .extended)
        XCTAssertTrue(Array("xbb".utf8).withUnsafeBytes { (try? p.matcher.lineMatches($0)) ?? false })
        XCTAssertFalse(Array("xba".utf8).withUnsafeBytes { (try? p.matcher.lineMatches($0)) ?? false })
    }

    func testGNUMessages() {
        XCTAssertEqual(message("a(", .extended), "Unmatched ( or \\(")
        XCTAssertEqual(message("a\\)", .basic), "Unmatched ) or \\)")
        XCTAssertEqual(message("(a)\\2", .extended), "Invalid back reference")
        XCTAssertEqual(message("[a", .basic), "Unmatched [, [^, [:, [., or [=")
        XCTAssertEqual(message("a[", .basic), "Invalid regular expression")
        XCTAssertEqual(message("[z-a]", .basic), "Invalid range end")
        XCTAssertEqual(message("a{2,1}", .extended), "Invalid content of \\{\\}")
        XCTAssertEqual(message("a\\{1", .basic), "Unmatched \\{")
        XCTAssertEqual(message("a\\", .basic), "Trailing backslash")
        XCTAssertEqual(message("[[:foo:]]", .basic), "Invalid character class name")
        XCTAssertEqual(message("[[.ab.]]", .basic), "Invalid collation character")
        XCTAssertEqual(message("[:space:]", .basic), "character class syntax is [[:space:]], not [:space:]")
        XCTAssertEqual(message("a{32768}", .extended), "Regular expression too big")
        XCTAssertNil(message("a)", .extended))
        XCTAssertNil(message("a{,}", .extended))
    }

    func testLeftmostLongestExtents() throws {
        XCTAssertEqual(try extents("ab|abcd", .extended, Array("abcd".utf8)), ["abcd"])
        XCTAssertEqual(try extents("ab|abcd", .perl, Array("abcd".utf8)), ["ab"])
        XCTAssertEqual(try extents("(a|ab)(c|bcd)", .extended, Array("abcd".utf8)), ["abcd"])
        // Invalid UTF-8 splits the line; matches are found on both sides of it.
        XCTAssertEqual(try extents("ab|abcd|.t.", .extended, [0x78, 0xFF] + Array("abcd été ab".utf8), utf8: true),
                       ["abcd", "été", "ab"])
    }

    func testUTF8CaseFoldingAsGNU() throws {
        XCTAssertTrue(try selects("ärger", .basic, "ÄRGER", utf8: true, ignoreCase: true))
        XCTAssertFalse(try selects("ärger", .basic, "ÄRGER", ignoreCase: true), "bytes: ASCII folding only")
        XCTAssertTrue(try selects("status", .basic, "ſtatus", utf8: true, ignoreCase: true), "s folds to U+017F")
        XCTAssertTrue(try selects("ok status", .fixed, "OK STATUſ", utf8: true, ignoreCase: true))
        XCTAssertTrue(try selects("limit", .basic, "lımıt", utf8: true, ignoreCase: true), "i folds to U+0131")
        XCTAssertFalse(try selects("kelvin", .basic, "\u{212A}elvin", utf8: true, ignoreCase: true), "GNU 3.8: not k")
        XCTAssertTrue(try selects("kelvin", .perl, "\u{212A}elvin", utf8: true, ignoreCase: true), "PCRE2 folds it for -P")
    }

    func testUTF8WordsAndClasses() throws {
        XCTAssertFalse(try selects("caf", .basic, "café", utf8: true, wholeWord: true))
        XCTAssertTrue(try selects("caf", .basic, "café", wholeWord: true), "bytes: é is not a word byte")
        XCTAssertTrue(try selects("^.$", .basic, "é", utf8: true))
        XCTAssertFalse(try selects("^.$", .basic, "é"))
        XCTAssertTrue(try selects("[[:punct:]]", .basic, "😀", utf8: true), "the C library calls emoji punctuation")
        XCTAssertFalse(try selects("[[:digit:]]", .basic, "\u{663}", utf8: true), "digits are ASCII")
    }
}
