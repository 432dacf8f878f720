import CBzip2
import CIsal
import CLz4
import CLzma
import CZlib
import CZstd
#if canImport(Glibc)
import Glibc
#endif

/// What one call of a codec's decoder did.
struct DecodeStep {
    enum Status: Equatable {
        /// Needs more input, or more output space.
        case progress
        /// The stream (member, frame) ended exactly after the consumed bytes.
        case streamEnd
        /// The input is damaged; the reason in the codec's words.
        case failed(String)
    }
    var consumed: Int
    var produced: Int
    var status: Status
}

/// A codec's streaming decoder for one stream (gzip member, zstd or lz4 frame, xz or bzip2
/// stream) at a time; `reset` makes it ready for the next. Not shared between tasks: each
/// iterator owns its decoder.
protocol StreamDecoder: AnyObject {
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep
    func reset()
    /// After `.streamEnd`: bytes the decoder consumed that lie after the stream (an lz4 legacy
    /// stream ends where a block size is too large to be one: those 4 bytes are the next magic number).
    func takeBytesAfterStream() -> [UInt8]
    /// Whether the input may end here without the stream being cut short (an lz4 legacy
    /// stream has no end marker: it ends between two blocks).
    var mayEndHere: Bool { get }
    /// The format of the last stream, when the codec's decoder reads several (`lzma`, `lzip`);
    /// `nil` for the codec's own.
    var formatName: String? { get }
    /// The output room in which the current stream decodes fastest, when it is more than the
    /// stage's chunk size (an lz4 frame's block size: see ``Lz4Decoder``); `nil`: any room.
    var preferredOutputSize: Int? { get }
}

extension StreamDecoder {
    func takeBytesAfterStream() -> [UInt8] { [] }
    var mayEndHere: Bool { false }
    var formatName: String? { nil }
    var preferredOutputSize: Int? { nil }
}

/// The most handed to a C decoder in one call: several use 32-bit counters.
let maximumCallSize = 4 << 20

// MARK: gzip with zlib

final class ZlibGzipDecoder: StreamDecoder {
    private let zstream = ZStream(.inflate)

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        let i = UnsafeRawBufferPointer(rebasing: input.prefix(maximumCallSize))
        let o = UnsafeMutableRawBufferPointer(rebasing: output.prefix(maximumCallSize))
        let (status, consumed, produced) = zstream.run(input: i, output: o)
        switch status {
        case Z_OK, Z_BUF_ERROR: return DecodeStep(consumed: consumed, produced: produced, status: .progress)
        case Z_STREAM_END: return DecodeStep(consumed: consumed, produced: produced, status: .streamEnd)
        case Z_NEED_DICT: return DecodeStep(consumed: consumed, produced: produced, status: .failed("needs a preset dictionary"))
        default: return DecodeStep(consumed: consumed, produced: produced, status: .failed(zstream.message))
        }
    }

    func reset() { zstream.reset() }
}

// MARK: gzip with ISA-L

/// ISA-L's inflate, with each member's header read first by `isal_read_gzip_header` (resumable
/// across chunks) and the body inflated in `ISAL_GZIP_NO_HDR_VER` mode, which checks the CRC-32
/// and ISIZE trailer. zlib's messages are used for the faults zlib names, so that both
/// inflaters report the same way.
final class IsalGzipDecoder: StreamDecoder {
    private let state: UnsafeMutablePointer<inflate_state>
    private let header: UnsafeMutablePointer<isal_gzip_header>
    private var inBody = false
    /// How many header bytes have been passed to the header reader (for the method and flag checks).
    private var headerBytes = 0

    init() {
        state = .allocate(capacity: 1)
        header = .allocate(capacity: 1)
        // isal_inflate_init sets every field the inflater reads; zero the rest first.
        memset(state, 0, MemoryLayout<inflate_state>.size)
        memset(header, 0, MemoryLayout<isal_gzip_header>.size)
        isal_inflate_init(state)
        isal_gzip_header_init(header)
    }

    deinit {
        state.deallocate()
        header.deallocate()
    }

