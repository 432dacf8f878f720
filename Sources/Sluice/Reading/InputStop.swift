import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A process-wide request to stop reading input: file readers and followers then end as at
/// the end of their input, so every stage after them finishes normally (a partial last line
/// is yielded, counts are printed, output is flushed). For SIGINT and SIGTERM handlers.
public enum InputStop {
    private static let requested = Atomic(false)
    /// A pipe that becomes readable on a stop request, for readers waiting in `poll`.
    static let pipe = WakeupPipe()

    /// Asks every reader to end; safe to call from any thread, more than once.
    public static func request() {
        if !requested.exchange(true, ordering: .acquiringAndReleasing) { pipe.signal() }
    }

    /// Whether a stop was requested.
    public static var isRequested: Bool { requested.load(ordering: .acquiring) }

    /// The descriptor to add to a `poll` set.
    static var descriptor: Int32 { pipe.readEnd }
}
