extension AsyncSequence where Element == LineBatch {
    /// Reads partial results (``PartialResult``: what `--partial` workers wrote over splits
    /// and files of one job, in any number and any order, one after another in the stream) and
    /// yields what one process over all the inputs prints: `count`'s total, `grep -c`'s count
    /// per input in input order (with file names by grep's rule over all the inputs, `-m`
    /// applied to the sums), or `count --by`'s rows (most frequent first, `--top` applied to
    /// the sums, as a table or JSON Lines).
    ///
    /// It fails (``SluiceError/Kind/badPartial``), printing nothing, rather than add what does
    /// not add up: a line that is not a record, a result without its closing record or with
    /// the wrong number of records, results of other kinds or pipelines, an input named
    /// differently by two results, an input position no result covers, or splits of an input
    /// that leave a byte range out or read one twice. It also fails on a binary input counted
    /// by splits (grep's count of a file with a NUL byte depends on where the NUL is) and on
    /// `count --by` over files whose last line has no line feed and would run on into the next
    /// file's first line. Faults the workers recorded are handed to `statistics` after the
    /// output of their input, as the single process would report them. For `grep -c` results
    /// ``PrintStatistics/selectedLines`` is the total and ``PrintStatistics/statusFollowsSelection``
    /// is set, so that the exit status can be grep's.
    public func combinedPartials(statistics: PrintStatistics = PrintStatistics()) -> AsyncCombinedPartialsSequence<Self> {
        AsyncCombinedPartialsSequence(base: self, statistics: statistics)
    }
}

