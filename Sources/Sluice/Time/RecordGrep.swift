extension AsyncSequence where Element == LineBatch {
    /// Selects whole records: a line with a timestamp (see ``LogTime``) and the lines without
    /// one after it (a Java stack trace, say) are one record, which is selected when any of its
    /// lines matches `pattern` (with `invert`, when none does), and then all its lines pass.
    /// Lines before a source's first timestamp form a record of their own. A source none of
    /// whose lines (in its first MiB, or at all) starts with a timestamp the parser reads fails
    /// with ``SluiceError/Kind/noTimestamp`` and nothing of it is selected: each of its lines
    /// would be one record of a single, unbounded record. `maxCount` limits
    /// the records selected per source; with `firstLinesOnly` only each selected record's first
    /// line passes (what `grep -c`, `-l` and `-q` need: one line per record).
    public func grepRecords(_ pattern: GrepPattern, parser: LogTime, options: RecordGrepOptions = RecordGrepOptions())
        -> AsyncRecordGrepSequence<Self> {
        AsyncRecordGrepSequence(base: self, pattern: pattern, parser: parser, options: options)
    }
}

/// How ``_Concurrency/AsyncSequence/grepRecords(_:parser:options:)`` selects records.
public struct RecordGrepOptions: Sendable {
    /// Select the records none of whose lines match (`-v`).
    public var invert = false
    /// Stop after this many records per source (`-m`).
    public var maxCount: Int?
    /// Pass only the first line of each selected record.
    public var firstLinesOnly = false
    public init() {}
}

