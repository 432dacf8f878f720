#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a descriptor: in large blocks into pipes and files, at once on a terminal
/// or when `lineBuffered`. Failures throw ``SluiceError/write(errno:)`` (`EPIPE` when the
/// reader has gone).
public final class OutputWriter {
    private let fd: Int32
    private let lineBuffered: Bool
    private let blockSize: Int
    private var buffer: [UInt8] = []
    /// The descriptor is a terminal, where a ``ProgressMeter`` may be drawn.
    private let isTerminal: Bool

    /// A writer for `fileDescriptor`; `lineBuffered` defaults to whether it is a terminal.
    public init(fileDescriptor: Int32 = 1, lineBuffered: Bool? = nil, blockSize: Int = 256 << 10) {
        fd = fileDescriptor
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
