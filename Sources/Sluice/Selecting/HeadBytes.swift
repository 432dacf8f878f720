extension AsyncSequence where Element == LineBatch {
    /// The first `count` bytes of the stream's text (GNU `head -c N`): the lines as `print`
    /// writes them, undecorated, each with its line feed; the line that holds byte `count` is
    /// cut there and passed on without one. Then iteration ends and the input is no longer read.
    /// Over several sources (`InputFiles` without concatenation) the count is for the stream as
    /// a whole; give each source its own stage for GNU's per-file counts.
    public func headBytes(_ count: Int64) -> AsyncHeadBytesSequence<Self> {
        AsyncHeadBytesSequence(base: self, count: Swift.max(0, count))
    }
}

/// An asynchronous sequence of the first bytes of a stream; see ``_Concurrency/AsyncSequence/headBytes(_:)``.
public struct AsyncHeadBytesSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int64

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), remaining: count) }

    /// Passes batches on whole while they fit, and cuts the one that reaches the limit (as
    /// text: a batch that lists its lines is written out first, only then).
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator?
        private var remaining: Int64
        private var lastSource: String?
        private var endMarkerDue = false
        private var readAny = false

        init(base: Base.AsyncIterator, remaining: Int64) {
            self.base = base
            self.remaining = remaining
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while true {
                guard remaining > 0 else {
                    // Done: drop the input (which stops its reading) and end the source, as `head` does.
                    guard base != nil else { return nil }
                    if !readAny {
                        // `head -c 0`: one batch is read to learn the source's name (GNU head
                        // prints the header of every file).
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
                if batch.isEmpty { continue }
                lastSource = batch.sourceName
                endMarkerDue = true
                let length = Int64(batch.printedLength)
                if length <= remaining {
                    remaining -= length
                    return batch
                }
                let text = batch.asRawText()
                let kept = text.bytes(text.region.lowerBound..<text.region.lowerBound + Int(remaining))
                remaining = 0
                return kept
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncHeadBytesSequence: Sendable where Base: Sendable {}
