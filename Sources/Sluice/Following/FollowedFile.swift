import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a file from a chosen start, then, when following, every byte appended to it,
/// as `tail -f` (by descriptor) or `tail -F` (by name, through rotation) give them.
///
/// Following never ends by itself: it ends when the iterator is dropped or its task cancelled,
/// when ``stop`` is requested (after what is there to read) or when `watchedProcess` exits.
///
/// No thread is spent on it: every followed file waits on the library's one event loop, and
/// changes are noticed through one inotify instance shared by all of them (a watch on each
/// file and one on each folder, however many files it holds). A file that cannot be watched
/// (inotify unavailable, out of watches, or `SLUICE_NO_INOTIFY` set) is polled every
/// `pollInterval`; the others are not looked at until the kernel says they changed, so idle
/// followed files cost no CPU. Each followed file holds one descriptor, plus, for a few
/// seconds after a rotation, the replaced file's (at most four replaced files are kept open at
/// once over all followed files; a fifth makes the oldest be read to its end and closed).
///
/// Memory is bounded per followed file and in total. One followed file reads ahead at most
/// about `10 × chunkSize` of bytes not yet consumed (and none while it is idle); N of them
/// merged (``AsyncMergedLineSources``, as `sluice tail -F` does) take at most
/// `B + N × (s + 10 × c) + 52 × c`, with `c` the chunk size, `B` the process's constant part,
/// `s` a few KiB of state per file, `20 × c` held by the merge and `32 × c` of idle pooled
/// buffers. With ``chunkSize(following:)`` the read-ahead part is at most 160 MiB for any N up
/// to 1,024; 1,000 idle followed files run in under 64 MiB (see "Cost" in
/// <doc:UsingFollowedFile> for the measured figures).
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
    /// that is not text lines (a growing gzip file, inflated later). A file read from its start
    /// whose first bytes are a compression format's magic number (one that was empty or
    /// missing when following began, and was then written gzip, zstd, ...) is passed on as it
    /// comes, as with this off: its lines are found after decoding.
    public var keepsLinesWhole = true
    /// Ends following, after what the file holds has been read, once requested.
    public var stop: StopToken?
    /// Told once, in the task iterating the stream, when the stream has yielded what the file
    /// held from `start` when following began and asks for more: the point at which `tail -f`
    /// has printed a file's last lines and starts waiting (``InitialParts`` uses it to print
    /// several files' first parts in order). `opened` is whether the file was open then
    /// (`false`: missing, and waited for with `retry`). Not told when the stream ends first,
    /// nor without following.
    public var onCaughtUp: (@Sendable (_ opened: Bool) -> Void)?
    /// Set by ``decompressed(_:onWarning:)``: a file compressed at its start is read from
    /// its start, whatever `start` says, and the stream tells whether it began compressed.
    var decodes = false

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

    /// How many chunks wait to be consumed at most (plus one read and not yet taken).
    static let readAhead = 2

    /// A chunk size for each of `count` files followed at once, so that what they read ahead
    /// together stays bounded: `16 MiB / count`, at least 16 KiB and at most
    /// ``FileChunks/defaultChunkSize``. With chunk size `c`, one followed file holds at most
    /// `10 × c` of read bytes not yet consumed (see "Cost" in <doc:UsingFollowedFile>), so N
    /// files merged hold at most `(10 × N + 20) × c`, and the pool keeps at most `32 × c` of
    /// idle buffers: with this size, at most 160 MiB plus `52 × c` for any N from 16 to 1,024
    /// (at 1,000 files, c is 16 KiB), whatever the rate at which they grow.
    public static func chunkSize(following count: Int) -> Int {
        Swift.min(FileChunks.defaultChunkSize, Swift.max(16 << 10, (16 << 20) / Swift.max(1, count)))
    }

    /// Yields chunks as they are read.
    public struct Iterator: AsyncIteratorProtocol {
        private let follower: Follower
        private var done = false

        init(follower: Follower) { self.follower = follower }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            try await follower.next(done: &done)
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

/// Owns one iteration's follower; stops it when the iterator goes away.
final class Follower: Sendable {
    let channel: HandOff<[UInt8]>
    private let core: FollowCore
    private let started = Atomic(false)

    /// Whether the stream's first bytes are a compressed file's, read from its start (known
    /// once the first chunk has been taken; see ``FollowedFile/decompressed(_:onWarning:)``).
    var startsCompressed: Bool { core.startsCompressed.load(ordering: .acquiring) }

    init(_ spec: FollowedFile) {
        let core = FollowCore(spec: spec)
        self.core = core
        channel = HandOff(capacity: FollowedFile.readAhead, onSpace: { [weak core] in core?.schedule() })
        core.channel = channel
    }

    deinit {
        channel.cancel()  // calls the follower back: it closes its files and watches
    }

    func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        core.schedule(start: true)
    }

    /// The next chunk read. The empty chunk the core offers at the end of the first part (only
    /// with ``FollowedFile/onCaughtUp``) is not yielded: it tells the handler, and the stream
    /// goes on.
    func next(done: inout Bool) async throws -> [UInt8]? {
        while true {
            guard let chunk = try await channel.next(done: &done, start: start) else { return nil }
            guard chunk.isEmpty else { return chunk }
            core.spec.onCaughtUp?(core.caughtUpOpen.load(ordering: .acquiring))
        }
    }
}

