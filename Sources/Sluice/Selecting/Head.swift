extension AsyncSequence where Element == LineBatch {
    /// The first `count` lines of the stream; then iteration ends and the input is no longer read.
    public func head(_ count: Int) -> AsyncHeadSequence<Self> { AsyncHeadSequence(base: self, count: Swift.max(0, count)) }
}

/// An asynchronous sequence of the first lines of a stream; see ``_Concurrency/AsyncSequence/head(_:)``.
public struct AsyncHeadSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), remaining: count) }

    /// Passes batches on, trimming the one that reaches the limit.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator?
        private var remaining: Int
        private var lastSource: String?
        private var endMarkerDue = false
        private var readAny = false

        init(base: Base.AsyncIterator, remaining: Int) {
            self.base = base
            self.remaining = remaining
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
            let kept = batch.prefix(remaining)
            remaining -= kept.lineCount
            lastSource = batch.sourceName
            endMarkerDue = true
            return kept
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncHeadSequence: Sendable where Base: Sendable {}
