extension AsyncSequence where Element == LineBatch {
    /// The same lines numbered by their position in this stream (from 1), as `cat -n` or a
    /// grep reading a pipe would number them, instead of by their place in their source.
    public func renumbered() -> AsyncRenumberedSequence<Self> { AsyncRenumberedSequence(base: self) }
}

/// An asynchronous sequence of renumbered lines; see ``_Concurrency/AsyncSequence/renumbered()``.
public struct AsyncRenumberedSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator()) }

    /// Rewrites each batch's numbers from a running count.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var next = 1

        init(base: Base.AsyncIterator) { self.base = base }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            guard let batch = try await base.next(isolation: actor) else { return nil }
            defer { next += batch.lineCount }
            return batch.numbered(from: next)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncRenumberedSequence: Sendable where Base: Sendable {}
