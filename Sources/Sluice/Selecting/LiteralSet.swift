import CByteScan
import CHyperscan

/// Any number of fixed strings (one to a million; `grep -F -f FILE`, several `-e`), searched
/// in one pass over a whole buffer, with GNU grep's `-i`, `-w` and `-x`.
///
/// Three engines find the occurrences; the grep semantics on top are the same for all:
/// - a hashed four-byte filter with exact confirmation (`sluice_litset`, CByteScan), the default:
///   it builds in linear time and little memory, and a call costs nothing to start;
/// - for up to eight literals, a SIMD fingerprint search on three bytes of each (`sluice_teddy`,
///   CByteScan, the method of Hyperscan's and ripgrep's "Teddy"), in order and with nothing to
///   start, so it serves single lines and whole buffers alike;
/// - Vectorscan's literal matcher (`hs_compile_lit_multi`, block mode, SIMD), for 9 to
///   ``smallSet`` literals and as ``Engine/hyperscan`` (hashed probe of the next 2 KiB, then
///   Vectorscan windows).
///
/// The fingerprint search replaced Vectorscan for the smallest sets when Vectorscan had to be
/// held to its SSE4.2 code (see `VectorscanTarget`): `where 'level == "error" and status >= 500'`
/// (three literals) over 1 GiB of JSON lines took 200 ms with it, 159 ms with this, and 176 ms
/// with Vectorscan's AVX-512 code before; `grep -c -e a -e b -e c` 150 ms, against rg's 145 ms.
///
/// Measured on the 200 MB real-log corpus (1.58 M lines, 2 shared cores, AVX2), `grep -c -F -f`
/// wall time, whole process (the same files as `bench/bench.py` builds: literals drawn from the
/// corpus plus random IPs and request ids; "random" = 1,000 that never occur):
///
/// | literals (lines selected) | Vectorscan alone | Vectorscan + probe | hashed | rg |
/// |---|---|---|---|---|
/// | 1,000 random (0%)     | 0.22 s | 0.37 s | 0.48 s | 0.60 s |
/// | 1,000 drawn (37%)     | 0.86 s | 0.70 s | 0.60 s | 0.81 s |
/// | 10,000 drawn (89%)    | 2.70 s | 1.28 s | 0.92 s | 2.08 s |
/// | 100,000 drawn (100%)  | compile alone 4.5 s, 254 MB | — | 1.00 s, 51 MB | 3.48 s, 649 MB |
///
/// Vectorscan scans fastest where hits are rare, but each `hs_scan` costs ~1.5 µs to start and
/// it does not report in order (so the grep stage's "first line with a hit" needs a complete
/// scan of a window), which dominates when many lines hit; and its compile cost (~45 µs and
/// ~2.5 KB a literal) breaks the bound of one second and 128 MiB for 100,000 literals. The
/// hashed engine is never far behind and never slow, so it is the default above ``smallSet``
/// literals; below, Vectorscan's SIMD search wins (see ``smallSet``).
///
/// `@unchecked Sendable`: every stored property is written once in `init` and only read
/// afterwards (the C tables and the Vectorscan database are immutable once built); Vectorscan
/// scratch space, the only per-scan state, comes from a locked pool, one block per scan.
final class LiteralSet: @unchecked Sendable {
    /// Which engine finds occurrences in buffers (``automatic`` is the hashed one, see above;
    /// tests run both). Lines (`-w`, `-x`, `-v`, `-o`) are always searched with the hashed
    /// engine, which costs nothing to start.
    enum Engine: Sendable { case automatic, hyperscan, hashed }

    /// How letters compare under `-i`. ASCII folding is what GNU grep does in the C locale.
    /// The seam for Unicode folding (UTF-8 locales): a `.unicode` case would fold each literal
    /// here (`fold(_:)`), search with the hashed engine over folded variants or fall back to
    /// PCRE2 for the literals that fold outside ASCII, and confirm with a folding comparison.
    enum Folding: Sendable { case none, ascii }

    /// Up to this many literals, buffers go to Vectorscan (after the hashed probe): for a few
    /// literals its SIMD search is several times faster than the hashed filter (three `-e`
    /// literals over the corpus: 0.38 s hashed against rg's 0.10 s), and with few literals
    /// most lines do not hit, so its cost per call matters little.
    static let smallSet = 32

