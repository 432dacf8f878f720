import CByteScan
import CPCRE2
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What `grep` looks for: one or more patterns (a line matches when any does), compiled once.
///
/// Patterns are read as GNU grep 3.8 reads them: basic (BRE, `grep`/`grep -G`), extended
/// (ERE, `grep -E`; the default here, as most library users write `a|b`), Perl-compatible
/// (`grep -P`, PCRE2 as is) or fixed strings (`grep -F`). BREs and EREs are translated to
/// PCRE2 (see `POSIXPattern`); their matches are leftmost-longest, as GNU reports them, for
/// ``matchRanges(in:)``. A pattern that is a plain string is searched as a literal with a
/// vectorised scan.
///
/// `encoding` is the locale's: `.bytes` (the C locale) matches bytes, `-i` folds ASCII letters
/// and `\w` is `[A-Za-z0-9_]`; `.utf8` (a UTF-8 locale) matches characters, folds case as GNU
/// grep does, makes `\w`, classes and `-w` Unicode-aware, and lets bytes that are not UTF-8
/// match nothing but literal bytes (the rest of such a line is still searched). The library
/// never reads the environment: the caller decides.
public struct GrepPattern: Sendable {
    /// How pattern text is read.
    public enum Syntax: Sendable {
        /// GNU basic regular expressions (`grep`, `grep -G`): `\|`, `\+`, `\?`, `\{m,n\}`, `\(...\)`.
        case basic
        /// GNU extended regular expressions (`grep -E`): `|`, `+`, `?`, `{m,n}`, `(...)`.
        case extended
        /// PCRE2 syntax and Perl semantics (`grep -P`).
        case perl
        /// Fixed strings (`grep -F`).
        case fixed
        /// The former name of ``perl``.
        public static var regex: Syntax { .perl }
    }

    /// What the bytes of patterns and lines are.
    public enum Encoding: Sendable {
        /// Bytes, as in the C locale.
        case bytes
        /// UTF-8, as in a UTF-8 locale.
        case utf8
    }

    /// The patterns as given (split at line feeds).
    public let patterns: [String]
    /// GNU grep's warnings about the patterns ("* at start of expression"), without the program name.
    public let warnings: [String]
    let matcher: Matcher
    /// False when a pattern looks at the subject's edges or behind a match (`\A`, `\z`,
    /// lookbehind): then lines are matched one at a time, never as part of a buffer.
    let matchesWithinLineOnly: Bool
    /// The patterns as one PCRE2 regex with their groups, compiled on first use by
    /// ``firstMatch(in:)`` (see GrepMatch.swift).
    let captures: CaptureCode
    /// The `-o` extents under `-w` where the matcher's own are not GNU's: of GNU's fixed-string
    /// matcher (see ``WordExtents``), or of its regex matcher (``WordRegexLoop``).
    let wordExtents: WordExtents?
    let wordLoop: WordRegexLoop?
    /// The `-o` extents of a BRE or ERE list whose lines GNU's dfa selects but which glibc's
    /// regex, the matcher of GNU's `-o` and colour, reads otherwise (an operator after an
    /// anchor: `echo 'vu r' | grep -oE 'u$*'` selects the line and prints nothing).
    let glibcExtents: PCRE2Code?

