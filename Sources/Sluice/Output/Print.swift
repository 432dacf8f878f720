import Synchronization

extension AsyncSequence where Element == LineBatch {
    /// Turns lines into output bytes the way GNU grep prints them: optional file-name, line-number
    /// and byte-offset prefixes (`:` after selected lines, `-` after context lines), `--` between
    /// context groups, only the matches (`-o`), colour, or per-source counts and file lists.
    /// Every line ends with LF, even a last line that had none.
    public func printed(_ format: PrintFormat = PrintFormat(), statistics: PrintStatistics = PrintStatistics())
        -> AsyncPrintedSequence<Self> {
        AsyncPrintedSequence(base: self, format: format, statistics: statistics)
    }
}

/// How ``_Concurrency/AsyncSequence/printed(_:statistics:)`` prints lines.
public struct PrintFormat: Sendable {
    /// What is printed.
    public enum Mode: Sendable {
        /// The lines (or their matches, with `onlyMatching`).
        case lines
        /// The number of selected lines of each source (`-c`).
        case count
        /// The name of each source with a selected line (`-l`).
        case sourcesWithLines
        /// The name of each source without one (`-L`).
        case sourcesWithoutLines
    }

    public var mode = Mode.lines
    /// Prefix each line with its source's name (`-H`).
    public var sourceNames = false
    /// Prefix each line with its number (`-n`).
    public var lineNumbers = false
    /// Prefix each line with the byte offset of its start, or of the match with `onlyMatching` (`-b`).
    public var byteOffsets = false
    /// Print each match of this pattern on a line of its own instead of the line (`-o`).
    public var onlyMatching: GrepPattern?
    /// With ``onlyMatching``, print the matches of context lines instead of those of selected
    /// lines, marked as context (`-`): GNU grep's `-o -v` with context, where the selected
    /// lines are the ones that do not match and the context lines may.
    public var matchesOfContextLines = false
    /// Highlight the matches of this pattern in selected lines (with `colors`).
    public var highlighting: GrepPattern?
    /// Colours for matches, names, numbers and separators; `nil` prints no escape sequences.
    public var colors: OutputColors?
    /// Printed between groups of context lines.
    public var groupSeparator: String? = "--"
    /// End a last line that has no LF with one (grep does; `head`, `tail` and `cat` keep the bytes as they are).
    public var terminatesLastLine = true
    /// Print ``groupSeparator`` before the first line of a source when lines of an earlier source
    /// were printed, as GNU grep separates context groups of different files (for sources each
    /// selected on its own, whose groups know nothing of the sources before them).
    public var separatesSources = false
    /// Print `==> NAME <==` before the lines of each source, and again whenever the source
    /// changes (as `tail` does for several files).
    public var sourceHeaders = false
    /// Follow a source's name with a NUL byte instead of `:`, `-` or LF (`grep -Z`).
    public var nullAfterNames = false
    /// Put a tab between the prefixes and a non-empty line, and pad line numbers and byte
    /// offsets with spaces to ``fieldWidth`` of the source (`grep -T`).
    public var initialTab = false
    /// The width of line numbers and byte offsets with ``initialTab``, by source name (GNU grep
    /// takes the digits of the file's size, plus one with line numbers).
    public var fieldWidth: (@Sendable (String?) -> Int)?

    public init() {}
}

/// SGR colour codes in the style of `GREP_COLORS`.
public struct OutputColors: Sendable {
    public var match = "01;31"
    public var contextMatch = "01;31"
    public var fileName = "35"
    public var lineNumber = "32"
    public var byteOffset = "32"
    public var separator = "36"

    /// GNU grep's defaults, changed by a `GREP_COLORS` value such as `ms=01;32:fn=34`.
    public init(grepColors: String? = nil) {
        for item in (grepColors ?? "").split(separator: ":") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "mt": match = parts[1]; contextMatch = parts[1]
            case "ms": match = parts[1]
            case "mc": contextMatch = parts[1]
            case "fn": fileName = parts[1]
            case "ln": lineNumber = parts[1]
            case "bn": byteOffset = parts[1]
            case "se": separator = parts[1]
            default: break
            }
        }
    }
}

