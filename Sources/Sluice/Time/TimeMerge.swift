#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Several logs interleaved by record time, as `sort -m` would interleave them if it could read
/// their timestamps: each source's records (a line with a timestamp and the lines without one
/// after it, see ``LogTime``) come out whole, the earliest first; equal times come out in the
/// order the sources are given (stable), and each source's own order is kept even where it is
/// not in time order. Lines before a source's first timestamp count as earliest.
///
/// Memory is bounded: each source holds the one batch it is being merged from (its chunk, about
/// 1 MiB from ``InputFiles``, plus at most one line longer than that) and whatever its own
/// reader buffers ahead; the output is built about `outputBytes` at a time (plus one record) and
/// handed on. So N sources hold about `N × (batch + read-ahead) + outputBytes`. With `labels`,
/// each output line starts with its source's name and a colon, as `grep -H` writes it.
///
/// The merged batches are region batches of the output bytes: lines are numbered from 1 in
/// output order and their byte offsets are offsets in the merged output (as `sort -m | grep -b`
/// counts them), not in their sources.
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
    ///
    /// Batch-synchronous: each source is awaited once per batch it yields; within the held
    /// batches the merge is plain code. The source with the earliest head record is drained
    /// while its next record still sorts before every other head (a binary heap over the heads
    /// gives that bound), and each run of consecutive lines taken from one region batch is
    /// copied into the output with one `memcpy`.
    public struct Iterator: AsyncIteratorProtocol {
        private let inputs: [Input]
        private let labels: Bool
        private let outputBytes: Int
        private var started = false
        private var nextNumber = 1
        private var outputOffset: Int64 = 0
        /// The inputs with a head line waiting, keyed by (head time, input index).
        private var heap = HeadHeap()

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
                for i in inputs.indices where try await inputs[i].load(isolation: actor) {
                    heap.push(inputs[i].timeAtPosition(), i)
                }
            }
            var out = Output(capacity: outputBytes, labels: labels)
            while out.bytes.count < outputBytes, let (_, p) = heap.popMin() {
                let bound = heap.min ?? (Int64.max, Int.max)
                let input = inputs[p]
                var takesHead = true
                while true {
                    if let t = input.drain(index: p, before: bound, takesHead: &takesHead, into: &out) {
                        heap.push(t, p)
                        break
                    }
                    guard try await input.load(isolation: actor) else { break }
                }
            }
            guard out.lines > 0 else { return nil }
            let batch = LineBatch(storage: out.bytes, region: 0..<out.bytes.count, firstLineNumber: nextNumber,
                                  lineCount: out.lines, firstByteOffset: outputOffset, keepsCarriageReturn: true, sourceName: nil)
            nextNumber += out.lines
            outputOffset += Int64(out.bytes.count)
            return batch
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        /// The merged bytes being built: whole lines, each ending with LF.
        struct Output {
            var bytes: [UInt8] = []
            var lines = 0
            let capacity: Int
            let labels: Bool

            init(capacity: Int, labels: Bool) {
                self.capacity = capacity
                self.labels = labels
                bytes.reserveCapacity(capacity + 4096)
            }

            /// One line's content, after its label when labelled.
            mutating func appendLine(_ p: UnsafePointer<UInt8>, _ count: Int, label: [UInt8]) {
                if labels { bytes.append(contentsOf: label) }
                bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
                bytes.append(0x0A)
                lines += 1
            }

            /// Consecutive whole lines (`lines` of them), with an LF added after a last line without one.
            mutating func appendRun(_ p: UnsafePointer<UInt8>, _ count: Int, lines: Int) {
                bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
                if p[count - 1] != 0x0A { bytes.append(0x0A) }
                self.lines += lines
            }
        }

        /// One source and the batch of it being merged (a class: the merge works on it in place).
        final class Input {
            var iterator: any AsyncIteratorProtocol<LineBatch, any Error>
            var storage: [UInt8] = []
            /// The listed lines of the batch, when it lists them.
            var entries: [LineBatch.Entry]?
            /// The start of the next line of a region batch, or the index of the next entry.
            var position = 0
            /// The end of the region, or the number of entries.
            var end = 0
            var keepsCarriageReturn = true
            let label: [UInt8]
            let parser: LogTime

            init(iterator: any AsyncIteratorProtocol<LineBatch, any Error>, label: [UInt8], parser: LogTime) {
                self.iterator = iterator
                self.label = label
                self.parser = parser
            }

            /// Reads the next batch with a line; `false` at the end of the source.
            func load(isolation actor: isolated (any Actor)?) async throws -> Bool {
                while let batch = try await iterator.next(isolation: actor) {
                    if batch.endsSource || batch.isEmpty { continue }
                    storage = batch.storage
                    entries = batch.entries
                    position = entries == nil ? batch.region.lowerBound : 0
                    end = entries?.count ?? batch.region.upperBound
                    keepsCarriageReturn = batch.keepsCarriageReturn
                    return true
                }
                storage = []
                entries = nil
                return false
            }

            /// The time of the line at `position` (`Int64.min` without one: it sorts first).
            func timeAtPosition() -> Int64 {
                storage.withUnsafeBufferPointer { buffer -> Int64 in
                    guard let base = buffer.baseAddress, position < end else { return LogTime.none }
                    let (start, count): (Int, Int)
                    if let entries {
                        (start, count) = (entries[position].range.lowerBound, entries[position].range.count)
                    } else {
                        (start, count) = (position, lineEnd(base, position).0 - position)
                    }
                    return count >= 6 ? parser.instant(base + start, count) : LogTime.none
                }
            }

            /// The end of the region line starting at `start` (before its LF, and before a CR the
            /// batch drops) and the start of the line after it.
            @inline(__always)
            private func lineEnd(_ base: UnsafePointer<UInt8>, _ start: Int) -> (Int, Int) {
                let lf = memchr(base + start, 0x0A, end - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? end
                var contentEnd = lf
                if !keepsCarriageReturn && contentEnd > start && base[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                return (contentEnd, lf < end ? lf + 1 : end)
            }

            /// Passes on lines from `position`: the head line first when `takesHead`, then every
            /// line without a timestamp and every line whose time (this input's `index` breaking a
            /// tie) sorts before `bound`, up to a record boundary once `out` is full. Returns the
            /// time of the line it stops at (the new head, left at `position`), or `nil` when the
            /// batch is used up.
            func drain(index: Int, before bound: (Int64, Int), takesHead: inout Bool, into out: inout Output) -> Int64? {
                let storage = self.storage
                let entries = self.entries
                let end = self.end
                // Lines of a region batch whose ending is kept go out as runs, without a per-line copy.
                let copiesRuns = entries == nil && keepsCarriageReturn && !out.labels
                var position = self.position
                var stop: Int64?
                storage.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    let runStart = position
                    var runLines = 0
                    while position < end {
                        let start: Int, count: Int, next: Int
                        if let entries {
                            let e = entries[position]
                            (start, count, next) = (e.range.lowerBound, e.range.count, position + 1)
                        } else {
                            let (contentEnd, after) = lineEnd(base, position)
                            (start, count, next) = (position, contentEnd - position, after)
                        }
                        if !takesHead, count >= 6 {
                            let t = parser.instant(base + start, count)
                            if t != LogTime.none {
                                let pending = copiesRuns ? position - runStart : 0
                                if t > bound.0 || (t == bound.0 && index > bound.1) || out.bytes.count + pending >= out.capacity {
                                    stop = t
                                    break
                                }
                            }
                        }
                        takesHead = false
                        if copiesRuns { runLines += 1 } else { out.appendLine(base + start, count, label: label) }
                        position = next
                    }
                    if copiesRuns && runLines > 0 { out.appendRun(base + runStart, position - runStart, lines: runLines) }
                }
                self.position = position
                return stop
            }
        }

        /// A binary min-heap of (time, input index) pairs.
        struct HeadHeap {
            private var items: [(Int64, Int)] = []

            var min: (Int64, Int)? { items.first }

            mutating func push(_ time: Int64, _ index: Int) {
                items.append((time, index))
                var i = items.count - 1
                while i > 0 {
                    let parent = (i - 1) / 2
                    guard items[i] < items[parent] else { break }
                    items.swapAt(i, parent)
                    i = parent
                }
            }

            mutating func popMin() -> (Int64, Int)? {
                guard !items.isEmpty else { return nil }
                let top = items[0]
                let last = items.removeLast()
                guard !items.isEmpty else { return top }
                items[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < items.count && items[l] < items[m] { m = l }
                    if r < items.count && items[r] < items[m] { m = r }
                    guard m != i else { break }
                    items.swapAt(i, m)
                    i = m
                }
                return top
            }
        }
    }
}
