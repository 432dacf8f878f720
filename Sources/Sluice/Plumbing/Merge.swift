import Synchronization

/// Line sources read at the same time, each in a task of its own, their batches interleaved
/// as they come (as `tail -f` shows several files). A source that fails is reported to
/// `onError` and the others go on; the merge ends when every source has ended.
public struct AsyncMergedLineSources: AsyncSequence, Sendable {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let sources: [AsyncChainedLineSources.Source]
    let onError: @Sendable (SluiceError) -> Void
    let initialParts: InitialParts?

    /// With `initialParts` (made for as many sources, and told by each source when its first
    /// part has been yielded: ``FollowedFile/onCaughtUp``), the sources' first parts come
    /// whole and in the sources' order, as `tail -f a b` prints them, and only then are new
    /// lines interleaved as they come; a source whose first part was open but empty yields one
    /// empty batch with its name there (a printer puts its header where GNU tail does), and
    /// end markers without a fault are dropped (followed sources end only when following
    /// stops, and a header for them would come after the last lines).
    public init(_ sources: [AsyncChainedLineSources.Source], initialParts: InitialParts? = nil,
                onError: @escaping @Sendable (SluiceError) -> Void) {
        precondition(initialParts.map { $0.count == sources.count } ?? true, "one initial part for each source")
        self.sources = sources
        self.onError = onError
        self.initialParts = initialParts
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
                let channel = self.channel, onError = merged.onError, running = self.running, parts = merged.initialParts
                running.count.store(merged.sources.count, ordering: .relaxed)
                if merged.sources.isEmpty { channel.finish() }
                parts?.attach(channel, names: merged.sources.map(\.name))
                tasks = merged.sources.enumerated().map { index, source in
                    Task {
                        do {
                            for try await batch in source.batches {
                                if let parts {
                                    if batch.endsSource && !batch.isNotice && batch.failure == nil { continue }
                                    await parts.waitForTurn(index)
                                    if !batch.isEmpty || batch.entries.map({ !$0.isEmpty }) ?? false { parts.wrote(index) }
                                }
                                if !(await channel.send(batch)) { return }
                            }
                        } catch is CancellationError {
                            return
                        } catch {
                            onError((error as? SluiceError)?.naming(source.name) ?? .io(path: source.name, operation: "read", errno: 5))
                        }
                        parts?.ended(index)
                        if running.count.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { channel.finish() }
                    }
                }
            }
        }

        deinit {
            channel.cancel()
            merged.initialParts?.cancel()
            tasks.withLock { $0?.forEach { $0.cancel() } }
        }
    }
}

/// The order of merged followed files' first parts, for ``AsyncMergedLineSources``: GNU tail
/// prints each file's last lines in the order of its operands, then what is added to any of
/// them as it comes.
///
/// Make one for N sources, give source `i`'s ``FollowedFile`` `onCaughtUp: { parts.caughtUp(i, opened: $0) }`,
/// and pass it to the merge. Source `i` then waits with its first batch until every source
/// before it has caught up (or ended); sources that have caught up wait with their new lines
/// until all have. A source that is not a followed file (a pipe) counts as caught up when it
/// ends. While a source waits, its reader stops reading ahead (the hand-offs are bounded), so
/// memory stays as bounded as without it.
///
///     let parts = InitialParts(count: paths.count)
///     var sources: [AsyncChainedLineSources.Source] = []
///     for (i, path) in paths.enumerated() {
///         var file = FollowedFile(path: path, start: .lastLines(10), follow: .name)
///         file.onCaughtUp = { parts.caughtUp(i, opened: $0) }
///         sources.append((path, file.lineBatches(sourceName: path)))
///     }
///     let merged = AsyncMergedLineSources(sources, initialParts: parts, onError: { _ in })
public final class InitialParts: Sendable {
    /// How many sources.
    public let count: Int
    private struct State {
        var caught: [Bool]
        /// The source had an open file at the end of its first part (its header is due, lines or none).
        var headed: [Bool]
        var wroteLines: [Bool]
        /// The source whose first part is being yielded; `count` once all are.
        var turn = 0
        var advancing = false
        var cancelled = false
        var waiters: [(index: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var channel: HandOff<LineBatch>?
        var names: [String] = []
    }
    private let state: Locked<State>
    /// Every first part has been yielded: nobody waits any more (read without the lock).
    private let allDone = Atomic(false)

    public init(count: Int) {
        self.count = count
        state = Locked(State(caught: Array(repeating: false, count: count), headed: Array(repeating: false, count: count),
                             wroteLines: Array(repeating: false, count: count)))
        if count == 0 { allDone.store(true, ordering: .releasing) }
    }

    /// Source `index` has yielded its first part (``FollowedFile/onCaughtUp``); `opened`: its
    /// file was open (a missing file waited for prints no header, as in GNU tail).
    public func caughtUp(_ index: Int, opened: Bool) { mark(index, headed: opened) }

    /// Source `index` ended (a stream read to its end, a file that could not be opened).
    func ended(_ index: Int) { mark(index, headed: false) }

    /// Source `index` yielded lines: its header comes with them.
    func wrote(_ index: Int) {
        guard !allDone.load(ordering: .acquiring) else { return }
        state.withLock { $0.wroteLines[index] = true }
    }

    func attach(_ channel: HandOff<LineBatch>, names: [String]) {
        state.withLock { $0.channel = channel; $0.names = names }
    }

    /// Returns once source `index` may yield: its first part's turn has come, or all first parts are done.
    func waitForTurn(_ index: Int) async {
        if allDone.load(ordering: .acquiring) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.cancelled || s.turn == count || (index == s.turn && !s.caught[index]) { return true }
                s.waiters.append((index, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Resumes every waiter: the merge is gone.
    func cancel() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.cancelled = true
            defer { s.waiters = [] }
            return s.waiters.map(\.continuation)
        }
        waiting.forEach { $0.resume() }
    }

    private func mark(_ index: Int, headed: Bool) {
        let starts = state.withLock { s -> Bool in
            guard index < count, !s.caught[index] else { return false }
            s.caught[index] = true
            s.headed[index] = headed
            guard !s.advancing, s.turn < count, s.caught[s.turn] else { return false }
            s.advancing = true
            return true
        }
        if starts { Task { await advance() } }
    }

    /// Moves the turn past every source that has caught up, yielding the empty batch of each
    /// whose file was open but gave no line (its header), then lets the next source go on.
    private func advance() async {
        while true {
            let step = state.withLock { s -> (index: Int, header: (HandOff<LineBatch>, String)?)? in
                guard !s.cancelled, s.turn < count, s.caught[s.turn] else {
                    s.advancing = false
                    return nil
                }
                let i = s.turn
                let header = s.headed[i] && !s.wroteLines[i] ? s.channel.map { ($0, s.names[i]) } : nil
                return (i, header)
            }
            guard let step else { return }
            if let (channel, name) = step.header {
                _ = await channel.send(LineBatch(storage: [], entries: [], keepsCarriageReturn: true, sourceName: name))
            }
            let resumed = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.turn = step.index + 1
                let turn = s.turn
                if turn == count { allDone.store(true, ordering: .releasing) }
                let ready = s.waiters.filter { turn == count || $0.index == turn }
                s.waiters.removeAll { turn == count || $0.index == turn }
                return ready.map(\.continuation)
            }
            resumed.forEach { $0.resume() }
        }
    }
}

/// How many merged sources are still running.
final class RunningCount: Sendable {
    let count = Atomic(0)
}
