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

    /// A writer for `fileDescriptor`; `lineBuffered` defaults to whether it is a terminal.
    public init(fileDescriptor: Int32 = 1, lineBuffered: Bool? = nil, blockSize: Int = 256 << 10) {
        fd = fileDescriptor
        self.lineBuffered = lineBuffered ?? (isatty(fileDescriptor) == 1)
        self.blockSize = blockSize
        buffer.reserveCapacity(blockSize)
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

    private func writeAll(_ bytes: [UInt8]) throws {
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
