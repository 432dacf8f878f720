extension AsyncSequence where Element == [UInt8] {
    /// Decodes compressed input, whichever codec wrote it: gzip, zstd, xz, bzip2 or lz4 (frame
    /// format), told apart by the magic bytes at the start of the input, never by a name.
    /// Anything else passes through unchanged.
    ///
    /// Every member, frame or stream of a concatenated input is decoded (`cat a.zst b.zst`,
    /// multi-stream xz and bzip2, zstd and lz4 skippable frames) and every checksum the format
    /// carries is verified. After the last stream, zero bytes are ignored for gzip (as `gzip -dc`
    /// does) and are xz stream padding when a multiple of 4 bytes (otherwise an error, as `xz`
    /// says); other trailing bytes are not output and are reported to `onWarning`. On truncated or corrupt input, every byte decoded
    /// before the fault is yielded first, then ``SluiceError/truncatedInput(path:codec:offset:)``
    /// or ``SluiceError/corruptInput(path:codec:offset:reason:)`` is thrown (for gzip,
    /// ``SluiceError/truncatedGzip(path:offset:)`` and ``SluiceError/corruptGzip(path:offset:reason:)``),
    /// with the compressed byte offset of the fault. Output chunks hold at most
    /// ``DecompressionOptions/outputSize`` bytes, so memory stays flat whatever the ratio.
    ///
    ///     for try await batch in FileChunks(path: "app.log.3.zst").decompressed().lineBatches() { ... }
    public func decompressed(
        _ options: DecompressionOptions = DecompressionOptions(),
        onWarning: @escaping @Sendable (DecompressionWarning) -> Void = DecompressionWarning.ignore
    ) -> AsyncDecompressedSequence<Self> {
        AsyncDecompressedSequence(base: self, options: options, onWarning: onWarning)
    }
}

/// A compression format that ``_Concurrency/AsyncSequence/decompressed(_:onWarning:)`` decodes.
public enum CompressionCodec: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// gzip (`1f 8b`), with ISA-L or zlib: see ``Inflater``.
    case gzip
    /// Zstandard (`28 b5 2f fd`, or a skippable frame `5? 2a 4d 18`), with libzstd.
    case zstd
    /// xz (`fd 37 7a 58 5a 00`), with liblzma; also the formats `xz -dc` reads with it:
    /// legacy `.lzma` (a header of properties, a dictionary size and a content size; see
    /// `Magic.lzmaHeader`) and lzip (`LZIP` and version 1).
    case xz
    /// bzip2 (`BZh1`...`BZh9` and a block or end-of-stream marker), with libbz2.
    case bzip2
    /// The LZ4 frame format (`04 22 4d 18`), and its legacy format (`lz4 -l`, `02 21 4c 18`), with liblz4.
    case lz4
    /// compress(1)'s LZW format (`.Z`, `1f 9d`), as `zcat` reads it; the decoder is Sluice's
    /// own (see `LzwDecoder`). It has no end marker and no check: what follows belongs to it,
    /// and a file cut short is not detected.
    case compress

    public var description: String { rawValue }

    /// How many bytes ``detect(_:)`` needs at most to decide (a legacy `.lzma` header).
    public static let longestMagic = 13

    /// The codec whose magic bytes start `prefix`, if any. `prefix` should hold the first
    /// ``longestMagic`` bytes of the input (or all of it, when shorter).
    public static func detect(_ prefix: some Collection<UInt8>) -> CompressionCodec? {
        switch Magic.match(Array(prefix.prefix(longestMagic)), Magic.starting(allCases), atEnd: true, lzmaAlone: true) {
        case .found(.codec(let codec)): return codec
        case .found(.skippable): return .zstd
        default: return nil
        }
    }
}

/// Which library inflates gzip. Both give byte-identical output on well-formed input.
public enum Inflater: String, Sendable, Hashable, CaseIterable {
    /// Intel's ISA-L `isal_inflate`: about 2.5 times zlib's speed.
    case isal
    /// zlib's `inflate`.
    case zlib
}

