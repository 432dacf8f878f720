import CIsal
import CZlib
#if canImport(Glibc)
import Glibc
#endif

extension AsyncSequence where Element == [UInt8] {
    /// Compresses the bytes into a single gzip member at `level` (0 stores, 1 is fastest, 9
    /// smallest). Levels 1 to 3 use ISA-L's `isal_deflate` (several times zlib's speed, at
    /// about zlib's ratio for the level); the others, and every level with `deflater: .zlib`, zlib.
    public func gzip(level: Int = 6, outputSize: Int = 256 << 10, deflater: Inflater = .isal) -> AsyncGzipSequence<Self> {
        let level = Swift.min(9, Swift.max(0, level))
        return AsyncGzipSequence(base: self, level: Int32(level), outputSize: Swift.max(64, outputSize),
                                 usesIsal: deflater == .isal && (1...3).contains(level))
    }
}

/// A streaming compressor: `encode` takes input and writes output; `finishing` says no input follows.
protocol StreamEncoder: AnyObject {
    /// Returns how many bytes were consumed and produced, and whether the stream is complete.
    func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool)
        -> (consumed: Int, produced: Int, done: Bool)
}

final class ZlibGzipEncoder: StreamEncoder {
    private let zstream: ZStream
    init(level: Int32) { zstream = ZStream(.deflate(level: level)) }

    func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool)
        -> (consumed: Int, produced: Int, done: Bool) {
        let (status, consumed, produced) = zstream.run(input: UnsafeRawBufferPointer(rebasing: input.prefix(maximumCallSize)),
                                                       output: UnsafeMutableRawBufferPointer(rebasing: output.prefix(maximumCallSize)),
                                                       flush: finishing && input.count <= maximumCallSize ? Z_FINISH : Z_NO_FLUSH)
        return (consumed, produced, status == Z_STREAM_END)
    }
}

/// ISA-L's stateful `isal_deflate` writing a gzip member (its generic header and the trailer).
final class IsalGzipEncoder: StreamEncoder {
    private let stream: UnsafeMutablePointer<isal_zstream>
    private let levelBuffer: UnsafeMutableRawPointer?

    init(level: Int32) {
        stream = .allocate(capacity: 1)
        memset(stream, 0, MemoryLayout<isal_zstream>.size)
        isal_deflate_init(stream)
        let size = Int(sluice_isal_level_buffer_size(level))
        levelBuffer = size > 0 ? UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) : nil
        stream.pointee.level = UInt32(level)
        stream.pointee.level_buf = levelBuffer?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.level_buf_size = UInt32(size)
        stream.pointee.gzip_flag = UInt16(IGZIP_GZIP)
    }

    deinit {
        levelBuffer?.deallocate()
        stream.deallocate()
    }

    func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finishing: Bool)
        -> (consumed: Int, produced: Int, done: Bool) {
        let inCount = Swift.min(input.count, maximumCallSize), outCount = Swift.min(output.count, maximumCallSize)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(inCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(outCount)
        stream.pointee.end_of_stream = finishing && inCount == input.count ? 1 : 0
        let status = isal_deflate(stream)
        // Only a bad level or level buffer fails, and both are set here.
        precondition(status == COMP_OK, "isal_deflate failed: \(status)")
        let consumed = inCount - Int(stream.pointee.avail_in), produced = outCount - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        return (consumed, produced, stream.pointee.internal_state.state == ZSTATE_END)
    }
}

/// An asynchronous sequence of gzip-compressed bytes; see ``_Concurrency/AsyncSequence/gzip(level:outputSize:deflater:)``.
public struct AsyncGzipSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let level: Int32
    let outputSize: Int
    var usesIsal = false

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(),
                 encoder: usesIsal ? IsalGzipEncoder(level: level) : ZlibGzipEncoder(level: level), outputSize: outputSize)
    }

    /// Yields compressed chunks; the last one carries the gzip trailer.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var encoding: EncodingLoop

        init(base: Base.AsyncIterator, encoder: any StreamEncoder, outputSize: Int) {
            self.base = base
            self.encoding = EncodingLoop(encoder: encoder, outputSize: outputSize)
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

extension AsyncGzipSequence: Sendable where Base: Sendable {}

/// The loop shared by the compressing stages: feeds input chunks to an encoder and cuts its
/// output into chunks of at most `outputSize` bytes.
struct EncodingLoop {
    let encoder: any StreamEncoder
    let outputSize: Int
    var input: [UInt8] = []
    var position = 0
    var baseEnded = false
    var finished = false

    init(encoder: any StreamEncoder, outputSize: Int) {
        self.encoder = encoder
        self.outputSize = outputSize
    }

    mutating func feed(_ chunk: [UInt8]) {
        input = chunk
        position = 0
    }

    /// Output to yield, or nil when more input is needed (or the stream is complete).
    mutating func step() -> [UInt8]? {
        while !finished && (position < input.count || baseEnded) {
            let out = encodeChunk()
            if !out.isEmpty { return out }
        }
        return nil
    }

    private mutating func encodeChunk() -> [UInt8] {
        let capacity = outputSize
        return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            count = 0
            while count < capacity {
                let step = input.withUnsafeBytes { inBytes in
                    encoder.encode(UnsafeRawBufferPointer(rebasing: inBytes[position...]),
                                   into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[count...]),
                                   finishing: baseEnded)
                }
                position += step.consumed
                count += step.produced
                if step.done { finished = true; return }
                if !baseEnded && position == input.count { return }
                if step.consumed == 0 && step.produced == 0 { return }
            }
        }
    }
}