/// One followed file, as a state machine on the event loop: each `step` looks for
/// replacement and truncation, reads the replaced files' late writes, then the file, while the
/// hand-off has room; then it returns until inotify, a timer or the consumer calls it again.
///
/// `@unchecked Sendable`: every mutable property is touched only on ``EventLoop/queue``
/// (`schedule` only dispatches onto it; timers and the watcher call back on it); `channel` is
/// set once, before the first `schedule`, by its owner.
final class FollowCore: ChangeListener, DrainOwner, @unchecked Sendable {
    let spec: FollowedFile
    var channel: HandOff<[UInt8]>!
    private let watcher = ChangeWatcher.shared
    private let pool = ChunkPool.shared

    /// The open file, its identity and the read offset.
    var fd: Int32 = -1
    var device: UInt64 = 0
    var inode: UInt64 = 0
    var offset: Int64 = 0
    /// A hash of the file's first `headLength` bytes, to notice a truncate-and-regrow.
    var headLength = 0
    var headHash: UInt64 = 0
    /// A replaced file still read for late writes.
    struct Drain {
        var fd: Int32
        var offset: Int64
        var lastGrowth: ContinuousClock.Instant
        var partial: [UInt8]
        var wd: Int32?
        /// How long it is kept open after its last growth.
        var grace: Duration
        /// Its key in ``ChangeWatcher``'s list of replaced files.
        var key: Int
        /// Whether its lines are kept whole (not when it holds compressed bytes).
        var whole: Bool
    }
    var draining: [Drain] = []
    /// The open file's line still being written (read, not yet sent), when lines are kept whole.
    var partial: [UInt8] = []
    /// Whether the open file's lines are kept whole: ``FollowedFile/keepsLinesWhole``, unless
    /// the file turned out to hold compressed bytes.
    var wholeLines = true
    /// The open file is read from its start and what its first bytes are is not known yet.
    var checksContent = false
    /// A held line longer than this (the chunk size) is sent anyway: memory stays bounded.
    var partialLimit: Int { spec.chunkSize }
    var firstOpen = true
    var reportedMissing = false
    /// Something has been handed on (or is waiting in the outbox).
    private var sentAny = false
    /// The first bytes handed on are a compressed file's, from its start: set (before they
    /// are offered) when ``FollowedFile/decodes`` is on, read by the consumer after it took them.
    let startsCompressed = Atomic(false)
    /// The end of the first part has been offered (the empty chunk, with ``FollowedFile/onCaughtUp``).
    private var offeredCaughtUp = false
    /// Whether the file was open at the end of the first part: set before the empty chunk is offered.
    let caughtUpOpen = Atomic(false)

    static let headLimit = 4096
    static let drainGrace = Duration.seconds(5)

