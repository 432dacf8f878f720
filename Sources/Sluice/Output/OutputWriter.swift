#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a descriptor: in large blocks into pipes and files, at once on a terminal
/// or when `lineBuffered`. Failures throw ``SluiceError/write(errno:)`` (`EPIPE` when the
/// reader has gone, `ENOSPC` when the disk is full).
///
/// A writer made with ``init(fileDescriptor:lineBuffered:blockSize:)`` borrows the descriptor:
/// call ``flush()`` at the end; it never closes it. A writer made with
/// ``init(path:append:permissions:blockSize:)`` owns its file: ``close()`` flushes and closes
/// it, reporting any failure, and a writer dropped without `close()` still flushes and closes
/// (ignoring failures, which only `close()` can report).
///
/// Not `Sendable`: use each writer from one task.
public final class OutputWriter {
    private let fd: Int32
    private var owned: Bool
    private let lineBuffered: Bool
    private let blockSize: Int
    private var buffer: [UInt8] = []
    /// The descriptor is a terminal, where a ``ProgressMeter`` may be drawn.
    private let isTerminal: Bool

    /// A writer for `fileDescriptor`; `lineBuffered` defaults to whether it is a terminal.
    public init(fileDescriptor: Int32 = 1, lineBuffered: Bool? = nil, blockSize: Int = 256 << 10) {
        fd = fileDescriptor
        owned = false
        isTerminal = isatty(fileDescriptor) == 1
        self.lineBuffered = lineBuffered ?? isTerminal
        self.blockSize = blockSize
        buffer.reserveCapacity(blockSize)
        // Into a pipe, a buffer that holds a whole block lets each write complete at once
        // instead of waking the reader every 64 KiB (Linux allows 1 MiB without privileges).
        var st = stat()
        if !self.lineBuffered, fstat(fileDescriptor, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO {
            _ = fcntl(fileDescriptor, 1031 /* F_SETPIPE_SZ, hidden behind _GNU_SOURCE */, Int32(1 << 20))
        }
    }

    /// A writer that creates (or truncates, or with `append` appends to) the file at `path` and
    /// owns its descriptor. Throws ``SluiceError/io(path:operation:errno:)`` if it cannot be opened.
    public convenience init(path: String, append: Bool = false, permissions: UInt32 = 0o644, blockSize: Int = 256 << 10) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let descriptor = open(path, flags, mode_t(permissions))
        guard descriptor >= 0 else { throw SluiceError.io(path: path, operation: "open", errno: errno) }
        try self.init(ownedFileDescriptor: descriptor, lineBuffered: false, blockSize: blockSize)
    }

    /// A writer that owns `ownedFileDescriptor`: ``close()`` (or dropping the writer) closes it.
    public init(ownedFileDescriptor: Int32, lineBuffered: Bool = false, blockSize: Int = 256 << 10) throws {
        guard ownedFileDescriptor >= 0 else { throw SluiceError.write(errno: EBADF) }
        fd = ownedFileDescriptor
        owned = true
        isTerminal = isatty(ownedFileDescriptor) == 1
        self.lineBuffered = lineBuffered
        self.blockSize = blockSize
        buffer.reserveCapacity(blockSize)
    }

    /// Flushes and, for a writer that owns its file, closes it; a failed flush or close (a full
    /// disk, a quota, an NFS error reported late) throws ``SluiceError/write(errno:)``. Writing
    /// after `close()` is an error (`EBADF`).
    public func close() throws {
        defer {
            if owned { owned = false; _ = Glibc.close(fd) }
        }
        try flush()
        if owned {
            owned = false
            if Glibc.close(fd) != 0 { throw SluiceError.write(errno: errno) }
        }
    }

    deinit {
        if owned {
            try? flush()
            _ = Glibc.close(fd)
        }
    }

    /// Queues `bytes`, writing when a block is full (or at once when line-buffered).
    public func write(_ bytes: [UInt8]) throws {
        if buffer.isEmpty && (bytes.count >= blockSize || lineBuffered) {
            try writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= blockSize || lineBuffered { try flush() }
    }

    /// Writes what is queued.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        try writeAll(buffer)
    }

    /// Calls `action` once, on a thread of its own, as soon as the reader of `fileDescriptor`
    /// goes away, even when nothing is being written: for following, where output may be idle
    /// for hours (a command line ends itself there, as `tail -f | head` does). Only pipes and
    /// sockets can tell: for anything else nothing is watched and the result is `false`.
    @discardableResult
    public static func whenReaderGoes(fileDescriptor: Int32 = 1, _ action: @escaping @Sendable () -> Void) -> Bool {
        var st = stat()
        guard fstat(fileDescriptor, &st) == 0 else { return false }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFIFO || kind == S_IFSOCK else { return false }
        startDetachedThread {
            var fds = [pollfd(fd: fileDescriptor, events: 0, revents: 0)]
            while true {
                if poll(&fds, 1, -1) > 0 && fds[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { action(); return }
            }
        }
        return true
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        if isTerminal { try ProgressMeter.whileErased { try writeAllNow(bytes) } } else { try writeAllNow(bytes) }
    }

    private func writeAllNow(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SluiceError.write(errno: errno)
                }
                offset += n
            }
        }
    }
}