    func reset() {
        isal_inflate_reset(state)
        isal_gzip_header_init(header)
        inBody = false
        headerBytes = 0
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        var consumed = 0
        if !inBody {
            // zlib (and gzip) refuse what ISA-L's header reader lets through: check the method
            // and the reserved flag bits as they go by.
            if headerBytes <= 3 {
                for index in 0..<Swift.min(input.count, 4 - headerBytes) {
                    let at = headerBytes + index
                    if at == 2 && input[index] != 8 {
                        return DecodeStep(consumed: index + 1, produced: 0, status: .failed("unknown compression method"))
                    }
                    if at == 3 && input[index] & 0xE0 != 0 {
                        return DecodeStep(consumed: index + 1, produced: 0, status: .failed("unknown header flags set"))
                    }
                }
            }
            let chunk = UnsafeRawBufferPointer(rebasing: input.prefix(maximumCallSize))
            state.pointee.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress?.assumingMemoryBound(to: UInt8.self))
            state.pointee.avail_in = UInt32(chunk.count)
            let status = isal_read_gzip_header(state, header)
            consumed = chunk.count - Int(state.pointee.avail_in)
            headerBytes += consumed
            switch status {
            case ISAL_DECOMP_OK:
                inBody = true
                state.pointee.crc_flag = UInt32(ISAL_GZIP_NO_HDR_VER)
            case ISAL_END_INPUT:
                return DecodeStep(consumed: consumed, produced: 0, status: .progress)
            case ISAL_UNSUPPORTED_METHOD:
                return DecodeStep(consumed: consumed, produced: 0, status: .failed("unknown compression method"))
            case ISAL_INCORRECT_CHECKSUM:
                return DecodeStep(consumed: consumed, produced: 0, status: .failed("header crc mismatch"))
            default:
                return DecodeStep(consumed: consumed, produced: 0, status: .failed("incorrect header check"))
            }
        }
        let rest = UnsafeRawBufferPointer(rebasing: input[consumed...].prefix(maximumCallSize))
        let out = UnsafeMutableRawBufferPointer(rebasing: output.prefix(maximumCallSize))
        state.pointee.next_in = UnsafeMutablePointer(mutating: rest.baseAddress?.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(rest.count)
        state.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(out.count)
        let status = isal_inflate(state)
        // After some faults ISA-L hands back bits it had buffered, so that avail_in can exceed what
        // it was given (even wrap): clamp to what this call was given.
        let bodyConsumed = Swift.min(rest.count, Swift.max(0, rest.count - Int(state.pointee.avail_in)))
        let produced = Swift.min(out.count, Swift.max(0, out.count - Int(state.pointee.avail_out)))
        state.pointee.next_in = nil
        state.pointee.next_out = nil
        consumed += bodyConsumed
        switch status {
        case ISAL_DECOMP_OK, ISAL_END_INPUT, ISAL_OUT_OVERFLOW:
            let finished = state.pointee.block_state == ISAL_BLOCK_FINISH
            return DecodeStep(consumed: consumed, produced: produced, status: finished ? .streamEnd : .progress)
        case ISAL_INCORRECT_CHECKSUM:
            // The trailer was the 8 bytes before the stop; when they are at hand, say which half failed.
            var reason = "incorrect data check"
            if bodyConsumed >= 8 {
                let end = consumed
                var stored: UInt32 = 0
                for k in 0..<4 { stored |= UInt32(input[end - 8 + k]) << (8 * k) }
                if stored == state.pointee.crc { reason = "incorrect length check" }
            }
            return DecodeStep(consumed: consumed, produced: produced, status: .failed(reason))
        case ISAL_INVALID_LOOKBACK:
            return DecodeStep(consumed: consumed, produced: produced, status: .failed("invalid distance too far back"))
        case ISAL_INVALID_SYMBOL:
            return DecodeStep(consumed: consumed, produced: produced, status: .failed("invalid code in deflate data"))
        case ISAL_NEED_DICT:
            return DecodeStep(consumed: consumed, produced: produced, status: .failed("needs a preset dictionary"))
        default:
            return DecodeStep(consumed: consumed, produced: produced, status: .failed("invalid block in deflate data"))
        }
    }
}

// MARK: zstd

final class ZstdDecoder: StreamDecoder {
    private let stream: OpaquePointer
    private let windowLogMax: Int32
    /// The first bytes of the frame (its header is at most 18), to explain a refusal.
    private var header: [UInt8] = []

    /// The window size a frame header declares (RFC 8878, 3.1.1.1.2), when it has a window descriptor.
    static func windowSize(_ header: [UInt8]) -> Int? {
        guard header.count >= 6, header[4] & 0x20 == 0 else { return nil }
        let exponent = Int(header[5] >> 3), mantissa = Int(header[5] & 7)
        let base = 1 << (10 + exponent)
        return base + base / 8 * mantissa
    }

    /// Frames whose window exceeds `1 << windowLogMax` bytes are refused (the decoder would need that much memory).
    init(windowLogMax: Int32) {
        // Only an allocation failure makes this nil: nothing to recover.
        stream = ZSTD_createDStream()!
        self.windowLogMax = windowLogMax
        ZSTD_DCtx_setParameter(stream, ZSTD_d_windowLogMax, windowLogMax)
    }