    /// Chunks read but refused by the full hand-off, in order: nothing more is read until
    /// they are taken.
    private var outbox: [[UInt8]] = []
    /// How the stream ends once `outbox` is delivered.
    private var ending: (any Error)??
    /// No more reading: the files are closed (the outbox may still be delivered).
    private var closed = false
    private var stopRequested = false
    private var stopKey = 0
    private let usesInotify: Bool
    private var folderWD: Int32?
    private var fileWD: Int32?
    /// When the followed name is a symbolic link: the watch on its target's folder (a target
    /// renamed and re-created behind the link is noticed at once), and whether it is one.
    private var targetFolderWD: Int32?
    private var followsLink = false
    private var timer: DispatchSourceTimer?
    private var pollInterval: Duration

    init(spec: FollowedFile) {
        self.spec = spec
        usesInotify = spec.follow != .none && getenv("SLUICE_NO_INOTIFY") == nil
        var interval = Swift.max(spec.pollInterval, .milliseconds(10))
        if spec.watchedProcess != nil { interval = Swift.min(interval, .seconds(1)) }
        pollInterval = interval
    }

    var quoted: String { "'\(spec.path)'" }

    /// Runs `step` (or the start) on the loop.
    func schedule(start: Bool = false) {
        EventLoop.queue.async { if start { self.begin() } else { self.step() } }
    }

    func changed() { step() }

    func endDrain(_ key: Int) {
        guard let i = draining.firstIndex(where: { $0.key == key }) else { return }
        draining[i].grace = .zero
        // Read to its end and closed now (descriptors stay bounded), unless this follower is
        // in the middle of its own step, which drains it next.
        if inStep { schedule() } else { step() }
    }

    func watchLost(_ wd: Int32) {
        if wd == folderWD { folderWD = nil }
        if wd == fileWD { fileWD = nil }
        if wd == targetFolderWD { targetFolderWD = nil }
        for i in draining.indices where draining[i].wd == wd { draining[i].wd = nil }
    }

    /// Whether the kernel tells of every change (else the file is polled).
    private var isNotified: Bool {
        usesInotify && folderWD != nil && (fd < 0 || fileWD != nil) && (!followsLink || targetFolderWD != nil)
    }

    private func begin() {
        if channel.isCancelled { close(); return }
        if let token = spec.stop {
            stopKey = token.onRequest { [weak self] in
                guard let self else { return }
                EventLoop.queue.async { self.stopRequested = true; self.step() }
            }
        }
        if usesInotify {
            folderWD = watcher.watchFolder(ChangeWatcher.folder(of: spec.path), name: ChangeWatcher.baseName(of: spec.path), for: self)
        }
        if !openFile() && (spec.follow == .none || !spec.retry) {
            close()
            deliver()
            return
        }
        step()
    }

    // MARK: The step

    /// A step is running (a step may end another follower's replaced file, never re-enter its own).
    private var inStep = false

    func step() {
        guard !inStep else { schedule(); return }
        inStep = true
        defer { inStep = false }
        guard deliver(), !closed else { return }
        if spec.follow == .none {
            if readAvailable() { finish() }
            return
        }
        // Look for truncation and replacement before reading: bytes read past a rewrite
        // would be the middle of the new content.
        checkReplacementAndTruncation()
        // Late lines of a replaced file come before the new file's lines.
        guard drainReplaced(), readAvailable() else { return }
        if !offeredCaughtUp, spec.onCaughtUp != nil {
            // Everything the file held is offered: the end of its first part follows it (an
            // empty chunk, which the consumer does not yield; it is not content, so
            // `sentAny` stays as it is, and a file empty now and written compressed later is
            // still decoded).
            offeredCaughtUp = true
            caughtUpOpen.store(fd >= 0, ordering: .releasing)
            outbox.append([])
            guard deliver() else { return }
        }
        if let pid = spec.watchedProcess, kill(pid, 0) != 0 && errno == ESRCH {
            // The process may have written its last lines just before it ended.
            checkReplacementAndTruncation()
            guard drainReplaced(), readAvailable() else { return }
            finish()
            return
        }
        if stopRequested {
            finish()
            return
        }
        rearm()
    }

    /// The end: the held lines go out, then the end of the stream.
    private func finish(_ error: (any Error)? = nil) {
        if error == nil { flushHeldLines() }
        ending = .some(error)
        close()
        deliver()
    }