    /// Up to this many literals the fingerprint search (`sluice_teddy`) is used (see `teddy`).
    static let fewLiterals = Int(SLUICE_TEDDY_MAX)

    let folding: Folding
    let wholeWord: Bool
    let wholeLine: Bool
    /// The empty pattern is in the set: it matches every line (with `-x` the empty lines, with
    /// `-w` the lines with a position between two non-word characters or line ends).
    let containsEmpty: Bool
    /// The distinct non-empty literals, folded.
    let count: Int
    let maxLength: Int
    /// Literal lengths by id.
    private let lengths: UnsafeMutableBufferPointer<Int>
    private let table: OpaquePointer
    private let hyperscan: HyperscanLiterals?
    /// For up to ``fewLiterals`` literals (automatic engine, a CPU with AVX2): the SIMD
    /// fingerprint search (`sluice_teddy`, CByteScan), which reports in order and costs nothing
    /// to start, so neither the hashed probe nor Vectorscan is needed. Two tables: `teddy`
    /// fingerprints each literal by its first bytes and reports in order (``forEachOccurrence``
    /// promises that); `teddyByRareBytes` by its rarest bytes, for ``regionHits``, which takes
    /// hits in any order (on JSON lines, `level=error` by `lev` had a candidate on every line).
    private let teddy: OpaquePointer?
    private let teddyByRareBytes: OpaquePointer?

    /// Builds the set. Literals are bytes (patterns hold no line feed: the caller splits them).
    init(_ literals: [[UInt8]], folding: Folding, wholeWord: Bool, wholeLine: Bool, engine: Engine = .automatic) throws {
        self.folding = folding
        self.wholeWord = wholeWord
        self.wholeLine = wholeLine
        var seen = Set<[UInt8]>()
        var flat: [UInt8] = []
        var offsets: [Int] = [0]
        var longest = 0
        var empty = false
        seen.reserveCapacity(literals.count)
        for literal in literals {
            if literal.isEmpty { empty = true; continue }
            let folded = Self.fold(literal, folding)
            guard seen.insert(folded).inserted else { continue }
            flat += folded
            offsets.append(flat.count)
            longest = Swift.max(longest, folded.count)
        }
        seen = []
        containsEmpty = empty
        count = offsets.count - 1
        maxLength = longest
        lengths = .allocate(capacity: Swift.max(1, count))
        for i in 0..<count { lengths[i] = offsets[i + 1] - offsets[i] }
        let n = offsets.count - 1, caseless: Int32 = folding == .none ? 0 : 1
        guard let table = flat.withUnsafeBufferPointer({ bytes in
            offsets.withUnsafeBufferPointer { sluice_litset_create(bytes.baseAddress, $0.baseAddress, n, caseless) }
        }) else {
            lengths.deallocate()
            throw SluiceError.badPattern(pattern: "(\(literals.count) fixed strings)", offset: 0, reason: "out of memory")
        }
        self.table = table
        let fingerprinted = engine == .automatic && count > 0 && count <= Self.fewLiterals
        func makeTeddy(ordered: Int32) -> OpaquePointer? {
            guard fingerprinted else { return nil }
            return flat.withUnsafeBufferPointer { bytes in
                offsets.withUnsafeBufferPointer { sluice_teddy_create(bytes.baseAddress, $0.baseAddress, n, caseless, ordered) }
            }
        }
        self.teddy = makeTeddy(ordered: 1)
        teddyByRareBytes = self.teddy == nil ? nil : makeTeddy(ordered: 0)
        let useHyperscan = teddy == nil && count > 0
            && (engine == .hyperscan || (engine == .automatic && count <= Self.smallSet))
        hyperscan = useHyperscan ? HyperscanLiterals(flat, offsets: offsets, caseless: folding != .none) : nil
    }

    deinit {
        sluice_litset_free(table)
        sluice_teddy_free(teddy)
        sluice_teddy_free(teddyByRareBytes)
        lengths.deallocate()
    }

    /// The engine in use, for tests and `--stats`-style reports.
    var usesHyperscan: Bool { hyperscan != nil }

    /// Whether ``regionHits(in:from:to:skippingJSONKeys:)`` takes buffers (Vectorscan or the
    /// fingerprint search is in use).
    var findsRegionHits: Bool { hyperscan != nil || teddy != nil }

    static func fold(_ literal: [UInt8], _ folding: Folding) -> [UInt8] {
        switch folding {
        case .none: return literal
        case .ascii: return literal.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
        }
    }