/// How ``_Concurrency/AsyncSequence/decompressed(_:onWarning:)`` decodes.
public struct DecompressionOptions: Sendable, Hashable {
    /// When false, nothing is detected and every byte passes through (`--no-decompress`).
    public var enabled = true
    /// The codecs detected; input in another format passes through.
    public var codecs: Set<CompressionCodec> = Set(CompressionCodec.allCases)
    /// Whether input in no detected format passes through (true) or is an error (false, as
    /// ``_Concurrency/AsyncSequence/gunzip(autoDetect:outputSize:inflater:onWarning:)`` does by default).
    public var passesThroughUnknown = true
    /// The gzip inflater.
    public var inflater = Inflater.isal
    /// The most bytes in one output chunk; more for an lz4 frame whose blocks are larger (up to
    /// 4 MiB), so that liblz4 decodes each block straight into the chunk instead of copying it.
    public var outputSize = 256 << 10
    /// The most memory one stream's decoder may need: a zstd frame whose window, or an xz
    /// stream whose dictionary, is larger is refused with an error that says so. 128 MiB is
    /// what the zstd tool allows by default, and more than `xz -9` needs.
    public var memoryLimit = 128 << 20
    /// The stop that ends reading early (``InputFiles/Options/stop``): a stream cut short
    /// once it is requested is the caller's doing, not damage, and ends without an error.
    public var stop: StopToken?

    public init() {}
}

/// Something odd in compressed input that does not stop decoding: trailing bytes after the
/// last member, frame or stream.
public struct DecompressionWarning: Sendable, Equatable, CustomStringConvertible {
    /// The compressed byte offset where the ignored bytes start.
    public let offset: Int64
    /// How many bytes were ignored.
    public let byteCount: Int64
    /// The codec of the data before them.
    public var codec: CompressionCodec = .gzip
    /// The format of the data before them, as its tool names it: the codec's name, or `lzma`
    /// or `lzip` for the formats the ``CompressionCodec/xz`` decoder also reads.
    public var format: String

    public init(offset: Int64, byteCount: Int64, codec: CompressionCodec = .gzip, format: String? = nil) {
        self.offset = offset
        self.byteCount = byteCount
        self.codec = codec
        self.format = format ?? codec.rawValue
    }

    public var description: String {
        "\(byteCount) trailing byte\(byteCount == 1 ? "" : "s") after \(format) data at byte \(offset) ignored"
    }

    /// The default handler: ignores the warning (the library never prints); pass a handler
    /// of your own to report it.
    public static let ignore: @Sendable (DecompressionWarning) -> Void = { _ in }
}

/// The magic numbers, as byte ranges so that zstd's skippable frames (`50`...`5f`) and bzip2's
/// block size digit fit.
enum Magic {
    /// What a magic number starts: a codec's stream, or a skippable frame (zstd and lz4 share
    /// the form; the stage skips them itself).
    enum Kind: Equatable { case codec(CompressionCodec), skippable }
    typealias Pattern = (kind: Kind, bytes: [ClosedRange<UInt8>])

    static func exact(_ codec: CompressionCodec, _ bytes: [UInt8]) -> Pattern { (.codec(codec), bytes.map { $0...$0 }) }

