#if canImport(Glibc)
import Glibc
#endif

/// File names and patterns are bytes on Linux, not text: a log rotated on an old Latin-1 system
/// is `caf\xE9.log`, and `grep $'\xE9'` searches for that byte. A Swift `String` holds valid
/// Unicode only, and decoding such bytes the usual way (`String(decoding:as:)`,
/// `CommandLine.arguments`) replaces them with U+FFFD: the file is then not found, and the
/// pattern silently matches nothing.
///
/// `RawBytes` decodes losslessly instead: a byte that is not part of valid UTF-8 becomes one
/// scalar of its own, U+10FF80 to U+10FFFF for bytes 0x80 to 0xFF (the last 128 code points of
/// the Supplementary Private Use Area-B, which no file name or log text uses in practice), and
/// ``bytes(_:)`` gives the original bytes back. Everything that hands a path to the kernel
/// (``withCString(_:_:)``), prints a name, or turns a pattern into the bytes it searches for
/// goes through it; text that is valid UTF-8 is unchanged both ways.
public enum RawBytes {
    /// The first of the 128 scalars that stand for bytes 0x80 to 0xFF.
    static let base: UInt32 = 0x10_FF00

    /// `bytes` as a string, each byte that is not part of valid UTF-8 kept as its own scalar.
    public static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let array = Array(bytes)
        if let valid = String(validating: array, as: UTF8.self), !holdsRawBytes(valid) { return valid }
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < array.count {
            // (A real U+10FF80...U+10FFFF is kept as its four bytes, so that `bytes` gives it back.)
            if let (scalar, length) = decodeOne(array, at: i), rawByte(scalar) == nil {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(base + UInt32(array[i]))!)
                i += 1
            }
        }
        return String(scalars)
    }

    /// The bytes `string` stands for (its UTF-8, with each kept byte given back as itself).
    public static func bytes(_ string: String) -> [UInt8] {
        guard holdsRawBytes(string) else { return Array(string.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            if let byte = rawByte(scalar) { out.append(byte) } else { out.append(contentsOf: String(scalar).utf8) }
        }
        return out
    }

    /// Whether `string` holds a kept byte (a fast test on its UTF-8: the scalars start F4 8F BE/BF).
    public static func holdsRawBytes(_ string: String) -> Bool {
        // Asked for every file name printed: a memchr for the lead byte over native storage.
        if let absent = string.utf8.withContiguousStorageIfAvailable({ $0.isEmpty || memchr($0.baseAddress!, 0xF4, $0.count) == nil }), absent {
            return false
        }
        var utf8 = string.utf8.makeIterator()
        while let b = utf8.next() {
            guard b == 0xF4 else { continue }
            if utf8.next() == 0x8F, let third = utf8.next(), third == 0xBE || third == 0xBF { return true }
        }
        return false
    }

    /// The byte a scalar stands for, if it is one of the kept-byte scalars.
    public static func rawByte(_ scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        return v >= base + 0x80 && v <= base + 0xFF ? UInt8(v - base) : nil
    }

    /// Calls `body` with `string`'s bytes as a NUL-terminated C string (for `open`, `stat` and
    /// the other calls that take a path).
    public static func withCString<R>(_ string: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        guard holdsRawBytes(string) else { return try string.withCString(body) }
        var raw = bytes(string)
        raw.append(0)
        return try raw.withUnsafeBufferPointer { try $0.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) } }
    }

    /// One valid UTF-8 sequence at `i` (shortest form, no surrogates, at most U+10FFFF).
    private static func decodeOne(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let b0 = b[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        let length: Int, minimum: UInt32
        var value: UInt32
        switch b0 {
        case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(b0 & 0x07)
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    // The calls that take a path, with the path's own bytes.

    public static func open(_ path: String, _ flags: Int32) -> Int32 { withCString(path) { systemOpen($0, flags) } }
    public static func stat(_ path: String, _ info: inout Glibc.stat) -> Int32 { withCString(path) { systemStat($0, &info) } }
    public static func lstat(_ path: String, _ info: inout Glibc.stat) -> Int32 { withCString(path) { systemLstat($0, &info) } }
    public static func opendir(_ path: String) -> OpaquePointer? { withCString(path) { systemOpendir($0) } }
    /// `realpath(3)`, as a string of ``RawBytes``.
    public static func realpath(_ path: String) -> String? {
        guard let resolved = withCString(path, { systemRealpath($0) }) else { return nil }
        defer { free(resolved) }
        return string(UnsafeBufferPointer(start: UnsafeRawPointer(resolved).assumingMemoryBound(to: UInt8.self), count: strlen(resolved)))
    }
}

// The C calls, at file scope where their names are not RawBytes' own.
private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 { open(path, flags) }
private func systemStat(_ path: UnsafePointer<CChar>, _ info: inout stat) -> Int32 { stat(path, &info) }
private func systemLstat(_ path: UnsafePointer<CChar>, _ info: inout stat) -> Int32 { lstat(path, &info) }
private func systemOpendir(_ path: UnsafePointer<CChar>) -> OpaquePointer? { opendir(path) }
private func systemRealpath(_ path: UnsafePointer<CChar>) -> UnsafeMutablePointer<CChar>? { realpath(path, nil) }