    /// GNU grep's word constituents in the C locale (`[A-Za-z0-9_]`).
    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool { UTF8Word.isWordByte(b) }

    // MARK: Occurrences

    /// Calls `body(id, start, end)` for occurrences in `bytes[from..<to]` (positions in `bytes`)
    /// until it returns true; returns whether it did. Order: by start for the hashed engine and
    /// the fingerprint search, unspecified for Vectorscan.
    func forEachOccurrence(in bytes: UnsafeRawBufferPointer, from: Int, to: Int, vectorscan: Bool = false,
                           _ body: (Int, Int, Int) -> Bool) -> Bool {
        guard count > 0, from < to, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        return withoutActuallyEscaping(body) { body in
            var visit = Visit(body: body, lengths: UnsafePointer(lengths.baseAddress!), offset: from)
            return withUnsafeMutablePointer(to: &visit) { context in
                if vectorscan, let hyperscan, to - from <= Int(UInt32.max) {
                    return hyperscan.scan(base + from, count: to - from, context: context)
                }
                // Both engines report through the same callback type.
                let report: sluice_litset_callback = { id, _, end, _, context in
                    let visit = context!.assumingMemoryBound(to: Visit.self)
                    let e = Int(end) + visit.pointee.offset
                    return visit.pointee.body(Int(id), e - visit.pointee.lengths[Int(id)], e) ? 1 : 0
                }
                if let teddy { return sluice_teddy_scan(teddy, base + from, to - from, report, context) != 0 }
                return sluice_litset_scan(table, base + from, to - from, report, context) != 0
            }
        }
    }

    /// The end of an occurrence on the first line in `bytes[from..<to]` that has one, or `nil`.
    ///
    /// The hashed engine reports by start, so its first report is on the first line with an
    /// occurrence (literals hold no LF). With ``Engine/hyperscan`` the next 2 KiB are probed
    /// with the hashed engine and only a longer stretch without a hit goes to Vectorscan.
    func firstEnd(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard count > 0 else { return nil }
        let probeEnd = hyperscan == nil ? to : Swift.min(to, from + 2048)
        var found: Int?
        _ = forEachOccurrence(in: bytes, from: from, to: probeEnd) { _, _, end in found = end; return true }
        if found != nil || probeEnd == to { return found }
        // Vectorscan does not promise to report in order, so scan a window completely and take
        // its earliest end; windows double, and overlap by the longest literal less one byte so
        // that no occurrence falls between two (nor between the probe and the first window).
        var start = Swift.max(from, probeEnd - (maxLength - 1))
        var window = Swift.max(16384, 2 * maxLength)
        while start < to {
            let end = Swift.min(to, start + window)
            var best = Int.max
            _ = forEachOccurrence(in: bytes, from: start, to: end, vectorscan: true) { _, _, e in
                best = Swift.min(best, e)
                return false
            }
            if best != .max { return best }
            if end == to { return nil }
            start = end - (maxLength - 1)
            window = Swift.min(window * 2, 1 << 20)
        }
        return nil
    }

    // MARK: grep semantics

    /// Where a line that may match starts to be looked for: a position in the line of the first
    /// occurrence (every line is a candidate when the empty pattern is in the set).
    func candidate(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        if containsEmpty { return from <= to ? from : nil }
        return firstEnd(in: bytes, from: from, to: to).map { $0 - 1 }
    }

    /// The lines of `bytes[from..<to]` that hold an occurrence, in one Vectorscan pass over the
    /// whole region (small sets only; `nil` otherwise, and when the empty pattern is in the set).
    /// With `skippingJSONKeys`, an occurrence that ends with `"` and is followed by optional
    /// white space and `:` does not count (`where`'s value literals: `"error"` there is a key).
    func regionHits(in bytes: UnsafeRawBufferPointer, from: Int, to: Int, skippingJSONKeys: Bool = false) -> RegionHits? {
        guard findsRegionHits, !containsEmpty, from < to, to - from <= Int(UInt32.max),
              let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var hits = sluice_line_hits()
        hits.hay = base + from
        hits.length = to - from
        hits.skips_json_keys = skippingJSONKeys ? 1 : 0
        defer { sluice_line_hits_free(&hits) }
        if let teddy = teddyByRareBytes ?? teddy {
            guard sluice_teddy_scan(teddy, base + from, to - from, sluice_line_hit, &hits) == 0, hits.failed == 0
            else { return nil }
        } else if let hyperscan {
            guard hyperscan.collectLines(base + from, count: to - from, into: &hits) else { return nil }
        }
        return RegionHits(hits, offset: from, confirmAll: confirmsPerLine)
    }

