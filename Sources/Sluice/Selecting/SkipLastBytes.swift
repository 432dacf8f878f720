extension AsyncSequence where Element == LineBatch {
    /// The stream's text without its last `count` bytes (GNU `head -c -N`): the lines as
    /// `print` writes them, undecorated, each with its line feed; the line that holds the first
    /// byte dropped is cut there and passed on without one. A byte is passed on once `count`
    /// bytes have come after it, so about `count` bytes (and the batches that hold them) are
    /// held. At the end of a source the bytes held are its last ones and are dropped: over
    /// several sources (`InputFiles` without concatenation) each loses its own last bytes.
    public func skipLastBytes(_ count: Int64) -> AsyncSkipLastBytesSequence<Self> {
        AsyncSkipLastBytesSequence(base: self, count: Swift.max(0, count))
    }
}

/// An asynchronous sequence without the last bytes of a stream; see ``_Concurrency/AsyncSequence/skipLastBytes(_:)``.
public struct AsyncSkipLastBytesSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int64

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), count: count) }

    /// Holds the last `count` bytes as regions of text (batches that list their lines are
    /// written out as text when held). Until the end, only whole lines are passed on, so a later
    /// stage never sees a line cut in two; at the end of a source, the part before its last
    /// `count` bytes, cut where they start.
    public struct Iterator: AsyncIteratorProtocol {
        private enum Ending { case none, source(LineBatch), stream }

        private var base: Base.AsyncIterator
        private let count: Int64
        private var held: [LineBatch] = []
        private var heldBytes: Int64 = 0
        private var ending = Ending.none
        private var finished = false

        init(base: Base.AsyncIterator, count: Int64) {
            self.base = base
            self.count = count
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while !finished {
                let final: Bool
                if case .none = ending { final = false } else { final = true }
                if let out = released(final: final) { return out }
                switch ending {
                case .source(let marker):
                    // The bytes still held are the source's last `count`: dropped.
                    held.removeAll()
                    heldBytes = 0
                    ending = .none
                    return marker
                case .stream:
                    finished = true
                    return nil
                case .none:
                    break
                }
                guard let batch = try await base.next(isolation: actor) else { ending = .stream; continue }
                if batch.isNotice { return batch }
                if batch.endsSource { ending = .source(batch); continue }
                if count == 0 { return batch }
                if batch.isEmpty { continue }
                let text = batch.asRawText()
                held.append(text)
                heldBytes += Int64(text.region.count)
            }
            return nil
        }

        /// The oldest held batch that `count` held bytes follow, or the part of it they follow:
        /// its whole lines, or (`final`) up to the first of the last `count` bytes.
        private mutating func released(final: Bool) -> LineBatch? {
            guard heldBytes > count else { return nil }
            let first = held[0]
            let length = Int64(first.region.count)
            if heldBytes - length >= count {
                held.removeFirst()
                heldBytes -= length
                return first
            }
            var cut = first.region.lowerBound + Int(heldBytes - count)
            if !final {
                guard let lastLineFeed = first.storage.withUnsafeBytes({
                    ByteSearch.last(ByteSearch.newline, in: $0, from: first.region.lowerBound, to: cut)
                }) else { return nil }
                cut = lastLineFeed + 1
            }
            held[0] = first.bytes(cut..<first.region.upperBound)
            heldBytes -= Int64(cut - first.region.lowerBound)
            return first.bytes(first.region.lowerBound..<cut)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncSkipLastBytesSequence: Sendable where Base: Sendable {}