    deinit { ZSTD_freeDStream(stream) }

    func reset() {
        ZSTD_DCtx_reset(stream, ZSTD_reset_session_only)
        header.removeAll(keepingCapacity: true)
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        if header.count < 18 { header += input.prefix(18 - header.count) }
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: Swift.min(input.count, maximumCallSize), pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: Swift.min(output.count, maximumCallSize), pos: 0)
        let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
        let consumed = inBuffer.pos, produced = outBuffer.pos
        if ZSTD_isError(result) != 0 {
            let reason: String
            let dictionary = header.withUnsafeBytes { ZSTD_getDictID_fromFrame($0.baseAddress, $0.count) }
            if ZSTD_getErrorCode(result) == ZSTD_error_frameParameter_windowTooLarge {
                let needs = Self.windowSize(header).map { "a \(byteSize($0)) window" } ?? "a window"
                reason = "the frame needs \(needs), larger than the \(byteSize(1 << Int(windowLogMax))) limit (written with zstd --long)"
            } else if dictionary != 0 {
                reason = "the frame was compressed with dictionary \(dictionary) (zstd -D), which sluice cannot use"
            } else {
                reason = String(cString: ZSTD_getErrorName(result)).lowercased()
            }
            // On an error libzstd leaves the buffer positions unset: the fault lies in what it was given.
            return DecodeStep(consumed: inBuffer.size, produced: produced, status: .failed(reason))
        }
        return DecodeStep(consumed: consumed, produced: produced, status: result == 0 ? .streamEnd : .progress)
    }
}

/// `128 MiB`, `64 KiB`.
func byteSize(_ n: Int) -> String {
    if n >= 1 << 30 && n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
    if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
    if n >= 1 << 10 && n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
    return "\(n) bytes"
}

// MARK: xz

/// liblzma's `.xz` decoder, one stream at a time (the stage handles concatenated streams and
/// stream padding itself, so that trailing bytes are located exactly), and its decoder of the
/// legacy `.lzma` format (`xz --format=lzma`, LZMA Utils) and of lzip members, which `xz -dc`
/// reads too.
final class XzDecoder: StreamDecoder {
    private let stream: UnsafeMutablePointer<lzma_stream>
    private let memoryLimit: UInt64
    /// The decoder for the next stream is chosen by its first bytes.
    private var started = false

    init(memoryLimit: Int) {
        self.memoryLimit = UInt64(memoryLimit)
        stream = .allocate(capacity: 1)
        stream.initialize(to: lzma_stream())  // all zero: LZMA_STREAM_INIT
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    private enum Format { case xz, lzip, lzma }
    private var format = Format.xz

    var formatName: String? {
        switch format {
        case .xz: return nil
        case .lzip: return "lzip"
        case .lzma: return "lzma"
        }
    }

    private func start(_ format: Format) {
        let status: lzma_ret
        switch format {
        case .xz: status = lzma_stream_decoder(stream, memoryLimit, 0)
        case .lzip: status = lzma_lzip_decoder(stream, memoryLimit, 0)
        case .lzma: status = lzma_alone_decoder(stream, memoryLimit)
        }
        // Only LZMA_MEM_ERROR can fail here: nothing to recover.
        precondition(status == LZMA_OK, "liblzma failed to initialise: \(status)")
        self.format = format
        started = true
    }

    func reset() { started = false }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        if !started {
            // The stage hands over each stream from its (whole) magic number or .lzma header.
            start(input.first == 0xfd ? .xz : input.first == 0x4c ? .lzip : .lzma)
        }
        let inCount = Swift.min(input.count, maximumCallSize), outCount = Swift.min(output.count, maximumCallSize)
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_in = inCount
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = outCount
        let status = lzma_code(stream, LZMA_RUN)
        let consumed = inCount - stream.pointee.avail_in, produced = outCount - stream.pointee.avail_out
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        let result: DecodeStep.Status
        switch status {
        case LZMA_OK, LZMA_BUF_ERROR: result = .progress
        case LZMA_STREAM_END: result = .streamEnd
        case LZMA_MEMLIMIT_ERROR: result = .failed("the stream needs more memory than the \(byteSize(Int(memoryLimit))) limit")
        case LZMA_FORMAT_ERROR: result = .failed("file format not recognized")
        case LZMA_OPTIONS_ERROR: result = .failed("unsupported options")
        case LZMA_DATA_ERROR: result = .failed("compressed data is corrupt")
        case LZMA_MEM_ERROR: result = .failed("out of memory")
        default: result = .failed("liblzma error \(status.rawValue)")
        }
        return DecodeStep(consumed: consumed, produced: produced, status: result)
    }
}