/// The combined output of partial results; see ``_Concurrency/AsyncSequence/combinedPartials(statistics:)``.
public struct AsyncCombinedPartialsSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let statistics: PrintStatistics

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), statistics: statistics) }

    /// Reads every result, then yields the output (a chunk per fault to report after it).
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let statistics: PrintStatistics
        private var pieces: [([UInt8], [SluiceError])] = []
        private var started = false

        init(base: Base.AsyncIterator, statistics: PrintStatistics) {
            self.base = base
            self.statistics = statistics
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            if !started {
                started = true
                var combiner = PartialCombiner()
                while let batch = try await base.next(isolation: actor) {
                    // A result that cannot be read is not left out of the sum.
                    if let failure = batch.failure { throw failure }
                    if batch.isNotice || batch.endsSource { continue }
                    for line in batch {
                        try line.withUnsafeBytes { try combiner.take($0, source: batch.sourceName, line: line.number) }
                    }
                }
                pieces = try combiner.output()
                if combiner.selects {
                    statistics.setStatusFollowsSelection()
                    statistics.add(combiner.selected)
                }
            }
            guard !pieces.isEmpty else { return nil }
            let (bytes, faults) = pieces.removeFirst()
            faults.forEach(statistics.addFailure)
            return bytes
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

extension AsyncCombinedPartialsSequence: Sendable where Base: Sendable {}

/// The sums of partial results, as they are read.
struct PartialCombiner {
    /// The first result's header: every other must combine with it.
    private var first: PartialResult?
    /// The header being read, where it was read, and the records so far.
    private var current: PartialResult?
    private var currentPlace = ""
    private var records = 0
    /// Inputs of the current result that have had their record.
    private var recorded: Set<Int> = []

    /// Per input position: its name and size, and the byte ranges read of it.
    private var inputs: [Int: (path: String, size: Int64?, ranges: [Range<Int64>], whole: Int)] = [:]
    /// The splits read of each input, to tell a result given twice (even of an empty range).
    private var splits: Set<[Int64]> = []
    private var counts: [Int: Int] = [:]
    private var lines: [Int: (lines: Int, open: Bool)] = [:]
    private var streamLines = 0
    private var openStreams = 0
    private var streamRecords = 0
    private var binary: Set<Int> = []
    private var binaryStream = false
    private var splitResults = false
    private var rows: [[UInt8]: (cells: [(tag: UInt8, text: [UInt8])], count: Int)] = [:]
    /// Faults, per input position (`before`: reported before it), in the order read; `nil`: of no input.
    private var faults: [(input: Int?, before: Bool, message: String)] = []

    /// After ``output()``: whether the exit status follows the selection (grep), and the total.
    private(set) var selects = false
    private(set) var selected = 0

    private func fail(_ reason: String) -> SluiceError { .badPartial(nil, "combine: \(currentPlace): \(reason)") }

    /// Takes one line of the stream.
    mutating func take(_ line: UnsafeRawBufferPointer, source: String?, line number: Int) throws {
        let place = (source.map { "\($0): " } ?? "") + "line \(number)"
        currentPlace = place
        guard let value = PartialJSON.parse(line), case .object(let object) = value else {
            throw fail("not a partial result (a JSON object a line, as --partial writes)")
        }
        if object["sluice"] != nil {
            if current != nil { throw fail("a partial result starts before the one before it ended (it was cut short)") }
            try start(try Self.header(object, place: place))
            return
        }
        guard let header = current else {
            throw fail("a record outside a partial result (no {\"sluice\":\"partial\",...} line before it)")
        }
        if case .int(let n)? = object["end"] {
            guard object.count == 1, n == records else {
                throw fail("the result ends after \(records) records, but its last line says \(object["end"].map { "\($0)" } ?? "")")
            }
            if header.perInput, let missing = header.inputs.first(where: { !recorded.contains($0.index) }) {
                throw fail("input \(missing.index) (\(missing.path)) has no record")
            }
            current = nil
            return
        }
        records += 1
        try record(object, header)
    }

    private mutating func start(_ header: PartialResult) throws {
        if let first, !first.combines(with: header) {
            throw fail("this result does not combine with the first one: " + Self.difference(first, header))
        }
        if first == nil { first = header }
        current = header
        records = 0
        recorded = []
        if header.split != nil { splitResults = true }
        for input in header.inputs {
            // An input without a size under a split could not be read (a missing file): no bytes.
            let range = header.split.map { $0.byteRange(fileSize: input.size ?? 0) }
            if let split = header.split {
                let id: [Int64] = switch split.kind {
                case let .part(i, n): [Int64(input.index), 0, Int64(i), Int64(n)]
                case let .bytes(o, l): [Int64(input.index), 1, o, l]
                }
                guard splits.insert(id).inserted else {
                    throw fail("split \(split) of input \(input.index) (\(input.path)) is in two results: a result is given twice")
                }
            }
            if var known = inputs[input.index] {
                guard known.path == input.path, known.size == input.size else {
                    throw fail("input \(input.index) is \(input.path) (\(input.size.map(String.init) ?? "no") bytes) here, " +
                        "\(known.path) (\(known.size.map(String.init) ?? "no") bytes) in an earlier result")
                }
                if let range { known.ranges.append(range) } else { known.whole += 1 }
                inputs[input.index] = known
            } else {
                inputs[input.index] = (input.path, input.size, range.map { [$0] } ?? [], range == nil ? 1 : 0)
            }
        }
    }

    private mutating func record(_ o: [String: PartialJSON], _ header: PartialResult) throws {
        if case .string(let message)? = o["error"] {
            var input: Int?
            if case .int(let i)? = o["input"] { input = Int(i) }
            let before = o["before"] == .bool(true)
            if let input, !header.inputs.contains(where: { $0.index == input }) { throw fail("a fault of input \(input), which the result does not list") }
            if let input, !before { recorded.insert(input) }
            faults.append((input, before, String(decoding: message, as: UTF8.self)))
            return
        }
        var index: Int?
        if case .int(let i)? = o["input"] {
            guard header.perInput, header.inputs.contains(where: { $0.index == Int(i) }) else {
                throw fail("a record of input \(i), which the result does not list")
            }
            guard !recorded.contains(Int(i)) else { throw fail("two records of input \(i)") }
            recorded.insert(Int(i))
            index = Int(i)
        }
        switch header.kind {
        case .grepCount:
            guard case .int(let n)? = o["count"], n >= 0, index != nil || !header.perInput else { throw fail("a grep-count record needs \"input\" and \"count\"") }
            if let index { counts[index, default: 0] += Int(n) } else { streamLines += Int(n); streamRecords += 1 }
            if o["binary"] == .bool(true) { if let index { binary.insert(index) } else { binaryStream = true } }
        case .count, .countBy:
            if case .int(let n)? = o["lines"], n >= 0, case .bool(let open)? = o["open"] {
                if let index {
                    let known = lines[index] ?? (0, false)
                    lines[index] = (known.lines + Int(n), known.open || open)
                } else {
                    streamLines += Int(n)
                    streamRecords += 1
                    if open && n > 0 { openStreams += 1 }
                }
                return
            }
            guard header.kind == .countBy, index == nil, case .array(let cells)? = o["key"], cells.count == header.keys.count,
                  case .int(let n)? = o["count"], n > 0 else {
                throw fail(header.kind == .count ? "a count record needs \"lines\" and \"open\"" : "a count-by record needs \"key\" (one cell per key) and \"count\"")
            }
            var decoded: [(tag: UInt8, text: [UInt8])] = []
            var key: [UInt8] = []
            for cell in cells {
                guard let c = Self.cell(cell) else { throw fail("a key cell is null, a string, {\"base64\":...} or {\"json\":...}") }
                decoded.append(c)
                key.append(c.tag)
                withUnsafeBytes(of: UInt32(c.text.count).littleEndian) { key.append(contentsOf: $0) }
                key.append(contentsOf: c.text)
            }
            if let known = rows[key] {
                rows[key] = (known.cells, known.count + Int(n))
            } else {
                rows[key] = (decoded, Int(n))
            }
        }
    }

    /// A `count --by` cell: its tag and text.
    static func cell(_ v: PartialJSON) -> (tag: UInt8, text: [UInt8])? {
        switch v {
        case .null: return (CountRow.missing, [])
        case .string(let s): return (CountRow.text, s)
        case .object(let o) where o.count == 1:
            if let b = o["base64"], let bytes = bytes(b) { return (CountRow.text, bytes) }
            if let j = o["json"], let bytes = bytes(j) { return (CountRow.json, bytes) }
            return nil
        default: return nil
        }
    }

    /// A string, or `{"base64":...}`.
    static func bytes(_ v: PartialJSON) -> [UInt8]? {
        switch v {
        case .string(let s): return s
        case .object(let o) where o.count == 1:
            guard case .string(let b)? = o["base64"] else { return nil }
            return PartialJSON.base64Decoded(b)
        default: return nil
        }
    }

    /// The output, as pieces each followed by the faults to report after it.
    mutating func output() throws -> [([UInt8], [SluiceError])] {
        currentPlace = "end of input"
        if current != nil { throw fail("the last partial result has no closing {\"end\":N} record (it was cut short)") }
        guard let header = first else { throw fail("no partial result in the input") }
        let positions = inputs.keys.sorted()
        for (expected, index) in positions.enumerated() where index != expected {
            throw fail("no result covers input \(expected) (the inputs given are \(positions.prefix(8).map(String.init).joined(separator: ", "))\(positions.count > 8 ? ", ..." : "")): give each worker --input-index")
        }
        for index in positions { try checkCoverage(index) }
        var pieces: [([UInt8], [SluiceError])] = []
        var out: [UInt8] = []
        func report(_ selected: (Int?, Bool) -> Bool) {
            var seen: Set<String> = []
            let due = faults.filter { selected($0.input, $0.before) && seen.insert($0.message).inserted }
            guard !due.isEmpty else { return }
            pieces.append((out, due.map { .reported($0.message) }))
            out = []
        }
        report { input, _ in input == nil }
        switch header.kind {
        case .count:
            var total = streamLines
            if openStreams > 0 && streamRecords > 1 {
                throw fail("a partial stream ends without a line feed: where that line ends depends on what follows it in the whole input, which combine cannot know")
            }
            var pendingOpen = false
            for index in positions {
                let (n, open) = lines[index] ?? (0, false)
                total += n
                if n > 0 && pendingOpen { total -= 1 }  // the line runs on, as `cat` joins the files
                if n > 0 { pendingOpen = open }
            }
            out += Array("\(total)\n".utf8)
            report { input, _ in input != nil }
        case .grepCount:
            selects = true
            if !header.perInput {
                if binaryStream && splitResults && !header.binaryAsText { throw fail(Self.binaryReason("(standard input)")) }
                let n = header.maxCount.map { Swift.min($0, streamLines) } ?? streamLines
                selected = n
                if header.fileNames == .always { appendName("(standard input)", header, to: &out) }
                out += Array("\(n)\n".utf8)
                report { input, _ in input != nil }
                break
            }
            let names = header.fileNames == .always || (header.fileNames == .auto && positions.count > 1)
            for index in positions {
                let path = inputs[index]!.path
                if binary.contains(index) && splitResults && !header.binaryAsText { throw fail(Self.binaryReason(path)) }
                report { input, before in input == index && before }
                guard let sum = counts[index] else { report { input, _ in input == index }; continue }
                let n = header.maxCount.map { Swift.min($0, sum) } ?? sum
                selected += n
                if names { appendName(path, header, to: &out) }
                out += Array("\(n)\n".utf8)
                report { input, before in input == index && !before }
            }
        case .countBy:
            if openStreams > 0 && streamRecords > 1 {
                throw fail("a partial stream ends without a line feed: its last line may run on into what follows it, which combine cannot know")
            }
            var pendingOpen: Int?
            for index in positions {
                let (n, open) = lines[index] ?? (0, false)
                if n > 0, let before = pendingOpen {
                    throw fail("\(inputs[before]!.path) ends without a line feed, so its last line runs on into \(inputs[index]!.path)'s first: count --by cannot rebuild that line from partial results")
                }
                if n > 0 { pendingOpen = open ? index : nil }
            }
            out += CountRow.render(rows.values.map { CountRow(count: $0.count, cells: $0.cells) },
                                   keyNames: header.keys, top: header.top, json: header.json)
            report { input, _ in input != nil }
        }
        pieces.append((out, []))
        return pieces
    }

    private func appendName(_ path: String, _ header: PartialResult, to out: inout [UInt8]) {
        out += RawBytes.bytes(path)
        out.append(header.nullAfterNames ? 0 : 0x3A)
    }

    static func binaryReason(_ path: String) -> String {
        "\(path) holds a NUL byte (a binary file): grep's count of it depends on where the NUL is, which a split does not see; count it with -a (--binary-files=text), or without splits"
    }

    /// The byte ranges read of an input cover it once: its whole once, or splits that tile it.
    private func checkCoverage(_ index: Int) throws {
        let input = inputs[index]!
        let name = "input \(index) (\(input.path))"
        if input.whole > 0 {
            guard input.whole == 1, input.ranges.isEmpty else { throw fail("\(name) was read \(input.whole + input.ranges.count) times (whole or in splits): a result is given twice") }
            return
        }
        let size = input.size ?? 0
        var end: Int64 = 0
        for r in input.ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > end { throw fail("no result holds bytes \(end)..<\(r.lowerBound) of \(name): a split is missing") }
            if r.lowerBound < end { throw fail("bytes \(r.lowerBound)..<\(Swift.min(end, r.upperBound)) of \(name) are in two results: a split is given twice") }
            end = r.upperBound
        }
        if end < size { throw fail("no result holds bytes \(end)..<\(size) of \(name): a split is missing") }
    }

    /// What differs between two headers, for the message.
    static func difference(_ a: PartialResult, _ b: PartialResult) -> String {
        if a.kind != b.kind { return "kind \(b.kind.rawValue), not \(a.kind.rawValue)" }
        if a.pipeline != b.pipeline { return "pipeline '\(b.pipeline.joined(separator: " "))', not '\(a.pipeline.joined(separator: " "))'" }
        return "other output options (file names, -Z, -m, -a, keys, --top, --json)"
    }

    /// Reads a header line.
    static func header(_ o: [String: PartialJSON], place: String) throws -> PartialResult {
        func fail(_ reason: String) -> SluiceError { .badPartial(nil, "combine: \(place): \(reason)") }
        guard o["sluice"] == .string(Array("partial".utf8)) else { throw fail("not a partial result: \"sluice\" is not \"partial\"") }
        guard o["version"] == .int(1) else { throw fail("a partial result of another version (this sluice reads version 1)") }
        func string(_ name: String) throws -> String {
            guard case .string(let s)? = o[name] else { throw fail("the header has no \"\(name)\" string") }
            return String(decoding: s, as: UTF8.self)
        }
        func strings(_ name: String) throws -> [String] {
            guard case .array(let a)? = o[name] else { throw fail("the header has no \"\(name)\" list") }
            return try a.map { v in
                guard case .string(let s) = v else { throw fail("\"\(name)\" holds something other than strings") }
                return String(decoding: s, as: UTF8.self)
            }
        }
        func bool(_ name: String) throws -> Bool {
            guard case .bool(let b)? = o[name] else { throw fail("the header has no \"\(name)\" true or false") }
            return b
        }
        func optionalInt(_ name: String, _ from: [String: PartialJSON]? = nil) throws -> Int64? {
            switch (from ?? o)[name] {
            case .null?: return nil
            case .int(let n)? where n >= 0: return n
            default: throw fail("\"\(name)\" is not a count or null")
            }
        }
        guard let kind = PartialResult.Kind(rawValue: try string("kind")) else { throw fail("unknown kind \(try string("kind"))") }
        var r = PartialResult(kind: kind, pipeline: try strings("pipeline"))
        guard let names = PartialResult.FileNames(rawValue: try string("file_names")) else { throw fail("file_names is auto, always or never") }
        r.fileNames = names
        r.nullAfterNames = try bool("null_after_names")
        r.maxCount = try optionalInt("max_count").map { Int($0) }
        r.binaryAsText = try bool("binary_as_text")
        r.perInput = try bool("per_input")
        r.keys = try strings("keys")
        r.top = try optionalInt("top").map { Int($0) }
        r.json = try bool("json")
        switch o["split"] {
        case .null?: r.split = nil
        case .object(let s)?:
            if case .int(let i)? = s["part"], case .int(let n)? = s["of"], n >= 1, i >= 1, i <= n, s.count == 2 {
                r.split = .part(Int(i), of: Int(n))
            } else if let offset = try? optionalInt("offset", s), let length = try? optionalInt("length", s), s.count == 2 {
                r.split = .bytes(offset: offset, length: length)
            } else {
                throw fail("\"split\" is {\"part\":I,\"of\":N} or {\"offset\":O,\"length\":L}")
            }
        default: throw fail("the header has no \"split\"")
        }
        guard case .array(let list)? = o["inputs"] else { throw fail("the header has no \"inputs\" list") }
        for item in list {
            guard case .object(let i) = item, case .int(let index)? = i["input"], index >= 0, case .string(let path)? = i["path"] else {
                throw fail("an input is {\"input\":I,\"path\":NAME,\"size\":BYTES}")
            }
            let size = try optionalInt("size", i)
            r.inputs.append(.init(index: Int(index), path: String(decoding: path, as: UTF8.self), size: size))
        }
        return r
    }
}

