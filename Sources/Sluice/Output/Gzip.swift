import CZlib

extension AsyncSequence where Element == [UInt8] {
    /// Compresses the bytes into a single gzip member at `level` (0 stores, 1 is fastest, 9 smallest).
    public func gzip(level: Int = 6, outputSize: Int = 256 << 10) -> AsyncGzipSequence<Self> {
        AsyncGzipSequence(base: self, level: Int32(Swift.min(9, Swift.max(0, level))), outputSize: Swift.max(64, outputSize))
    }
}

/// An asynchronous sequence of gzip-compressed bytes; see ``_Concurrency/AsyncSequence/gzip(level:outputSize:)``.
public struct AsyncGzipSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let level: Int32
    let outputSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), level: level, outputSize: outputSize)
    }

    /// Yields compressed chunks; the last one carries the gzip trailer.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let zstream: ZStream
        private let outputSize: Int
        private var input: [UInt8] = []
        private var position = 0
        private var baseEnded = false
        private var finished = false

        init(base: Base.AsyncIterator, level: Int32, outputSize: Int) {
            self.base = base
            self.zstream = ZStream(.deflate(level: level))
            self.outputSize = outputSize
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while !finished {
                if position < input.count {
                    let out = deflateChunk(flush: Z_NO_FLUSH)
                    if !out.isEmpty { return out }
                    continue
                }
                if baseEnded {
                    let out = deflateChunk(flush: Z_FINISH)
                    if !out.isEmpty { return out }
                    continue
                }
                if let chunk = try await base.next(isolation: actor) {
                    input = chunk
                    position = 0
                } else {
                    baseEnded = true
                }
            }
            return nil
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }

        private mutating func deflateChunk(flush: Int32) -> [UInt8] {
            let capacity = outputSize
            return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                count = 0
                while count < capacity {
                    let (status, consumed, produced) = input.withUnsafeBytes { inBytes in
                        zstream.run(input: UnsafeRawBufferPointer(rebasing: inBytes[position...]),
                                    output: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[count...]),
                                    flush: flush)
                    }
                    position += consumed
                    count += produced
                    if status == Z_STREAM_END { finished = true; return }
                    if flush == Z_NO_FLUSH && position == input.count { return }
                    if consumed == 0 && produced == 0 { return }
                }
            }
        }
    }
}

extension AsyncGzipSequence: Sendable where Base: Sendable {}
