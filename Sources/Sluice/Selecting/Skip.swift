extension AsyncSequence where Element == LineBatch {
    /// The stream without its first `count` lines (`tail -n +N` is `skip(N - 1)`).
    public func skip(_ count: Int) -> AsyncSkipSequence<Self> {
        AsyncSkipSequence(base: self, count: Int64(Swift.max(0, count)), measure: .lines)
    }

    /// The stream's text without its first `count` bytes (`tail -c +N` of a pipe or a
    /// compressed file is `skipBytes(N - 1)`): the lines as `print` writes them, undecorated,
    /// the first possibly cut at its start.
    public func skipBytes(_ count: Int64) -> AsyncSkipSequence<Self> {
        AsyncSkipSequence(base: self, count: Swift.max(0, count), measure: .bytes)
    }
}

/// An asynchronous sequence without the first lines or bytes of a stream; see
/// ``_Concurrency/AsyncSequence/skip(_:)`` and ``_Concurrency/AsyncSequence/skipBytes(_:)``.
public struct AsyncSkipSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int64
    let measure: StreamMeasure

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), remaining: count, measure: measure) }

    /// Drops lines (or bytes) until `count` have gone, then passes batches on; notices pass.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var remaining: Int64
        private let measure: StreamMeasure

        init(base: Base.AsyncIterator, remaining: Int64, measure: StreamMeasure) {
            self.base = base
            self.remaining = remaining
            self.measure = measure
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while let batch = try await base.next(isolation: actor) {
                if remaining == 0 || batch.endsSource || batch.isNotice { return batch }
                let size = batch.size(measure)
                if size <= remaining { remaining -= size; continue }
                let kept = batch.measured(measure).last(size - remaining, measure)
                remaining = 0
                return kept
            }
            return nil
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncSkipSequence: Sendable where Base: Sendable {}