    static let gzip = exact(.gzip, [0x1f, 0x8b])
    static let zstd = exact(.zstd, [0x28, 0xb5, 0x2f, 0xfd])
    static let skippable: Pattern = (.skippable, [0x50...0x5f, 0x2a...0x2a, 0x4d...0x4d, 0x18...0x18])
    static let xz = exact(.xz, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])
    /// lzip (`LZIP` and version 1), which liblzma decodes as `xz -dc` does.
    static let lzip = exact(.xz, [0x4c, 0x5a, 0x49, 0x50, 0x01])
    static let bzip2Block: Pattern = (.codec(.bzip2), [0x42...0x42, 0x5a...0x5a, 0x68...0x68, 0x31...0x39] + [0x31, 0x41, 0x59, 0x26, 0x53, 0x59].map { $0...$0 })
    static let bzip2End: Pattern = (.codec(.bzip2), [0x42...0x42, 0x5a...0x5a, 0x68...0x68, 0x31...0x39] + [0x17, 0x72, 0x45, 0x38, 0x50, 0x90].map { $0...$0 })
    static let lz4 = exact(.lz4, [0x04, 0x22, 0x4d, 0x18])
    /// The lz4 legacy format (`lz4 -l`).
    static let lz4Legacy = exact(.lz4, Lz4LegacyDecoder.magic)
    static let compress = exact(.compress, LzwDecoder.magic)

    /// What may start an input.
    static func starting(_ codecs: some Sequence<CompressionCodec>) -> [Pattern] {
        var patterns = codecs.flatMap { codec -> [Pattern] in
            switch codec {
            case .gzip: return [gzip]
            case .zstd: return [zstd]
            case .xz: return [xz, lzip]
            case .bzip2: return [bzip2Block, bzip2End]
            case .lz4: return [lz4, lz4Legacy]
            case .compress: return [compress]
            }
        }
        if patterns.contains(where: { $0.kind == .codec(.zstd) || $0.kind == .codec(.lz4) }) { patterns.append(skippable) }
        return patterns
    }

    /// What may follow a complete stream of `codec` as its next stream.
    static func continuing(_ codec: CompressionCodec) -> [Pattern] { starting([codec]) }

    enum Match: Equatable { case found(Kind), none, needMore }

    /// Whether `window` starts with one of `patterns` (or, with `lzmaAlone`, a legacy `.lzma`
    /// header); `needMore` when it is a proper prefix of one (unless `atEnd`: then no more
    /// bytes will come).
    static func match(_ window: [UInt8], _ patterns: [Pattern], atEnd: Bool = false, lzmaAlone: Bool = false) -> Match {
        var possible = false
        for pattern in patterns {
            let n = Swift.min(window.count, pattern.bytes.count)
            var agrees = true
            for i in 0..<n where !pattern.bytes[i].contains(window[i]) { agrees = false; break }
            guard agrees else { continue }
            if n == pattern.bytes.count { return .found(pattern.kind) }
            possible = true
        }
        if lzmaAlone {
            switch lzmaHeader(window) {
            case .found(let kind): return .found(kind)
            case .needMore: possible = true
            case .none: break
            }
        }
        return possible && !atEnd ? .needMore : .none
    }

    /// A legacy `.lzma` header (no magic number): a properties byte below 225, a dictionary
    /// size of 2^n or 2^n + 2^(n-1) bytes from 4 KiB (what xz and LZMA Utils write; the form
    /// `xz -dc` requires), and an uncompressed size that is unknown (all ones) or below 2^38.
    /// Text never has the zero bytes this needs.
    static func lzmaHeader(_ window: [UInt8]) -> Match {
        guard let first = window.first else { return .needMore }
        guard first < 225 else { return .none }
        // From 4 KiB, both dictionary forms are multiples of 2 KiB: the low byte is zero.
        guard window.count >= 2 else { return .needMore }
        guard window[1] == 0 else { return .none }
        guard window.count >= 13 else { return .needMore }
        let dictionary = window[1...4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let low = dictionary & (~dictionary &+ 1)
        guard dictionary >= 4096, dictionary == low || dictionary == low * 3 else { return .none }
        let size = window[5...12]
        guard size.allSatisfy({ $0 == 0xff }) || (window[10...12].allSatisfy { $0 == 0 } && window[9] < 0x40) else { return .none }
        return .found(.codec(.xz))
    }
}

