extension AsyncSequence where Element == LineBatch {
    /// The last `count` lines of the stream, yielded when the stream ends.
    ///
    /// Only the last `count` lines of each batch are kept, as views of their buffers (nothing is
    /// copied), so memory holds at most `count` lines and the buffers they live in.
    public func tail(_ count: Int) -> AsyncTailSequence<Self> {
        AsyncTailSequence(base: self, count: Int64(Swift.max(0, count)), measure: .lines)
    }

    /// The last `count` bytes of the stream's text (GNU `tail -c N` of a pipe or a compressed
    /// file), yielded when the stream ends: the lines as `print` writes them, undecorated, each
    /// with its line feed, the first possibly cut at its start. About `count` bytes are held, as
    /// views of the batches they came in (a batch that lists its lines is written out as text).
    public func tailBytes(_ count: Int64) -> AsyncTailSequence<Self> {
        AsyncTailSequence(base: self, count: Swift.max(0, count), measure: .bytes)
    }
}

/// An asynchronous sequence of the last lines or bytes of a stream; see
/// ``_Concurrency/AsyncSequence/tail(_:)`` and ``_Concurrency/AsyncSequence/tailBytes(_:)``.
public struct AsyncTailSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int64
    let measure: StreamMeasure

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), count: count, measure: measure) }

    /// Reads the whole input, then yields the kept lines, as views of the batches they came in.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let count: Int64
        private let measure: StreamMeasure
        private var kept: [LineBatch] = []
        private var drained = false
        /// A fault met upstream: thrown after the lines kept before it.
        private var failure: (any Error)?
        /// Lines or bytes, as `measure` counts.
        private var keptSize: Int64 = 0
        /// The last source seen, which the end marker names (even when no line is kept).
        private var lastSource: String?

        init(base: Base.AsyncIterator, count: Int64, measure: StreamMeasure) {
            self.base = base
            self.count = count
            self.measure = measure
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
                    let measured = batch.measured(measure)
                    let size = measured.size(measure)
                    let last = size > count ? measured.last(count, measure) : measured
                    kept.append(last)
                    keptSize += Swift.min(size, count)
                    while let first = kept.first, keptSize - first.size(measure) >= count {
                        keptSize -= first.size(measure)
                        kept.removeFirst()
                    }
                }
                drained = true
                if keptSize > count, let first = kept.first {
                    kept[0] = first.last(first.size(measure) - (keptSize - count), measure)
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
