import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress line on standard error, as `pv` draws it: bytes read of the total, percent,
/// throughput, elapsed and remaining time, and the current file when there are several.
///
/// Redrawn at most 10 times a second from its own thread, first after half a second (short
/// work shows nothing), and erased by ``stop()``. While it is shown, ``OutputWriter`` erases it
/// before writing to the same terminal, so output lines are never mixed with it.
///
///     let meter = ProgressMeter(statistics: statistics, showsFileNames: paths.count > 1)
///     meter.start()
///     ... run the pipeline ...
///     meter.stop()
public final class ProgressMeter: Sendable {
    private let statistics: PipelineStatistics
    private let showsFileNames: Bool
    private let descriptor: Int32
    private let state = Locked(State())

    private struct State {
        var running = false
        var shown = false
    }

    /// The meter being drawn, so that writers to the terminal can erase it first.
    static let active = Locked<ProgressMeter?>(nil)

    /// A meter for `statistics`, drawn on `descriptor` (standard error).
    public init(statistics: PipelineStatistics, showsFileNames: Bool, descriptor: Int32 = 2) {
        self.statistics = statistics
        self.showsFileNames = showsFileNames
        self.descriptor = descriptor
    }

    /// Whether a meter is wanted by default: standard error is a terminal.
    public static var standardErrorIsTerminal: Bool { isatty(2) == 1 }

    /// Starts drawing.
    public func start() {
        state.withLock { $0.running = true }
        Self.active.withLock { $0 = self }
        startDetachedThread { [self] in
            usleep(500_000)
            while state.withLock({ $0.running }) {
                draw()
                usleep(100_000)
            }
        }
    }

    /// Stops drawing and erases the line.
    public func stop() {
        Self.active.withLock { if $0 === self { $0 = nil } }
        state.withLock { state in
            state.running = false
            if state.shown { writeText("\r\u{1B}[K"); state.shown = false }
        }
    }

    /// Runs `body` (a write to the terminal) with the line erased and not redrawn meanwhile;
    /// it is drawn again at the next tick.
    static func whileErased<R>(_ body: () throws -> R) rethrows -> R {
        guard let meter = active.withLock({ $0 }) else { return try body() }
        return try meter.state.withLock { state in
            if state.shown { meter.writeText("\r\u{1B}[K"); state.shown = false }
            return try body()
        }
    }

    /// The line as drawn now.
    public func line() -> String {
        let read = statistics.bytesRead
        let total = statistics.totalBytes
        let elapsed = max(statistics.elapsedSeconds, 0.001)
        let rate = Double(read) / elapsed
        var parts: [String] = []
        if showsFileNames, let file = statistics.currentFile { parts.append(file) }
        if total > 0 {
            let fraction = min(1, Double(read) / Double(total))
            parts.append("\(Self.bytes(read)) / \(Self.bytes(total))")
            parts.append("\(Int(fraction * 100))%")
            parts.append("\(Self.bytes(Int64(rate)))/s")
            parts.append(Self.duration(elapsed) + " elapsed")
            if rate > 0 { parts.append(Self.duration(Double(total - read) / rate) + " left") }
        } else {
            parts.append(Self.bytes(read))
            parts.append("\(Self.bytes(Int64(rate)))/s")
            parts.append(Self.duration(elapsed) + " elapsed")
        }
        return parts.joined(separator: "  ")
    }

    private func draw() {
        let text = "\r\u{1B}[K" + line()
        state.withLock { state in
            guard state.running else { return }
            writeText(text)
            state.shown = true
        }
    }

    private func writeText(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(descriptor, $0.baseAddress, $0.count) }
    }

    /// A byte count for people: `123 B`, `4.5 KiB`, `12.0 MiB`, `1.0 GiB`.
    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(n) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }

    /// `0:07`, `12:03`, `1:02:03`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
    }
}
