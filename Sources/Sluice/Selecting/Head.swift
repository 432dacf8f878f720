extension AsyncSequence where Element == LineBatch {
    /// The first `count` lines of the stream; then iteration ends and the input is no longer read.
    public func head(_ count: Int) -> AsyncHeadSequence<Self> {
        AsyncHeadSequence(base: self, count: Int64(Swift.max(0, count)), measure: .lines)
    }

    /// The first `count` bytes of the stream's text (GNU `head -c N`): the lines as `print`
    /// writes them, undecorated, each with its line feed; the line that holds byte `count` is
    /// cut there and passed on without one. Then iteration ends and the input is no longer read.
    public func headBytes(_ count: Int64) -> AsyncHeadSequence<Self> {
        AsyncHeadSequence(base: self, count: Swift.max(0, count), measure: .bytes)
    }
}

/// An asynchronous sequence of the first lines or bytes of a stream; see
/// ``_Concurrency/AsyncSequence/head(_:)`` and ``_Concurrency/AsyncSequence/headBytes(_:)``.
public struct AsyncHeadSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int64
    let measure: StreamMeasure

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), remaining: count, measure: measure) }

    /// Passes batches on, trimming the one that reaches the limit (by bytes, as text: a batch
    /// that lists its lines is written out first, that batch only).
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator?
        private var remaining: Int64
        private let measure: StreamMeasure
        private var lastSource: String?
        private var endMarkerDue = false
        private var readAny = false

        init(base: Base.AsyncIterator, remaining: Int64, measure: StreamMeasure) {
            self.base = base
            self.remaining = remaining
            self.measure = measure
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            guard remaining > 0 else {
                // Done: drop the input (which stops its reading) and end the source for later
                // per-source stages (grep -c).
                guard base != nil else { return nil }
                if !readAny {
                    // `head -n 0`: one batch is read to learn the source's name, so that it still
                    // ends as a source (GNU head prints the header of every file).
                    readAny = true
                    let first = try await base?.next(isolation: actor)
                    base = nil
                    guard let first else { return nil }
                    return first.endsSource ? first : .endOfSource(first.sourceName, keepsCarriageReturn: true)
                }
                base = nil
                return endMarkerDue ? .endOfSource(lastSource, keepsCarriageReturn: true) : nil
            }
            guard let batch = try await base?.next(isolation: actor) else { return nil }
            readAny = true
            if batch.isNotice { return batch }
            if batch.endsSource { endMarkerDue = false; return batch }
            lastSource = batch.sourceName
            endMarkerDue = true
            let size = batch.size(measure)
            if size <= remaining {
                remaining -= size
                return batch
            }
            let kept = batch.measured(measure).first(remaining, measure)
            remaining = 0
            return kept
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncHeadSequence: Sendable where Base: Sendable {}
