import CBzip2
import CLz4
import CLzma
import CZstd
import Sluice

/// The decoding stage (`decompressed()`, one codec detected) on arbitrary bytes that start with
/// that codec's magic number, cut into chunks of a size taken from the first byte, against the
/// codec's own library driven directly over the whole input, stream after stream (targets
/// `gzip` (ISA-L, the default inflater, against zlib), `zstd`, `xz`, `bzip2`, `lz4`).
/// Invariants: no crash or hang; output chunks are bounded (by the output size, or for lz4 by
/// its largest block size); when the library decodes every
/// byte as whole streams, the stage gives the same bytes and no error; when the library finds
/// a fault, the stage reports one and the bytes both output before it agree; when the library
/// stops at bytes that start no stream (trailing bytes), the stage's output starts with the
/// library's (the stage may read on: an lz4 legacy stream, xz stream padding).
enum CodecTarget {
    enum Reference { case clean, fault, trailing }

    static func run(_ codec: CompressionCodec, _ input: [UInt8]) {
        guard let first = input.first else { return }
        let data = Array(input.dropFirst())
        guard data.starts(with: magic(codec)) else { return }
        let chunkSize = Int(first) * 17 % 4096 + 1
        let (reference, outcome) = codec == .gzip ? gzipReference(data) : libraryDecode(codec, data)
        if reference.count > limit { return }
        var decoding = DecompressionOptions()
        decoding.codecs = [codec]
        let options = decoding
        blocking {
            var out: [UInt8] = []
            var failure: (any Error)?
            do {
                for try await chunk in MemoryChunks(bytes: data, size: chunkSize).decompressed(options) {
                    // An lz4 frame's chunks are as large as its blocks (up to 4 MiB), decoded in place.
                    check(chunk.count <= (codec == .lz4 ? Swift.max(options.outputSize, 4 << 20) : options.outputSize),
                          "chunk of \(chunk.count) bytes")
                    out += chunk
                    if out.count > limit { return }
                }
            } catch { failure = error }
            switch outcome {
            case .clean:
                check(failure == nil, "\(codec): the library decodes the input, the stage fails: \(failure!)")
                check(out == reference, "\(codec): output differs from the library's (\(out.count) vs \(reference.count) bytes)")
            case .fault:
                check(failure != nil, "\(codec): the library finds a fault, the stage does not")
                // Either may have decoded more before the fault (a block whose checksum then fails is
                // output or not, depending on the call sizes); the bytes both output agree.
                let common = Swift.min(out.count, reference.count)
                check(out.prefix(common) == reference.prefix(common), "\(codec): output differs from the library's before the fault")
            case .trailing:
                check(out.starts(with: reference), "\(codec): output does not start with the library's")
            }
        }
    }

    /// Output beyond this is not compared (a small input can decode to a lot).
    static let limit = 64 << 20

    static func magic(_ codec: CompressionCodec) -> [UInt8] {
        switch codec {
        case .gzip: return [0x1f, 0x8b]
        case .zstd: return [0x28, 0xb5, 0x2f, 0xfd]
        case .xz: return [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]
        case .bzip2: return Array("BZh".utf8)
        case .lz4: return [0x04, 0x22, 0x4d, 0x18]
        case .compress: return [0x1f, 0x9d]
        }
    }

