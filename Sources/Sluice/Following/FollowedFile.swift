import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a file from a chosen start, then, when following, every byte appended to it,
/// as `tail -f` (by descriptor) or `tail -F` (by name, through rotation) give them.
///
/// Following never ends by itself: it ends when the iterator is dropped or its task cancelled,
/// or when `watchedProcess` exits. Changes are noticed through inotify, with polling every
/// `pollInterval` as the fallback.
///
/// When following by name it beats `tail -F` on the known faults:
/// - rotation by rename: the old file is read to its end before the new one is opened, and
///   it is read again for a while afterwards, so lines a writer adds to it just after the
///   rename are not lost;
/// - truncation is detected even when the file grew back past the read offset before the next
///   look: the inode and a hash of the file's first bytes are compared, not just the size;
/// - deletion and re-creation, and a file that does not exist yet, are followed (with `retry`).
///
/// Events that change what is read (truncation, replacement, disappearance) are reported to
/// `onNotice`.
public struct FollowedFile: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    /// Where reading starts.
    public enum Start: Sendable, Equatable {
        /// At this byte offset.
        case offset(Int64)
        /// At the first of the last N lines (found by reading backwards from the end).
        case lastLines(Int)
        /// At the last N bytes.
        case lastBytes(Int64)
        /// At line N (from 1).
        case line(Int)
    }

    /// How the file is followed once its end is reached.
    public enum Follow: Sendable, Equatable {
        /// Not at all: the sequence ends at the end of the file.
        case none
        /// The open file, whatever its name becomes (`tail -f`).
        case descriptor
        /// The name: a file that replaces it is followed from its start (`tail -F`).
        case name
    }

    public let path: String
    public var start: Start
    public var follow: Follow
    /// Keep trying when the file is missing or becomes inaccessible.
    public var retry: Bool
    /// How often to look when no change is notified (and how often `watchedProcess` is checked).
    public var pollInterval: Duration
    /// Stop following once this process has exited.
    public var watchedProcess: Int32?
    /// The largest chunk yielded.
    public var chunkSize: Int
    /// Told of truncation, replacement, disappearance and reappearance, in tail's words.
    public var onNotice: @Sendable (String) -> Void
    /// Keep lines whole across files: a line still being written is held until its LF, and
    /// when the file it belongs to is left (rotated, truncated, replaced) it ends there, as a
    /// line of its own, so that no line is spliced with another file's. Turn off for content
    /// that is not text lines (a growing gzip file, inflated later).
    public var keepsLinesWhole = true

    public init(path: String, start: Start = .offset(0), follow: Follow = .name, retry: Bool = true,
                pollInterval: Duration = .seconds(1), watchedProcess: Int32? = nil,
                chunkSize: Int = FileChunks.defaultChunkSize,
                onNotice: @escaping @Sendable (String) -> Void = FollowedFile.ignoreNotice) {
        self.path = path
        self.start = start
        self.follow = follow
        self.retry = retry
        self.pollInterval = pollInterval
        self.watchedProcess = watchedProcess
        self.chunkSize = chunkSize
        self.onNotice = onNotice
    }

    /// The default notice handler: ignores the notice (the library never prints); pass a
    /// handler of your own to report it, as `tail -F` does on standard error.
    public static let ignoreNotice: @Sendable (String) -> Void = { _ in }

    public func makeAsyncIterator() -> Iterator { Iterator(follower: Follower(self)) }

    /// Yields chunks as they are read.
    public struct Iterator: AsyncIteratorProtocol {
        private let follower: Follower
        private var done = false

        init(follower: Follower) { self.follower = follower }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            try await follower.channel.next(done: &done, start: follower.start)
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

/// Owns the following thread; stops it when the iterator goes away.
final class Follower: Sendable {
    let channel = HandOff<[UInt8]>(capacity: 4)
    private let spec: FollowedFile
    private let started = Atomic(false)
    private let wakeup = WakeupPipe()

    init(_ spec: FollowedFile) { self.spec = spec }

    deinit {
        channel.cancel()
        wakeup.signal()
    }

    func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let spec = self.spec, channel = self.channel, wakeup = self.wakeup
        startDetachedThread {
            var state = FollowState(spec: spec, channel: channel, wakeupFD: wakeup.readEnd)
            state.run()
            withExtendedLifetime(wakeup) {}
        }
    }
}

