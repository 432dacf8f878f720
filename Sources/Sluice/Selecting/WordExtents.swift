/// How `-o` (and colour, `--json` spans) find the extents of a list of literals under `-w`, as
/// GNU grep 3.8 does, which depends on which of its matchers searches the list.
///
/// GNU grep searches with its fixed-string matcher (`kwsearch.c`, `Fexecute`): `-F` patterns
/// (but a single one in the C locale, and in a UTF-8 locale those with encoding errors or
/// that `-i` cannot fold byte by byte), and lists of two or more distinct BREs or EREs that
/// are all plain strings. Each later search of a line starts where the last match ended and
/// counts that position as a word boundary (see ``LiteralSet/wordExtents(in:unicode:previousEndIsBoundary:)``).
/// Its regex matcher, used otherwise, looks at the real character before a match.
struct WordExtents: Sendable {
    let set: LiteralSet
    let unicode: Bool
    let previousEndIsBoundary: Bool

    func ranges(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        set.wordExtents(in: line, unicode: unicode, previousEndIsBoundary: previousEndIsBoundary)
    }

    /// The strings GNU grep 3.8 gives its fixed-string matcher for `patterns` (split at line
    /// feeds), or `nil` when it uses its regex matcher (grep.c's choice, `try_fgrep_pattern`).
    static func gnuFixedKeys(_ patterns: [String], syntax: GrepPattern.Syntax, utf8: Bool, ignoreCase: Bool,
                             wholeWord: Bool) -> [[UInt8]]? {
        var seen = Set<String>()
        let distinct = patterns.filter { seen.insert($0).inserted }
        switch syntax {
        case .perl:
            return nil
        case .fixed:
            if !utf8 { return distinct.count == 1 && wholeWord ? nil : distinct.map(RawBytes.bytes) }
            if ignoreCase && !distinct.allSatisfy({ foldsByByte($0, utf8: true) }) { return nil }
            return distinct.map(RawBytes.bytes)
        case .basic, .extended:
            guard distinct.count > 1 else { return nil }
            var keys: [[UInt8]] = []
            for p in distinct {
                guard let key = plainString(p, basic: syntax == .basic), !ignoreCase || foldsByByte(key, utf8: utf8) else {
                    return nil
                }
                keys.append(RawBytes.bytes(key))
            }
            return keys
        }
    }

    /// A BRE or ERE that matches only itself, unescaped (`a\.b` is `a.b`), or `nil`.
    static func plainString(_ pattern: String, basic: Bool) -> String? {
        var out = ""
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            switch c {
            case "$", "*", ".", "[", "^":
                return nil
            case "(", "+", "?", "{", "|":
                if !basic { return nil }
                out.append(c)
            case "\\":
                guard let d = chars.next() else { out.append(c); break }
                if "\nBSW'<bsw`>123456789".contains(d) { return nil }
                if basic && "(+?{|".contains(d) { return nil }
                out.append(d)
            default:
                out.append(c)
            }
        }
        return out
    }

    /// Whether `-i` can fold `pattern` byte by byte in GNU's fixed-string matcher (grep.c's
    /// `fgrep_icase_available`): in a UTF-8 locale, no `s` or `i` (they fold to U+017F and
    /// U+0131 as well) and no other character that has a case.
    static func foldsByByte(_ pattern: String, utf8: Bool) -> Bool {
        guard utf8 else { return true }
        return pattern.unicodeScalars.allSatisfy { c in
            c.isASCII ? !"sSiI".unicodeScalars.contains(c) : !c.properties.changesWhenCaseMapped
        }
    }
}