    /// Where this pattern's answer is known to differ from GNU grep 3.8's. A caller that
    /// promises GNU's output (the `sluice grep` command) refuses these rather than print a
    /// plausible answer.
    public struct KnownDifferences: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The lines selected: in UTF-8, a `-w` list of plain strings holding the empty
        /// pattern, which GNU's fixed-string matcher lets match inside multibyte characters
        /// that are not letters.
        public static let selection = KnownDifferences(rawValue: 1)
        /// The match extents (`-o`, colour, JSON spans): `-x -w` (GNU prints an empty match as
        /// well), and `-w` lists of regular expressions with a repetition or an alternation
        /// whose copy of GNU's regex loop does not compile (too large for PCRE2).
        public static let wordExtents = KnownDifferences(rawValue: 2)
        /// The lines selected: a BRE or ERE with a back-reference to a group in which `*` or `+`
        /// repeats a group or a repetition (`(y**)\1`, `((y*)*)\1`): glibc's regex, which GNU
        /// grep runs for back-references, misses some of its matches (`echo a | grep -cE '(y**)\1'` is 0);
        /// and one to a group within a group repeated at least twice (`echo aaaa | grep -cE '((a*)\2){2}'` is 0).
        public static let glibcBackReferences = KnownDifferences(rawValue: 4)
        /// Under `-i`, a BRE or ERE that escapes a lowercase ASCII letter that is no operator
        /// (`\i`, `\k`): glibc's regex never matches it (`echo Ii | grep -o -i '\i'` prints
        /// nothing), GNU's dfa does. The match extents (`-o`, colour, JSON spans) are then
        /// glibc's always ...
        public static let glibcCaselessEscapeExtents = KnownDifferences(rawValue: 8)
        /// ... and the lines selected too where glibc selects them: back-references, `-w` and
        /// word assertions or classes in a UTF-8 locale (`printf 'Ii\n' | LC_ALL=C.UTF-8 grep -c -i -w 'I\i'` is 0).
        public static let glibcCaselessEscapeLines = KnownDifferences(rawValue: 16)
    }
    /// See ``KnownDifferences``.
    public let knownDifferences: KnownDifferences

    /// Compiles `patterns`; throws ``SluiceError/patternSyntax(reason:)`` (GNU grep's message)
    /// for a BRE or ERE GNU grep rejects, ``SluiceError/badPattern(pattern:offset:reason:)``
    /// for a PCRE2 pattern that does not compile.
    public init(_ patterns: [String], syntax: Syntax = .extended, encoding: Encoding = .bytes, ignoreCase: Bool = false,
                wholeWord: Bool = false, wholeLine: Bool = false) throws {
        // A pattern holding line feeds is several patterns, one per line, as in grep.
        let patterns = patterns.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        self.patterns = patterns
        let utf8 = encoding == .utf8
        // A byte that is not valid UTF-8 (kept by RawBytes, from the command line or a pattern
        // file) is searched for as itself in the C locale. In UTF-8 the engines match
        // characters, where such a byte cannot be written: refused, never silently unmatched.
        if utf8, let raw = patterns.first(where: RawBytes.holdsRawBytes),
           let byte = raw.unicodeScalars.lazy.compactMap(RawBytes.rawByte).first {
            throw SluiceError.patternSyntax(reason: "the pattern holds a byte that is not valid UTF-8 (\\x\(String(byte, radix: 16, uppercase: true))), "
                                            + "which a UTF-8 locale cannot match; run with LC_ALL=C to search for bytes")
        }
        var warnings: [String] = []
        var literals: [[UInt8]]?
        var sources: [String]
        var backReferences = false
        // GNU's dfa gives up on a whole list when one pattern needs glibc's regex (see
        // POSIXPattern.decidedByGlibc): then glibc reads every pattern.
        var glibcList = false
        // GNU's DFA decides the lines of -w only in the C locale, and when no pattern needs glibc.
        var dfaGivesUp = utf8
        var repeatedBackReferences = false
        var caselessEscape = false
        var glibcSelects = false
        // The patterns as glibc reads them, where its extents differ from the lines' reading.
        var extentSources: [String]?
        // One BRE or ERE pattern translated for PCRE2 (see POSIXPattern.init).
        func translate(_ p: String, groupOffset: Int = 0, bufferEnd: Bool = false, glibcDecides: Bool = false) throws -> POSIXPattern {
            try POSIXPattern(p, dialect: syntax == .basic ? .basic : .extended, utf8: utf8, caseless: ignoreCase,
                             groupOffset: groupOffset, bufferEnd: bufferEnd, glibcDecides: glibcDecides)
        }
        switch syntax {
        case .fixed:
            literals = patterns.map(RawBytes.bytes)
            sources = patterns.map { POSIXPattern.literalSource($0, utf8: utf8, caseless: ignoreCase) }
        case .perl:
            literals = patterns.allSatisfy({ !Self.hasMetacharacters($0) }) ? patterns.map(RawBytes.bytes) : nil
            sources = literals != nil ? patterns.map { POSIXPattern.literalSource($0, utf8: utf8, caseless: false) } : patterns
        case .basic, .extended:
            var translated: [POSIXPattern] = []
            for pass in 0..<2 {
                var groups = 0
                translated = try patterns.map { p in
                    let t = try translate(p, groupOffset: groups, glibcDecides: glibcList)
                    groups += t.groups
                    return t
                }
                guard pass == 0, patterns.count > 1, translated.contains(where: \.decidedByGlibc),
                      translated.contains(where: \.dfaReadsOtherwiseThanGlibc) else { break }
                glibcList = true
            }
            var found: [[UInt8]] = []
            var allPlain = true
            sources = []
            for t in translated {
                warnings += t.warnings
                backReferences = backReferences || t.hasBackReferences
                repeatedBackReferences = repeatedBackReferences || t.glibcMissesMatches
                caselessEscape = caselessEscape || t.glibcMissesCaselessEscape
                glibcSelects = glibcSelects || t.decidedByGlibc || t.hasBackReferences || glibcList
                dfaGivesUp = dfaGivesUp || t.decidedByGlibc
                sources.append(t.pcre)
                if let l = t.alternativeLiterals { found += l } else { allPlain = false }
            }
            literals = allPlain ? found : nil
            if !glibcList, translated.contains(where: \.dfaReadsOtherwiseThanGlibc) {
                var groups = 0
                extentSources = try zip(patterns, translated).map { p, t in
                    defer { groups += t.groups }
                    return t.dfaReadsOtherwiseThanGlibc ? try translate(p, groupOffset: groups, glibcDecides: true).pcre : t.pcre
                }
            }
        }
        self.warnings = warnings
        matchesWithinLineOnly = syntax != .perl || !patterns.contains { p in
            ["\\A", "\\z", "\\Z", "\\G", "(?<=", "(?<!"].contains { p.contains($0) }
        }
        // PCRE2 options: UTF-8 mode reads characters (invalid bytes match nothing); BRE, ERE and
        // -F fold case in the translation there (GNU's folding), and use Unicode classes (UCP).
        // -P is as GNU grep 3.8 compiles it: UTF without UCP, PCRE2's own folding.
        let foldsInPattern = utf8 && syntax != .perl
        let posix = syntax == .basic || syntax == .extended
        func compile(_ combined: String) throws -> PCRE2Code {
            do {
                return try PCRE2Code(combined, caseless: ignoreCase && !foldsInPattern, utf: utf8,
                                     ucp: foldsInPattern && !LocaleClasses.available,
                                     longest: posix || syntax == .fixed, backReferences: backReferences,
                                     longestFirst: syntax == .fixed)
            } catch let error as SluiceError where error.kind == .badPattern {
                let reason = error.reason ?? ""
                // Each pattern translated on its own (back-references numbered from 1), to find
                // the one to blame when a list does not compile.
                let alone: [String] = posix
                    ? patterns.compactMap { p in
                        try? translate(p).pcre }
                    : sources
                throw patterns.count == 1 ? SluiceError.badPattern(pattern: patterns[0], offset: Int(error.offset ?? 0), reason: reason)
                    : Self.firstBadPattern(alone, ignoreCase: ignoreCase && !foldsInPattern, utf: utf8,
                                           ucp: foldsInPattern && !LocaleClasses.available, combinedReason: reason)
            }
        }
        // Fixed strings are joined longest first (in characters): at a position, the first
        // alternative that matches there is then the longest, so Perl's leftmost-first match
        // is POSIX's leftmost-longest (see PCRE2Code's `longestFirst`).
        let fixedLengths = syntax == .fixed
            ? Dictionary(zip(sources, patterns.map { utf8 ? $0.unicodeScalars.count : $0.utf8.count }), uniquingKeysWith: max) : [:]
        func wrapped(_ sources: [String]) -> String {
            let ordered = syntax == .fixed ? sources.enumerated().sorted { a, b in
                let la = fixedLengths[a.element] ?? 0, lb = fixedLengths[b.element] ?? 0
                return la != lb ? la > lb : a.offset < b.offset
            }.map(\.element) : sources
            let combined = ordered.count == 1 ? ordered[0] : ordered.map { "(?:\($0))" }.joined(separator: "|")
            if wholeLine { return "^(?:\(combined))$" }
            if wholeWord {
                let w = syntax == .perl ? "\\w" : POSIXPattern.wordClass(utf8: utf8)
                return "(?<!\(w))(?:\(combined))(?!\(w))"
            }
            return combined
        }
        glibcExtents = try extentSources.map { try compile(wrapped($0)) }
        captures = CaptureCode(source: wrapped(extentSources ?? sources), caseless: ignoreCase && !foldsInPattern, utf: utf8,
                               foldsInPattern: foldsInPattern, longest: (posix || syntax == .fixed) && !backReferences)
        let asciiLiteral = literals.map { $0.count == 1 && $0[0].allSatisfy { $0 < 0x80 } } ?? false
        let base: Matcher
        if patterns.isEmpty {
            base = .never
        } else if let literals, literals.count == 1, !ignoreCase || asciiLiteral {
            let needle = literals[0]
            // In UTF-8 mode GNU folds s and i to U+017F and U+0131 as well (and PCRE2 folds k to
            // U+212A for -P): lines holding those are matched by the regex instead.
            var specials: [[UInt8]] = []
            if ignoreCase && utf8 {
                let folded = Set(needle.map { $0 | 0x20 })
                if folded.contains(0x73) { specials.append([0xC5, 0xBF]) }
                if folded.contains(0x69) && syntax != .perl { specials.append([0xC4, 0xB1]) }
                if folded.contains(0x6B) && syntax == .perl { specials.append([0xE2, 0x84, 0xAA]) }
            }
            let fallback = specials.isEmpty ? nil : try compile(wrapped(sources))
            base = .literal(LiteralMatcher(needle, caseless: ignoreCase, wholeWord: wholeWord, wholeLine: wholeLine,
                                           unicodeWords: utf8 && syntax != .perl, utf8: utf8, specials: specials, fallback: fallback))
        } else if let literals, literals.count > 1, Self.literalSetFits(literals, utf8: utf8, ignoreCase: ignoreCase, wholeWord: wholeWord) {
            // Several literals: one pass over the buffer for all of them (see LiteralSet).
            let set = try LiteralSet(literals, folding: ignoreCase ? .ascii : .none, wholeWord: wholeWord, wholeLine: wholeLine)
            // In UTF-8 mode GNU's -i also folds s to U+017F and i to U+0131: a line that holds one
            // of those is decided by the regex of the literals that have an s or an i.
            let folding = literals.indices.filter { i in literals[i].contains { ($0 | 0x20) == 0x73 || ($0 | 0x20) == 0x69 } }
            if utf8 && ignoreCase && !folding.isEmpty {
                // (A BRE/ERE alternation gives several literals from one source: then all sources.)
                let folded = sources.count == literals.count ? folding.map { sources[$0] } : sources
                base = .foldedLiteralSet(set, try compile(wrapped(folded)))
            } else {
                base = .literalSet(set)
            }
        } else if let literals, literals.count > 1, utf8, wholeWord, !wholeLine, !literals.contains(where: \.isEmpty),
                  !ignoreCase || literals.allSatisfy({ $0.allSatisfy { $0 < 0x80 && ($0 | 0x20) != 0x73 && ($0 | 0x20) != 0x69 } }) {
            // -w in UTF-8: the set with ASCII word bytes finds every line GNU selects, and more
            // (a non-ASCII letter next to a literal is no word byte to it); a line that is all
            // ASCII is decided by it, any other by PCRE2 with Unicode word characters. (Under
            // -i, literals with no s or i: nothing outside ASCII folds to their letters.)
            let set = try LiteralSet(literals, folding: ignoreCase ? .ascii : .none, wholeWord: true, wholeLine: false)
            let alone = sources.count == literals.count ? sources : literals.map {
                POSIXPattern.literalSource(String(decoding: $0, as: UTF8.self), utf8: true, caseless: ignoreCase)
            }
            let codes = try PatternCodes.make(count: alone.count, joined: { wrapped(alone) }, one: { wrapped([alone[$0]]) },
                                              separately: false, longest: true, compile: compile)
            base = .unicodeWordLiteralSet(set, codes)
        } else if (posix || syntax == .perl) && patterns.count > 1 {
            // Several regexes: Vectorscan for those it takes, one pass over each buffer (see RegexSet).
            // The patterns it refuses are translated again, numbered as a list of their own.
            let perl = syntax == .perl
            let set = try RegexSet(sources: sources, utf8: utf8, caseless: ignoreCase && !foldsInPattern,
                                   unicodeClasses: foldsInPattern && !LocaleClasses.available,
                                   wholeWord: wholeWord, wholeLine: wholeLine, perl: perl,
                                   separately: perl && patterns.contains(where: Self.numbersGroups), wrap: wrapped) { refused in
                if perl { return refused.map { sources[$0] } }
                var groups = 0
                return try refused.map { i in
                    let t = try translate(patterns[i], groupOffset: groups, glibcDecides: glibcList)
                    groups += t.groups
                    return t.pcre
                }
            } compile: { try compile($0) }
            base = .regexSet(set)
        } else {
            let code = try compile(wrapped(sources))
            base = .regex(code, confirmPerLine: literals == nil || wholeLine || wholeWord)
        }
        let fixedKeys = wholeWord ? WordExtents.gnuFixedKeys(patterns, syntax: syntax, utf8: utf8, ignoreCase: ignoreCase,
                                                             wholeWord: wholeWord) : nil
        // -w where GNU searches with its regex matcher: its loop (see WordRegexLoop).
        var loop: WordRegexLoop?
        if wholeWord && !wholeLine && fixedKeys == nil {
            loop = WordRegexLoop.make(patterns, syntax: syntax, utf8: utf8, caseless: ignoreCase, selectsLines: dfaGivesUp) { i in
                if syntax == .fixed { return POSIXPattern.literalSource(patterns[i], utf8: utf8, caseless: ignoreCase) }
                // (glibc's reading always: the loop finds GNU's -o extents, which are glibc's, and
                // decides lines only where glibc's regex does.)
                return try translate(patterns[i], bufferEnd: true, glibcDecides: true).pcre
            } compile: { text, references in
                try PCRE2Code(text, caseless: ignoreCase && !foldsInPattern, utf: utf8, ucp: foldsInPattern && !LocaleClasses.available,
                              longest: true, backReferences: references)
            }
        }
        wordLoop = loop
        if let loop, loop.decidesLines {
            // (Lines the matcher does not find may be the loop's: then every line is a candidate.)
            matcher = .gnuWords(loop.endsCutLines || loop.emptyInsideCharacters ? .regex(try compile(""), confirmPerLine: true) : base, loop)
        } else {
            matcher = base
        }
        wordExtents = loop != nil ? nil
            : try Self.wordExtents(fixedKeys: fixedKeys, utf8: utf8, ignoreCase: ignoreCase, wholeWord: wholeWord,
                                   wholeLine: wholeLine, literals: literals, matcher: base)
        var differences: KnownDifferences = repeatedBackReferences ? .glibcBackReferences : []
        if caselessEscape {
            differences.insert(.glibcCaselessEscapeExtents)
            if glibcSelects || (wholeWord && utf8) { differences.insert(.glibcCaselessEscapeLines) }
        }
        let distinct = Set(patterns).count
        if wholeWord && syntax != .perl {
            // (GNU's regex matcher is copied by the loop; its fixed-string matcher is not.)
            if utf8 && distinct > 1 && patterns.contains("") && loop == nil { differences.insert(.selection) }
            // Without the loop (a code too large to compile): lists of fixed-length patterns
            // agree with GNU (measured); a repetition or an alternation (any of `*+?{|`, escaped
            // or not) lets GNU's search end shorter than Sluice's.
            let variableLength = patterns.contains { $0.contains(where: { "*+?{|".contains($0) }) }
            if !wholeLine && distinct > 1 && wordExtents == nil && loop == nil && literals == nil && variableLength {
                differences.insert(.wordExtents)
            }
            if wholeLine { differences.insert(.wordExtents) }
        }
        knownDifferences = differences
    }

    /// GNU's `-o` extents under `-w` for literal lists where the matcher's are not: those GNU
    /// searches as fixed strings (the start of each search is a word boundary), and in the C
    /// locale a literal set GNU searches as a regex (it is not). A UTF-8 list that GNU folds as
    /// a regex keeps PCRE2's extents, which are GNU's there (without ``WordRegexLoop``).
    ///
    /// `fixedKeys`: ``WordExtents/gnuFixedKeys(_:syntax:utf8:ignoreCase:wholeWord:)``'s.
    static func wordExtents(fixedKeys: [[UInt8]]?, utf8: Bool, ignoreCase: Bool, wholeWord: Bool,
                            wholeLine: Bool, literals: [[UInt8]]?, matcher: Matcher) throws -> WordExtents? {
        guard wholeWord, !wholeLine else { return nil }
        var own: LiteralSet?
        switch matcher {
        case .literalSet(let set), .unicodeWordLiteralSet(let set, _): own = set
        default: own = nil
        }
        guard let keys = fixedKeys else {
            guard !utf8, let own else { return nil }
            return WordExtents(set: own, unicode: false, previousEndIsBoundary: false)
        }
        // The folding GNU's fixed-string matcher does is ASCII's (see WordExtents.foldsByByte).
        let set = try own.flatMap { literals.map(Set.init) == Set(keys) ? $0 : nil }
            ?? LiteralSet(keys, folding: ignoreCase ? .ascii : .none, wholeWord: true, wholeLine: false, engine: .hashed)
        return WordExtents(set: set, unicode: utf8, previousEndIsBoundary: true)
    }

    /// Whether the literal-set matcher gives GNU's answer: it folds ASCII only and knows ASCII
    /// word bytes only. In a UTF-8 locale, `-i` folds non-ASCII letters and `-w` takes Unicode
    /// letters as word characters: such lists are matched by PCRE2 instead. (ASCII lists under
    /// `-i` are, with the few lines that hold U+017F or U+0131 decided by PCRE2.)
    static func literalSetFits(_ literals: [[UInt8]], utf8: Bool, ignoreCase: Bool, wholeWord: Bool) -> Bool {
        guard utf8 else { return true }
        if wholeWord { return false }
        guard ignoreCase else { return true }
        return literals.allSatisfy { literal in literal.allSatisfy { $0 < 0x80 } }
    }

    /// A single pattern; see ``init(_:syntax:encoding:ignoreCase:wholeWord:wholeLine:)``.
    public init(_ pattern: String, syntax: Syntax = .extended, encoding: Encoding = .bytes, ignoreCase: Bool = false,
                wholeWord: Bool = false, wholeLine: Bool = false) throws {
        try self.init([pattern], syntax: syntax, encoding: encoding, ignoreCase: ignoreCase, wholeWord: wholeWord,
                      wholeLine: wholeLine)
    }

    /// Whether the line's bytes match. Throws ``SluiceError/matchFailed(path:lineNumber:offset:pattern:reason:)``
    /// when the regex engine gives up on the line (PCRE2's match or depth limit).
    public func matches(_ line: Line) throws -> Bool {
        do {
            return try line.withUnsafeBytes { try matcher.lineMatches($0) }
        } catch let failure as MatchFailure {
            throw failure.error(line: line)
        }
    }

    /// The non-empty, non-overlapping matches in `bytes`, as byte ranges (for `-o` and colour);
    /// those found before a match failure, if the regex engine gives up (see
    /// ``matchRanges(in:lineNumber:byteOffset:found:)``, which reports it).
    public func matchRanges(in bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        do { return try extents(in: bytes) } catch { return error.found }
    }

    /// The non-empty, non-overlapping matches in a line's `bytes`; throws
    /// ``SluiceError/matchFailed(path:lineNumber:offset:pattern:reason:)`` for the line when the
    /// regex engine gives up, after `found` is given the matches found before.
    public func matchRanges(in bytes: UnsafeRawBufferPointer, lineNumber: Int, byteOffset: Int64,
                            found: inout [Range<Int>]) throws(SluiceError) {
        do {
            found = try extents(in: bytes)
        } catch {
            found = error.found
            throw error.error(lineNumber: lineNumber, offset: byteOffset)
        }
    }

    func extents(in bytes: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>] {
        if let wordExtents { return wordExtents.ranges(in: bytes) }
        if let wordLoop { return try wordLoop.extents(in: bytes) }
        if let glibcExtents { return try glibcExtents.extents(in: bytes) }
        return try matcher.matchRanges(in: bytes)
    }

    /// The PCRE2 code of a pattern that is matched as a regex (not as literals), for capture groups.
    var regexCode: PCRE2Code? {
        switch matcher {
        case .regex(let code, _), .gnuWords(.regex(let code, _), _): return code
        default: return nil
        }
    }

    /// The error for a list whose combined regex failed: the first pattern that fails alone (so
    /// the caller can name its file and line), never the whole combined list.
    static func firstBadPattern(_ sources: [String], ignoreCase: Bool, utf: Bool = false, ucp: Bool = false,
                                combinedReason: String) -> SluiceError {
        // Each pattern alone, compiled as the combined one was (a pattern valid only in UTF
        // mode, such as a class of code points above 0xff, must not be blamed for the list).
        for source in sources {
            do { _ = try PCRE2Code(source, caseless: ignoreCase, utf: utf, ucp: ucp) } catch let error as SluiceError { return error } catch {}
        }
        return .badPattern(pattern: "(\(sources.count) patterns together)", offset: 0, reason: combinedReason)
    }

    /// Whether a `-P` pattern refers to its groups, or sets what a regex joined with it would
    /// share (`\1`, `\g{..}`, `\k<..>`, `(?<name>`, `(?|`, `(?R)`, `(*VERB)`, ...): then a list
    /// holding it is compiled one pattern at a time (see `PatternCodes`).
    static func numbersGroups(_ pattern: String) -> Bool {
        let b = Array(pattern.utf8)
        for i in b.indices.dropLast() {
            switch (b[i], b[i + 1]) {
            case (UInt8(ascii: "\\"), let c) where (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "g") || c == UInt8(ascii: "k")
                || c == UInt8(ascii: "K"):
                return true
            case (UInt8(ascii: "("), UInt8(ascii: "*")):
                return true
            case (UInt8(ascii: "("), UInt8(ascii: "?")):
                // (?: (?= (?! (?<= (?<! (?> and option settings are the pattern's own
                guard i + 2 < b.count else { return true }
                let c = b[i + 2]
                if c == UInt8(ascii: "<") { if i + 3 < b.count, b[i + 3] == UInt8(ascii: "=") || b[i + 3] == UInt8(ascii: "!") { continue } }
                if "<P'|R0123456789+-&(C".utf8.contains(c) { return true }
            default: continue
            }
        }
        return false
    }

    static func hasMetacharacters(_ pattern: String) -> Bool {
        pattern.utf8.contains { "\\^$.|?*+()[]{}".utf8.contains($0) }
    }

    /// Escapes a literal for PCRE2 byte by byte (`\Q...\E` cannot hold `\E`).
    static func escape(_ literal: [UInt8]) -> String {
        var out = ""
        for byte in literal {
            let isWord = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F
            out += isWord ? String(UnicodeScalar(byte)) : "\\x{" + String(byte, radix: 16) + "}"
        }
        return out
    }
}

