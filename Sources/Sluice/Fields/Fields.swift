extension AsyncSequence where Element == LineBatch {
    /// Each line of a structured log (JSON Lines or logfmt) reduced to the fields `paths`, in
    /// that order, written as `format` says.
    ///
    /// ``FieldsFormat/logfmt`` writes `key=value` for each field present (values quoted when
    /// they hold a space, `=`, `"`, a backslash or a control byte, or are empty; JSON objects
    /// and arrays as compact JSON) and drops a line that has none of them.
    /// ``FieldsFormat/json`` writes one object per line as `jq -c '{a, b}'` does: every field,
    /// `null` when missing, strings re-escaped as jq escapes them, numbers as written, objects
    /// and arrays compact; logfmt values become JSON strings. The key of a nested field is its
    /// dotted name. Lines that are neither JSON nor logfmt are dropped; malformed ones too,
    /// counted in `statistics` (``PipelineStatistics/malformedLines``).
    public func fields(_ paths: [FieldPath], format: FieldsFormat = .logfmt, statistics: PipelineStatistics? = nil)
        -> AsyncFieldsSequence<Self> {
        AsyncFieldsSequence(base: self, paths: paths, format: format, statistics: statistics)
    }
}

/// How ``_Concurrency/AsyncSequence/fields(_:format:statistics:)`` writes the fields of a line.
public enum FieldsFormat: Sendable {
    /// `key=value key="quoted value"`.
    case logfmt
    /// `{"key":value,...}`, as `jq -c`.
    case json
}

/// An asynchronous sequence of lines reduced to some of their fields; see
/// ``_Concurrency/AsyncSequence/fields(_:format:statistics:)``. Its batches hold new bytes
/// (one buffer per input batch), numbered as the lines they come from.
public struct AsyncFieldsSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let paths: [FieldPath]
    let format: FieldsFormat
    let statistics: PipelineStatistics?

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Writes the fields of each batch's lines into one new buffer.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let paths: [FieldPath]
        private let names: [[UInt8]]
        private let format: FieldsFormat
        private let statistics: PipelineStatistics?
        private let reader: FieldReader

        init(_ s: AsyncFieldsSequence) {
            base = s.base.makeAsyncIterator()
            paths = s.paths
            format = s.format
            statistics = s.statistics
            // Up to 64 distinct fields are scanned for; a field named twice is printed twice.
            var distinct: [FieldPath] = []
            for p in s.paths where !distinct.contains(p) { distinct.append(p) }
            reader = FieldReader(Array(distinct.prefix(FieldScanner.maximumFields)))
            names = s.paths.map { Array($0.text.utf8) }
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            while let batch = try await base.next(isolation: actor) {
                if batch.endsSource { return batch }
                if let out = project(batch) { return out }
            }
            return nil
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }

        private func project(_ batch: LineBatch) -> LineBatch? {
            var out: [UInt8] = []
            out.reserveCapacity(batch.storage.count / 2)
            var lines = 0
            var firstNumber = 0
            var malformed = 0
            let indices = paths.map { reader.keys.paths.firstIndex(of: $0) }
            // `"name":` for each field, quoted once per batch rather than once per line.
            let keyPrefixes: [[UInt8]] = names.map { name in
                var k: [UInt8] = []
                name.withUnsafeBytes { JSONText.appendQuoted($0, to: &k) }
                k.append(0x3A)
                return k
            }
            batch.forEachLine { bytes, range, number, _, _ in
                let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound
                let shape = reader.read(p, range.count)
                guard shape == .json || shape == .logfmt else {
                    if shape == .malformed { malformed += 1 }
                    return true
                }
                let mark = out.count
                var wrote = false
                if format == .json { out.append(0x7B) }
                for (j, index) in indices.enumerated() {
                    let v = index.map { reader.values[$0] } ?? .missing
                    switch format {
                    case .json:
                        if j > 0 { out.append(0x2C) }
                        out.append(contentsOf: keyPrefixes[j])
                        Self.appendJSON(v, p, reader, &out)
                        wrote = true
                    case .logfmt:
                        guard v.isPresent else { continue }
                        if wrote { out.append(0x20) }
                        out.append(contentsOf: names[j])
                        out.append(0x3D)
                        Self.appendLogfmt(v, p, reader, &out)
                        wrote = true
                    }
                }
                if format == .json { out.append(0x7D) }
                if !wrote { out.removeSubrange(mark...); return true }
                out.append(0x0A)
                if lines == 0 { firstNumber = number }
                lines += 1
                return true
            }
            if malformed > 0 { statistics?.addMalformed(malformed) }
            guard lines > 0 else { return nil }
            return LineBatch(storage: out, region: 0..<out.count, firstLineNumber: firstNumber, lineCount: lines,
                             firstByteOffset: 0, keepsCarriageReturn: true, sourceName: batch.sourceName)
        }

        static func appendJSON(_ v: FieldValue, _ p: UnsafePointer<UInt8>, _ reader: FieldReader, _ out: inout [UInt8]) {
            switch v.kind {
            case .missing: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            case .string, .text:
                reader.withText(v, p) { q, n in JSONText.appendQuoted(UnsafeRawBufferPointer(start: q, count: n), to: &out) }
            case .object, .array: JSONText.appendMinified(p + v.start, v.end - v.start, to: &out)
            case .number, .true, .false, .null: out.append(contentsOf: UnsafeBufferPointer(start: p + v.start, count: v.end - v.start))
            }
        }

        static func appendLogfmt(_ v: FieldValue, _ p: UnsafePointer<UInt8>, _ reader: FieldReader, _ out: inout [UInt8]) {
            switch v.kind {
            case .missing: return
            case .string, .text:
                reader.withText(v, p) { q, n in LogfmtText.append(UnsafeBufferPointer(start: q, count: n), to: &out) }
            case .object, .array:
                var compact: [UInt8] = []
                JSONText.appendMinified(p + v.start, v.end - v.start, to: &compact)
                compact.withUnsafeBufferPointer { LogfmtText.append($0, to: &out) }
            case .number, .true, .false, .null: out.append(contentsOf: UnsafeBufferPointer(start: p + v.start, count: v.end - v.start))
            }
        }
    }
}

extension AsyncFieldsSequence: Sendable where Base: Sendable {}

/// Writing logfmt values.
enum LogfmtText {
    /// Appends `value`, bare when it can be, else quoted with `\"`, `\\`, `\n`, `\r`, `\t` and
    /// `\u00XX` escapes (as go-logfmt writes them).
    static func append(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let needsQuotes = value.isEmpty || value.contains { $0 <= 0x20 || $0 == 0x3D || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }
        guard needsQuotes else { out.append(contentsOf: value); return }
        JSONText.appendQuoted(UnsafeRawBufferPointer(value), to: &out)
    }
}
