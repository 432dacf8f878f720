extension AsyncSequence where Element == LineBatch {
    /// Keeps the records stamped at or after `bound`.
    ///
    /// A record is a line with a timestamp (see ``LogTime``) and the lines without one after it;
    /// a record is kept or dropped whole. Lines before the first timestamp of a source have no
    /// time and are dropped. A source none of whose lines (in its first MiB, or at all) starts
    /// with a timestamp the parser reads fails with ``SluiceError/Kind/noTimestamp``: its end
    /// marker (or a notice, when it passes the limit) carries the failure, or the stream throws
    /// it when it has no markers, and none of its lines pass. Every record is tested, so a stream that is not in time order
    /// still gives every record of the window. Nothing is copied: kept lines are listed in the
    /// input's buffers.
    public func since(_ bound: TimeBound, parser: LogTime) -> AsyncTimeWindowSequence<Self> {
        AsyncTimeWindowSequence(base: self, since: bound, until: nil, parser: parser, stop: .never)
    }

    /// Keeps the records stamped at or before `bound` (lines before the first timestamp too:
    /// they are held until it comes, and a source without one fails as in ``since(_:parser:)``).
    /// At the first record stamped after it, `stop` says whether to end the stream there (the
    /// input is no longer read: right for a log in time order), to skip to the next source, or
    /// to go on testing every record.
    public func until(_ bound: TimeBound, parser: LogTime, stop: TimeWindowStop = .endOfStream)
        -> AsyncTimeWindowSequence<Self> {
        AsyncTimeWindowSequence(base: self, since: nil, until: bound, parser: parser, stop: stop)
    }

    /// Keeps the records stamped inside `since ... until` (either may be `nil`); see
    /// ``since(_:parser:)`` and ``until(_:parser:stop:)``.
    public func timeWindow(since: TimeBound?, until: TimeBound?, parser: LogTime, stop: TimeWindowStop = .endOfStream)
        -> AsyncTimeWindowSequence<Self> {
        AsyncTimeWindowSequence(base: self, since: since, until: until, parser: parser, stop: stop)
    }
}

/// What ``_Concurrency/AsyncSequence/until(_:parser:stop:)`` does at the first record after its bound.
public enum TimeWindowStop: Sendable {
    /// Test every record (for logs not in time order).
    case never
    /// Skip the rest of this source (its lines are still read), go on with the next.
    case endOfSource
    /// End the stream: nothing more is read.
    case endOfStream
}