/// How a compiled pattern searches.
enum Matcher: Sendable {
    case never
    case literal(LiteralMatcher)
    case regex(PCRE2Code, confirmPerLine: Bool)
    case literalSet(LiteralSet)
    /// A literal set folded as ASCII, and the regex that decides lines holding U+017F or U+0131.
    case foldedLiteralSet(LiteralSet, PCRE2Code)
    /// Several regexes (see RegexSet).
    case regexSet(RegexSet)
    /// Literals under `-w` in UTF-8: the set with ASCII word bytes, and the patterns that decide
    /// the lines it finds that are not all ASCII.
    case unicodeWordLiteralSet(LiteralSet, PatternCodes)
    /// `-w` where GNU's regex loop selects lines: a line the matcher finds is selected if the
    /// loop selects it too (its lines are some of the matcher's; see WordRegexLoop).
    indirect case gnuWords(Matcher, WordRegexLoop)

    /// Whether searching batches ahead on the other core pays (see ``GrepOptions/scansAhead``):
    /// not for one literal, whose search runs at the speed of memory.
    var gainsFromSearchingAhead: Bool {
        switch self {
        case .never, .literal: return false
        default: return true
        }
    }

    /// The lines of `bytes[from..<to]` that may match, found in one pass over the region, for
    /// matchers that search that way; `nil`: use `candidate` instead.
    func regionHits(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> RegionHits? {
        switch self {
        case .literalSet(let set): return set.regionHits(in: bytes, from: from, to: to)
        case .regexSet(let set): return try set.regionHits(in: bytes, from: from, to: to)
        case .unicodeWordLiteralSet(let set, _):
            return set.regionHits(in: bytes, from: from, to: to).map {
                RegionHits(positions: $0.positions, confirms: [Bool](repeating: true, count: $0.positions.count))
            }
        case .gnuWords(let inner, _):
            return try inner.regionHits(in: bytes, from: from, to: to).map {
                RegionHits(positions: $0.positions, confirms: [Bool](repeating: true, count: $0.positions.count))
            }
        default: return nil
        }
    }

    /// Leftmost-longest non-overlapping extents from two lists of them.
    static func mergedExtents(_ a: [Range<Int>], _ b: [Range<Int>]) -> [Range<Int>] {
        let all = (a + b).sorted { $0.lowerBound != $1.lowerBound ? $0.lowerBound < $1.lowerBound : $0.upperBound > $1.upperBound }
        var out: [Range<Int>] = []
        for r in all where out.last.map({ r.lowerBound >= $0.upperBound }) ?? true { out.append(r) }
        return out
    }

    /// Whether every byte is below 0x80.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < bytes.count {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// Where U+017F (C5 BF) or U+0131 (C4 B1) first occurs in `bytes[from..<to]`.
    static func foldingSpecial(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from + 1 < to, let base = bytes.baseAddress else { return nil }
        var best: Int?
        for (lead, second): (UInt8, UInt8) in [(0xC5, 0xBF), (0xC4, 0xB1)] {
            var position = from
            let end = best ?? to
            while position + 1 < end, let hit = memchr(base + position, Int32(lead), end - 1 - position) {
                let index = UnsafeRawPointer(hit) - base
                if bytes[index + 1] == second { best = index; break }
                position = index + 1
            }
        }
        return best
    }

    /// Where a match that may select a line starts in `bytes[from..<to]`. Lines are LF-separated;
    /// a candidate must be confirmed with `lineMatches` when `confirmPerLine` is true.
    func candidate(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Int? {
        switch self {
        case .never: return nil
        case .literal(let l): return try l.find(in: bytes, from: from, to: to)
        case .regex(let code, _): return try code.firstMatch(in: bytes, from: from, to: to)?.lowerBound
        case .literalSet(let set): return set.candidate(in: bytes, from: from, to: to)
        case .foldedLiteralSet(let set, _):
            // The special is looked for only before the set's candidate: the scan stays linear.
            let hit = set.candidate(in: bytes, from: from, to: to)
            return Self.foldingSpecial(in: bytes, from: from, to: hit ?? to) ?? hit
        case .regexSet(let set): return try set.candidate(in: bytes, from: from, to: to)
        case .unicodeWordLiteralSet(let set, _): return set.candidate(in: bytes, from: from, to: to)
        case .gnuWords(let inner, _): return try inner.candidate(in: bytes, from: from, to: to)
        }
    }

    /// ``candidate(in:from:to:)``, and whether its line is to be confirmed with ``lineMatches(_:)``
    /// (``confirmsPerLine``, but for a folded literal set only where the candidate is a folding
    /// special: a hit of the set itself is a match unless `-x`, so its line is not searched
    /// again; that second search made `grep -c -F -i -f` half as slow again in UTF-8 as in C).
    func confirmableCandidate(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> (Int, Bool)? {
        if case .foldedLiteralSet(let set, _) = self {
            let hit = set.candidate(in: bytes, from: from, to: to)
            if let special = Self.foldingSpecial(in: bytes, from: from, to: hit ?? to) { return (special, true) }
            return hit.map { ($0, set.confirmsPerLine) }
        }
        return try candidate(in: bytes, from: from, to: to).map { ($0, confirmsPerLine) }
    }

    var confirmsPerLine: Bool {
        switch self {
        case .never: return false
        case .literal(let l): return l.wholeWord || l.wholeLine
        case .regex(_, let confirm): return confirm
        case .literalSet(let set): return set.confirmsPerLine
        case .foldedLiteralSet, .regexSet, .unicodeWordLiteralSet, .gnuWords: return true
        }
    }

    /// Whether no line, and no NUL-ended piece of one, in `bytes[from..<to]` can match, decided
    /// by one search of the whole region (a binary file's pieces are otherwise searched one
    /// by one); `false` when that cannot tell.
    func provesNoPieceMatches(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        switch self {
        case .never: return true
        case .literal(let l): return l.matchesWhereFound && l.searcher.find(in: bytes, from: from, to: to) == nil
        default: return false
        }
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) throws(MatchFailure) -> Bool {
        switch self {
        case .never: return false
        case .literal(let l): return l.lineMatches(line)
        case .regex(let code, _): return try code.firstMatch(in: line, from: 0, to: line.count) != nil
        case .literalSet(let set): return set.lineMatches(line)
        case .foldedLiteralSet(let set, let code):
            if set.lineMatches(line) { return true }
            guard Self.foldingSpecial(in: line, from: 0, to: line.count) != nil else { return false }
            return try code.firstMatch(in: line, from: 0, to: line.count) != nil
        case .regexSet(let set): return try set.lineMatches(line)
        case .unicodeWordLiteralSet(let set, let codes):
            guard set.lineMatches(line) else { return false }
            if Self.isASCII(line) { return true }
            return try codes.lineMatches(line)
        case .gnuWords(let inner, let loop):
            guard try inner.lineMatches(line) else { return false }
            return try loop.selects(line)
        }
    }

    func matchRanges(in line: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>] {
        if case .literalSet(let set) = self { return set.matchRanges(in: line) }
        if case .regexSet(let set) = self { return try set.matchRanges(in: line) }
        if case .gnuWords(_, let loop) = self { return try loop.extents(in: line) }
        if case .unicodeWordLiteralSet(_, let codes) = self {
            // Extents (-o, colour) stay PCRE2's, as before this matcher (see the report of issue 14).
            return try codes.extents(in: line)
        }
        if case .foldedLiteralSet(let set, let code) = self {
            // -o on a line with U+017F or U+0131: the regex of the folding literals and the set
            // may both match; the line is rare, so its extents come from both, leftmost first.
            guard Self.foldingSpecial(in: line, from: 0, to: line.count) != nil else { return set.matchRanges(in: line) }
            return Self.mergedExtents(set.matchRanges(in: line), try code.extents(in: line))
        }
        var ranges: [Range<Int>] = []
        var from = 0
        while from <= line.count {
            let found: Range<Int>?
            switch self {
            case .never: found = nil
            case .literal(let l): found = l.nextMatch(in: line, from: from)
            case .regex(let code, _): return try code.extents(in: line)
            case .literalSet, .foldedLiteralSet, .regexSet, .unicodeWordLiteralSet, .gnuWords: found = nil
            }
            guard let r = found else { break }
            if r.isEmpty { from = r.upperBound + 1; continue }
            ranges.append(r)
            from = r.upperBound
        }
        return ranges
    }
}

/// A literal, found with a vectorised two-byte prefilter (see CByteScan); ASCII case folded
/// when `caseless`.
///
/// In UTF-8 mode a few non-ASCII characters fold to ASCII letters (U+017F to s, U+0131 to i
/// as GNU grep folds; U+212A to k as PCRE2 does): `specials` lists their bytes, and a region or
/// line holding one near a hit is matched by `fallback` (the same pattern as a regex).
struct LiteralMatcher: Sendable {
    let searcher: LiteralSearcher
    let wholeWord: Bool
    let wholeLine: Bool
    /// Word characters are Unicode letters, digits and `_` (UTF-8 mode), not ASCII ones.
    let unicodeWords: Bool
    /// Lines are UTF-8 (a match never starts inside a character).
    let utf8: Bool
    let specials: [[UInt8]]
    let fallback: PCRE2Code?
    /// A line or NUL-ended piece matches exactly when the needle occurs in it, and the needle
    /// holds no LF, CR or NUL: so a region with no occurrence has no matching piece.
    let matchesWhereFound: Bool

    init(_ needle: [UInt8], caseless: Bool, wholeWord: Bool, wholeLine: Bool, unicodeWords: Bool = false, utf8: Bool = false,
         specials: [[UInt8]] = [], fallback: PCRE2Code? = nil) {
        self.utf8 = utf8
        matchesWhereFound = !needle.isEmpty && !wholeWord && !wholeLine && fallback == nil
            && !needle.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D })
        searcher = LiteralSearcher(needle, caseless: caseless)
        self.wholeWord = wholeWord
        self.wholeLine = wholeLine
        self.unicodeWords = unicodeWords
        self.specials = specials
        self.fallback = fallback
    }

    /// Whether `bytes[from..<to]` holds one of the special characters.
    func holdsSpecial(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        // memchr for the lead byte (rare in log text), then the rest of the character.
        specials.contains { special in
            var i = from
            while let hit = ByteSearch.first(special[0], in: bytes, from: i, to: to) {
                if hit + special.count <= bytes.count && (1..<special.count).allSatisfy({ bytes[hit + $0] == special[$0] }) {
                    return true
                }
                i = hit + 1
            }
            return false
        }
    }

    func find(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Int? {
        let hit = searcher.find(in: bytes, from: from, to: to)
        guard let fallback else { return hit }
        // A match through a special character that starts at or before `hit` ends within
        // 3 bytes a character of it: if there is no special character there, `hit` is first.
        let limit = hit.map { Swift.min(to, $0 + 3 * searcher.length + 3) } ?? to
        if !holdsSpecial(bytes, from: from, to: limit) { return hit }
        return try fallback.firstMatch(in: bytes, from: from, to: to)?.lowerBound
    }

    /// Where the valid UTF-8 character that `i` falls inside (not at its start) starts, or `nil`.
    func characterStart(_ line: UnsafeRawBufferPointer, _ i: Int) -> Int? {
        UTF8Word.character(containing: i, in: line)?.lowerBound
    }

    /// The next match in a line at or after `from`, honouring whole-word and whole-line.
    func nextMatch(in line: UnsafeRawBufferPointer, from: Int) -> Range<Int>? {
        if let fallback, holdsSpecial(line, from: 0, to: line.count) {
            return try? fallback.firstMatch(in: line, from: from, to: line.count)
        }
        let length = searcher.length
        if wholeLine {
            guard from == 0, line.count == length, searcher.find(in: line, from: 0, to: line.count) == 0 else { return nil }
            return 0..<line.count
        }
        var start = from
        while let hit = searcher.find(in: line, from: start, to: line.count) {
            let end = hit + length
            // The empty needle is found at every byte. Inside a UTF-8 character: for PCRE2 (-P)
            // no match; GNU grep tries -w there, taking the character as the one before and a
            // byte that starts none after (so it matches inside a character that is not a letter).
            if length == 0 && utf8, let inside = characterStart(line, hit) {
                guard wholeWord && unicodeWords, !(UTF8Word.decode(line, at: inside)?.isWord ?? false) else { start = hit + 1; continue }
                return hit..<hit
            }
            if !wholeWord { return hit..<end }
            if !UTF8Word.wordBefore(line, hit, unicode: unicodeWords) && !UTF8Word.wordAfter(line, end, unicode: unicodeWords) {
                return hit..<end
            }
            start = hit + 1
        }
        return nil
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) -> Bool { nextMatch(in: line, from: 0) != nil }
}

/// UTF-8 decoding for word checks: a character and whether it is a letter or a digit (the C
/// library's C.UTF-8 classes, as GNU grep's; without that locale, general categories L and N).
enum UTF8Word {
    /// GNU grep's word bytes in the C locale (`[A-Za-z0-9_]`).
    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    /// Whether the character that ends just before `i` is a word character (`unicode`: a
    /// letter, digit or `_` of UTF-8; else a word byte). Bytes that are not UTF-8 are not.
    static func wordBefore(_ line: UnsafeRawBufferPointer, _ i: Int, unicode: Bool) -> Bool {
        guard i > 0 else { return false }
        if !unicode || line[i - 1] < 0x80 { return isWordByte(line[i - 1]) }
        var start = i - 1
        while start > 0 && i - start < 4 && line[start] & 0xC0 == 0x80 { start -= 1 }
        return decode(line, at: start).map { $0.end == i && $0.isWord } ?? false
    }

    /// Whether the character that starts at `i` is a word character (see ``wordBefore``).
    static func wordAfter(_ line: UnsafeRawBufferPointer, _ i: Int, unicode: Bool) -> Bool {
        guard i < line.count else { return false }
        if !unicode || line[i] < 0x80 { return isWordByte(line[i]) }
        return decode(line, at: i)?.isWord ?? false
    }

    /// The bytes of the word characters that start at `i` (GNU's `wordchars_size`).
    static func wordLength(_ line: UnsafeRawBufferPointer, at i: Int, unicode: Bool) -> Int {
        var j = i
        while j < line.count {
            if !unicode || line[j] < 0x80 {
                guard isWordByte(line[j]) else { break }
                j += 1
            } else {
                guard let (end, isWord) = decode(line, at: j), isWord else { break }
                j = end
            }
        }
        return j - i
    }

    /// The bytes of the valid UTF-8 character that byte `i` falls inside (not at its start), or `nil`.
    static func character(containing i: Int, in line: UnsafeRawBufferPointer) -> Range<Int>? {
        guard i > 0, i < line.count, line[i] & 0xC0 == 0x80 else { return nil }
        var start = i - 1
        while start > 0 && i - start < 3 && line[start] & 0xC0 == 0x80 { start -= 1 }
        guard let end = decode(line, at: start)?.end, end > i else { return nil }
        return start..<end
    }

    /// The length of the valid UTF-8 character at `i`, or `nil`.
    static func validLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int? {
        if b[i] < 0x80 { return 1 }
        return decode(b, at: i).map { $0.end - i }
    }

    static func decode(_ b: UnsafeRawBufferPointer, at i: Int) -> (end: Int, isWord: Bool)? {
        let lead = b[i]
        let n: Int, minimum: UInt32
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: n = 2; minimum = 0x80; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: n = 3; minimum = 0x800; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: n = 4; minimum = 0x10000; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + n <= b.count else { return nil }
        for k in 1..<n {
            guard b[i + k] & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(b[i + k] & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        if LocaleClasses.available { return (i + n, LocaleClasses.isAlnum(value)) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return (i + n, true)
        default:
            return (i + n, false)
        }
    }
}

/// A prepared literal: its bytes at a fixed address and the rare bytes the prefilter checks.
///
/// `@unchecked Sendable`: the needle and the prepared search state are written once in `init`
/// and only read afterwards.
final class LiteralSearcher: @unchecked Sendable {
    private let needle: UnsafeMutableBufferPointer<UInt8>
    private let literal: UnsafeMutablePointer<sluice_literal>
    /// The needle's length (the allocation holds at least a byte, also for the empty needle).
    let length: Int

    init(_ bytes: [UInt8], caseless: Bool) {
        length = bytes.count
        needle = .allocate(capacity: Swift.max(1, bytes.count))
        _ = needle.initialize(from: bytes)
        literal = .allocate(capacity: 1)
        literal.initialize(to: sluice_literal())
        sluice_literal_init(literal, needle.baseAddress, bytes.count, caseless ? 1 : 0)
    }

    deinit {
        literal.deallocate()
        needle.deallocate()
    }

    func find(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from <= to, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return length == 0 && from <= to ? from : nil
        }
        guard let hit = sluice_literal_find(literal, base + from, to - from) else { return nil }
        return hit - base
    }
}

/// A compiled PCRE2 pattern, JIT-compiled when the platform allows.
///
/// The newline convention is LF whatever PCRE2's build default, so `.` and `$` behave alike on
/// every machine; each match runs with a JIT stack of its own of up to 8 MiB.
///
/// `@unchecked Sendable`: the compiled code is never modified after `init` (PCRE2 documents
/// compiled patterns as shareable between threads); each match gets match data, a match
/// context and a JIT stack of its own from a pool, so no mutable state is shared.
final class PCRE2Code: @unchecked Sendable {
    let code: OpaquePointer
    let resources: MatchResourcePool
    /// The pattern as compiled, for messages.
    let pattern: String
    /// Extents are leftmost-longest (PCRE2's DFA matcher), as POSIX defines them, rather than
    /// Perl's leftmost-first.
    let leftmostLongest: Bool
    /// A BRE, ERE or fixed string (extents leftmost-longest): after an empty match the next
    /// search starts at a character's first byte, as glibc's does.
    private let posix: Bool
    private let utf: Bool
    /// The code for PCRE2's DFA matcher, which does not take PCRE2_MATCH_INVALID_UTF: compiled
    /// without it in UTF mode, else `code` itself.
    private let dfaCode: OpaquePointer?
    /// For a BRE or ERE with back-references, which the DFA matcher cannot run: the code of
    /// `(?:pattern)(?C1)`, whose callout notes where a way through the pattern ends and then
    /// fails, so the backtracking matcher tries every way; the furthest end is POSIX's extent.
    private let endsCode: OpaquePointer?
    /// The pattern is an alternation of fixed strings, longest first (in characters): the
    /// backtracking matcher's leftmost-first match is then the leftmost-longest one (caseless
    /// matching is character for character, so at one position the alternative of more
    /// characters ends further), and the DFA matcher, slow with hundreds of alternatives, is
    /// not needed.
    private let longestFirst: Bool

    /// `longest`: extents are leftmost-longest (BREs, EREs, fixed strings); with
    /// `backReferences` they are found by trying every way through the pattern (see `endsCode`).
    init(_ pattern: String, caseless: Bool, utf: Bool = false, ucp: Bool = false, longest: Bool = false,
         backReferences: Bool = false, longestFirst: Bool = false) throws {
        var errorCode: Int32 = 0
        var errorOffset = 0
        var options: UInt32 = PCRE2_MULTILINE
        if caseless { options |= PCRE2_CASELESS }
        if utf { options |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF }
        if ucp { options |= PCRE2_UCP }
        let context = pcre2_compile_context_create_8(nil)
        defer { pcre2_compile_context_free_8(context) }
        pcre2_set_newline_8(context, UInt32(PCRE2_NEWLINE_LF))
        let bytes = RawBytes.bytes(pattern)
        guard let code = bytes.withUnsafeBufferPointer({
            pcre2_compile_8($0.baseAddress, $0.count, options, &errorCode, &errorOffset, context)
        }) else {
            var message = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(errorCode, &message, message.count)
            let reason = String(decoding: message.prefix(max(0, Int(n))), as: UTF8.self)
            throw SluiceError.badPattern(pattern: pattern, offset: errorOffset, reason: reason)
        }
        self.code = code
        self.pattern = pattern
        self.utf = utf
        if longest && !backReferences && utf {
            dfaCode = bytes.withUnsafeBufferPointer {
                pcre2_compile_8($0.baseAddress, $0.count, options & ~PCRE2_MATCH_INVALID_UTF, &errorCode, &errorOffset, context)
            }
        } else {
            dfaCode = longest && !backReferences ? code : nil
        }
        if longest && backReferences {
            // Auto-possessification and start-up optimisations could skip ways the callout must see.
            let ends = RawBytes.bytes("(?:\(pattern))(?C1)")
            endsCode = ends.withUnsafeBufferPointer {
                pcre2_compile_8($0.baseAddress, $0.count, options | PCRE2_NO_AUTO_POSSESS | PCRE2_NO_START_OPTIMIZE
                                    | PCRE2_NO_DOTSTAR_ANCHOR, &errorCode, &errorOffset, context)
            }
            if let endsCode { _ = pcre2_jit_compile_8(endsCode, PCRE2_JIT_COMPLETE) }
        } else {
            endsCode = nil
        }
        leftmostLongest = dfaCode != nil
        self.longestFirst = longestFirst && dfaCode != nil
        posix = longest
        _ = pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE)  // falls back to the interpreter if JIT is unavailable
        resources = MatchResourcePool(code: code)
    }

    deinit {
        if let dfaCode, dfaCode != code { pcre2_code_free_8(dfaCode) }
        if let endsCode { pcre2_code_free_8(endsCode) }
        pcre2_code_free_8(code)
    }

    /// The furthest end of a match of the pattern that starts at `start` (see `endsCode`), at
    /// least `end` (a match found there), in `line[0..<length]` (default the whole line; with
    /// `notEOL`, `$` does not match at `length`). If PCRE2 gives up (match limit) before it has
    /// tried every way, the furthest end seen so far.
    private func furthestEnd(in line: UnsafeRawBufferPointer, start: Int, end: Int, length: Int? = nil, notEOL: Bool = false) -> Int {
        guard let endsCode else { return end }
        var length = length ?? line.count, notEOL = notEOL
        if utf {
            // No match takes in a byte that is not UTF-8, but with one in the subject PCRE2's
            // callout reports positions past it (`printf 'ab\xC3 \n' | grep -o '\(x*\)\1'`
            // gave "ab\xC3"): the subject ends before it, which is no line's end.
            var i = start
            while i < length, let n = UTF8Word.validLength(line, at: i), i + n <= length { i += n }
            if i < length { length = i; notEOL = true }
        }
        let subject = line.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let r = resources.take()
        defer { resources.give(r) }
        var furthest = end
        withUnsafeMutablePointer(to: &furthest) { slot in
            pcre2_set_callout_8(r.context, { block, data in
                guard let block, let furthest = data?.assumingMemoryBound(to: Int.self) else { return 1 }
                furthest.pointee = Swift.max(furthest.pointee, Int(block.pointee.current_position))
                return 1  // fail here: the matcher backtracks into the next way
            }, slot)
            _ = pcre2_match_8(endsCode, subject, length, start, PCRE2_ANCHORED | (notEOL ? PCRE2_NOTEOL : 0),
                              r.data, r.context)
            pcre2_set_callout_8(r.context, nil, nil)
        }
        return furthest
    }

    /// The match that `extents(in:)` would report first at or after `from` in a line (empty
    /// ones included): leftmost-longest when `leftmostLongest` or with back-references, else Perl's.
    /// Throws when the engine gives up (`grep -oP '([[:graph:]]+)+\h'` on a long word: GNU
    /// grep stops with "exceeded PCRE's backtracking limit", status 2).
    func firstExtent(in line: UnsafeRawBufferPointer, from: Int) throws(MatchFailure) -> Range<Int>? {
        if leftmostLongest { return try longestMatches(in: line, from: 0, to: line.count, firstOnly: true, startAt: from).first }
        guard let r = try firstMatch(in: line, from: from, to: line.count) else { return nil }
        return r.lowerBound..<furthestEnd(in: line, start: r.lowerBound, end: r.upperBound)
    }

    /// The length of the longest match that starts at `start` in `line[0..<end]`, where `end`
    /// is not a line's end (`$` does not match there), or `nil`: glibc's `re_match` with
    /// `not_eol` on a string cut at `end`, as GNU grep's `-w` loop asks it for a shorter match
    /// (see ``WordRegexLoop``). Leftmost-longest codes only.
    func longestMatch(in line: UnsafeRawBufferPointer, at start: Int, end: Int) throws(MatchFailure) -> Int? {
        guard start <= end, end <= line.count else { return nil }
        if leftmostLongest {
            guard let r = try longestMatches(in: line, from: 0, to: end, firstOnly: true, startAt: start, notEOL: true).first,
                  r.lowerBound == start else { return nil }
            return r.count
        }
        let subject = line.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let r = resources.take()
        let rc = pcre2_match_8(code, subject, end, start, PCRE2_ANCHORED | PCRE2_NOTEOL, r.data, r.context)
        let found: Int? = rc > 0 ? Int(pcre2_get_ovector_pointer_8(r.data)![1]) : nil
        resources.give(r)
        if rc < 0 && rc != PCRE2_ERROR_NOMATCH { throw failure(rc) }
        guard let found else { return nil }
        return furthestEnd(in: line, start: start, end: found, length: end, notEOL: true) - start
    }

    /// Whether the pattern may match the empty string (PCRE2's lower bound of a match's length is 0).
    var mayMatchEmpty: Bool {
        var n: UInt32 = 0
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_MINLENGTH), &n)
        return n == 0
    }

