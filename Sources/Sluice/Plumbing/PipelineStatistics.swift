import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counters a pipeline updates while it runs: what a progress line and `--stats` show. Every
/// field may be read from any thread at any time (atomics; the current file under a mutex).
///
///     let statistics = PipelineStatistics()
///     var options = InputFiles.Options()
///     options.statistics = statistics
///     for try await batch in InputFiles(paths, options: options, onError: { _ in }).lineBatches() { ... }
///     print(statistics.bytesRead, statistics.linesScanned)
public final class PipelineStatistics: Sendable {
    private let read = Atomic<Int64>(0)
    private let inflated = Atomic<Int64>(0)
    private let lines = Atomic<Int>(0)
    private let malformed = Atomic<Int>(0)
    private let files = Atomic<Int>(0)
    private let total = Atomic<Int64>(0)
    /// How to find the total, run when it is first asked for (a `stat` per input: thousands of
    /// files under `grep -r` are not stat'ed again unless a progress line or `--stats` asks).
    private let pendingTotal = Locked<(@Sendable () -> Int64)?>(nil)
    private let current = Locked<String?>(nil)
    /// When the statistics were created (monotonic clock, seconds).
    public let startTime = PipelineStatistics.now()

    public init() {}

    /// Bytes read from the inputs (compressed bytes for gzip input).
    public var bytesRead: Int64 { read.load(ordering: .relaxed) }
    /// Bytes after inflating (equal to ``bytesRead`` for plain input).
    public var bytesInflated: Int64 { inflated.load(ordering: .relaxed) }
    /// Lines split from the inputs.
    public var linesScanned: Int { lines.load(ordering: .relaxed) }
    /// Lines that began as JSON or logfmt but broke its rules, skipped by `where`, `fields` and `count --by`.
    public var malformedLines: Int { malformed.load(ordering: .relaxed) }
    /// Inputs opened so far.
    public var filesOpened: Int { files.load(ordering: .relaxed) }
    /// The summed size of the inputs whose size is known (regular files); 0 when none is.
    public var totalBytes: Int64 {
        if let measure = pendingTotal.withLock({ pending in defer { pending = nil }; return pending }) {
            total.store(measure(), ordering: .relaxed)
        }
        return total.load(ordering: .relaxed)
    }
    /// The input being read.
    public var currentFile: String? { current.withLock { $0 } }
    /// Seconds since ``startTime``.
    public var elapsedSeconds: Double { Self.now() - startTime }

    func addRead(_ n: Int) { read.add(Int64(n), ordering: .relaxed) }
    func addInflated(_ n: Int) { inflated.add(Int64(n), ordering: .relaxed) }
    func addLines(_ n: Int) { lines.add(n, ordering: .relaxed) }
    func addMalformed(_ n: Int) { malformed.add(n, ordering: .relaxed) }
    func setTotal(_ n: Int64) {
        pendingTotal.withLock { $0 = nil }
        total.store(n, ordering: .relaxed)
    }
    /// Sets the total to what `measure` gives, measured when ``totalBytes`` is first read.
    func setTotal(measuredBy measure: @escaping @Sendable () -> Int64) { pendingTotal.withLock { $0 = measure } }
    func opened(_ name: String) {
        files.add(1, ordering: .relaxed)
        current.withLock { $0 = name }
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