/// GNU grep 3.8's regex matcher under `-w` (`dfasearch.c`, `EGexecute`), for the patterns it
/// does not search as fixed strings: the lines it selects where its DFA does not decide them,
/// and the `-o` extents (colour, JSON spans) always.
///
/// GNU compiles the patterns for glibc's regex as one alternation of those that hold no
/// back-reference, then each pattern that may hold one (a `\` and a digit) on its own. Each of
/// these searches from the start given (the line's, or for `-o` the end of the last match):
/// at its leftmost-longest match it checks the characters around it; if one is a word
/// character it asks for the longest match at the same start within the line cut one byte
/// shorter, and so on, and when no shorter non-empty match is left it searches again one
/// byte further on. The line is cut at `start + length - from`, not at `start + length`: from
/// the second `-o` match of a line on, a shorter match is looked for only while the match is
/// longer than the distance from the line's start to the search's start (so
/// `echo 'q a-b q a-bc' | grep -owE 'a(-b)?'` prints `a-b` alone). The patterns' answers are
/// then compared: leftmost, then longest.
///
/// The lines selected differ from a plain "a match with no word character on either side"
/// only through empty matches (one is taken only where the longest match at its start is
/// empty) and `\'` (glibc's end of the cut string): ``decidesLines`` says whether that can
/// happen and GNU runs this loop to select lines (in a UTF-8 locale, where the `-w` form of its
/// DFA is not supported, and where a pattern needs glibc's regex: back-references, `[[.a.]]`).
struct WordRegexLoop: Sendable {
    /// The back-reference-free patterns as one leftmost-longest code, then each pattern that
    /// may hold a back-reference.
    let codes: [PCRE2Code]
    let unicode: Bool
    /// Whether the lines this loop selects can differ from those the matcher selects, which
    /// then confirms each of its lines with ``selects(_:)``.
    let decidesLines: Bool
    /// A pattern holds `\'`, which glibc matches at the end of a line cut short: the loop may
    /// then select a line the matcher does not, and every line is to be asked.
    let endsCutLines: Bool
    /// In UTF-8, a pattern matches the empty string with no character around it, which glibc
    /// finds between the bytes of a multibyte character (`printf 'a€b\n' | grep -cw ''` is 1:
    /// inside €, a character that is no letter, neither side is a word character): the loop may
    /// then select a line the matcher does not, and every line is to be asked.
    var emptyInsideCharacters: Bool { emptyInside.contains(true) }
    /// Per code: it finds those empty matches (computed once: each answer is a DFA match).
    let emptyInside: [Bool]

    /// The loop for `patterns` (as GNU splits them at line feeds), `nil` when GNU searches
    /// them with its fixed-string matcher or `-P`, or a code does not compile (then the
    /// matcher's extents stand, and the caller's refusals). `source(i)` is the PCRE2 text of
    /// pattern `i` alone, with `\'` as the subject's end; `compile(text, backReferences)`
    /// compiles it leftmost-longest. `selectsLines`: GNU selects the lines with this loop, not
    /// with its DFA (in a UTF-8 locale, and when a pattern needs glibc's regex).
    static func make(_ patterns: [String], syntax: GrepPattern.Syntax, utf8: Bool, caseless: Bool, selectsLines: Bool,
                     source: (Int) throws -> String, compile: (String, Bool) throws -> PCRE2Code) -> WordRegexLoop? {
        guard syntax != .perl, !patterns.isEmpty else { return nil }
        var plain: [String] = [], separate: [String] = []
        do {
            for i in patterns.indices {
                if syntax != .fixed && Self.mayHoldBackReference(patterns[i]) { separate.append(try source(i)) } else { plain.append(try source(i)) }
            }
            var codes: [PCRE2Code] = []
            // Which patterns each code holds (for the empty matches inside characters below).
            var members: [[Int]] = []
            let separateIndices = patterns.indices.filter { syntax != .fixed && Self.mayHoldBackReference(patterns[$0]) }
            let plainIndices = patterns.indices.filter { !separateIndices.contains($0) }
            if !plain.isEmpty { members.append(plainIndices) }
            members += separateIndices.map { [$0] }
            if !plain.isEmpty {
                codes.append(try compile(plain.count == 1 ? plain[0] : plain.map { "(?:\($0))" }.joined(separator: "|"), false))
            }
            for s in separate { codes.append(try compile(s, true)) }
            let bufferEnd = patterns.contains { $0.contains("\\'") }
            let decides = selectsLines && (bufferEnd || codes.contains(where: \.mayMatchEmpty))
            // A code (the joined patterns without back-references, or one with them) finds these
            // empty matches where glibc searches it byte by byte (see `matchesBytewiseInGlibc`).
            let inside = zip(codes, members).map { code, held in
                utf8 && !caseless && held.allSatisfy { Self.matchesBytewiseInGlibc(patterns[$0], fixed: syntax == .fixed) }
                    && code.matchesEmptyBetweenCharacters
            }
            return WordRegexLoop(codes: codes, unicode: utf8, decidesLines: decides, endsCutLines: bufferEnd,
                                 emptyInside: inside)
        } catch {
            return nil
        }
    }