    /// Whether the pattern matches an empty string with no character on either side (not at a
    /// line's start or end): what glibc finds between the bytes of a multibyte character.
    var matchesEmptyBetweenCharacters: Bool {
        guard mayMatchEmpty else { return false }
        guard dfaCode != nil else {
            // (Back-references: the backtracking matcher, on an empty subject that is no line's start or end.)
            let empty: [UInt8] = [0]
            let r = resources.take()
            defer { resources.give(r) }
            return empty.withUnsafeBufferPointer {
                pcre2_match_8(code, $0.baseAddress, 0, 0, PCRE2_NOTBOL | PCRE2_NOTEOL, r.data, r.context) >= 0
            }
        }
        var ranges: [Range<Int>] = []
        let empty: [UInt8] = [0]
        empty.withUnsafeBytes { try? longestMatches(in: $0, segment: 0..<0, lineStart: false, lineEnd: false, firstOnly: true, into: &ranges) }
        return !ranges.isEmpty
    }

    /// Where the search after an empty match at `position` starts: the next byte (`-P`, the C
    /// locale), or the start of the next character (glibc's `re_search` in UTF-8).
    func start(after position: Int, in line: UnsafeRawBufferPointer) -> Int {
        guard posix && utf, let character = UTF8Word.character(containing: position + 1, in: line) else { return position + 1 }
        return character.upperBound
    }

