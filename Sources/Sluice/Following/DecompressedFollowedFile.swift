extension FollowedFile {
    /// The followed file's content, decoded when the file is compressed: a file whose first
    /// bytes are a compression format's magic number (gzip, zstd, xz, bzip2, lz4, compress) is
    /// read from its start, whatever `start` says, and decoded as
    /// ``_Concurrency/AsyncSequence/decompressed(_:onWarning:)`` decodes; anything else passes
    /// through unchanged, with its lines kept whole.
    ///
    /// The decision is the follower's own, made from the first bytes it reads of a file from
    /// the file's start: so a file that was empty or missing when following began and is then
    /// written compressed (a growing `.gz`: members appended, or one member streamed with sync
    /// flushes) is decoded too, and bytes read from the middle of a text file (`.lastLines`)
    /// are never taken for a magic number. Once text has been passed on, the stream stays text:
    /// a compressed file that replaces it later (a rotation) is passed on as its bytes.
    ///
    /// This overload is chosen over the generic `decompressed(_:onWarning:)` for a
    /// `FollowedFile`, which would look for a magic number in whatever bytes come first.
    ///
    ///     let live = FollowedFile(path: "app.log.gz", start: .lastLines(0))
    ///     for try await line in live.decompressed().lines() { print(String(line)) }
    public func decompressed(
        _ options: DecompressionOptions = DecompressionOptions(),
        onWarning: @escaping @Sendable (DecompressionWarning) -> Void = DecompressionWarning.ignore
    ) -> DecompressedFollowedFile {
        DecompressedFollowedFile(file: self, options: options, onWarning: onWarning)
    }
}

/// A followed file's content, decoded when it is compressed; see
/// ``FollowedFile/decompressed(_:onWarning:)``.
public struct DecompressedFollowedFile: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let file: FollowedFile
    let options: DecompressionOptions
    let onWarning: @Sendable (DecompressionWarning) -> Void

    public func makeAsyncIterator() -> Iterator {
        var spec = file
        spec.decodes = options.enabled
        return Iterator(follower: Follower(spec), options: options, onWarning: onWarning, path: file.path)
    }

    /// Yields the file's chunks as they are read, or their decoded bytes.
    public struct Iterator: AsyncIteratorProtocol {
        private let follower: Follower
        private let options: DecompressionOptions
        private let onWarning: @Sendable (DecompressionWarning) -> Void
        private let path: String
        private var done = false
        private var decided = false
        /// Set once the stream turned out to start compressed.
        private var decoder: AsyncDecompressedSequence<ResumedFollow>.Iterator?

        init(follower: Follower, options: DecompressionOptions, onWarning: @escaping @Sendable (DecompressionWarning) -> Void,
             path: String) {
            self.follower = follower
            self.options = options
            self.onWarning = onWarning
            self.path = path
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            if decoder != nil { return try await decoder!.next(isolation: actor) }
            guard let chunk = try await follower.next(done: &done) else { return nil }
            guard !decided else { return chunk }
            decided = true
            // The follower decided before it offered this chunk.
            guard follower.startsCompressed else { return chunk }
            decoder = AsyncDecompressedSequence<ResumedFollow>.Iterator(
                base: ResumedFollow.Iterator(first: chunk, follower: follower), options: options, onWarning: onWarning, name: path)
            return try await decoder!.next(isolation: actor)
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

/// A follower's chunks from one already taken: what the decoder reads once the stream
/// turned out to be compressed.
struct ResumedFollow: AsyncSequence {
    typealias Element = [UInt8]
    typealias Failure = any Error

    let first: [UInt8]
    let follower: Follower

    func makeAsyncIterator() -> Iterator { Iterator(first: first, follower: follower) }

    struct Iterator: AsyncIteratorProtocol {
        var first: [UInt8]?
        let follower: Follower
        private var done = false

        init(first: [UInt8], follower: Follower) {
            self.first = first
            self.follower = follower
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            if let chunk = first { first = nil; return chunk }
            return try await follower.next(done: &done)
        }

        mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}
