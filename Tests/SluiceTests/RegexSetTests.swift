import XCTest
@testable import Sluice

/// Sets of BREs and EREs (RegexSet: Vectorscan for the patterns it takes, PCRE2 for the rest)
/// against a naive oracle: every pattern compiled alone and tried on every line. Random sets
/// mix patterns Vectorscan takes with ones it refuses (back-references, `\<`, patterns that
/// match the empty string), lines hold non-ASCII and invalid UTF-8, and the text is cut into
/// chunks of several sizes, in the C and the UTF-8 locale, with -i, -w, -x and -v.
final class RegexSetTests: XCTestCase {
    typealias Generator = LiteralSetTests.Generator

    static let atoms = ["a", "b", "A", "ab", "ba", "é", ".", "[ab]", "[^a ]", "[[:space:]]", "[[:digit:]]", "[[:alpha:]]",
                        "(a|b)", "(ab|c)", "x", "1", " ", "\\.", "[é_]"]
    static let quantifiers = ["", "", "", "+", "?", "*", "{1,2}", "{2}"]
    /// Patterns Vectorscan refuses or that match everywhere: PCRE2 decides them.
    static let special = ["\\<ab", "b\\>", "(a)\\1", "x*", "^$", "a\\b", "(b|a)\\1+", "^b*$", "^(ab)?$"]

    static func pattern(_ g: inout Generator) -> String {
        if g.below(8) == 0 { return special[g.below(special.count)] }
        var p = g.below(6) == 0 ? "^" : ""
        for _ in 0..<(1 + g.below(3)) { p += atoms[g.below(atoms.count)] + quantifiers[g.below(quantifiers.count)] }
        if g.below(6) == 0 { p += "$" }
        return p
    }

    static func text(_ g: inout Generator, lines: Int) -> [UInt8] {
        let pieces: [[UInt8]] = ["a", "b", "A", "B", "ab", "ba", "x", "1", "22", " ", "\t", ".", "_", "é", "É", "c"].map { Array($0.utf8) }
            + [[0xFF], [0xC3]]  // invalid UTF-8
        var out: [UInt8] = []
        for _ in 0..<lines {
            for _ in 0..<g.below(9) { out += pieces[g.below(pieces.count)] }
            out.append(0x0A)
        }
        return out
    }

    func select(_ text: [UInt8], _ pattern: GrepPattern, invert: Bool, size: Int) async throws -> [[UInt8]] {
        var options = GrepOptions()
        options.invert = invert
        var selector = LineSelector(matcher: pattern.matcher, wholeBuffer: pattern.matchesWithinLineOnly, options: options)
        var out: [[UInt8]] = []
        for try await batch in ChunkedBytes(bytes: text, size: size).lineBatches() {
            guard let selected = try selector.select(from: batch) else { continue }
            for entry in selected.entries ?? [] { out.append(Array(selected.storage[entry.range])) }
        }
        return out
    }

    /// `-P` patterns: groups of their own (back-references and names that would clash in one
    /// regex), lookarounds, and classes that match a line feed.
    static let perlSpecial = ["(a)\\1", "(?<n>b)\\k<n>", "(?<n>a)\\k<n>", "a(?=b)", "(?<!a)b", "\\bab", "a\\s+b", "[^x]b",
                              "\\d+", "(b|a)\\1+", "^b*$", "a\\Kb", "(?i)é"]

