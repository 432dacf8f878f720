extension AsyncSequence where Element == LineBatch {
    /// The stream without its last `count` lines (GNU `head -n -N`): a line is passed on once
    /// `count` lines have come after it, so at most `count` lines (and the batches that hold
    /// them) are held. At the end of a source, the lines held are its last ones and are dropped:
    /// over several sources (`InputFiles` without concatenation) each loses its own last lines.
    public func skipLast(_ count: Int) -> AsyncSkipLastSequence<Self> {
        AsyncSkipLastSequence(base: self, count: Swift.max(0, count))
    }
}

/// An asynchronous sequence without the last lines of a stream; see ``_Concurrency/AsyncSequence/skipLast(_:)``.
public struct AsyncSkipLastSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), count: count) }

    /// Holds the last `count` lines in the batches they came in (sharing their buffers).
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let count: Int
        private var held: [LineBatch] = []
        private var heldLines = 0

        init(base: Base.AsyncIterator, count: Int) {
            self.base = base
            self.count = count
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while true {
                // Whatever `count` later lines follow goes out before the next batch is read,
                // so at most `count` lines are held when a source ends.
                if let out = released() { return out }
                guard let batch = try await base.next(isolation: actor) else { return nil }
                if batch.isNotice { return batch }
                if batch.endsSource {
                    // The lines held are the source's last `count`: dropped.
                    held.removeAll()
                    heldLines = 0
                    return batch
                }
                if count == 0 { return batch }
                if batch.isEmpty { continue }
                held.append(batch)
                heldLines += batch.lineCount
            }
        }

        /// The oldest batch that `count` held lines follow, or the part of it they follow.
        private mutating func released() -> LineBatch? {
            guard heldLines > count else { return nil }
            let first = held[0]
            if heldLines - first.lineCount >= count {
                held.removeFirst()
                heldLines -= first.lineCount
                return first
            }
            let k = heldLines - count
            held[0] = first.suffix(first.lineCount - k)
            heldLines -= k
            return first.prefix(k)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncSkipLastSequence: Sendable where Base: Sendable {}