    private func failure(_ rc: Int32) -> MatchFailure {
        var message = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(rc, &message, message.count)
        return MatchFailure(pattern: pattern, reason: String(decoding: message.prefix(max(0, Int(n))), as: UTF8.self))
    }

    /// The first match in `bytes[from..<to]`. The pattern is compiled MULTILINE, so `^` and `$`
    /// match at every LF of a buffer of lines; a single line holds no LF, so for it they match
    /// at its ends. Empty matches count (PCRE2_NOTEMPTY is not set). Throws when PCRE2 gives up
    /// (match, depth or JIT stack limit) instead of deciding.
    func firstMatch(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Range<Int>? {
        guard from <= to else { return nil }
        let subject = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let r = resources.take()
        defer { resources.give(r) }
        let rc = pcre2_match_8(code, subject, to, from, 0, r.data, r.context)
        if rc == PCRE2_ERROR_NOMATCH { return nil }
        if rc < 0 && dfaCode != nil {
            // A BRE or ERE never gives up in GNU grep: decide with the DFA matcher instead.
            return try longestMatches(in: bytes, from: from, to: to, firstOnly: true).first
        }
        guard rc > 0 else { throw failure(rc) }
        let ovector = pcre2_get_ovector_pointer_8(r.data)!
        return Int(ovector[0])..<Int(ovector[1])
    }

    /// The non-empty, non-overlapping matches of a line whose extents are reported (`-o`,
    /// colour, JSON spans): leftmost-longest when `leftmostLongest` (PCRE2's DFA matcher
    /// returns the longest match at the first position that matches), else Perl's.
    /// Throws when the engine gives up, with the extents found before (``MatchFailure/found``).
    func extents(in line: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        guard leftmostLongest else {
            var from = 0
            do {
                while from <= line.count, let r = try firstExtent(in: line, from: from) {
                    if r.isEmpty { from = start(after: r.upperBound, in: line); continue }
                    ranges.append(r)
                    from = r.upperBound
                }
            } catch {
                throw error.after(ranges)
            }
            return ranges
        }
        return try longestMatches(in: line, from: 0, to: line.count, firstOnly: false)
    }

    /// The number of the capture group called `name` (`(?<name>...)`), or `nil`.
    func groupNumber(_ name: String) -> Int? {
        let n = Array(name.utf8 + [0]).withUnsafeBufferPointer { pcre2_substring_number_from_name_8(code, $0.baseAddress) }
        return n > 0 ? Int(n) : nil
    }

    /// Calls `body` with the ovector of each non-empty, non-overlapping match in `line`
    /// (Perl's leftmost-first, as `grep -oP` reports them): pairs of offsets per group, -1 for
    /// a group that took no part. Returns PCRE2's reason when the engine gave up on the line
    /// (the matches before it were passed on), `nil` when the line was searched to its end.
    func forEachMatch(in line: UnsafeRawBufferPointer, _ body: (UnsafePointer<Int>) -> Void) -> String? {
        let subject = line.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let r = resources.take()
        defer { resources.give(r) }
        var from = 0
        while from <= line.count {
            let rc = pcre2_match_8(code, subject, line.count, from, 0, r.data, r.context)
            if rc == PCRE2_ERROR_NOMATCH { return nil }
            guard rc > 0 else { return failure(rc).reason }
            let ovector = pcre2_get_ovector_pointer_8(r.data)!
            let lo = Int(ovector[0]), hi = Int(ovector[1])
            if hi == lo { from = hi + 1; continue }
            body(UnsafePointer(ovector))
            from = hi
        }
        return nil
    }

    /// The leftmost-longest matches in `bytes[from..<to]` (lines separated by LF; `from` starts
    /// a line, `to` ends one), with PCRE2's DFA matcher: no backtracking, so it decides where
    /// the backtracking matcher gives up. It needs valid UTF-8 and, with
    /// PCRE2_MATCH_INVALID_UTF, no match takes in an invalid byte: in UTF mode each valid
    /// stretch is matched on its own.
    /// Matches start at or after `startAt` (default `from`); with `notEOL`, `to` is not a
    /// line's end (`$` does not match there).
    /// Throws when the DFA matcher gives up (its match limit or workspace), with the matches
    /// found before.
    func longestMatches(in bytes: UnsafeRawBufferPointer, from: Int, to: Int, firstOnly: Bool, startAt: Int? = nil,
                        notEOL: Bool = false) throws(MatchFailure) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        do {
            try longestMatches(in: bytes, from: from, to: to, firstOnly: firstOnly, startAt: startAt ?? from, notEOL: notEOL,
                               into: &ranges)
        } catch {
            throw error.after(ranges)
        }
        return ranges
    }

