import CZlib

/// A zlib stream at a fixed address (zlib keeps a pointer back to it), ended on deinit.
final class ZStream {
    enum Mode { case inflate, deflate(level: Int32) }

    let pointer: UnsafeMutablePointer<z_stream>
    private let mode: Mode

    /// Starts a gzip-wrapped stream (window bits 15 + 16).
    init(_ mode: Mode) {
        self.mode = mode
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        let status: Int32
        switch mode {
        case .inflate: status = sluice_inflateInit2(pointer, 15 + 16)
        case .deflate(let level): status = sluice_deflateInit2(pointer, level, 15 + 16)
        }
        // Only Z_MEM_ERROR (or a mismatched zlib build) can fail here: nothing to recover.
        precondition(status == Z_OK, "zlib failed to initialise: \(status)")
    }

    deinit {
        switch mode {
        case .inflate: inflateEnd(pointer)
        case .deflate: deflateEnd(pointer)
        }
        pointer.deallocate()
    }

    /// zlib's message for the last error, or a fallback.
    var message: String {
        pointer.pointee.msg.map { String(cString: $0) } ?? "invalid compressed data"
    }

    /// Runs `inflate` or `deflate` once over `input` into `output`; returns the status and how
    /// many bytes were consumed and produced.
    func run(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
             flush: Int32 = Z_NO_FLUSH) -> (status: Int32, consumed: Int, produced: Int) {
        let s = pointer
        s.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        s.pointee.avail_in = uInt(input.count)
        s.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        s.pointee.avail_out = uInt(output.count)
        let status: Int32
        switch mode {
        case .inflate: status = inflate(s, flush)
        case .deflate: status = deflate(s, flush)
        }
        let consumed = input.count - Int(s.pointee.avail_in)
        let produced = output.count - Int(s.pointee.avail_out)
        s.pointee.next_in = nil
        s.pointee.next_out = nil
        return (status, consumed, produced)
    }

    /// Makes the stream ready for the next gzip member.
    func reset() { inflateReset(pointer) }
}
