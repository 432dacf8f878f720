#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AsyncSequence where Element == LineBatch {
    /// Keeps the lines of a structured log (JSON Lines or logfmt, told apart per line) whose
    /// fields satisfy `expression`; see ``FieldExpression``.
    ///
    /// No tree is built: each line is scanned once for the fields the expression reads. Before
    /// that, a prefilter skips the lines that cannot match: every line the expression keeps
    /// holds one of its literals (`"error"` for `level == "error"`, the key for `status >=
    /// 500`), in any spacing, or a backslash (an escape could spell them otherwise); the buffer
    /// is searched for those, and only the lines around hits are parsed (a hit of a quoted
    /// value followed by `:`, `"error":`, is a key and does not count). A line that starts as
    /// JSON or logfmt but breaks its rules is skipped and counted in `statistics`
    /// (``PipelineStatistics/malformedLines``: among the lines parsed, so not those the
    /// prefilter passed over); it never stops the stream. Kept lines are listed
    /// in the input's own buffers, numbered as they came.
    public func whereFields(_ expression: FieldExpression, statistics: PipelineStatistics? = nil) -> AsyncWhereSequence<Self> {
        AsyncWhereSequence(base: self, expression: expression, statistics: statistics)
    }
}

/// An asynchronous sequence of the lines whose fields satisfy an expression; see
/// ``_Concurrency/AsyncSequence/whereFields(_:statistics:)``.
public struct AsyncWhereSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let expression: FieldExpression
    let statistics: PipelineStatistics?

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Yields the kept lines of each batch; end-of-source markers pass.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let expression: FieldExpression
        private let statistics: PipelineStatistics?
        private let reader: FieldReader
        private let literals: [LiteralSearcher]
        /// The literals and the backslash as one small set, found in one Vectorscan pass over
        /// a region: searching each on its own (the JSON and logfmt spellings of a value, then
        /// backslashes) took one pass over the buffer per literal.
        private let literalSet: LiteralSet?
        private var scratch: [LineBatch.Entry] = []

        init(_ s: AsyncWhereSequence) {
            base = s.base.makeAsyncIterator()
            expression = s.expression
            statistics = s.statistics
            reader = FieldReader(s.expression.paths)
            let required = s.expression.requiredLiterals ?? []
            literals = required.map { LiteralSearcher($0, caseless: false) }
            let set = required.isEmpty ? nil
                : try? LiteralSet(required + [[0x5C]], folding: .none, wholeWord: false, wholeLine: false)
            literalSet = set?.findsRegionHits == true ? set : nil
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while let batch = try await base.next(isolation: actor) {
                if batch.endsSource { return batch }
                if let kept = try select(batch) { return kept }
            }
            return nil
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        /// The kept lines of `batch` (the batch itself when all are kept).
        private mutating func select(_ batch: LineBatch) throws -> LineBatch? {
            scratch.removeAll(keepingCapacity: true)
            var malformed = 0
            var failure: MatchFailure?
            var failedAt: (Int, Int64, Range<Int>) = (0, 0, 0..<0)
            let reader = self.reader
            let expression = self.expression
            let literals = self.literals
            let prefiltered = !literals.isEmpty
            var kept: [LineBatch.Entry] = scratch
            scratch = []
            defer { scratch = kept }

            /// Tests one line; false stops (a regex gave up).
            func test(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, _ number: Int, _ offset: Int64, _ entry: LineBatch.Entry?) -> Bool {
                let p = base + range.lowerBound
                switch reader.read(p, range.count) {
                case .malformed:
                    malformed += 1
                    return true
                case .json, .logfmt, .neither:
                    do {
                        if try expression.evaluate(reader, p) {
                            kept.append(entry ?? .init(range: range, number: number, byteOffset: offset, isContext: false, startsGroup: false))
                        }
                    } catch {
                        failure = error
                        failedAt = (number, offset, range)
                        return false
                    }
                    return true
                }
            }

            if prefiltered && batch.entries == nil {
                scanRegion(batch, literals, literalSet, test)
            } else {
                batch.forEachLine { bytes, range, number, offset, entry in
                    let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    if prefiltered && !Self.mayMatch(bytes, range, literals) { return true }
                    return test(base, range, number, offset, entry)
                }
            }
            if malformed > 0 { statistics?.addMalformed(malformed) }
            if let failure {
                let line = Line(storage: batch.storage, range: failedAt.2, number: failedAt.0, byteOffset: failedAt.1)
                throw failure.error(line: line)
            }
            if kept.count == batch.lineCount { return batch }
            guard !kept.isEmpty else { return nil }
            return LineBatch(storage: batch.storage, entries: kept, keepsCarriageReturn: batch.keepsCarriageReturn,
                             sourceName: batch.sourceName)
        }

        /// Whether the line holds one of the literals or a backslash.
        private static func mayMatch(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literals: [LiteralSearcher]) -> Bool {
            if ByteSearch.first(0x5C, in: bytes, from: range.lowerBound, to: range.upperBound) != nil { return true }
            return literals.contains { $0.find(in: bytes, from: range.lowerBound, to: range.upperBound) != nil }
        }

        /// The lines of a region batch around the hits of the literals (and backslashes),
        /// searched for in the whole buffer; lines between hits are only counted.
        private func scanRegion(_ batch: LineBatch, _ literals: [LiteralSearcher], _ literalSet: LiteralSet?,
                                _ test: (UnsafePointer<UInt8>, Range<Int>, Int, Int64, LineBatch.Entry?) -> Bool) {
            batch.storage.withUnsafeBytes { bytes in
                guard let raw = bytes.baseAddress else { return }
                let base = raw.assumingMemoryBound(to: UInt8.self)
                let end = batch.region.upperBound
                var position = batch.region.lowerBound
                var number = batch.firstLineNumber
                let offsetOfStorage = batch.firstByteOffset - Int64(batch.region.lowerBound)
                // One pass for the whole region when the set takes it; else each literal is
                // searched for on its own, from hit to hit.
                // A value literal (`"error"`) followed by `:` is a key (in a line without a
                // backslash, which has a hit of its own): that hit is not one.
                let hits = literalSet?.regionHits(in: bytes, from: position, to: end, skippingJSONKeys: true)
                var hitIndex = 0
                var nextHits = hits != nil ? [] : literals.map { $0.find(in: bytes, from: position, to: end) ?? end }
                var nextSlash = hits != nil ? end : ByteSearch.first(0x5C, in: bytes, from: position, to: end) ?? end
                while position < end {
                    let hit: Int
                    if let hits {
                        while hitIndex < hits.positions.count && hits.positions[hitIndex] < position { hitIndex += 1 }
                        guard hitIndex < hits.positions.count else { break }
                        hit = hits.positions[hitIndex]
                        hitIndex += 1
                    } else {
                        hit = Swift.min(nextSlash, nextHits.min() ?? end)
                    }
                    if hit >= end { break }
                    let start = (ByteSearch.last(0x0A, in: bytes, from: position, to: hit).map { $0 + 1 }) ?? position
                    number += ByteSearch.count(0x0A, in: bytes, from: position, to: start)
                    let lineEnd = ByteSearch.first(0x0A, in: bytes, from: hit, to: end) ?? end
                    var contentEnd = lineEnd
                    if !batch.keepsCarriageReturn && contentEnd > start && base[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                    if !test(base, start..<contentEnd, number, offsetOfStorage + Int64(start), nil) { return }
                    number += 1
                    position = lineEnd + 1
                    guard position < end else { break }
                    if hits != nil { continue }
                    for j in nextHits.indices where nextHits[j] < position {
                        nextHits[j] = literals[j].find(in: bytes, from: position, to: end) ?? end
                    }
                    if nextSlash < position { nextSlash = ByteSearch.first(0x5C, in: bytes, from: position, to: end) ?? end }
                }
            }
        }
    }
}

extension AsyncWhereSequence: Sendable where Base: Sendable {}