    private func longestMatches(in bytes: UnsafeRawBufferPointer, from: Int, to: Int, firstOnly: Bool, startAt: Int,
                                notEOL: Bool, into ranges: inout [Range<Int>]) throws(MatchFailure) {
        // (An empty line has no valid stretch to match in UTF mode, but may match as it is.)
        guard utf, from < to else {
            try longestMatches(in: bytes, segment: from..<to, lineStart: true, lineEnd: !notEOL, firstOnly: firstOnly,
                           startAt: startAt - from, into: &ranges)
            return
        }
        // Each stretch of valid characters is matched on its own, and so is the empty stretch
        // before each byte that is not valid UTF-8 and after the last one: glibc tries an empty
        // match at each of these positions too (`printf '\xC0abc\n' | grep -cw '^'` is 1).
        var i = from
        while true {
            let start = i
            while i < to, let n = UTF8Word.validLength(bytes, at: i), i + n <= to { i += n }
            if i >= startAt {
                try longestMatches(in: bytes, segment: start..<i, lineStart: start == from, lineEnd: i == to && !notEOL,
                                   firstOnly: firstOnly, startAt: Swift.max(0, startAt - start), into: &ranges)
                if firstOnly && !ranges.isEmpty { return }
            }
            if i >= to { break }
            i += 1
        }
    }

