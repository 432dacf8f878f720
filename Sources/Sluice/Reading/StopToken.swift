import Synchronization

/// A request to stop reading input, made by the caller (a SIGINT or SIGTERM handler, a
/// time-out, a user interface) and passed to the readers it should stop: ``FileChunks``,
/// ``InputFiles`` (``InputFiles/Options/stop``) and ``FollowedFile``. Once ``request()`` is
/// called, each of them ends as at the end of its input, so every stage after it finishes
/// normally: a partial last line is yielded, counts are printed, output is flushed, and a
/// compressed stream cut short by the stop is not reported as truncated
/// (``DecompressionOptions/stop``).
///
/// One token may be shared by any number of readers; it is never reset.
///
///     let stop = StopToken()
///     var options = InputFiles.Options()
///     options.stop = stop
///     // later, from any thread:
///     stop.request()
public final class StopToken: Sendable, Hashable {
    private let requested = Atomic(false)
    /// Readers to wake when the stop is requested (those waiting for data that may never come).
    private let handlers = Locked<(next: Int, waiting: [Int: @Sendable () -> Void])>((0, [:]))

    public init() {}

    /// Asks every reader that holds this token to end; safe to call from any thread, more than once.
    public func request() {
        guard !requested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let waiting = handlers.withLock { state -> [@Sendable () -> Void] in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for handler in waiting { handler() }
    }

    /// Whether a stop was requested.
    public var isRequested: Bool { requested.load(ordering: .acquiring) }

    /// Calls `handler` once when the stop is requested (at once if it already was); returns a
    /// key for ``removeHandler(_:)``.
    @discardableResult
    func onRequest(_ handler: @escaping @Sendable () -> Void) -> Int {
        let key: Int? = handlers.withLock { state in
            if isRequested { return nil }
            state.next += 1
            state.waiting[state.next] = handler
            return state.next
        }
        guard let key else { handler(); return 0 }
        return key
    }

    /// Forgets a handler (its reader has ended).
    func removeHandler(_ key: Int) {
        guard key != 0 else { return }
        _ = handlers.withLock { $0.waiting.removeValue(forKey: key) }
    }

    public static func == (a: StopToken, b: StopToken) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
