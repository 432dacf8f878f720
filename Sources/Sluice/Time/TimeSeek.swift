#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds, without reading a plain log file from its start, the first record stamped at or
/// after a time: a binary search over byte offsets in which each probe reads a few KiB with
/// `pread` from the middle of the range, skips the partial line there, and takes the first
/// whole line that has a timestamp (``LogTime``); a record's continuation lines (no timestamp)
/// are never taken for its start. When the range is down to one block it is scanned.
///
/// The search assumes the file is in time order. Every probe is checked against the ones
/// before it: a later offset stamped earlier than an earlier offset by more than `tolerance`
/// means the file is not in order, and the search reports ``TimeSeek/Outcome/unordered(offset:)``, the
/// caller's cue to read the file linearly (nothing is printed here).
public struct TimeSeek: Sendable {
    /// What the search found.
    public enum Outcome: Sendable, Equatable {
        /// The first record at or after the time starts at `offset` (the file's size when none does).
        case found(offset: Int64)
        /// Time runs backwards by more than the tolerance at `offset`.
        case unordered(offset: Int64)
    }

    /// The outcome and what it cost (`bytesRead` counts the file's bytes).
    public typealias Result = TimeSeekResult<Outcome>

    /// The parser of the file's timestamps.
    public var parser: LogTime
    /// How far back in time a later line may be before the file counts as not in order, in microseconds.
    public var tolerance: Int64
    /// How many bytes a probe reads at a time.
    public var blockSize: Int

    public init(parser: LogTime, tolerance: Int64 = 300 * LogTime.second, blockSize: Int = 4096) {
        self.parser = parser
        self.tolerance = tolerance
        self.blockSize = Swift.max(64, blockSize)
    }

    /// How far into a file the first timestamp is looked for: a search that finds none there
    /// returns no ``TimeSeekResult/firstTimestamp`` (the caller's error, as the stages report it:
    /// ``SluiceError/noTimestamp(path:limit:)``).
    public static var untimedByteLimit: Int { TimestampPresence.limit }

    /// Searches the regular file at `path` for the first record at or after `bound`.
    public func search(path: String, for bound: TimeBound) throws(SluiceError) -> Result {
        let file = try ProbeFile(path: path, blockSize: blockSize)
        defer { file.finish() }
        var result = Result(outcome: .found(offset: file.size), firstTimestamp: nil, target: 0, probes: 0, bytesRead: 0)
        defer { result.bytesRead = file.bytesRead }
        var probes = ProbeSamples(tolerance: tolerance)
        func record(_ offset: Int64, _ time: Int64) -> Bool { probes.record(offset, time) }

        result.probes += 1
        // The first stamp is looked for in the first MiB only, the limit the stages keep too (see
        // TimestampPresence): a file without one there is not a log sluice reads, and is not read
        // to its end to say so.
        guard let first = try file.firstStamped(from: 0, before: Swift.min(file.size, Int64(Self.untimedByteLimit)), parser: parser) else {
            result.bytesRead = file.bytesRead
            return result  // no timestamp: nothing is at or after any time
        }
        result.firstTimestamp = first.time
        let target = bound.resolved(firstTimestamp: first.time)
        result.target = target
        _ = record(first.offset, first.time)
        // Two probes whatever the target, the middle and the end, so that a file out of order is
        // seen even when the target is before its first line.
        for start in [file.size / 2, Swift.max(0, file.size - Int64(blockSize))] where start > first.offset {
            result.probes += 1
            guard let probe = try file.firstStamped(from: start, before: file.size, parser: parser) else { continue }
            guard record(probe.offset, probe.time) else {
                result.outcome = .unordered(offset: probe.offset)
                result.bytesRead = file.bytesRead
                return result
            }
        }
        if first.time >= target {
            result.outcome = .found(offset: first.offset)
            result.bytesRead = file.bytesRead
            return result
        }
        var lo = first.offset + 1, hi = file.size, best = file.size
        while hi - lo > Int64(blockSize) {
            let mid = lo + (hi - lo) / 2
            result.probes += 1
            guard let probe = try file.firstStamped(from: mid, before: hi, parser: parser) else {
                hi = mid
                continue
            }
            guard record(probe.offset, probe.time) else {
                result.outcome = .unordered(offset: probe.offset)
                result.bytesRead = file.bytesRead
                return result
            }
            if probe.time >= target {
                best = Swift.min(best, probe.offset)
                hi = mid
            } else {
                lo = probe.offset + 1
            }
        }
        // The last block: scan it line by line.
        result.probes += 1
        var latest = Int64.min
        var outcome = Outcome.found(offset: best)
        try file.forEachLine(from: lo, before: best) { offset, bytes in
            guard let t = parser.parse(bytes) else { return true }
            if latest != Int64.min && t < latest - tolerance { outcome = .unordered(offset: offset); return false }
            latest = Swift.max(latest, t)
            if t >= target { outcome = .found(offset: offset); return false }
            return true
        }
        if case .found(let offset) = outcome, offset == best, best < file.size {
            // `best` was seen by a probe; check it against what came before it in the scan.
            if latest != Int64.min, let sample = probes.samples.first(where: { $0.offset == best }), sample.time < latest - tolerance {
                outcome = .unordered(offset: best)
            }
        }
        result.outcome = outcome
        result.bytesRead = file.bytesRead
        return result
    }
}

