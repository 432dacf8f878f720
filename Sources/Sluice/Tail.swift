extension AsyncSequence where Element == LineBatch {
    /// The last `count` lines of the stream, yielded as one batch when the stream ends.
    ///
    /// Only the last `count` lines of each batch are kept, as views of their buffers, so memory
    /// holds at most `count` lines and the buffers they live in.
    public func tail(_ count: Int) -> AsyncTailSequence<Self> { AsyncTailSequence(base: self, count: Swift.max(0, count)) }
}

/// An asynchronous sequence of the last lines of a stream; see ``_Concurrency/AsyncSequence/tail(_:)``.
public struct AsyncTailSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), count: count) }

    /// Reads the whole input, then yields the kept lines.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let count: Int
        private var done = false

        init(base: Base.AsyncIterator, count: Int) {
            self.base = base
            self.count = count
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            guard !done else { return nil }
            done = true
            var kept: [LineBatch] = []
            var keptLines = 0
            var keepsCR = false
            while let batch = try await base.next(isolation: actor) {
                guard count > 0, batch.lineCount > 0 else { continue }
                keepsCR = batch.keepsCarriageReturn
                let last = batch.suffix(count)
                kept.append(last)
                keptLines += last.lineCount
                while let first = kept.first, keptLines - first.lineCount >= count {
                    keptLines -= first.lineCount
                    kept.removeFirst()
                }
            }
            var out = OutputBuilder()
            var skip = keptLines - count
            for batch in kept {
                for line in batch {
                    if skip > 0 { skip -= 1; continue }
                    line.withUnsafeBytes {
                        out.append($0, number: line.number, byteOffset: line.byteOffset, isContext: false, startsGroup: false)
                    }
                }
            }
            return out.finish(keepsCarriageReturn: keepsCR, sourceName: nil)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncTailSequence: Sendable where Base: Sendable {}
