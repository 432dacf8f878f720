import CByteScan

// Binary input for grep, as GNU grep 3.8 treats it (see ``BinaryFiles``).
//
// GNU grep reads a file in 96 KiB reads and, before it searches the lines a read completes,
// checks the whole buffer for a NUL byte. From the read in which it first sees one, a NUL
// ends a line as LF does, and (unless it counts) the first selected line stops the file with
// "binary file matches". The lines that ended in earlier reads were searched, and printed,
// as text. Here each batch is checked with one `memchr`; the lines at the end of a batch that
// share a GNU read with the start of the next batch wait for that batch to be checked too
// (``LineSelector/lookaheadLimit(for:)``).

/// What a grep stage knows of its source's NUL bytes.
struct BinaryState {
    /// A NUL byte has been read: lines are searched as binary.
    var seen = false
    /// A line was selected after the NUL (and not output): the source's answer is known.
    var matched = false
    /// The source is skipped as binary (`--binary-files=without-match`).
    var skipped = false
    /// The stream offset up to which the source is known to hold no NUL.
    var nulFreeTo: Int64 = 0
    /// NUL bytes met in binary lines so far: GNU grep numbers the pieces they end as lines.
    var extraNumbers = 0
    /// A selected line was not output because it is not valid UTF-8 (see
    /// ``GrepOptions/suppressesUndecodableLines``): the end marker says `binary file matches`.
    var undecodable = false

    /// Nothing more of the source is searched.
    var ended: Bool { matched || skipped }
}

extension LineSelector {
    /// The stream offset the batches read after `batch` must reach before `batch` is searched,
    /// or `nil` when no read-ahead is needed: the lines at its end share a GNU read with what
    /// follows, and a NUL there makes them binary.
    func lookaheadLimit(for batch: LineBatch) -> Int64? {
        guard options.binaryFiles != .text, !binary.seen, !binary.ended, batch.entries == nil, !batch.endsSource,
              let size = options.binaryReadSize.map(Int64.init), size > 0 else { return nil }
        let end = Self.end(of: batch)
        guard end > 0 else { return nil }
        let limit = ((end - 1) / size + 1) * size
        return limit > end ? limit : nil
    }

    /// The stream offset just after a batch's region; end markers and listed batches end a read-ahead.
    static func end(of batch: LineBatch) -> Int64 {
        if batch.endsSource || batch.entries != nil { return .max }
        return batch.firstByteOffset + Int64(batch.region.count)
    }

    /// The first NUL of a region batch at or after stream offset `from` and before `to`, as a stream offset.
    private static func firstNul(in batch: LineBatch, from: Int64, to: Int64) -> Int64? {
        let region = batch.region
        let start = region.lowerBound + Int(Swift.max(0, Swift.min(Int64(region.count), from - batch.firstByteOffset)))
        let end = region.lowerBound + Int(Swift.max(0, Swift.min(Int64(region.count), to - batch.firstByteOffset)))
        guard start < end, !batch.regionIsNulFree else { return nil }
        return batch.storage.withUnsafeBytes { bytes in
            ByteSearch.first(0, in: bytes, from: start, to: end).map { batch.firstByteOffset + Int64($0 - region.lowerBound) }
        }
    }

    /// Where binary lines start in `batch` (an index of its storage; its region's start when all
    /// are), or `nil` when all its lines are text. One `memchr` over what is not known NUL-free.
    mutating func binarySplit(_ batch: LineBatch, following: ArraySlice<LineBatch>) -> Int? {
        if let entries = batch.entries {
            // A listed batch (a later stage's): the batch is the read.
            let hasNul = batch.storage.withUnsafeBytes { bytes in
                guard ByteSearch.first(0, in: bytes, from: 0, to: bytes.count) != nil else { return false }
                return entries.contains { ByteSearch.first(0, in: bytes, from: $0.range.lowerBound, to: $0.range.upperBound) != nil }
            }
            return hasNul ? 0 : nil
        }
        let end = Self.end(of: batch)
        var nul = Self.firstNul(in: batch, from: binary.nulFreeTo, to: end)
        if nul == nil, let limit = lookaheadLimit(for: batch) {
            for next in following {
                if next.endsSource || next.entries != nil { break }
                if next.firstByteOffset >= limit { break }
                if let found = Self.firstNul(in: next, from: Swift.max(binary.nulFreeTo, next.firstByteOffset), to: limit) {
                    nul = found
                    break
                }
            }
        }
        guard let nul else {
            binary.nulFreeTo = Swift.max(binary.nulFreeTo, end)
            return nil
        }
        binary.nulFreeTo = nul
        // The start of the read that holds the NUL: GNU's read for a file, the batch otherwise.
        let readStart = options.binaryReadSize.map { nul / Int64($0) * Int64($0) } ?? batch.firstByteOffset
        if readStart >= end { return nil }
        let region = batch.region
        if readStart <= batch.firstByteOffset { return region.lowerBound }
        // Lines whose LF comes before the read are text.
        let index = region.lowerBound + Int(readStart - batch.firstByteOffset)
        return batch.storage.withUnsafeBytes { bytes in
            (ByteSearch.last(ByteSearch.newline, in: bytes, from: region.lowerBound, to: index) ?? (region.lowerBound - 1)) + 1
        }
    }

