#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines that share one buffer: what ``_Concurrency/AsyncSequence/lineBatches(keepCarriageReturn:maxLineLength:sourceName:)``
/// yields and every line stage passes on. Iterating it gives each ``Line`` without copying bytes.
///
/// A batch either covers a region of consecutive lines of its buffer (as the splitter makes
/// them; the lines are found on demand) or lists the lines it holds (as filters make them).
public struct LineBatch: Sendable, Sequence {
    /// One listed line of a filtered batch.
    public struct Entry: Sendable {
        /// The line's bytes in ``LineBatch/storage``, without its line ending.
        public var range: Range<Int>
        /// The line's number in its source, from 1 (0 when not counted).
        public var number: Int
        /// The stream offset of the line's first byte.
        public var byteOffset: Int64
        /// A context line (`-A`/`-B`/`-C`) rather than a selected one.
        public var isContext: Bool
        /// Lines were skipped between the previous output line and this one (grep prints `--`).
        public var startsGroup: Bool
    }

    /// The bytes the lines live in.
    public let storage: [UInt8]
    /// Consecutive complete lines of `storage` (each but perhaps the last ends with LF); unused when `entries` is set.
    let region: Range<Int>
    /// The lines, when the batch lists them.
    public let entries: [Entry]?
    /// The number of the region's first line.
    let firstLineNumber: Int
    /// The stream offset of `region.lowerBound`.
    let firstByteOffset: Int64
    /// How many lines the batch holds.
    public let lineCount: Int
    /// Whether a CR before the LF stays part of the line.
    public let keepsCarriageReturn: Bool
    /// The name of the input the lines come from (`nil` for an unnamed stream).
    public let sourceName: String?
    /// This (empty) batch marks the end of its source: per-input stages (grep's counts) finish here.
    public let endsSource: Bool
    /// The fault that ended the source, carried in the stream (when ``InputFiles/Options/reportsErrorsInStream``
    /// is set) so that it is reported after every line read before it has been output.
    public let failure: SluiceError?
    /// The marker only carries ``failure``: its source produced nothing and did not end as a
    /// source does (no count is printed for it, as grep prints none for a missing file).
    public let isNotice: Bool
    /// The source holds a NUL byte (it is binary, as GNU grep calls it) and a line of it was
    /// selected after that byte was seen: that line is not in the stream. A printer counts it
    /// as one selected line and says `NAME: binary file matches`, as GNU grep does. End markers only.
    public let binaryMatch: Bool
    /// The source turned out to be binary and is skipped (`--binary-files=without-match`):
    /// the lines selected before that was seen do not count. End markers only.
    public let skippedAsBinary: Bool
    /// A NUL byte of the source was read, so grep searched it as binary (unless told to read
    /// binary files as text). Its counts depend on where the NUL is: a split of the source
    /// that does not hold it counts otherwise. End markers only.
    public let isBinarySource: Bool
    /// A message for standard error that reports no fault (`NAME: binary file matches`), carried
    /// on a ``isNotice`` marker so that it keeps its place after the output before it.
    public let message: String?
    /// The region is known to hold no NUL byte (the splitter checks while it counts the lines,
    /// so grep's binary check need not read the bytes again); false when not known.
    let regionIsNulFree: Bool
    /// The lines of the region that hold a match of the grep stage's pattern, found ahead of
    /// the stage on another core (see ``GrepOptions/scansAhead``); `nil` when not searched.
    /// A batch made from this one (split, sliced) does not carry them.
    var matchingLines: [Range<Int>]?

    /// A region batch, as the splitter makes it.
    init(storage: [UInt8], region: Range<Int>, firstLineNumber: Int, lineCount: Int, firstByteOffset: Int64,
         keepsCarriageReturn: Bool, sourceName: String?, regionIsNulFree: Bool = false) {
        self.regionIsNulFree = regionIsNulFree
        self.storage = storage
        self.region = region
        self.entries = nil
        self.firstLineNumber = firstLineNumber
        self.lineCount = lineCount
        self.firstByteOffset = firstByteOffset
        self.keepsCarriageReturn = keepsCarriageReturn
        self.sourceName = sourceName
        self.endsSource = false
        self.failure = nil
        self.isNotice = false
        self.binaryMatch = false
        self.skippedAsBinary = false
        self.isBinarySource = false
        self.message = nil
    }

    /// A batch that lists its lines.
    public init(storage: [UInt8], entries: [Entry], keepsCarriageReturn: Bool = false, sourceName: String? = nil) {
        self.regionIsNulFree = false
        self.storage = storage
        self.region = 0..<0
        self.entries = entries
        self.firstLineNumber = entries.first?.number ?? 0
        self.lineCount = entries.count
        self.firstByteOffset = entries.first?.byteOffset ?? 0
        self.keepsCarriageReturn = keepsCarriageReturn
        self.sourceName = sourceName
        self.endsSource = false
        self.failure = nil
        self.isNotice = false
        self.binaryMatch = false
        self.skippedAsBinary = false
        self.isBinarySource = false
        self.message = nil
    }

    /// The empty batch that marks the end of a source, with the fault that ended it, if any.
    public static func endOfSource(_ name: String?, keepsCarriageReturn: Bool = false, failure: SluiceError? = nil) -> LineBatch {
        LineBatch(endOfSource: name, keepsCarriageReturn: keepsCarriageReturn, failure: failure, isNotice: false)
    }

