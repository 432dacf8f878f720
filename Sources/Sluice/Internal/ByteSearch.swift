#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibcExtras

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
        guard from < to, let base = bytes.baseAddress else { return nil }
        guard let hit = memrchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// How many times `byte` occurs in `bytes[from..<to]`. Counts in blocks with a byte-wide
    /// accumulator so that the compiler vectorises the inner loop.
    static func count(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int {
        guard from < to, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var total = 0
        var i = from
        while i < to {
            let blockEnd = min(to, i + 255 * 16)
            var block = SIMD16<UInt8>()
            let one = SIMD16<UInt8>(repeating: 1)
            let target = SIMD16<UInt8>(repeating: byte)
            while i + 16 <= blockEnd {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                block &+= one.replacing(with: 0, where: v .!= target)
                i += 16
            }
            total += Int(SIMD16<UInt16>(truncatingIfNeeded: block).wrappedSum())
            while i < blockEnd { if base[i] == byte { total += 1 }; i += 1 }
        }
        return total
    }

    /// The index of the first occurrence of `needle` in `bytes[from..<to]`, or `nil`.
    @inline(__always)
    static func find(_ needle: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard let base = bytes.baseAddress, from <= to else { return nil }
        if needle.isEmpty { return from }
        guard to - from >= needle.count else { return nil }
        guard let hit = memmem(base + from, to - from, needle.baseAddress!, needle.count) else { return nil }
        return UnsafeRawPointer(hit) - base
    }
}