    /// Searches lines after the NUL: a NUL ends a line as LF does. Without counting, the first
    /// selected line ends the source (it is not output). After-context due from earlier lines
    /// is output, as GNU grep outputs it, from a read in which no line is selected.
    mutating func selectBinary(from batch: LineBatch, into output: inout [LineBatch]) throws {
        out.reset()
        defer {
            if let lines = out.finish(keepsCarriageReturn: batch.keepsCarriageReturn, sourceName: batch.sourceName) {
                output.append(lines)
            }
        }
        if !options.invert && afterRemaining == 0 && batch.entries == nil {
            // A literal that occurs nowhere in the batch selects none of its pieces: one search
            // instead of one per piece (a compressed file read as bytes is mostly short pieces).
            let region = batch.region
            let nuls = batch.storage.withUnsafeBytes { bytes in
                matcher.provesNoPieceMatches(in: bytes, from: region.lowerBound, to: region.upperBound)
                    ? ByteSearch.count(0, in: bytes, from: region.lowerBound, to: region.upperBound) : nil
            }
            if let nuls {
                binary.extraNumbers += nuls
                return
            }
        }
        var iterator = batch.makeIterator()
        var window: Int64 = -1
        while let line = iterator.next() {
            if isDone || (limitReached && afterRemaining == 0) { return }
            let lineWindow = readIndex(of: line)
            if lineWindow != window {
                window = lineWindow
                // A read with a selected line prints no context before it (GNU grep is quiet by then).
                if afterRemaining > 0 && !limitReached && !options.countsBinaryLines {
                    var probe = iterator
                    var candidate: Line? = line
                    while let l = candidate, readIndex(of: l) == lineWindow {
                        if try selectsAPiece(of: l) { afterRemaining = 0; break }
                        candidate = probe.next()
                    }
                }
            }
            // A NUL that ends the source's last line (no LF after it) ends that line: no empty piece follows.
            let unterminated = line.range.upperBound >= line.storage.count
                || line.storage[line.range.upperBound] != ByteSearch.newline && line.storage[line.range.upperBound] != 0x0D
            do {
                try line.withUnsafeBytes { bytes in
                    var start = 0
                    var piece = 0
                    while start < bytes.count || (start == bytes.count && !(unterminated && start > 0 && bytes[start - 1] == 0)) {
                        let end = ByteSearch.first(0, in: bytes, from: start, to: bytes.count) ?? bytes.count
                        let number = line.number + binary.extraNumbers + piece
                        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                        let matched = try matcher.lineMatches(text) != options.invert
                        if matched && !limitReached {
                            if !options.countsBinaryLines { binary.matched = true; afterRemaining = 0; return }
                            out.append(text, number: number, byteOffset: line.byteOffset + Int64(start), isContext: false, startsGroup: false)
                            selectedInSource += 1
                            outputAnything = true
                        } else if afterRemaining > 0 {
                            let startsGroup = usesContext && outputAnything && lastOutputNumber.map { number != $0 + 1 } ?? true
                            out.append(text, number: number, byteOffset: line.byteOffset + Int64(start), isContext: true,
                                       startsGroup: startsGroup && outputAnything)
                            lastOutputNumber = number
                            outputAnything = true
                            afterRemaining -= 1
                        }
                        if end == bytes.count { break }
                        start = end + 1
                        piece += 1
                    }
                    binary.extraNumbers += piece
                }
            } catch let failure as MatchFailure {
                throw failure.error(line: line)
            }
        }
    }

    /// Which GNU read a line ends in (its LF's offset over the read size); 0 for all when each batch is a read.
    private func readIndex(of line: Line) -> Int64 {
        guard let size = options.binaryReadSize, size > 0 else { return 0 }
        return (line.byteOffset + Int64(line.byteCount)) / Int64(size)
    }

    /// Whether a piece of `line` (between NULs) would be selected.
    private func selectsAPiece(of line: Line) throws -> Bool {
        do {
            return try line.withUnsafeBytes { bytes -> Bool in
                var start = 0
                while start <= bytes.count {
                    let end = ByteSearch.first(0, in: bytes, from: start, to: bytes.count) ?? bytes.count
                    if try matcher.lineMatches(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) != options.invert { return true }
                    if end == bytes.count { break }
                    start = end + 1
                }
                return false
            }
        } catch let failure as MatchFailure {
            throw failure.error(line: line)
        }
    }
}

extension LineBatch {
    /// The lines before storage index `index` and those from it (a region batch; a listed one
    /// goes whole to the second part).
    func split(at index: Int) -> (LineBatch?, LineBatch?) {
        guard entries == nil else { return (nil, self) }
        if index <= region.lowerBound { return (nil, self) }
        if index >= region.upperBound { return (self, nil) }
        let count = storage.withUnsafeBytes { ByteSearch.count(ByteSearch.newline, in: $0, from: region.lowerBound, to: index) }
        let head = LineBatch(storage: storage, region: region.lowerBound..<index, firstLineNumber: firstLineNumber, lineCount: count,
                             firstByteOffset: firstByteOffset, keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
        let tail = LineBatch(storage: storage, region: index..<region.upperBound, firstLineNumber: firstLineNumber + count,
                             lineCount: lineCount - count, firstByteOffset: firstByteOffset + Int64(index - region.lowerBound),
                             keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
        return (head, tail)
    }
}

/// Text as the C library's UTF-8 reads it (see `sluice_utf8_valid_glibc`).
enum UTF8Text {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return sluice_utf8_valid_glibc(base.assumingMemoryBound(to: UInt8.self), bytes.count) != 0
    }
}
