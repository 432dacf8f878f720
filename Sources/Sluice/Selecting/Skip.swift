extension AsyncSequence where Element == LineBatch {
    /// The stream without its first `count` lines (`tail -n +N` is `skip(N - 1)`).
    public func skip(_ count: Int) -> AsyncSkipSequence<Self> { AsyncSkipSequence(base: self, count: Swift.max(0, count)) }
}

/// An asynchronous sequence without the first lines of a stream; see ``_Concurrency/AsyncSequence/skip(_:)``.
public struct AsyncSkipSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), remaining: count) }

    /// Drops lines until `count` have gone, then passes batches on.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var remaining: Int

        init(base: Base.AsyncIterator, remaining: Int) {
            self.base = base
            self.remaining = remaining
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while let batch = try await base.next(isolation: actor) {
                if remaining == 0 || batch.endsSource { return batch }
                if batch.lineCount <= remaining { remaining -= batch.lineCount; continue }
                let kept = batch.suffix(batch.lineCount - remaining)
                remaining = 0
                return kept
            }
            return nil
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncSkipSequence: Sendable where Base: Sendable {}
