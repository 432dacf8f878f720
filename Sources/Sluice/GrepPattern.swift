import CByteScan
import CPCRE2
#if canImport(Glibc)
import Glibc
#endif

/// What `grep` looks for: one or more patterns (a line matches when any does), compiled once.
///
/// Patterns are PCRE2 regular expressions unless `syntax` is `.fixed`; a pattern without
/// regex metacharacters is searched as a literal with `memmem`. Matching is on bytes, as
/// GNU grep does in the C locale: `-i` folds ASCII letters, `\w` is `[A-Za-z0-9_]`.
public struct GrepPattern: Sendable {
    /// How pattern text is read.
    public enum Syntax: Sendable {
        /// PCRE2 syntax (as `grep -P`); also used for `-E`, whose common forms PCRE2 reads alike.
        case regex
        /// Fixed strings (as `grep -F`).
        case fixed
    }

    /// The patterns as given (split at line feeds).
    public let patterns: [String]
    let matcher: Matcher
    /// False when a pattern looks at the subject's edges or behind a match (`\A`, `\z`,
    /// lookbehind): then lines are matched one at a time, never as part of a buffer.
    let matchesWithinLineOnly: Bool

    /// Compiles `patterns`; throws ``SluiceError/badPattern(pattern:offset:reason:)`` for a
    /// regular expression that does not compile.
    public init(_ patterns: [String], syntax: Syntax = .regex, ignoreCase: Bool = false,
                wholeWord: Bool = false, wholeLine: Bool = false) throws {
        // A pattern holding line feeds is several patterns, one per line, as in grep.
        let patterns = patterns.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        self.patterns = patterns
        matchesWithinLineOnly = syntax == .fixed || !patterns.contains { p in
            ["\\A", "\\z", "\\Z", "\\G", "(?<=", "(?<!"].contains { p.contains($0) }
        }
        let literals: [[UInt8]]? = syntax == .fixed || patterns.allSatisfy({ !Self.hasMetacharacters($0) })
            ? patterns.map { Array($0.utf8) } : nil
        if patterns.isEmpty {
            matcher = .never
        } else if let literals, literals.count == 1, !ignoreCase || literals[0].allSatisfy({ $0 < 0x80 }) {
            matcher = .literal(LiteralMatcher(literals[0], caseless: ignoreCase, wholeWord: wholeWord, wholeLine: wholeLine))
        } else {
            let sources = literals.map { $0.map(Self.escape) } ?? patterns
            var combined = sources.count == 1 ? sources[0] : sources.map { "(?:\($0))" }.joined(separator: "|")
            if wholeLine { combined = "^(?:\(combined))$" } else if wholeWord { combined = "(?<!\\w)(?:\(combined))(?!\\w)" }
            do {
                let code = try PCRE2Code(combined, caseless: ignoreCase)
                matcher = .regex(code, confirmPerLine: literals == nil || wholeLine || wholeWord)
            } catch let SluiceError.badPattern(_, offset, reason) {
                throw SluiceError.badPattern(pattern: patterns.count == 1 ? patterns[0] : combined, offset: offset, reason: reason)
            }
        }
    }

    /// A single pattern; see ``init(_:syntax:ignoreCase:wholeWord:wholeLine:)``.
    public init(_ pattern: String, syntax: Syntax = .regex, ignoreCase: Bool = false,
                wholeWord: Bool = false, wholeLine: Bool = false) throws {
        try self.init([pattern], syntax: syntax, ignoreCase: ignoreCase, wholeWord: wholeWord, wholeLine: wholeLine)
    }

    /// Whether the line's bytes match.
    public func matches(_ line: Line) -> Bool {
        line.withUnsafeBytes { matcher.lineMatches($0) }
    }

    /// The non-empty, non-overlapping matches in `bytes`, as byte ranges (for `-o` and colour).
    public func matchRanges(in bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        matcher.matchRanges(in: bytes)
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

    /// Where a match that may select a line starts in `bytes[from..<to]`. Lines are LF-separated;
    /// a candidate must be confirmed with `lineMatches` when `confirmPerLine` is true.
    func candidate(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        switch self {
        case .never: return nil
        case .literal(let l): return l.find(in: bytes, from: from, to: to)
        case .regex(let code, _): return code.firstMatch(in: bytes, from: from, to: to, multiline: true)?.lowerBound
        }
    }

    var confirmsPerLine: Bool {
        switch self {
        case .never: return false
        case .literal(let l): return l.wholeWord || l.wholeLine
        case .regex(_, let confirm): return confirm
        }
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .never: return false
        case .literal(let l): return l.lineMatches(line)
        case .regex(let code, _): return code.firstMatch(in: line, from: 0, to: line.count, multiline: false) != nil
        }
    }

