extension AsyncSequence where Element == LineBatch {
    /// Keeps the lines that match `pattern` (or, inverted, that do not), with optional context
    /// lines and a limit on selected lines per source, as GNU grep selects them.
    ///
    /// Without inversion or context the whole buffer is searched at once, line bounds are
    /// located only around hits, and the batches it yields list the selected lines in the
    /// input's own buffer. Otherwise every line is tested and the selected and context lines
    /// are copied (context may come from an earlier buffer).
    /// Per-source state (the limit, context) restarts at each ``LineBatch/endsSource`` marker,
    /// which is passed on.
    public func grep(_ pattern: GrepPattern, options: GrepOptions = GrepOptions()) -> AsyncGrepSequence<Self> {
        AsyncGrepSequence(base: self, pattern: pattern, options: options)
    }

    /// Keeps the lines that contain a match of the PCRE2 pattern `pattern`.
    public func grep(_ pattern: String, ignoreCase: Bool = false, invert: Bool = false) throws -> AsyncGrepSequence<Self> {
        var options = GrepOptions()
        options.invert = invert
        return grep(try GrepPattern(pattern, ignoreCase: ignoreCase), options: options)
    }
}

/// How ``_Concurrency/AsyncSequence/grep(_:options:)`` selects lines.
public struct GrepOptions: Sendable {
    /// Select the lines that do not match (`-v`).
    public var invert = false
    /// Stop selecting after this many lines per source (`-m`); trailing context still follows.
    public var maxCount: Int?
    /// Lines of context before each selected line (`-B`).
    public var beforeContext = 0
    /// Lines of context after each selected line (`-A`).
    public var afterContext = 0
    /// Number the selected lines. Costs a count of the line endings between hits; turn off
    /// when numbers are not needed (they are then 0).
    public var numbersLines = true
    /// End the stream once the limit is reached and its trailing context is out (an end marker
    /// for the source, then nothing), so that its input is no longer read: for a stream of one
    /// source, as `grep -m`, `-l` and `-q` stop reading a file. Off, later sources are still searched.
    public var endsAtLimit = false
    /// Mark a selected line that does not follow the last line output as starting a group
    /// (grep prints `--` there) even without context lines: GNU grep does so whenever a
    /// context option is given, `-A 0` included.
    public var separatesGroups = false
    /// How a source that holds a NUL byte is searched (GNU grep's `--binary-files`). With
    /// `.text`, the default, every byte is text.
    public var binaryFiles = BinaryFiles.text
    /// The size of the reads GNU grep makes of a regular file (96 KiB): with ``binaryFiles``
    /// `.binary`, the lines that end in a read before the one that holds the source's first
    /// NUL byte are searched as text, the rest as binary. `nil` takes each batch as one read (as
    /// grep reads a pipe, in the pieces it is written in): for a live stream, whose lines must
    /// not wait for the next batch.
    public var binaryReadSize: Int? = GrepOptions.gnuReadSize
    /// In a binary source, go on selecting (to count them, as `grep -c` does) instead of
    /// stopping at the first selected line.
    public var countsBinaryLines = false
    /// GNU grep's rule for the lines it prints in a UTF-8 locale (unless `-a`): a line to be
    /// output that is not text to the C library's UTF-8 (a byte that starts no character, a
    /// truncated or overlong form, a surrogate) is not output. It is still selected (numbered,
    /// counted towards ``maxCount``), and the source's end marker says so
    /// (``LineBatch/binaryMatch``), so that a printer reports `NAME: binary file matches` after
    /// the source's other lines. Set it where lines are output whole: not for counts, names or
    /// `-o` (GNU checks only the match, which is valid UTF-8). With context lines, or with
    /// ``binaryFiles`` `.withoutMatch`, such a line is an error: GNU then prints other lines
    /// than those around it (its after-context restarts from the last line it printed), or
    /// exits 0 having printed nothing, and neither is copied here.
    public var suppressesUndecodableLines = false
    /// Search up to this many batches ahead, each in a task of its own, while the batch before
    /// them is selected and printed: the pattern's work (a regex over every byte) then runs
    /// on every core, in order. Only where the lines are found by searching whole batches (no
    /// `invert`, no context); 0 searches each batch when it is selected. Set it for an input
    /// read whole, such as a regular file: the stage reads this many batches before it yields
    /// the first, which a live stream must not wait for.
    ///
    /// Measured on the 1 GiB corpus, 2 cores, `-c -E '(error|fail(ed|ure)?)[^ ]* [0-9]+'`: 1.10 s
    /// searched in turn, 1.03 s with 2 ahead, 0.61 s with 4, 0.57 s with 8 (rg 0.56 s); a literal
    /// (`Failed password`) 0.41 s in turn and 0.49 s with 8 (its SIMD search runs at the speed
    /// of memory, and is best done while the read bytes are in the reading core's cache), so one
    /// literal is always searched in turn; peak RSS 17.6 MiB in turn, 20.8 MiB with 8. Batches of
    /// a file are a quarter to one MiB, so a task searches for a fraction of a millisecond:
    /// fewer than 4 in flight leave a core waiting.
    public var scansAhead = 0

