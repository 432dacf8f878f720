#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Finds, without inflating a BGZF file (`bgzip`'s output, as tabix and samtools write it) from
/// its start, where to start reading it for the first record stamped at or after a time.
///
/// A BGZF file is a chain of gzip members ("blocks") of at most 64 KiB of text each, every one
/// with its compressed size in the `BC` subfield (`BSIZE`) of its header's extra field. The
/// search is a binary search over compressed byte offsets, as ``TimeSeek`` makes over a plain
/// file: a probe reads from the middle of the range, finds the first block that starts there
/// (the 16 fixed header bytes, confirmed by the next block's header where `BSIZE` says it is),
/// inflates it (and the blocks after it while no whole line with a timestamp is found, at most
/// 1 MiB), skips the line cut by the block's start, and takes the first line with a timestamp.
/// The search ends at the last probe stamped before the time with less than 64 KiB of
/// compressed range left: reading starts there, at that line, and the ``_Concurrency/AsyncSequence/since(_:parser:)``
/// stage after it drops the few records before the time (at most about two blocks of text).
///
/// The probes are checked against each other as ``TimeSeek``'s are: a later one stamped earlier
/// by more than `tolerance` gives ``BGZFTimeSeek/Outcome/unordered(offset:)`` (the caller then reads the file in full).
/// Files that are gzip but not BGZF are not this type's: ``BGZFTimeSeek/isBGZF(path:)`` tells them apart.
public struct BGZFTimeSeek: Sendable {
    /// Where to start.
    public enum Outcome: Sendable, Equatable {
        /// Read from the block at compressed offset `block`, dropping its first `skip` inflated bytes.
        case found(block: Int64, skip: Int)
        /// Time runs backwards by more than the tolerance near compressed offset `offset`.
        case unordered(offset: Int64)
    }

    /// The outcome and what it cost (`bytesRead` counts compressed bytes; `firstTimestamp` is
    /// `nil` when the file's first MiB of text has none).
    public typealias Result = TimeSeekResult<Outcome>

    public var parser: LogTime
    /// How far back in time a later probe may be before the file counts as not in order, in microseconds.
    public var tolerance: Int64

    public init(parser: LogTime, tolerance: Int64 = 300 * LogTime.second) {
        self.parser = parser
        self.tolerance = tolerance
    }

    /// Whether the file at `path` starts with a BGZF block header.
    public static func isBGZF(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        var header = [UInt8](repeating: 0, count: 18)
        let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 18, 0) }
        return n == 18 && blockSize(header, 0) != nil
    }

    /// The total size of the block whose header starts at `i` of `bytes`, when 18 bytes there are a BGZF header.
    static func blockSize(_ bytes: [UInt8], _ i: Int) -> Int? {
        guard i + 18 <= bytes.count, bytes[i] == 0x1F, bytes[i + 1] == 0x8B, bytes[i + 2] == 8, bytes[i + 3] & 4 != 0,
              bytes[i + 10] == 6, bytes[i + 11] == 0, bytes[i + 12] == 0x42, bytes[i + 13] == 0x43,
              bytes[i + 14] == 2, bytes[i + 15] == 0 else { return nil }
        let size = Int(bytes[i + 16]) | Int(bytes[i + 17]) << 8
        return size >= 25 ? size + 1 : nil
    }

    /// Searches the BGZF file at `path` for where the first record at or after `bound` can be read from.
    public func search(path: String, for bound: TimeBound) throws(SluiceError) -> Result {
        let file = try BGZFFile(path: path)
        defer { file.finish() }
        var result = Result(outcome: .found(block: 0, skip: 0), firstTimestamp: nil, target: 0, probes: 1, bytesRead: 0)
        guard let first = try file.firstStamped(block: 0, parser: parser) else {
            result.bytesRead = file.bytesRead
            return result
        }
        result.firstTimestamp = first.time
        let target = bound.resolved(firstTimestamp: first.time)
        result.target = target
        var probes = ProbeSamples(tolerance: tolerance)
        _ = probes.record(0, first.time)
        func ordered(_ offset: Int64, _ time: Int64) -> Bool { probes.record(offset, time) }
        var start = (block: Int64(0), skip: first.skip)
        // A probe near the end as well, so that a file out of order is seen whatever the target.
        if let last = try file.nextBlock(atOrAfter: Swift.max(0, file.size - 3 * 65536)), last > 0 {
            result.probes += 1
            if let probe = try file.firstStamped(block: last, parser: parser), !ordered(last, probe.time) {
                result.outcome = .unordered(offset: last)
                result.bytesRead = file.bytesRead
                return result
            }
        }
        if first.time < target {
            var lo: Int64 = 0, hi = file.size
            while hi - lo > 65536 {
                let mid = lo + (hi - lo) / 2
                guard let block = try file.nextBlock(atOrAfter: mid), block < hi else { hi = mid; continue }
                result.probes += 1
                guard let probe = try file.firstStamped(block: block, parser: parser) else { hi = mid; continue }
                guard ordered(block, probe.time) else {
                    result.outcome = .unordered(offset: block)
                    result.bytesRead = file.bytesRead
                    return result
                }
                if probe.time < target {
                    lo = block
                    start = (block, probe.skip)
                } else {
                    hi = mid
                }
            }
        }
        result.outcome = .found(block: start.block, skip: start.skip)
        result.bytesRead = file.bytesRead
        return result
    }
}