    func check(seed: UInt64, count: Int, syntax: GrepPattern.Syntax = .extended) async throws {
        var g = Generator(state: seed)
        let patterns = (0..<count).map { _ in
            syntax == .perl && g.below(3) == 0 ? Self.perlSpecial[g.below(Self.perlSpecial.count)]
                : Self.pattern(&g).replacingOccurrences(of: "[[:space:]]", with: syntax == .perl ? "\\s" : "[[:space:]]")
                    .replacingOccurrences(of: "[[:digit:]]", with: syntax == .perl ? "\\d" : "[[:digit:]]")
                    .replacingOccurrences(of: "[[:alpha:]]", with: syntax == .perl ? "[A-Za-z]" : "[[:alpha:]]")
        }
        let text = Self.text(&g, lines: 300)
        let lines = oracleLines(text, keepCR: true)
        for encoding in [GrepPattern.Encoding.bytes, .utf8] {
            for (caseless, word, whole) in LiteralSetTests.allFlags {
                let label = "seed \(seed) \(encoding) -i \(caseless) -w \(word) -x \(whole): \(patterns)"
                // In UTF-8 each POSIX class expands to the locale's code-point ranges: a list of
                // many such patterns passes PCRE2's 64 KiB compiled-size limit as one regex, and
                // is then compiled one pattern at a time (it failed with "too large" before).
                let set = try GrepPattern(patterns, syntax: syntax, encoding: encoding, ignoreCase: caseless,
                                          wholeWord: word, wholeLine: whole)
                // Under -w, where GNU's regex loop decides the lines (UTF-8, or a pattern glibc
                // reads), the set is wrapped in that loop (see WordRegexLoop). Its lines are then
                // not those of each pattern alone: an empty match counts only where the longest
                // match of the whole list at its start is empty (`grep -wE -e '^é?' -e '^.'`
                // does not select " é", which `-e '^é?'` alone does; PatternListConformanceTests
                // holds GNU to that). Then the set's answer on each line alone is the oracle of
                // its whole-buffer search.
                let loopDecides: Bool
                switch set.matcher {
                case .regexSet: loopDecides = false
                case .gnuWords(.regexSet, _): loopDecides = true
                case .gnuWords(.regex, let loop) where loop.endsCutLines || loop.emptyInsideCharacters: loopDecides = true
                default: return XCTFail("not a regex set: \(label)")
                }
                let alone = try loopDecides ? [set] : patterns.map {
                    try GrepPattern($0, syntax: syntax, encoding: encoding, ignoreCase: caseless, wholeWord: word, wholeLine: whole)
                }
                var expected: [[UInt8]] = []
                for line in lines {
                    let l = Line(line)
                    if try alone.contains(where: { try $0.matches(l) }) { expected.append(line) }
                }
                for size in [5, 333, 1 << 20] {
                    let got = try await select(text, set, invert: false, size: size)
                    XCTAssertEqual(got, expected, "\(label), chunks of \(size)")
                }
                let inverted = try await select(text, set, invert: true, size: 1 << 20)
                XCTAssertEqual(inverted.count, lines.count - expected.count, "-v \(label)")
            }
        }
    }

    func testRandomSetsAgainstEachPatternAlone() async throws {
        for seed in UInt64(1)...10 {
            try await check(seed: seed, count: [2, 3, 5, 12, 40][Int(seed) % 5])
        }
    }

    /// `-P` lists (GNU grep 3.8 takes one `-P` pattern only): a line matches when one of the
    /// patterns alone does; patterns with groups of their own are compiled one at a time.
    func testRandomPerlSetsAgainstEachPatternAlone() async throws {
        for seed in UInt64(21)...30 {
            try await check(seed: seed, count: [2, 3, 5, 12, 40][Int(seed) % 5], syntax: .perl)
        }
    }

    /// Two `-P` patterns whose groups have the same number or name: joined into one regex, the
    /// second's `\1` would refer to the first's group, and the names would clash.
    func testPerlListKeepsEachPatternsGroups() throws {
        let pattern = try GrepPattern(["(x)y", "(a)\\1", "(?<n>b)\\k<n>", "(?<n>c)\\k<n>"], syntax: .perl)
        guard case .regexSet(let set) = pattern.matcher, case .each(let codes, _) = set.full else {
            return XCTFail("\(pattern.matcher)")
        }
        XCTAssertEqual(codes.count, 4)
        for (line, matches) in [("aa", true), ("ax", false), ("xa", false), ("bb", true), ("cc", true), ("bc", false), ("xy", true)] {
            XCTAssertEqual(try pattern.matches(Line(Array(line.utf8))), matches, line)
        }
        let line = Array("xy aa cc b".utf8)
        let ranges = line.withUnsafeBytes { pattern.matchRanges(in: $0) }
        XCTAssertEqual(ranges, [0..<2, 3..<5, 6..<8])
    }

