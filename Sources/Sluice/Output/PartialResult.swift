extension AsyncSequence where Element == LineBatch {
    /// The stream's count as a partial result (JSON Lines) that
    /// ``_Concurrency/AsyncSequence/combinedPartials(statistics:)`` adds to the partial results
    /// of the other splits and files of a job, into what one process over all of them prints.
    ///
    /// `result` says what is counted (``PartialResult/Kind/count``: the lines, as
    /// ``_Concurrency/AsyncSequence/countPrinted(statistics:)``; ``PartialResult/Kind/grepCount``:
    /// the selected lines of each source, as `grep -c`) and describes the inputs; it is written
    /// as the first line. Then one record per source (its end marker), the faults carried in the
    /// stream (also handed to `statistics`, as the printers do), and a closing record with the
    /// number of records, so that a result cut short is told from a whole one.
    public func partialResult(_ result: PartialResult, statistics: PrintStatistics = PrintStatistics())
        -> AsyncPartialResultSequence<Self> {
        AsyncPartialResultSequence(base: self, result: result, statistics: statistics)
    }
}

/// What a partial result is of: written as its first line, and compared by
/// ``_Concurrency/AsyncSequence/combinedPartials(statistics:)`` with the others'.
///
/// The first line of a partial result is a JSON object:
///
///     {"sluice":"partial","version":1,"kind":"grep-count","pipeline":["grep","-c","ERROR"],
///      "file_names":"auto","null_after_names":false,"max_count":null,"binary_as_text":false,
///      "keys":[],"top":null,"json":false,"split":{"part":3,"of":8},
///      "inputs":[{"input":0,"path":"app.log","size":1048576}]}
///
/// then records, one JSON object a line: `{"input":I,"count":N}` (the selected lines of input
/// I, `"binary":true` when it held a NUL byte), `{"input":I,"lines":N,"open":B}` (the lines of
/// input I, `open` when its last one has no line feed), `{"lines":N,"open":B}` (the lines of
/// a stream that names no input), `{"key":[CELL,...],"count":N}` (a row of `count --by`; a
/// cell is `null` for a missing key, a string, `{"base64":...}` for bytes that are not UTF-8,
/// `{"json":...}` or `{"json_base64":...}` for a JSON value's text),
/// `{"error":MESSAGE,"input":I}` (a fault, as the process printed it; `"before":true` when it
/// came before input I rather than from it), and last `{"end":R}`, R the number of records.
public struct PartialResult: Sendable, Equatable {
    /// What is counted.
    public enum Kind: String, Sendable {
        /// The lines of the stream (`count`).
        case count
        /// The selected lines of each source (`grep -c`).
        case grepCount = "grep-count"
        /// The lines per key (`count --by`).
        case countBy = "count-by"
    }

    /// Whether `grep -c`'s lines are prefixed with the file name.
    public enum FileNames: String, Sendable {
        /// When there is more than one input in all (GNU grep's rule).
        case auto
        /// Always (`-H`, or a directory searched with `-r`).
        case always
        /// Never (`-h`).
        case never
    }

    /// One input of the process that made the result.
    public struct Input: Sendable, Equatable {
        /// Its position among all the inputs of the job (the order one process reads them in).
        public var index: Int
        /// Its name as printed.
        public var path: String
        /// Its size in bytes when it is a regular file (splits are byte ranges of it).
        public var size: Int64?
        public init(index: Int, path: String, size: Int64?) {
            self.index = index
            self.path = path
            self.size = size
        }
    }

    public var kind: Kind
    /// The words of the pipeline without its files and split options: results combine only
    /// when these are the same (the same pattern, keys and options).
    public var pipeline: [String]
    public var fileNames = FileNames.auto
    /// `grep -Z`: a NUL after the file name instead of `:`.
    public var nullAfterNames = false
    /// `grep -m N`: at most N per input (applied again to the sum).
    public var maxCount: Int?
    /// Binary files are read as text (`grep -a`): their counts do not depend on where a split starts.
    public var binaryAsText = false
    /// The names of the keys (`count --by`).
    public var keys: [String] = []
    /// `count --by --top N`: applied once the rows are combined (a partial result holds them all).
    public var top: Int?
    /// `count --by --json`.
    public var json = false
    /// The split of every input that was read (`nil`: the whole inputs).
    public var split: InputSplit?
    /// The inputs, in order.
    public var inputs: [Input] = []
    /// The counts are per input (a first stage); otherwise of the one stream a later stage
    /// reads, which names no input (`sluice cat FILE... then grep -c`).
    public var perInput = true

