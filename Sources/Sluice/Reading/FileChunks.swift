import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chunks of bytes of a file, standard input or an open descriptor, read ahead so that
/// the consuming task never blocks, and without a thread of its own.
///
/// Regular files are read with `pread` (measured 8.3 GB/s from the page cache, against 2.2 GB/s
/// for DispatchIO), on a serial Dispatch queue of their own that runs on Dispatch's shared
/// worker threads. Pipes, FIFOs, terminals and sockets wait on the library's one event loop
/// (a serial Dispatch queue and one epoll instance) and are read without blocking when
/// data comes, so data is yielded as soon as it arrives and a thousand idle pipes cost no
/// thread. At most `readAhead` chunks wait to be consumed (the pool meant to reuse chunk
/// buffers is off: see <doc:UsingFileChunks>). Cancelling the consuming task, or dropping the
/// iterator, stops reading within one chunk and closes the descriptor (unless it was handed in
/// with `closeWhenDone: false`); so does ``stop`` (then the sequence ends normally).
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
    /// Ends the sequence, as at the end of the input, once requested.
    public var stop: StopToken?
    /// A DispatchIO channel to read instead of the descriptor (see ``init(channel:name:chunkSize:readAhead:)``).
    let channel: DispatchIO?

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

    /// Reads a stream-type DispatchIO channel that the caller already holds, with Dispatch's
    /// own reads (`DispatchIO.read`, one chunk at a time, so read-ahead stays bounded). The
    /// channel is neither closed nor reconfigured beyond its low-water mark, which is set to 1
    /// byte so that data is yielded as it arrives. For descriptors, the default reading is
    /// faster (measured 2.45 GB/s through a pipe against 0.95 GB/s for channel reads): use this
    /// when the channel is what you have.
    ///
    /// - Important: On Linux, a channel is read through Dispatch's own per-descriptor sources,
    ///   and Dispatch's epoll back end has a use-after-free there (of the kind of
    ///   swift-corelibs-libdispatch#949): when the descriptor reports `EPOLLHUP` (every pipe
    ///   does when its writer closes), Dispatch frees its record of the descriptor on the
    ///   source's queue while its manager thread may still be using it. Rarely (measured about
    ///   one run in twenty to forty on `sluice cat | sluice count` before the library stopped
    ///   using per-descriptor sources), that ends in a crash (signal 11 in
    ///   `_dispatch_event_loop_drain`) or in another descriptor's source being silently
    ///   unregistered, so that its reader waits forever. The library's other readers do not
    ///   meet it: they wait on one epoll instance of the library's own, which never reports
    ///   `EPOLLHUP`. This initializer cannot avoid it, since the reads are Dispatch's; prefer
    ///   ``init(fileDescriptor:name:closeWhenDone:chunkSize:readAhead:)`` with
    ///   `channel.fileDescriptor` (and keep the channel open, unused, until the sequence ends)
    ///   wherever a pipe's end may come while other Dispatch sources are live.
    public init(channel: DispatchIO, name: String, chunkSize: Int = FileChunks.defaultChunkSize, readAhead: Int = 4) {
        self.init(source: .descriptor(channel.fileDescriptor, name: name, closeWhenDone: false),
                  chunkSize: chunkSize, offset: 0, length: nil, readAhead: readAhead, channel: channel)
    }

    /// Standard input, named `name` in error messages.
    public static func standardInput(name: String = "(standard input)",
                                     chunkSize: Int = FileChunks.defaultChunkSize) -> FileChunks {
        FileChunks(fileDescriptor: 0, name: name, closeWhenDone: false, chunkSize: chunkSize)
    }

    init(source: Source, chunkSize: Int, offset: Int64, length: Int64?, readAhead: Int, channel: DispatchIO? = nil) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.source = source
        self.chunkSize = chunkSize
        self.offset = Swift.max(0, offset)
        self.length = length
        self.readAhead = readAhead
        self.channel = channel
    }

    /// The same chunks, ending (as at the end of the input) once `token` is requested.
    public func stopping(on token: StopToken?) -> FileChunks {
        var copy = self
        copy.stop = token
        return copy
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

/// Owns one iteration's reader; stops it when the iterator goes away.
private final class Reader: Sendable {
    let channel: HandOff<[UInt8]>
    private let core: ChunkReader
    private let started = Atomic(false)

    init(_ sequence: FileChunks) {
        let core = ChunkReader(sequence)
        self.core = core
        channel = HandOff(capacity: sequence.readAhead, onSpace: { [weak core] in core?.schedule() })
        core.channel = channel
    }

    deinit {
        channel.cancel()  // calls the reader back: it closes what it opened
    }

    func startIfNeeded() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        core.start()
    }
}