// MARK: bzip2

final class Bzip2Decoder: StreamDecoder {
    private let stream: UnsafeMutablePointer<bz_stream>

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        start()
    }

    deinit {
        BZ2_bzDecompressEnd(stream)
        stream.deallocate()
    }

    private func start() {
        let status = BZ2_bzDecompressInit(stream, 0, 0)
        precondition(status == BZ_OK, "libbz2 failed to initialise: \(status)")
    }

    /// libbz2 cannot go on after a stream's end: a new decoder per stream.
    func reset() {
        BZ2_bzDecompressEnd(stream)
        stream.pointee = bz_stream()
        start()
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        let inCount = Swift.min(input.count, maximumCallSize), outCount = Swift.min(output.count, maximumCallSize)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        stream.pointee.avail_in = UInt32(inCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_out = UInt32(outCount)
        let status = BZ2_bzDecompress(stream)
        let consumed = inCount - Int(stream.pointee.avail_in), produced = outCount - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        let result: DecodeStep.Status
        switch status {
        case BZ_OK: result = .progress
        case BZ_STREAM_END: result = .streamEnd
        case BZ_DATA_ERROR: result = .failed("data integrity error (bad CRC or invalid block)")
        case BZ_DATA_ERROR_MAGIC: result = .failed("bad magic number")
        case BZ_MEM_ERROR: result = .failed("out of memory")
        default: result = .failed("libbz2 error \(status)")
        }
        return DecodeStep(consumed: consumed, produced: produced, status: result)
    }
}

// MARK: lz4

/// liblz4's frame decoder, and the legacy format (`lz4 -l`, magic `02 21 4c 18`): blocks of at
/// most 8 MiB of content, each a 4-byte little-endian compressed size and an independent LZ4
/// block, up to the end of the input or a "size" too large to be one, which is the magic number
/// of what follows (as the `lz4` tool reads it). Told apart by the magic number at the start of
/// each stream.
///
/// liblz4 decodes a frame's block straight into the output only when the room left there is
/// at least the frame's block size (its header says: 64 KiB to 4 MiB, and `lz4` writes 4 MiB
/// blocks by default); with less, it decodes into a buffer of its own and copies from there.
/// ``preferredOutputSize`` asks the stage for such room.
final class Lz4Decoder: StreamDecoder {
    private let context: OpaquePointer
    private enum Mode { case undecided, frame, legacy }
    private var mode = Mode.undecided
    private var legacy: Lz4LegacyDecoder?
    /// The current frame's block size, from its header (4 MiB until it is read).
    private var blockSize: Int?

    var preferredOutputSize: Int? { mode == .frame ? blockSize ?? (4 << 20) : nil }

    init() {
        var context: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&context, sluice_lz4f_version())
        precondition(LZ4F_isError(status) == 0 && context != nil, "liblz4 failed to initialise")
        self.context = context!
    }

    deinit { LZ4F_freeDecompressionContext(context) }

    func reset() {
        LZ4F_resetDecompressionContext(context)
        mode = .undecided
    }

    func takeBytesAfterStream() -> [UInt8] { mode == .legacy ? legacy?.takeBytesAfterStream() ?? [] : [] }

    var mayEndHere: Bool { mode == .legacy && legacy?.mayEndHere == true }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        if mode == .undecided {
            // The stage hands over each stream from its (whole) magic number.
            if input.count >= 4 && Array(input[0..<4]) == Lz4LegacyDecoder.magic {
                mode = .legacy
                if legacy == nil { legacy = Lz4LegacyDecoder() }
                legacy!.reset()
            } else {
                mode = .frame
                // The frame descriptor's BD byte (after the magic number and FLG): bits 4-6 are
                // the block size's id, 4 to 7 for 64 KiB, 256 KiB, 1 MiB and 4 MiB.
                let id = input.count >= 6 ? Int(input[5] >> 4) & 7 : 0
                blockSize = id >= 4 ? 1 << (8 + 2 * id) : nil
            }
        }
        if mode == .legacy { return legacy!.decode(input, into: output) }
        let given = Swift.min(input.count, maximumCallSize)
        var srcSize = given, dstSize = Swift.min(output.count, maximumCallSize)
        let result = LZ4F_decompress(context, output.baseAddress, &dstSize, input.baseAddress, &srcSize, nil)
        if LZ4F_isError(result) != 0 {
            let name = String(cString: LZ4F_getErrorName(result))
            let reason = name.hasPrefix("ERROR_") ? String(name.dropFirst(6)).replacing("_", with: " ") : name
            // On an error liblz4 does not say how far it read: the fault lies in what it was given.
            return DecodeStep(consumed: given, produced: Swift.min(dstSize, output.count), status: .failed(reason))
        }
        return DecodeStep(consumed: srcSize, produced: dstSize, status: result == 0 ? .streamEnd : .progress)
    }
}

