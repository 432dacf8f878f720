/// Line sources read one after another, each of its own kind (a followed file, an inflated
/// stream, ...); a source that fails is reported to `onError` and the next one is read.
public struct AsyncChainedLineSources: AsyncSequence, Sendable {
    public typealias Element = LineBatch
    public typealias Failure = any Error
    /// One source and the name its errors are reported under.
    public typealias Source = (name: String, batches: any AsyncSequence<LineBatch, any Error> & Sendable)

    let sources: [Source]
    let onError: @Sendable (SluiceError) -> Void
    let reportsErrorsInStream: Bool

    /// With `reportsErrorsInStream`, a source's fault is passed on as a ``LineBatch/isNotice``
    /// marker (after the lines before it) instead of being told to `onError` at once.
    public init(_ sources: [Source], reportsErrorsInStream: Bool = false, onError: @escaping @Sendable (SluiceError) -> Void) {
        self.sources = sources
        self.reportsErrorsInStream = reportsErrorsInStream
        self.onError = onError
    }

    public func makeAsyncIterator() -> Iterator { Iterator(chain: self) }

    /// Moves to the next source at the end of one, or after its error.
    public struct Iterator: AsyncIteratorProtocol {
        private let chain: AsyncChainedLineSources
        private var index = 0
        private var current: (any AsyncIteratorProtocol<LineBatch, any Error>)?

        init(chain: AsyncChainedLineSources) { self.chain = chain }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while true {
                if current == nil {
                    guard index < chain.sources.count else { return nil }
                    current = chain.sources[index].batches.makeAsyncIterator()
                    index += 1
                }
                do {
                    if let batch = try await current!.next(isolation: actor) { return batch }
                    current = nil
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    current = nil
                    let name = chain.sources[index - 1].name
                    let failure = (error as? SluiceError)?.naming(name) ?? .io(path: name, operation: "read", errno: 5)
                    if chain.reportsErrorsInStream { return .notice(failure, source: name) }
                    chain.onError(failure)
                }
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}