/// An asynchronous sequence of the lines of selected records; see
/// ``_Concurrency/AsyncSequence/grepRecords(_:parser:options:)``.
public struct AsyncRecordGrepSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let pattern: GrepPattern
    let parser: LogTime
    let options: RecordGrepOptions

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), matcher: pattern.matcher, wholeBuffer: pattern.matchesWithinLineOnly,
                 parser: parser, options: options)
    }

    /// Yields, per input batch, the lines of the records it completes that are selected.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let matcher: Matcher
        /// Whether the pattern can be searched for in a whole buffer (see ``GrepPattern``).
        private let wholeBuffer: Bool
        private let parser: LogTime
        private let options: RecordGrepOptions
        /// The record in progress (its lines stay in their batches' buffers).
        private var record: [Line] = []
        private var recordMatches = false
        private var selectedInSource = 0
        private var out = OutputBuilder()
        private var pendingMarker: LineBatch?
        private var failure: (any Error)?
        private var sourceName: String?
        private var keepsCarriageReturn = true
        /// Whether the current source has a stamped line yet (see ``TimestampPresence``).
        private var presence = TimestampPresence()
        /// The rest of the current source is not read for records (it failed).
        private var skippingSource = false

        init(base: Base.AsyncIterator, matcher: Matcher, wholeBuffer: Bool, parser: LogTime, options: RecordGrepOptions) {
            self.base = base
            self.matcher = matcher
            self.wholeBuffer = wholeBuffer
            self.parser = parser
            self.options = options
        }

        private var limitReached: Bool { options.maxCount.map { selectedInSource >= $0 } ?? false }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if let failure { self.failure = nil; throw failure }
            if let marker = pendingMarker { pendingMarker = nil; return marker }
            while true {
                guard let batch = try await base.next(isolation: actor) else {
                    out.reset()
                    if presence.failsAtEnd && !skippingSource {
                        dropRecord()
                        presence = TimestampPresence()
                        throw TimestampPresence.failure(sourceName, atEnd: true)
                    }
                    finishRecord()
                    return out.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
                }
                if batch.endsSource {
                    out.reset()
                    let failed = presence.failsAtEnd && !skippingSource
                    presence = TimestampPresence()
                    skippingSource = false
                    if failed {
                        // A source without a timestamp: nothing of it is selected, a notice says why.
                        dropRecord()
                        selectedInSource = 0
                        pendingMarker = batch
                        return .notice(TimestampPresence.failure(batch.sourceName ?? sourceName, atEnd: true), source: batch.sourceName)
                    }
                    finishRecord()
                    selectedInSource = 0
                    if let flushed = out.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName) {
                        pendingMarker = batch
                        return flushed
                    }
                    return batch
                }
                sourceName = batch.sourceName
                keepsCarriageReturn = batch.keepsCarriageReturn
                if skippingSource { continue }
                out.reset()
                if batch.entries == nil && !options.invert && wholeBuffer, let hits = regionHits(batch),
                   selectAroundHits(batch, hits) {
                    presence.noteStamped()
                    if let selected = out.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName) {
                        return selected
                    }
                    continue
                }
                var untimed = false
                do {
                    for line in batch {
                        let stamped = parser.parse(line) != nil
                        if !presence.stamped && presence.note(stamped: stamped, length: line.byteCount) {
                            untimed = true
                            break
                        }
                        if stamped { finishRecord() }
                        if limitReached { continue }
                        record.append(line)
                        if !recordMatches {
                            do {
                                recordMatches = try line.withUnsafeBytes { try matcher.lineMatches($0) }
                            } catch let failure as MatchFailure {
                                throw failure.error(line: line)
                            }
                        }
                    }
                } catch let error as SluiceError {
                    failure = batch.sourceName.map { error.naming($0) } ?? error
                }
                if untimed {
                    // Past the limit without a timestamp: an unnamed stream ends, a named source is skipped.
                    dropRecord()
                    let failure = TimestampPresence.failure(batch.sourceName, atEnd: false)
                    guard batch.sourceName != nil else { throw failure }
                    skippingSource = true
                    return .notice(failure, source: batch.sourceName)
                }
                if let selected = out.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName) {
                    return selected
                }
                if let failure { self.failure = nil; throw failure }
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        /// The lines of `batch` that match, found by searching its whole buffer; `nil` when the
        /// search gives up (the batch is then read line by line).
        private func regionHits(_ batch: LineBatch) -> [Range<Int>]? {
            var hits: [Range<Int>] = []
            do {
                try batch.storage.withUnsafeBytes { bytes in
                    try matcher.forEachMatchingLine(in: bytes, region: batch.region, keepsCarriageReturn: batch.keepsCarriageReturn) {
                        hits.append($0)
                        return true
                    }
                }
            } catch {
                return nil
            }
            return hits
        }

        /// The fast path: only the lines around hits are read for timestamps. The batch's first
        /// stamped line ends the record in progress (the lines before it continue that record);
        /// each hit between it and the batch's last stamped line selects the record around it,
        /// found by walking back and forth to stamped lines; the record from the last stamped line
        /// is kept in progress. `false` when the batch has no stamped line (nothing is changed:
        /// it is then read line by line).
        private mutating func selectAroundHits(_ batch: LineBatch, _ hits: [Range<Int>]) -> Bool {
            let region = batch.region
            let keepsCR = batch.keepsCarriageReturn
            return batch.storage.withUnsafeBytes { bytes -> Bool in
                let lo = region.lowerBound, hi = region.upperBound
                /// The end (LF or region end) of the line starting at `s`.
                func end(_ s: Int) -> Int { ByteSearch.first(ByteSearch.newline, in: bytes, from: s, to: hi) ?? hi }
                /// The start of the line before the one starting at `s` (> lo).
                func previous(_ s: Int) -> Int { (ByteSearch.last(ByteSearch.newline, in: bytes, from: lo, to: s - 1) ?? (lo - 1)) + 1 }
                func content(_ s: Int, _ e: Int) -> Range<Int> {
                    !keepsCR && e > s && bytes[e - 1] == 0x0D ? s..<(e - 1) : s..<e
                }
                func stamped(_ s: Int) -> Bool {
                    parser.parse(UnsafeRawBufferPointer(rebasing: bytes[content(s, end(s))])) != nil
                }
                // The first and last stamped lines.
                var first = lo
                while first < hi && !stamped(first) { first = end(first) + 1 }
                guard first < hi else { return false }
                var last = hi
                repeat { last = last > lo ? previous(last) : lo } while last > first && !stamped(last)
                if last < first { last = first }
                var number = batch.firstLineNumber
                var countedTo = lo
                func numberOf(_ s: Int) -> Int {
                    number += ByteSearch.count(ByteSearch.newline, in: bytes, from: countedTo, to: s)
                    countedTo = s
                    return number
                }
                func offset(_ s: Int) -> Int64 { batch.firstByteOffset + Int64(s - lo) }
                var hitIndex = 0
                // Lines before the first stamped one continue the record in progress.
                var s = lo
                while s < first {
                    let e = end(s)
                    if !limitReached {
                        record.append(Line(storage: batch.storage, range: content(s, e), number: numberOf(s), byteOffset: offset(s)))
                    }
                    while hitIndex < hits.count && hits[hitIndex].lowerBound < e { hitIndex += 1; recordMatches = true }
                    s = e + 1
                }
                finishRecord()
                // Records between the first and the last stamped lines: only those around hits.
                while hitIndex < hits.count && hits[hitIndex].lowerBound < last && !limitReached {
                    let hit = hits[hitIndex].lowerBound
                    var start = hit
                    while start > first && !stamped(start) { start = previous(start) }
                    var stop = end(hit) + 1
                    while stop < last && !stamped(stop) { stop = end(stop) + 1 }
                    stop = Swift.min(stop, last)
                    selectedInSource += 1
                    var line = start
                    while line < stop {
                        let e = end(line)
                        out.append(UnsafeRawBufferPointer(rebasing: bytes[content(line, e)]), number: numberOf(line),
                                   byteOffset: offset(line), isContext: false, startsGroup: false)
                        if options.firstLinesOnly { break }
                        line = e + 1
                    }
                    while hitIndex < hits.count && hits[hitIndex].lowerBound < stop { hitIndex += 1 }
                }
                // The record from the last stamped line goes on in the next batch.
                if !limitReached {
                    while hitIndex < hits.count && hits[hitIndex].lowerBound < last { hitIndex += 1 }
                    recordMatches = hitIndex < hits.count
                    var line = last
                    while line < hi {
                        let e = end(line)
                        record.append(Line(storage: batch.storage, range: content(line, e), number: numberOf(line), byteOffset: offset(line)))
                        line = e + 1
                    }
                }
                return true
            }
        }

        /// Forgets the record in progress.
        private mutating func dropRecord() {
            record.removeAll(keepingCapacity: false)
            recordMatches = false
        }

        /// Decides the record in progress and starts a new one.
        private mutating func finishRecord() {
            defer {
                record.removeAll(keepingCapacity: true)
                recordMatches = false
            }
            guard !record.isEmpty, recordMatches != options.invert, !limitReached else { return }
            selectedInSource += 1
            for line in options.firstLinesOnly ? record[0..<1] : record[...] {
                line.withUnsafeBytes {
                    out.append($0, number: line.number, byteOffset: line.byteOffset, isContext: false, startsGroup: false)
                }
            }
        }
    }
}

extension AsyncRecordGrepSequence: Sendable where Base: Sendable {}