/// The JSON values of partial results (no floating-point numbers: counts are integers).
enum PartialJSON: Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case string([UInt8])
    case array([PartialJSON])
    case object([String: PartialJSON])

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let n): return "\(n)"
        case .string(let s): return "\"\(String(decoding: s, as: UTF8.self))\""
        case .array: return "[...]"
        case .object: return "{...}"
        }
    }

    /// One value filling `text` (spaces and a CR around it allowed), or `nil`.
    static func parse(_ text: UnsafeRawBufferPointer) -> PartialJSON? {
        var p = Parser(bytes: text.bindMemory(to: UInt8.self))
        guard let v = p.value(depth: 0) else { return nil }
        p.space()
        return p.i == p.bytes.count ? v : nil
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func space() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || bytes[i] == 0x0A { i += 1 }
        }

        mutating func literal(_ word: String, _ v: PartialJSON) -> PartialJSON? {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return nil }
            i += w.count
            return v
        }

        mutating func value(depth: Int) -> PartialJSON? {
            space()
            guard i < bytes.count, depth < 16 else { return nil }
            switch bytes[i] {
            case 0x6E: return literal("null", .null)
            case 0x74: return literal("true", .bool(true))
            case 0x66: return literal("false", .bool(false))
            case 0x22: return string().map { .string($0) }
            case 0x2D, 0x30...0x39:
                let start = i
                if bytes[i] == 0x2D { i += 1 }
                let digits = i
                while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
                guard i > digits, i - digits <= 18, bytes[digits] != 0x30 || i - digits == 1 else { return nil }
                if i < bytes.count, bytes[i] == 0x2E || bytes[i] == 0x65 || bytes[i] == 0x45 { return nil }
                return Int64(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)).map { .int($0) }
            case 0x5B:
                i += 1
                var items: [PartialJSON] = []
                space()
                if i < bytes.count, bytes[i] == 0x5D { i += 1; return .array(items) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append(v)
                    space()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == 0x2C { i += 1; continue }
                    if bytes[i] == 0x5D { i += 1; return .array(items) }
                    return nil
                }
            case 0x7B:
                i += 1
                var fields: [String: PartialJSON] = [:]
                space()
                if i < bytes.count, bytes[i] == 0x7D { i += 1; return .object(fields) }
                while true {
                    space()
                    guard i < bytes.count, bytes[i] == 0x22, let key = string() else { return nil }
                    space()
                    guard i < bytes.count, bytes[i] == 0x3A else { return nil }
                    i += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    let name = String(decoding: key, as: UTF8.self)
                    guard fields[name] == nil else { return nil }  // a key given twice is not ours
                    fields[name] = v
                    space()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == 0x2C { i += 1; continue }
                    if bytes[i] == 0x7D { i += 1; return .object(fields) }
                    return nil
                }
            default: return nil
            }
        }

        /// A string at `i` (its opening quote), decoded.
        mutating func string() -> [UInt8]? {
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != 0x22 {
                if bytes[i] == 0x5C { i += 1 }
                else if bytes[i] < 0x20 { return nil }
                i += 1
            }
            guard i < bytes.count else { return nil }
            let n = i - start
            i += 1
            guard n > 0 else { return [] }
            return [UInt8](unsafeUninitializedCapacity: n) { out, count in
                count = JSONText.decode(bytes.baseAddress! + start, n, into: out.baseAddress!)
            }
        }
    }

    /// Base64 text decoded, or `nil` when it is not base64.
    static func base64Decoded(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var value: UInt32 = 0, bits = 0, padding = 0
        for c in text {
            let d: UInt32
            switch c {
            case 0x41...0x5A: d = UInt32(c - 0x41)
            case 0x61...0x7A: d = UInt32(c - 0x61 + 26)
            case 0x30...0x39: d = UInt32(c - 0x30 + 52)
            case 0x2B: d = 62
            case 0x2F: d = 63
            case 0x3D: padding += 1; d = 0
            default: return nil
            }
            if c != 0x3D && padding > 0 { return nil }
            value = value << 6 | d
            bits += 6
            if bits == 24 {
                out += [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
                value = 0
                bits = 0
            }
        }
        guard padding <= 2 else { return nil }
        out.removeLast(padding)
        return out
    }
}
