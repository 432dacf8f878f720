import Dispatch
import Sluice
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM, wired to the pipeline's ``StopToken``: the first one stops the input as
/// if it ended (what was read is processed and printed, a held partial line too, and a
/// compressed stream cut short is not reported as damaged); a second one exits at once, and so
/// does the first when the run has not ended ``grace`` after it: a stage busy in one long
/// computation (a regular expression on a huge line) never looks at the stop, and `timeout`,
/// `kill` or a single Ctrl-C must still end the process, as they end grep.
///
/// `@unchecked Sendable`: `sources` is set once in `init` and never changed (it only keeps the
/// signal sources alive); the rest is `Sendable`.
final class StopSignals: @unchecked Sendable {
    let token = StopToken()
    private let first = FirstSignal()
    private let sources: [DispatchSourceSignal]

    /// The first signal received (0 before any).
    private final class FirstSignal: Sendable {
        let number = Atomic<Int32>(0)
    }

    /// How long the first signal waits for the run to end before exiting.
    static let grace: DispatchTimeInterval = .seconds(3)

    init() {
        let token = self.token, first = self.first
        sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if first.number.compareExchange(expected: 0, desired: signalNumber, ordering: .acquiringAndReleasing).original != 0 {
                    _exit(128 + signalNumber)
                }
                token.request()
                DispatchQueue.global().asyncAfter(deadline: .now() + StopSignals.grace) {
                    _exit(128 + signalNumber)
                }
            }
            source.resume()
            return source
        }
    }

    /// The first signal received (0 before any).
    var received: Int32 { first.number.load(ordering: .acquiring) }

    /// The exit status: 128 + the signal that stopped the run, else `status`.
    func exitStatus(_ status: Int32) -> Int32 { received != 0 ? 128 + received : status }
}