    /// Whether `rest` starts another stream of `codec`, as the stage reads it.
    static func startsStream(_ codec: CompressionCodec, _ rest: ArraySlice<UInt8>) -> Bool {
        let r = Array(rest.prefix(10))
        switch codec {
        case .zstd:
            return r.starts(with: magic(.zstd)) || (r.count >= 4 && (0x50...0x5f).contains(r[0]) && Array(r[1..<4]) == [0x2a, 0x4d, 0x18])
        case .lz4:
            return r.starts(with: magic(.lz4)) || (r.count >= 4 && (0x50...0x5f).contains(r[0]) && Array(r[1..<4]) == [0x2a, 0x4d, 0x18])
        case .xz: return r.starts(with: magic(.xz))
        case .bzip2:
            guard r.count == 10, r.starts(with: magic(.bzip2)), (0x31...0x39).contains(r[3]) else { return false }
            let tail = Array(r[4...])
            return tail == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] || tail == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]
        case .gzip: return r.starts(with: magic(.gzip))
        case .compress: return false  // no end marker: nothing follows a .Z stream
        }
    }

    /// One step of a library decoder: bytes consumed and produced, and whether the stream ended or failed.
    typealias Step = (consumed: Int, produced: Int, end: Bool, failed: Bool)

    /// The library's decoder, stream after stream, until the input ends, a fault, or bytes that start no stream.
    static func libraryDecode(_ codec: CompressionCodec, _ input: [UInt8]) -> ([UInt8], Reference) {
        var output: [UInt8] = []
        var position = 0
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let decoder = LibraryDecoder(codec)
            var ended = false
            while !ended {
                let step = input.withUnsafeBytes { i in
                    scratch.withUnsafeMutableBytes { o in decoder.step(UnsafeRawBufferPointer(rebasing: i[position...]), o) }
                }
                position += step.consumed
                output += scratch.prefix(step.produced)
                if step.failed || output.count > limit { return (output, .fault) }
                ended = step.end
                // No progress and no input left: the stream is cut short.
                if !ended && step.consumed == 0 && step.produced == 0 && position == input.count { return (output, .fault) }
                if !ended && step.consumed == 0 && step.produced == 0 { return (output, .fault) }
            }
            if position == input.count { return (output, .clean) }
            if !startsStream(codec, input[position...]) { return (output, .trailing) }
        }
    }

    /// zlib over gzip members (see ``GunzipTarget/referenceInflate(_:)``).
    static func gzipReference(_ input: [UInt8]) -> ([UInt8], Reference) {
        let (bytes, ok) = GunzipTarget.referenceInflate(input)
        // zlib's reader ignores what follows a member unless it starts another: not always clean.
        return (bytes, ok ? .trailing : .fault)
    }
}

/// One stream's decoder of a codec's own library.
final class LibraryDecoder {
    private let codec: CompressionCodec
    private var zstd: OpaquePointer?
    private var lzma = lzma_stream()
    private var bzip = bz_stream()
    private var lz4: OpaquePointer?

    init(_ codec: CompressionCodec) {
        self.codec = codec
        switch codec {
        case .zstd:
            zstd = ZSTD_createDCtx()
            ZSTD_DCtx_setParameter(zstd, ZSTD_d_windowLogMax, 27)
        case .xz: _ = lzma_stream_decoder(&lzma, 128 << 20, 0)
        case .bzip2: _ = BZ2_bzDecompressInit(&bzip, 0, 0)
        case .lz4: _ = LZ4F_createDecompressionContext(&lz4, sluice_lz4f_version())
        case .gzip, .compress: break
        }
    }

    deinit {
        switch codec {
        case .zstd: ZSTD_freeDCtx(zstd)
        case .xz: lzma_end(&lzma)
        case .bzip2: BZ2_bzDecompressEnd(&bzip)
        case .lz4: LZ4F_freeDecompressionContext(lz4)
        case .gzip, .compress: break
        }
    }

    func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer) -> CodecTarget.Step {
        switch codec {
        case .zstd:
            var i = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var o = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let r = ZSTD_decompressStream(zstd, &o, &i)
            return (i.pos, o.pos, ZSTD_isError(r) == 0 && r == 0, ZSTD_isError(r) != 0)
        case .xz:
            lzma.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
            lzma.avail_in = input.count
            lzma.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
            lzma.avail_out = output.count
            let r = lzma_code(&lzma, input.isEmpty ? LZMA_FINISH : LZMA_RUN)
            let step = (input.count - lzma.avail_in, output.count - lzma.avail_out)
            return (step.0, step.1, r == LZMA_STREAM_END, r != LZMA_OK && r != LZMA_STREAM_END && r != LZMA_BUF_ERROR)
        case .bzip2:
            bzip.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
            bzip.avail_in = UInt32(input.count)
            bzip.next_out = output.baseAddress?.assumingMemoryBound(to: CChar.self)
            bzip.avail_out = UInt32(output.count)
            let r = BZ2_bzDecompress(&bzip)
            return (input.count - Int(bzip.avail_in), output.count - Int(bzip.avail_out), r == BZ_STREAM_END, r != BZ_OK && r != BZ_STREAM_END)
        case .lz4:
            var inSize = input.count, outSize = output.count
            let r = LZ4F_decompress(lz4, output.baseAddress, &outSize, input.baseAddress, &inSize, nil)
            return (inSize, outSize, LZ4F_isError(r) == 0 && r == 0, LZ4F_isError(r) != 0)
        case .gzip, .compress:
            // gzip has its own reference (zlib); compress has no library (no target).
            return (0, 0, false, true)
        }
    }
}
