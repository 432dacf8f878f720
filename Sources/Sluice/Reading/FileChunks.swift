import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chunks of bytes of a file, standard input or an open descriptor, read ahead on a
/// thread of its own so that the consuming task never blocks.
///
/// Regular files are read with `pread` (measured 8.3 GB/s from the page cache, against 2.2 GB/s
/// for DispatchIO); pipes, FIFOs, terminals and sockets with `read` after `poll` (as fast as
/// DispatchIO through a pipe, and cancelling is immediate even when no data comes; data is
/// yielded as soon as it arrives). At most `readAhead` chunks
/// wait to be consumed. Cancelling the consuming task, or dropping the iterator, stops reading
/// within one chunk and closes the descriptor (unless it was handed in with `closeWhenDone: false`).
///
///     for try await chunk in FileChunks(path: "app.log") { ... }
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    /// Where the bytes come from.
    public enum Source: Sendable {
        /// A path, opened when iteration starts.
        case path(String)
        /// A descriptor that is already open; `closeWhenDone` says whether it is closed at the end.
        case descriptor(Int32, name: String, closeWhenDone: Bool)
    }

    /// The input read.
    public let source: Source
    /// The largest chunk yielded, in bytes.
    public let chunkSize: Int
    /// Where reading starts, in bytes from the start of the file (regular files only).
    public let offset: Int64
    /// How many bytes to read at most; `nil` reads to the end.
    public let length: Int64?
    /// How many chunks may wait to be consumed.
    public let readAhead: Int

    /// The default chunk size: 1 MiB.
    public static let defaultChunkSize = 1 << 20

    /// Reads the file at `path`, optionally only the byte range `offset ..< offset + length`.
    public init(path: String, chunkSize: Int = FileChunks.defaultChunkSize, offset: Int64 = 0,
                length: Int64? = nil, readAhead: Int = 4) {
        self.init(source: .path(path), chunkSize: chunkSize, offset: offset, length: length, readAhead: readAhead)
    }

    /// Reads an open descriptor. `name` is used in error messages.
    public init(fileDescriptor: Int32, name: String, closeWhenDone: Bool = false,
                chunkSize: Int = FileChunks.defaultChunkSize, readAhead: Int = 4) {
        self.init(source: .descriptor(fileDescriptor, name: name, closeWhenDone: closeWhenDone),
                  chunkSize: chunkSize, offset: 0, length: nil, readAhead: readAhead)
    }

    /// Standard input, named `name` in error messages.
    public static func standardInput(name: String = "(standard input)",
                                     chunkSize: Int = FileChunks.defaultChunkSize) -> FileChunks {
        FileChunks(fileDescriptor: 0, name: name, closeWhenDone: false, chunkSize: chunkSize)
    }

    init(source: Source, chunkSize: Int, offset: Int64, length: Int64?, readAhead: Int) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.source = source
        self.chunkSize = chunkSize
        self.offset = Swift.max(0, offset)
        self.length = length
        self.readAhead = readAhead
    }

    /// The name used in messages: the path, or the descriptor's name.
    public var name: String {
        switch source {
        case .path(let p): return p
        case .descriptor(_, let name, _): return name
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Yields the chunks in order; throws ``SluiceError/io(path:operation:errno:)`` on failure.
    public struct Iterator: AsyncIteratorProtocol {
        private let reader: Reader
        private var done = false

        init(_ sequence: FileChunks) { reader = Reader(sequence) }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            try await reader.channel.next(done: &done, start: reader.startIfNeeded)
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

/// Owns the reading thread of one iteration; stops it when the iterator goes away.
private final class Reader: Sendable {
    let channel: HandOff<[UInt8]>
    private let sequence: FileChunks
    private let started = Atomic(false)
    /// Wakes a reader waiting in `poll` on a pipe when the iterator goes away.
    private let wakeup = WakeupPipe()

    init(_ sequence: FileChunks) {
        self.sequence = sequence
        channel = HandOff(capacity: sequence.readAhead)
    }

    deinit {
        channel.cancel()
        wakeup.signal()
    }

    func startIfNeeded() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let channel = self.channel
        let sequence = self.sequence
        let wakeup = self.wakeup
        // The thread holds the wake-up pipe too: it is closed when both are done with it.
        startDetachedThread {
            Reader.run(sequence, channel: channel, wakeupFD: wakeup.readEnd)
            withExtendedLifetime(wakeup) {}
        }
    }

    private static func run(_ s: FileChunks, channel: HandOff<[UInt8]>, wakeupFD: Int32) {
        let fd: Int32
        let closeAtEnd: Bool
        let name = s.name
        switch s.source {
        case .path(let path):
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { channel.finish(throwing: SluiceError.io(path: path, operation: "open", errno: errno)); return }
            closeAtEnd = true
        case let .descriptor(d, _, close):
            fd = d
            closeAtEnd = close
        }
        defer { if closeAtEnd { close(fd) } }

        var st = stat()
        if fstat(fd, &st) != 0 {
            channel.finish(throwing: SluiceError.io(path: name, operation: "stat", errno: errno)); return
        }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFDIR {
            channel.finish(throwing: SluiceError.io(path: name, operation: "read", errno: EISDIR)); return
        }
        if kind == S_IFIFO {
            // A 1 MiB pipe buffer lets the writer run ahead: measured 2.2 GB/s through a pipe
            // against 0.8 GB/s with the default 64 KiB. (F_SETPIPE_SZ; failure is harmless.)
            _ = fcntl(fd, 1031, Int32(1 << 20))
        }
        let result = kind == S_IFREG
            ? readRegular(fd, s, channel: channel)
            : readStream(fd, s, channel: channel, wakeupFD: wakeupFD)
        if let code = result {
            channel.finish(throwing: SluiceError.io(path: name, operation: "read", errno: code))
        } else {
            channel.finish()
        }
    }

    /// Reads a regular file with `pread` from `offset`; returns an errno on failure.
    private static func readRegular(_ fd: Int32, _ s: FileChunks, channel: HandOff<[UInt8]>) -> Int32? {
        var position = s.offset
        var remaining = s.length ?? Int64.max
        while remaining > 0 && !InputStop.isRequested {
            let want = Int(min(Int64(s.chunkSize), remaining))
            var failure: Int32?
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
                count = 0
                while count < want {
                    let n = pread(fd, buffer.baseAddress! + count, want - count, off_t(position) + off_t(count))
                    if n > 0 { count += n; continue }
                    if n == 0 { break }
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
            }
            if !chunk.isEmpty {
                position += Int64(chunk.count)
                remaining -= Int64(chunk.count)
                if !channel.sendBlocking(chunk) { return nil }
            }
            if let failure { return failure }
            if chunk.count < want { break }
        }
        return nil
    }

    /// Reads a pipe, FIFO, terminal or socket: waits in `poll` for data or for `cancel()`,
    /// then yields what one `read` returns (so lines reach the consumer as soon as they arrive).
    private static func readStream(_ fd: Int32, _ s: FileChunks, channel: HandOff<[UInt8]>, wakeupFD: Int32) -> Int32? {
        var remaining = s.length ?? Int64.max
        while remaining > 0 && !channel.isCancelled {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: InputStop.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeupFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, wakeupFD >= 0 ? 3 : 2, -1)
            if ready < 0 { if errno == EINTR { continue }; return errno }
            if fds[1].revents != 0 || (wakeupFD >= 0 && fds[2].revents != 0) { return nil }
            let want = Int(min(Int64(s.chunkSize), remaining))
            var failure: Int32?
            var wouldBlock = false
            let chunk = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
                count = 0
                while true {
                    let n = read(fd, buffer.baseAddress!, want)
                    if n >= 0 { count = n; return }
                    if errno == EINTR { continue }
                    if errno == EAGAIN { wouldBlock = true } else { failure = errno }
                    return
                }
            }
            if let failure { return failure }
            if wouldBlock { continue }
            if chunk.isEmpty { return nil }  // end of input
            remaining -= Int64(chunk.count)
            if !channel.sendBlocking(chunk) { return nil }
        }
        return nil
    }
}

/// A pipe whose write end wakes a thread waiting in `poll`; closed when the last owner lets go.
final class WakeupPipe: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        (readEnd, writeEnd) = (fds[0], fds[1])
    }

    func signal() { if writeEnd >= 0 { _ = write(writeEnd, "x", 1) } }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }
}