/// What a printer saw, readable once printing is done (for the exit status), and the faults
/// carried in the stream (``LineBatch/failure``) that it reached, in stream order.
public final class PrintStatistics: Sendable {
    private let selected = Atomic(0)
    private let failures = Locked<[SluiceError]>([])
    private let messages = Locked<[String]>([])
    private let followsSelection = Atomic(false)
    public init() {}
    /// The output says whether lines were selected, as grep's exit status does, though its
    /// last stage is no grep (``_Concurrency/AsyncSequence/combinedPartials(statistics:)`` of
    /// `grep -c` results): a caller's status is then 0 when ``selectedLines`` is positive, else 1.
    public var statusFollowsSelection: Bool { followsSelection.load(ordering: .relaxed) }
    func setStatusFollowsSelection() { followsSelection.store(true, ordering: .relaxed) }
    /// How many selected lines (not context) reached the printer.
    public var selectedLines: Int { selected.load(ordering: .relaxed) }
    func add(_ n: Int) { selected.add(n, ordering: .relaxed) }
    func addFailure(_ failure: SluiceError) { failures.withLock { $0.append(failure) } }
    func addMessage(_ message: String) { messages.withLock { $0.append(message) } }

    /// The messages that report no fault (`NAME: binary file matches`) the printer reached since
    /// the last call, kept in order with the output as ``takeFailures()`` keeps faults.
    public func takeMessages() -> [String] {
        messages.withLock { taken in
            defer { taken.removeAll() }
            return taken
        }
    }

    /// The faults the printer reached since the last call. The printer yields the bytes of
    /// every line before a fault first (and then an empty chunk if need be), so a consumer that
    /// writes each chunk and then reports what this returns keeps output and messages in order.
    public func takeFailures() -> [SluiceError] {
        failures.withLock { taken in
            defer { taken.removeAll() }
            return taken
        }
    }
}

