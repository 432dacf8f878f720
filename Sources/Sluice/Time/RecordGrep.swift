extension AsyncSequence where Element == LineBatch {
    /// Selects whole records: a line with a timestamp (see ``LogTime``) and the lines without
    /// one after it (a Java stack trace, say) are one record, which is selected when any of its
    /// lines matches `pattern` (with `invert`, when none does), and then all its lines pass.
    /// Lines before a source's first timestamp form a record of their own. `maxCount` limits
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
        Iterator(base: base.makeAsyncIterator(), matcher: pattern.matcher, parser: parser, options: options)
    }

    /// Yields, per input batch, the lines of the records it completes that are selected.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let matcher: Matcher
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

        init(base: Base.AsyncIterator, matcher: Matcher, parser: LogTime, options: RecordGrepOptions) {
            self.base = base
            self.matcher = matcher
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
                    finishRecord()
                    return out.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
                }
                if batch.endsSource {
                    out.reset()
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
                out.reset()
                do {
                    for line in batch {
                        if parser.parse(line) != nil { finishRecord() }
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
                if let selected = out.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName) {
                    return selected
                }
                if let failure { self.failure = nil; throw failure }
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

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