/// The reading of one ``FileChunks`` iteration, as a state machine run on a serial queue: the
/// event loop for streams, a queue of its own for regular files and other devices. Each turn
/// reads while the hand-off has room, then returns; the hand-off calls back when it has room
/// again (or was cancelled), a stream's read source when data comes.
///
/// `@unchecked Sendable`: every mutable property is touched only on `queue` (`start` and
/// `schedule` only dispatch onto it; `queue` itself is behind a lock, since `schedule` may be
/// called from any thread while `open` sets it); `channel` is set once, before `start`, by
/// its owner.
private final class ChunkReader: @unchecked Sendable {
    private let spec: FileChunks
    var channel: HandOff<[UInt8]>!
    /// Where the turns run: the event loop, or a queue of its own once the input is known to
    /// be a regular file or a device.
    private let turnQueue = Locked(EventLoop.queue)
    private var queue: DispatchQueue {
        get { turnQueue.withLock { $0 } }
        set { turnQueue.withLock { $0 = newValue } }
    }

    private enum Kind { case regular, stream, device, channel }
    private var kind = Kind.regular
    private var fd: Int32 = -1
    /// The descriptor read (a private non-blocking reopening of `fd`, for an inherited stream).
    private var readFD: Int32 = -1
    private var ownsReadFD = false
    private var closesFD = false
    private var mode = NonBlockingRead.nonBlocking
    /// A stream's registration with the event loop (armed while waiting for data).
    private var watch: UInt64?
    /// The descriptor became readable since the last read that found nothing.
    private var sourceFired = false
    private var position: Int64 = 0
    private var remaining: Int64 = .max
    /// A chunk read but refused by the full hand-off.
    private var pending: [UInt8]?
    /// How the input ends once `pending` is delivered.
    private var ending: (any Error)??
    private var stopRequested = false
    private var stopKey = 0
    private var running = false
    private var finished = false
    /// A channel read is under way.
    private var channelReading = false
    /// The pipe read was enlarged (``PipeBuffer``).
    private var enlargedPipe = false
    private let pool = ChunkPool.shared

    init(_ spec: FileChunks) { self.spec = spec }

    func start() {
        EventLoop.queue.async { self.open() }
    }

    /// Another turn, once the consumer has taken a chunk (or went away).
    func schedule() {
        queue.async { self.turn() }
    }

    private func open() {
        let name = spec.name
        if channel.isCancelled { finished = true; return }
        if let token = spec.stop {
            stopKey = token.onRequest { [weak self] in
                guard let self else { return }
                self.queue.async { self.stopRequested = true; self.turn() }
            }
        }
        switch spec.source {
        case .path(let path):
            fd = RawBytes.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            if fd < 0 { end(SluiceError.io(path: path, operation: "open", errno: errno)); return }
            closesFD = true
        case let .descriptor(d, _, close):
            fd = d
            closesFD = close
        }
        readFD = fd
        remaining = spec.length ?? .max
        if spec.channel != nil {
            kind = .channel
            spec.channel!.setLimit(lowWater: 1)
            running = true
            turn()
            return
        }
        var st = stat()
        if fstat(fd, &st) != 0 { end(SluiceError.io(path: name, operation: "stat", errno: errno)); return }
        let type = st.st_mode & S_IFMT
        switch type {
        case S_IFDIR:
            end(SluiceError.io(path: name, operation: "read", errno: EISDIR)); return
        case S_IFREG:
            kind = .regular
            position = spec.offset
            queue = EventLoop.fileQueue()
        case S_IFIFO, S_IFSOCK:
            kind = .stream
        case S_IFCHR where isatty(fd) == 1:
            kind = .stream
        default:
            // Other devices (/dev/null, /dev/zero) cannot be polled: read them as files are.
            kind = .device
            if case .path = spec.source { _ = fcntl(fd, F_SETFL, 0) }
            queue = EventLoop.fileQueue()
        }
        running = true
        if kind == .stream {
            if case .path = spec.source {
                mode = type == S_IFSOCK ? .socket : .nonBlocking
            } else {
                (readFD, mode, ownsReadFD) = NonBlockingRead.prepare(fd, kind: type)
            }
            if type == S_IFIFO { enlargedPipe = PipeBuffer.enlarge(readFD) }
            watch = Readiness.shared.add(readFD) { [weak self] in
                guard let self else { return }
                self.sourceFired = true
                self.turn()
            }
            if watch != nil { return }  // it fires when data (or the end) is there
            // Not pollable after all: read it as a device, blocking, off the loop.
            if ownsReadFD { Glibc.close(readFD); ownsReadFD = false }
            readFD = fd
            kind = .device
            if case .path = spec.source { _ = fcntl(fd, F_SETFL, 0) }
            queue = EventLoop.fileQueue()
        }
        schedule()
    }

