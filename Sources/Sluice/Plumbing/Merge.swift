import Synchronization

/// Line sources read at the same time, each in a task of its own, their batches interleaved
/// as they come (as `tail -f` shows several files). A source that fails is reported to
/// `onError` and the others go on; the merge ends when every source has ended.
public struct AsyncMergedLineSources: AsyncSequence, Sendable {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let sources: [AsyncChainedLineSources.Source]
    let onError: @Sendable (SluiceError) -> Void

    public init(_ sources: [AsyncChainedLineSources.Source], onError: @escaping @Sendable (SluiceError) -> Void) {
        self.sources = sources
        self.onError = onError
    }

    public func makeAsyncIterator() -> Iterator { Iterator(merger: Merger(self)) }

    /// Takes batches from whichever source has one.
    public struct Iterator: AsyncIteratorProtocol {
        private let merger: Merger
        private var done = false

        init(merger: Merger) { self.merger = merger }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            try await merger.channel.next(done: &done, start: merger.start)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }

    /// Owns the sources' tasks; cancels them when the iterator goes away.
    final class Merger: Sendable {
        let channel = HandOff<LineBatch>(capacity: 8)
        private let merged: AsyncMergedLineSources
        private let tasks = Locked<[Task<Void, Never>]?>(nil)
        private let running = RunningCount()

        init(_ merged: AsyncMergedLineSources) { self.merged = merged }

        func start() {
            tasks.withLock { tasks in
                guard tasks == nil else { return }
                let channel = self.channel, onError = merged.onError, running = self.running
                running.count.store(merged.sources.count, ordering: .relaxed)
                if merged.sources.isEmpty { channel.finish() }
                tasks = merged.sources.map { source in
                    Task {
                        do {
                            for try await batch in source.batches {
                                if !(await channel.send(batch)) { return }
                            }
                        } catch is CancellationError {
                            return
                        } catch {
                            onError((error as? SluiceError)?.naming(source.name) ?? .io(path: source.name, operation: "read", errno: 5))
                        }
                        if running.count.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { channel.finish() }
                    }
                }
            }
        }

        deinit {
            channel.cancel()
            tasks.withLock { $0?.forEach { $0.cancel() } }
        }
    }
}

/// How many merged sources are still running.
final class RunningCount: Sendable {
    let count = Atomic(0)
}
