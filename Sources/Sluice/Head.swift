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

        init(base: Base.AsyncIterator, remaining: Int) {
            self.base = base
            self.remaining = remaining
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            guard remaining > 0 else { base = nil; return nil }  // dropping the input stops its reading
            guard let batch = try await base?.next(isolation: actor) else { return nil }
            let kept = batch.prefix(remaining)
            remaining -= kept.lineCount
            return kept
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncHeadSequence: Sendable where Base: Sendable {}
