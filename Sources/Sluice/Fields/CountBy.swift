#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AsyncSequence where Element == LineBatch {
    /// Counts the lines per distinct value of `keys`, then writes the counts, most frequent
    /// first (ties in the order of the keys' bytes), once the stream ends: the last stage.
    ///
    /// A key is a field (``CountKey/field(_:)``: JSON or logfmt, as ``FieldExpression`` reads
    /// them), a named capture group of a regex (``CountKey/capture(_:of:)``: every match in
    /// the line counts once, as `grep -o` prints every match), or the minute, hour or day of
    /// the line's timestamp (``CountKey/time(_:parser:)``). Memory holds one entry per
    /// distinct key; `top` keeps only the first N. A line without a field counts under a
    /// missing key (`-` in the table, `null` in JSON); a malformed line is not counted, and is
    /// counted in `fieldStatistics` (``PipelineStatistics/malformedLines``). Faults carried in
    /// the stream are handed to `statistics` as they pass (an empty chunk each), as
    /// ``_Concurrency/AsyncSequence/countPrinted(statistics:)`` does.
    ///
    /// Capture keys must name groups of one pattern.
    public func countBy(_ keys: [CountKey], top: Int? = nil, format: CountFormat = .table,
                        statistics: PrintStatistics = PrintStatistics(),
                        fieldStatistics: PipelineStatistics? = nil) -> AsyncCountBySequence<Self> {
        AsyncCountBySequence(base: self, keys: keys, top: top, format: format, statistics: statistics,
                             fieldStatistics: fieldStatistics)
    }
}

/// What ``_Concurrency/AsyncSequence/countBy(_:top:format:statistics:fieldStatistics:)`` counts by.
public struct CountKey: Sendable {
    enum Kind: Sendable {
        case field(FieldPath)
        case capture(PCRE2Code, Int)
        case time(TimeBucket, LogTime)
    }
    let kind: Kind
    /// The key's name: the field, the group, or the bucket.
    public let name: String

    /// A field's value.
    public static func field(_ path: FieldPath) -> CountKey { CountKey(kind: .field(path), name: path.text) }

    /// The named capture group `group` of `pattern` (`(?<user>\S+)`), or `nil` when the
    /// pattern has no such group (or is matched as plain literals).
    public static func capture(_ group: String, of pattern: GrepPattern) -> CountKey? {
        guard let code = pattern.regexCode, let number = code.groupNumber(group) else { return nil }
        return CountKey(kind: .capture(code, number), name: group)
    }

    /// The minute, hour or day of the line's timestamp, in `parser`'s zone.
    public static func time(_ bucket: TimeBucket, parser: LogTime) -> CountKey {
        CountKey(kind: .time(bucket, parser), name: bucket.rawValue)
    }
}

/// A span of time lines are counted by.
public enum TimeBucket: String, Sendable, CaseIterable {
    case minute, hour, day

    var microseconds: Int64 {
        switch self {
        case .minute: return 60 * LogTime.second
        case .hour: return 3600 * LogTime.second
        case .day: return 86400 * LogTime.second
        }
    }
}

/// How counts are written.
public enum CountFormat: Sendable {
    /// `uniq -c`'s layout: the count right-aligned in seven columns, a space, the keys
    /// separated by tabs (control bytes in a key written `\\n`, `\\t`, `\\r`, `\\xHH`).
    case table
    /// One JSON object per key: `{"status":503,"count":12}`.
    case jsonLines
    /// Every row as a partial result (see ``PartialResult``), for
    /// ``_Concurrency/AsyncSequence/combinedPartials(statistics:)`` to add to other splits' and
    /// print as `table` or `jsonLines` with the top rows of the sum.
    case partial(PartialResult)
}