    public init(kind: Kind, pipeline: [String]) {
        self.kind = kind
        self.pipeline = pipeline
    }

    /// Whether `other` holds counts of the same thing, printed the same way (all but the inputs and split).
    func combines(with other: PartialResult) -> Bool {
        var a = self, b = other
        a.split = nil; a.inputs = []; b.split = nil; b.inputs = []
        return a == b
    }

    /// The first line of the result.
    var headerLine: [UInt8] {
        var w = PartialWriter()
        w.raw("{\"sluice\":\"partial\",\"version\":1,\"kind\":")
        w.string(kind.rawValue)
        w.raw(",\"pipeline\":[")
        for (i, word) in pipeline.enumerated() { if i > 0 { w.raw(",") }; w.string(word) }
        w.raw("],\"file_names\":"); w.string(fileNames.rawValue)
        w.raw(",\"null_after_names\":\(nullAfterNames),\"max_count\":\(maxCount.map(String.init) ?? "null")")
        w.raw(",\"binary_as_text\":\(binaryAsText),\"per_input\":\(perInput),\"keys\":[")
        for (i, key) in keys.enumerated() { if i > 0 { w.raw(",") }; w.string(key) }
        w.raw("],\"top\":\(top.map(String.init) ?? "null"),\"json\":\(json),\"split\":")
        switch split?.kind {
        case nil: w.raw("null")
        case let .part(index, count)?: w.raw("{\"part\":\(index),\"of\":\(count)}")
        case let .bytes(offset, length)?: w.raw("{\"offset\":\(offset),\"length\":\(length)}")
        }
        w.raw(",\"inputs\":[")
        for (i, input) in inputs.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"input\":\(input.index),\"path\":"); w.string(input.path)
            w.raw(",\"size\":\(input.size.map(String.init) ?? "null")}")
        }
        w.raw("]}\n")
        return w.bytes
    }
}

/// Writes the records of a partial result.
struct PartialWriter {
    var bytes: [UInt8] = []
    /// Records written since the header.
    var records = 0

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }
    mutating func string(_ text: String) { Array(text.utf8).withUnsafeBytes { JSONText.appendQuoted($0, to: &bytes) } }
    /// Bytes as a JSON string when they are UTF-8, else `{"NAME":"BASE64"}`.
    mutating func bytesValue(_ value: [UInt8], base64Name: String) {
        value.withUnsafeBytes { p in
            if JSONWriter.isValidUTF8(p) {
                JSONText.appendQuoted(p, to: &bytes)
            } else {
                raw("{\"\(base64Name)\":\"")
                JSONWriter.appendBase64(p, to: &bytes)
                raw("\"}")
            }
        }
    }
    /// One record: `body` writes its fields inside the braces.
    mutating func record(_ body: (inout PartialWriter) -> Void) {
        raw("{")
        body(&self)
        raw("}\n")
        records += 1
    }
    mutating func error(_ failure: SluiceError, input: Int?, before: Bool) {
        record { w in
            w.raw("\"error\":"); w.string(failure.description)
            if let input { w.raw(",\"input\":\(input)") }
            if before { w.raw(",\"before\":true") }
        }
    }
    mutating func end() { raw("{\"end\":\(records)}\n") }
}

/// Per source of a stream: its position, and what a partial result records of it.
struct SourceTally {
    /// The index of the next source among the job's inputs.
    var next: Int
    var lines = 0
    var selected = 0
    var open = false
    var binary = false
    /// Lines seen since the last end marker (or since the stream began).
    var sawLines = false
    /// The selected lines of every source so far.
    var selectedTotal = 0
    /// Sources are not told apart: one record at the end.
    let perInput: Bool

    init(firstIndex: Int, perInput: Bool) {
        next = firstIndex
        self.perInput = perInput
    }

    /// Takes a batch of lines (not a marker).
    mutating func add(_ batch: LineBatch) {
        guard batch.lineCount > 0 else { return }
        sawLines = true
        lines += batch.lineCount
        let n = batch.selectedLineCount
        selected += n
        selectedTotal += n
        if batch.entries == nil, !batch.region.isEmpty { open = batch.storage[batch.region.upperBound - 1] != 0x0A }
    }

