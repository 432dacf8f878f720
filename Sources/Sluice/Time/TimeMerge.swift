/// Several logs interleaved by record time, as `sort -m` would interleave them if it could read
/// their timestamps: each source's records (a line with a timestamp and the lines without one
/// after it, see ``LogTime``) come out whole, the earliest first; equal times come out in the
/// order the sources are given (stable), and each source's own order is kept even where it is
/// not in time order. Lines before a source's first timestamp count as earliest.
///
/// Memory is bounded: one batch per source is held (its record in progress), and output is
/// built about `outputBytes` at a time, copied from the sources' buffers. With `labels`, each
/// output line starts with its source's name and a colon, as `grep -H` writes it.
///
///     let merged = AsyncTimeMergedLineSources([("a.log", a), ("b.log", b)], parser: LogTime())
public struct AsyncTimeMergedLineSources: AsyncSequence, Sendable {
    public typealias Element = LineBatch
    public typealias Failure = any Error
    /// A named stream of lines.
    public typealias Source = (name: String, lines: any AsyncSequence<LineBatch, any Error> & Sendable)

    let sources: [Source]
    let parsers: [LogTime]
    let labels: Bool
    let outputBytes: Int

    /// Merges `sources`, whose timestamps `parser` reads.
    public init(_ sources: [Source], parser: LogTime, labels: Bool = false, outputBytes: Int = 1 << 20) {
        self.init(sources, parsers: sources.map { _ in parser }, labels: labels, outputBytes: outputBytes)
    }

    /// Merges `sources`, each read by its own parser (its own reference year, say).
    public init(_ sources: [Source], parsers: [LogTime], labels: Bool = false, outputBytes: Int = 1 << 20) {
        precondition(parsers.count == sources.count, "one parser per source")
        self.sources = sources
        self.parsers = parsers
        self.labels = labels
        self.outputBytes = Swift.max(1, outputBytes)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Yields batches of merged lines (numbered from 1 in output order).
    public struct Iterator: AsyncIteratorProtocol {
        struct Input {
            var iterator: any AsyncIteratorProtocol<LineBatch, any Error>
            var lines = LineBatch.Iterator()
            var head: Line?
            var headTime = Int64.min
            var done = false
            let label: [UInt8]
            let parser: LogTime
        }

        private var inputs: [Input]
        private let labels: Bool
        private let outputBytes: Int
        private var started = false
        private var keepsCarriageReturn = true
        private var nextNumber = 1
        private var storage: [UInt8] = []
        private var entries: [LineBatch.Entry] = []

        init(_ s: AsyncTimeMergedLineSources) {
            inputs = zip(s.sources, s.parsers).map { source, parser in
                Input(iterator: source.lines.makeAsyncIterator(), label: Array(source.name.utf8) + [0x3A], parser: parser)
            }
            labels = s.labels
            outputBytes = s.outputBytes
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if !started {
                started = true
                for i in inputs.indices {
                    if let line = try await nextLine(i, isolation: actor) {
                        inputs[i].head = line
                        inputs[i].headTime = inputs[i].parser.parse(line) ?? Int64.min
                    } else {
                        inputs[i].done = true
                    }
                }
            }
            storage = []
            storage.reserveCapacity(outputBytes + 4096)
            entries = []
            while storage.count < outputBytes {
                // The earliest head; the first source wins a tie.
                var pick = -1
                var best = Int64.max
                for i in inputs.indices where !inputs[i].done {
                    if pick < 0 || inputs[i].headTime < best { pick = i; best = inputs[i].headTime }
                }
                guard pick >= 0 else { break }
                // The record: its first line, then the lines without a timestamp after it.
                append(inputs[pick].head!, label: inputs[pick].label)
                while true {
                    guard let line = try await nextLine(pick, isolation: actor) else {
                        inputs[pick].done = true
                        inputs[pick].head = nil
                        break
                    }
                    if let t = inputs[pick].parser.parse(line) {
                        inputs[pick].head = line
                        inputs[pick].headTime = t
                        break
                    }
                    append(line, label: inputs[pick].label)
                }
            }
            guard !entries.isEmpty else { return nil }
            return LineBatch(storage: storage, entries: entries, keepsCarriageReturn: keepsCarriageReturn)
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        /// The next line of input `i`, reading its next batch when needed.
        private mutating func nextLine(_ i: Int, isolation actor: isolated (any Actor)?) async throws -> Line? {
            while true {
                if let line = inputs[i].lines.next() { return line }
                guard let batch = try await inputs[i].iterator.next(isolation: actor) else { return nil }
                if batch.endsSource || batch.isEmpty { continue }
                keepsCarriageReturn = batch.keepsCarriageReturn
                inputs[i].lines = batch.makeIterator()
            }
        }

        private mutating func append(_ line: Line, label: [UInt8]) {
            let start = storage.count
            if labels { storage.append(contentsOf: label) }
            line.withUnsafeBytes { storage.append(contentsOf: $0) }
            entries.append(.init(range: start..<storage.count, number: nextNumber, byteOffset: line.byteOffset,
                                 isContext: false, startsGroup: false))
            nextNumber += 1
        }
    }
}