    private func longestMatches(in bytes: UnsafeRawBufferPointer, segment: Range<Int>, lineStart: Bool, lineEnd: Bool,
                                firstOnly: Bool, startAt: Int = 0, into ranges: inout [Range<Int>]) throws(MatchFailure) {
        guard let dfaCode else { return }
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let subject = base + segment.lowerBound
        let length = segment.count
        var options: UInt32 = 0
        if !lineStart { options |= PCRE2_NOTBOL }
        if !lineEnd { options |= PCRE2_NOTEOL }
        if utf { options |= PCRE2_NO_UTF_CHECK }
        let r = resources.take()
        defer { resources.give(r) }
        var from = startAt
        var size = 1000
        // The DFA matcher, unanchored, runs all of the pattern's ways from each position in
        // turn until one matches: with hundreds of alternatives that is milliseconds per match
        // (661 case-folded literals, `-o` over a 334 KB line: over 2 minutes). The backtracking
        // matcher (JIT) finds the same leftmost start, where a match of some way begins; the
        // DFA matcher, anchored there, then finds the longest (with `longestFirst`, the JIT's
        // match is it). If the JIT gives up (a match limit), the DFA matcher searches
        // unanchored for the rest of the segment.
        var jitFinds = true
        while from <= length {
            var lo = from, hi = from
            var start = from
            var anchored: UInt32 = 0
            var found = false
            if jitFinds {
                let rc = pcre2_match_8(code, subject, length, from, options, r.data, r.context)
                if rc == PCRE2_ERROR_NOMATCH { return }
                if rc > 0 {
                    let ovector = pcre2_get_ovector_pointer_8(r.data)!
                    start = Int(ovector[0])
                    anchored = PCRE2_ANCHORED
                    if longestFirst { lo = start; hi = Int(ovector[1]); found = true }
                } else {
                    jitFinds = false
                }
            }
            if !found {
                let rc = withUnsafeTemporaryAllocation(of: Int32.self, capacity: size) { workspace in
                    pcre2_dfa_match_8(dfaCode, subject, length, start, options | anchored, r.data, r.context, workspace.baseAddress, size)
                }
                if rc == PCRE2_ERROR_DFA_WSSIZE && size < 1 << 22 { size *= 8; continue }
                if rc == PCRE2_ERROR_NOMATCH { return }
                guard rc >= 0 else { throw failure(rc) }  // 0: the longest is still first
                let ovector = pcre2_get_ovector_pointer_8(r.data)!
                lo = Int(ovector[0])
                hi = Int(ovector[1])
            }
            if firstOnly { ranges.append(segment.lowerBound + lo..<segment.lowerBound + hi); return }
            if hi == lo {
                from = hi + 1
                while utf && from < length && subject[from] & 0xC0 == 0x80 { from += 1 }
                continue
            }
            ranges.append(segment.lowerBound + lo..<segment.lowerBound + hi)
            from = hi
        }
    }
}

