#if canImport(Glibc)
import Glibc
#endif

/// Finds where the last lines of a regular file start by reading backwards from its end, so
/// the cost depends on the lines asked for, not on the file's size.
enum LastLines {
    /// The offset of the first of the last `count` lines of the open file `fd` of `size` bytes
    /// (a final line without LF counts as a line), reading blocks of `blockSize` backwards.
    static func startOffset(fd: Int32, size: Int64, count: Int, blockSize: Int = 64 << 10) -> Int64 {
        guard count > 0 else { return size }
        guard size > 0 else { return 0 }
        var buffer = [UInt8](repeating: 0, count: blockSize)
        var end = size
        var newlinesNeeded = count
        var skipFinalNewline = true  // the LF that ends the last line does not start a new one
        while end > 0 {
            let start = Swift.max(0, end - Int64(blockSize))
            let length = Int(end - start)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(start)) }
            guard n == length else { return 0 }
            let found: Int64? = buffer.withUnsafeBytes { bytes -> Int64? in
                var upper = length
                if skipFinalNewline {
                    skipFinalNewline = false
                    if bytes[upper - 1] == ByteSearch.newline { upper -= 1 }
                }
                while let hit = ByteSearch.last(ByteSearch.newline, in: bytes, from: 0, to: upper) {
                    newlinesNeeded -= 1
                    if newlinesNeeded == 0 { return start + Int64(hit) + 1 }
                    upper = hit
                }
                return nil
            }
            if let found { return found }
            end = start
        }
        return 0
    }

    /// The offset where line `number` (from 1) starts, reading forwards; the size when the
    /// file has fewer lines.
    static func offsetOfLine(fd: Int32, size: Int64, number: Int, blockSize: Int = 1 << 20) -> Int64 {
        guard number > 1 else { return 0 }
        var buffer = [UInt8](repeating: 0, count: blockSize)
        var position: Int64 = 0
        var remaining = number - 1
        while position < size {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, blockSize, off_t(position)) }
            guard n > 0 else { return size }
            let hit: Int? = buffer.withUnsafeBytes { bytes -> Int? in
                var from = 0
                while let nl = ByteSearch.first(ByteSearch.newline, in: bytes, from: from, to: n) {
                    remaining -= 1
                    if remaining == 0 { return nl + 1 }
                    from = nl + 1
                }
                return nil
            }
            if let hit { return position + Int64(hit) }
            position += Int64(n)
        }
        return size
    }
}
