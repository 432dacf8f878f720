#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chunks of one input of ``InputFiles``: the same bytes, in the same chunks, as the
/// ``FileChunks`` it wraps, but a regular file no larger than one chunk, read whole from its
/// start, is read with `pread` in the calling task: no reading thread, no hand-off, no wake-up
/// pipe. Searching a tree of thousands of small files (`grep -r`) pays that start-up per file
/// otherwise. Anything else (a larger file, a range, a pipe, standard input) is read by the
/// ``FileChunks`` itself, unless ``init(_:readsRegularFilesInline:)`` asks for every regular
/// file to be read in the calling task.
public struct InputChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    /// The reader of anything that is not a small regular file.
    public let chunks: FileChunks

    /// Read regular files of any size in the calling task, not only small ones.
    public let readsRegularFilesInline: Bool

    public init(_ chunks: FileChunks) {
        self.chunks = chunks
        readsRegularFilesInline = false
    }

    /// With `readsRegularFilesInline`, a regular file of any size, read whole from its start,
    /// is read in the calling task, one `pread` per chunk: for a file in the page cache, the
    /// bytes are then split and searched while they are still in the core's cache, where a
    /// reading thread hands them to another core. Measured on a 200 MB log: `grep -c` of a
    /// literal took 86 ms of CPU this way against 140 ms with the reading thread, and less
    /// wall time even with the second core idle. Ripgrep reads this way too. A file the kernel
    /// must fetch from a disk blocks the task for each read (the kernel's read-ahead still
    /// overlaps the disk with the work): choose it for inputs that are not decoded, whose
    /// work is light per byte.
    ///
    /// Files are read, not memory-mapped (ripgrep maps a single file): a chunk is an `[UInt8]`
    /// that the stages after it share and keep, which a mapping cannot be without the copy
    /// `pread` makes anyway, and a mapped file truncated while it is read raises SIGBUS, which
    /// only a process-wide signal handler (no library's to install) could turn into the end of
    /// the input that the reliability table promises.
    public init(_ chunks: FileChunks, readsRegularFilesInline: Bool) {
        self.chunks = chunks
        self.readsRegularFilesInline = readsRegularFilesInline
    }

    /// Whether `path` is a regular file small enough to be read in the calling task.
    static func isSmallRegularFile(_ path: String, chunkSize: Int) -> Bool {
        var info = stat()
        return RawBytes.stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && Int64(info.st_size) <= Int64(chunkSize)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(chunks, anySize: readsRegularFilesInline) }

    /// Yields the chunks in order; throws ``SluiceError/io(path:operation:errno:)`` on failure,
    /// as ``FileChunks`` does.
    public struct Iterator: AsyncIteratorProtocol {
        private enum State {
            case start
            case inline(InlineFile)
            case threaded(FileChunks.Iterator)
            case done
        }
        private let chunks: FileChunks
        private let anySize: Bool
        private var state = State.start

        init(_ chunks: FileChunks, anySize: Bool) {
            self.chunks = chunks
            self.anySize = anySize
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            switch state {
            case .start:
                do {
                    switch try InlineFile.opening(chunks, anySize: anySize) {
                    case .inline(let file): state = .inline(file)
                    case .notInline: state = .threaded(chunks.makeAsyncIterator())
                    case .opened(let other): state = .threaded(other.makeAsyncIterator())
                    }
                } catch {
                    state = .done
                    throw error
                }
                return try await next(isolation: actor)
            case .inline(let file):
                do {
                    if let chunk = try file.next() { return chunk }
                    state = .done
                    return nil
                } catch {
                    state = .done
                    throw error
                }
            case .threaded(var iterator):
                state = .done  // the iterator is held here while it runs, then put back
                let chunk = try await iterator.next(isolation: actor)
                state = .threaded(iterator)
                return chunk
            case .done:
                return nil
            }
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

/// A regular file open for reading in the calling task; closed when read or dropped.
private final class InlineFile {
    private let fd: Int32
    private let name: String
    private let chunkSize: Int
    private let size: Int
    private var position = 0
    private var atEnd = false
    /// A read error after some bytes of a chunk: thrown after that chunk, as FileChunks does.
    private var pendingFailure: Int32?

    /// Ends the reading (as at the end of the file) once requested.
    private let stop: StopToken?

    private init(fd: Int32, name: String, chunkSize: Int, size: Int, stop: StopToken?) {
        self.stop = stop
        self.fd = fd
        self.name = name
        self.chunkSize = chunkSize
        self.size = size
    }

    deinit { close(fd) }

    /// How an input is read: inline, by its ``FileChunks`` as given, or by one reading the
    /// descriptor already opened.
    enum Opening {
        case inline(InlineFile)
        case notInline
        /// Not a regular file after all: read from the descriptor opened here. Closing it and
        /// opening the path again would lose a FIFO's data: a writer that wrote and closed
        /// while this was its only reader leaves nothing for the next one, which then waits
        /// for a writer that never comes.
        case opened(FileChunks)
    }

    /// The file open for inline reading, or how else to read `chunks` when it is not a regular
    /// file read whole (small, unless `anySize`). Opening a FIFO may block, and that is left to
    /// the reading thread: for small files the type is checked with `stat` before `open`; with
    /// `anySize` (the caller has just seen a regular file) the file is opened without blocking,
    /// and read by a ``FileChunks`` from that descriptor if it is not one now.
    static func opening(_ chunks: FileChunks, anySize: Bool) throws -> Opening {
        guard case .path(let path) = chunks.source, chunks.offset == 0, chunks.length == nil,
              anySize || InputChunks.isSmallRegularFile(path, chunkSize: chunks.chunkSize) else { return .notInline }
        let fd = RawBytes.open(path, O_RDONLY | O_CLOEXEC | (anySize ? O_NONBLOCK : 0))
        if fd < 0 { throw SluiceError.io(path: path, operation: "open", errno: errno) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let code = errno
            close(fd)
            throw SluiceError.io(path: path, operation: "stat", errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            // Not (or no longer) a regular file: the reading thread reads this descriptor.
            let other = FileChunks(fileDescriptor: fd, name: path, closeWhenDone: true, chunkSize: chunks.chunkSize,
                                   readAhead: chunks.readAhead)
            return .opened(other.stopping(on: chunks.stop))
        }
        return .inline(InlineFile(fd: fd, name: path, chunkSize: chunks.chunkSize, size: Int(info.st_size), stop: chunks.stop))
    }

    /// The next chunk, as FileChunks would yield it (up to `chunkSize` bytes); `nil` at the end
    /// or when a stop is requested. The first read asks for one byte more than the size: a
    /// file that has not grown is read with one `pread`.
    func next() throws -> [UInt8]? {
        if let failure = pendingFailure {
            pendingFailure = nil
            throw SluiceError.io(path: name, operation: "read", errno: failure)
        }
        if atEnd || stop?.isRequested == true { return nil }
        let first = position == 0
        let want = first ? Swift.min(chunkSize, size + 1) : chunkSize
        var failure: Int32?
        var shortRead = false
        let start = position
        let fd = self.fd
        let chunk = [UInt8](unsafeUninitializedCapacity: want) { buffer, count in
            count = 0
            while count < want {
                let n = pread(fd, buffer.baseAddress! + count, want - count, off_t(start + count))
                if n > 0 {
                    count += n
                    // A regular file reads short only at its end.
                    if first && count == size && count < want { shortRead = true; break }
                    continue
                }
                if n == 0 { shortRead = true; break }
                if errno == EINTR { continue }
                failure = errno
                break
            }
        }
        position += chunk.count
        if let failure {
            atEnd = true
            if chunk.isEmpty { throw SluiceError.io(path: name, operation: "read", errno: failure) }
            pendingFailure = failure
        }
        if shortRead { atEnd = true }
        return chunk.isEmpty ? nil : chunk
    }
}
