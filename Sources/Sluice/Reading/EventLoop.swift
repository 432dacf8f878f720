import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one event loop of the library: a serial queue on which every stream reader (pipe, FIFO,
/// socket, terminal) and every followed file waits, through `DispatchSource` read sources
/// (epoll underneath on Linux) and one inotify descriptor. No reader owns a thread: a handler
/// runs when its descriptor is readable, reads what is there without blocking, hands it on and
/// returns. The loop holds no caller state, only what its readers register while they run.
enum EventLoop {
    static let queue = DispatchQueue(label: "sluice.event-loop", qos: .userInitiated)

    /// A serial queue for one regular file's `pread`s (they may wait for the disk, so they stay
    /// off the loop); it runs on Dispatch's shared worker threads.
    static func fileQueue() -> DispatchQueue {
        DispatchQueue(label: "sluice.file", target: DispatchQueue.global(qos: .userInitiated))
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
