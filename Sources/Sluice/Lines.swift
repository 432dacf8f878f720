extension AsyncSequence where Element == LineBatch {
    /// One ``Line`` at a time from batches of lines. Each line is a view of its batch's buffer:
    /// no bytes are copied.
    public func lines() -> AsyncLineSequence<Self> { AsyncLineSequence(base: self) }
}

extension AsyncSequence where Element == [UInt8] {
    /// One ``Line`` at a time from a byte stream: `lineBatches(...).lines()`.
    public func lines(keepCarriageReturn: Bool = false, maxLineLength: Int = 64 << 20)
        -> AsyncLineSequence<AsyncLineBatchSequence<Self>> {
        lineBatches(keepCarriageReturn: keepCarriageReturn, maxLineLength: maxLineLength).lines()
    }
}

/// An asynchronous sequence of ``Line``s; see ``_Concurrency/AsyncSequence/lines()``.
public struct AsyncLineSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = Line
    public typealias Failure = any Error

    let base: Base

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator()) }

    /// Awaits once per batch and hands out its lines synchronously.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var current: LineBatch.Iterator?

        init(base: Base.AsyncIterator) { self.base = base }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Line? {
            while true {
                if let line = current?.next() { return line }
                guard let batch = try await base.next(isolation: actor) else { current = nil; return nil }
                current = batch.makeIterator()
            }
        }

        public mutating func next() async throws -> Line? { try await next(isolation: nil) }
    }
}

extension AsyncLineSequence: Sendable where Base: Sendable {}
