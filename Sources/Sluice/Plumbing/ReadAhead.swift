import Synchronization

extension AsyncSequence where Self: Sendable, Element: Sendable {
    /// Iterates the upstream stages in a task of their own, keeping up to `limit` elements
    /// ready: the stages before it (reading, inflating, splitting) run on one core while the
    /// consumer (searching, printing) runs on another. The hand-off is bounded, so a slow
    /// consumer holds the producer back and memory stays flat. Dropping the iterator or
    /// cancelling the consuming task cancels the upstream task.
    public func readAhead(_ limit: Int = 4) -> AsyncReadAheadSequence<Self> {
        AsyncReadAheadSequence(base: self, limit: Swift.max(1, limit))
    }

    /// ``readAhead(_:)``, or, when `inline` is true, the same elements iterated in the
    /// consuming task (no task, no hand-off: for inputs too small to gain from a second core,
    /// and plain files whose bytes are best used while they are in the reading core's cache).
    func readAhead(_ limit: Int, inline: Bool) -> AsyncReadAheadSequence<Self> {
        AsyncReadAheadSequence(base: self, limit: Swift.max(1, limit), inline: inline)
    }
}

/// An asynchronous sequence produced by a task of its own; see ``_Concurrency/AsyncSequence/readAhead(_:)``.
public struct AsyncReadAheadSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element: Sendable {
    public typealias Element = Base.Element
    public typealias Failure = any Error

    let base: Base
    let limit: Int
    /// Iterate `base` in the consuming task.
    var inline = false

    public func makeAsyncIterator() -> Iterator {
        inline ? Iterator(base: base.makeAsyncIterator()) : Iterator(producer: Producer(base: base, limit: limit))
    }

    /// Takes elements from the hand-off; starts the producing task on first use.
    public struct Iterator: AsyncIteratorProtocol {
        private let producer: Producer?
        /// The upstream iterator, when it is iterated here (inline).
        private var base: Base.AsyncIterator?
        private var done = false

        init(producer: Producer) { self.producer = producer }
        init(base: Base.AsyncIterator) {
            producer = nil
            self.base = base
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            guard let producer else {
                if done { return nil }
                do {
                    if let element = try await base!.next(isolation: actor) { return element }
                } catch {
                    done = true
                    base = nil
                    throw error
                }
                done = true
                base = nil
                return nil
            }
            return try await producer.channel.next(done: &done, start: producer.start)
        }

        public mutating func next() async throws -> Element? { try await next(isolation: nil) }
    }

    /// Owns the producing task; cancels it when the iterator goes away.
    final class Producer: Sendable {
        let channel: HandOff<Element>
        private let base: Base
        private let task = Locked<Task<Void, Never>?>(nil)

        init(base: Base, limit: Int) {
            self.base = base
            channel = HandOff(capacity: limit)
        }

        func start() {
            task.withLock { task in
                guard task == nil else { return }
                let base = self.base
                let channel = self.channel
                task = Task {
                    do {
                        for try await element in base {
                            if !(await channel.send(element)) { return }
                        }
                        channel.finish()
                    } catch {
                        channel.finish(throwing: error)
                    }
                }
            }
        }

        deinit {
            channel.cancel()
            task.withLock { $0?.cancel() }
        }
    }
}