/// The counts per key as output bytes; see ``_Concurrency/AsyncSequence/countBy(_:top:format:statistics:fieldStatistics:)``.
public struct AsyncCountBySequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let keys: [CountKey]
    let top: Int?
    let format: CountFormat
    let statistics: PrintStatistics
    let fieldStatistics: PipelineStatistics?

    public func makeAsyncIterator() -> Iterator { Iterator(self) }

    /// Counts every line, then yields the table in one chunk.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let s: AsyncCountBySequence
        private let reader: FieldReader
        /// Per key: its index among the scanned fields, for field keys.
        private let fieldIndex: [Int?]
        private let captureCode: PCRE2Code?
        private var counts = KeyCounts()
        private var key: [UInt8] = []
        private var done = false
        private var pendingError: (any Error)?
        /// For ``CountFormat/partial(_:)``: the sources seen, and the result written so far.
        private var tally: SourceTally
        private var writer = PartialWriter()

        // Key segments: a tag, a 4-byte length, the bytes.
        static var missing: UInt8 { 0 }
        static var text: UInt8 { 1 }
        static var json: UInt8 { 2 }
        static var bucket: UInt8 { 3 }

        init(_ s: AsyncCountBySequence) {
            base = s.base.makeAsyncIterator()
            self.s = s
            var paths: [FieldPath] = []
            var index: [Int?] = []
            var code: PCRE2Code?
            for k in s.keys {
                switch k.kind {
                case .field(let p):
                    if let i = paths.firstIndex(of: p) { index.append(i) } else { paths.append(p); index.append(paths.count - 1) }
                case .capture(let c, _):
                    precondition(code == nil || code === c, "countBy: capture keys of more than one pattern")
                    code = c
                    index.append(nil)
                case .time: index.append(nil)
                }
            }
            reader = FieldReader(Array(paths.prefix(FieldScanner.maximumFields)))
            fieldIndex = index
            captureCode = code
            if case .partial(let result) = s.format {
                tally = SourceTally(firstIndex: result.inputs.first?.index ?? 0, perInput: result.perInput)
                writer.bytes = result.headerLine
            } else {
                tally = SourceTally(firstIndex: 0, perInput: false)
            }
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            guard !done else {
                if let error = pendingError { pendingError = nil; throw error }
                return nil
            }
            do {
                while let batch = try await base.next(isolation: actor) {
                    if !batch.isEmpty { try count(batch) }
                    if case .partial = s.format { tally.take(batch, .countBy, to: &writer) }
                    if let failure = batch.failure {
                        s.statistics.addFailure(failure)
                        return []
                    }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                pendingError = error
                // A partial result without its closing record: combine refuses what is cut short.
                if case .partial = s.format { done = true; return [] }
            }
            done = true
            return output()
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }

        private mutating func count(_ batch: LineBatch) throws(SluiceError) {
            var malformed = 0
            let scansFields = reader.keys.count > 0
            var counts = self.counts
            var key = self.key
            self.counts = KeyCounts()
            defer { self.counts = counts; self.key = key }
            let keys = s.keys
            let fieldIndex = self.fieldIndex
            let reader = self.reader
            var gaveUp: SluiceError?
            batch.forEachLine { bytes, range, number, offset, _ in
                let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound
                let n = range.count
                if scansFields && reader.read(p, n) == .malformed {
                    malformed += 1
                    return true
                }
                func build(_ ovector: UnsafePointer<Int>?) {
                    key.removeAll(keepingCapacity: true)
                    for (j, k) in keys.enumerated() {
                        switch k.kind {
                        case .field:
                            let v = reader.values[fieldIndex[j]!]
                            switch v.kind {
                            case .missing: Self.segment(&key, Self.missing, nil)
                            case .string, .text:
                                reader.withText(v, p) { q, m in Self.segment(&key, Self.text, UnsafeBufferPointer(start: q, count: m)) }
                            case .object, .array:
                                var compact: [UInt8] = []
                                JSONText.appendMinified(p + v.start, v.end - v.start, to: &compact)
                                compact.withUnsafeBufferPointer { Self.segment(&key, Self.json, $0) }
                            default:
                                Self.segment(&key, Self.json, UnsafeBufferPointer(start: p + v.start, count: v.end - v.start))
                            }
                        case .capture(_, let group):
                            let lo = ovector.map { $0[2 * group] } ?? -1, hi = ovector.map { $0[2 * group + 1] } ?? -1
                            if lo < 0 || hi < lo {
                                Self.segment(&key, Self.missing, nil)
                            } else {
                                Self.segment(&key, Self.text, UnsafeBufferPointer(start: p + lo, count: hi - lo))
                            }
                        case .time(let bucket, let parser):
                            guard let t = parser.parse(UnsafeRawBufferPointer(start: p, count: n)) else {
                                Self.segment(&key, Self.missing, nil)
                                continue
                            }
                            let local = t + Int64(parser.zoneOffset) * LogTime.second
                            var start = local - ((local % bucket.microseconds) + bucket.microseconds) % bucket.microseconds
                            start = start ^ Int64.min  // ordered as unsigned big-endian bytes
                            let be = UInt64(bitPattern: start).bigEndian
                            withUnsafeBytes(of: be) { Self.segment(&key, Self.bucket, $0.bindMemory(to: UInt8.self)) }
                        }
                    }
                    counts.add(key)
                }
                if let code = captureCode {
                    // A line PCRE2 gives up on (match or depth limit) is not skipped: a count
                    // that silently leaves lines out would look right.
                    if let reason = code.forEachMatch(in: UnsafeRawBufferPointer(start: p, count: n), { build($0) }) {
                        gaveUp = .matchFailed(path: nil, lineNumber: number, offset: offset, pattern: code.pattern, reason: reason)
                        return false
                    }
                } else {
                    build(nil)
                }
                return true
            }
            if malformed > 0 { s.fieldStatistics?.addMalformed(malformed) }
            if let gaveUp { throw gaveUp }
        }

        @inline(__always)
        static func segment(_ key: inout [UInt8], _ tag: UInt8, _ bytes: UnsafeBufferPointer<UInt8>?) {
            key.append(tag)
            let n = UInt32(bytes?.count ?? 0)
            key.append(UInt8(n & 0xFF)); key.append(UInt8(n >> 8 & 0xFF)); key.append(UInt8(n >> 16 & 0xFF)); key.append(UInt8(n >> 24))
            if let bytes { key.append(contentsOf: bytes) }
        }

        /// The segments of an encoded key.
        static func segments(_ key: [UInt8]) -> [(UInt8, ArraySlice<UInt8>)] {
            var out: [(UInt8, ArraySlice<UInt8>)] = []
            var i = 0
            while i < key.count {
                let tag = key[i]
                let n = Int(key[i + 1]) | Int(key[i + 2]) << 8 | Int(key[i + 3]) << 16 | Int(key[i + 4]) << 24
                out.append((tag, key[(i + 5)..<(i + 5 + n)]))
                i += 5 + n
            }
            return out
        }

        /// The text of a time bucket: `2024-05-13T08:15` (minute), `2024-05-13T08` (hour),
        /// `2024-05-13` (day), with the zone (`Z`, `+02:00`) after a time.
        static func bucketText(_ bytes: ArraySlice<UInt8>, _ bucket: TimeBucket, _ zoneOffset: Int) -> [UInt8] {
            var raw: UInt64 = 0
            for b in bytes { raw = raw << 8 | UInt64(b) }
            let local = Int64(bitPattern: raw) ^ Int64.min
            let seconds = local >= 0 ? local / LogTime.second : (local - LogTime.second + 1) / LogTime.second
            let days = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
            let secondOfDay = Int(seconds - Int64(days) * 86400)
            let (y, m, d) = LogTime.civil(fromDays: days)
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            var text = "\(y)-\(two(m))-\(two(d))"
            if bucket != .day {
                text += "T" + two(secondOfDay / 3600)
                if bucket == .minute { text += ":" + two(secondOfDay / 60 % 60) }
                if zoneOffset == 0 {
                    text += "Z"
                } else {
                    let a = abs(zoneOffset)
                    text += (zoneOffset < 0 ? "-" : "+") + two(a / 3600) + ":" + two(a / 60 % 60)
                }
            }
            return Array(text.utf8)
        }

        /// The rows: each key's cells as they print (time buckets as text).
        private func rows() -> [CountRow] {
            counts.entries.map { entry in
                let cells = Self.segments(entry.key).enumerated().map { (j, segment) -> (tag: UInt8, text: [UInt8]) in
                    let (tag, bytes) = segment
                    if tag == Self.bucket, case .time(let bucket, let parser) = s.keys[j].kind {
                        return (Self.text, Self.bucketText(bytes, bucket, parser.zoneOffset))
                    }
                    return (tag, Array(bytes))
                }
                return CountRow(count: entry.value, cells: cells)
            }
        }

        private mutating func output() -> [UInt8] {
            let names = s.keys.map(\.name)
            switch s.format {
            case .table: return CountRow.render(rows(), keyNames: names, top: s.top, json: false)
            case .jsonLines: return CountRow.render(rows(), keyNames: names, top: s.top, json: true)
            case .partial:
                // Every row, whatever `top` says: the top N of the sum is not the sum of the top Ns.
                tally.finish(.countBy, to: &writer)
                for row in rows() { CountRow.writeRecord(row, to: &writer) }
                writer.end()
                return writer.bytes
            }
        }
    }
}

