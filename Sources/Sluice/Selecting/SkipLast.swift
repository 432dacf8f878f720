extension AsyncSequence where Element == LineBatch {
    /// The stream without its last `count` lines (GNU `head -n -N`): a line is passed on once
    /// `count` lines have come after it, so at most `count` lines (and the batches that hold
    /// them) are held. At the end of a source, the lines held are its last ones and are dropped:
    /// over several sources (`InputFiles` without concatenation) each loses its own last lines.
    public func skipLast(_ count: Int) -> AsyncSkipLastSequence<Self> {
        AsyncSkipLastSequence(base: self, count: Int64(Swift.max(0, count)), measure: .lines)
    }

    /// The stream's text without its last `count` bytes (GNU `head -c -N`): the lines as
    /// `print` writes them, undecorated, each with its line feed; the line that holds the first
    /// byte dropped is cut there and passed on without one. About `count` bytes are held (a
    /// batch that lists its lines is written out as text), and only whole lines are passed on
    /// until the source ends, so a later stage never sees a line in two parts. Each source loses
    /// its own last bytes, as with ``skipLast(_:)``.
    public func skipLastBytes(_ count: Int64) -> AsyncSkipLastSequence<Self> {
        AsyncSkipLastSequence(base: self, count: Swift.max(0, count), measure: .bytes)
    }
}

/// An asynchronous sequence without the last lines or bytes of a stream; see
/// ``_Concurrency/AsyncSequence/skipLast(_:)`` and ``_Concurrency/AsyncSequence/skipLastBytes(_:)``.
public struct AsyncSkipLastSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let count: Int64
    let measure: StreamMeasure

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), count: count, measure: measure) }

    /// Holds the last `count` lines (or bytes, as regions of text) in the batches they came in,
    /// sharing their buffers.
    public struct Iterator: AsyncIteratorProtocol {
        private enum Ending { case none, source(LineBatch), stream }

        private var base: Base.AsyncIterator
        private let count: Int64
        private let measure: StreamMeasure
        private var held: [LineBatch] = []
        /// Lines or bytes, as `measure` counts.
        private var heldSize: Int64 = 0
        private var ending = Ending.none
        private var finished = false

        init(base: Base.AsyncIterator, count: Int64, measure: StreamMeasure) {
            self.base = base
            self.count = count
            self.measure = measure
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while !finished {
                // Whatever `count` later lines or bytes follow goes out before the next batch is
                // read, so about `count` are held when a source ends.
                let final: Bool
                if case .none = ending { final = false } else { final = true }
                if let out = released(final: final) { return out }
                switch ending {
                case .source(let marker):
                    // What is held is the source's last `count`: dropped.
                    held.removeAll()
                    heldSize = 0
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
                let measured = batch.measured(measure)
                held.append(measured)
                heldSize += measured.size(measure)
            }
            return nil
        }

        /// The oldest held batch that `count` held lines or bytes follow, or the part of it they
        /// follow: by bytes, its whole lines, or (`final`) up to the first of the last `count`.
        private mutating func released(final: Bool) -> LineBatch? {
            guard heldSize > count else { return nil }
            let first = held[0]
            let size = first.size(measure)
            if heldSize - size >= count {
                held.removeFirst()
                heldSize -= size
                return first
            }
            var k = heldSize - count
            if measure == .bytes && !final {
                let cut = first.region.lowerBound + Int(k)
                guard let lastLineFeed = first.storage.withUnsafeBytes({
                    ByteSearch.last(ByteSearch.newline, in: $0, from: first.region.lowerBound, to: cut)
                }) else { return nil }
                k = Int64(lastLineFeed + 1 - first.region.lowerBound)
            }
            held[0] = first.last(size - k, measure)
            heldSize -= k
            return first.first(k, measure)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncSkipLastSequence: Sendable where Base: Sendable {}
