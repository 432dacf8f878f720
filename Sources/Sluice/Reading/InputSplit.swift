#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A part of a file that one worker of a distributed job reads: the I-th of N equal byte
/// ranges, or a byte range that the engine handed out. Only whole lines are read, by Hadoop's
/// `TextInputFormat` rule, so that the outputs of a file's splits, concatenated in order, are
/// the file: every line once.
///
/// The rule (Hadoop 2 and 3 `LineRecordReader`, for the LF delimiter): a split of the byte range
/// `START ..< END` that does not start at byte 0 skips through the first LF at or after `START`;
/// it then reads every line that starts at or before `END`, reading past `END` to finish the
/// last one. So a split owns the lines that start in `START + 1 ... END` (and the first split
/// also the line at byte 0): a line that starts exactly at a boundary belongs to the split
/// before it, as in Hadoop. An empty range reads nothing. Lines end at LF only; a CR before it
/// is part of the line, and a last line without LF is read whole by the split that owns its start.
///
/// Compressed files are split in their compressed bytes, at the offsets where decoding can
/// start (see ``FileSplit/layout(of:decompress:)``): a split reads the members (gzip) or frames
/// (zstd) that start in its range, and lines are assigned by the same rule in the decoded
/// bytes, where member or frame `k` stands for the boundary. A file that cannot be entered in
/// the middle (plain gzip, xz, bzip2, lz4) is one split: the split whose range holds byte 0
/// reads it all, the others nothing.
///
///     var options = InputFiles.Options()
///     options.split = .part(3, of: 8)
///     for try await batch in InputFiles(["big.log"], options: options, onError: { _ in }).lineBatches() { ... }
public struct InputSplit: Sendable, Hashable, CustomStringConvertible {
    /// How the range is given.
    public enum Kind: Sendable, Hashable {
        /// The `index`-th (from 1) of `count` equal byte ranges of the file: bytes
        /// `size * (index - 1) / count ..< size * index / count`.
        case part(index: Int, count: Int)
        /// The bytes `offset ..< offset + length`.
        case bytes(offset: Int64, length: Int64)
    }

    /// The range.
    public let kind: Kind

    /// The `index`-th (counted from 1) of `count` equal parts of each file.
    public static func part(_ index: Int, of count: Int) -> InputSplit {
        precondition(count >= 1 && (1...count).contains(index), "a split is I/N with 1 <= I <= N")
        return InputSplit(kind: .part(index: index, count: count))
    }

    /// The bytes `offset ..< offset + length` of each file.
    public static func bytes(offset: Int64, length: Int64) -> InputSplit {
        precondition(offset >= 0 && length >= 0, "a byte range has a non-negative offset and length")
        return InputSplit(kind: .bytes(offset: offset, length: length))
    }

    /// The byte range of a file of `fileSize` bytes, clamped to the file.
    public func byteRange(fileSize: Int64) -> Range<Int64> {
        switch kind {
        case let .part(index, count):
            // Exact in 128 bits: size * index can overflow 64.
            func bound(_ i: Int) -> Int64 {
                let (high, low) = fileSize.multipliedFullWidth(by: Int64(i))
                return Int64(count).dividingFullWidth((high, low)).quotient
            }
            return bound(index - 1) ..< bound(index)
        case let .bytes(offset, length):
            let start = Swift.min(offset, fileSize)
            let (end, overflow) = offset.addingReportingOverflow(length)
            return start ..< (overflow ? fileSize : Swift.min(end, fileSize))
        }
    }

    /// `I/N` or `START:LENGTH`, as the command line writes it.
    public var description: String {
        switch kind {
        case let .part(index, count): return "\(index)/\(count)"
        case let .bytes(offset, length): return "\(offset):\(length)"
        }
    }
}

/// One split of a file as a job plans its tasks: which bytes, which of how many, and how the
/// file is compressed. Reading it with ``InputSplit/bytes(offset:length:)`` or with
/// ``InputSplit/part(_:of:)`` (`index` of `count`) gives the same lines.
public struct FileSplit: Sendable, Hashable {
    /// The file.
    public var path: String
    /// Where the split's range starts, in the file's (compressed) bytes.
    public var offset: Int64
    /// How many bytes the range covers.
    public var length: Int64
    /// Which split of the file it is, from 1.
    public var index: Int
    /// How many parts the file was divided into (a part that holds no place to start decoding
    /// is left out of the plan, so indexes may skip).
    public var count: Int
    /// `none`, `gzip` (one split), `bgzf` (split at members), `zstd` (split at frames), `xz`, `bzip2`, `lz4`.
    public var codec: String

