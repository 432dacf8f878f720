#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AsyncSequence where Element == LineBatch {
    /// The stream with each run of equal adjacent lines reduced as GNU `uniq` reduces it: by
    /// default to its first line; `options` give uniq's `-c`, `-d`, `-D`, `-u`, `-i`, `-f`, `-s`
    /// and `-w`. Runs span batches and sources: the stream is one text, as a pipe into uniq reads
    /// it. A line it prints as it is read is not copied (only `-c` makes new text).
    ///
    /// A fault or notice in the stream is passed on after the output of the run that was open
    /// when it came (so a run is never cut in two by a message, and the lines read before a fault
    /// are output before it).
    public func uniq(_ options: UniqOptions = UniqOptions()) -> AsyncUniqSequence<Self> {
        AsyncUniqSequence(base: self, options: options)
    }
}

/// What ``_Concurrency/AsyncSequence/uniq(_:)`` keeps and how it compares lines: GNU uniq's options.
///
/// Lines are compared as bytes, after the skipped fields and bytes, over at most
/// ``comparedBytes`` bytes, without their line ending. GNU uniq (coreutils 9) counts `-s` and
/// `-w` in bytes too, and its blanks are space and tab; in a locale whose collation is not the
/// code point order (not `C`, `POSIX` or `C.UTF-8`) it compares with `strcoll`, which Sluice does not.
public struct UniqOptions: Sendable, Hashable {
    /// How `-D` delimits the groups it prints (`--all-repeated=METHOD`).
    public enum GroupDelimiter: Sendable, Hashable {
        /// No delimiter (`-D`, `--all-repeated=none`).
        case none
        /// An empty line before each group (`prepend`).
        case prepend
        /// An empty line between groups (`separate`).
        case separate
    }

    /// How `--group` delimits groups with an empty line: between them, before each, after
    /// each, or before and after each.
    public enum Grouping: Sendable, Hashable { case separate, prepend, append, both }

    /// `--group=METHOD`: every line, each group of equal lines delimited as `METHOD` says (GNU
    /// refuses it with `-c`, `-d`, `-D` and `-u`: those options are then not read).
    public var grouping: Grouping? = nil
    /// Print a line that is not repeated (off with `-d` and `-D`).
    public var printsUnique = true
    /// Print the line that ends a repeated group, which is its first unless ``printsLaterRepeated`` (off with `-u`).
    public var printsFirstRepeated = true
    /// Print every line of a repeated group (`-D`).
    public var printsLaterRepeated = false
    /// Delimits the groups of `-D`.
    public var groupDelimiter = GroupDelimiter.none
    /// Prefix each printed line with the size of its group, as `%7d ` (`-c`).
    public var counts = false
    /// Compare ASCII letters without case (`-i`; GNU uniq folds single bytes only).
    public var ignoresCase = false
    /// Skip this many fields (blanks, then non-blanks) before comparing (`-f`).
    public var skippedFields = 0
    /// Then skip this many bytes (`-s`).
    public var skippedBytes = 0
    /// Compare at most this many bytes (`-w`); `nil`: the rest of the line.
    public var comparedBytes: Int? = nil

    public init() {}

    /// `uniq -d`: one line of each repeated group.
    public static var repeated: UniqOptions { var o = UniqOptions(); o.printsUnique = false; return o }
    /// `uniq -u`: the lines that are not repeated.
    public static var unique: UniqOptions { var o = UniqOptions(); o.printsFirstRepeated = false; return o }
    /// `uniq -D`: every line of each repeated group.
    public static var allRepeated: UniqOptions {
        var o = UniqOptions(); o.printsUnique = false; o.printsLaterRepeated = true; return o
    }

    /// Each line printed as it is met, the first of its run (GNU's own fast path).
    var printsFirstOfEachRun: Bool { printsUnique && printsFirstRepeated && !counts && grouping == nil }

    /// Each line is output when it is read (no line is held back until its run ends).
    var printsAsRead: Bool { printsFirstOfEachRun || grouping != nil }
}

