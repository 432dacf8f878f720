extension AsyncSequence where Element == LineBatch {
    /// The last `count` lines of the stream, yielded when the stream ends.
    ///
    /// Only the last `count` lines of each batch are kept, as views of their buffers (nothing is
    /// copied), so memory holds at most `count` lines and the buffers they live in.
    public func tail(_ count: Int) -> AsyncTailSequence<Self> { AsyncTailSequence(base: self, count: Swift.max(0, count)) }
}

/// An asynchronous sequence of the last lines of a stream; see ``_Concurrency/AsyncSequence/tail(_:)``.
public struct AsyncTailSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), count: count) }

    /// Reads the whole input, then yields the kept lines, as views of the batches they came in.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let count: Int
        private var kept: [LineBatch] = []
        private var drained = false
        /// A fault met upstream: thrown after the lines kept before it.
        private var failure: (any Error)?
        private var keptLines = 0
        /// The last source seen, which the end marker names (even when no line is kept).
        private var lastSource: String?

        init(base: Base.AsyncIterator, count: Int) {
            self.base = base
            self.count = count
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if !drained {
                while true {
                    let batch: LineBatch
                    do {
                        guard let b = try await base.next(isolation: actor) else { break }
                        batch = b
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        // As `tail` of a pipe whose writer failed late: the last lines read, then the fault.
                        failure = error
                        break
                    }
                    // Faults carried in the stream are passed on at once, as a pipe's writer reports them.
                    if let notice = batch.asNotice { return notice }
                    if !batch.isNotice { lastSource = batch.sourceName }
                    guard count > 0, batch.lineCount > 0 else { continue }  // markers are replaced by one at the end
                    let last = batch.suffix(count)
                    kept.append(last)
                    keptLines += last.lineCount
                    while let first = kept.first, keptLines - first.lineCount >= count {
                        keptLines -= first.lineCount
                        kept.removeFirst()
                    }
                }
                drained = true
                if keptLines > count, let first = kept.first {
                    kept[0] = first.suffix(first.lineCount - (keptLines - count))
                }
                // The kept lines end as one source, for later per-source stages (grep -c).
                kept.append(.endOfSource(kept.last?.sourceName ?? lastSource, keepsCarriageReturn: true))
                kept.reverse()
            }
            if let batch = kept.popLast() { return batch }
            if let error = failure { failure = nil; throw error }
            return nil
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncTailSequence: Sendable where Base: Sendable {}