/// An asynchronous sequence of the decoded bytes of compressed input; see
/// ``_Concurrency/AsyncSequence/decompressed(_:onWarning:)``.
public struct AsyncDecompressedSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let options: DecompressionOptions
    let onWarning: @Sendable (DecompressionWarning) -> Void

    public func makeAsyncIterator() -> Iterator {
        // A reader that knows its input's name (a path, or the name given with a descriptor)
        // names it in this stage's errors too.
        let name = (base as? FileChunks)?.name ?? (base as? FollowedFile)?.path
        return Iterator(base: base.makeAsyncIterator(), options: options, onWarning: onWarning, name: name)
    }

    /// Yields decoded chunks.
    public struct Iterator: AsyncIteratorProtocol {
        private enum Phase: Equatable {
            /// Before the first bytes: which codec, if any?
            case detect
            /// Inside a stream.
            case stream
            /// After a stream: another one, padding or garbage?
            case between
            /// Zero bytes after a stream: gzip's ignored tail, or xz's stream padding from `start`.
            case zeros(start: Int64)
            /// Inside a skippable frame (zstd, lz4), which is not output.
            case skipping
            /// Bytes after the data that are ignored, starting at `start`.
            case garbage(start: Int64)
            /// Not compressed (or detection off): bytes pass unchanged.
            case passthrough
            /// After an error: nothing more is read.
            case failed
        }

        private var base: Base.AsyncIterator
        private let options: DecompressionOptions
        private let onWarning: @Sendable (DecompressionWarning) -> Void
        private let outputSize: Int
        private var decoder: (any StreamDecoder)?
        private var codec = CompressionCodec.gzip
        private var phase = Phase.detect
        private var input: [UInt8] = []
        private var position = 0
        /// The stream offset of `input[0]`.
        private var inputOffset: Int64 = 0
        /// The first bytes of a magic number that ended a chunk, waiting for the next ones.
        private var held: [UInt8] = []
        /// The stream offset of `held[0]`.
        private var heldOffset: Int64 = 0
        /// The last call filled its output: the decoder may have more without new input.
        private var outputPending = false
        private var baseEnded = false
        /// A skippable frame's magic number and size, as read so far, and the bytes of it left.
        private var skipHeader: [UInt8] = []
        private var skipLeft: Int64 = -1
        /// Where a skippable frame returns: `.detect` when it started the input.
        private var afterSkip = Phase.between
        /// The input started with skippable frames: what follows is zstd or lz4, or not output.
        private var skippedAtStart = false
        private var pendingError: (any Error)?
        private var finished = false

        private let name: String?

        init(base: Base.AsyncIterator, options: DecompressionOptions, onWarning: @escaping @Sendable (DecompressionWarning) -> Void,
             name: String? = nil) {
            self.name = name
            self.base = base
            self.options = options
            self.onWarning = onWarning
            self.outputSize = Swift.max(1, options.outputSize)
            if !options.enabled { phase = .passthrough }
        }

        private var absolutePosition: Int64 { inputOffset + Int64(position) }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while true {
                if let error = pendingError { pendingError = nil; finished = true; throw error }
                if finished { return nil }
                if phase == .stream, position < input.count || outputPending {
                    let out = decodeChunk()
                    if !out.isEmpty { return out }
                    continue
                }
                if position < input.count {
                    if let out = consumeOutsideStream() { return out }
                    continue
                }
                if baseEnded { if let out = finish() { return out }; continue }
                guard let chunk = try await base.next(isolation: actor) else { baseEnded = true; continue }
                inputOffset += Int64(input.count)
                input = chunk
                position = 0
            }
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }

        // MARK: Errors

        private func truncated(at offset: Int64) -> SluiceError {
            codec == .gzip ? .truncatedGzip(path: name, offset: offset) : .truncatedInput(path: name, codec: codec, offset: offset)
        }

        private func corrupt(at offset: Int64, _ reason: String) -> SluiceError {
            codec == .gzip ? .corruptGzip(path: name, offset: offset, reason: reason)
                : .corruptInput(path: name, codec: codec, offset: offset, reason: reason)
        }

        // MARK: Outside a stream

        /// Handles the bytes of `input` at `position` when not inside a stream; may return
        /// bytes to yield (pass-through).
        private mutating func consumeOutsideStream() -> [UInt8]? {
            switch phase {
            case .detect, .between:
                return classify()
            case .passthrough:
                return passThrough()
            case .zeros(let start):
                while position < input.count && input[position] == 0 { position += 1 }
                if position < input.count {
                    // xz streams may be separated by stream padding (a multiple of 4 bytes, as
                    // xz requires); gzip ends at the zeros.
                    if codec == .xz {
                        if !checkPadding(from: start) { return nil }
                        phase = .between
                    } else {
                        phase = .garbage(start: absolutePosition)
                    }
                }
                return nil
            case .skipping:
                skip()
                return nil
            case .garbage, .failed:
                position = input.count
                return nil
            case .stream:
                return nil
            }
        }

        /// xz stream padding from `start` to here: false (and an error) when it is not a multiple of 4 bytes.
        private mutating func checkPadding(from start: Int64) -> Bool {
            guard (absolutePosition - start) % 4 != 0 else { return true }
            pendingError = corrupt(at: absolutePosition, "stream padding of \(absolutePosition - start) bytes, not a multiple of 4")
            phase = .failed
            position = input.count
            return false
        }

        /// Passes over a skippable frame: 4 bytes of magic number, a 4-byte little-endian size, and that many bytes.
        private mutating func skip() {
            while skipHeader.count < 8 && position < input.count {
                skipHeader.append(input[position])
                position += 1
            }
            guard skipHeader.count == 8 else { return }
            if skipLeft < 0 { skipLeft = skipHeader[4...7].reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) } }
            let n = Int(Swift.min(skipLeft, Int64(input.count - position)))
            position += n
            skipLeft -= Int64(n)
            if skipLeft == 0 {
                phase = afterSkip
                if afterSkip == .detect { skippedAtStart = true }
            }
        }

        /// Reads the magic number at `position` (holding the bytes of one cut by a chunk's end)
        /// and acts on it: a stream starts, or the input passes through, or padding or garbage
        /// follows the last stream.
        private mutating func classify() -> [UInt8]? {
            let take = Swift.max(0, Swift.min(CompressionCodec.longestMagic - held.count, input.count - position))
            let window = held + input[position..<(position + take)]
            let match = Magic.match(window, patterns, lzmaAlone: detectsLzmaAlone)
            if match == .needMore {
                if held.isEmpty { heldOffset = absolutePosition }
                held += input[position...]
                position = input.count
                return nil
            }
            if !held.isEmpty {
                // The magic number straddled chunks (at most once per chunk): decode from its start.
                input = held + input[position...]
                inputOffset = heldOffset
                position = 0
                held = []
            }
            switch match {
            case .found(.codec(let found)):
                startStream(found)
                return nil
            case .found(.skippable):
                if phase == .detect { codec = options.codecs.contains(.zstd) ? .zstd : .lz4 }
                afterSkip = phase
                phase = .skipping
                skipHeader = []
                skipLeft = -1
                skip()
                return nil
            default:
                if phase == .detect && !skippedAtStart { return passThrough() }
                // After a stream, zeros are gzip's ignored tail or xz's stream padding; in
                // other formats (whose tools refuse them) they are trailing bytes as any other.
                let zerosAllowed = codec == .gzip || codec == .xz
                phase = input[position] == 0 && zerosAllowed ? .zeros(start: absolutePosition) : .garbage(start: absolutePosition)
                return nil
            }
        }

        /// What may come at `position`: at the start, any codec detected (after skippable
        /// frames, zstd or lz4); after a stream, another of its codec.
        private var patterns: [Magic.Pattern] {
            guard phase == .detect else { return Magic.continuing(codec) }
            return Magic.starting(skippedAtStart ? options.codecs.intersection([.zstd, .lz4]) : options.codecs)
        }

        private var detectsLzmaAlone: Bool { phase == .detect && !skippedAtStart && options.codecs.contains(.xz) }

        private mutating func passThrough() -> [UInt8]? {
            guard options.passesThroughUnknown || !options.enabled else {
                let expected = options.codecs.count == 1 ? options.codecs.first! : .gzip
                codec = expected
                pendingError = corrupt(at: 0, "not in \(expected) format")
                phase = .failed
                position = input.count
                return nil
            }
            phase = .passthrough
            let rest = position == 0 ? input : Array(input[position...])
            position = input.count
            return rest.isEmpty ? nil : rest
        }

        private mutating func startStream(_ found: CompressionCodec) {
            if let decoder, found == codec {
                decoder.reset()
            } else {
                codec = found
                decoder = makeDecoder(found)
            }
            phase = .stream
        }

        private func makeDecoder(_ codec: CompressionCodec) -> any StreamDecoder {
            switch codec {
            case .gzip: return options.inflater == .isal ? IsalGzipDecoder() : ZlibGzipDecoder()
            case .zstd:
                var log: Int32 = 10
                while log < 31 && (1 << Int(log + 1)) <= options.memoryLimit { log += 1 }
                return ZstdDecoder(windowLogMax: log)
            case .xz: return XzDecoder(memoryLimit: Swift.max(1 << 20, options.memoryLimit))
            case .bzip2: return Bzip2Decoder()
            case .lz4: return Lz4Decoder()
            case .compress: return LzwDecoder()
            }
        }

        // MARK: Inside a stream

        /// Decodes from `input` into one output chunk, crossing stream boundaries.
        private mutating func decodeChunk() -> [UInt8] {
            guard let decoder else { return [] }
            // An lz4 frame with blocks larger than a chunk gets chunks of its block size.
            let capacity = Swift.max(outputSize, decoder.preferredOutputSize ?? 0)
            return ChunkPool.shared.fill(size: capacity) { out, count in
                filling: while count < capacity {
                    guard phase == .stream else {
                        if position < input.count { _ = consumeOutsideStream(); continue }
                        break
                    }
                    if position == input.count && !outputPending { break }
                    let step = input.withUnsafeBytes { inBytes in
                        decoder.decode(UnsafeRawBufferPointer(rebasing: inBytes[position...]),
                                       into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[count...]))
                    }
                    position += step.consumed
                    count += step.produced
                    outputPending = count == capacity
                    switch step.status {
                    case .progress:
                        guard step.consumed == 0 && step.produced == 0 else { continue }
                        outputPending = false
                        if position < input.count {
                            // Input and room for output, and the decoder did nothing: fail rather than spin.
                            pendingError = corrupt(at: absolutePosition, "the decoder made no progress")
                            phase = .failed
                            position = input.count
                        }
                        break filling
                    case .streamEnd:
                        outputPending = false
                        phase = .between
                        let after = decoder.takeBytesAfterStream()
                        if !after.isEmpty {
                            // Consumed by the decoder, but the start of what follows.
                            held = after
                            heldOffset = absolutePosition - Int64(after.count)
                        }
                    case .failed(let reason):
                        outputPending = false
                        pendingError = corrupt(at: absolutePosition, reason)
                        phase = .failed
                        position = input.count
                        break filling
                    }
                }
            }
        }

        /// At the end of the input: reports truncation or trailing garbage; may return the
        /// held bytes of plain input.
        private mutating func finish() -> [UInt8]? {
            let end = absolutePosition
            var out: [UInt8]?
            if options.stop?.isRequested == true, phase == .stream || phase == .between {
                finished = true  // cut short by the caller's stop: not truncated
                return nil
            }
            switch phase {
            case .stream:
                if decoder?.mayEndHere != true { pendingError = truncated(at: end) }
            case .skipping:
                pendingError = truncated(at: end)
            case .zeros(let start) where codec == .xz:
                _ = checkPadding(from: start)
            case .detect where !skippedAtStart:
                if !options.passesThroughUnknown {
                    // Empty input, or the start of a magic number: gzip would say "unexpected end of file".
                    if options.codecs.count == 1 { codec = options.codecs.first! }
                    pendingError = truncated(at: end)
                } else if !held.isEmpty {
                    out = held
                    held = []
                    phase = .passthrough
                }
            case .between where !held.isEmpty, .detect where skippedAtStart && !held.isEmpty:
                if Magic.match(held, patterns) == .none {
                    // Bytes an lz4 legacy stream read as a block size, or short garbage after
                    // a skippable frame: trailing garbage.
                    onWarning(DecompressionWarning(offset: heldOffset, byteCount: end - heldOffset, codec: codec, format: decoder?.formatName))
                } else {
                    // The start of a magic number after a stream is a stream cut short (as gzip reads it).
                    pendingError = truncated(at: end)
                }
            case .garbage(let start):
                onWarning(DecompressionWarning(offset: start, byteCount: end - start, codec: codec, format: decoder?.formatName))
            default:
                break
            }
            if pendingError == nil { finished = true }
            return out
        }
    }
}

extension AsyncDecompressedSequence: Sendable where Base: Sendable {}