/// An asynchronous sequence of output bytes; see ``_Concurrency/AsyncSequence/printed(_:statistics:)``.
public struct AsyncPrintedSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let format: PrintFormat
    let statistics: PrintStatistics

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), printer: LinePrinter(format: format), statistics: statistics)
    }

    /// Yields the bytes of one input batch at a time.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var printer: LinePrinter
        private let statistics: PrintStatistics
        private var finished = false

        init(base: Base.AsyncIterator, printer: LinePrinter, statistics: PrintStatistics) {
            self.base = base
            self.printer = printer
            self.statistics = statistics
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            if finished { return nil }
            while let batch = try await base.next(isolation: actor) {
                if batch.isNotice {
                    if let failure = batch.failure { statistics.addFailure(failure) }
                    if let message = batch.message { statistics.addMessage(message) }
                    return []
                }
                let (bytes, selected) = printer.print(batch)
                statistics.add(selected)
                if let failure = printer.failure {
                    // (Nothing after the line on which the engine gave up is printed.)
                    statistics.addFailure(failure)
                    finished = true
                    return bytes
                }
                if let message = printer.takeMessage() {
                    statistics.addMessage(message)
                    return bytes
                }
                if let failure = batch.failure {
                    statistics.addFailure(failure)
                    return bytes
                }
                if !bytes.isEmpty { return bytes }
            }
            return nil
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

extension AsyncPrintedSequence: Sendable where Base: Sendable {}

/// Formats batches; keeps the per-source counts.
struct LinePrinter {
    let format: PrintFormat
    private var selectedInSource = 0
    private var out: [UInt8] = []
    private var lastHeader: String?
    /// The source under the last header ended (its end marker was printed).
    private var lastHeaderEnded = false
    /// The source of the last line printed, for ``PrintFormat/separatesSources``.
    private var lastLineSource: String??
    /// A source ended after the last lines printed: the next source's lines start a group.
    private var sourceEndedSinceLines = false
    /// A message for standard error from the last batch printed (`NAME: binary file matches`).
    private var message: String?
    /// The regex engine gave up finding a line's extents (`-o`, colour): the batch was printed
    /// up to that line's last extent found, and printing stops, as GNU grep's does.
    private(set) var failure: SluiceError?
    /// The width of numbers with ``PrintFormat/initialTab``, for the source named `fieldWidthSource`.
    private var fieldWidth = 0
    private var fieldWidthSource: String??

    init(format: PrintFormat) { self.format = format }

    /// The message the last batch printed gave, if any.
    mutating func takeMessage() -> String? {
        defer { message = nil }
        return message
    }

    private static let standardInput = "(standard input)"

    /// The bytes for `batch` and how many selected lines it held, after a source header if one is due.
    mutating func print(_ batch: LineBatch) -> ([UInt8], Int) {
        var batch = batch
        if format.separatesSources, !batch.endsSource, var entries = batch.entries, !entries.isEmpty {
            if let last = lastLineSource, last != batch.sourceName || sourceEndedSinceLines, !entries[0].startsGroup {
                entries[0].startsGroup = true
                batch = LineBatch(storage: batch.storage, entries: entries, keepsCarriageReturn: batch.keepsCarriageReturn,
                                  sourceName: batch.sourceName)
            }
            lastLineSource = .some(batch.sourceName)
            sourceEndedSinceLines = false
        }
        // A binary match counts as output for the separator, as in GNU grep.
        if format.separatesSources && batch.binaryMatch { lastLineSource = .some(batch.sourceName) }
        // (The same file twice, `grep -C1 x f f`, is two sources: GNU separates them too.)
        if batch.endsSource && !batch.isNotice && lastLineSource != nil { sourceEndedSinceLines = true }
        guard format.sourceHeaders, let name = batch.sourceName, !batch.isNotice else { return printBody(batch) }
        // A header starts each source: at its first lines, or at its end when it had none (an
        // empty file), as GNU head and tail print one for every operand. The same name again
        // after its source ended is the next source (`head -n 2 f f` prints two headers).
        // (Followed files, interleaved as their lines come, carry no end markers.)
        defer { if batch.endsSource { lastHeaderEnded = true } }
        guard name != lastHeader || lastHeaderEnded else { return printBody(batch) }
        let header = RawBytes.bytes((lastHeader == nil ? "" : "\n") + "==> \(name) <==\n")
        lastHeader = name
        lastHeaderEnded = false
        let (body, selected) = printBody(batch)
        return (header + body, selected)
    }

    private mutating func printBody(_ batch: LineBatch) -> ([UInt8], Int) {
        let name = batch.sourceName ?? Self.standardInput
        if batch.endsSource {
            defer { selectedInSource = 0 }
            out = []
            var selected = 0
            if batch.skippedAsBinary {
                // GNU grep counts nothing of a file skipped as binary (-I), even lines it printed.
                selected = -selectedInSource
                selectedInSource = 0
            } else if batch.binaryMatch {
                selected = 1
                selectedInSource += 1
                switch format.mode {
                case .lines: message = "\(name): binary file matches"
                case .sourcesWithLines where selectedInSource == 1: appendName(name); out.append(format.nullAfterNames ? 0 : 0x0A)
                default: break
                }
            }
            switch format.mode {
            case .count:
                if format.sourceNames { appendName(name); appendNameEnd(0x3A) }
                appendDecimal(Int64(selectedInSource))
                out.append(0x0A)
            case .sourcesWithoutLines where selectedInSource == 0:
                appendName(name); out.append(format.nullAfterNames ? 0 : 0x0A)
            default: break
            }
            return (out, selected)
        }
        let selected = batch.selectedLineCount
        let before = selectedInSource
        selectedInSource += selected
        switch format.mode {
        case .count, .sourcesWithoutLines:
            return ([], selected)
        case .sourcesWithLines:
            guard before == 0 && selected > 0 else { return ([], selected) }
            out = []
            appendName(name); out.append(format.nullAfterNames ? 0 : 0x0A)
            return (out, selected)
        case .lines:
            if let plain = plainRegion(batch) { return (plain, selected) }
            if let fast = plainEntries(batch, name: name) { return (fast, selected) }
            out = []
            out.reserveCapacity(batch.storage.count + batch.lineCount * 8)
            if let entries = batch.entries {
                batch.storage.withUnsafeBytes { bytes in
                    for e in entries where failure == nil {
                        appendLine(UnsafeRawBufferPointer(rebasing: bytes[e.range]), name: name, number: e.number,
                                   offset: e.byteOffset, isContext: e.isContext, startsGroup: e.startsGroup)
                    }
                }
            } else {
                for line in batch where failure == nil {
                    line.withUnsafeBytes {
                        appendLine($0, name: name, number: line.number, offset: line.byteOffset, isContext: false, startsGroup: false)
                    }
                }
            }
            return (out, selected)
        }
    }

    /// Selected lines with at most name, number and offset prefixes, no colour: written through
    /// a pointer into a buffer sized once (the common `grep -n` case).
    private func plainEntries(_ batch: LineBatch, name: String) -> [UInt8]? {
        guard let entries = batch.entries, format.colors == nil, format.onlyMatching == nil, !format.nullAfterNames,
              !format.initialTab else { return nil }
        let nameBytes = format.sourceNames ? RawBytes.bytes(name) : []
        let separator = format.groupSeparator.map { Array($0.utf8) } ?? []
        var capacity = 0
        for e in entries { capacity += e.range.count }
        capacity += entries.count * (nameBytes.count + 2 + 22 + 22 + separator.count + 2)
        return batch.storage.withUnsafeBytes { source in
            [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let base = buffer.baseAddress!
                var p = base
                func put(_ bytes: UnsafeRawBufferPointer) {
                    guard let from = bytes.baseAddress, !bytes.isEmpty else { return }
                    UnsafeMutableRawPointer(p).copyMemory(from: from, byteCount: bytes.count)
                    p += bytes.count
                }
                func putDecimal(_ value: Int64) {
                    var v = UInt64(Swift.max(0, value))
                    var digits = 1
                    var t = v
                    while t >= 10 { t /= 10; digits += 1 }
                    var q = p + digits
                    p = q
                    repeat { q -= 1; q.pointee = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10 } while v > 0
                }
                for e in entries {
                    let mark: UInt8 = e.isContext ? 0x2D : 0x3A
                    if e.startsGroup && format.groupSeparator != nil {
                        separator.withUnsafeBytes { put($0) }
                        p.pointee = 0x0A; p += 1
                    }
                    if format.sourceNames { nameBytes.withUnsafeBytes { put($0) }; p.pointee = mark; p += 1 }
                    if format.lineNumbers { putDecimal(Int64(e.number)); p.pointee = mark; p += 1 }
                    if format.byteOffsets { putDecimal(e.byteOffset); p.pointee = mark; p += 1 }
                    put(UnsafeRawBufferPointer(rebasing: source[e.range]))
                    p.pointee = 0x0A; p += 1
                }
                count = p - base
            }
        }
    }

    /// A region batch printed without decoration is its bytes as they are.
    private func plainRegion(_ batch: LineBatch) -> [UInt8]? {
        guard batch.entries == nil, batch.keepsCarriageReturn, !format.sourceNames, !format.lineNumbers, !format.initialTab,
              !format.byteOffsets, format.onlyMatching == nil, format.colors == nil else { return nil }
        let region = batch.region
        if region == batch.storage.indices && batch.storage.last == 0x0A { return batch.storage }
        if region == batch.storage.indices && !format.terminatesLastLine { return batch.storage }
        var bytes = Array(batch.storage[region])
        if bytes.last != 0x0A && format.terminatesLastLine { bytes.append(0x0A) }
        return bytes
    }

    private mutating func appendColored(_ text: some Collection<UInt8>, _ sgr: String?) {
        if let sgr {
            out.append(contentsOf: "\u{1B}[\(sgr)m\u{1B}[K".utf8)
            out.append(contentsOf: text)
            out.append(contentsOf: "\u{1B}[m\u{1B}[K".utf8)
        } else {
            out.append(contentsOf: text)
        }
    }

    private mutating func appendName(_ name: String) {
        // A name that is not valid UTF-8 is printed with its own bytes (see RawBytes).
        if RawBytes.holdsRawBytes(name) { appendColored(RawBytes.bytes(name), format.colors?.fileName) } else { appendColored(name.utf8, format.colors?.fileName) }
    }
    private mutating func appendSeparator(_ s: String) { appendColored(s.utf8, format.colors?.separator) }

    /// Appends the decimal digits of a non-negative number without allocating.
    private mutating func appendDecimal(_ value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { scratch in
            var v = UInt64(Swift.max(0, value))
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[i...]))
        }
    }

    private mutating func appendNumber(_ value: Int64, _ sgr: String?) {
        if let sgr { out.append(contentsOf: "\u{1B}[\(sgr)m\u{1B}[K".utf8) }
        if format.initialTab {
            var digits = 1
            var v = Swift.max(0, value)
            while v >= 10 { v /= 10; digits += 1 }
            if fieldWidth > digits { out.append(contentsOf: repeatElement(0x20, count: fieldWidth - digits)) }
        }
        appendDecimal(value)
        if sgr != nil { out.append(contentsOf: "\u{1B}[m\u{1B}[K".utf8) }
    }

    private mutating func appendSeparator(_ byte: UInt8) {
        if let sgr = format.colors?.separator {
            appendColored(CollectionOfOne(byte), sgr)
        } else {
            out.append(byte)
        }
    }

    private mutating func appendPrefix(name: String, number: Int, offset: Int64, separator: UInt8, lineIsEmpty: Bool) {
        if format.sourceNames { appendName(name); appendNameEnd(separator) }
        if format.initialTab && fieldWidthSource != .some(name) {
            fieldWidthSource = .some(name)
            fieldWidth = format.fieldWidth?(name) ?? 0
        }
        if format.lineNumbers { appendNumber(Int64(number), format.colors?.lineNumber); appendSeparator(separator) }
        if format.byteOffsets { appendNumber(offset, format.colors?.byteOffset); appendSeparator(separator) }
        if format.initialTab && !lineIsEmpty && (format.sourceNames || format.lineNumbers || format.byteOffsets) { out.append(0x09) }
    }

    /// What follows a source's name: `separator`, or a NUL with ``PrintFormat/nullAfterNames``.
    private mutating func appendNameEnd(_ separator: UInt8) {
        if format.nullAfterNames { out.append(0) } else { appendSeparator(separator) }
    }

    /// The extents of `pattern` in a line; those found before the regex engine gave up, with
    /// ``failure`` set.
    private mutating func ranges(of pattern: GrepPattern, in line: UnsafeRawBufferPointer, number: Int, offset: Int64,
                                    name: String) -> [Range<Int>] {
        var found: [Range<Int>] = []
        do {
            try pattern.matchRanges(in: line, lineNumber: number, byteOffset: offset, found: &found)
        } catch {
            failure = error.naming(name)
        }
        return found
    }

    private mutating func appendLine(_ line: UnsafeRawBufferPointer, name: String, number: Int, offset: Int64,
                                     isContext: Bool, startsGroup: Bool) {
        if let only = format.onlyMatching {
            if startsGroup, let separator = format.groupSeparator { appendSeparator(separator); out.append(0x0A) }
            guard isContext == format.matchesOfContextLines else { return }
            for r in ranges(of: only, in: line, number: number, offset: offset, name: name) {
                appendPrefix(name: name, number: number, offset: offset + Int64(r.lowerBound), separator: isContext ? 0x2D : 0x3A,
                             lineIsEmpty: r.isEmpty)
                appendColored(UnsafeRawBufferPointer(rebasing: line[r]), format.colors?.match)
                out.append(0x0A)
            }
            return
        }
        if startsGroup, let separator = format.groupSeparator { appendSeparator(separator); out.append(0x0A) }
        appendPrefix(name: name, number: number, offset: offset, separator: isContext ? 0x2D : 0x3A, lineIsEmpty: line.isEmpty)
        if let colors = format.colors, let pattern = format.highlighting {
            var position = 0
            for r in ranges(of: pattern, in: line, number: number, offset: offset, name: name) {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[position..<r.lowerBound]))
                appendColored(UnsafeRawBufferPointer(rebasing: line[r]), isContext ? colors.contextMatch : colors.match)
                position = r.upperBound
            }
            // (GNU grep stops where its matcher gave up: the rest of the line is not printed.)
            if failure != nil { return }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[position...]))
        } else {
            out.append(contentsOf: line)
        }
        out.append(0x0A)
    }
}
