import CByteScan
import CHyperscan
#if canImport(Glibc)
import Glibc
#endif

/// The lines of a region that may match, found in one pass over the whole region: a position
/// in each line (ascending; a line may be listed twice), and whether the line must still be
/// confirmed with the matcher's `lineMatches`.
struct RegionHits {
    var positions: [Int]
    var confirms: [Bool]

    /// Copies a C collection whose positions are relative to `offset`.
    init(_ hits: sluice_line_hits, offset: Int, confirmAll: Bool) {
        let n = hits.count
        positions = (0..<n).map { hits.positions[$0] + offset }
        confirms = confirmAll ? [Bool](repeating: true, count: n) : (0..<n).map { hits.confirm[$0] != 0 }
        if hits.unordered != 0 {
            let order = positions.indices.sorted { positions[$0] < positions[$1] }
            positions = order.map { positions[$0] }
            confirms = order.map { confirms[$0] }
        }
    }

    init(positions: [Int], confirms: [Bool]) {
        self.positions = positions
        self.confirms = confirms
    }

    /// Both lists, in one ascending list.
    func merged(with other: RegionHits) -> RegionHits {
        if other.positions.isEmpty { return self }
        if positions.isEmpty { return other }
        var p: [Int] = [], c: [Bool] = []
        p.reserveCapacity(positions.count + other.positions.count)
        c.reserveCapacity(positions.count + other.positions.count)
        var i = 0, j = 0
        while i < positions.count || j < other.positions.count {
            if j == other.positions.count || (i < positions.count && positions[i] <= other.positions[j]) {
                p.append(positions[i]); c.append(confirms[i]); i += 1
            } else {
                p.append(other.positions[j]); c.append(other.confirms[j]); j += 1
            }
        }
        return RegionHits(positions: p, confirms: c)
    }
}

/// Several GNU BREs or EREs (`grep -E -f FILE`, repeated `-e`) searched together: Vectorscan
/// (`hs_compile_multi`, block mode) finds the lines that hold a match of any pattern it
/// accepts in one pass over a whole buffer; PCRE2 searches the buffer for the patterns it
/// refuses (back-references, the lookarounds of `\<`, `\>`, `\b`, patterns that match the empty
/// string, ...), so one such pattern never slows the others; PCRE2 also decides single lines
/// (`-v`, context) and gives the leftmost-longest extents (`-o`, colour, JSON), as for one pattern.
///
/// Why Vectorscan's answer needs no confirmation: the translated patterns cannot match a line
/// feed (`POSIXPattern` leaves `\n` out of every class), so a match in the buffer is a match in
/// the line that holds its end; `^` and `$` are compiled multi-line, so they match at line
/// ends as on a line alone; case is folded in the pattern text in UTF-8 mode (GNU's folding)
/// and as ASCII in the C locale, as PCRE2 does. Where that reasoning does not hold the lines
/// are confirmed with PCRE2: under `-w` (whose lookarounds Vectorscan lacks, so the patterns go
/// to it bare), with Unicode classes from PCRE2 (no C.UTF-8 locale), and, in UTF-8 mode, a
/// buffer that is not valid UTF-8 is searched by PCRE2 alone (Vectorscan's UTF-8 mode requires
/// valid input).
///
/// Measured on the 200 MB corpus, 50 regexes of `bench/bench.py` (63% of lines selected):
/// PCRE2's alternation of the 50 takes 7.8 s in C.UTF-8; this set 0.6 s (see the bench row
/// `grep-E-f-50`).
///
/// `@unchecked Sendable`: every stored property is written once in `init`; the compiled PCRE2
/// codes and the Vectorscan database are immutable and documented as shareable, and per-scan
/// state (match data, scratch) comes from locked pools.
final class RegexSet: @unchecked Sendable {
    /// All patterns as one PCRE2 regex, or one each (wrapped for `-w`/`-x`): single lines and extents.
    let full: PatternCodes
    /// The patterns Vectorscan refused, for whole buffers; `nil` for none.
    let rest: PatternCodes?
    let vectorscan: HyperscanDatabase?
    /// Per pattern: its lines must be confirmed with `full`.
    private let inexact: [UInt8]
    private let utf8: Bool
    /// How many patterns Vectorscan took, for tests.
    let acceptedCount: Int

