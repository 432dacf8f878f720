extension AsyncSequence where Self: Sendable {
    /// The same elements, each shown to `observe` first (used to count bytes and lines).
    func observed(_ observe: @escaping @Sendable (Element) -> Void) -> AsyncObservedSequence<Self> {
        AsyncObservedSequence(base: self, observe: observe)
    }
}

/// Passes elements through unchanged, calling a closure on each; see `observed(_:)`.
public struct AsyncObservedSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Base.Element
    public typealias Failure = Base.Failure

    let base: Base
    let observe: @Sendable (Base.Element) -> Void

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), observe: observe) }

    /// Calls the closure on each element it passes on.
    public struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let observe: @Sendable (Base.Element) -> Void

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
            guard let element = try await base.next(isolation: actor) else { return nil }
            observe(element)
            return element
        }
    }
}
