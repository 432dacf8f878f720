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

    public init() {}
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

        init(base: Base.AsyncIterator, matcher: Matcher, wholeBuffer: Bool, options: GrepOptions) {
            self.base = base
            self.matcher = matcher
            self.options = options
            selector = LineSelector(matcher: matcher, wholeBuffer: wholeBuffer, options: options)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if let failure = selector.takeFailure() { throw failure }
            if finished { return nil }
            while let batch = try await base.next(isolation: actor) {
                if batch.endsSource {
                    if !batch.isNotice { selector.endSource() }
                    return batch
                }
                if options.endsAtLimit && selector.isDone {
                    finished = true
                    return .endOfSource(batch.sourceName, keepsCarriageReturn: batch.keepsCarriageReturn)
                }
                if let selected = try selector.select(from: batch) { return selected }
            }
            return nil
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncGrepSequence: Sendable where Base: Sendable {}

/// The selection logic of grep, one batch at a time, with the state that crosses batches
/// (selected count, pending after-context, the before-context ring).
struct LineSelector {
    private let matcher: Matcher
    private let wholeBuffer: Bool
    private let options: GrepOptions
    private var selectedInSource = 0
    private var afterRemaining = 0
    /// The last lines seen that were not output, for `-B`.
    private var beforeRing: [Line] = []
    /// The number of the last line output in this source, for group separators.
    private var lastOutputNumber: Int?
    private var outputAnything = false
    private var out = OutputBuilder()
    /// A match failure met in the middle of a batch: the lines selected before it are returned
    /// first, then this is thrown.
    private var failure: (any Error)?

    init(matcher: Matcher, wholeBuffer: Bool = true, options: GrepOptions) {
        self.matcher = matcher
        self.wholeBuffer = wholeBuffer
        self.options = options
    }

    private var limitReached: Bool { options.maxCount.map { selectedInSource >= $0 } ?? false }
    /// The limit is reached and no trailing context is due: nothing more of this source prints.
    var isDone: Bool { limitReached && afterRemaining == 0 }
    private var usesContext: Bool { options.beforeContext > 0 || options.afterContext > 0 || options.separatesGroups }

    /// The failure to throw now that the lines before it were returned.
    mutating func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    mutating func endSource() {
        selectedInSource = 0
        afterRemaining = 0
        beforeRing.removeAll()
        lastOutputNumber = nil
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
        let confirm = matcher.confirmsPerLine
        var entries: [LineBatch.Entry] = []
        try batch.storage.withUnsafeBytes { bytes in
            var position = region.lowerBound
            var countedTo = region.lowerBound
            var lineNumber = batch.firstLineNumber
            // Set matchers find every line with a hit in one pass over the region.
            let hits = try matcher.regionHits(in: bytes, from: region.lowerBound, to: region.upperBound)
            var hitIndex = 0
            while position < region.upperBound, !limitReached {
                let hit: Int
                var confirm = confirm
                if let hits {
                    while hitIndex < hits.positions.count && hits.positions[hitIndex] < position { hitIndex += 1 }
                    guard hitIndex < hits.positions.count else { break }
                    hit = hits.positions[hitIndex]
                    confirm = hits.confirms[hitIndex]
                    hitIndex += 1
                } else {
                    guard let found = try matcher.candidate(in: bytes, from: position, to: region.upperBound),
                          // an empty match after the region's last line feed is no line
                          found < region.upperBound || found == region.lowerBound || bytes[found - 1] != ByteSearch.newline
                    else { break }
                    hit = found
                }
                let lineStart = (ByteSearch.last(ByteSearch.newline, in: bytes, from: position, to: hit) ?? (position - 1)) + 1
                let lineEnd = ByteSearch.first(ByteSearch.newline, in: bytes, from: hit, to: region.upperBound) ?? region.upperBound
                var contentEnd = lineEnd
                if !batch.keepsCarriageReturn && contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                position = lineEnd + 1
                if try confirm && !matcher.lineMatches(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<contentEnd])) { continue }
                if options.numbersLines {
                    lineNumber += ByteSearch.count(ByteSearch.newline, in: bytes, from: countedTo, to: lineStart)
                    countedTo = lineStart
                }
                entries.append(.init(range: lineStart..<contentEnd, number: options.numbersLines ? lineNumber : 0,
                                     byteOffset: batch.firstByteOffset + Int64(lineStart - region.lowerBound),
                                     isContext: false, startsGroup: false))
                selectedInSource += 1
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
                for earlier in beforeRing { emit(earlier, isContext: true) }
                beforeRing.removeAll(keepingCapacity: true)
                emit(line, isContext: false)
                selectedInSource += 1
                afterRemaining = options.afterContext
            } else if afterRemaining > 0 {
                emit(line, isContext: true)
                afterRemaining -= 1
            } else if options.beforeContext > 0 {
                if beforeRing.count == options.beforeContext { beforeRing.removeFirst() }
                beforeRing.append(line)
            }
        }
    }

    private mutating func emit(_ line: Line, isContext: Bool) {
        let startsGroup = usesContext && outputAnything && lastOutputNumber.map { line.number != $0 + 1 } ?? true
        line.withUnsafeBytes {
            out.append($0, number: line.number, byteOffset: line.byteOffset, isContext: isContext,
                       startsGroup: startsGroup && outputAnything)
        }
        lastOutputNumber = line.number
        outputAnything = true
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
