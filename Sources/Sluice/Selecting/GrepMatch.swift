import CPCRE2

extension GrepPattern {
    /// The first match in `line` with its capture groups, or `nil` when the line does not match.
    ///
    /// The groups are those of the pattern as written: `\(…\)` in a BRE, `(…)` in an ERE or a
    /// Perl pattern, numbered from 1 across the patterns of a list, and named groups
    /// (`(?<user>\S+)`) in Perl syntax. The match is found by PCRE2, the engine that decides
    /// regex lines in ``_Concurrency/AsyncSequence/grep(_:options:)``, with the same translation of the
    /// pattern: for a BRE or ERE its extent is the leftmost-longest one that `grep -o` prints,
    /// and the groups are then PCRE2's within that extent. Throws
    /// ``SluiceError/matchFailed(path:lineNumber:offset:pattern:reason:)`` if PCRE2 gives up.
    ///
    /// The pattern is compiled for this on the first call (once per pattern value, shared by
    /// every task using it); a list of many thousands of literals may be too large for it, and
    /// then this throws ``SluiceError/badPattern(pattern:offset:reason:)``.
    public func firstMatch(in line: Line) throws -> GrepMatch? {
        try matches(in: line, limit: 1).first
    }

    /// The non-empty, non-overlapping matches in `line`, from left to right, each with its
    /// groups; see ``firstMatch(in:)``.
    public func matches(in line: Line) throws -> [GrepMatch] {
        try matches(in: line, limit: Int.max)
    }

    private func matches(in line: Line, limit: Int) throws -> [GrepMatch] {
        let code = try captures.compiled()
        do {
            return try line.withUnsafeBytes { bytes throws(MatchFailure) -> [GrepMatch] in
                var found: [GrepMatch] = []
                var from = 0
                while found.count < limit, from <= bytes.count,
                      let groups = try code.groups(in: bytes, from: from, allowEmpty: found.isEmpty && limit == 1) {
                    let whole = groups[0]!
                    found.append(GrepMatch(line: line, groups: groups, names: code.groupNames))
                    from = whole.isEmpty ? whole.upperBound + 1 : whole.upperBound
                }
                return found
            }
        } catch let failure as MatchFailure {
            throw failure.error(line: line)
        }
    }
}

/// A match of a ``GrepPattern`` in a ``Line``, with its capture groups as byte ranges of the
/// line and as text.
///
/// `m[0]` is the whole match, `m[1]`… the numbered groups, `m["user"]` a named group; each is
/// `nil` when the group took no part in the match (or does not exist). The text forms decode
/// UTF-8, replacing invalid bytes with U+FFFD; the byte ranges are exact.
public struct GrepMatch: Sendable {
    /// The line matched.
    public let line: Line
    /// The byte range of each group in the line, group 0 being the whole match.
    public let groups: [Range<Int>?]
    let names: [String: Int]

    /// The byte range of the whole match in the line.
    public var range: Range<Int> { groups[0]! }
    /// The number of groups, counting group 0.
    public var count: Int { groups.count }

    /// The byte range of group `group`, if it took part in the match.
    public func range(_ group: Int) -> Range<Int>? {
        group >= 0 && group < groups.count ? groups[group] : nil
    }
    /// The byte range of the group named `name`, if it exists and took part in the match.
    public func range(named name: String) -> Range<Int>? {
        names[name].flatMap { range($0) }
    }
    /// The bytes of group `group`.
    public func bytes(_ group: Int) -> [UInt8]? {
        range(group).map { r in line.withUnsafeBytes { Array($0[r]) } }
    }
    /// The text of group `group`.
    public subscript(group: Int) -> Substring? {
        range(group).map { r in Substring(line.withUnsafeBytes { String(decoding: $0[r], as: UTF8.self) }) }
    }
    /// The text of the group named `name`.
    public subscript(name: String) -> Substring? {
        names[name].flatMap { self[$0] }
    }
}

/// The regex of a ``GrepPattern`` with its groups, compiled when first asked for.
///
/// A list of literals is matched without PCRE2 (see LiteralSet), so its regex is compiled
/// only if captures are asked for.
final class CaptureCode: Sendable {
    private let source: String
    private let caseless: Bool
    private let utf: Bool
    /// UCP unless the locale's class tables are there: decided when compiling, since building
    /// those tables costs milliseconds that a literal pattern must not pay at start-up.
    private let foldsInPattern: Bool
    private let longest: Bool
    private let code = Locked<Result<CapturingRegex, SluiceError>?>(nil)

