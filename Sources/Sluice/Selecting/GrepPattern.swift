import CByteScan
import CPCRE2
import Synchronization
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
        } else if let literals, literals.count > 1 {
            // Several literals: one pass over the buffer for all of them (see LiteralSet).
            matcher = .literalSet(try LiteralSet(literals, folding: ignoreCase ? .ascii : .none,
                                                 wholeWord: wholeWord, wholeLine: wholeLine))
        } else {
            let sources = literals.map { $0.map(Self.escape) } ?? patterns
            var combined = sources.count == 1 ? sources[0] : sources.map { "(?:\($0))" }.joined(separator: "|")
            if wholeLine { combined = "^(?:\(combined))$" } else if wholeWord { combined = "(?<!\\w)(?:\(combined))(?!\\w)" }
            do {
                let code = try PCRE2Code(combined, caseless: ignoreCase)
                matcher = .regex(code, confirmPerLine: literals == nil || wholeLine || wholeWord)
            } catch let SluiceError.badPattern(_, offset, reason) {
                throw patterns.count == 1 ? SluiceError.badPattern(pattern: patterns[0], offset: offset, reason: reason)
                    : Self.firstBadPattern(sources, ignoreCase: ignoreCase, combinedReason: reason)
            }
        }
    }

    /// A single pattern; see ``init(_:syntax:ignoreCase:wholeWord:wholeLine:)``.
    public init(_ pattern: String, syntax: Syntax = .regex, ignoreCase: Bool = false,
                wholeWord: Bool = false, wholeLine: Bool = false) throws {
        try self.init([pattern], syntax: syntax, ignoreCase: ignoreCase, wholeWord: wholeWord, wholeLine: wholeLine)
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
    /// those found before a match failure, if the regex engine gives up.
    public func matchRanges(in bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        matcher.matchRanges(in: bytes)
    }

    /// The error for a list whose combined regex failed: the first pattern that fails alone (so
    /// the caller can name its file and line), never the whole combined list.
    static func firstBadPattern(_ sources: [String], ignoreCase: Bool, combinedReason: String) -> SluiceError {
        for source in sources {
            do { _ = try PCRE2Code(source, caseless: ignoreCase) } catch let error as SluiceError { return error } catch {}
        }
        return .badPattern(pattern: "(\(sources.count) patterns together)", offset: 0, reason: combinedReason)
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

    /// Where a match that may select a line starts in `bytes[from..<to]`. Lines are LF-separated;
    /// a candidate must be confirmed with `lineMatches` when `confirmPerLine` is true.
    func candidate(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Int? {
        switch self {
        case .never: return nil
        case .literal(let l): return l.find(in: bytes, from: from, to: to)
        case .regex(let code, _): return try code.firstMatch(in: bytes, from: from, to: to)?.lowerBound
        case .literalSet(let set): return set.candidate(in: bytes, from: from, to: to)
        }
    }

    var confirmsPerLine: Bool {
        switch self {
        case .never: return false
        case .literal(let l): return l.wholeWord || l.wholeLine
        case .regex(_, let confirm): return confirm
        case .literalSet(let set): return set.confirmsPerLine
        }
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) throws(MatchFailure) -> Bool {
        switch self {
        case .never: return false
        case .literal(let l): return l.lineMatches(line)
        case .regex(let code, _): return try code.firstMatch(in: line, from: 0, to: line.count) != nil
        case .literalSet(let set): return set.lineMatches(line)
        }
    }

    func matchRanges(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        if case .literalSet(let set) = self { return set.matchRanges(in: line) }
        var ranges: [Range<Int>] = []
        var from = 0
        while from <= line.count {
            let found: Range<Int>?
            switch self {
            case .never: found = nil
            case .literal(let l): found = l.nextMatch(in: line, from: from)
            case .regex(let code, _): found = try? code.firstMatch(in: line, from: from, to: line.count)
            case .literalSet: found = nil
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
    /// The pattern as compiled, for messages.
    let pattern: String

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
        self.pattern = pattern
        _ = pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE)  // falls back to the interpreter if JIT is unavailable
        matchData = MatchDataPool(code: code)
    }

    deinit { pcre2_code_free_8(code) }

    /// The first match in `bytes[from..<to]`. The pattern is compiled MULTILINE, so `^` and `$`
    /// match at every LF of a buffer of lines; a single line holds no LF, so for it they match
    /// at its ends. Empty matches count (PCRE2_NOTEMPTY is not set). Throws when PCRE2 gives up
    /// (match, depth or JIT stack limit) instead of deciding.
    func firstMatch(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Range<Int>? {
        guard from <= to else { return nil }
        let subject = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let data = matchData.take()
        defer { matchData.give(data) }
        let rc = pcre2_match_8(code, subject, to, from, 0, data, nil)
        if rc == PCRE2_ERROR_NOMATCH { return nil }
        guard rc > 0 else {
            var message = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(rc, &message, message.count)
            throw MatchFailure(pattern: pattern, reason: String(decoding: message.prefix(max(0, Int(n))), as: UTF8.self))
        }
        let ovector = pcre2_get_ovector_pointer_8(data)!
        return Int(ovector[0])..<Int(ovector[1])
    }
}

/// PCRE2 gave up on a subject; turned into ``SluiceError/matchFailed(path:lineNumber:offset:pattern:reason:)``
/// once the line is known.
struct MatchFailure: Error {
    let pattern: String
    let reason: String

    func error(line: Line) -> SluiceError {
        .matchFailed(path: nil, lineNumber: line.number, offset: line.byteOffset, pattern: pattern, reason: reason)
    }
}

/// Match data blocks for one pattern (PCRE2 match data must not be used by two matches at
/// once): a match takes a block from the free list, or makes one, and gives it back. There are
/// never more blocks than matches running at the same time, and all are freed with the pool.
private final class MatchDataPool: @unchecked Sendable {
    // @unchecked Sendable: `code` is immutable (PCRE2 compiled code may be shared between
    // threads); the free blocks are only reached through the mutex, and a block taken from it
    // belongs to one match until it is given back.
    private let code: OpaquePointer
    private let free = Locked<[UInt]>([])

    init(code: OpaquePointer) { self.code = code }

    deinit {
        for block in free.withLock({ $0 }) { pcre2_match_data_free_8(OpaquePointer(bitPattern: block)) }
    }

    func take() -> OpaquePointer {
        if let block = free.withLock({ $0.popLast() }) { return OpaquePointer(bitPattern: block)! }
        return pcre2_match_data_create_from_pattern_8(code, nil)!
    }

    func give(_ block: OpaquePointer) {
        free.withLock { $0.append(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(block)))) }
    }
}
