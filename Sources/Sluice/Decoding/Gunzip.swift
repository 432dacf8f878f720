import CZlib

extension AsyncSequence where Element == [UInt8] {
    /// Inflates gzip data: every member of a multi-member file, checking each member's CRC-32
    /// and length.
    ///
    /// With `autoDetect`, input that does not start with the gzip magic bytes `1f 8b` passes
    /// through unchanged. Zero bytes after the last member are ignored; other trailing bytes
    /// are not output and are reported to `onWarning`. On truncated or corrupt input, every
    /// byte decoded before the fault is yielded first, then ``SluiceError/truncatedGzip(path:offset:)``
    /// or ``SluiceError/corruptGzip(path:offset:reason:)`` is thrown. Output chunks hold at
    /// most `outputSize` bytes, so memory stays flat whatever the compression ratio.
    public func gunzip(autoDetect: Bool = false, outputSize: Int = 256 << 10,
                       onWarning: @escaping @Sendable (GunzipWarning) -> Void = GunzipWarning.printToStandardError)
        -> AsyncGunzipSequence<Self> {
        AsyncGunzipSequence(base: self, autoDetect: autoDetect, outputSize: outputSize, onWarning: onWarning)
    }

    /// Inflates gzip input, or passes the bytes through untouched when `decompress` is false;
    /// with `decompress` it is `gunzip(autoDetect: true)`. One type for both, for pipelines whose
    /// decompression is a run-time option.
    public func gunzipIfGzip(_ decompress: Bool = true,
                             onWarning: @escaping @Sendable (GunzipWarning) -> Void = GunzipWarning.printToStandardError)
        -> AsyncGunzipSequence<Self> {
        AsyncGunzipSequence(base: self, autoDetect: true, outputSize: 256 << 10, onWarning: onWarning, enabled: decompress)
    }
}

/// Something odd in gzip input that does not stop decoding: trailing bytes after the last member.
public struct GunzipWarning: Sendable, CustomStringConvertible {
    /// The compressed byte offset where the ignored bytes start.
    public let offset: Int64
    /// How many bytes were ignored.
    public let byteCount: Int64

    public var description: String {
        "\(byteCount) trailing byte\(byteCount == 1 ? "" : "s") after gzip data at byte \(offset) ignored"
    }

    /// The default handler: writes `sluice: warning: ...` to standard error.
    public static let printToStandardError: @Sendable (GunzipWarning) -> Void = { warning in
        StandardError.write("sluice: warning: \(warning)\n")
    }
}