    /// `sources` are the PCRE2 translations; `wrap` wraps a list of them as the grep options
    /// ask (`-w`, `-x`); `compile` compiles PCRE2 as the caller's other matchers do.
    /// `retranslate` gives the PCRE2 text of some of the patterns as a list of their own (group
    /// numbers restart, so back-references keep their meaning). `perl`: the sources are `-P`
    /// patterns, compiled one by one when their groups are their own (`separately`), and each
    /// line Vectorscan finds is confirmed with PCRE2 (their classes can match a line feed, and
    /// PCRE2 is the reference for their meaning); under `-i` in UTF-8 mode Vectorscan is not
    /// used (PCRE2 folds non-ASCII letters, and `[a-z]` takes U+212A, as Vectorscan does not).
    init(sources: [String], utf8: Bool, caseless: Bool, unicodeClasses: Bool, wholeWord: Bool, wholeLine: Bool,
         perl: Bool = false, separately: Bool = false,
         wrap: ([String]) -> String, retranslate: ([Int]) throws -> [String],
         compile: (String) throws -> PCRE2Code) throws {
        full = try PatternCodes.make(count: sources.count, joined: { wrap(sources) }, one: { wrap(try retranslate([$0])) },
                                     separately: separately, longest: !perl, compile: compile)
        self.utf8 = utf8
        var flags = UInt32(HS_FLAG_MULTILINE)
        if caseless { flags |= UInt32(HS_FLAG_CASELESS) }
        if utf8 { flags |= UInt32(HS_FLAG_UTF8) }
        if unicodeClasses { flags |= UInt32(HS_FLAG_UCP) }
        let expressions = sources.map { wholeLine ? "^(?:\($0))$" : perl ? $0 : Self.existenceForm($0) }
        let database = perl && caseless && utf8 ? nil
            : HyperscanDatabase(expressions, flags: flags) { !perl || Self.vectorscanReadsAlike(sources[$0], utf8: utf8) }
        let accepted = database?.accepted ?? []
        let used = accepted.isEmpty ? nil : database
        vectorscan = used
        acceptedCount = used == nil ? 0 : accepted.count
        let confirm: UInt8 = wholeWord || unicodeClasses || perl ? 1 : 0
        inexact = [UInt8](repeating: confirm, count: sources.count)
        let refused = sources.indices.filter { used == nil || !accepted.contains($0) }
        if refused.isEmpty {
            rest = nil
        } else {
            let texts = try retranslate(refused)
            rest = try PatternCodes.make(count: refused.count, joined: { wrap(texts) }, one: { wrap(try retranslate([refused[$0]])) },
                                         separately: separately, longest: !perl, compile: compile)
        }
    }