/// The lz4 legacy format's blocks (see ``Lz4Decoder``). A block is decoded whole into a buffer
/// of 8 MiB and handed out from there; with the block being gathered, it needs at most 16 MiB.
final class Lz4LegacyDecoder {
    static let magic: [UInt8] = [0x02, 0x21, 0x4c, 0x18]
    static let blockContent = 8 << 20
    static let largestBlock = Int(sluice_lz4_compress_bound(Int32(blockContent)))

    private var magicLeft = 4
    private var sizeBytes: [UInt8] = []
    /// The compressed block being gathered, and its size (0: reading a size).
    private var block: [UInt8] = []
    private var blockSize = 0
    private var decoded: [UInt8] = []
    private var decodedStart = 0
    private var decodedEnd = 0
    private var after: [UInt8] = []

    func reset() {
        magicLeft = 4
        sizeBytes = []
        block.removeAll(keepingCapacity: true)
        blockSize = 0
        decodedStart = 0
        decodedEnd = 0
        after = []
    }

    func takeBytesAfterStream() -> [UInt8] { defer { after = [] }; return after }

    var mayEndHere: Bool { magicLeft == 0 && sizeBytes.isEmpty && blockSize == 0 && decodedStart == decodedEnd }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        var consumed = 0, produced = 0
        while true {
            if decodedStart < decodedEnd {
                let n = Swift.min(decodedEnd - decodedStart, output.count - produced)
                if n == 0 { return DecodeStep(consumed: consumed, produced: produced, status: .progress) }
                decoded.withUnsafeBytes { source in
                    output.baseAddress!.advanced(by: produced).copyMemory(from: source.baseAddress!.advanced(by: decodedStart), byteCount: n)
                }
                decodedStart += n
                produced += n
                continue
            }
            if consumed == input.count { return DecodeStep(consumed: consumed, produced: produced, status: .progress) }
            if magicLeft > 0 {
                let n = Swift.min(magicLeft, input.count - consumed)
                magicLeft -= n
                consumed += n
                continue
            }
            if blockSize == 0 {
                while sizeBytes.count < 4 && consumed < input.count { sizeBytes.append(input[consumed]); consumed += 1 }
                guard sizeBytes.count == 4 else { continue }
                let size = Int(sizeBytes[0]) | Int(sizeBytes[1]) << 8 | Int(sizeBytes[2]) << 16 | Int(sizeBytes[3]) << 24
                if size > Self.largestBlock {
                    // Not a block: the magic number of the next stream.
                    after = sizeBytes
                    sizeBytes = []
                    return DecodeStep(consumed: consumed, produced: produced, status: .streamEnd)
                }
                sizeBytes = []
                if size == 0 { return DecodeStep(consumed: consumed, produced: produced, status: .failed("empty legacy block")) }
                blockSize = size
                block.removeAll(keepingCapacity: true)
                continue
            }
            // The block: straight from the input when it is there whole, else gathered.
            let result: Int32
            if block.isEmpty && input.count - consumed >= blockSize {
                result = decompressBlock(UnsafeRawBufferPointer(rebasing: input[consumed..<(consumed + blockSize)]))
                consumed += blockSize
            } else {
                let n = Swift.min(blockSize - block.count, input.count - consumed)
                block.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[consumed..<(consumed + n)]))
                consumed += n
                guard block.count == blockSize else { continue }
                result = block.withUnsafeBytes { decompressBlock($0) }
            }
            blockSize = 0
            block.removeAll(keepingCapacity: true)
            guard result >= 0 else { return DecodeStep(consumed: consumed, produced: produced, status: .failed("corrupt legacy block")) }
            decodedStart = 0
            decodedEnd = Int(result)
        }
    }

    /// One block into `decoded`: its size, or a negative number when it is damaged.
    private func decompressBlock(_ source: UnsafeRawBufferPointer) -> Int32 {
        if decoded.isEmpty { decoded = [UInt8](repeating: 0, count: Self.blockContent) }
        return decoded.withUnsafeMutableBytes { out in
            LZ4_decompress_safe(source.baseAddress!.assumingMemoryBound(to: CChar.self), out.baseAddress!.assumingMemoryBound(to: CChar.self),
                                Int32(source.count), Int32(Self.blockContent))
        }
    }
}
