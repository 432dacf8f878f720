import Dispatch
import Synchronization

/// A bounded queue that hands elements from one producer to one asynchronous consumer.
///
/// The producer is either a thread that may block (`sendBlocking`) or a task (`send`); when
/// `capacity` elements wait, it is held until the consumer takes one, so memory stays bounded.
/// `cancel()` wakes both sides; after it the producer's sends return `false`.
///
/// A producer that must never wait (a handler on the event loop) uses `offerNow` instead and
/// is called back through `onSpace` when the consumer has taken an element after a refusal,
/// or when the hand-off is cancelled.
final class HandOff<Element: Sendable>: Sendable {
    private enum End { case finished, failed(any Error) }
    private enum Outcome { case element(Element), end(End), cancelled, wait }

    private struct State {
        var items: [Element] = []
        var end: End?
        var consumer: UnsafeContinuation<Element?, any Error>?
        /// Producer tasks waiting for room (a merge has several).
        var asyncProducers: [UnsafeContinuation<Bool, Never>] = []
        var producerBlocked = false
        /// `offerNow` was refused: `onSpace` is owed.
        var spaceWanted = false
        var cancelled = false
    }

    private let capacity: Int
    private let state = Locked(State())
    private let space = DispatchSemaphore(value: 0)
    private let onSpace: (@Sendable () -> Void)?

    init(capacity: Int, onSpace: (@Sendable () -> Void)? = nil) {
        self.capacity = max(1, capacity)
        self.onSpace = onSpace
    }

    /// Offers an element without waiting: `true` when taken, `false` when the hand-off is
    /// cancelled, `nil` when it is full (then `onSpace` is called once there is room, or on cancel).
    func offerNow(_ element: Element) -> Bool? {
        let (consumer, taken): (UnsafeContinuation<Element?, any Error>?, Bool?) = state.withLock { s in
            if s.cancelled { return (nil, false) }
            if let c = s.consumer { s.consumer = nil; return (c, true) }
            if s.items.count < capacity { s.items.append(element); return (nil, true) }
            s.spaceWanted = true
            return (nil, nil)
        }
        consumer?.resume(returning: element)
        return taken
    }

    /// How many elements wait to be taken.
    var queuedCount: Int { state.withLock { $0.items.count } }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Offers an element; `nil` when the queue is full, `true`/`false` when it was taken or
    /// the queue is cancelled.
    private func offer(_ element: Element) -> Bool? {
        let (consumer, taken): (UnsafeContinuation<Element?, any Error>?, Bool?) = state.withLock { s in
            if s.cancelled { return (nil, false) }
            if let c = s.consumer { s.consumer = nil; return (c, true) }
            if s.items.count < capacity { s.items.append(element); return (nil, true) }
            return (nil, nil)
        }
        consumer?.resume(returning: element)
        return taken
    }

    /// Sends from a thread that may block. Returns `false` once the consumer has gone.
    func sendBlocking(_ element: Element) -> Bool {
        while true {
            if let taken = offer(element) { return taken }
            let wait = state.withLock { s -> Bool in
                if s.cancelled || s.items.count < capacity { return false }
                s.producerBlocked = true
                return true
            }
            if wait { space.wait() }
        }
    }

    /// Sends from a task, suspending while the queue is full. Returns `false` once the
    /// consumer has gone.
    func send(_ element: Element) async -> Bool {
        while true {
            if let taken = offer(element) { return taken }
            let proceed = await withUnsafeContinuation { (c: UnsafeContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { s in
                    if s.cancelled { return false }
                    if s.items.count < capacity { return true }
                    s.asyncProducers.append(c)
                    return nil
                }
                if let r = resumeNow { c.resume(returning: r) }
            }
            if !proceed { return false }
        }
    }

    /// Ends the stream after the queued elements, with an error if one is given.
    func finish(throwing error: (any Error)? = nil) {
        let consumer: UnsafeContinuation<Element?, any Error>? = state.withLock { s in
            guard case .none = s.end else { return nil }
            s.end = error.map { .failed($0) } ?? .finished
            let c = s.consumer
            s.consumer = nil
            return c
        }
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
    }

    /// Stops both sides: a waiting consumer gets `CancellationError`, a waiting producer `false`.
    func cancel() {
        let (consumer, producers, blocked, wasCancelled) = state.withLock { s in
            let was = s.cancelled
            s.cancelled = true
            s.items.removeAll()
            defer { s.consumer = nil; s.asyncProducers = []; s.producerBlocked = false; s.spaceWanted = false }
            return (s.consumer, s.asyncProducers, s.producerBlocked, was)
        }
        consumer?.resume(throwing: CancellationError())
        for producer in producers { producer.resume(returning: false) }
        if blocked { space.signal() }
        if !wasCancelled { onSpace?() }
    }

    /// Called with the lock held after an element was taken: lets held producers try again.
    private func releaseProducer(_ s: inout State) -> ([UnsafeContinuation<Bool, Never>], Bool) {
        let waiting = s.asyncProducers
        s.asyncProducers = []
        let blocked = s.producerBlocked
        s.producerBlocked = false
        return (waiting, blocked)
    }

    /// The next element for an iterator that owns this hand-off: runs `start` (which starts
    /// the producer once), then takes an element; after the end or an error, `done` is set and
    /// every later call returns `nil` at once.
    func next(done: inout Bool, start: () -> Void) async throws -> Element? {
        guard !done else { return nil }
        start()
        do {
            if let element = try await next() { return element }
            done = true
            return nil
        } catch {
            done = true
            throw error
        }
    }

    /// Takes the next element, waiting for one; `nil` at the end of the stream.
    func next() async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<Element?, any Error>) in
                let (outcome, producers, blocked, wanted): (Outcome, [UnsafeContinuation<Bool, Never>], Bool, Bool) = state.withLock { s in
                    if s.cancelled { return (.cancelled, [], false, false) }
                    let wanted = s.spaceWanted
                    s.spaceWanted = false
                    if !s.items.isEmpty {
                        let e = s.items.removeFirst()
                        let (p, b) = releaseProducer(&s)
                        return (.element(e), p, b, wanted)
                    }
                    if let end = s.end { return (.end(end), [], false, wanted) }
                    s.consumer = c
                    let (p, b) = releaseProducer(&s)
                    return (.wait, p, b, wanted)
                }
                for producer in producers { producer.resume(returning: true) }
                if blocked { space.signal() }
                if wanted { onSpace?() }
                switch outcome {
                case .element(let e): c.resume(returning: e)
                case .end(.failed(let error)): c.resume(throwing: error)
                case .end: c.resume(returning: nil)
                case .cancelled: c.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            self.cancel()
        }
    }
}