/// PCRE2 gave up on a subject; turned into ``SluiceError/matchFailed(path:lineNumber:offset:pattern:reason:)``
/// once the line is known.
struct MatchFailure: Error {
    let pattern: String
    let reason: String
    /// The extents found in the line before the engine gave up (`-o` prints them, as GNU grep does).
    var found: [Range<Int>] = []

    /// The failure, with `ranges` found before it (and before those it carried).
    func after(_ ranges: [Range<Int>]) -> MatchFailure {
        var f = self
        f.found = ranges + found
        return f
    }

    func error(line: Line) -> SluiceError { error(lineNumber: line.number, offset: line.byteOffset) }

    func error(lineNumber: Int, offset: Int64) -> SluiceError {
        .matchFailed(path: nil, lineNumber: lineNumber, offset: offset, pattern: pattern, reason: reason)
    }
}

/// What one match needs of its own: match data, and a match context holding a JIT stack.
///
/// `@unchecked Sendable`: a block is used by one match at a time (it is taken from the pool's
/// free list under its mutex and given back after the match), and freed only by `deinit`.
final class MatchResources: @unchecked Sendable {
    let data: OpaquePointer
    let context: OpaquePointer
    private let stack: OpaquePointer?

    init(code: OpaquePointer) {
        data = pcre2_match_data_create_from_pattern_8(code, nil)!
        context = pcre2_match_context_create_8(nil)!
        stack = pcre2_jit_stack_create_8(32 * 1024, 8 * 1024 * 1024, nil)
        if let stack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(stack)) }
    }

    deinit {
        pcre2_match_data_free_8(data)
        pcre2_match_context_free_8(context)
        if let stack { pcre2_jit_stack_free_8(stack) }
    }
}

/// Match resources for one pattern: a match takes a block from the free list, or makes one,
/// and gives it back. There are never more blocks than matches running at the same time.
final class MatchResourcePool: Sendable {
    // `code` is only used to size new blocks; PCRE2 compiled code may be shared between threads.
    private let code: UInt
    private let free = Locked<[MatchResources]>([])

    init(code: OpaquePointer) { self.code = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(code))) }

    func take() -> MatchResources {
        if let block = free.withLock({ $0.popLast() }) { return block }
        return MatchResources(code: OpaquePointer(bitPattern: code)!)
    }

    func give(_ block: MatchResources) {
        free.withLock { $0.append(block) }
    }
}
