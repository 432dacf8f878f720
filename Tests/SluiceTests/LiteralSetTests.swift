import XCTest
@testable import Sluice

/// The literal-set matcher against a naive oracle: every pattern tried at every position of
/// every line, with GNU grep's -i (ASCII), -w, -x and -o rules written out plainly.
final class LiteralSetTests: XCTestCase {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Bytes the literals and lines are made of: letters of both cases (so -i matters), word and
    /// non-word punctuation, digits, a UTF-8 "é" and a stray 0xFF byte.
    static let alphabet: [[UInt8]] = ["a", "b", "A", "B", "c", "_", "-", ".", " ", "1", "é", "\u{FF}"].map {
        $0 == "\u{FF}" ? [0xFF] : Array($0.utf8)
    }

    static func word(_ g: inout Generator, maxLength: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<g.below(maxLength + 1) { out += alphabet[g.below(alphabet.count)] }
        return out
    }

    /// `count` literals with duplicates, case variants, prefixes and (sometimes) the empty one.
    static func literals(_ g: inout Generator, count: Int, withEmpty: Bool) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while out.count < count {
            let kind = g.below(10)
            if kind == 0, let some = out.randomElement(using: &g) {
                out.append(some)  // a duplicate
            } else if kind == 1, let some = out.randomElement(using: &g) {
                out.append(some.map { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A ? $0 ^ 0x20 : $0 })  // a case variant
            } else if kind == 2, let some = out.randomElement(using: &g), some.count > 1 {
                out.append(Array(some.prefix(g.below(some.count - 1) + 1)))  // a prefix
            } else {
                // Large sets get longer literals, so that not every line matches.
                let w = word(&g, maxLength: count > 100 ? 8 : 5)
                if count > 100 { out.append(w + [0x7A]) } else if !w.isEmpty { out.append(w) }
            }
        }
        if withEmpty { out.insert([], at: g.below(out.count + 1)) }
        return out
    }

    static func text(_ g: inout Generator, lines: Int, literals: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<lines {
            var line: [UInt8] = []
            for _ in 0..<g.below(5) {
                if g.below(3) == 0, let l = literals.randomElement(using: &g) { line += l } else { line += word(&g, maxLength: 6) }
            }
            if g.below(20) == 0, let l = literals.randomElement(using: &g) { line = l }  // whole-line matches
            out += line
            out.append(0x0A)
        }
        return out
    }

    // MARK: The oracle

    static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 32 : b }
    static func isWord(_ b: UInt8) -> Bool { LiteralSet.isWordByte(b) }

    struct Oracle {
        let literals: [[UInt8]]
        let caseless, wholeWord, wholeLine: Bool

        func occurs(_ l: [UInt8], in line: [UInt8], at p: Int) -> Bool {
            guard p + l.count <= line.count else { return false }
            for i in 0..<l.count {
                let a = line[p + i], b = l[i]
                if caseless ? LiteralSetTests.lower(a) != LiteralSetTests.lower(b) : a != b { return false }
            }
            return true
        }

        func bounded(_ line: [UInt8], _ s: Int, _ e: Int) -> Bool {
            (s == 0 || !LiteralSetTests.isWord(line[s - 1])) && (e == line.count || !LiteralSetTests.isWord(line[e]))
        }

        /// Every (start, end) of every literal, empty ones included, passing -w.
        func occurrences(_ line: [UInt8]) -> [(Int, Int)] {
            var out: [(Int, Int)] = []
            for l in literals {
                for p in 0...line.count where occurs(l, in: line, at: p) && (!wholeWord || bounded(line, p, p + l.count)) {
                    out.append((p, p + l.count))
                }
            }
            return out
        }

        func matches(_ line: [UInt8]) -> Bool {
            if wholeLine { return literals.contains { $0.count == line.count && occurs($0, in: line, at: 0) } }
            return !occurrences(line).isEmpty
        }

        /// GNU grep -o: leftmost start, longest there, continue after it; empty matches not printed.
        /// With -w, each search after a match starts at its end, which GNU grep then takes for
        /// a word boundary on the left (as if the line began there).
        func onlyMatching(_ line: [UInt8]) -> [Range<Int>] {
            if wholeLine { return matches(line) && !line.isEmpty ? [0..<line.count] : [] }
            var out: [Range<Int>] = []
            var cursor = 0
            while true {
                let rest = Array(line[cursor...])
                let after = Oracle(literals: literals, caseless: caseless, wholeWord: wholeWord, wholeLine: false)
                    .occurrences(rest).map { ($0.0 + cursor, $0.1 + cursor) }.filter { $0.0 < $0.1 }
                guard let start = after.map(\.0).min() else { break }
                let end = after.filter { $0.0 == start }.map(\.1).max()!
                out.append(start..<end)
                cursor = end
            }
            return out
        }
    }

    /// Runs the grep stage's selector with `matcher` over `text` cut into `size`-byte chunks.
    func select(_ text: [UInt8], _ matcher: Matcher, invert: Bool, size: Int) async throws -> [[UInt8]] {
        var options = GrepOptions()
        options.invert = invert
        var selector = LineSelector(matcher: matcher, options: options)
        var out: [[UInt8]] = []
        for try await batch in ChunkedBytes(bytes: text, size: size).lineBatches() {
            guard let selected = try selector.select(from: batch) else { continue }
            for entry in selected.entries ?? [] { out.append(Array(selected.storage[entry.range])) }
        }
        return out
    }

    func check(seed: UInt64, count: Int, lines: Int, flags: [(Bool, Bool, Bool)], engines: [LiteralSet.Engine],
               sizes: [Int]) async throws {
        var g = Generator(state: seed)
        let literals = Self.literals(&g, count: count, withEmpty: seed % 3 == 0)
        let text = Self.text(&g, lines: lines, literals: literals)
        let textLines = oracleLines(text, keepCR: true)
        for (caseless, wholeWord, wholeLine) in flags {
            let oracle = Oracle(literals: literals, caseless: caseless, wholeWord: wholeWord, wholeLine: wholeLine)
            let expected = textLines.filter { oracle.matches($0) }
            let label = "seed \(seed), \(count) literals, -i \(caseless) -w \(wholeWord) -x \(wholeLine)"
            for engine in engines {
                let set = try LiteralSet(literals, folding: caseless ? .ascii : .none, wholeWord: wholeWord,
                                         wholeLine: wholeLine, engine: engine)
                for size in sizes {
                    let got = try await select(text, .literalSet(set), invert: false, size: size)
                    XCTAssertEqual(got, expected, "\(label), \(engine), chunks of \(size)")
                }
                let inverted = try await select(text, .literalSet(set), invert: true, size: sizes[0])
                XCTAssertEqual(inverted, textLines.filter { !oracle.matches($0) }, "-v \(label), \(engine)")
                for line in textLines.prefix(60) {
                    let ranges = line.withUnsafeBytes { set.matchRanges(in: $0) }
                    XCTAssertEqual(ranges, oracle.onlyMatching(line), "-o \(label), \(engine): \(line)")
                }
            }
        }
    }

    static let allFlags = [(false, false, false), (true, false, false), (false, true, false), (true, true, false),
                           (false, false, true), (true, false, true)]

    func testSmallSetsEveryFlagBothEngines() async throws {
        for seed in UInt64(1)...12 {
            try await check(seed: seed, count: [1, 2, 3, 5, 8, 20][Int(seed) % 6], lines: 200, flags: Self.allFlags,
                            engines: [.hashed, .hyperscan, .automatic], sizes: [1, 7, 4096])
        }
    }

    /// Up to eight literals, the automatic engine's fingerprint search (`sluice_teddy`), on
    /// buffers of every length from 0 to 300 bytes (the SIMD blocks and the bytes after the last
    /// one), with literals planted at the end: every occurrence, in order of start and longest
    /// first (``LiteralSet/forEachOccurrence``), and the lines with one (``LiteralSet/regionHits``,
    /// fingerprinted by rare bytes, in any order).
    func testFingerprintSearchAgainstTheOracle() throws {
        var g = Generator(state: 4242)
        for round in 0..<240 {
            let count = 1 + round % 8
            var literals: [[UInt8]] = []
            while literals.count < count {
                var l = Self.word(&g, maxLength: 1 + g.below(12))
                if l.isEmpty { l = [0x61] }
                if g.below(4) == 0 { l += Array(repeating: l[0], count: g.below(5)) }
                literals.append(l)
            }
            let caseless = round % 3 == 1
            let length = round * 300 / 239
            var text: [UInt8] = []
            while text.count < length {
                if g.below(4) == 0, let l = literals.randomElement(using: &g) { text += l }
                else if g.below(12) == 0 { text.append(0x0A) }
                else { text += Self.alphabet[g.below(Self.alphabet.count)] }
            }
            text = Array(text.prefix(length))
            if length > 0, let l = literals.randomElement(using: &g), l.count <= length {
                text.replaceSubrange(length - l.count..<length, with: l.map { $0 == 0x0A ? 0x61 : $0 })
            }
            let set = try LiteralSet(literals, folding: caseless ? .ascii : .none, wholeWord: false, wholeLine: false)
            XCTAssertTrue(set.findsRegionHits)
            let oracle = Oracle(literals: literals, caseless: caseless, wholeWord: false, wholeLine: false)
            var expected = Set<[Int]>()
            for (s, e) in oracle.occurrences(text) where e > s { expected.insert([s, e]) }
            let ordered = expected.sorted { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] > $1[1] }
            var got: [[Int]] = []
            text.withUnsafeBytes { bytes in
                _ = set.forEachOccurrence(in: bytes, from: 0, to: bytes.count) { _, s, e in got.append([s, e]); return false }
            }
            let label = "round \(round): \(literals.map { String(decoding: $0, as: UTF8.self) }), -i \(caseless), \(length) bytes"
            XCTAssertEqual(got, ordered, label)
            // The lines (by the index of their first byte) that hold an occurrence.
            func lineStart(_ p: Int) -> Int { (text[..<p].lastIndex(of: 0x0A) ?? -1) + 1 }
            let lines = Set(ordered.map { lineStart($0[0]) })
            let hits = text.withUnsafeBytes { set.regionHits(in: $0, from: 0, to: $0.count) }
            if length == 0 { XCTAssertNil(hits); continue }
            XCTAssertEqual(Set((hits?.positions ?? []).map(lineStart)), lines, "regionHits, \(label)")
        }
    }

    func testHundredsOfLiterals() async throws {
        for seed in UInt64(20)...21 {
            try await check(seed: seed, count: 300, lines: 300, flags: Self.allFlags, engines: [.hashed, .hyperscan], sizes: [64, 1 << 20])
        }
    }

    func testTenThousandLiterals() async throws {
        try await check(seed: 30, count: 10_000, lines: 60, flags: [(true, true, false), (false, false, true)],
                        engines: [.hashed], sizes: [3, 1 << 20])
    }

    /// Long lines and long literals (past the prefix table's per-length bits, > 66 bytes).
    func testLongLiteralsAndLongLines() async throws {
        var g = Generator(state: 99)
        var literals: [[UInt8]] = (0..<40).map { i in Array(repeating: UInt8(0x61 + i % 3), count: 60 + i) + Self.word(&g, maxLength: 4) }
        literals += [Array("abc".utf8), Array("ab".utf8), Array("b".utf8)]
        var text: [UInt8] = []
        for i in 0..<60 {
            text += Self.word(&g, maxLength: 30)
            if i % 3 == 0 { text += literals[i % literals.count] }
            text += Self.word(&g, maxLength: 300)
            text.append(0x0A)
        }
        let textLines = oracleLines(text, keepCR: true)
        for (caseless, wholeWord, wholeLine) in Self.allFlags {
            let oracle = Oracle(literals: literals, caseless: caseless, wholeWord: wholeWord, wholeLine: wholeLine)
            for engine in [LiteralSet.Engine.hashed, .hyperscan] {
                let set = try LiteralSet(literals, folding: caseless ? .ascii : .none, wholeWord: wholeWord, wholeLine: wholeLine, engine: engine)
                let got = try await select(text, .literalSet(set), invert: false, size: 100)
                XCTAssertEqual(got, textLines.filter { oracle.matches($0) }, "\(engine) -i \(caseless) -w \(wholeWord) -x \(wholeLine)")
            }
        }
    }

    /// GrepPattern routes several literals (-F, or patterns without metacharacters) to the set.
    func testGrepPatternUsesTheSetForSeveralLiterals() throws {
        let fixed = try GrepPattern(["a.b", "c"], syntax: .fixed)
        guard case .literalSet = fixed.matcher else { return XCTFail("\(fixed.matcher)") }
        let plain = try GrepPattern(["error", "warn"])
        guard case .literalSet = plain.matcher else { return XCTFail("\(plain.matcher)") }
        let ranges = Array("xab abc".utf8).withUnsafeBytes { try! GrepPattern(["ab", "abc", "b"], syntax: .fixed).matchRanges(in: $0) }
        XCTAssertEqual(ranges, [1..<3, 4..<7])
    }

    /// 100,000 literals build within the bound (1 s; the CLI test checks peak RSS).
    func testHundredThousandLiteralsBuildQuickly() throws {
        var g = Generator(state: 7)
        let literals: [[UInt8]] = (0..<100_000).map { i in
            Array("\(g.below(256)).\(g.below(256)).\(g.below(256)).\(i % 256)".utf8)
        }
        let start = ContinuousClock.now
        let set = try LiteralSet(literals, folding: .none, wholeWord: false, wholeLine: false)
        let elapsed = ContinuousClock.now - start
        XCTAssertFalse(set.usesHyperscan)
        if !runningUnderSanitizer { XCTAssertLessThan(elapsed, .seconds(1), "built in \(elapsed)") }
        let line = Array("from \(String(decoding: literals[4321], as: UTF8.self)) ok".utf8)
        XCTAssertTrue(line.withUnsafeBytes { set.lineMatches($0) })
        XCTAssertFalse(Array("from 1.2.3 ok".utf8).withUnsafeBytes { set.lineMatches($0) })
    }
}

extension LiteralSetTests.Generator: RandomNumberGenerator {}
