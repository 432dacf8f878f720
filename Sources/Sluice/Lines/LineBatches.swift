extension AsyncSequence where Element == [UInt8] {
    /// Splits a byte stream into batches of whole lines that share the chunk's buffer: the fast
    /// path for line work.
    ///
    /// LF ends a line; a CR before it is dropped from the line unless `keepCarriageReturn`. The
    /// last line is yielded even without a final LF; empty lines are kept; bytes are never
    /// validated or transcoded. Only a line that spans two chunks is copied. A line longer than
    /// `maxLineLength` bytes throws ``SluiceError/lineTooLong(path:lineNumber:offset:limit:)``,
    /// which bounds memory. After the last line comes an empty batch with
    /// ``LineBatch/endsSource`` set, naming `sourceName`.
    public func lineBatches(keepCarriageReturn: Bool = false, maxLineLength: Int = 64 << 20,
                            sourceName: String? = nil) -> AsyncLineBatchSequence<Self> {
        AsyncLineBatchSequence(base: self, keepCarriageReturn: keepCarriageReturn,
                               maxLineLength: Swift.max(1, maxLineLength), sourceName: sourceName)
    }
}

/// An asynchronous sequence of ``LineBatch``es; see ``_Concurrency/AsyncSequence/lineBatches(keepCarriageReturn:maxLineLength:sourceName:)``.
public struct AsyncLineBatchSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let keepCarriageReturn: Bool
    let maxLineLength: Int
    let sourceName: String?

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), keepCarriageReturn: keepCarriageReturn,
                 maxLineLength: maxLineLength, sourceName: sourceName)
    }

    /// Yields batches in stream order.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let keepCarriageReturn: Bool
        private let maxLineLength: Int
        private let sourceName: String?
        /// The start of a line that continues in the next chunk.
        private var carry: [UInt8] = []
        private var carryOffset: Int64 = 0
        /// The stream offset of the next chunk's first byte.
        private var streamOffset: Int64 = 0
        private var nextLineNumber = 1
        private var ready: [LineBatch] = []
        private var readyIndex = 0
        private var pendingError: (any Error)?
        private var state = State.reading
        private enum State { case reading, ended, finished }

        init(base: Base.AsyncIterator, keepCarriageReturn: Bool, maxLineLength: Int, sourceName: String?) {
            self.base = base
            self.keepCarriageReturn = keepCarriageReturn
            self.maxLineLength = maxLineLength
            self.sourceName = sourceName
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while true {
                if readyIndex < ready.count {
                    defer { readyIndex += 1 }
                    return ready[readyIndex]
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if let error = pendingError { pendingError = nil; state = .finished; throw error }
                switch state {
                case .finished:
                    return nil
                case .ended:
                    state = .finished
                    return .endOfSource(sourceName, keepsCarriageReturn: keepCarriageReturn)
                case .reading:
                    let chunk: [UInt8]?
                    do { chunk = try await base.next(isolation: actor) } catch {
                        flushCarry()
                        pendingError = error
                        continue
                    }
                    guard let chunk else { flushCarry(); state = .ended; continue }
                    split(chunk)
                }
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        private func tooLong(lineStartOffset: Int64) -> SluiceError {
            .lineTooLong(path: sourceName, lineNumber: nextLineNumber, offset: lineStartOffset, limit: maxLineLength)
        }

        /// Queues the batches one chunk completes.
        private mutating func split(_ chunk: [UInt8]) {
            let chunkOffset = streamOffset
            streamOffset += Int64(chunk.count)
            guard !chunk.isEmpty else { return }
            chunk.withUnsafeBytes { bytes in
                var start = 0
                if !carry.isEmpty {
                    guard let newline = ByteSearch.first(ByteSearch.newline, in: bytes, from: 0, to: bytes.count) else {
                        if carry.count + bytes.count > maxLineLength { pendingError = tooLong(lineStartOffset: carryOffset); return }
                        appendToCarry(bytes[...])
                        return
                    }
                    if carry.count + newline > maxLineLength { pendingError = tooLong(lineStartOffset: carryOffset); return }
                    appendToCarry(bytes[0...newline])
                    queue(LineBatch(storage: carry, region: 0..<carry.count, firstLineNumber: nextLineNumber, lineCount: 1,
                                    firstByteOffset: carryOffset, keepsCarriageReturn: keepCarriageReturn, sourceName: sourceName))
                    nextLineNumber += 1
                    carry = []
                    start = newline + 1
                }
                let lastNewline = ByteSearch.last(ByteSearch.newline, in: bytes, from: start, to: bytes.count)
                if let lastNewline {
                    let region = start..<(lastNewline + 1)
                    if region.count > maxLineLength, let offset = firstLongLine(bytes, region) {
                        // Yield the lines before the long one, then fail.
                        let head = region.lowerBound..<offset
                        let count = ByteSearch.count(ByteSearch.newline, in: bytes, from: head.lowerBound, to: head.upperBound)
                        if count > 0 {
                            queue(LineBatch(storage: chunk, region: head, firstLineNumber: nextLineNumber, lineCount: count,
                                            firstByteOffset: chunkOffset + Int64(start), keepsCarriageReturn: keepCarriageReturn,
                                            sourceName: sourceName))
                        }
                        nextLineNumber += count
                        pendingError = tooLong(lineStartOffset: chunkOffset + Int64(offset))
                        return
                    }
                    // Whether the lines hold a NUL (grep's binary check) comes with the count, from the same pass.
                    let (count, hasNul) = ByteSearch.countLines(in: bytes, from: region.lowerBound, to: region.upperBound)
                    queue(LineBatch(storage: chunk, region: region, firstLineNumber: nextLineNumber, lineCount: count,
                                    firstByteOffset: chunkOffset + Int64(start), keepsCarriageReturn: keepCarriageReturn,
                                    sourceName: sourceName, regionIsNulFree: !hasNul))
                    nextLineNumber += count
                    start = lastNewline + 1
                }
                if start < bytes.count {
                    if bytes.count - start > maxLineLength { pendingError = tooLong(lineStartOffset: chunkOffset + Int64(start)); return }
                    carryOffset = chunkOffset + Int64(start)
                    appendToCarry(bytes[start...])
                }
            }
        }

        /// Where the first line in `region` longer than the limit starts.
        private func firstLongLine(_ bytes: UnsafeRawBufferPointer, _ region: Range<Int>) -> Int? {
            var start = region.lowerBound
            while start < region.upperBound {
                let end = ByteSearch.first(ByteSearch.newline, in: bytes, from: start, to: region.upperBound) ?? region.upperBound
                if end - start > maxLineLength { return start }
                start = end + 1
            }
            return nil
        }

        /// Grows the carried partial line. Past 8 MiB it reserves room up to the line limit at
        /// once: the pages are touched only as the line grows, so a huge line costs its own size
        /// in memory, not the old and new copies that growing by reallocation would hold.
        private mutating func appendToCarry(_ bytes: Slice<UnsafeRawBufferPointer>) {
            let needed = carry.count + bytes.count
            if needed > carry.capacity {
                if needed > 8 << 20 {
                    carry.reserveCapacity(maxLineLength + 2)
                } else {
                    carry.reserveCapacity(Swift.min(maxLineLength + 2, Swift.max(needed, carry.capacity + carry.capacity / 2)))
                }
            }
            carry.append(contentsOf: bytes)
        }

        /// At the end of the input, yields a last line that has no LF.
        private mutating func flushCarry() {
            guard !carry.isEmpty else { return }
            queue(LineBatch(storage: carry, region: 0..<carry.count, firstLineNumber: nextLineNumber, lineCount: 1,
                            firstByteOffset: carryOffset, keepsCarriageReturn: keepCarriageReturn, sourceName: sourceName))
            nextLineNumber += 1
            carry = []
        }

        private mutating func queue(_ batch: LineBatch) { ready.append(batch) }
    }
}

extension AsyncLineBatchSequence: Sendable where Base: Sendable {}
