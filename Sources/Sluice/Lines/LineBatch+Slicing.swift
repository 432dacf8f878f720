extension LineBatch {
    /// The first `k` lines (k ≤ lineCount), sharing the buffer.
    func prefix(_ k: Int) -> LineBatch {
        if k >= lineCount { return self }
        if let entries {
            return LineBatch(storage: storage, entries: Array(entries.prefix(k)),
                             keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
        }
        let end = storage.withUnsafeBytes { bytes in
            var position = region.lowerBound
            for _ in 0..<k {
                position = (ByteSearch.first(ByteSearch.newline, in: bytes, from: position, to: region.upperBound) ?? region.upperBound) + 1
            }
            return Swift.min(position, region.upperBound)
        }
        return LineBatch(storage: storage, region: region.lowerBound..<end, firstLineNumber: firstLineNumber,
                         lineCount: k, firstByteOffset: firstByteOffset, keepsCarriageReturn: keepsCarriageReturn,
                         sourceName: sourceName)
    }

    /// The last `k` lines (k ≤ lineCount), sharing the buffer; found by scanning backwards.
    func suffix(_ k: Int) -> LineBatch {
        if k >= lineCount { return self }
        if let entries {
            return LineBatch(storage: storage, entries: Array(entries.suffix(k)),
                             keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
        }
        let start = storage.withUnsafeBytes { bytes in
            var lineEnd = region.upperBound
            if lineEnd > region.lowerBound && bytes[lineEnd - 1] == ByteSearch.newline { lineEnd -= 1 }
            var start = lineEnd
            for _ in 0..<k {
                let previous = ByteSearch.last(ByteSearch.newline, in: bytes, from: region.lowerBound, to: lineEnd)
                start = previous.map { $0 + 1 } ?? region.lowerBound
                lineEnd = previous ?? region.lowerBound
            }
            return start
        }
        return LineBatch(storage: storage, region: start..<region.upperBound, firstLineNumber: firstLineNumber + lineCount - k,
                         lineCount: k, firstByteOffset: firstByteOffset + Int64(start - region.lowerBound),
                         keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
    }
}

extension LineBatch {
    /// The same lines numbered consecutively from `first`; group starts are kept.
    func numbered(from first: Int) -> LineBatch {
        if endsSource { return self }
        if var entries {
            for i in entries.indices { entries[i].number = first + i }
            return LineBatch(storage: storage, entries: entries, keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
        }
        return LineBatch(storage: storage, region: region, firstLineNumber: first, lineCount: lineCount,
                         firstByteOffset: firstByteOffset, keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
    }
}

extension LineBatch {
    /// The same lines as the next command of a pipe reads them once they are printed plainly:
    /// unnamed, numbered from `first`, with byte offsets counted from `offset` in the printed
    /// text (each line and its LF), context marks dropped. Returns the bytes they take printed.
    func restamped(from first: Int, offset: Int64) -> (LineBatch, Int64) {
        if entries == nil && keepsCarriageReturn {
            var printed = Int64(region.count)
            if !region.isEmpty && storage[region.upperBound - 1] != ByteSearch.newline { printed += 1 }
            let batch = LineBatch(storage: storage, region: region, firstLineNumber: first, lineCount: lineCount,
                                  firstByteOffset: offset, keepsCarriageReturn: true, sourceName: nil)
            return (batch, printed)
        }
        var restamped: [Entry] = []
        restamped.reserveCapacity(lineCount)
        var position = offset
        if let entries {
            for (i, e) in entries.enumerated() {
                restamped.append(Entry(range: e.range, number: first + i, byteOffset: position, isContext: false, startsGroup: false))
                position += Int64(e.range.count) + 1
            }
        } else {
            for (i, line) in enumerated() {
                restamped.append(Entry(range: line.range, number: first + i, byteOffset: position,
                                       isContext: false, startsGroup: false))
                position += Int64(line.count) + 1
            }
        }
        return (LineBatch(storage: storage, entries: restamped, keepsCarriageReturn: keepsCarriageReturn, sourceName: nil),
                position - offset)
    }
}

// MARK: Bytes

extension LineBatch {
    /// Whether the batch is its printed text as it stands: a region with its line endings.
    var isRawText: Bool { entries == nil && keepsCarriageReturn }

    /// A region whose last line has no line feed (the end of a stream without one): printed so.
    private var endsWithoutLineFeed: Bool {
        entries == nil && region.count > 0 && storage[region.upperBound - 1] != ByteSearch.newline
    }

    /// The bytes `print` writes for the batch's lines, undecorated: the region itself, or each
    /// line listed (or without its CR) and a line feed, but for a region's last line that has
    /// none.
    var printedLength: Int {
        if isRawText { return region.count }
        var total = 0
        forEachLine { bytes, range, _, _, _ in total += range.count + 1; return true }
        return endsWithoutLineFeed ? total - 1 : total
    }

    /// The batch as a region of its printed text (itself when it is one already).
    func asRawText() -> LineBatch {
        if isRawText || isEmpty { return self }
        var text: [UInt8] = []
        text.reserveCapacity(printedLength)
        forEachLine { bytes, range, _, _, _ in
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range]))
            text.append(ByteSearch.newline)
            return true
        }
        if endsWithoutLineFeed { text.removeLast() }
        return LineBatch(storage: text, region: 0..<text.count, firstLineNumber: firstLineNumber, lineCount: lineCount,
                         firstByteOffset: firstByteOffset, keepsCarriageReturn: true, sourceName: sourceName)
    }

    /// The lines in `range` of a region (a part of it, `isRawText`): those that start in it, the
    /// first whole or not, the last cut where the range ends.
    func bytes(_ range: Range<Int>) -> LineBatch {
        precondition(isRawText && region.lowerBound <= range.lowerBound && range.upperBound <= region.upperBound)
        if range == region { return self }
        let (before, inside) = storage.withUnsafeBytes { bytes in
            (ByteSearch.count(ByteSearch.newline, in: bytes, from: region.lowerBound, to: range.lowerBound),
             ByteSearch.count(ByteSearch.newline, in: bytes, from: range.lowerBound, to: range.upperBound))
        }
        let open = !range.isEmpty && storage[range.upperBound - 1] != ByteSearch.newline
        return LineBatch(storage: storage, region: range, firstLineNumber: firstLineNumber + before,
                         lineCount: inside + (open ? 1 : 0),
                         firstByteOffset: firstByteOffset + Int64(range.lowerBound - region.lowerBound),
                         keepsCarriageReturn: true, sourceName: sourceName)
    }
}

/// What `head`, `tail`, `skip` and `skipLast` count: lines, or bytes of the printed text (`-c`).
enum StreamMeasure: Sendable {
    case lines, bytes
}

extension LineBatch {
    /// The batch as `measure` cuts it: itself for lines, a region of its printed text for bytes.
    func measured(_ measure: StreamMeasure) -> LineBatch { measure == .lines ? self : asRawText() }

    /// How many lines, or bytes of printed text, the batch holds.
    func size(_ measure: StreamMeasure) -> Int64 { measure == .lines ? Int64(lineCount) : Int64(printedLength) }

    /// The first `k` lines or bytes of a batch `measured(measure)` (`k` ≤ its size).
    func first(_ k: Int64, _ measure: StreamMeasure) -> LineBatch {
        measure == .lines ? prefix(Int(k)) : bytes(region.lowerBound..<region.lowerBound + Int(k))
    }

    /// The last `k` lines or bytes of a batch `measured(measure)` (`k` ≤ its size).
    func last(_ k: Int64, _ measure: StreamMeasure) -> LineBatch {
        measure == .lines ? suffix(Int(k)) : bytes(region.upperBound - Int(k)..<region.upperBound)
    }
}
