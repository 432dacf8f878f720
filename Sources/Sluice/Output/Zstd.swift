import CZstd

extension AsyncSequence where Element == [UInt8] {
    /// Compresses the bytes into one zstd frame at `level` (1 fastest ... 19, 20 to 22 need more
    /// memory; negative levels are faster still), with a content checksum, streaming.
    public func zstd(level: Int = 3, outputSize: Int = 256 << 10) -> AsyncZstdSequence<Self> {
        AsyncZstdSequence(base: self, level: Int32(Swift.min(22, Swift.max(-7, level))), outputSize: Swift.max(64, outputSize))
    }
}

/// libzstd's streaming compressor.
final class ZstdEncoder: StreamEncoder {
    private let stream: OpaquePointer

    init(level: Int32) {
        // Only an allocation failure makes this nil: nothing to recover.
        stream = ZSTD_createCCtx()!
        ZSTD_CCtx_setParameter(stream, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(stream, ZSTD_c_checksumFlag, 1)
    }

    deinit { ZSTD_freeCCtx(stream) }

    func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool)
        -> (consumed: Int, produced: Int, done: Bool) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: Swift.min(input.count, maximumCallSize), pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: Swift.min(output.count, maximumCallSize), pos: 0)
        let ending = finishing && inBuffer.size == input.count
        let remaining = ZSTD_compressStream2(stream, &outBuffer, &inBuffer, ending ? ZSTD_e_end : ZSTD_e_continue)
        // Errors come only from bad parameters or memory exhaustion, none of which can be recovered.
        precondition(ZSTD_isError(remaining) == 0, "zstd compression failed: \(String(cString: ZSTD_getErrorName(remaining)))")
        return (inBuffer.pos, outBuffer.pos, ending && remaining == 0)
    }
}

/// An asynchronous sequence of zstd-compressed bytes; see ``_Concurrency/AsyncSequence/zstd(level:outputSize:)``.
public struct AsyncZstdSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let level: Int32
    let outputSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), encoding: EncodingLoop(encoder: ZstdEncoder(level: level), outputSize: outputSize))
    }

    /// Yields compressed chunks; the last one ends the frame.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var encoding: EncodingLoop

        init(base: Base.AsyncIterator, encoding: EncodingLoop) {
            self.base = base
            self.encoding = encoding
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while !encoding.finished {
                if let out = encoding.step() { return out }
                if let chunk = try await base.next(isolation: actor) { encoding.feed(chunk) } else { encoding.baseEnded = true }
            }
            return nil
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

extension AsyncZstdSequence: Sendable where Base: Sendable {}