extension AsyncCountBySequence: Sendable where Base: Sendable {}

/// One output row of a count: the count and each key's tag and text.
struct CountRow {
    let count: Int
    let cells: [(tag: UInt8, text: [UInt8])]

    // A cell's tag: as the key segments' (a time bucket is text by now).
    static let missing: UInt8 = 0
    static let text: UInt8 = 1
    static let json: UInt8 = 2

    /// The rows as `count --by` prints them: most frequent first, ties in the order of the
    /// cells' text (then tags), the first `top`, as the table or (`json`) JSON Lines.
    static func render(_ rows: [CountRow], keyNames: [String], top: Int?, json: Bool) -> [UInt8] {
        var rows = rows
        rows.sort { a, b in
            if a.count != b.count { return a.count > b.count }
            for (x, y) in zip(a.cells, b.cells) {
                if x.text != y.text { return x.text.lexicographicallyPrecedes(y.text) }
                if x.tag != y.tag { return x.tag < y.tag }
            }
            return false
        }
        if let top { rows = Array(rows.prefix(Swift.max(0, top))) }
        var out: [UInt8] = []
        for row in rows {
            if json {
                out.append(0x7B)
                for (j, cell) in row.cells.enumerated() {
                    Array(keyNames[j].utf8).withUnsafeBytes { JSONText.appendQuoted($0, to: &out) }
                    out.append(0x3A)
                    switch cell.tag {
                    case missing: out.append(contentsOf: Array("null".utf8))
                    case Self.json: out.append(contentsOf: cell.text)
                    default: cell.text.withUnsafeBytes { JSONText.appendQuoted($0, to: &out) }
                    }
                    out.append(0x2C)
                }
                out.append(contentsOf: Array("\"count\":\(row.count)}".utf8))
            } else {
                let number = String(row.count)
                out.append(contentsOf: repeatElement(0x20, count: Swift.max(0, 7 - number.utf8.count)))
                out.append(contentsOf: number.utf8)
                out.append(0x20)
                for (j, cell) in row.cells.enumerated() {
                    if j > 0 { out.append(0x09) }
                    if cell.tag == missing { out.append(0x2D) } else { appendTableText(cell.text, to: &out) }
                }
            }
            out.append(0x0A)
        }
        return out
    }