    /// The end marker of a binary source: `binaryMatch` when a line was selected after its NUL
    /// byte (see ``binaryMatch``), `skipped` when it is skipped as binary (see ``skippedAsBinary``).
    /// `holdsNul` false: no NUL was read, `binaryMatch` reports selected lines that were not
    /// output for not being valid UTF-8 (``GrepOptions/suppressesUndecodableLines``).
    public static func endOfBinarySource(_ name: String?, keepsCarriageReturn: Bool = false, binaryMatch: Bool,
                                         skipped: Bool, failure: SluiceError? = nil, holdsNul: Bool = true) -> LineBatch {
        LineBatch(endOfSource: name, keepsCarriageReturn: keepsCarriageReturn, failure: failure, isNotice: false,
                  binaryMatch: binaryMatch, skippedAsBinary: skipped, isBinarySource: holdsNul)
    }

    /// A marker that only reports `failure` (a source that could not be read at all).
    public static func notice(_ failure: SluiceError, source name: String?) -> LineBatch {
        LineBatch(endOfSource: name, keepsCarriageReturn: true, failure: failure, isNotice: true)
    }

    /// A marker that only carries `message` for standard error (no fault).
    public static func notice(message: String, source name: String?) -> LineBatch {
        LineBatch(endOfSource: name, keepsCarriageReturn: true, failure: nil, isNotice: true, message: message)
    }

    /// The same marker, as a notice of its failure only (a stage that ends sources itself passes
    /// the failures of those it absorbs on this way).
    var asNotice: LineBatch? {
        failure.map { LineBatch.notice($0, source: sourceName) }
    }

    private init(endOfSource name: String?, keepsCarriageReturn: Bool, failure: SluiceError?, isNotice: Bool,
                 binaryMatch: Bool = false, skippedAsBinary: Bool = false, isBinarySource: Bool = false, message: String? = nil) {
        regionIsNulFree = false
        storage = []
        region = 0..<0
        entries = nil
        firstLineNumber = 0
        lineCount = 0
        firstByteOffset = 0
        self.keepsCarriageReturn = keepsCarriageReturn
        sourceName = name
        endsSource = true
        self.failure = failure
        self.isNotice = isNotice
        self.binaryMatch = binaryMatch
        self.skippedAsBinary = skippedAsBinary
        self.isBinarySource = isBinarySource
        self.message = message
    }

    /// How many of its lines are selected ones (not context lines).
    var selectedLineCount: Int { entries.map { $0.reduce(0) { $0 + ($1.isContext ? 0 : 1) } } ?? lineCount }

    /// Whether the batch holds no line.
    public var isEmpty: Bool { lineCount == 0 }

    /// The same lines, marked as coming from `name`.
    func withSource(_ name: String?) -> LineBatch {
        if let entries {
            return LineBatch(storage: storage, entries: entries, keepsCarriageReturn: keepsCarriageReturn, sourceName: name)
        }
        return LineBatch(storage: storage, region: region, firstLineNumber: firstLineNumber, lineCount: lineCount,
                         firstByteOffset: firstByteOffset, keepsCarriageReturn: keepsCarriageReturn, sourceName: name)
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    /// Walks the lines of a batch; region lines are found with `memchr` as they are reached.
    ///
    /// Inlinable and flat (no reference to the batch itself), so that ``AsyncLineSequence``'s
    /// per-line step compiles to a `memchr` and a few stores in the caller's module.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let storage: [UInt8]
        @usableFromInline let entries: [Entry]?
        /// The start of the next region line, and the end of the region.
        @usableFromInline var position: Int
        @usableFromInline let end: Int
        @usableFromInline var number: Int
        /// The stream offset of `storage[0]` (a region line's offset is this plus its start).
        @usableFromInline let offsetOfStorage: Int64
        @usableFromInline let keepsCarriageReturn: Bool
        @usableFromInline var index = 0

        init(_ batch: LineBatch) {
            storage = batch.storage
            entries = batch.entries
            position = batch.region.lowerBound
            end = batch.region.upperBound
            number = batch.firstLineNumber
            offsetOfStorage = batch.firstByteOffset - Int64(batch.region.lowerBound)
            keepsCarriageReturn = batch.keepsCarriageReturn
        }

        /// An iterator with no lines.
        @inlinable init() {
            storage = []
            entries = nil
            position = 0
            end = 0
            number = 0
            offsetOfStorage = 0
            keepsCarriageReturn = false
        }

        @inlinable
        public mutating func next() -> Line? {
            guard position < end else { return nextEntry() }
            let start = position
            let lineEnd = storage.withUnsafeBufferPointer { buffer -> Int in
                let base = buffer.baseAddress!
                guard let hit = memchr(base + start, 0x0A, end - start) else { return end }
                return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            }
            position = lineEnd + 1
            var contentEnd = lineEnd
            if !keepsCarriageReturn && contentEnd > start && storage[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            number += 1
            return Line(storage: storage, range: start..<contentEnd, number: number - 1,
                        byteOffset: offsetOfStorage + Int64(start))
        }

        @inlinable
        mutating func nextEntry() -> Line? {
            guard let entries, index < entries.count else { return nil }
            let entry = entries[index]
            index += 1
            return Line(storage: storage, range: entry.range, number: entry.number, byteOffset: entry.byteOffset)
        }
    }
}
