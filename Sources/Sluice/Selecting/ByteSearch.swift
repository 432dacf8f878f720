#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CByteScan

/// Byte scans over raw memory: the primitives every line stage is built from.
enum ByteSearch {
    static let newline: UInt8 = 0x0A

    /// The index of the first `byte` in `bytes[from..<to]`, or `nil`.
    @inline(__always)
    static func first(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// The index of the last `byte` in `bytes[from..<to]`, or `nil`.
    @inline(__always)
    static func last(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        guard let hit = sluice_last_byte(base + from, to - from, byte) else { return nil }
        return hit - base
    }

    /// How many times `byte` occurs in `bytes[from..<to]` (vectorised).
    @inline(__always)
    static func count(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int {
        guard from < to, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        return sluice_count_byte(base + from, to - from, byte)
    }

    /// How many line feeds `bytes[from..<to]` holds, and whether it holds a NUL byte (one pass).
    @inline(__always)
    static func countLines(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> (count: Int, hasNul: Bool) {
        guard from < to, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return (0, false) }
        var hasNul: Int32 = 0
        let count = sluice_count_lines(base + from, to - from, &hasNul)
        return (count, hasNul != 0)
    }

    /// The index of the first occurrence of `needle` in `bytes[from..<to]`, or `nil`.
    @inline(__always)
    static func find(_ needle: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard let base = bytes.baseAddress, from <= to else { return nil }
        if needle.isEmpty { return from }
        guard to - from >= needle.count else { return nil }
        let start = base.assumingMemoryBound(to: UInt8.self)
        guard let hit = sluice_memmem(start + from, to - from, needle.baseAddress!.assumingMemoryBound(to: UInt8.self), needle.count)
        else { return nil }
        return hit - start
    }
}