    func matchRanges(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var from = 0
        while from <= line.count {
            let found: Range<Int>?
            switch self {
            case .never: found = nil
            case .literal(let l): found = l.nextMatch(in: line, from: from)
            case .regex(let code, _): found = code.firstMatch(in: line, from: from, to: line.count, multiline: false)
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
struct LiteralMatcher: Sendable {
    let searcher: LiteralSearcher
    let wholeWord: Bool
    let wholeLine: Bool

    init(_ needle: [UInt8], caseless: Bool, wholeWord: Bool, wholeLine: Bool) {
        searcher = LiteralSearcher(needle, caseless: caseless)
        self.wholeWord = wholeWord
        self.wholeLine = wholeLine
    }

    func find(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        searcher.find(in: bytes, from: from, to: to)
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    /// The next match in a line at or after `from`, honouring whole-word and whole-line.
    func nextMatch(in line: UnsafeRawBufferPointer, from: Int) -> Range<Int>? {
        let length = searcher.length
        if wholeLine {
            guard from == 0, line.count == length, find(in: line, from: 0, to: line.count) == 0 else { return nil }
            return 0..<line.count
        }
        var start = from
        while let hit = find(in: line, from: start, to: line.count) {
            let end = hit + length
            if !wholeWord { return hit..<end }
            let before = hit == 0 || !Self.isWordByte(line[hit - 1])
            let after = end == line.count || !Self.isWordByte(line[end])
            if before && after { return hit..<end }
            start = hit + 1
        }
        return nil
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) -> Bool { nextMatch(in: line, from: 0) != nil }
}

/// A prepared literal: its bytes at a fixed address and the rare bytes the prefilter checks.
///
/// `@unchecked Sendable`: the needle and the prepared search state are written once in `init`
/// and only read afterwards.
final class LiteralSearcher: @unchecked Sendable {
    private let needle: UnsafeMutableBufferPointer<UInt8>
    private let literal: UnsafeMutablePointer<sluice_literal>
    var length: Int { needle.count }

    init(_ bytes: [UInt8], caseless: Bool) {
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
            return needle.count == 0 && from <= to ? from : nil
        }
        guard let hit = sluice_literal_find(literal, base + from, to - from) else { return nil }
        return hit - base
    }
}

/// A compiled PCRE2 pattern, JIT-compiled when the platform allows.
///
/// `@unchecked Sendable`: the compiled code is never modified after `init` (PCRE2 documents
/// compiled patterns as shareable between threads); each match gets match data of its own from
/// a per-thread cache, so no mutable state is shared.
final class PCRE2Code: @unchecked Sendable {
    private let code: OpaquePointer
    private let matchData: MatchDataPool

    init(_ pattern: String, caseless: Bool) throws {
        var errorCode: Int32 = 0
        var errorOffset = 0
        var options: UInt32 = PCRE2_MULTILINE
        if caseless { options |= PCRE2_CASELESS }
        let bytes = Array(pattern.utf8)
        guard let code = bytes.withUnsafeBufferPointer({
            pcre2_compile_8($0.baseAddress, $0.count, options, &errorCode, &errorOffset, nil)
        }) else {
            var message = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(errorCode, &message, message.count)
            let reason = String(decoding: message.prefix(max(0, Int(n))), as: UTF8.self)
            throw SluiceError.badPattern(pattern: pattern, offset: errorOffset, reason: reason)
        }
        self.code = code
        _ = pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE)  // falls back to the interpreter if JIT is unavailable
        matchData = MatchDataPool(code: code)
    }

    deinit { pcre2_code_free_8(code) }

    /// The first match in `bytes[from..<to]`. With `multiline`, `^` and `$` match at every LF
    /// (a buffer of lines); without it the subject is one line and `$` matches only at its end.
    func firstMatch(in bytes: UnsafeRawBufferPointer, from: Int, to: Int, multiline: Bool) -> Range<Int>? {
        guard from <= to else { return nil }
        let subject = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let data = matchData.current
        // The pattern is compiled MULTILINE; for a single line the subject holds no LF, so
        // `^`/`$` behave as for a whole subject. PCRE2_NOTEMPTY is not set: empty matches count.
        _ = multiline
        let rc = pcre2_match_8(code, subject, to, from, 0, data, nil)
        guard rc > 0 else { return nil }
        let ovector = pcre2_get_ovector_pointer_8(data)!
        return Int(ovector[0])..<Int(ovector[1])
    }
}

/// Match data for one pattern, one block per thread (PCRE2 match data must not be shared).
private final class MatchDataPool: @unchecked Sendable {
    // @unchecked Sendable: `code` is immutable; the blocks live in thread-local storage keyed by
    // this pool, so each thread only ever touches its own.
    private let code: OpaquePointer
    private var key = pthread_key_t()

    init(code: OpaquePointer) {
        self.code = code
        pthread_key_create(&key) { pointer in
            pcre2_match_data_free_8(OpaquePointer(pointer))
        }
    }

    deinit { pthread_key_delete(key) }

    var current: OpaquePointer {
        if let existing = pthread_getspecific(key) { return OpaquePointer(existing) }
        let data = pcre2_match_data_create_from_pattern_8(code, nil)!
        pthread_setspecific(key, UnsafeRawPointer(data))
        return data
    }
}