    /// Candidates need `lineMatches` with `-w` and `-x`.
    var confirmsPerLine: Bool { wholeWord || wholeLine }

    private func isWordBounded(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        (start == 0 || !Self.isWordByte(line[start - 1])) && (end == line.count || !Self.isWordByte(line[end]))
    }

    /// With `-w`, the empty pattern matches where neither neighbour is a word byte.
    private func emptyMatchesAsWord(_ line: UnsafeRawBufferPointer) -> Bool {
        if line.isEmpty { return true }
        for p in 0...line.count where isWordBounded(line, p, p) { return true }
        return false
    }

    func lineMatches(_ line: UnsafeRawBufferPointer) -> Bool {
        if wholeLine {
            if line.isEmpty { return containsEmpty }
            guard count > 0, let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
            return sluice_litset_lookup(table, base, line.count) >= 0
        }
        if wholeWord {
            if containsEmpty && emptyMatchesAsWord(line) { return true }
            return forEachOccurrence(in: line, from: 0, to: line.count) { _, s, e in isWordBounded(line, s, e) }
        }
        if containsEmpty { return true }
        return forEachOccurrence(in: line, from: 0, to: line.count) { _, _, _ in true }
    }

    /// The non-empty matches GNU grep prints for `-o` (and colours): at each step the leftmost
    /// start, the longest literal there, then on after it. With `-w` see ``wordExtents``
    /// (ASCII word bytes, as GNU's fixed-string matcher in the C locale).
    func matchRanges(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        if wholeLine { return !line.isEmpty && lineMatches(line) ? [0..<line.count] : [] }
        if wholeWord { return wordExtents(in: line, unicode: false, previousEndIsBoundary: true) }
        var found: [(start: Int, end: Int)] = []
        _ = forEachOccurrence(in: line, from: 0, to: line.count) { _, s, e in
            found.append((s, e))
            return false
        }
        found.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var ranges: [Range<Int>] = []
        var next = 0
        for o in found where o.start >= next {
            ranges.append(o.start..<o.end)
            next = o.end
        }
        return ranges
    }

    /// The `-o` extents of these literals under `-w`, as GNU grep 3.8 prints them.
    ///
    /// Each search starts where the last match ended (or one byte after an empty match) and
    /// takes the leftmost start whose character before is no word character, with the longest
    /// literal there that the character after does not continue; a start whose longest literal
    /// fails is tried with the shorter ones that start there. Word characters are `unicode`
    /// letters and digits (and `_`), or ASCII word bytes.
    ///
    /// With `previousEndIsBoundary`, the start of a search counts as a word boundary whatever
    /// comes before it: GNU's fixed-string matcher (`Fexecute`, which GNU uses for `-F` lists, a
    /// `-F` pattern in a UTF-8 locale and lists of plain BREs and EREs) looks back no further
    /// than where the search starts, so `b-ab` with `b` and `-ab` prints both. Its regex matcher
    /// (a single BRE or ERE, `-F` patterns it cannot fold) looks at the real character before.
    func wordExtents(in line: UnsafeRawBufferPointer, unicode: Bool, previousEndIsBoundary: Bool) -> [Range<Int>] {
        // Every occurrence's length by start, longest first (the empty pattern: every start).
        var lengths: [Int: [Int]] = [:]
        _ = forEachOccurrence(in: line, from: 0, to: line.count) { _, s, e in
            lengths[s, default: []].append(e - s)
            return false
        }
        if containsEmpty { for p in 0...line.count { lengths[p, default: []].append(0) } }
        for key in lengths.keys { lengths[key]!.sort(by: >) }
        let starts = lengths.keys.sorted()
        var ranges: [Range<Int>] = []
        var cur = 0
        var k = 0  // the first start at or after the search's position
        search: while cur < line.count || (cur == line.count && containsEmpty) {
            // One search from `cur` (GNU's Fexecute with start_ptr, or EGexecute).
            var lookBack = cur  // where the character before may be looked at from
            var position = cur
            while true {
                while k < starts.count && starts[k] < position { k += 1 }
                guard k < starts.count else { break search }
                let p = starts[k]
                let before = p == lookBack && previousEndIsBoundary ? false : UTF8Word.wordBefore(line, p, unicode: unicode)
                if !before, let length = lengths[p]!.first(where: { !UTF8Word.wordAfter(line, p + $0, unicode: unicode) }) {
                    if length == 0 {
                        cur = p + 1
                    } else {
                        ranges.append(p..<p + length)
                        cur = p + length
                    }
                    continue search
                }
                // No match at p: skip the word characters from p (none can start a word), and a byte.
                lookBack = p + UTF8Word.wordLength(line, at: p, unicode: unicode)
                position = lookBack + 1
            }
        }
        return ranges
    }
}

