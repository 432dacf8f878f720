import CZlib
import Sluice

/// The gzip stage on arbitrary bytes, cut into chunks of a size taken from the first byte.
/// Invariants: no crash or hang; output chunks are bounded; when zlib, driven directly over the
/// whole input, decodes it without fault, the stage gives the same bytes and no error; when zlib
/// finds a fault, the stage reports one too and its output is a prefix of zlib's.
enum GunzipTarget {
    static func run(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let data = Array(input.dropFirst())
        let chunkSize = Int(first) * 17 % 4096 + 1
        let reference = referenceInflate(data)
        blocking {
            var out: [UInt8] = []
            var failure: (any Error)?
            do {
                for try await chunk in MemoryChunks(bytes: data, size: chunkSize).gunzip() {
                    check(chunk.count <= 256 << 10, "chunk of \(chunk.count) bytes")
                    out += chunk
                    if out.count > referenceLimit { break }
                }
            } catch { failure = error }
            if out.count > referenceLimit { return }
            if reference.ok {
                check(failure == nil, "zlib decodes the input, the stage fails: \(failure!)")
                check(out == reference.bytes, "output differs from zlib's (\(out.count) vs \(reference.bytes.count) bytes)")
            } else {
                check(failure != nil, "zlib finds a fault, the stage does not")
                check(out.count <= reference.bytes.count && Array(reference.bytes.prefix(out.count)) == out,
                      "output is not a prefix of zlib's")
            }
        }
    }

    /// Output beyond this is not compared (a small input can inflate to a lot).
    static let referenceLimit = 64 << 20

    /// Members decoded with zlib's own gzip reader, one after another, as gzip does: after a
    /// member, `1f 8b` starts another, a lone `1f` is a truncated one, anything else is ignored.
    static func referenceInflate(_ input: [UInt8]) -> (bytes: [UInt8], ok: Bool) {
        if input.isEmpty { return ([], false) }
        var output: [UInt8] = []
        var position = 0
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var stream = z_stream()
            guard sluice_inflateInit2(&stream, 16 + 15) == Z_OK else { return (output, false) }
            defer { inflateEnd(&stream) }
            var status = Z_OK
            input.withUnsafeBufferPointer { inBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress! + position)
                stream.avail_in = UInt32(input.count - position)
                repeat {
                    scratch.withUnsafeMutableBufferPointer { outBuffer in
                        stream.next_out = outBuffer.baseAddress
                        stream.avail_out = UInt32(outBuffer.count)
                        status = inflate(&stream, Z_NO_FLUSH)
                        output += outBuffer.prefix(outBuffer.count - Int(stream.avail_out))
                    }
                } while status == Z_OK && output.count <= referenceLimit
                position = input.count - Int(stream.avail_in)
            }
            guard status == Z_STREAM_END else { return (output, output.count > referenceLimit) }
            let rest = input[position...]
            if rest.isEmpty { return (output, true) }
            if rest.first == 0x1f && rest.count == 1 { return (output, false) }
            if rest.count >= 2 && rest[position] == 0x1f && rest[position + 1] == 0x8b { continue }
            return (output, true)
        }
    }
}
