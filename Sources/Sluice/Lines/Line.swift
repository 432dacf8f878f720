/// One line: a view of bytes in a shared buffer, without its line ending, with its line number
/// and byte offset in the stream it came from. Holding a line keeps its batch's buffer alive.
public struct Line: Sendable, RandomAccessCollection, CustomStringConvertible {
    @usableFromInline let storage: [UInt8]
    @usableFromInline let range: Range<Int>
    /// The line's number in its source, from 1 (0 when it was not counted).
    public let number: Int
    /// The stream offset of the line's first byte.
    public let byteOffset: Int64

    /// Makes a line of `bytes`, for tests and for code that builds lines itself.
    public init(_ bytes: [UInt8], number: Int = 0, byteOffset: Int64 = 0) {
        self.init(storage: bytes, range: bytes.indices, number: number, byteOffset: byteOffset)
    }

    @inlinable
    init(storage: [UInt8], range: Range<Int>, number: Int, byteOffset: Int64) {
        self.storage = storage
        self.range = range
        self.number = number
        self.byteOffset = byteOffset
    }

    /// The number of bytes in the line, without its line ending.
    public var byteCount: Int { range.count }
    public var startIndex: Int { 0 }
    public var endIndex: Int { range.count }
    public subscript(position: Int) -> UInt8 { storage[range.lowerBound + position] }

    /// Calls `body` with the line's bytes; the pointer is valid only inside `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Whether the line contains the UTF-8 bytes of `text`.
    public func contains(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { needle in
            withUnsafeBytes { ByteSearch.find(UnsafeRawBufferPointer(needle), in: $0, from: 0, to: $0.count) != nil }
        }
    }

    /// Whether the line contains `bytes`.
    public func contains(bytes needle: [UInt8]) -> Bool {
        needle.withUnsafeBytes { n in withUnsafeBytes { ByteSearch.find(n, in: $0, from: 0, to: $0.count) != nil } }
    }

    /// A copy of the line's bytes.
    public var bytes: [UInt8] { Array(storage[range]) }

    /// The line as text, invalid UTF-8 replaced by U+FFFD.
    public var description: String { String(self) }
}

extension String {
    /// Decodes a line as UTF-8, replacing invalid bytes with U+FFFD.
    public init(_ line: Line) {
        self = line.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