    /// Takes one batch of the stream a partial result is made from: a marker writes the record
    /// of the source it ends (and its fault), a batch of lines is tallied, and a failure carried
    /// by lines is written as the job's error record. Every partial-result sink calls this.
    mutating func take(_ batch: LineBatch, _ kind: PartialResult.Kind, to w: inout PartialWriter) {
        if batch.endsSource {
            record(batch, kind, to: &w)
        } else {
            add(batch)
            if let failure = batch.failure { w.error(failure, input: nil, before: false) }
        }
    }

    /// Ends the current source at its marker (`grep -c`'s rules for binary ones); returns its
    /// index, or `nil` for a notice that is no input (a directory walk's message).
    mutating func end(_ marker: LineBatch) -> Int? {
        if marker.isNotice && marker.sourceName == nil { return nil }
        if marker.skippedAsBinary { selectedTotal -= selected; selected = 0 } else if marker.binaryMatch { selected += 1; selectedTotal += 1 }
        binary = binary || marker.isBinarySource
        defer { next += 1 }
        return next
    }

    mutating func reset() { lines = 0; selected = 0; open = false; binary = false; sawLines = false }

    /// Writes the record of the source that just ended (`index`), then resets.
    mutating func write(_ index: Int, _ kind: PartialResult.Kind, to w: inout PartialWriter) {
        let (lines, selected, open, binary) = (self.lines, self.selected, self.open, self.binary)
        switch kind {
        case .grepCount:
            w.record { $0.raw("\"input\":\(index),\"count\":\(selected)" + (binary ? ",\"binary\":true" : "")) }
        case .count, .countBy:
            w.record { $0.raw("\"input\":\(index),\"lines\":\(lines),\"open\":\(open)") }
        }
        reset()
    }

    /// Records a marker: the source's record (unless it is a notice of a source that could not
    /// be read), then its fault.
    mutating func record(_ marker: LineBatch, _ kind: PartialResult.Kind, to w: inout PartialWriter) {
        let wasNotice = marker.isNotice
        guard perInput else {
            // One unnamed stream: its end markers only adjust the count.
            if !wasNotice { _ = end(marker) }
            if let failure = marker.failure { w.error(failure, input: nil, before: false) }
            return
        }
        guard let index = end(marker) else {
            if let failure = marker.failure { w.error(failure, input: next, before: true) }
            return
        }
        if wasNotice { reset() } else { write(index, kind, to: &w) }
        if let failure = marker.failure { w.error(failure, input: index, before: false) }
    }

    /// At the end of the stream: the lines that no end marker closed (a stream that names no input).
    mutating func finish(_ kind: PartialResult.Kind, to w: inout PartialWriter) {
        guard !perInput || (sawLines && kind != .grepCount) else { return }
        if kind == .grepCount {
            let (selected, binary) = (self.selected, self.binary)
            w.record { $0.raw("\"count\":\(selected)" + (binary ? ",\"binary\":true" : "")) }
            return
        }
        let (lines, open) = (self.lines, self.open)
        w.record { $0.raw("\"lines\":\(lines),\"open\":\(open)") }
    }
}

/// A stream's count as a partial result; see ``_Concurrency/AsyncSequence/partialResult(_:statistics:)``.
public struct AsyncPartialResultSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let result: PartialResult
    let statistics: PrintStatistics

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Counts the whole stream, then yields the result in one chunk.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let s: AsyncPartialResultSequence
        private var tally: SourceTally
        private var writer = PartialWriter()
        private var done = false
        private var pendingError: (any Error)?

        init(_ s: AsyncPartialResultSequence) {
            base = s.base.makeAsyncIterator()
            self.s = s
            tally = SourceTally(firstIndex: s.result.inputs.first?.index ?? 0, perInput: s.result.perInput)
            writer.bytes = s.result.headerLine
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            guard !done else {
                if let error = pendingError { pendingError = nil; throw error }
                return nil
            }
            do {
                while let batch = try await base.next(isolation: actor) {
                    tally.take(batch, s.result.kind, to: &writer)
                    if batch.endsSource, let message = batch.message { s.statistics.addMessage(message) }
                    if let failure = batch.failure {
                        s.statistics.addFailure(failure)
                        return []
                    }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // No closing record: combine refuses a result whose process failed part way.
                pendingError = error
                done = true
                return []
            }
            done = true
            tally.finish(s.result.kind, to: &writer)
            s.statistics.add(tally.selectedTotal)
            writer.end()
            return writer.bytes
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

extension AsyncPartialResultSequence: Sendable where Base: Sendable {}