    /// The splits of the file at `path`, about `targetSize` bytes each: a plain file in
    /// `ceil(size / targetSize)` equal parts; a BGZF or multi-frame zstd file in as many parts,
    /// at most one per member or frame, each starting at one (parts that hold none are left
    /// out); any other compressed file as one split. An empty file is one empty split.
    public static func plan(path: String, targetSize: Int64, decompress: Bool = true) throws -> [FileSplit] {
        precondition(targetSize > 0, "a split size is positive")
        let layout = try layout(of: path, decompress: decompress)
        let size = layout.size
        var parts = Int(Swift.max(1, (size + targetSize - 1) / targetSize))
        if let starts = layout.starts { parts = Swift.min(parts, starts.count) }
        var splits: [FileSplit] = []
        for i in 1...parts {
            let range = InputSplit.part(i, of: parts).byteRange(fileSize: size)
            if let starts = layout.starts {
                // The members or frames that start in the range: the same ones from the first
                // of them to the next part's first.
                let first = layout.firstStart(atOrAfter: range.lowerBound)
                let end = layout.firstStart(atOrAfter: range.upperBound)
                guard first < end else { continue }
                let from = starts[first], to = end < starts.count ? starts[end] : size
                splits.append(FileSplit(path: path, offset: from, length: to - from, index: i, count: parts, codec: layout.codec))
            } else {
                splits.append(FileSplit(path: path, offset: range.lowerBound, length: range.upperBound - range.lowerBound,
                                        index: i, count: parts, codec: layout.codec))
            }
        }
        return splits
    }

    /// Where a file can be entered: for a plain file anywhere (`starts` is `nil`); for a
    /// compressed one the offsets where decoding can start, the first being 0. BGZF members
    /// are found from their headers' block sizes (`BC` field), zstd frames from the seekable
    /// format's seek table when the file ends with one, else by walking the frames' block
    /// headers; a gzip member without a block size, or bytes that are not a frame, end the
    /// list (what follows is read with the split before). Other codecs have one start.
    public static func layout(of path: String, decompress: Bool = true) throws -> SplitLayout {
        let file = try SplitProbe(path: path)
        defer { file.close() }
        let size = file.size
        guard decompress, size > 0 else { return SplitLayout(size: size, codec: "none", starts: nil) }
        let prefix = try file.read(at: 0, count: CompressionCodec.longestMagic)
        guard let codec = CompressionCodec.detect(prefix) else { return SplitLayout(size: size, codec: "none", starts: nil) }
        switch codec {
        case .gzip:
            let starts = try file.bgzfMembers()
            return SplitLayout(size: size, codec: starts.count > 1 ? "bgzf" : "gzip", starts: starts)
        case .zstd:
            return SplitLayout(size: size, codec: "zstd", starts: try file.zstdSeekTable() ?? file.zstdFrames())
        default:
            return SplitLayout(size: size, codec: codec.rawValue, starts: [0])
        }
    }
}

/// Where a file can be entered; see ``FileSplit/layout(of:decompress:)``.
public struct SplitLayout: Sendable, Hashable {
    /// The file's size in bytes.
    public var size: Int64
    /// As in ``FileSplit/codec``.
    public var codec: String
    /// The compressed offsets where decoding can start (the first is 0), or `nil` for a plain file.
    public var starts: [Int64]?

    /// The index of the first start at or after `offset` (`starts.count` when none is).
    func firstStart(atOrAfter offset: Int64) -> Int {
        guard let starts else { return 0 }
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// What a split reads: the (compressed) bytes `head` in full, then `tail` up to and
    /// including its first LF; the first line of the whole is skipped when `skipsFirstLine`.
    /// `nil` parts are not read.
    func parts(of split: InputSplit) -> (head: Range<Int64>?, tailStart: Int64?, skipsFirstLine: Bool) {
        let range = split.byteRange(fileSize: size)
        guard let starts else {
            guard !range.isEmpty else { return (nil, nil, false) }
            return (range, range.upperBound < size ? range.upperBound : nil, range.lowerBound > 0)
        }
        let first = firstStart(atOrAfter: range.lowerBound), end = firstStart(atOrAfter: range.upperBound)
        guard first < end else { return (nil, nil, false) }
        let to = end < starts.count ? starts[end] : size
        return (starts[first] ..< to, end < starts.count ? to : nil, first > 0)
    }
}

/// A file opened to find its split layout with `pread`.
private struct SplitProbe {
    let path: String
    let fd: Int32
    let size: Int64