/// What a scan's callback reaches through its context pointer.
private struct Visit {
    let body: (Int, Int, Int) -> Bool
    let lengths: UnsafePointer<Int>
    let offset: Int
}

/// A Vectorscan block-mode database of literals and its scratch pool.
///
/// `@unchecked Sendable`: the database is immutable after compilation and may be shared by
/// threads (Vectorscan documents this); scratch space, which may not, is taken from a locked
/// free list by one scan at a time and given back.
final class HyperscanLiterals: @unchecked Sendable {
    private let database: OpaquePointer
    private let prototype: OpaquePointer
    private let free = Locked<[UInt]>([])

    /// `nil` when Vectorscan refuses the set (then the hashed engine is used).
    init?(_ flat: [UInt8], offsets: [Int], caseless: Bool) {
        guard VectorscanTarget.current.usable else { return nil }
        let n = offsets.count - 1
        var database: OpaquePointer?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let flags = [UInt32](repeating: caseless ? UInt32(HS_FLAG_CASELESS) : 0, count: n)
        let ids = (0..<n).map { UInt32($0) }
        let lens = (0..<n).map { offsets[$0 + 1] - offsets[$0] }
        let status = flat.withUnsafeBufferPointer { bytes -> hs_error_t in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            let starts: [UnsafePointer<CChar>?] = (0..<n).map { base + offsets[$0] }
            return VectorscanTarget.current.withPlatform { platform in
                hs_compile_lit_multi(starts, flags, ids, lens, UInt32(n), UInt32(HS_MODE_BLOCK), platform, &database, &error)
            }
        }
        if status != HS_SUCCESS {
            if let error { hs_free_compile_error(error) }
            return nil
        }
        var scratch: OpaquePointer?
        guard let database, hs_alloc_scratch(database, &scratch) == HS_SUCCESS, let scratch else {
            if let database { hs_free_database(database) }
            return nil
        }
        self.database = database
        prototype = scratch
    }

    deinit {
        for block in free.withLock({ $0 }) { hs_free_scratch(OpaquePointer(bitPattern: block)) }
        hs_free_scratch(prototype)
        hs_free_database(database)
    }

    /// Scans `count` bytes at `base`, reporting to the ``Visit`` at `context`; true when stopped.
    fileprivate func scan(_ base: UnsafePointer<UInt8>, count: Int, context: UnsafeMutablePointer<Visit>) -> Bool {
        let scratch = take()
        defer { give(scratch) }
        let status = base.withMemoryRebound(to: CChar.self, capacity: count) { chars in
            VectorscanTarget.current.scan(database, chars, UInt32(count), scratch, { id, _, end, _, context in
                let visit = context!.assumingMemoryBound(to: Visit.self)
                let e = Int(end) + visit.pointee.offset
                return visit.pointee.body(Int(id), e - visit.pointee.lengths[Int(id)], e) ? 1 : 0
            }, context)
        }
        // A literal database needs no more than its scratch; any other status is a broken
        // invariant, and a silent miss would be the worst outcome.
        precondition(status == HS_SUCCESS || status == HS_SCAN_TERMINATED, "Vectorscan scan failed: \(status)")
        return status == HS_SCAN_TERMINATED
    }

    /// Scans `count` bytes at `base` into `hits` (see `sluice_line_hit`); false when the
    /// collection ran out of memory.
    func collectLines(_ base: UnsafePointer<UInt8>, count: Int, into hits: UnsafeMutablePointer<sluice_line_hits>) -> Bool {
        let scratch = take()
        defer { give(scratch) }
        let status = base.withMemoryRebound(to: CChar.self, capacity: count) { chars in
            VectorscanTarget.current.scan(database, chars, UInt32(count), scratch, sluice_line_hit, hits)
        }
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