    /// Offers what waits in the outbox; true when it is empty (reading may go on). Delivers
    /// the end once everything before it is taken.
    @discardableResult
    private func deliver() -> Bool {
        guard let channel else { close(); return false }
        while let first = outbox.first {
            switch channel.offerNow(first) {
            case nil: return false
            case false: outbox = []; close(); return false
            case true: outbox.removeFirst()
            }
        }
        if channel.isCancelled { close(); return false }
        if let end = ending {
            ending = nil
            if let end { channel.finish(throwing: end) } else { channel.finish() }
            return false
        }
        return true
    }

    /// Hands a chunk on; false when it has to wait (the hand-off is full) or nobody listens.
    private func send(_ chunk: [UInt8]) -> Bool {
        sentAny = true
        outbox.append(chunk)
        return deliver()
    }

    /// Closes the files, watches and timer: no more reading.
    private func close() {
        guard !closed else { return }
        closed = true
        if let token = spec.stop { token.removeHandler(stopKey) }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        if let wd = fileWD { watcher.release(wd, for: self); fileWD = nil }
        if let wd = targetFolderWD { watcher.release(wd, for: self); targetFolderWD = nil }
        if let wd = folderWD { watcher.release(wd, for: self); folderWD = nil }
        for d in draining { closeDrain(d) }
        draining = []
        timer?.cancel()
        timer = nil
    }

    private func closeDrain(_ d: Drain) {
        Glibc.close(d.fd)
        if let wd = d.wd { watcher.release(wd, for: self) }
        watcher.removeDrain(d.key)
    }

    /// Sets the timer for the next look that no event will bring: the poll (when the file
    /// is not notified), the watched process, the end of a replaced file's grace. None when
    /// inotify covers everything: an idle followed file costs nothing.
    private func rearm() {
        var delay: Duration?
        func consider(_ d: Duration) { delay = delay.map { Swift.min($0, d) } ?? d }
        if !isNotified { consider(pollInterval) }
        if spec.watchedProcess != nil { consider(.seconds(1)) }
        let now = ContinuousClock.now
        for d in draining { consider(Swift.max(.milliseconds(1), d.lastGrowth + d.grace - now + .milliseconds(5))) }
        guard let delay else {
            timer?.schedule(deadline: .distantFuture)
            return
        }
        if timer == nil {
            let t = DispatchSource.makeTimerSource(queue: EventLoop.queue)
            t.setEventHandler { [unowned self] in self.step() }
            t.schedule(deadline: .distantFuture)
            t.activate()
            timer = t
        }
        let (seconds, attoseconds) = delay.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        timer!.schedule(deadline: .now() + .nanoseconds(nanoseconds), leeway: .nanoseconds(Swift.max(1_000_000, nanoseconds / 20)))
    }

    /// At the end: the replaced files' unfinished lines end as lines, then the open file's
    /// (which stays without its LF, as the file has it).
    private func flushHeldLines() {
        for i in draining.indices where !draining[i].partial.isEmpty {
            outbox.append(draining[i].partial + [0x0A])
            draining[i].partial = []
        }
        if !partial.isEmpty {
            outbox.append(partial)
            partial = []
        }
    }

    // MARK: Reading

