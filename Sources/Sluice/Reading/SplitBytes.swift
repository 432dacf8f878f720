#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileChunks {
    /// The (decoded) bytes of the whole lines of one split of the file at `path`, by the rule of
    /// ``InputSplit``; `nil` reads the whole file. Compressed input is decoded when
    /// `decompression` is enabled, and split at its members or frames.
    ///
    ///     for try await batch in FileChunks.split(path: "big.log", .part(2, of: 4)).lineBatches() { ... }
    public static func split(path: String, _ split: InputSplit?, chunkSize: Int = FileChunks.defaultChunkSize,
                             decompression: DecompressionOptions = DecompressionOptions())
        -> SplitBytes<AsyncDecompressedSequence<FileChunks>> {
        SplitBytes(path: path, split: split, decompress: decompression.enabled) { part in
            var options = decompression
            options.enabled = part.decodes
            return FileChunks(path: path, chunkSize: part.isTail ? Swift.min(chunkSize, 64 << 10) : chunkSize,
                              offset: part.offset, length: part.length, readAhead: part.isTail ? 1 : 4)
                .decompressed(options)
        }
    }
}

/// The bytes of the whole lines of one split of a file (see ``InputSplit``), as ``InputFiles``
/// and ``FileChunks/split(path:_:chunkSize:decompression:)`` read them. Where the file can be
/// entered is found when iteration starts (``FileSplit/layout(of:decompress:)``); then the
/// split's range is read with the byte stream that `reading` makes for each part, its first
/// partial line is skipped, and reading goes on past its end up to the first LF. A file
/// that is not a regular file cannot be split: ``SluiceError/io(path:operation:errno:)`` with
/// `ESPIPE`.
public struct SplitBytes<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    /// A part of the file that `reading` is asked for.
    public struct Part: Sendable, Hashable {
        /// Where it starts, in the file's bytes.
        public var offset: Int64
        /// How many bytes; `nil` to the end of the file.
        public var length: Int64?
        /// Decode it (it starts at a member or frame of compressed input) or pass it through.
        public var decodes: Bool
        /// It is read past the split's end only to finish a line: small reads are enough.
        public var isTail: Bool
    }

    /// The file.
    public let path: String
    /// The split; `nil` reads the whole file.
    public let split: InputSplit?
    /// Whether compressed input is decoded (and so split at its members or frames).
    public let decompress: Bool
    let reading: @Sendable (Part) -> Base

    /// Reads the split of the file at `path` with the streams that `reading` makes.
    public init(path: String, split: InputSplit?, decompress: Bool = true, reading: @escaping @Sendable (Part) -> Base) {
        self.path = path
        self.split = split
        self.decompress = decompress
        self.reading = reading
    }

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Yields the split's bytes, chunk by chunk; the whole file's chunks pass unchanged.
    public struct Iterator: AsyncIteratorProtocol {
        private enum State { case start, head, tail, done }
        private let sequence: SplitBytes
        private var state = State.start
        private var current: Base.AsyncIterator?
        private var skipping = false
        private var tail: Part?

        init(_ sequence: SplitBytes) { self.sequence = sequence }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while true {
                switch state {
                case .start:
                    guard let split = sequence.split else {
                        current = sequence.reading(Part(offset: 0, length: nil, decodes: sequence.decompress, isTail: false))
                            .makeAsyncIterator()
                        state = .head
                        continue
                    }
                    state = .done
                    let layout = try FileSplit.layout(of: sequence.path, decompress: sequence.decompress)
                    let parts = layout.parts(of: split)
                    guard let head = parts.head else { return nil }
                    let decodes = layout.starts != nil
                    current = sequence.reading(Part(offset: head.lowerBound, length: head.upperBound - head.lowerBound, decodes: decodes, isTail: false))
                        .makeAsyncIterator()
                    tail = parts.tailStart.map { Part(offset: $0, length: nil, decodes: decodes, isTail: true) }
                    skipping = parts.skipsFirstLine
                    state = .head
                case .head:
                    guard let chunk = try await current!.next(isolation: actor) else {
                        if let tail {
                            current = sequence.reading(tail).makeAsyncIterator()
                            state = .tail
                        } else {
                            current = nil
                            state = .done
                        }
                        continue
                    }
                    if skipping {
                        // The partial first line belongs to the split before.
                        guard let lf = firstNewline(chunk) else { continue }
                        skipping = false
                        if lf + 1 < chunk.count { return Array(chunk[(lf + 1)...]) }
                        continue
                    }
                    if !chunk.isEmpty { return chunk }
                case .tail:
                    guard let chunk = try await current!.next(isolation: actor) else {
                        current = nil
                        state = .done
                        return nil
                    }
                    let lf = firstNewline(chunk)
                    if skipping {
                        // No line starts in the split: the line that crosses it ends here.
                        if lf != nil { current = nil; state = .done; return nil }
                        continue
                    }
                    guard let lf else {
                        if !chunk.isEmpty { return chunk }
                        continue
                    }
                    // The last line ends at the first LF after the split: reading stops.
                    current = nil
                    state = .done
                    return lf + 1 == chunk.count ? chunk : Array(chunk[...lf])
                case .done:
                    return nil
                }
            }
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

/// The index of the first LF in `bytes`.
private func firstNewline(_ bytes: [UInt8]) -> Int? {
    bytes.withUnsafeBufferPointer { buffer -> Int? in
        guard let base = buffer.baseAddress, let hit = memchr(base, 0x0A, buffer.count) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}