/// An asynchronous sequence of the records inside a time window; see
/// ``_Concurrency/AsyncSequence/since(_:parser:)`` and ``_Concurrency/AsyncSequence/until(_:parser:stop:)``.
public struct AsyncTimeWindowSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let since: TimeBound?
    let until: TimeBound?
    let parser: LogTime
    let stop: TimeWindowStop

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Yields the kept lines of each batch; end-of-source markers pass.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator?
        private let sinceBound: TimeBound?
        private let untilBound: TimeBound?
        private let parser: LogTime
        private let stop: TimeWindowStop
        private var lower = Int64.min
        private var upper = Int64.max
        private var resolved: Bool
        /// Whether the current record is kept (lines before a source's first timestamp: `keepsUntimed`).
        private var keeping: Bool
        private var skippingSource = false
        private var sourceOpen = false
        private var lastSource: String?
        private var finishing = false
        /// The kept lines of the batch being read (reused).
        private var scratch: [LineBatch.Entry] = []
        /// Whether the current source has a stamped line yet (see ``TimestampPresence``).
        private var presence = TimestampPresence()
        /// The source passed ``TimestampPresence/limit`` bytes without a timestamp.
        private var presenceFailed = false
        /// Kept lines before the source's first timestamp (`until`), held until it comes.
        private var held: [LineBatch] = []
        /// Batches to give before reading on.
        private var ready: [LineBatch] = []

        init(_ s: AsyncTimeWindowSequence) {
            base = s.base.makeAsyncIterator()
            sinceBound = s.since
            untilBound = s.until
            parser = s.parser
            stop = s.stop
            resolved = !(s.since?.needsFirstTimestamp ?? false) && !(s.until?.needsFirstTimestamp ?? false)
            if resolved {
                if let b = s.since { lower = b.resolved(firstTimestamp: 0) }
                if let b = s.until { upper = b.resolved(firstTimestamp: 0) }
            }
            keeping = s.since == nil
        }

        private var keepsUntimed: Bool { sinceBound == nil }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if !ready.isEmpty { return ready.removeFirst() }
            if finishing {
                finishing = false
                base = nil
                if sourceOpen { sourceOpen = false; return .endOfSource(lastSource, keepsCarriageReturn: true) }
                return nil
            }
            while let batch = try await base?.next(isolation: actor) {
                if batch.endsSource {
                    let failed = presence.failsAtEnd && !presenceFailed
                    startSource()
                    guard failed else { return batch }
                    // A source without a timestamp: nothing of it passes, its marker says why.
                    let failure = TimestampPresence.failure(batch.sourceName ?? lastSource, atEnd: true)
                    if batch.failure == nil && !batch.isNotice {
                        return .endOfSource(batch.sourceName, keepsCarriageReturn: batch.keepsCarriageReturn, failure: failure)
                    }
                    ready.append(batch)
                    return .notice(failure, source: batch.sourceName)
                }
                sourceOpen = true
                lastSource = batch.sourceName
                if skippingSource { continue }
                let kept = select(batch)
                if presenceFailed {
                    held = []
                    let failure = TimestampPresence.failure(batch.sourceName, atEnd: false)
                    // An unnamed stream is one source: it ends here. A named one is skipped to its end.
                    guard batch.sourceName != nil else { base = nil; throw failure }
                    skippingSource = true
                    return .notice(failure, source: batch.sourceName)
                }
                if let kept {
                    if !presence.stamped { held.append(kept); continue }
                    if !held.isEmpty {
                        let first = held[0]
                        ready = Array(held.dropFirst()) + [kept]
                        held = []
                        return first
                    }
                    return kept
                }
                if finishing { return try await next(isolation: actor) }
            }
            if base != nil && presence.failsAtEnd && !presenceFailed {
                base = nil
                held = []
                throw TimestampPresence.failure(lastSource, atEnd: true)
            }
            return nil
        }

        /// A source begins: the state of the one before is dropped.
        private mutating func startSource() {
            keeping = keepsUntimed
            skippingSource = false
            sourceOpen = false
            held = []
            presence = TimestampPresence()
            presenceFailed = false
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        private mutating func resolve(_ first: Int64) {
            resolved = true
            if let b = sinceBound { lower = b.resolved(firstTimestamp: first) }
            if let b = untilBound { upper = b.resolved(firstTimestamp: first) }
        }

        /// The kept lines of `batch` (the batch itself when all are kept).
        private mutating func select(_ batch: LineBatch) -> LineBatch? {
            scratch.removeAll(keepingCapacity: true)
            var stopped = false
            batch.forEachLine { bytes, range, number, offset, entry in
                let stamp = parser.parse(UnsafeRawBufferPointer(rebasing: bytes[range]))
                if !presence.stamped && presence.note(stamped: stamp != nil, length: range.count) {
                    presenceFailed = true
                    return false
                }
                if let t = stamp {
                    if !resolved { resolve(t) }
                    if t > upper && stop != .never {
                        stopped = true
                        return false
                    }
                    keeping = t >= lower && t <= upper
                }
                if keeping {
                    scratch.append(entry ?? .init(range: range, number: number, byteOffset: offset, isContext: false, startsGroup: false))
                }
                return true
            }
            if stopped {
                if stop == .endOfStream { finishing = true } else { skippingSource = true }
            } else if scratch.count == batch.lineCount {
                return batch
            }
            guard !scratch.isEmpty else { return nil }
            return LineBatch(storage: batch.storage, entries: scratch, keepsCarriageReturn: batch.keepsCarriageReturn,
                             sourceName: batch.sourceName)
        }
    }
}

extension AsyncTimeWindowSequence: Sendable where Base: Sendable {}