    /// The size of GNU grep 3.8's reads of a regular file (when its lines are shorter than a few KiB).
    public static let gnuReadSize = 96 << 10

    public init() {}
}

/// How grep treats a source that holds a NUL byte (GNU grep's `--binary-files=TYPE`).
///
/// GNU grep calls such a source binary. Once its NUL has been read (see
/// ``GrepOptions/binaryReadSize``), a NUL byte ends a line as LF does, and:
public enum BinaryFiles: Sendable {
    /// the first line selected after it ends the source: it is not output, and the source's end
    /// marker says so (``LineBatch/binaryMatch``), so that a printer reports
    /// `NAME: binary file matches`. Lines selected before are output as usual.
    case binary
    /// nothing: every byte is text (`-a`, `--binary-files=text`).
    case text
    /// the source ends there and is skipped (``LineBatch/skippedAsBinary``): `-I`,
    /// `--binary-files=without-match`.
    case withoutMatch
}

/// An asynchronous sequence of the selected lines; see ``_Concurrency/AsyncSequence/grep(_:options:)``.
public struct AsyncGrepSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let pattern: GrepPattern
    let options: GrepOptions

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), matcher: pattern.matcher,
                 wholeBuffer: pattern.matchesWithinLineOnly, options: options)
    }

    /// Yields one batch of selected (and context) lines per input batch that has any, and
    /// passes end-of-source markers on.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let matcher: Matcher
        private let options: GrepOptions
        private var selector: LineSelector
        private var finished = false
        /// Batches read ahead of the one being searched, to know whether the lines at its end
        /// are text or binary (a NUL in the next read makes them binary, as in GNU grep).
        private var lookahead: [LineBatch] = []
        private var lookaheadIndex = 0
        private var baseEnded = false
        private var baseError: (any Error)?
        /// Selected lines waiting to be yielded (a batch may give several).
        private var ready: [LineBatch] = []
        private var readyIndex = 0
        /// The batches taken from the base and being searched ahead (``GrepOptions/scansAhead``),
        /// oldest first; `nil` when batches are not searched ahead.
        private var ahead: [Ahead]?
        private var aheadLimit = 0
        private var aheadEnded = false
        private var aheadError: (any Error)?

        private enum Ahead {
            case ready(LineBatch)
            case searching(Task<LineBatch, Never>)
        }

        init(base: Base.AsyncIterator, matcher: Matcher, wholeBuffer: Bool, options: GrepOptions) {
            self.base = base
            self.matcher = matcher
            self.options = options
            selector = LineSelector(matcher: matcher, wholeBuffer: wholeBuffer, options: options)
            if options.scansAhead > 0 && wholeBuffer && !options.invert && !selector.usesContext && matcher.gainsFromSearchingAhead {
                ahead = []
                aheadLimit = options.scansAhead
            }
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while true {
                if readyIndex < ready.count {
                    defer { readyIndex += 1 }
                    return ready[readyIndex]
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if let failure = selector.takeFailure() { throw failure }
                if finished { return nil }
                guard let batch = try await fetch(isolation: actor) else { return nil }
                if batch.endsSource {
                    if batch.isNotice { return batch }
                    return selector.endSource(batch)
                }
                if options.endsAtLimit && selector.isDone {
                    finished = true
                    return selector.endSource(.endOfSource(batch.sourceName, keepsCarriageReturn: batch.keepsCarriageReturn))
                }
                if let limit = selector.lookaheadLimit(for: batch) {
                    await readAhead(to: limit, isolation: actor)
                }
                try selector.select(from: batch, following: lookahead[lookaheadIndex...], into: &ready)
            }
        }

        /// The next batch: read ahead, or from the base.
        private mutating func fetch(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if lookaheadIndex < lookahead.count {
                defer {
                    lookaheadIndex += 1
                    if lookaheadIndex == lookahead.count { lookahead.removeAll(keepingCapacity: true); lookaheadIndex = 0 }
                }
                return lookahead[lookaheadIndex]
            }
            if let error = baseError { baseError = nil; baseEnded = true; throw error }
            if baseEnded { return nil }
            guard let batch = try await nextFromBase(isolation: actor) else { baseEnded = true; return nil }
            return batch
        }

        /// The base's next batch; with ``GrepOptions/scansAhead``, the oldest of those taken
        /// ahead, once its search ended (the base's failure comes after the batches before it).
        private mutating func nextFromBase(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            guard ahead != nil else { return try await base.next(isolation: actor) }
            while ahead!.count < aheadLimit && !aheadEnded {
                do {
                    guard let batch = try await base.next(isolation: actor) else { aheadEnded = true; break }
                    if batch.entries == nil && !batch.endsSource && !batch.region.isEmpty {
                        let matcher = self.matcher
                        ahead!.append(.searching(Task.detached { LineSelector.searched(batch, with: matcher) }))
                    } else {
                        ahead!.append(.ready(batch))
                    }
                } catch {
                    aheadError = error
                    aheadEnded = true
                }
            }
            guard !ahead!.isEmpty else {
                if let error = aheadError { aheadError = nil; throw error }
                return nil
            }
            switch ahead!.removeFirst() {
            case .ready(let batch): return batch
            case .searching(let task): return await task.value
            }
        }

        /// Reads batches ahead until they reach stream offset `limit`, the source ends, or the
        /// base fails (the failure is thrown once the batches before it are searched).
        private mutating func readAhead(to limit: Int64, isolation actor: isolated (any Actor)?) async {
            var reached = lookahead[lookaheadIndex...].last.map(LineSelector.end(of:)) ?? 0
            while reached < limit, !baseEnded, baseError == nil {
                do {
                    guard let batch = try await nextFromBase(isolation: actor) else { baseEnded = true; return }
                    lookahead.append(batch)
                    reached = LineSelector.end(of: batch)
                } catch {
                    baseError = error
                }
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncGrepSequence: Sendable where Base: Sendable {}

/// The selection logic of grep, one batch at a time, with the state that crosses batches
/// (selected count, pending after-context, the before-context ring).
struct LineSelector {
    let matcher: Matcher
    private let wholeBuffer: Bool
    let options: GrepOptions
    var selectedInSource = 0
    var afterRemaining = 0
    /// The last lines seen that were not output, for `-B`.
    private var beforeRing: [Line] = []
    /// The number of the last line output in this source, for group separators.
    var lastOutputNumber: Int?
    var outputAnything = false
    var out = OutputBuilder()
    /// What is known of the source's NUL bytes (``GrepOptions/binaryFiles``).
    var binary = BinaryState()
    /// A match failure met in the middle of a batch: the lines selected before it are returned
    /// first, then this is thrown.
    var failure: (any Error)?

    init(matcher: Matcher, wholeBuffer: Bool = true, options: GrepOptions) {
        self.matcher = matcher
        self.wholeBuffer = wholeBuffer
        self.options = options
    }

    var limitReached: Bool { options.maxCount.map { selectedInSource >= $0 } ?? false }
    /// The limit is reached and no trailing context is due, or the source turned out binary and
    /// its answer is known: nothing more of this source prints.
    var isDone: Bool { (limitReached && afterRemaining == 0) || binary.ended }
    var usesContext: Bool { options.beforeContext > 0 || options.afterContext > 0 || options.separatesGroups }

    /// `batch` with the lines of its region that match (unchanged if the matcher fails
    /// there: the selector then searches it, and reports the failure, itself).
    static func searched(_ batch: LineBatch, with matcher: Matcher) -> LineBatch {
        var lines: [Range<Int>] = []
        do {
            try batch.storage.withUnsafeBytes { bytes in
                try matcher.forEachMatchingLine(in: bytes, region: batch.region, keepsCarriageReturn: batch.keepsCarriageReturn) {
                    lines.append($0)
                    return true
                }
            }
        } catch {
            return batch
        }
        var found = batch
        found.matchingLines = lines
        return found
    }

    /// The failure to throw now that the lines before it were returned.
    mutating func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    /// Ends the source: the marker to pass on (it says whether the source was binary).
    mutating func endSource(_ marker: LineBatch) -> LineBatch {
        let binary = self.binary
        selectedInSource = 0
        afterRemaining = 0
        beforeRing.removeAll()
        lastOutputNumber = nil
        self.binary = BinaryState()
        guard binary.matched || binary.skipped || binary.seen || binary.undecodable else { return marker }
        return .endOfBinarySource(marker.sourceName, keepsCarriageReturn: marker.keepsCarriageReturn,
                                  binaryMatch: binary.matched || (binary.undecodable && !binary.skipped), skipped: binary.skipped,
                                  failure: marker.failure, holdsNul: binary.matched || binary.skipped || binary.seen)
    }

    /// The selected and context lines of `batch`, appended to `output`. `following` are the
    /// batches read after it, if any (see ``lookaheadLimit(for:)``).
    mutating func select(from batch: LineBatch, following: ArraySlice<LineBatch>, into output: inout [LineBatch]) throws {
        if isDone { return }
        if options.binaryFiles == .text { if let selected = try select(from: batch) { output.append(selected) }; return }
        if binary.seen { selectBinaryReporting(from: batch, into: &output); return }
        guard let split = binarySplit(batch, following: following) else {
            if let selected = try select(from: batch) { output.append(selected) }
            return
        }
        let (text, rest) = batch.split(at: split)
        if let text, let selected = try select(from: text) { output.append(selected) }
        // An answer known before the NUL's read (-m, -l, -q) never sees it, as in GNU grep.
        if limitReached && afterRemaining == 0 { return }
        if options.binaryFiles == .withoutMatch { binary.skipped = true; return }
        binary.seen = true
        if let rest { selectBinaryReporting(from: rest, into: &output) }
    }

    /// ``selectBinary(from:into:)``, keeping a match failure to throw after the lines before it.
    private mutating func selectBinaryReporting(from batch: LineBatch, into output: inout [LineBatch]) {
        do {
            try selectBinary(from: batch, into: &output)
        } catch let error as SluiceError {
            failure = batch.sourceName.map { error.naming($0) } ?? error
        } catch {
            failure = error
        }
    }

    /// The selected and context lines of `batch`, or `nil` when there are none.
    mutating func select(from batch: LineBatch) throws -> LineBatch? {
        if limitReached && afterRemaining == 0 { return nil }
        if batch.entries == nil && !options.invert && !usesContext && wholeBuffer {
            // A regex that gives up on the whole region may still decide line by line.
            let selectedBefore = selectedInSource
            do { return try scanRegion(batch) } catch { selectedInSource = selectedBefore }
        }
        out.reset()
        do {
            try scanLines(batch)
        } catch let error as SluiceError {
            failure = batch.sourceName.map { error.naming($0) } ?? error
        }
        return out.finish(keepsCarriageReturn: batch.keepsCarriageReturn, sourceName: batch.sourceName)
    }

    /// The fast path: search the whole region, find the line around each hit. The selected
    /// lines are listed as ranges of the batch's own buffer: nothing is copied.
    private mutating func scanRegion(_ batch: LineBatch) throws -> LineBatch? {
        let region = batch.region
        var entries: [LineBatch.Entry] = []
        try batch.storage.withUnsafeBytes { bytes in
            var countedTo = region.lowerBound
            var lineNumber = batch.firstLineNumber
            func take(_ line: Range<Int>) throws -> Bool {
                guard !limitReached else { return false }
                if options.suppressesUndecodableLines,
                   !UTF8Text.isValid(UnsafeRawBufferPointer(rebasing: bytes[line])) {
                    try undecodable(number: nil, source: batch.sourceName)
                    selectedInSource += 1
                    return true
                }
                if options.numbersLines {
                    lineNumber += ByteSearch.count(ByteSearch.newline, in: bytes, from: countedTo, to: line.lowerBound)
                    countedTo = line.lowerBound
                }
                entries.append(.init(range: line, number: options.numbersLines ? lineNumber : 0,
                                     byteOffset: batch.firstByteOffset + Int64(line.lowerBound - region.lowerBound),
                                     isContext: false, startsGroup: false))
                selectedInSource += 1
                return true
            }
            if let lines = batch.matchingLines {
                for line in lines { guard try take(line) else { break } }
            } else {
                try matcher.forEachMatchingLine(in: bytes, region: region, keepsCarriageReturn: batch.keepsCarriageReturn, take)
            }
        }
        guard !entries.isEmpty else { return nil }
        outputAnything = true
        return LineBatch(storage: batch.storage, entries: entries, keepsCarriageReturn: batch.keepsCarriageReturn,
                         sourceName: batch.sourceName)
    }

    /// The general path: every line is tested (inversion, context, listed batches).
    private mutating func scanLines(_ batch: LineBatch) throws {
        for line in batch {
            if limitReached && afterRemaining == 0 { return }
            let matched: Bool
            do {
                matched = try line.withUnsafeBytes { try matcher.lineMatches($0) } != options.invert
            } catch let failure as MatchFailure {
                throw failure.error(line: line)
            }
            if matched && !limitReached {
                for earlier in beforeRing { try emit(earlier, isContext: true, source: batch.sourceName) }
                beforeRing.removeAll(keepingCapacity: true)
                try emit(line, isContext: false, source: batch.sourceName)
                selectedInSource += 1
                afterRemaining = options.afterContext
            } else if afterRemaining > 0 {
                try emit(line, isContext: true, source: batch.sourceName)
                afterRemaining -= 1
            } else if options.beforeContext > 0 {
                if beforeRing.count == options.beforeContext { beforeRing.removeFirst() }
                beforeRing.append(line)
            }
        }
    }

    private mutating func emit(_ line: Line, isContext: Bool, source: String?) throws {
        if options.suppressesUndecodableLines, !line.withUnsafeBytes(UTF8Text.isValid) {
            try undecodable(number: line.number, source: source)
            return
        }
        let startsGroup = usesContext && outputAnything && lastOutputNumber.map { line.number != $0 + 1 } ?? true
        line.withUnsafeBytes {
            out.append($0, number: line.number, byteOffset: line.byteOffset, isContext: isContext,
                       startsGroup: startsGroup && outputAnything)
        }
        lastOutputNumber = line.number
        outputAnything = true
    }
}

extension LineSelector {
    /// A line to be output is not valid UTF-8 (see ``GrepOptions/suppressesUndecodableLines``):
    /// noted for the source's end marker, or an error where GNU's answer is not copied.
    mutating func undecodable(number: Int?, source: String?) throws {
        if usesContext || options.binaryFiles == .withoutMatch {
            let line = number.map { "line \($0) of " } ?? "a line of "
            throw SluiceError.invalidArgument("unsupported: \(line)\(source ?? "(standard input)") is not valid UTF-8, and GNU grep "
                + (usesContext ? "prints other context lines around a line it does not print"
                               : "with --binary-files=without-match (-I) exits 0 without printing it")
                + "; search with -a (--text) to print it, or in the C locale (LC_ALL=C)")
        }
        binary.undecodable = true
    }
}

/// Collects copied lines into one buffer and the entries that describe them.
struct OutputBuilder {
    private var storage: [UInt8] = []
    private var entries: [LineBatch.Entry] = []

    var isEmpty: Bool { entries.isEmpty }

    mutating func reset() {
        storage = []
        entries = []
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer, number: Int, byteOffset: Int64, isContext: Bool, startsGroup: Bool) {
        if storage.isEmpty { storage.reserveCapacity(Swift.max(4096, bytes.count)) }
        let start = storage.count
        storage.append(contentsOf: bytes)
        entries.append(.init(range: start..<storage.count, number: number, byteOffset: byteOffset,
                             isContext: isContext, startsGroup: startsGroup))
    }

    mutating func finish(keepsCarriageReturn: Bool, sourceName: String?) -> LineBatch? {
        guard !entries.isEmpty else { return nil }
        return LineBatch(storage: storage, entries: entries, keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
    }
}

extension Matcher {
    /// Calls `body` with each line of `bytes[region]` that matches (its range without the line
    /// feed, and without a CR before it unless `keepsCarriageReturn`), in order, found by
    /// searching the whole region and confirming only the lines around hits; `body` returns
    /// `false` to stop. Lines are LF-separated.
    func forEachMatchingLine(in bytes: UnsafeRawBufferPointer, region: Range<Int>, keepsCarriageReturn: Bool,
                             _ body: (Range<Int>) throws -> Bool) throws {
        let confirmsAll = confirmsPerLine
        var position = region.lowerBound
        // Set matchers find every line with a hit in one pass over the region.
        let hits = try regionHits(in: bytes, from: region.lowerBound, to: region.upperBound)
        var hitIndex = 0
        while position < region.upperBound {
            let hit: Int
            var confirm = confirmsAll
            if let hits {
                while hitIndex < hits.positions.count && hits.positions[hitIndex] < position { hitIndex += 1 }
                guard hitIndex < hits.positions.count else { return }
                hit = hits.positions[hitIndex]
                confirm = hits.confirms[hitIndex]
                hitIndex += 1
            } else {
                guard let (found, confirms) = try confirmableCandidate(in: bytes, from: position, to: region.upperBound),
                      // an empty match after the region's last line feed is no line
                      found < region.upperBound || found == region.lowerBound || bytes[found - 1] != ByteSearch.newline
                else { return }
                hit = found
                confirm = confirms
            }
            let lineStart = (ByteSearch.last(ByteSearch.newline, in: bytes, from: position, to: hit) ?? (position - 1)) + 1
            let lineEnd = ByteSearch.first(ByteSearch.newline, in: bytes, from: hit, to: region.upperBound) ?? region.upperBound
            var contentEnd = lineEnd
            if !keepsCarriageReturn && contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            position = lineEnd + 1
            if try confirm && !lineMatches(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<contentEnd])) { continue }
            guard try body(lineStart..<contentEnd) else { return }
        }
    }
}