extension TimeSeek {
    /// The lines of the regular file at `path` from byte `offset` (where ``search(path:for:)``
    /// found a record to start), read in `chunkSize` chunks with little read-ahead so that a
    /// stage that ends the stream early (``_Concurrency/AsyncSequence/until(_:parser:stop:)``)
    /// leaves most of the file unread. Bytes and lines are counted in `statistics`, if any,
    /// with `probeBytes` (what the search read) added to the bytes read.
    public static func lineBatches(path: String, name: String, offset: Int64, chunkSize: Int = 256 << 10,
                                   probeBytes: Int64 = 0, maxLineLength: Int = 64 << 20,
                                   statistics: PipelineStatistics? = nil)
        -> some AsyncSequence<LineBatch, any Error> & Sendable {
        statistics?.opened(name)
        statistics?.addRead(Int(probeBytes))
        return FileChunks(path: path, chunkSize: chunkSize, offset: offset, readAhead: 1)
            .observed { statistics?.addRead($0.count); statistics?.addInflated($0.count) }
            .lineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength, sourceName: name)
            .observed { statistics?.addLines($0.lineCount) }
    }
}

/// What a search by time found (``TimeSeek``, ``BGZFTimeSeek``: each has its own `Outcome`,
/// where to start reading) and what it cost.
public struct TimeSeekResult<Outcome: Sendable & Equatable>: Sendable, Equatable {
    public var outcome: Outcome
    /// The first timestamp of the file (`nil` when none was found), which resolves a time of day.
    public var firstTimestamp: Int64?
    /// The instant searched for.
    public var target: Int64
    /// How many probes were made, and how many bytes of the file they read (compressed bytes
    /// for ``BGZFTimeSeek``).
    public var probes: Int
    public var bytesRead: Int64

    /// A result with these fields.
    public init(outcome: Outcome, firstTimestamp: Int64?, target: Int64, probes: Int, bytesRead: Int64) {
        self.outcome = outcome
        self.firstTimestamp = firstTimestamp
        self.target = target
        self.probes = probes
        self.bytesRead = bytesRead
    }
}

/// The probes of a search, in offset order: a later offset stamped earlier than an earlier one
/// by more than `tolerance` shows the file out of order.
struct ProbeSamples {
    let tolerance: Int64
    private(set) var samples: [(offset: Int64, time: Int64)] = []

    init(tolerance: Int64) { self.tolerance = tolerance }

