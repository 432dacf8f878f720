#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AsyncSequence where Element == [UInt8] {
    /// Writes every chunk to the file at `path` (created, or truncated; appended to with
    /// `append`), then flushes and closes it: the sink at the end of a pipeline of bytes,
    /// such as `….printed().gzip().write(toFile: "out.gz")`.
    ///
    /// Throws ``SluiceError/io(path:operation:errno:)`` if the file cannot be opened,
    /// ``SluiceError/write(errno:)`` if writing or closing fails (a full disk), and any error of
    /// the stream; the file then holds what was written before the failure. Returns the number
    /// of bytes written.
    @discardableResult
    public func write(toFile path: String, append: Bool = false, permissions: UInt32 = 0o644) async throws -> Int64 {
        let writer = try OutputWriter(path: path, append: append, permissions: permissions)
        let total = try await write(to: writer)
        try writer.close()
        return total
    }

    /// Writes every chunk to `writer` and flushes it (it is not closed: its owner closes it).
    /// Returns the number of bytes written.
    @discardableResult
    public func write(to writer: OutputWriter) async throws -> Int64 {
        var total: Int64 = 0
        for try await chunk in self {
            try writer.write(chunk)
            total += Int64(chunk.count)
        }
        try writer.flush()
        return total
    }

    /// Writes every chunk to the open descriptor `fileDescriptor` (which is not closed), in
    /// large blocks; see ``OutputWriter``. Returns the number of bytes written.
    @discardableResult
    public func write(toFileDescriptor fileDescriptor: Int32) async throws -> Int64 {
        try await write(to: OutputWriter(fileDescriptor: fileDescriptor, lineBuffered: false))
    }
}