    /// Whether glibc's regex, compiling `pattern` (a BRE or ERE; `fixed`: a `-F` string) without
    /// REG_ICASE in a UTF-8 locale, searches it byte by byte: its `optimize_utf8` does so unless
    /// the pattern has a word anchor (`\<`, `\>`, `\b`, `\B`) or a bracket that is not of
    /// ASCII characters and ranges (a class, `^`, `[=`, `[.`, a non-ASCII member; `\w`, `\W`,
    /// `\s`, `\S` are such brackets). Only then does its search from a byte inside a
    /// multibyte character, which GNU's `-w` loop makes, find an empty match there
    /// (`printf 'a€b\n' | grep -cw` with `'[x]*'`, `'[a-c]*'` or `'[]x-]*'` is 1; with
    /// `'\W*'`, `'[[:digit:]]*'`, `'[é]*'` or `'x*\|\<y'`, and `-ciw 'x*'`, 0; measured with GNU grep 3.8).
    static func matchesBytewiseInGlibc(_ pattern: String, fixed: Bool) -> Bool {
        if fixed { return true }
        let b = Array(pattern.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return true }
                if "<>bBwWsS".utf8.contains(b[i + 1]) { return false }
                i += 2
                continue
            }
            if c == UInt8(ascii: "[") {
                var j = i + 1
                if j < b.count && b[j] == UInt8(ascii: "^") { return false }
                if j < b.count && b[j] == UInt8(ascii: "]") { j += 1 }  // a first "]" is a member
                while j < b.count && b[j] != UInt8(ascii: "]") {
                    if b[j] >= 0x80 { return false }
                    if b[j] == UInt8(ascii: "["), j + 1 < b.count, ":=.".utf8.contains(b[j + 1]) { return false }
                    j += 1
                }
                i = j + 1
                continue
            }
            i += 1
        }
        return true
    }

    /// GNU's `possible_backrefs_in_pattern`: a `\` followed by a digit 1 to 9 (`\\` skipped).
    static func mayHoldBackReference(_ pattern: String) -> Bool {
        let b = Array(pattern.utf8)
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "\\") {
                if b[i + 1] >= UInt8(ascii: "1") && b[i + 1] <= UInt8(ascii: "9") { return true }
                if b[i + 1] == UInt8(ascii: "\\") { i += 1 }
            }
            i += 1
        }
        return false
    }

    /// Whether GNU selects `line`.
    func selects(_ line: UnsafeRawBufferPointer) throws(MatchFailure) -> Bool { try match(in: line, from: 0, exact: false) != nil }

    /// The extents `grep -o` prints: each search starts at the end of the last match, one
    /// byte after an empty one (which is not printed).
    func extents(in line: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var from = 0
        do {
            while from <= line.count, let m = try match(in: line, from: from, exact: true) {
                if m.isEmpty { from = m.lowerBound + 1; continue }
                ranges.append(m)
                from = m.upperBound
            }
        } catch {
            throw error.after(ranges)
        }
        return ranges
    }

    /// EGexecute's regex loop from byte `from`: with `exact` (`-o`), the leftmost then longest
    /// answer of the codes; else the first found.
    func match(in line: UnsafeRawBufferPointer, from: Int, exact: Bool) throws(MatchFailure) -> Range<Int>? {
        let n = line.count
        var best: Range<Int>?
        for (k, code) in codes.enumerated() {
            guard let first = try search(code, emptyInside[k], line, from) else { continue }
            var start = first.lowerBound, length = first.count
            if let best, start > best.lowerBound { continue }
            var found: Range<Int>?
            while start <= (best?.lowerBound ?? n + 1) {
                if !UTF8Word.wordAfter(line, start + length, unicode: unicode) && !wordBefore(line, start) {
                    found = start..<start + length
                    break
                }
                var shorter = 0
                if length > 0 {
                    length -= 1
                    // GNU cuts the line at start + length - from (see the type's notes).
                    shorter = try code.longestMatch(in: line, at: start, end: start + length - from) ?? -1
                }
                if shorter > 0 {
                    length = shorter
                    continue
                }
                guard start < n, let next = try search(code, emptyInside[k], line, start + 1) else { break }
                start = next.lowerBound
                length = next.count
            }
            guard let found else { continue }
            if !exact { return found }
            if best.map({ found.lowerBound < $0.lowerBound || (found.lowerBound == $0.lowerBound && found.count > $0.count) }) ?? true {
                best = found
            }
        }
        return best
    }

    /// glibc's `re_search` from byte `from`: a match starts at a character's first byte, but
    /// for an empty match between the bytes of a multibyte character (see ``emptyInsideCharacters``),
    /// where GNU's loop goes on one byte at a time.
    private func search(_ code: PCRE2Code, _ emptyInside: Bool, _ line: UnsafeRawBufferPointer, _ from: Int) throws(MatchFailure) -> Range<Int>? {
        var from = from
        if unicode, let character = UTF8Word.character(containing: from, in: line) {
            if emptyInside { return from..<from }
            from = character.upperBound
        }
        return try code.firstExtent(in: line, from: from)
    }

    /// GNU's `wordchar_prev`: between the bytes of a character, that character's kind.
    private func wordBefore(_ line: UnsafeRawBufferPointer, _ i: Int) -> Bool {
        if unicode, let character = UTF8Word.character(containing: i, in: line) {
            return UTF8Word.wordAfter(line, character.lowerBound, unicode: true)
        }
        return UTF8Word.wordBefore(line, i, unicode: unicode)
    }
}
