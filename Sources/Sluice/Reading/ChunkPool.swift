import Synchronization

/// Chunk buffers that are reused once every consumer has let them go, so that reading does not
/// allocate (and fault in) a fresh megabyte for every chunk.
///
/// A buffer lent out is an ordinary `[UInt8]`: the pool keeps a reference to its storage and
/// takes it back when that reference is the only one left (the consumer, and every batch of
/// lines that shared it, dropped theirs). At most ``limit`` buffers are tracked; beyond that a
/// buffer is simply left to its consumer, and freed by it. The pool's memory is therefore at
/// most `limit × size` on top of what consumers hold.
///
/// Reuse needs to see an array's storage object, which Swift's standard library does not
/// expose: on Linux an `[UInt8]` is one reference to its native storage (checked at run time
/// by size); elsewhere, or if that ever changes, the pool allocates as before.
final class ChunkPool: Sendable {
    /// The pool readers share. It holds only idle buffers, no caller state.
    static let shared = ChunkPool(limit: 32)

    /// How many buffers are tracked at most.
    let limit: Int

    private struct Entry {
        /// Optional on purpose: see ``canReuse`` (never nil).
        var storage: AnyObject?
        let size: Int
    }
    /// The buffers lent out, oldest first; only touched with the lock held.
    private let entries = Locked<[UnsafeEntry]>([])
    private struct UnsafeEntry: @unchecked Sendable {
        // @unchecked Sendable: the storage object is only reached with the pool's lock held,
        // and it is handed back out only when no other reference to it exists.
        var entry: Entry
    }

    /// On where an array is one reference to its storage (Linux).
    ///
    /// Reuse was off until 1 Dec 2026 because no buffer was ever found unique again. The cause:
    /// in the Swift 6 language mode, `isKnownUniquelyReferenced(&x)` with `x: AnyObject` opens
    /// the existential (SE-0352) into a temporary copy, which is itself a second reference, so
    /// it answers false for every object. The storage is therefore kept as `AnyObject?`: an
    /// optional is not an existential, is not opened, and is checked in place.
    static let canReuse: Bool = {
        #if os(Linux)
        return MemoryLayout<[UInt8]>.size == MemoryLayout<AnyObject>.size
        #else
        return false
        #endif
    }()

    init(limit: Int) { self.limit = limit }

    /// A buffer of `size` bytes (`count == size`), its contents undefined: a reused one if one
    /// is free.
    func take(size: Int) -> [UInt8] {
        if Self.canReuse, size >= 4096, var buffer = reuse(size: size) {
            if buffer.count < size { buffer.append(contentsOf: repeatElement(0, count: size - buffer.count)) }
            return buffer
        }
        return [UInt8](unsafeUninitializedCapacity: size) { _, count in count = size }
    }

    /// A chunk of at most `size` bytes that `body` writes into a pooled buffer, setting how
    /// many it wrote (starting from 0). The result is the buffer itself, cut to that count and
    /// tracked for reuse, or, when less than an eighth of it (or nothing) was written, a copy of
    /// that size, the buffer going back to the pool at once.
    func fill(size: Int, _ body: (UnsafeMutableRawBufferPointer, inout Int) throws -> Void) rethrows -> [UInt8] {
        var buffer = take(size: size)
        var count = 0
        try buffer.withUnsafeMutableBytes { try body($0, &count) }
        precondition(count >= 0 && count <= size, "ChunkPool.fill: count out of range")
        if count < size / 8 || size < 4096 {
            let copy = count == 0 ? [] : Array(buffer[..<count])
            giveBack(buffer, size: size)
            return copy
        }
        if count < buffer.count { buffer.removeLast(buffer.count - count) }
        lend(buffer, size: size)
        return buffer
    }

    private func reuse(size: Int) -> [UInt8]? {
        let storage: AnyObject? = entries.withLock { list in
            for i in list.indices where list[i].entry.size == size && isKnownUniquelyReferenced(&list[i].entry.storage) {
                return list.remove(at: i).entry.storage
            }
            return nil
        }
        guard let storage else { return nil }
        // The consumer's last reads of the bytes happen before its release of the storage.
        atomicMemoryFence(ordering: .acquiring)
        return unsafeBitCast(storage, to: [UInt8].self)
    }

    /// Tracks `buffer` (taken with `take(size:)`, then perhaps shortened) for reuse once its
    /// consumers are done with it.
    func lend(_ buffer: [UInt8], size: Int) {
        guard Self.canReuse, size >= 4096, buffer.capacity >= size else { return }
        let storage = unsafeBitCast(buffer, to: AnyObject.self)
        entries.withLock { list in
            if list.count >= limit {
                // Forget a buffer still in use (its consumer frees it), else the oldest.
                var victim = 0
                for i in list.indices where !isKnownUniquelyReferenced(&list[i].entry.storage) { victim = i; break }
                list.remove(at: victim)
            }
            list.append(UnsafeEntry(entry: Entry(storage: storage, size: size)))
        }
    }

    /// Gives back a buffer that was not yielded (or whose bytes were copied out).
    func giveBack(_ buffer: consuming [UInt8], size: Int) {
        lend(buffer, size: size)
    }

    /// How many buffers are tracked (for tests).
    var trackedCount: Int { entries.withLock { $0.count } }
}