    init(path: String) throws {
        self.path = path
        fd = RawBytes.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SluiceError.io(path: path, operation: "open", errno: errno) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let code = errno
            closeDescriptor(fd)
            throw SluiceError.io(path: path, operation: "stat", errno: code)
        }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            closeDescriptor(fd)
            // A pipe, FIFO or terminal cannot be entered in the middle.
            throw SluiceError.io(path: path, operation: "split", errno: kind == S_IFDIR ? EISDIR : ESPIPE)
        }
        size = Int64(st.st_size)
    }

    func close() { closeDescriptor(fd) }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset < size, count > 0 else { return [] }
        let want = Int(Swift.min(Int64(count), size - offset))
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: want) { buffer, n in
            n = 0
            while n < want {
                let got = pread(fd, buffer.baseAddress! + n, want - n, off_t(offset) + off_t(n))
                if got > 0 { n += got; continue }
                if got == 0 { break }
                if errno == EINTR { continue }
                failure = errno
                break
            }
        }
        if failure != 0 { throw SluiceError.io(path: path, operation: "read", errno: failure) }
        return bytes
    }

    func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    func u32(_ b: [UInt8], _ i: Int) -> Int64 { Int64(u16(b, i)) | Int64(u16(b, i + 2)) << 16 }

    /// The offsets of the gzip members found from BGZF block sizes: the first member, and each
    /// one after a member whose header has a `BC` field (SAM spec, section 4.1).
    func bgzfMembers() throws -> [Int64] {
        var starts: [Int64] = [0]
        var offset: Int64 = 0
        while true {
            let header = try read(at: offset, count: 12)
            guard header.count == 12, header[0] == 0x1f, header[1] == 0x8b, header[2] == 8, header[3] & 4 != 0 else { break }
            let extraLength = u16(header, 10)
            let extra = try read(at: offset + 12, count: extraLength)
            guard extra.count == extraLength else { break }
            var blockSize: Int64?
            var i = 0
            while i + 4 <= extra.count {
                let fieldLength = u16(extra, i + 2)
                if extra[i] == 66, extra[i + 1] == 67, fieldLength == 2, i + 6 <= extra.count {
                    blockSize = Int64(u16(extra, i + 4)) + 1
                }
                i += 4 + fieldLength
            }
            // The smallest member is 12 + 6 + a deflate block + 8 bytes of trailer.
            guard let blockSize, blockSize >= 26 else { break }
            let next = offset + blockSize
            guard next < size else { break }
            // The next member must start there; anything else (padding, garbage) goes with this one.
            let magic = try read(at: next, count: 3)
            guard magic == [0x1f, 0x8b, 8] else { break }
            starts.append(next)
            offset = next
        }
        return starts
    }

    /// The zstd frames (and skippable frames) from the start, by their headers and block headers
    /// (RFC 8878); bytes that are not a frame end the list.
    func zstdFrames() throws -> [Int64] {
        var starts: [Int64] = []
        var offset: Int64 = 0
        while offset < size {
            let header = try read(at: offset, count: 14)
            guard header.count >= 8 else { break }
            let magic = u32(header, 0)
            var next: Int64
            if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                next = offset + 8 + u32(header, 4)
            } else if magic == 0xFD2F_B528 {
                let descriptor = header[4]
                let contentSizeFlag = Int(descriptor >> 6), singleSegment = descriptor & 0x20 != 0
                let checksum = descriptor & 4 != 0, dictionaryFlag = Int(descriptor & 3)
                let contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]
                next = offset + 5 + (singleSegment ? 0 : 1) + Int64([0, 1, 2, 4][dictionaryFlag] + contentSizeBytes)
                var last = false
                while !last {
                    let block = try read(at: next, count: 3)
                    guard block.count == 3 else { return starts.isEmpty ? [0] : starts }
                    let value = Int64(block[0]) | Int64(block[1]) << 8 | Int64(block[2]) << 16
                    last = value & 1 != 0
                    let type = (value >> 1) & 3
                    guard type != 3 else { return starts.isEmpty ? [0] : starts }
                    next += 3 + (type == 1 ? 1 : value >> 3)
                }
                if checksum { next += 4 }
            } else {
                break
            }
            guard next <= size else { break }
            starts.append(offset)
            offset = next
        }
        return starts.isEmpty ? [0] : starts
    }

    /// The frames listed by a seekable-format seek table at the end of the file (zstd's
    /// contrib/seekable_format), if there is one and it adds up.
    func zstdSeekTable() throws -> [Int64]? {
        guard size >= 17 else { return nil }
        let footer = try read(at: size - 9, count: 9)
        guard footer.count == 9, u32(footer, 5) == 0x8F92_EAB1 else { return nil }
        let frames = u32(footer, 0), entrySize: Int64 = footer[4] & 0x80 != 0 ? 12 : 8
        let tableFrame = 8 + frames * entrySize + 9
        guard tableFrame <= size, frames < 1 << 26 else { return nil }
        let tableStart = size - tableFrame
        let header = try read(at: tableStart, count: 8)
        guard header.count == 8, u32(header, 0) == 0x184D_2A5E, u32(header, 4) == tableFrame - 8 else { return nil }
        let table = try read(at: tableStart + 8, count: Int(frames * entrySize))
        guard table.count == Int(frames * entrySize) else { return nil }
        var starts: [Int64] = []
        var offset: Int64 = 0
        for i in 0..<Int(frames) {
            if starts.last != offset { starts.append(offset) }
            offset += u32(table, i * Int(entrySize))
        }
        guard offset == tableStart else { return nil }
        // The seek table's own skippable frame decodes to nothing; it goes with the last frame.
        return starts.isEmpty ? [0] : starts
    }
}

private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
