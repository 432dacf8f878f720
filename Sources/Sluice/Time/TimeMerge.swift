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
/// 1 MiB from ``InputFiles``, plus at most one line longer than that), the next batch, whose
/// timestamps are read ahead in a task of the source's own (two batches with their times: 24
/// bytes per line with a timestamp), and whatever its own reader buffers ahead; the output is
/// built about `outputBytes` at a time (plus one record) and handed on. So N sources hold about
/// `N × (3 batches + read-ahead) + outputBytes`. With `labels`,
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
    /// batches the merge is plain code. Each source's timestamps are read in a task of its own
    /// (`StampedBatches`, one batch ahead), so that the merging task finds a record
    /// boundary and its time in an array instead of reading lines. The source with the earliest
    /// head record is drained while its next record still sorts before every other head (a
    /// binary heap over the heads gives that bound), and each run of consecutive lines taken
    /// from one region batch is copied into the output with one `memcpy`.
    public struct Iterator: AsyncIteratorProtocol {
        private let inputs: [Input]
        private let labels: Bool
        private let outputBytes: Int
        private var started = false
        private var nextNumber = 1
        private var outputOffset: Int64 = 0
        /// The inputs with a head line waiting, keyed by (head time, input index).
        private var heap = HeadHeap()
        /// Notices of the sources' faults and warnings (``LineBatch/isNotice`` markers), passed
        /// on after the lines merged before the source's reading reached them.
        private var notices: [LineBatch] = []

        init(_ s: AsyncTimeMergedLineSources) {
            inputs = zip(s.sources, s.parsers).map { source, parser in
                Input(iterator: StampedBatches(base: source.lines, parser: parser).readAhead(1).makeAsyncIterator(),
                      label: RawBytes.bytes(source.name) + [0x3A])
            }
            labels = s.labels
            outputBytes = s.outputBytes
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if !notices.isEmpty { return notices.removeFirst() }
            if !started {
                started = true
                for i in inputs.indices {
                    let loaded = try await inputs[i].load(isolation: actor)
                    notices += inputs[i].takeNotices()
                    if loaded { heap.push(inputs[i].timeAtPosition(), i) }
                }
                if !notices.isEmpty { return notices.removeFirst() }
            }
            var out = Output(capacity: outputBytes, labels: labels)
            // Built until full, or until a source's notice must follow the lines before it.
            while out.bytes.count < outputBytes, notices.isEmpty, let (_, p) = heap.popMin() {
                let bound = heap.min ?? (Int64.max, Int.max)
                let input = inputs[p]
                var takesHead = true
                while true {
                    if let t = input.drain(index: p, before: bound, takesHead: &takesHead, into: &out) {
                        heap.push(t, p)
                        break
                    }
                    let loaded = try await input.load(isolation: actor)
                    let met = input.takeNotices()
                    if !met.isEmpty {
                        // The notice goes out next; the lines after it wait (a head without
                        // a time continues the record before the notice, and sorts first).
                        notices += met
                        if loaded { heap.push(input.timeAtPosition(), p) }
                        break
                    }
                    guard loaded else { break }
                }
            }
            guard out.lines > 0 else { return notices.isEmpty ? nil : notices.removeFirst() }
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
            var iterator: AsyncReadAheadSequence<StampedBatches>.Iterator
            var storage: [UInt8] = []
            /// The listed lines of the batch, when it lists them.
            var entries: [LineBatch.Entry]?
            /// The start of the next line of a region batch, or the index of the next entry.
            var position = 0
            /// The end of the region, or the number of entries.
            var end = 0
            /// The index in the batch of the line at `position`, and the batch's number of lines.
            var line = 0
            var lineCount = 0
            var keepsCarriageReturn = true
            /// The batch's lines with a timestamp, and the first of them at or after `line`.
            var stamps: [StampedBatch.Stamp] = []
            var stampIndex = 0
            let label: [UInt8]
            /// The notices met by `load` (see ``takeNotices()``).
            private var notices: [LineBatch] = []

            init(iterator: AsyncReadAheadSequence<StampedBatches>.Iterator, label: [UInt8]) {
                self.iterator = iterator
                self.label = label
            }

            /// Reads the next batch with a line (keeping the notices before it); `false` at the
            /// end of the source.
            func load(isolation actor: isolated (any Actor)?) async throws -> Bool {
                while let stamped = try await iterator.next(isolation: actor) {
                    let batch = stamped.batch
                    if batch.isNotice { notices.append(batch); continue }
                    storage = batch.storage
                    entries = batch.entries
                    position = entries == nil ? batch.region.lowerBound : 0
                    end = entries?.count ?? batch.region.upperBound
                    line = 0
                    lineCount = batch.lineCount
                    keepsCarriageReturn = batch.keepsCarriageReturn
                    stamps = stamped.stamps
                    stampIndex = 0
                    return true
                }
                storage = []
                entries = nil
                stamps = []
                return false
            }

            /// The notices `load` met since the last call.
            func takeNotices() -> [LineBatch] {
                defer { notices = [] }
                return notices
            }

            /// The time of the line at `position` (`Int64.min` without one: it sorts first).
            func timeAtPosition() -> Int64 {
                stampIndex < stamps.count && stamps[stampIndex].line == line ? stamps[stampIndex].time : LogTime.none
            }

            /// Passes on lines from `position`: the head line first when `takesHead`, then every
            /// line without a timestamp and every line whose time (this input's `index` breaking a
            /// tie) sorts before `bound`, up to a record boundary once `out` is full. Returns the
            /// time of the line it stops at (the new head, left at `position`), or `nil` when the
            /// batch is used up.
            func drain(index: Int, before bound: (Int64, Int), takesHead: inout Bool, into out: inout Output) -> Int64? {
                var s = stampIndex
                if takesHead && s < stamps.count && stamps[s].line == line { s += 1 }
                takesHead = false
                // Lines of a region batch whose ending is kept go out as runs, found from the
                // stamps alone (no line is read here), each copied at once.
                if entries == nil && keepsCarriageReturn && !out.labels {
                    let runStart = position
                    var stop: Int64?
                    let room = out.capacity - out.bytes.count
                    while s < stamps.count {
                        let stamp = stamps[s]
                        let t = stamp.time
                        if t > bound.0 || (t == bound.0 && index > bound.1) || stamp.start - runStart >= room {
                            stop = t
                            break
                        }
                        s += 1
                    }
                    let (runEnd, endLine) = stop == nil ? (end, lineCount) : (stamps[s].start, stamps[s].line)
                    if runEnd > runStart {
                        storage.withUnsafeBufferPointer { buffer in
                            out.appendRun(buffer.baseAddress! + runStart, runEnd - runStart, lines: endLine - line)
                        }
                    }
                    position = runEnd
                    line = endLine
                    stampIndex = s
                    return stop
                }
                // Line by line (a label before each, a CR dropped, or listed lines).
                var stop: Int64?
                let entries = self.entries
                let end = self.end
                var position = self.position
                var at = self.line
                storage.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    while position < end {
                        if s < stamps.count, stamps[s].line == at {
                            let t = stamps[s].time
                            if t > bound.0 || (t == bound.0 && index > bound.1) || out.bytes.count >= out.capacity {
                                stop = t
                                break
                            }
                            s += 1
                        }
                        if let entries {
                            let e = entries[position]
                            out.appendLine(base + e.range.lowerBound, e.range.count, label: label)
                            position += 1
                        } else {
                            let (contentEnd, after) = lineEnd(base, position)
                            out.appendLine(base + position, contentEnd - position, label: label)
                            position = after
                        }
                        at += 1
                    }
                }
                self.position = position
                self.line = at
                stampIndex = s
                return stop
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

/// A batch of one source of a merge, and its lines that have a timestamp.
struct StampedBatch: Sendable {
    /// A line with a timestamp: its index among the batch's lines, where its bytes start in the
    /// batch's storage, and its instant.
    struct Stamp: Sendable {
        var line: Int
        var start: Int
        var time: Int64
    }

    var batch: LineBatch
    /// In line order.
    var stamps: [Stamp]
}

/// The batches of one source that hold lines, each with the timestamps of its lines read by
/// `parser`, and its notices (a fault or warning carried by an end marker becomes a
/// ``LineBatch/isNotice`` one; other end markers and empty batches are dropped): run ahead of
/// a merge in a task of its own, so that reading timestamps uses another core than the merging.
struct StampedBatches: AsyncSequence, Sendable {
    typealias Element = StampedBatch
    typealias Failure = any Error

    let base: any AsyncSequence<LineBatch, any Error> & Sendable
    let parser: LogTime

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), parser: parser) }

    struct Iterator: AsyncIteratorProtocol {
        var base: any AsyncIteratorProtocol<LineBatch, any Error>
        let parser: LogTime
        /// Whether the source has a stamped line yet: until it has, its batches are held (at most
        /// ``TimestampPresence/limit`` bytes), and a source without one fails rather than being
        /// merged as lines of no time (see ``TimestampPresence``).
        var presence = TimestampPresence()
        var held: [StampedBatch] = []
        var ready: [StampedBatch] = []
        var failed = false
        var sourceName: String?

        init(base: any AsyncIteratorProtocol<LineBatch, any Error>, parser: LogTime) {
            self.base = base
            self.parser = parser
        }

        /// The source has no timestamp (`atEnd`: at all; else in its first MiB): its held lines
        /// are dropped and a notice says why.
        mutating func fail(atEnd: Bool) -> StampedBatch {
            held = []
            failed = !atEnd
            presence = TimestampPresence()
            return StampedBatch(batch: .notice(TimestampPresence.failure(sourceName, atEnd: atEnd), source: sourceName), stamps: [])
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> StampedBatch? {
            if !ready.isEmpty { return ready.removeFirst() }
            while !failed, let batch = try await base.next(isolation: actor) {
                if batch.sourceName != nil { sourceName = batch.sourceName }
                if batch.isNotice {
                    let notice = StampedBatch(batch: batch, stamps: [])
                    if !held.isEmpty { held.append(notice); continue }
                    return notice
                }
                if batch.endsSource {
                    if presence.failsAtEnd {
                        ready = batch.asNotice.map { [StampedBatch(batch: $0, stamps: [])] } ?? []
                        return fail(atEnd: true)
                    }
                    if let notice = batch.asNotice { return StampedBatch(batch: notice, stamps: []) }
                    if batch.binaryMatch {  // a grep before the merge (as `Piped` passes it on)
                        let text = "\(batch.sourceName ?? "(standard input)"): binary file matches"
                        return StampedBatch(batch: .notice(message: text, source: nil), stamps: [])
                    }
                    continue
                }
                if batch.isEmpty { continue }
                var stamps: [StampedBatch.Stamp] = []
                // Room for a stamp per line, or per 7 bytes (the shortest line with a timestamp).
                stamps.reserveCapacity(Swift.min(batch.lineCount, batch.storage.count / 7 + 1))
                var index = 0
                let parser = self.parser
                var untimedBytes = 0
                batch.forEachLine { bytes, range, _, _, _ in
                    if range.count >= 6 {
                        let t = parser.instant(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound, range.count)
                        if t != LogTime.none { stamps.append(.init(line: index, start: range.lowerBound, time: t)) }
                    }
                    if stamps.isEmpty { untimedBytes += range.count + 1 }
                    index += 1
                    return true
                }
                let stamped = StampedBatch(batch: batch, stamps: stamps)
                if !presence.stamped {
                    if stamps.isEmpty {
                        held.append(stamped)
                        if presence.note(stamped: false, length: untimedBytes - 1) { return fail(atEnd: false) }
                        continue
                    }
                    presence.noteStamped()
                    if !held.isEmpty {
                        let first = held[0]
                        ready = Array(held.dropFirst()) + [stamped]
                        held = []
                        return first
                    }
                }
                return stamped
            }
            if presence.failsAtEnd { return fail(atEnd: true) }
            return nil
        }

        mutating func next() async throws -> StampedBatch? { try await next(isolation: nil) }
    }
}