/// The following loop and what it knows of the file, on the following thread.
private struct FollowState {
    let spec: FollowedFile
    let channel: HandOff<[UInt8]>
    let wakeupFD: Int32

    /// The open file, its identity and the read offset.
    var fd: Int32 = -1
    var device: UInt64 = 0
    var inode: UInt64 = 0
    var offset: Int64 = 0
    /// A hash of the file's first `headLength` bytes, to notice a truncate-and-regrow.
    var headLength = 0
    var headHash: UInt64 = 0
    /// Replaced files still read for late writes: descriptor, offset, when last seen growing.
    var draining: [(fd: Int32, offset: Int64, lastGrowth: ContinuousClock.Instant, partial: [UInt8])] = []
    /// The open file's line still being written (read, not yet sent), when lines are kept whole.
    var partial: [UInt8] = []
    /// A held line longer than this is sent anyway: memory stays bounded.
    static let partialLimit = 1 << 20
    var firstOpen = true
    var reportedMissing = false

    static let headLimit = 4096
    static let drainGrace = Duration.seconds(5)

    init(spec: FollowedFile, channel: HandOff<[UInt8]>, wakeupFD: Int32) {
        self.spec = spec
        self.channel = channel
        self.wakeupFD = wakeupFD
    }

    var quoted: String { "'\(spec.path)'" }

    mutating func run() {
        defer {
            if fd >= 0 { close(fd) }
            for d in draining { close(d.fd) }
        }
        let watcher = spec.follow == .none ? nil : ChangeWatcher(path: spec.path, wakeupFD: wakeupFD)
        if !openFile(watcher) {
            if spec.follow == .none || !spec.retry { return }
        }
        let interval = spec.pollInterval.components
        var timeout = Int32(clamping: interval.seconds * 1000 + interval.attoseconds / 1_000_000_000_000_000)
        if spec.watchedProcess != nil { timeout = Swift.min(timeout, 1000) }
        timeout = Swift.max(10, timeout)
        guard readAvailable() else { return }
        if spec.follow == .none { flushHeldLines(); channel.finish(); return }
        while !channel.isCancelled && !InputStop.isRequested {
            // Look for truncation and replacement before reading: bytes read past a rewrite
            // would be the middle of the new content.
            checkReplacementAndTruncation(watcher)
            // Late lines of a replaced file come before the new file's lines.
            guard drainReplaced(), readAvailable() else { return }
            if let pid = spec.watchedProcess, kill(pid, 0) != 0 && errno == ESRCH {
                // The process may have written its last lines just before it ended.
                checkReplacementAndTruncation(watcher)
                guard drainReplaced(), readAvailable() else { return }
                flushHeldLines()
                channel.finish()
                return
            }
            if InputStop.isRequested || !(watcher?.wait(timeoutMilliseconds: timeout) ?? false) { break }
        }
        // Stopped: by the iterator going away (nobody listens), or by a stop request, which
        // ends the stream normally after what is there to read.
        if InputStop.isRequested && !channel.isCancelled { _ = readAvailable() }
        flushHeldLines()
        channel.finish()
    }

    /// At the end: the replaced files' unfinished lines end as lines, then the open file's
    /// (which stays without its LF, as the file has it).
    mutating func flushHeldLines() {
        guard !channel.isCancelled else { return }
        for i in draining.indices { _ = Self.endPartialLine(&draining[i].partial, channel) }
        if !partial.isEmpty {
            _ = channel.sendBlocking(partial)
            partial = []
        }
    }