/// An asynchronous sequence of the lines uniq keeps; see ``_Concurrency/AsyncSequence/uniq(_:)``.
public struct AsyncUniqSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let options: UniqOptions

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), options: options) }

    /// GNU uniq's loop over a stream of batches: the line that opened the current run (or, with
    /// `-D`, the run's last line) is held across batches by keeping its batch's buffer.
    public struct Iterator: AsyncIteratorProtocol {
        /// A line held from an earlier batch (its buffer kept alive, not copied).
        struct HeldLine {
            var storage: [UInt8]
            var range: Range<Int>
            /// The bytes compared (after skipped fields and bytes, at most `comparedBytes`).
            var key: Range<Int>
            var number: Int
            var byteOffset: Int64
            /// Which input batch holds it, to list it with the lines of the same buffer.
            var batch: Int
        }

        private var base: Base.AsyncIterator?
        private let options: UniqOptions
        private var previous: HeldLine?
        /// Lines equal to `previous` since it was last printed or replaced (GNU's match_count).
        private var matchCount = 0
        private var firstDelimiter = true
        /// `--group`: a line has been printed (GNU's first_group_printed).
        private var groupPrinted = false
        private var batchIndex = 0
        private var keepsCarriageReturn = true
        /// Output waiting to be returned, in order.
        private var ready: [LineBatch] = []
        private var readyIndex = 0
        /// Markers that came while a run was open: passed on once it is output.
        private var heldMarkers: [LineBatch] = []
        // The batch being built: lines of one buffer (listed), or new text (`-c`).
        private var listedStorage: [UInt8] = []
        private var listedBatch = -1
        private var listed: [LineBatch.Entry] = []
        private var text: [UInt8] = []
        private var textLines = 0

        init(base: Base.AsyncIterator, options: UniqOptions) {
            self.base = base
            self.options = options
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while true {
                if readyIndex < ready.count {
                    defer { readyIndex += 1 }
                    return ready[readyIndex]
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                guard base != nil else { return nil }
                guard let batch = try await base?.next(isolation: actor) else {
                    base = nil
                    if let previous, !options.printsAsRead { write(previous, match: false, count: matchCount) }
                    previous = nil
                    close()
                    if groupPrinted && (options.grouping == .append || options.grouping == .both) {
                        text.append(ByteSearch.newline)
                        textLines += 1
                        close()
                    }
                    passHeldMarkers()
                    continue
                }
                if batch.endsSource || batch.isNotice {
                    if previous == nil || options.printsAsRead {
                        close()
                        ready.append(batch)
                    } else {
                        heldMarkers.append(batch)
                    }
                    continue
                }
                keepsCarriageReturn = batch.keepsCarriageReturn
                batchIndex += 1
                for line in batch { take(line, batch: batchIndex) }
                close()
            }
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        /// One line, as one turn of GNU uniq's loop.
        private mutating func take(_ line: Line, batch: Int) {
            let key = compared(line.storage, line.range)
            if let grouping = options.grouping {
                // GNU's grouping loop: a delimiter before a new group (not before the first for
                // separate and append), then every line.
                let newGroup = previous.map { !equal($0.storage, $0.key, line.storage, key) } ?? true
                if newGroup && (grouping == .prepend || grouping == .both || (groupPrinted && (grouping == .append || grouping == .separate))) {
                    writeEmptyLine(batch: batch, storage: line.storage, at: line.range.lowerBound)
                }
                previous = HeldLine(storage: line.storage, range: line.range, key: key, number: line.number,
                                    byteOffset: line.byteOffset, batch: batch)
                write(previous!, match: false, count: 0)
                groupPrinted = true
                return
            }
            guard let held = previous else {
                previous = HeldLine(storage: line.storage, range: line.range, key: key, number: line.number,
                                    byteOffset: line.byteOffset, batch: batch)
                if options.printsFirstOfEachRun { write(previous!, match: false, count: 0) }
                return
            }
            let match = equal(held.storage, held.key, line.storage, key)
            if options.printsFirstOfEachRun {
                if !match {
                    previous = HeldLine(storage: line.storage, range: line.range, key: key, number: line.number,
                                        byteOffset: line.byteOffset, batch: batch)
                    write(previous!, match: false, count: 0)
                }
                return
            }
            if match { matchCount += 1 }
            if options.groupDelimiter != .none {
                if !match {
                    if matchCount > 0 { firstDelimiter = false }
                } else if matchCount == 1 && (options.groupDelimiter == .prepend || !firstDelimiter) {
                    writeEmptyLine(batch: batch, storage: line.storage, at: line.range.lowerBound)
                }
            }
            if !match || options.printsLaterRepeated {
                write(held, match: match, count: matchCount)
                previous = HeldLine(storage: line.storage, range: line.range, key: key, number: line.number,
                                    byteOffset: line.byteOffset, batch: batch)
                if !match { matchCount = 0 }
                if !heldMarkers.isEmpty { close(); passHeldMarkers() }
            }
        }

        /// GNU's writeline: whether this line of its group is printed, and how.
        private mutating func write(_ line: HeldLine, match: Bool, count: Int) {
            let printed = count == 0 ? options.printsUnique : (!match ? options.printsFirstRepeated : options.printsLaterRepeated)
            guard printed else { return }
            if options.counts {
                let prefix = String(count + 1)
                text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: Swift.max(0, 7 - prefix.utf8.count)))
                text.append(contentsOf: prefix.utf8)
                text.append(UInt8(ascii: " "))
                text.append(contentsOf: line.storage[line.range])
                text.append(ByteSearch.newline)
                textLines += 1
                return
            }
            if line.batch != listedBatch { close(); listedStorage = line.storage; listedBatch = line.batch }
            listed.append(LineBatch.Entry(range: line.range, number: line.number, byteOffset: line.byteOffset,
                                          isContext: false, startsGroup: false))
        }

        /// The empty line that delimits `-D` groups (listed in the current buffer).
        private mutating func writeEmptyLine(batch: Int, storage: [UInt8], at position: Int) {
            if listedBatch != batch || listed.isEmpty {
                close(); listedStorage = storage; listedBatch = batch
            }
            let at = listed.last?.range.lowerBound ?? position
            listed.append(LineBatch.Entry(range: at..<at, number: 0, byteOffset: 0, isContext: false, startsGroup: false))
        }

        /// Ends the batch being built and queues it.
        private mutating func close() {
            if !listed.isEmpty {
                ready.append(LineBatch(storage: listedStorage, entries: listed, keepsCarriageReturn: keepsCarriageReturn))
                listed = []
            }
            listedStorage = []
            listedBatch = -1
            if textLines > 0 {
                ready.append(LineBatch(storage: text, region: text.indices, firstLineNumber: 0, lineCount: textLines,
                                       firstByteOffset: 0, keepsCarriageReturn: true, sourceName: nil))
                text = []
                textLines = 0
            }
        }

        private mutating func passHeldMarkers() {
            ready.append(contentsOf: heldMarkers)
            heldMarkers = []
        }

        /// The bytes of a line that are compared: GNU's find_field, then `-w`.
        private func compared(_ storage: [UInt8], _ range: Range<Int>) -> Range<Int> {
            var i = range.lowerBound
            let end = range.upperBound
            if options.skippedFields > 0 {
                var fields = 0
                while fields < options.skippedFields && i < end {
                    while i < end && Self.isBlank(storage[i]) { i += 1 }
                    while i < end && !Self.isBlank(storage[i]) { i += 1 }
                    fields += 1
                }
            }
            i += Swift.min(options.skippedBytes, end - i)
            let length = Swift.min(end - i, options.comparedBytes ?? Int.max)
            return i..<(i + length)
        }

        /// uniq's field separators: `isblank` in the C and UTF-8 locales (space and tab).
        private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

        private func equal(_ a: [UInt8], _ ka: Range<Int>, _ b: [UInt8], _ kb: Range<Int>) -> Bool {
            guard ka.count == kb.count else { return false }
            if ka.isEmpty { return true }
            return a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let x = pa.baseAddress! + ka.lowerBound, y = pb.baseAddress! + kb.lowerBound
                    if !options.ignoresCase { return memcmp(x, y, ka.count) == 0 }
                    // GNU's memcasecmp: toupper per byte, which changes ASCII letters only in
                    // the C and UTF-8 locales.
                    for k in 0..<ka.count where x[k] != y[k] {
                        if Self.upper(x[k]) != Self.upper(y[k]) { return false }
                    }
                    return true
                }
            }
        }

        private static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }
    }
}

extension AsyncUniqSequence: Sendable where Base: Sendable {}
