import Synchronization

extension AsyncSequence where Element == LineBatch {
    /// Turns lines into output bytes the way GNU grep prints them: optional file-name, line-number
    /// and byte-offset prefixes (`:` after selected lines, `-` after context lines), `--` between
    /// context groups, only the matches (`-o`), colour, or per-source counts and file lists.
    /// Every line ends with LF, even a last line that had none.
    public func printed(_ format: PrintFormat, statistics: PrintStatistics = PrintStatistics())
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
    /// Highlight the matches of this pattern in selected lines (with `colors`).
    public var highlighting: GrepPattern?
    /// Colours for matches, names, numbers and separators; `nil` prints no escape sequences.
    public var colors: OutputColors?
    /// Printed between groups of context lines.
    public var groupSeparator: String? = "--"

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

/// What a printer saw, readable once printing is done (for the exit status).
public final class PrintStatistics: Sendable {
    private let selected = Atomic(0)
    public init() {}
    /// How many selected lines (not context) reached the printer.
    public var selectedLines: Int { selected.load(ordering: .relaxed) }
    func add(_ n: Int) { selected.add(n, ordering: .relaxed) }
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

        init(base: Base.AsyncIterator, printer: LinePrinter, statistics: PrintStatistics) {
            self.base = base
            self.printer = printer
            self.statistics = statistics
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while let batch = try await base.next(isolation: actor) {
                let (bytes, selected) = printer.print(batch)
                statistics.add(selected)
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

    init(format: PrintFormat) { self.format = format }

    private static let standardInput = "(standard input)"

    /// The bytes for `batch` and how many selected lines it held.
    mutating func print(_ batch: LineBatch) -> ([UInt8], Int) {
        let name = batch.sourceName ?? Self.standardInput
        if batch.endsSource {
            defer { selectedInSource = 0 }
            out = []
            switch format.mode {
            case .count:
                if format.sourceNames { appendName(name); appendSeparator(":") }
                out.append(contentsOf: String(selectedInSource).utf8)
                out.append(0x0A)
            case .sourcesWithoutLines where selectedInSource == 0:
                appendName(name); out.append(0x0A)
            default: break
            }
            return (out, 0)
        }
        let selected = batch.entries.map { $0.reduce(0) { $0 + ($1.isContext ? 0 : 1) } } ?? batch.lineCount
        let before = selectedInSource
        selectedInSource += selected
        switch format.mode {
        case .count, .sourcesWithoutLines:
            return ([], selected)
        case .sourcesWithLines:
            guard before == 0 && selected > 0 else { return ([], selected) }
            out = []
            appendName(name); out.append(0x0A)
            return (out, selected)
        case .lines:
            if let plain = plainRegion(batch) { return (plain, selected) }
            out = []
            out.reserveCapacity(batch.storage.count + batch.lineCount * 8)
            if let entries = batch.entries {
                batch.storage.withUnsafeBytes { bytes in
                    for e in entries {
                        appendLine(UnsafeRawBufferPointer(rebasing: bytes[e.range]), name: name, number: e.number,
                                   offset: e.byteOffset, isContext: e.isContext, startsGroup: e.startsGroup)
                    }
                }
            } else {
                for line in batch {
                    line.withUnsafeBytes {
                        appendLine($0, name: name, number: line.number, offset: line.byteOffset, isContext: false, startsGroup: false)
                    }
                }
            }
            return (out, selected)
        }
    }

    /// A region batch printed without decoration is its bytes as they are.
    private func plainRegion(_ batch: LineBatch) -> [UInt8]? {
        guard batch.entries == nil, batch.keepsCarriageReturn, !format.sourceNames, !format.lineNumbers,
              !format.byteOffsets, format.onlyMatching == nil, format.colors == nil else { return nil }
        let region = batch.region
        if region == batch.storage.indices && batch.storage.last == 0x0A { return batch.storage }
        var bytes = Array(batch.storage[region])
        if bytes.last != 0x0A { bytes.append(0x0A) }
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

    private mutating func appendName(_ name: String) { appendColored(Array(name.utf8), format.colors?.fileName) }
    private mutating func appendSeparator(_ s: String) { appendColored(Array(s.utf8), format.colors?.separator) }

    private mutating func appendPrefix(name: String, number: Int, offset: Int64, separator: String) {
        if format.sourceNames { appendName(name); appendSeparator(separator) }
        if format.lineNumbers { appendColored(Array(String(number).utf8), format.colors?.lineNumber); appendSeparator(separator) }
        if format.byteOffsets { appendColored(Array(String(offset).utf8), format.colors?.byteOffset); appendSeparator(separator) }
    }

    private mutating func appendLine(_ line: UnsafeRawBufferPointer, name: String, number: Int, offset: Int64,
                                     isContext: Bool, startsGroup: Bool) {
        if let only = format.onlyMatching {
            guard !isContext else { return }
            for r in only.matchRanges(in: line) {
                appendPrefix(name: name, number: number, offset: offset + Int64(r.lowerBound), separator: ":")
                appendColored(UnsafeRawBufferPointer(rebasing: line[r]), format.colors?.match)
                out.append(0x0A)
            }
            return
        }
        if startsGroup, let separator = format.groupSeparator { appendSeparator(separator); out.append(0x0A) }
        appendPrefix(name: name, number: number, offset: offset, separator: isContext ? "-" : ":")
        if let colors = format.colors, let pattern = format.highlighting {
            var position = 0
            for r in pattern.matchRanges(in: line) {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[position..<r.lowerBound]))
                appendColored(UnsafeRawBufferPointer(rebasing: line[r]), isContext ? colors.contextMatch : colors.match)
                position = r.upperBound
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[position...]))
        } else {
            out.append(contentsOf: line)
        }
        out.append(0x0A)
    }
}
