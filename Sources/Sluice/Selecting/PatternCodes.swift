/// Several patterns matched as their alternation by PCRE2: one regex when they can be one, else
/// one code per pattern.
///
/// A list cannot always be one regex: in a UTF-8 locale each POSIX class becomes the locale's
/// code-point ranges, and a list of many patterns with classes passes PCRE2's 64 KiB
/// compiled-size limit ("regular expression is too large") where GNU grep takes it; and `-P`
/// patterns number their groups on their own (`\1`, `(?<name>...)` in two patterns of a list
/// must not meet). Then each pattern is compiled alone: a line matches when one of them does,
/// and extents are the leftmost over all of them (the longest at that start for BREs, EREs and
/// fixed strings, as their alternation would give; the first pattern's for `-P`, as Perl's
/// alternation would).
enum PatternCodes: Sendable {
    case joined(PCRE2Code)
    case each([PCRE2Code], longest: Bool)

    /// The joined code of `wrap(sources)`, or, when that does not compile, the code of each
    /// `wrap([one(i)])` (`one` gives the pattern's PCRE2 text as a list of its own); with
    /// `separately`, always one code per pattern. A pattern that fails alone throws its error.
    static func make(count: Int, joined: () throws -> String, one: (Int) throws -> String, separately: Bool, longest: Bool,
                     compile: (String) throws -> PCRE2Code) throws -> PatternCodes {
        if !separately || count == 1 {
            do { return .joined(try compile(try joined())) } catch let error as SluiceError where count > 1 && error.kind == .badPattern {}
        }
        return .each(try (0..<count).map { try compile(try one($0)) }, longest: longest)
    }

    /// The first match in `bytes[from..<to]` of any of the patterns (the leftmost start).
    func firstMatch(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> Range<Int>? {
        switch self {
        case .joined(let code): return try code.firstMatch(in: bytes, from: from, to: to)
        case .each(let codes, _):
            var best: Range<Int>?
            for code in codes {
                if let r = try code.firstMatch(in: bytes, from: from, to: to), best.map({ r.lowerBound < $0.lowerBound }) ?? true {
                    best = r
                }
            }
            return best
        }
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) throws(MatchFailure) -> Bool {
        switch self {
        case .joined(let code): return try code.firstMatch(in: line, from: 0, to: line.count) != nil
        case .each(let codes, _):
            for code in codes {
                if try code.firstMatch(in: line, from: 0, to: line.count) != nil { return true }
            }
            return false
        }
    }

    /// The non-empty, non-overlapping matches of a line (see `PCRE2Code.extents(in:)`).
    /// Throws when the engine gives up, with the extents found before.
    func extents(in line: UnsafeRawBufferPointer) throws(MatchFailure) -> [Range<Int>] {
        switch self {
        case .joined(let code): return try code.extents(in: line)
        case .each(let codes, let longest):
            // Each code's first extent at or after `from` stays its first one until `from` passes
            // its start, so it is searched again only then.
            var next = [Range<Int>?](repeating: nil, count: codes.count)
            var done = [Bool](repeating: false, count: codes.count)
            var ranges: [Range<Int>] = []
            var from = 0
            while from <= line.count {
                var best: Range<Int>?
                for (k, code) in codes.enumerated() where !done[k] {
                    if next[k].map({ $0.lowerBound < from }) ?? true {
                        do { next[k] = try code.firstExtent(in: line, from: from) } catch { throw error.after(ranges) }
                        if next[k] == nil { done[k] = true; continue }
                    }
                    guard let r = next[k] else { continue }
                    if let b = best, !(r.lowerBound < b.lowerBound || (longest && r.lowerBound == b.lowerBound && r.upperBound > b.upperBound)) {
                        continue
                    }
                    best = r
                }
                guard let r = best else { break }
                if r.isEmpty { from = codes[0].start(after: r.upperBound, in: line); continue }
                ranges.append(r)
                from = r.upperBound
            }
            return ranges
        }
    }

    /// The lines of `bytes[from..<to]` (whole lines) with a match, each pattern searched over
    /// the region on its own (a line listed once per pattern that finds it); every one is to
    /// be confirmed alone, since a match in a buffer may run over a line feed.
    func lineHits(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) throws(MatchFailure) -> RegionHits {
        let codes: [PCRE2Code]
        switch self {
        case .joined(let code): codes = [code]
        case .each(let all, _): codes = all
        }
        var positions: [Int] = []
        for code in codes {
            var position = from
            while position < to, let hit = try code.firstMatch(in: bytes, from: position, to: to)?.lowerBound {
                // an empty match after the region's last line feed is no line
                if hit == to && hit > from && bytes[hit - 1] == ByteSearch.newline { break }
                positions.append(hit)
                position = (ByteSearch.first(ByteSearch.newline, in: bytes, from: hit, to: to) ?? to) + 1
            }
        }
        if codes.count > 1 { positions.sort() }
        return RegionHits(positions: positions, confirms: [Bool](repeating: true, count: positions.count))
    }
}