    init(source: String, caseless: Bool, utf: Bool, foldsInPattern: Bool, longest: Bool) {
        self.source = source
        self.caseless = caseless
        self.utf = utf
        self.foldsInPattern = foldsInPattern
        self.longest = longest
    }

    func compiled() throws(SluiceError) -> CapturingRegex {
        let result = code.withLock { slot -> Result<CapturingRegex, SluiceError> in
            if let slot { return slot }
            let made: Result<CapturingRegex, SluiceError>
            do {
                made = .success(CapturingRegex(try PCRE2Code(source, caseless: caseless, utf: utf,
                                                               ucp: foldsInPattern && !LocaleClasses.available, longest: longest)))
            } catch let error as SluiceError {
                made = .failure(error)
            } catch {
                made = .failure(.badPattern(pattern: source, offset: 0, reason: "\(error)"))
            }
            slot = made
            return made
        }
        return try result.get()
    }
}

/// A compiled regex and the names of its groups.
struct CapturingRegex: Sendable {
    let code: PCRE2Code
    let groupNames: [String: Int]
    /// The number of groups, counting group 0 (read once, not per match).
    let groupCount: Int

    init(_ code: PCRE2Code) {
        self.code = code
        groupNames = Self.names(of: code.code)
        groupCount = Self.captureCount(of: code.code) + 1
    }

    /// The group ranges of the first match at or after `from`; leftmost-longest when the code
    /// is (BRE, ERE): the extent is found first, then the groups of a match of exactly it.
    func groups(in bytes: UnsafeRawBufferPointer, from: Int, allowEmpty: Bool) throws(MatchFailure) -> [Range<Int>?]? {
        var start = from
        while start <= bytes.count {
            var extent: Range<Int>?
            if code.leftmostLongest {
                extent = try code.longestMatches(in: bytes, from: start, to: bytes.count, firstOnly: true).first
            } else {
                extent = try code.firstMatch(in: bytes, from: start, to: bytes.count)
            }
            guard let found = extent else { return nil }
            if found.isEmpty && !allowEmpty {
                start = found.upperBound + 1
                continue
            }
            return try groups(of: found, in: bytes)
        }
        return nil
    }

    /// The groups of a match of exactly `extent` (anchored at both ends).
    private func groups(of extent: Range<Int>, in bytes: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>?] {
        let subject = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        let r = code.resources.take()
        defer { code.resources.give(r) }
        var options = PCRE2_ANCHORED
        if code.leftmostLongest { options |= PCRE2_ENDANCHORED }
        let rc = pcre2_match_8(code.code, subject, code.leftmostLongest ? extent.upperBound : bytes.count,
                               extent.lowerBound, options, r.data, r.context)
        guard rc > 0 else {
            // The backtracking matcher gave up (or, for a leftmost-longest extent, could not
            // reproduce it): the whole match is known, its groups are not.
            if code.leftmostLongest { return [extent] }
            throw MatchFailure(pattern: code.pattern, reason: "PCRE2 error \(rc)")
        }
        let ovector = pcre2_get_ovector_pointer_8(r.data)!
        // Groups past the last one set (`rc`) are unset, but they exist: every group has a slot.
        return (0..<groupCount).map { i -> Range<Int>? in
            guard i < Int(rc) else { return nil }
            let lo = ovector[2 * i], hi = ovector[2 * i + 1]
            return lo < 0 || hi < lo ? nil : lo..<hi  // PCRE2_UNSET is ~0: -1 as Int
        }
    }

    static func captureCount(of code: OpaquePointer) -> Int {
        var n: UInt32 = 0
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_CAPTURECOUNT), &n)
        return Int(n)
    }

    /// The name table: each entry is a 2-byte group number then the zero-terminated name.
    static func names(of code: OpaquePointer) -> [String: Int] {
        var count: UInt32 = 0, size: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        guard count > 0 else { return [:] }
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &size)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard let table else { return [:] }
        var names: [String: Int] = [:]
        for i in 0..<Int(count) {
            let entry = table + i * Int(size)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            names[String(cString: entry + 2)] = number
        }
        return names
    }
}