/// An asynchronous sequence of the inflated bytes of a gzip stream; see ``_Concurrency/AsyncSequence/gunzip(autoDetect:outputSize:onWarning:)``.
public struct AsyncGunzipSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let autoDetect: Bool
    let outputSize: Int
    let onWarning: @Sendable (GunzipWarning) -> Void
    var enabled = true

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), autoDetect: autoDetect, outputSize: Swift.max(1, outputSize),
                 onWarning: onWarning, enabled: enabled)
    }

    /// Yields inflated chunks.
    public struct Iterator: AsyncIteratorProtocol {
        private enum Phase {
            /// Before the first bytes: gzip or not?
            case detect
            /// Inside a member.
            case member
            /// After a member's trailer: another member, padding or garbage?
            case between
            /// Zero padding after the last member.
            case zeros
            /// Bytes after the data that are ignored, starting at `start`.
            case garbage(start: Int64)
            /// Not gzip (auto-detect): bytes pass unchanged.
            case passthrough
        }

        private var base: Base.AsyncIterator
        private let autoDetect: Bool
        private let outputSize: Int
        private let onWarning: @Sendable (GunzipWarning) -> Void
        private var zstream: ZStream?
        private var phase = Phase.detect
        private var input: [UInt8] = []
        private var position = 0
        /// The stream offset of `input[0]`.
        private var inputOffset: Int64 = 0
        /// A `1f` seen as the last byte of a chunk, waiting for the next byte to say what it is.
        private var heldMagicByte = false
        /// The last `inflate` filled its output: it may have more without new input.
        private var outputPending = false
        private var baseEnded = false
        private var pendingError: (any Error)?
        private var finished = false

        init(base: Base.AsyncIterator, autoDetect: Bool, outputSize: Int,
             onWarning: @escaping @Sendable (GunzipWarning) -> Void, enabled: Bool) {
            self.base = base
            if !enabled { phase = .passthrough }
            self.autoDetect = autoDetect
            self.outputSize = outputSize
            self.onWarning = onWarning
        }

        private var absolutePosition: Int64 { inputOffset + Int64(position) }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while true {
                if let error = pendingError { pendingError = nil; finished = true; throw error }
                if finished { return nil }
                if case .member = phase, position < input.count || outputPending {
                    let out = inflateChunk()
                    if !out.isEmpty { return out }
                    continue
                }
                if position < input.count {
                    if let out = consumeOutsideMember() { return out }
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

        /// Handles the bytes of `input` at `position` when not inside a member; may return
        /// bytes to yield (pass-through).
        private mutating func consumeOutsideMember() -> [UInt8]? {
            switch phase {
            case .detect:
                if heldMagicByte {
                    heldMagicByte = false
                    if input[position] == 0x8b { startMember(feedingHeldByte: true); return nil }
                    return passThrough(prefix: [0x1f])
                }
                if input[position] == 0x1f {
                    if position + 1 == input.count { heldMagicByte = true; position += 1; return nil }
                    if input[position + 1] == 0x8b { startMember(feedingHeldByte: false); return nil }
                }
                return passThrough(prefix: [])
            case .passthrough:
                return passThrough(prefix: [])
            case .between:
                lookBetweenMembers()
                return nil
            case .zeros:
                while position < input.count && input[position] == 0 { position += 1 }
                if position < input.count { phase = .garbage(start: absolutePosition) }
                return nil
            case .garbage:
                position = input.count
                return nil
            case .member:
                return nil
            }
        }

        /// What follows a complete member: another member, zero padding, or garbage.
        private mutating func lookBetweenMembers() {
            if heldMagicByte {
                heldMagicByte = false
                if input[position] == 0x8b { startMember(feedingHeldByte: true) } else {
                    phase = .garbage(start: absolutePosition - 1)
                }
                return
            }
            let byte = input[position]
            if byte == 0x1f {
                if position + 1 == input.count { heldMagicByte = true; position += 1; return }
                if input[position + 1] == 0x8b { startMember(feedingHeldByte: false); return }
            }
            phase = byte == 0 ? .zeros : .garbage(start: absolutePosition)
        }

        private mutating func passThrough(prefix: [UInt8]) -> [UInt8]? {
            guard autoDetect else {
                pendingError = SluiceError.corruptGzip(path: nil, offset: 0, reason: "not in gzip format")
                position = input.count
                return nil
            }
            phase = .passthrough
            let rest = position == 0 ? input : Array(input[position...])
            position = input.count
            let out = prefix.isEmpty ? rest : prefix + rest
            return out.isEmpty ? nil : out
        }

        private mutating func startMember(feedingHeldByte: Bool) {
            if let zstream { zstream.reset() } else { zstream = ZStream(.inflate) }
            phase = .member
            if feedingHeldByte {
                // The magic's first byte ended the previous chunk; zlib takes header bytes one at a time.
                let one: [UInt8] = [0x1f]
                var scratch: UInt8 = 0
                _ = one.withUnsafeBytes { i in
                    withUnsafeMutableBytes(of: &scratch) { o in zstream!.run(input: i, output: UnsafeMutableRawBufferPointer(rebasing: o[0..<0])) }
                }
            }
        }

        /// Inflates from `input` into one output chunk, crossing member boundaries.
        private mutating func inflateChunk() -> [UInt8] {
            guard let zstream else { return [] }
            let capacity = outputSize
            return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                count = 0
                while count < capacity {
                    guard case .member = phase else {
                        if position < input.count { _ = consumeOutsideMember() ; continue }
                        break
                    }
                    if position == input.count && !outputPending { break }
                    let (status, consumed, produced) = input.withUnsafeBytes { inBytes in
                        zstream.run(input: UnsafeRawBufferPointer(rebasing: inBytes[position...]),
                                    output: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[count...]))
                    }
                    position += consumed
                    count += produced
                    outputPending = count == capacity
                    switch status {
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR:
                        if consumed == 0 && produced == 0 { outputPending = false; break }
                        continue
                    case Z_STREAM_END:
                        outputPending = false
                        phase = .between
                        continue
                    default:
                        outputPending = false
                        pendingError = SluiceError.corruptGzip(path: nil, offset: absolutePosition, reason: zstream.message)
                        phase = .garbage(start: Int64.max)
                        position = input.count
                        return
                    }
                    break
                }
            }
        }

        /// At the end of the input: reports truncation or trailing garbage; may return the
        /// last pass-through byte.
        private mutating func finish() -> [UInt8]? {
            let end = absolutePosition
            var out: [UInt8]?
            switch phase {
            case .member:
                pendingError = SluiceError.truncatedGzip(path: nil, offset: end)
            case .detect:
                // Empty input, or a lone 1f: gzip would say "unexpected end of file".
                if !autoDetect { pendingError = SluiceError.truncatedGzip(path: nil, offset: end) }
                else if heldMagicByte { heldMagicByte = false; out = passThrough(prefix: [0x1f]) }
            case .between where heldMagicByte:
                // A lone 1f after a member is the start of a member cut short (as gzip reads it).
                pendingError = SluiceError.truncatedGzip(path: nil, offset: end)
            case .garbage(let start) where start != Int64.max:
                onWarning(GunzipWarning(offset: start, byteCount: end - start))
            default:
                break
            }
            if pendingError == nil { finished = true }
            return out
        }
    }
}

extension AsyncGunzipSequence: Sendable where Base: Sendable {}