    /// Opens the file at the path; on the first open, positions at the start asked for.
    mutating func openFile(_ watcher: ChangeWatcher?) -> Bool {
        let newFD = open(spec.path, O_RDONLY | O_CLOEXEC)
        if newFD < 0 {
            let code = errno
            if firstOpen && (spec.follow == .none || !spec.retry) {
                channel.finish(throwing: SluiceError.io(path: spec.path, operation: "open", errno: code))
            } else if !reportedMissing {
                spec.onNotice("cannot open \(quoted) for reading: \(SluiceError.systemMessage(code))")
                reportedMissing = true
            }
            // A file that appears later is new: it is read from its start, not positioned.
            firstOpen = false
            return false
        }
        var st = stat()
        fstat(newFD, &st)
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(newFD)
            channel.finish(throwing: SluiceError.io(path: spec.path, operation: "read", errno: EISDIR))
            return false
        }
        if !firstOpen || reportedMissing { spec.onNotice("\(quoted) has appeared;  following new file") }
        fd = newFD
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        let size = Int64(st.st_size)
        if firstOpen {
            switch spec.start {
            case .offset(let o): offset = Swift.min(Swift.max(0, o), size)
            case .lastBytes(let n): offset = Swift.max(0, size - n)
            case .lastLines(let n): offset = (st.st_mode & S_IFMT) == S_IFREG ? LastLines.startOffset(fd: fd, size: size, count: n) : 0
            case .line(let n): offset = LastLines.offsetOfLine(fd: fd, size: size, number: n)
            }
        } else {
            offset = 0
        }
        firstOpen = false
        reportedMissing = false
        recordHead()
        watcher?.watchFile(spec.path)
        return true
    }

    /// Hashes the first bytes of the open file (up to 4 KiB).
    mutating func recordHead() {
        var st = stat()
        fstat(fd, &st)
        headLength = Int(Swift.min(Int64(Self.headLimit), Int64(st.st_size)))
        headHash = hashHead(length: headLength) ?? 0
    }

    func hashHead(length: Int) -> UInt64? {
        guard length > 0 else { return 0 }
        var buffer = [UInt8](repeating: 0, count: length)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, 0) }
        guard n == length else { return nil }
        var hash: UInt64 = 0xcbf29ce484222325  // FNV-1a
        for b in buffer { hash = (hash ^ UInt64(b)) &* 0x100000001b3 }
        return hash
    }

    /// Reads from the offset to the current end; false when the consumer has gone.
    mutating func readAvailable() -> Bool {
        guard fd >= 0 else { return !channel.isCancelled }
        while true {
            var failure: Int32?
            let position = offset
            let size = spec.chunkSize
            var chunk = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                let n = pread(fd, buffer.baseAddress, size, off_t(position))
                if n < 0 { failure = errno; count = 0 } else { count = n }
            }
            if let failure {
                if failure == EINTR { continue }
                channel.finish(throwing: SluiceError.io(path: spec.path, operation: "read", errno: failure))
                return false
            }
            if chunk.isEmpty { return true }
            let read = chunk.count
            offset += Int64(Self.holdPartialLine(&chunk, partial: &partial, full: read == size, whole: spec.keepsLinesWhole))
            if headLength < Self.headLimit && offset > Int64(headLength) { recordHead() }
            if !chunk.isEmpty && !channel.sendBlocking(chunk) { return false }
        }
    }

    /// Keeps lines whole: trims `chunk` after its last LF. A full chunk is cut there and its
    /// rest read again next time (no copy); at the end of the file the rest is held in
    /// `partial` until its LF comes. A held line goes out in front of the chunk that ends it.
    /// Returns how far the file offset moves.
    static func holdPartialLine(_ chunk: inout [UInt8], partial: inout [UInt8], full: Bool, whole: Bool) -> Int {
        let read = chunk.count
        guard whole else { return read }
        guard let lastLF = chunk.lastIndex(of: 0x0A) else {
            if full || partial.count + read > partialLimit {
                // A line longer than a chunk cannot be held: it goes out as it comes.
                chunk = partial + chunk
                partial = []
            } else {
                partial += chunk
                chunk = []
            }
            return read
        }
        var moved = read
        if lastLF + 1 < read {
            if full {
                moved = lastLF + 1
            } else {
                let rest = Array(chunk[(lastLF + 1)...])
                chunk.removeLast(read - lastLF - 1)
                if !partial.isEmpty { chunk = partial + chunk }
                partial = rest
                return moved
            }
            chunk.removeLast(read - lastLF - 1)
        }
        if !partial.isEmpty { chunk = partial + chunk; partial = [] }
        return moved
    }

    /// Sends a held line as a line of its own: the file it belongs to is being left.
    static func endPartialLine(_ held: inout [UInt8], _ channel: HandOff<[UInt8]>) -> Bool {
        guard !held.isEmpty else { return true }
        defer { held = [] }
        return channel.sendBlocking(held + [0x0A])
    }

    /// Notices a replaced, vanished, truncated or rewritten file and reopens or rewinds.
    mutating func checkReplacementAndTruncation(_ watcher: ChangeWatcher?) {
        if spec.follow == .name {
            var st = stat()
            if stat(spec.path, &st) != 0 {
                if fd >= 0 {
                    let code = errno
                    _ = readAvailable()
                    draining.append((fd, offset, ContinuousClock.now, partial))
                    partial = []
                    fd = -1
                    spec.onNotice("\(quoted) has become inaccessible: \(SluiceError.systemMessage(code))")
                    reportedMissing = true
                }
                return
            }
            if fd < 0 {
                _ = openFile(watcher)
                return
            }
            if UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode {
                _ = readAvailable()  // the old file to its end first
                draining.append((fd, offset, ContinuousClock.now, partial))
                partial = []
                fd = -1
                spec.onNotice("\(quoted) has been replaced;  following new file")
                _ = openFile(watcher)
                return
            }
        }
        if fd < 0 && spec.follow == .descriptor && spec.retry {
            _ = openFile(watcher)  // -f --retry: open the file once it exists, then keep it
        }
        guard fd >= 0 else { return }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        let size = Int64(st.st_size)
        var truncated = size < offset
        if !truncated && headLength > 0 && size >= Int64(headLength), let hash = hashHead(length: headLength), hash != headHash {
            truncated = true  // rewritten from the start, and already past the old offset
        }
        if truncated {
            spec.onNotice("\(spec.path): file truncated")
            _ = Self.endPartialLine(&partial, channel)  // the old content's last line ends with it
            offset = 0
            recordHead()
        }
    }

    /// Reads replaced files for late writes; closes those quiet for a while.
    mutating func drainReplaced() -> Bool {
        var index = 0
        while index < draining.count {
            let entry = draining[index]
            var grew = false
            var held = entry.partial
            var position = entry.offset
            while true {
                let size = spec.chunkSize
                var chunk = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                    count = Swift.max(0, pread(entry.fd, buffer.baseAddress, size, off_t(position)))
                }
                if chunk.isEmpty { break }
                grew = true
                let read = chunk.count
                position += Int64(Self.holdPartialLine(&chunk, partial: &held, full: read == size, whole: spec.keepsLinesWhole))
                if !chunk.isEmpty && !channel.sendBlocking(chunk) { return false }
            }
            draining[index].offset = position
            draining[index].partial = held
            if grew { draining[index].lastGrowth = .now }
            if ContinuousClock.now - draining[index].lastGrowth > Self.drainGrace {
                // The old file is left for good: its unfinished last line ends here.
                guard Self.endPartialLine(&held, channel) else { return false }
                close(entry.fd)
                draining.remove(at: index)
            } else {
                index += 1
            }
        }
        return true
    }
}
