#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LineBatch {
    /// Calls `body` with each line of the batch, in order, inside one access to its buffer:
    /// the buffer, the line's range in it (without its line ending), its number and stream
    /// offset, and its entry when the batch lists its lines. `body` returns `false` to stop.
    @inline(__always)
    func forEachLine(_ body: (UnsafeRawBufferPointer, Range<Int>, Int, Int64, Entry?) -> Bool) {
        storage.withUnsafeBytes { bytes in
            if let entries {
                for e in entries where !body(bytes, e.range, e.number, e.byteOffset, e) { return }
                return
            }
            guard let base = bytes.baseAddress else { return }
            var position = region.lowerBound
            let end = region.upperBound
            var number = firstLineNumber
            let offsetOfStorage = firstByteOffset - Int64(region.lowerBound)
            while position < end {
                let lineEnd: Int
                if let hit = memchr(base + position, 0x0A, end - position) {
                    lineEnd = UnsafeRawPointer(hit) - base
                } else {
                    lineEnd = end
                }
                var contentEnd = lineEnd
                if !keepsCarriageReturn && contentEnd > position && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                if !body(bytes, position..<contentEnd, number, offsetOfStorage + Int64(position), nil) { return }
                number += 1
                position = lineEnd + 1
            }
        }
    }
}
