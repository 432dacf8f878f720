import CReadiness
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one event loop of the library: a serial queue on which every stream reader (pipe, FIFO,
/// socket, terminal) and every followed file waits. No reader owns a thread: a handler runs
/// when its descriptor is readable, reads what is there without blocking, hands it on and
/// returns. Descriptors are watched through ``Readiness`` (one epoll instance, itself watched
/// by one `DispatchSource`). The loop holds no caller state, only what its readers register
/// while they run.
enum EventLoop {
    static let queue = DispatchQueue(label: "sluice.event-loop", qos: .userInitiated)

    /// A serial queue for one regular file's `pread`s (they may wait for the disk, so they stay
    /// off the loop); it runs on Dispatch's shared worker threads.
    static func fileQueue() -> DispatchQueue {
        DispatchQueue(label: "sluice.file", target: DispatchQueue.global(qos: .userInitiated))
    }
}

/// The descriptors the event loop waits on: one epoll instance of the library's own, whose
/// descriptor is the only one given to Dispatch (one `DispatchSource` read source, made once
/// and never cancelled). Each registration is one-shot: after it fired, its handler runs on
/// ``EventLoop/queue`` and the descriptor is not watched again until ``arm(_:)``, so a
/// reader whose consumer is behind is not woken (a pipe whose writer has gone reports
/// `EPOLLHUP` until it is read, and that event cannot be masked otherwise).
///
/// Why not one `DispatchSource` per descriptor: on Linux, Dispatch's epoll back end frees its
/// record of a descriptor (`dispatch_muxnote`) on the source's own queue when the descriptor
/// reports `EPOLLHUP` (every pipe does at its end), while its manager thread may still be using
/// that record (`_dispatch_event_merge_fd` reads it again after waking the source). That
/// use-after-free crashed `sluice cat a | sluice count` (signal 11 in
/// `_dispatch_event_loop_drain`) or lost another descriptor's registration (a hang), in about
/// one run in twenty. An epoll descriptor never reports `EPOLLHUP`, and this one is never
/// cancelled, so that path of Dispatch is never taken.
///
/// `@unchecked Sendable`: `handlers`, `lastKey` and `fired` are touched only on
/// ``EventLoop/queue`` (every method is called there and the source's handler runs there);
/// `epfd` and `source` are set once in `init`.
final class Readiness: @unchecked Sendable {
    static let shared = Readiness()

    private let epfd: Int32
    /// Dispatch's one read source, on `epfd`; kept for the life of the process.
    private let source: DispatchSourceRead?
    private var handlers: [UInt64: @Sendable () -> Void] = [:]
    private var lastKey: UInt64 = 0
    private var fired = [UInt64](repeating: 0, count: 64)

    private init() {
        epfd = sluice_readiness_create()
        source = epfd >= 0 ? DispatchSource.makeReadSource(fileDescriptor: epfd, queue: EventLoop.queue) : nil
        source?.setEventHandler { [unowned self] in self.dispatchEvents() }
        source?.activate()
    }

    /// Watches `fd` for input (or its end), armed: `handler` runs on the loop once it is
    /// readable. Returns the registration's key, or `nil` (with `errno`) when `fd` cannot be
    /// watched (a regular file, a device without polling, no epoll).
    func add(_ fd: Int32, handler: @escaping @Sendable () -> Void) -> UInt64? {
        guard epfd >= 0 else { errno = ENOSYS; return nil }
        lastKey += 1
        guard sluice_readiness_add(epfd, fd, lastKey) == 0 else { return nil }
        handlers[lastKey] = handler
        return lastKey
    }

    /// Watches the descriptor of registration `key` again, once (it fires at once if it is
    /// readable now).
    func arm(_ key: UInt64, fd: Int32) {
        _ = sluice_readiness_arm(epfd, fd, key)
    }

    /// Stops watching: call before closing `fd`. Its handler is not called after this.
    func remove(_ key: UInt64, fd: Int32) {
        guard handlers.removeValue(forKey: key) != nil else { return }
        _ = sluice_readiness_remove(epfd, fd)
    }

    /// Runs the handlers of the descriptors that fired (each looked up when its turn comes:
    /// an earlier handler may have removed it).
    private func dispatchEvents() {
        while true {
            let count = Int(fired.withUnsafeMutableBufferPointer { sluice_readiness_collect(epfd, $0.baseAddress, Int32($0.count)) })
            guard count > 0 else { return }
            for i in 0..<count { handlers[fired[i]]?() }
            if count < fired.count { return }
        }
    }
}


/// How a stream descriptor is read without ever blocking the loop.
enum NonBlockingRead {
    /// The descriptor has `O_NONBLOCK` (opened so, or a private reopening of an inherited one).
    case nonBlocking
    /// A socket: `recv` with `MSG_DONTWAIT`.
    case socket
    /// Neither was possible: read at most what `FIONREAD` says is there.
    case available

    /// Reads up to `count` bytes: the count, 0 at the end of input, -1 with `errno` (`EAGAIN`
    /// when nothing is there). `mayWait` allows one read that `FIONREAD` cannot vouch for
    /// (right after the source fired: the end of input reads as 0 at once).
    func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, mayWait: Bool) -> Int {
        switch self {
        case .nonBlocking:
            return Glibc.read(fd, buffer, count)
        case .socket:
            return recv(fd, buffer, count, Int32(MSG_DONTWAIT))
        case .available:
            var available: Int32 = 0
            if ioctl(fd, UInt(FIONREAD), &available) == 0 {
                if available > 0 { return Glibc.read(fd, buffer, Swift.min(count, Int(available))) }
                if !mayWait { errno = EAGAIN; return -1 }
            }
            return Glibc.read(fd, buffer, count)
        }
    }

    /// Prepares an open stream descriptor for reading on the loop: the descriptor to read (a
    /// private reopening when the inherited one blocks: its flags are shared with other
    /// processes and must not change) and how.
    static func prepare(_ fd: Int32, kind: mode_t) -> (fd: Int32, mode: NonBlockingRead, owned: Bool) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 && flags & O_NONBLOCK != 0 { return (fd, .nonBlocking, false) }
        if kind == S_IFSOCK { return (fd, .socket, false) }
        let reopened = open("/proc/self/fd/\(fd)", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if reopened >= 0 {
            var a = stat(), b = stat()
            if fstat(fd, &a) == 0 && fstat(reopened, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev {
                return (reopened, .nonBlocking, true)
            }
            close(reopened)
        }
        return (fd, .available, false)
    }
}

/// Enlarges the buffer of a pipe the library reads, so that its writer is not stopped every
/// 64 KiB (`F_SETPIPE_SZ` to 1 MiB, the most Linux allows without privileges), within limits
/// that keep the user's pipe-page quota (`/proc/sys/fs/pipe-user-pages-soft`, shared by all the
/// user's processes) from being used up: only while the soft quota is unlimited or at least
/// 64 MiB, each enlarged pipe then taking at most 1/64 of it, and for at most
/// ``limit`` pipes of this process at once (a process reading a thousand pipes enlarges four;
/// the others keep their size). The kernel itself refuses an enlargement past the soft quota.
/// A pipe already as large is left alone. Failure is harmless: the pipe keeps its size.
/// Measured (hyperfine, 10 runs, 192 MiB through `cat | sluice cat | cat`): 351 ms with the
/// inherited 64 KiB pipe, 276 ms enlarged.
enum PipeBuffer {
    static let size: Int32 = 1 << 20
    static let limit = 4
    /// How many pipes this process holds enlarged now (the only state kept: a count).
    private static let enlarged = Atomic(0)

    private static let quotaAllows: Bool = {
        let fd = open("/proc/sys/fs/pipe-user-pages-soft", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var text = [UInt8](repeating: 0, count: 32)
        let n = text.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 31) }
        guard n > 0, let pages = Int(String(decoding: text[..<n], as: UTF8.self).filter(\.isNumber)) else { return false }
        return pages == 0 || pages * 4096 >= 64 << 20
    }()

    /// Enlarges the pipe `fd` if the limits allow; true when it was (then call ``release()``
    /// once it is no longer read).
    static func enlarge(_ fd: Int32) -> Bool {
        let current = fcntl(fd, 1032 /* F_GETPIPE_SZ */)
        guard current > 0, current < size, quotaAllows else { return false }
        guard enlarged.add(1, ordering: .relaxed).newValue <= limit else {
            enlarged.subtract(1, ordering: .relaxed)
            return false
        }
        if fcntl(fd, 1031 /* F_SETPIPE_SZ, hidden behind _GNU_SOURCE */, size) >= size { return true }
        enlarged.subtract(1, ordering: .relaxed)
        return false
    }

    /// One enlarged pipe is no longer read (its size stays; it no longer counts).
    static func release() { enlarged.subtract(1, ordering: .relaxed) }
}