    /// Records a probe; false when it shows the file out of order.
    mutating func record(_ offset: Int64, _ time: Int64) -> Bool {
        var index = samples.count
        while index > 0 && samples[index - 1].offset > offset { index -= 1 }
        if index > 0 && samples[index - 1].time > time + tolerance { return false }
        if index < samples.count && time > samples[index].time + tolerance { return false }
        samples.insert((offset, time), at: index)
        return true
    }
}

/// A regular file read a block at a time with `pread`, line by line from any offset.
final class ProbeFile {
    let fd: Int32
    let size: Int64
    let path: String
    let blockSize: Int
    private(set) var bytesRead: Int64 = 0
    private var buffer: [UInt8] = []

    init(path: String, blockSize: Int) throws(SluiceError) {
        self.path = path
        self.blockSize = blockSize
        fd = RawBytes.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, operation: "open", errno: errno) }
        var st = stat()
        if fstat(fd, &st) != 0 { let e = errno; _ = close(fd); throw .io(path: path, operation: "stat", errno: e) }
        size = Int64(st.st_size)
    }

    func finish() { _ = close(fd) }

    /// The first line that starts at or after `from` (and before `before`) and has a timestamp.
    func firstStamped(from: Int64, before: Int64, parser: LogTime) throws(SluiceError) -> (offset: Int64, time: Int64)? {
        var found: (Int64, Int64)?
        try forEachLine(from: from, before: before) { offset, bytes in
            guard let t = parser.parse(bytes) else { return true }
            found = (offset, t)
            return false
        }
        return found
    }

    /// Calls `body` with each whole line that starts at or after `from` and before `before`
    /// (a line cut by `from` is skipped; the bytes exclude the LF), until it returns false.
    func forEachLine(from: Int64, before: Int64, _ body: (Int64, UnsafeRawBufferPointer) -> Bool) throws(SluiceError) {
        // Reading from the byte before `from` tells whether `from` starts a line.
        var bufferStart = Swift.max(0, from - 1)
        buffer.removeAll(keepingCapacity: true)
        var atEnd = false
        var scan = 0  // where to look for the next LF in the buffer
        var lineStart: Int64? = from == 0 ? 0 : nil
        while true {
            // Find the next LF at or after `scan`.
            let newline: Int? = buffer.withUnsafeBytes { b in
                guard scan < b.count, let base = b.baseAddress,
                      let hit = memchr(base + scan, 0x0A, b.count - scan) else { return nil }
                return UnsafeRawPointer(hit) - base
            }
            if let newline {
                if let start = lineStart {
                    let local = Int(start - bufferStart)
                    let keepGoing = buffer.withUnsafeBytes { b in body(start, UnsafeRawBufferPointer(rebasing: b[local..<newline])) }
                    if !keepGoing { return }
                }
                let next = bufferStart + Int64(newline) + 1
                if next >= before { return }
                lineStart = next
                scan = newline + 1
                continue
            }
            if atEnd {
                if let start = lineStart, start < size {
                    let local = Int(start - bufferStart)
                    if local < buffer.count {
                        _ = buffer.withUnsafeBytes { b in body(start, UnsafeRawBufferPointer(rebasing: b[local...])) }
                    }
                }
                return
            }
            // Drop what is before the current line, then read another block.
            let keepFrom = lineStart.map { Int($0 - bufferStart) } ?? buffer.count
            if keepFrom > 0 {
                buffer.removeFirst(keepFrom)
                bufferStart += Int64(keepFrom)
                scan -= keepFrom
            }
            scan = buffer.count
            let position = bufferStart + Int64(buffer.count)
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: blockSize))
            var n = 0
            while true {
                n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + old, blockSize, off_t(position)) }
                if n < 0 && errno == EINTR { continue }
                break
            }
            if n < 0 { throw .io(path: path, operation: "read", errno: errno) }
            bytesRead += Int64(n)
            buffer.removeLast(blockSize - n)
            if n == 0 { atEnd = true }
        }
    }
}