    /// A key in the table: control bytes as `\\n`, `\\t`, `\\r` or `\\xHH`, so that a row stays one line.
    static func appendTableText(_ text: [UInt8], to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        for c in text {
            switch c {
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0..<0x20, 0x7F: out.append(contentsOf: [0x5C, 0x78, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
    }

    /// The row as a partial result's record: `{"key":[CELL,...],"count":N}`.
    static func writeRecord(_ row: CountRow, to w: inout PartialWriter) {
        w.record { w in
            w.raw("\"key\":[")
            for (j, cell) in row.cells.enumerated() {
                if j > 0 { w.raw(",") }
                switch cell.tag {
                case missing: w.raw("null")
                case json: w.raw("{\"json\":"); w.bytesValue(cell.text, base64Name: "base64"); w.raw("}")
                default: w.bytesValue(cell.text, base64Name: "base64")
                }
            }
            w.raw("],\"count\":\(row.count)")
        }
    }
}

/// Counts per encoded key: an open-addressing table looked up by the key's bytes in place,
/// so a line whose key is already known costs one hash and one compare, and only a new key
/// is copied.
struct KeyCounts {
    private(set) var keys: [[UInt8]] = []
    private(set) var values: [Int] = []
    private var hashes: [UInt64] = []
    /// Index + 1 into `keys`, 0 for an empty slot; the count is a power of two.
    private var slots: [Int32] = Array(repeating: 0, count: 64)

    var entries: [(key: [UInt8], value: Int)] { zip(keys, values).map { (key: $0, value: $1) } }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { w |= UInt64(p[i]) << shift; shift += 8; i += 1 }
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
        }
        h ^= h >> 29
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 32
        return h
    }

    mutating func add(_ key: [UInt8]) {
        key.withUnsafeBufferPointer { k in
            let p = k.baseAddress ?? UnsafePointer(bitPattern: 1)!
            let n = k.count
            let h = Self.hash(p, n)
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let slot = Int(slots[i])
                if slot == 0 { break }
                let e = slot - 1
                if hashes[e] == h && keys[e].count == n
                    && keys[e].withUnsafeBufferPointer({ memcmp($0.baseAddress ?? p, p, n) == 0 }) {
                    values[e] += 1
                    return
                }
                i = (i + 1) & mask
            }
            keys.append(Array(k))
            values.append(1)
            hashes.append(h)
            slots[i] = Int32(keys.count)
            if keys.count * 2 > slots.count { grow() }
        }
    }

    private mutating func grow() {
        var fresh = [Int32](repeating: 0, count: slots.count * 2)
        let mask = fresh.count - 1
        for (e, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while fresh[i] != 0 { i = (i + 1) & mask }
            fresh[i] = Int32(e + 1)
        }
        slots = fresh
    }
}