    /// A translated pattern (`POSIXPattern`'s PCRE2 text) that matches a line exactly when
    /// `pcre` does, with the repetitions at its ends cut short: `X+` at the end or the start is
    /// `X` (a match of `PX+` holds one of `PX`, and that is one of `PX+`), `X*` and `X?` there
    /// go, `X{m,n}` is `X{m}`. Vectorscan then reports one match where it reported one per
    /// repetition (`rhost=[^ ]+` ended at every byte of the host): on the bench's 50 regexes
    /// 1.5 s against 0.6 s. Patterns with a top-level `|` and those that would become empty
    /// are kept as they are; back-references are never in the text given (see the caller).
    static func existenceForm(_ pcre: String) -> String {
        let b = RawBytes.bytes(pcre)
        struct Piece { var start: Int; var end: Int; var quantifier: Range<Int>? }
        var pieces: [Piece] = []
        var i = 0
        func skipClass(_ j: inout Int) {
            // at "[": to just after its "]" (members are escaped, so "]" is never a member)
            j += 1
            while j < b.count && b[j] != UInt8(ascii: "]") {
                if b[j] == UInt8(ascii: "\\") { j += 2; continue }
                if b[j] == UInt8(ascii: "["), j + 1 < b.count, b[j + 1] == UInt8(ascii: ":") {
                    j += 2
                    while j + 1 < b.count && !(b[j] == UInt8(ascii: ":") && b[j + 1] == UInt8(ascii: "]")) { j += 1 }
                    j += 2
                    continue
                }
                j += 1
            }
            j += 1
        }
        func skipEscape(_ j: inout Int) {
            // at "\\": \x{..} and \g{..} run to their brace, the others are two bytes
            if j + 2 < b.count, b[j + 1] == UInt8(ascii: "x") || b[j + 1] == UInt8(ascii: "g"), b[j + 2] == UInt8(ascii: "{") {
                while j < b.count && b[j] != UInt8(ascii: "}") { j += 1 }
                j += 1
            } else {
                j += 2
            }
        }
        while i < b.count {
            let start = i
            switch b[i] {
            case UInt8(ascii: "|"): return pcre
            case UInt8(ascii: "\\"): skipEscape(&i)
            case UInt8(ascii: "["): skipClass(&i)
            case UInt8(ascii: "("):
                var depth = 0
                repeat {
                    switch b[i] {
                    case UInt8(ascii: "\\"): skipEscape(&i)
                    case UInt8(ascii: "["): skipClass(&i)
                    case UInt8(ascii: "("): depth += 1; i += 1
                    case UInt8(ascii: ")"): depth -= 1; i += 1
                    default: i += 1
                    }
                } while depth > 0 && i < b.count
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                return pcre  // a quantifier where no piece is: not text this reads
            default: i += 1
            }
            guard i <= b.count else { return pcre }
            var piece = Piece(start: start, end: i, quantifier: nil)
            if i < b.count {
                switch b[i] {
                case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                    piece.quantifier = i..<i + 1
                    i += 1
                case UInt8(ascii: "{"):
                    guard let close = b[i...].firstIndex(of: UInt8(ascii: "}")) else { return pcre }
                    piece.quantifier = i..<close + 1
                    i = close + 1
                default: break
                }
                if i < b.count, [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{")].contains(b[i]) {
                    return pcre  // two quantifiers in a row: not text this reads
                }
            }
            pieces.append(piece)
        }
        // What a piece's quantifier becomes at an end: nil drops the piece, "" drops the quantifier.
        func shortened(_ q: Range<Int>) -> String? {
            let text = String(decoding: b[q], as: UTF8.self)
            switch text {
            case "+": return ""
            case "*", "?": return nil
            default:
                let inner = text.dropFirst().dropLast()
                let low = inner.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                let m = Int(low) ?? 0
                return m == 0 ? nil : "{\(m)}"
            }
        }
        var kept = pieces.map { (text: String(decoding: b[$0.start..<$0.end], as: UTF8.self),
                                 quantifier: $0.quantifier.map { String(decoding: b[$0], as: UTF8.self) }, range: $0.quantifier) }
        while let last = kept.last, let q = last.range {
            guard let s = shortened(q) else { kept.removeLast(); continue }
            kept[kept.count - 1].quantifier = s
            kept[kept.count - 1].range = nil
            break
        }
        while let first = kept.first, let q = first.range {
            guard let s = shortened(q) else { kept.removeFirst(); continue }
            kept[0].quantifier = s
            kept[0].range = nil
            break
        }
        if kept.isEmpty { return pcre }
        return kept.map { $0.text + ($0.quantifier ?? "") }.joined()
    }

    /// Whether Vectorscan finds every line a `-P` pattern matches in PCRE2: only patterns made of
    /// what both read alike are given to it (the others go to PCRE2 with the refused ones):
    /// escapes of punctuation and `\d \D \w \W \s \S \b \B \n \t \xHH` below 0x80,
    /// groups `(?:`, `(?=`, `(?!`, `(?>` but no option settings (`(?i)` folds non-ASCII letters
    /// in PCRE2), and in UTF-8 mode ASCII text only.
    static func vectorscanReadsAlike(_ pattern: String, utf8: Bool) -> Bool {
        let b = RawBytes.bytes(pattern)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c >= 0x80 && utf8 { return false }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { return false }
                let e = b[i + 1]
                if e == UInt8(ascii: "x") {
                    // \xHH with HH below 80 only
                    guard i + 3 < b.count, b[i + 2] >= UInt8(ascii: "0"), b[i + 2] <= UInt8(ascii: "7"),
                          Self.isHexDigit(b[i + 3]) else { return false }
                    i += 4
                    continue
                }
                let isLetterOrDigit = (e >= 0x30 && e <= 0x39) || ((e | 0x20) >= 0x61 && (e | 0x20) <= 0x7A)
                if isLetterOrDigit && !"dDwWsSbBnt".utf8.contains(e) { return false }
                if e >= 0x80 { return false }
                i += 2
                continue
            }
            if c == UInt8(ascii: "("), i + 1 < b.count, b[i + 1] == UInt8(ascii: "?") {
                guard i + 2 < b.count, ":=!>".utf8.contains(b[i + 2]) else { return false }
            }
            if c == UInt8(ascii: "("), i + 1 < b.count, b[i + 1] == UInt8(ascii: "*") { return false }
            i += 1
        }
        return true
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
    }

    /// Where a match may start in `bytes[from..<to]`, for buffers `regionHits` does not take.
    func candidate(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Int? {
        try full.firstMatch(in: bytes, from: from, to: to)?.lowerBound
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) throws(MatchFailure) -> Bool {
        try full.lineMatches(line)
    }

    func matchRanges(in line: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>] { try full.extents(in: line) }

    /// The lines of `bytes[from..<to]` (whole lines) that may match: Vectorscan's, and those of
    /// the refused patterns found by PCRE2. `nil` when the region must be searched by
    /// `candidate` instead (invalid UTF-8 in UTF-8 mode, Vectorscan out of memory), except for
    /// patterns compiled one by one, whose lines are then found by each pattern in turn.
    func regionHits(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> RegionHits? {
        guard let hits = try vectorscanHits(in: bytes, from: from, to: to) else {
            if case .each = full, from < to { return try full.lineHits(in: bytes, from: from, to: to) }
            return nil
        }
        return hits
    }

    private func vectorscanHits(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> RegionHits? {
        guard let vectorscan, from < to, to - from <= Int(UInt32.max),
              let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        if utf8 && sluice_utf8_valid(base + from, to - from) == 0 { return nil }
        var raw = sluice_line_hits()
        raw.hay = base + from
        raw.length = to - from
        defer { sluice_line_hits_free(&raw) }
        let complete = inexact.withUnsafeBufferPointer { flags in
            raw.inexact = flags.baseAddress
            return vectorscan.collectLines(base + from, count: to - from, into: &raw)
        }
        guard complete else { return nil }
        let found = RegionHits(raw, offset: from, confirmAll: false)
        guard let rest else { return found }
        return found.merged(with: try rest.lineHits(in: bytes, from: from, to: to))
    }
}

/// A Vectorscan block-mode database of regexes and its scratch pool. Patterns Vectorscan
/// refuses are left out (see `accepted`): one of them never blocks the others.
///
/// `@unchecked Sendable`: the database is immutable after compilation and may be shared by
/// threads (Vectorscan documents this); scratch space, which may not, is taken from a locked
/// free list by one scan at a time and given back.
final class HyperscanDatabase: @unchecked Sendable {
    private let database: OpaquePointer
    private let prototype: OpaquePointer
    private let free = Locked<[UInt]>([])
    /// The indices of the expressions in the database (their match ids).
    let accepted: Set<Int>

    /// `nil` when Vectorscan takes none of the expressions.
    /// `eligible`: whether an expression may be given to Vectorscan at all (default all).
    init?(_ expressions: [String], flags: UInt32, eligible: (Int) -> Bool = { _ in true }) {
        // Only patterns that cannot match the empty string: matches are reported by their end
        // alone, and an empty one at a line's start would be taken for a match on the line before
        // (Vectorscan takes some, such as `^(?:b*)$`). The check also sorts out what it refuses.
        guard VectorscanTarget.current.usable else { return nil }
        var remaining = expressions.indices.filter { eligible($0) && Self.matchesSomething(expressions[$0], flags: flags) }
        var compiled: OpaquePointer?
        while !remaining.isEmpty {
            var database: OpaquePointer?
            var error: UnsafeMutablePointer<hs_compile_error_t>?
            let texts = remaining.map { strdup(expressions[$0]) }
            defer { texts.forEach { Glibc.free($0) } }
            let flagList = [UInt32](repeating: flags, count: remaining.count)
            let ids = remaining.map { UInt32($0) }
            let constTexts: [UnsafePointer<CChar>?] = texts.map { UnsafePointer($0) }
            let status = constTexts.withUnsafeBufferPointer { pointers in
                VectorscanTarget.current.withPlatform { platform in
                    hs_compile_multi(pointers.baseAddress, flagList, ids, UInt32(remaining.count), UInt32(HS_MODE_BLOCK),
                                     platform, &database, &error)
                }
            }
            if status == HS_SUCCESS, let database { compiled = database; break }
            let bad = error.map { Int($0.pointee.expression) } ?? -1
            if let error { hs_free_compile_error(error) }
            // A failure that names no expression (resources): Vectorscan is not used at all.
            guard bad >= 0 && bad < remaining.count else { return nil }
            remaining.remove(at: bad)
        }
        var scratch: OpaquePointer?
        guard let compiled, hs_alloc_scratch(compiled, &scratch) == HS_SUCCESS, let scratch else {
            if let compiled { hs_free_database(compiled) }
            return nil
        }
        database = compiled
        prototype = scratch
        accepted = Set(remaining)
    }

    /// Whether Vectorscan takes `expression` and every match of it holds at least one byte.
    static func matchesSomething(_ expression: String, flags: UInt32) -> Bool {
        var info: UnsafeMutablePointer<hs_expr_info_t>?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let status = hs_expression_info(expression, flags | UInt32(HS_FLAG_ALLOWEMPTY), &info, &error)
        if let error { hs_free_compile_error(error) }
        defer { if let info { Glibc.free(info) } }
        return status == HS_SUCCESS && (info?.pointee.min_width ?? 0) > 0
    }

    deinit {
        for block in free.withLock({ $0 }) { hs_free_scratch(OpaquePointer(bitPattern: block)) }
        hs_free_scratch(prototype)
        hs_free_database(database)
    }

    /// Scans `count` bytes at `base` into `hits` (see `sluice_line_hit`); false when the
    /// collection ran out of memory.
    func collectLines(_ base: UnsafePointer<UInt8>, count: Int, into hits: UnsafeMutablePointer<sluice_line_hits>) -> Bool {
        let scratch = take()
        defer { give(scratch) }
        let status = base.withMemoryRebound(to: CChar.self, capacity: count) { chars in
            VectorscanTarget.current.scan(database, chars, UInt32(count), scratch, sluice_line_hit, hits)
        }
        // Any status but these is a broken invariant (the scratch fits the database), and a
        // silent miss would be the worst outcome.
        precondition(status == HS_SUCCESS || status == HS_SCAN_TERMINATED, "Vectorscan scan failed: \(status)")
        return status == HS_SUCCESS && hits.pointee.failed == 0
    }

    private func take() -> OpaquePointer {
        if let block = free.withLock({ $0.popLast() }) { return OpaquePointer(bitPattern: block)! }
        var clone: OpaquePointer?
        precondition(hs_clone_scratch(prototype, &clone) == HS_SUCCESS, "Vectorscan: out of memory for scratch space")
        return clone!
    }

    private func give(_ block: OpaquePointer) {
        free.withLock { $0.append(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(block)))) }
    }
}