extension BGZFTimeSeek {
    /// The lines of the BGZF file at `path` from where ``search(path:for:)`` said to start.
    /// Byte offsets and line numbers count from there.
    public static func lineBatches(path: String, name: String, block: Int64, skip: Int, probeBytes: Int64 = 0,
                                   maxLineLength: Int = 64 << 20, statistics: PipelineStatistics? = nil)
        -> some AsyncSequence<LineBatch, any Error> & Sendable {
        statistics?.opened(name)
        statistics?.addRead(Int(probeBytes))
        return FileChunks(path: path, chunkSize: 64 << 10, offset: block, readAhead: 1)
            .observed { statistics?.addRead($0.count) }
            .gunzip()
            .droppingFirst(skip)
            .observed { statistics?.addInflated($0.count) }
            .lineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength, sourceName: name)
            .observed { statistics?.addLines($0.lineCount) }
    }
}

/// A BGZF file read block by block with `pread`.
final class BGZFFile {
    let fd: Int32
    let size: Int64
    let path: String
    private(set) var bytesRead: Int64 = 0
    private let inflater = ZStream(.inflate)

    init(path: String) throws(SluiceError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, operation: "open", errno: errno) }
        var st = stat()
        if fstat(fd, &st) != 0 { let e = errno; _ = close(fd); throw .io(path: path, operation: "stat", errno: e) }
        size = Int64(st.st_size)
    }

    func finish() { _ = close(fd) }

    /// Up to `count` bytes at `offset`.
    func read(_ offset: Int64, _ count: Int) throws(SluiceError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset) + off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .io(path: path, operation: "read", errno: errno) }
            if n == 0 { break }
            got += n
        }
        bytesRead += Int64(got)
        bytes.removeLast(count - got)
        return bytes
    }

    /// The offset of the first block that starts at or after `offset`: a header there whose
    /// `BSIZE` leads to another header or to the end of the file. Read 16 KiB at a time (text
    /// blocks are smaller than that compressed), up to the 64 KiB within which a block must start.
    func nextBlock(atOrAfter offset: Int64) throws(SluiceError) -> Int64? {
        var bytes: [UInt8] = []
        var i = 0
        while bytes.count < 65536 + 18 {
            let more = try read(offset + Int64(bytes.count), 16384)
            if more.isEmpty { break }
            bytes += more
            while i + 18 <= bytes.count {
                if let size = BGZFTimeSeek.blockSize(bytes, i) {
                    let next = offset + Int64(i + size)
                    if next == self.size { return offset + Int64(i) }
                    let header = i + size + 18 <= bytes.count ? Array(bytes[(i + size)..<(i + size + 18)]) : try read(next, 18)
                    if BGZFTimeSeek.blockSize(header, 0) != nil { return offset + Int64(i) }
                }
                i += 1
            }
        }
        return nil
    }

    /// Inflates the block at `offset`: its text and its total compressed size.
    func inflateBlock(_ offset: Int64) throws(SluiceError) -> (text: [UInt8], size: Int)? {
        let header = try read(offset, 18)
        guard let size = BGZFTimeSeek.blockSize(header, 0) else { return nil }
        let block = try read(offset, size)
        guard block.count == size else { throw .truncatedGzip(path: path, offset: offset + Int64(block.count)) }
        inflater.reset()
        var text = [UInt8](repeating: 0, count: 65536)
        let (status, _, produced) = block.withUnsafeBytes { input in
            text.withUnsafeMutableBytes { output in inflater.run(input: input, output: output, flush: Z_FINISH) }
        }
        guard status == Z_STREAM_END else { throw .corruptGzip(path: path, offset: offset, reason: inflater.message) }
        text.removeLast(text.count - produced)
        return (text, size)
    }

    /// The first whole line with a timestamp in the text from block `offset` on (after the
    /// line cut by the block's start, unless it is the first block), inflating blocks after it
    /// as needed up to 1 MiB of text: its time and its place in that text.
    func firstStamped(block offset: Int64, parser: LogTime) throws(SluiceError) -> (time: Int64, skip: Int)? {
        var text: [UInt8] = []
        var at = offset
        var lineStart: Int? = offset == 0 ? 0 : nil
        var scan = 0
        var atEnd = false
        while true {
            // Each whole line from `scan` on.
            while let newline = text.withUnsafeBytes({ b -> Int? in
                guard scan < b.count, let hit = memchr(b.baseAddress! + scan, 0x0A, b.count - scan) else { return nil }
                return UnsafeRawPointer(hit) - b.baseAddress!
            }) {
                if let start = lineStart {
                    let t = text.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[start..<newline])) }
                    if let t { return (t, start) }
                }
                lineStart = newline + 1
                scan = newline + 1
            }
            scan = text.count
            if atEnd || text.count >= 1 << 20 {
                if atEnd, let start = lineStart, start < text.count,
                   let t = text.withUnsafeBytes({ parser.parse(UnsafeRawBufferPointer(rebasing: $0[start...])) }) {
                    return (t, start)
                }
                return nil
            }
            guard at < size, let (more, size) = try inflateBlock(at) else { atEnd = true; continue }
            text += more
            at += Int64(size)
        }
    }
}

extension AsyncSequence where Self: Sendable, Element == [UInt8] {
    /// The same bytes without the first `count` of them.
    func droppingFirst(_ count: Int) -> AsyncDroppingBytesSequence<Self> { AsyncDroppingBytesSequence(base: self, count: count) }
}

/// Byte chunks without their first `count` bytes; see `droppingFirst(_:)`.
public struct AsyncDroppingBytesSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = Base.Failure

    let base: Base
    let count: Int

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), left: count) }

    /// Drops bytes until `count` are gone, then passes chunks on.
    public struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var left: Int

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> [UInt8]? {
            while let chunk = try await base.next(isolation: actor) {
                guard left > 0 else { return chunk }
                if chunk.count <= left { left -= chunk.count; continue }
                let rest = Array(chunk[left...])
                left = 0
                return rest
            }
            return nil
        }
    }
}
