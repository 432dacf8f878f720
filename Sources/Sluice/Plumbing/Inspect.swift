extension AsyncSequence {
    /// Calls `body` with each element as it passes, in the task that consumes the sequence,
    /// and passes the element on unchanged: a tee, for counting or sampling while a pipeline
    /// runs.
    ///
    /// `body` need not be `@Sendable`, so it may change local state without a lock:
    ///
    ///     var lines = 0
    ///     for try await batch in chunks.lineBatches().inspect({ lines += $0.lineCount }).grep(pattern) { … }
    ///
    /// The resulting sequence is not `Sendable` (it holds `body`): consume it in the task that
    /// made it, or put `readAhead(_:)` before `inspect`, never after it. An error thrown by
    /// `body` ends the sequence with that error.
    public func inspect(_ body: @escaping (Element) throws -> Void) -> AsyncInspectSequence<Self> {
        AsyncInspectSequence(base: self, body: body)
    }
}

/// The elements of a base sequence, each shown to a closure on its way: see
/// ``_Concurrency/AsyncSequence/inspect(_:)``.
public struct AsyncInspectSequence<Base: AsyncSequence>: AsyncSequence {
    public typealias Element = Base.Element
    public typealias Failure = any Error

    let base: Base
    let body: (Element) throws -> Void

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), body: body) }

    /// Calls the closure with each element of the base iterator.
    public struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let body: (Element) throws -> Void

        public mutating func next() async throws -> Element? {
            guard let element = try await base.next() else { return nil }
            try body(element)
            return element
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            guard let element = try await base.next(isolation: actor) else { return nil }
            try body(element)
            return element
        }
    }
}