    /// Opens the file at the path; on the first open, positions at the start asked for.
    private func openFile() -> Bool {
        let newFD = RawBytes.open(spec.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if newFD < 0 {
            let code = errno
            if firstOpen && (spec.follow == .none || !spec.retry) {
                ending = .some(SluiceError.io(path: spec.path, operation: "open", errno: code))
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
            Glibc.close(newFD)
            ending = .some(SluiceError.io(path: spec.path, operation: "read", errno: EISDIR))
            return false
        }
        if !firstOpen || reportedMissing { spec.onNotice("\(quoted) has appeared;  following new file") }
        fd = newFD
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        let size = Int64(st.st_size)
        if firstOpen && spec.decodes && (st.st_mode & S_IFMT) == S_IFREG && startsWithMagic(newFD, size: size) {
            offset = 0  // a compressed file is decoded from its start
        } else if firstOpen {
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
        wholeLines = spec.keepsLinesWhole
        checksContent = (wholeLines || spec.decodes) && offset == 0
        recordHead()
        if usesInotify {
            if let wd = fileWD { watcher.release(wd, for: self) }
            fileWD = watcher.watchFile(spec.path, for: self)
            if spec.follow == .name { watchLinkTarget() }
        }
        return true
    }

    /// When the followed name is a symbolic link (`/var/log/containers/*.log`), watches the
    /// folder of the file it leads to, for that file's name: a target renamed and re-created
    /// behind the link (the kubelet's rotation of `/var/log/pods/.../0.log`) wakes this
    /// follower even while the link dangles. Replaces the watch of a previous target.
    private func watchLinkTarget() {
        if let wd = targetFolderWD { watcher.release(wd, for: self); targetFolderWD = nil }
        var st = stat()
        followsLink = RawBytes.lstat(spec.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
        guard followsLink, let target = RawBytes.realpath(spec.path) else { return }
        targetFolderWD = watcher.watchFolder(ChangeWatcher.folder(of: target), name: ChangeWatcher.baseName(of: target), for: self)
    }

    /// Whether the file starts with a compression format's magic number.
    private func startsWithMagic(_ fd: Int32, size: Int64) -> Bool {
        guard size > 0 else { return false }
        var head = [UInt8](repeating: 0, count: CompressionCodec.longestMagic)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 && CompressionCodec.detect(head[..<n]) != nil
    }

    /// Hashes the first bytes of the open file (up to 4 KiB).
    private func recordHead() {
        var st = stat()
        fstat(fd, &st)
        headLength = Int(Swift.min(Int64(Self.headLimit), Int64(st.st_size)))
        headHash = hashHead(length: headLength) ?? 0
    }

    private func hashHead(length: Int) -> UInt64? {
        guard length > 0 else { return 0 }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { buffer -> UInt64? in
            let n = pread(fd, buffer.baseAddress, length, 0)
            guard n == length else { return nil }
            var hash: UInt64 = 0xcbf29ce484222325  // FNV-1a
            for b in buffer { hash = (hash ^ UInt64(b)) &* 0x100000001b3 }
            return hash
        }
    }

    /// One chunk of `fd` from `position`: the bytes (a pooled buffer, or a copy when few) and
    /// whether the read filled the chunk; `nil` with `failure` set on an error.
    private func readChunk(_ fd: Int32, at position: Int64, failure: inout Int32?) -> (chunk: [UInt8], full: Bool)? {
        let size = spec.chunkSize
        var n = 0
        let chunk = pool.fill(size: size) { raw, count in
            while true {
                n = pread(fd, raw.baseAddress, size, off_t(position))
                if n < 0 && errno == EINTR { continue }
                break
            }
            count = Swift.max(n, 0)
        }
        if n < 0 { failure = errno; return nil }
        return (chunk, n == size)
    }

    /// Reads from the offset to the current end; false when it has to wait for the consumer
    /// (or the consumer has gone, or reading failed).
    private func readAvailable() -> Bool {
        guard fd >= 0 else { return true }
        while true {
            var failure: Int32?
            guard let (read, full) = readChunk(fd, at: offset, failure: &failure) else {
                finish(SluiceError.io(path: spec.path, operation: "read", errno: failure ?? EIO))
                return false
            }
            var chunk = read
            if chunk.isEmpty { return true }
            if checksContent { decideContent(chunk) }
            offset += Int64(Self.holdPartialLine(&chunk, partial: &partial, full: full, whole: wholeLines, limit: partialLimit))
            // Still undecided, but bytes go out as they are: the file is text.
            if checksContent && !chunk.isEmpty { checksContent = false }
            if headLength < Self.headLimit && offset > Int64(headLength) { recordHead() }
            if !chunk.isEmpty && !send(chunk) { return false }
        }
    }

    /// Looks at the first bytes of a file read from its start (with what is held of them): a
    /// compression format's magic number means compressed bytes, passed on as they come
    /// (with the bytes held so far in front); text keeps its lines whole. Undecided while the
    /// bytes so far are the start of a magic number.
    private func decideContent(_ chunk: [UInt8]) {
        let head = Array((partial + chunk.prefix(CompressionCodec.longestMagic)).prefix(CompressionCodec.longestMagic))
        switch Magic.match(head, Magic.starting(CompressionCodec.allCases), lzmaAlone: true) {
        case .needMore:
            return
        case .found:
            wholeLines = false
            // Released before anything of it is offered: the consumer sees it once it has a chunk.
            if spec.decodes && !sentAny { startsCompressed.store(true, ordering: .releasing) }
            // The bytes held so far go out first, on their own: `chunk` stays what was just
            // read, so that the offset moves by its length only.
            if !partial.isEmpty { sentAny = true; outbox.append(partial); partial = [] }
        case .none:
            break
        }
        checksContent = false
    }

    /// Keeps lines whole: trims `chunk` after its last LF. A full chunk is cut there and its
    /// rest read again next time (no copy); at the end of the file the rest is held in
    /// `partial` until its LF comes. A held line goes out in front of the chunk that ends it.
    /// A held line that would grow past `limit` bytes goes out as it is. Returns how far the
    /// file offset moves.
    static func holdPartialLine(_ chunk: inout [UInt8], partial: inout [UInt8], full: Bool, whole: Bool, limit: Int) -> Int {
        let read = chunk.count
        guard whole else { return read }
        guard let lastLF = chunk.lastIndex(of: 0x0A) else {
            if full || partial.count + read > limit {
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
    private func endPartialLine(_ held: inout [UInt8]) {
        guard !held.isEmpty else { return }
        sentAny = true
        outbox.append(held + [0x0A])
        held = []
    }

    /// The open file becomes a replaced one, read for late writes.
    private func retireOpenFile() {
        // Registered first: if that ends this follower's own oldest replaced file, it is read
        // to its end before this one, as it should.
        let key = watcher.addDrain(self)
        draining.append(Drain(fd: fd, offset: offset, lastGrowth: .now, partial: partial, wd: fileWD,
                              grace: Self.drainGrace, key: key, whole: wholeLines))
        partial = []
        fd = -1
        fileWD = nil
    }

    /// Notices a replaced, vanished, truncated or rewritten file and reopens or rewinds.
    private func checkReplacementAndTruncation() {
        if spec.follow == .name {
            var st = stat()
            if RawBytes.stat(spec.path, &st) != 0 {
                if fd >= 0 {
                    let code = errno
                    retireOpenFile()  // read to its end by drainReplaced
                    spec.onNotice("\(quoted) has become inaccessible: \(SluiceError.systemMessage(code))")
                    reportedMissing = true
                }
                return
            }
            if fd < 0 {
                _ = openFile()
                return
            }
            if UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode {
                retireOpenFile()  // the old file is read to its end first, by drainReplaced
                spec.onNotice("\(quoted) has been replaced;  following new file")
                _ = openFile()
                return
            }
        }
        if fd < 0 && spec.follow == .descriptor && spec.retry {
            _ = openFile()  // -f --retry: open the file once it exists, then keep it
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
            endPartialLine(&partial)  // the old content's last line ends with it
            offset = 0
            recordHead()
        }
    }

    /// Reads replaced files for late writes; closes those quiet for their grace. False when
    /// it has to wait for the consumer.
    private func drainReplaced() -> Bool {
        var index = 0
        while index < draining.count {
            var entry = draining[index]
            var grew = false
            while true {
                var failure: Int32?
                guard let (read, full) = readChunk(entry.fd, at: entry.offset, failure: &failure), !read.isEmpty else { break }
                var chunk = read
                grew = true
                entry.offset += Int64(Self.holdPartialLine(&chunk, partial: &entry.partial, full: full, whole: entry.whole, limit: partialLimit))
                if !chunk.isEmpty && !send(chunk) {
                    draining[index] = entry
                    draining[index].lastGrowth = .now
                    return false
                }
            }
            if grew { entry.lastGrowth = .now }
            if ContinuousClock.now - entry.lastGrowth >= entry.grace {
                // The old file is left for good: its unfinished last line ends here.
                endPartialLine(&entry.partial)
                closeDrain(entry)
                draining.remove(at: index)
                if !deliver() { return false }
            } else {
                draining[index] = entry
                index += 1
            }
        }
        return true
    }
}
