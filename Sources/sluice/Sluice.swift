import Dispatch
import Synchronization
import CByteScan
import Sluice
import SluiceCommands
#if canImport(Glibc)
import Glibc
#endif

@main
struct SluiceMain {
    static func main() async {
        signal(SIGPIPE, SIG_DFL)  // a closed pipe ends the program quietly, as for grep
        // Chunks of about 1 MiB are allocated and freed all the time: keep them out of mmap so
        // their pages are not faulted in again for every chunk (peak memory is unchanged).
        sluice_tune_allocator_for_streaming()
        // SIGINT and SIGTERM stop the input as if it ended: what was read is processed and
        // printed (a held partial line too), then sluice exits with 128 + the signal.
        let received = SignalBox()
        let sources = installStopHandlers(received)
        let status = await runCommandLine(Array(CommandLine.arguments.dropFirst()))
        withExtendedLifetime(sources) {}
        let signalNumber = received.value
        exit(signalNumber != 0 ? 128 + signalNumber : status)
    }
}

/// The first signal received (0 before any).
final class SignalBox: Sendable {
    private let number = Atomic<Int32>(0)
    /// Records `signal` if none was; returns the one recorded before.
    func set(_ signal: Int32) -> Int32 { number.compareExchange(expected: 0, desired: signal, ordering: .acquiringAndReleasing).original }
    var value: Int32 { number.load(ordering: .acquiring) }
}

/// SIGINT and SIGTERM request an ``InputStop`` (a second one exits at once).
nonisolated func installStopHandlers(_ received: SignalBox) -> [DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            if received.set(number) != 0 { _exit(128 + number) }
            InputStop.request()
        }
        source.resume()
        return source
    }
}