    /// A UTF-8 list of patterns with POSIX classes past PCRE2's 64 KiB compiled-size limit as
    /// one regex: compiled one at a time, it selects each pattern's lines and gives
    /// leftmost-longest extents over all of them (it failed with "too large" before).
    func testListPastTheCompiledSizeLimit() throws {
        let patterns = (0..<40).map { "[[:alpha:]]{2}[[:alnum:]]\($0)|x[[:punct:]]\($0)" } + ["[[:alpha:]]{2}[[:alnum:]]1[[:digit:]]"]
        let pattern = try GrepPattern(patterns, syntax: .extended, encoding: .utf8)
        guard case .regexSet(let set) = pattern.matcher else { return XCTFail("\(pattern.matcher)") }
        if LocaleClasses.available, case .joined = set.full { XCTFail("one regex of \(patterns.count) patterns with classes") }
        for (line, matches) in [("abc7", true), ("éßé39 ", true), ("x,3", true), ("ab", false), ("x3", false)] {
            XCTAssertEqual(try pattern.matches(Line(Array(line.utf8))), matches, line)
        }
        // "abc1" (pattern 1) and "abc12" (the last one) start together: the longer is the extent.
        let line = Array("zz abc12 x;5 ab".utf8)
        XCTAssertEqual(line.withUnsafeBytes { pattern.matchRanges(in: $0) }, [3..<8, 9..<12])
    }

    /// Vectorscan takes the patterns it can; one it refuses does not keep the others from it.
    func testRefusedPatternsDoNotBlockTheOthers() throws {
        let pattern = try GrepPattern(["err(or|ors)", "(a)\\1", "\\<word", "[0-9]+ms"], syntax: .extended)
        guard case .regexSet(let set) = pattern.matcher else { return XCTFail("\(pattern.matcher)") }
        XCTAssertEqual(set.acceptedCount, 2)
        XCTAssertNotNil(set.rest)
        for (line, matches) in [("an errors line", true), ("aa", true), ("a word", true), ("sword", false), ("12ms", true), ("ms", false)] {
            XCTAssertEqual(try pattern.matches(Line(Array(line.utf8))), matches, line)
        }
    }

    /// The text Vectorscan gets: repetitions at either end cut short, the rest kept.
    func testExistenceForm() {
        let cases = [("ab+", "ab"), ("ab*", "a"), ("a(b|c)?", "a"), ("x{2,5}y", "x{2}y"), ("[0-9]+ms", "[0-9]ms"),
                     ("a+b+", "ab"), ("a*", "a*"), ("a|b+", "a|b+"), ("ab+$", "ab+$"), ("^a+", "^a"), ("a+?", "a+?"),
                     ("(?:a*)*b", "b"), ("[^\\nx]+", "[^\\nx]"), ("a\\x{2b}+", "a\\x{2b}"), ("[[:alpha:]]{0,3}z", "z")]
        for (pcre, expected) in cases { XCTAssertEqual(RegexSet.existenceForm(pcre), expected, pcre) }
    }

    /// A class that could match a line feed would let a search over a buffer run across lines:
    /// with "a" on every line and one "b" at the end, each search from an "a" would run to the
    /// end, quadratic in the buffer. Classes never match a line feed, so this is linear.
    func testClassesDoNotRunAcrossLines() async throws {
        let text = Array(String(repeating: "a\n", count: 100_000).utf8) + Array("b\n".utf8)
        for patterns in [["a[[:alpha:][:space:]]*b"], ["a[[:alpha:][:space:]]*b", "a[[:cntrl:]a]*b"], ["a[^x]*b", "q\\W*b"]] {
            for encoding in [GrepPattern.Encoding.bytes, .utf8] {
                let pattern = try GrepPattern(patterns, syntax: .extended, encoding: encoding)
                let start = ContinuousClock.now
                let got = try await select(text, pattern, invert: false, size: 1 << 20)
                let elapsed = ContinuousClock.now - start
                XCTAssertEqual(got, [], "\(patterns)")
                XCTAssertLessThan(elapsed, .seconds(5), "\(patterns) \(encoding) took \(elapsed)")
            }
        }
    }
}