    /// Reads while there is room; on the end of the input, or a failure, ends the sequence
    /// after the chunks before it.
    private func turn() {
        guard running, !finished else {
            if !running && channel.isCancelled { finish() }
            return
        }
        var budget = 4  // chunks per turn: other readers on the loop get their turn too
        while true {
            if let chunk = pending {
                switch channel.offerNow(chunk) {
                case nil:
                    return  // not armed: the hand-off calls back when it has room
                case false:
                    finish()
                    return
                case true:
                    pending = nil
                }
            }
            if let end = ending { self.end(end); return }
            if channel.isCancelled { finish(); return }
            if stopRequested || remaining <= 0 { end(nil); return }
            switch kind {
            case .regular, .device:
                readBlocking()
            case .stream:
                guard readAvailable() else { armWatch(); return }
                budget -= 1
                if budget == 0 && pending == nil && ending == nil { schedule(); return }
            case .channel:
                readChannel()
                return
            }
        }
    }

    /// One chunk from a regular file (`pread`) or a device (`read`) into `pending`.
    private func readBlocking() {
        let want = Int(Swift.min(Int64(spec.chunkSize), remaining))
        var failure: Int32?
        let chunk = pool.fill(size: want) { raw, count in
            while count < want {
                let n = kind == .regular
                    ? pread(fd, raw.baseAddress! + count, want - count, off_t(position) + off_t(count))
                    : Glibc.read(fd, raw.baseAddress! + count, want - count)
                if n > 0 { count += n; if kind == .device { break }; continue }
                if n == 0 { break }
                if errno == EINTR { continue }
                failure = errno
                break
            }
        }
        let count = chunk.count
        if count > 0 {
            position += Int64(count)
            remaining -= Int64(count)
            pending = chunk
        }
        if let failure {
            ending = .some(SluiceError.io(path: spec.name, operation: "read", errno: failure))
        } else if count < want && kind == .regular {
            ending = .some(nil)  // the end of the file
        } else if count == 0 {
            ending = .some(nil)
        }
    }

    /// What a stream has ready, without waiting, into `pending`; false when nothing was there.
    private func readAvailable() -> Bool {
        let want = Int(Swift.min(Int64(spec.chunkSize), remaining))
        var failure: Int32?
        var atEnd = false
        var mayWait = sourceFired
        let chunk = pool.fill(size: want) { raw, count in
            while count < want {
                let n = mode.read(readFD, raw.baseAddress! + count, want - count, mayWait: mayWait)
                mayWait = false
                if n > 0 { count += n; continue }
                if n == 0 { atEnd = true; break }
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { failure = errno }
                break
            }
        }
        if chunk.isEmpty { sourceFired = false }
        if !chunk.isEmpty {
            remaining -= Int64(chunk.count)
            pending = chunk
        }
        if let failure {
            ending = .some(SluiceError.io(path: spec.name, operation: "read", errno: failure))
        } else if atEnd {
            ending = .some(nil)
        }
        return !chunk.isEmpty || ending != nil
    }

    /// One read of a DispatchIO channel; the next starts when it has been delivered.
    private func readChannel() {
        guard !channelReading, let io = spec.channel else { return }
        channelReading = true
        let want = Int(Swift.min(Int64(spec.chunkSize), remaining))
        var collected: [UInt8] = []
        io.read(offset: 0, length: want, queue: EventLoop.queue) { [self] done, data, error in
            if let data, !data.isEmpty { collected.append(contentsOf: data) }
            guard done else { return }
            channelReading = false
            if !collected.isEmpty {
                remaining -= Int64(collected.count)
                pending = collected
            }
            if error != 0 {
                ending = .some(SluiceError.io(path: spec.name, operation: "read", errno: error))
            } else if collected.isEmpty {
                ending = .some(nil)
            }
            turn()
        }
    }

    /// Waits (once) for the stream to become readable again.
    private func armWatch() {
        if let watch { Readiness.shared.arm(watch, fd: readFD) }
    }

    /// Ends the sequence (normally with `nil`) and closes.
    private func end(_ error: (any Error)?) {
        if let error { channel.finish(throwing: error) } else { channel.finish() }
        finish()
    }

    /// Closes what was opened; no more turns.
    private func finish() {
        guard !finished else { return }
        finished = true
        pending = nil
        if let token = spec.stop { token.removeHandler(stopKey) }
        // No longer watched before it is closed (this runs on the loop, as every stream turn).
        if let watch { Readiness.shared.remove(watch, fd: readFD); self.watch = nil }
        if enlargedPipe { PipeBuffer.release(); enlargedPipe = false }
        if ownsReadFD { close(readFD) }
        if closesFD && fd >= 0 { close(fd) }
        fd = -1
        readFD = -1
    }
}
