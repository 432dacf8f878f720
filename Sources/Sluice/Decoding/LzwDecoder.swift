/// compress(1)'s LZW format (`.Z`, magic `1f 9d`), which `zcat` and `gzip -dc` read, as the
/// decoder of ``CompressionCodec/compress``.
///
/// Hand-written: no Debian package offers a streaming LZW decoder apart from libarchive's
/// filter (a whole archive library, for one small and rare format, frozen since 1985). This
/// follows the reference decoders (ncompress, gzip's `unlzw`):
/// - a 3-byte header: the magic number, then a flags byte (bits 0–4: the largest code width,
///   9 to 16; bit 7: block mode, where code 256 clears the table);
/// - codes of 9 bits up to that width, least significant bit first, written in groups of
///   eight codes; when the width grows, and after a CLEAR code, the rest of the current group
///   is padding;
/// - no end marker and no check value: the stream ends where its input does, and a file cut
///   short is not detected (as with `gzip -dc`), so ``mayEndHere`` is true after the header.
final class LzwDecoder: StreamDecoder {
    static let magic: [UInt8] = [0x1f, 0x9d]
    private static let tableSize = 1 << 16
    private static let stackSize = 1 << 17

    private var header: [UInt8] = []
    private var maxBits = 16
    private var blockMode = true
    private var maxMaxCode = 1 << 16
    private var bits = 9
    private var maxCode = 511
    private var nextFree = 257
    private var previous = -1
    private var firstByte: UInt8 = 0
    /// Input bits not yet used, least significant first.
    private var accumulator: UInt64 = 0
    private var accumulated = 0
    /// Bits read since the current run of codes of one width began (for the group padding).
    private var bitsInRun = 0
    /// Padding bits still to pass over.
    private var skipping = 0
    private var failure: String?
    /// Decoded bytes of the last code that did not fit in the output.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private let prefix = UnsafeMutablePointer<UInt16>.allocate(capacity: LzwDecoder.tableSize)
    private let suffix = UnsafeMutablePointer<UInt8>.allocate(capacity: LzwDecoder.tableSize)
    private let stack = UnsafeMutablePointer<UInt8>.allocate(capacity: LzwDecoder.stackSize)

    init() {
        prefix.initialize(repeating: 0, count: LzwDecoder.tableSize)
        suffix.initialize(repeating: 0, count: LzwDecoder.tableSize)
        for i in 0..<256 { suffix[i] = UInt8(i) }
        stack.initialize(repeating: 0, count: LzwDecoder.stackSize)
    }

    deinit {
        prefix.deallocate()
        suffix.deallocate()
        stack.deallocate()
    }

    var mayEndHere: Bool { header.count == 3 && failure == nil }

    func reset() {
        header = []
        bits = 9
        maxCode = 511
        previous = -1
        accumulator = 0
        accumulated = 0
        bitsInRun = 0
        skipping = 0
        failure = nil
        pending = []
        pendingStart = 0
    }

    /// Ends the current run of codes: the rest of its group of eight codes is padding.
    private func endRun() {
        let group = bits * 8
        skipping = (group - bitsInRun % group) % group
        bitsInRun = 0
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> DecodeStep {
        if let failure { return DecodeStep(consumed: 0, produced: 0, status: .failed(failure)) }
        var consumed = 0
        var produced = 0
        let room = output.count
        guard room > 0, let out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return DecodeStep(consumed: 0, produced: 0, status: .progress)
        }
        if pendingStart < pending.count {
            let n = Swift.min(room, pending.count - pendingStart)
            pending.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + pendingStart, count: n) }
            pendingStart += n
            produced = n
            if pendingStart < pending.count { return DecodeStep(consumed: 0, produced: produced, status: .progress) }
            pending = []
            pendingStart = 0
        }
        if header.count < 3 {
            while header.count < 3 && consumed < input.count { header.append(input[consumed]); consumed += 1 }
            guard header.count == 3 else { return DecodeStep(consumed: consumed, produced: produced, status: .progress) }
            maxBits = Int(header[2] & 0x1f)
            blockMode = header[2] & 0x80 != 0
            guard header[0] == LzwDecoder.magic[0], header[1] == LzwDecoder.magic[1], (9...16).contains(maxBits) else {
                return fail("compressed with \(maxBits)-bit codes; only 9 to 16 bits are defined", consumed, produced)
            }
            maxMaxCode = 1 << maxBits
            nextFree = blockMode ? 257 : 256
        }
        while produced < room {
            while accumulated <= 56 && consumed < input.count {
                accumulator |= UInt64(input[consumed]) << UInt64(accumulated)
                accumulated += 8
                consumed += 1
            }
            if skipping > 0 {
                let k = Swift.min(skipping, accumulated)
                accumulator = k == 64 ? 0 : accumulator >> UInt64(k)
                accumulated -= k
                skipping -= k
                if skipping > 0 { break }  // every input byte is taken: wait for more
                continue
            }
            if nextFree > maxCode {
                endRun()
                bits += 1
                maxCode = bits == maxBits ? maxMaxCode : (1 << bits) - 1
                continue
            }
            guard accumulated >= bits else { break }
            var code = Int(accumulator & ((1 << UInt64(bits)) - 1))
            accumulator >>= UInt64(bits)
            accumulated -= bits
            bitsInRun += bits
            if previous == -1 {
                guard code < 256 else { return fail("corrupt input (the first code is \(code))", consumed, produced) }
                previous = code
                firstByte = UInt8(code)
                out[produced] = firstByte
                produced += 1
                continue
            }
            if code == 256 && blockMode {
                // CLEAR: the table starts again (its entries are rewritten before they are used).
                nextFree = 256
                endRun()
                bits = 9
                maxCode = 511
                continue
            }
            let read = code
            var top = LzwDecoder.stackSize
            if code >= nextFree {
                // The code being defined (the string of the previous code plus its first byte).
                guard code == nextFree else { return fail("corrupt input (code \(code) is not defined yet)", consumed, produced) }
                top -= 1
                stack[top] = firstByte
                code = previous
            }
            while code >= 256 {
                top -= 1
                stack[top] = suffix[code]
                code = Int(prefix[code])
            }
            firstByte = UInt8(code)
            top -= 1
            stack[top] = firstByte
            let length = LzwDecoder.stackSize - top
            let fits = Swift.min(length, room - produced)
            (out + produced).update(from: stack + top, count: fits)
            produced += fits
            if fits < length {
                pending = Array(UnsafeBufferPointer(start: stack + top + fits, count: length - fits))
                pendingStart = 0
            }
            if nextFree < maxMaxCode {
                prefix[nextFree] = UInt16(previous)
                suffix[nextFree] = firstByte
                nextFree += 1
            }
            previous = read
        }
        return DecodeStep(consumed: consumed, produced: produced, status: .progress)
    }

    private func fail(_ reason: String, _ consumed: Int, _ produced: Int) -> DecodeStep {
        failure = reason
        return DecodeStep(consumed: consumed, produced: produced, status: .failed(reason))
    }
}
