extension AsyncSequence where Element == LineBatch, Self: Sendable {
    /// The lines as JSON Lines, in the spirit of `rg --json`: a `begin` object when a source
    /// starts, one `match` (or `context`) object per line, an `end` object per source with its
    /// count, and a closing `summary`. A line's text is `"text"` when it is valid UTF-8, else
    /// `"bytes"` in base64; `submatches` gives the byte ranges `pattern` matches. A file name that
    /// is not valid UTF-8 is `{"bytes":BASE64}`, as `rg --json` writes such paths.
    ///
    ///     {"type":"match","file":"app.log","line_number":12,"byte_offset":804,"text":"...","submatches":[{"start":4,"end":9}]}
    public func jsonLines(pattern: GrepPattern?, statistics: PrintStatistics = PrintStatistics())
        -> AsyncJSONLinesSequence<Self> {
        AsyncJSONLinesSequence(base: self, pattern: pattern, statistics: statistics)
    }
}

/// JSON Lines output bytes; see ``_Concurrency/AsyncSequence/jsonLines(pattern:statistics:)``.
public struct AsyncJSONLinesSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == LineBatch {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let pattern: GrepPattern?
    let statistics: PrintStatistics

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), pattern: pattern, statistics: statistics) }

    /// Turns each batch into one chunk of JSON lines.
    public struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let pattern: GrepPattern?
        let statistics: PrintStatistics
        var writer = JSONWriter()
        var inSource = false
        var selectedInSource = 0
        var selected = 0
        var sources = 0
        var finished = false
        /// The regex engine gave up on a line's submatches: that line is the last written.
        var failure: SluiceError?
        let startTime = PipelineStatistics.now()

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            while !finished {
                guard let batch = try await base.next(isolation: actor) else {
                    finished = true
                    endSource(nil)
                    writer.object([("type", .string("summary")), ("sources", .int(sources)), ("selected_lines", .int(selected)),
                                   ("elapsed_seconds", .double(PipelineStatistics.now() - startTime))])
                    return writer.take()
                }
                if batch.isNotice {
                    if let message = batch.message { statistics.addMessage(message); return writer.take() }
                    if let failure = batch.failure { statistics.addFailure(failure); return writer.take() }
                    continue
                } else if batch.endsSource {
                    if !inSource { beginSource(batch.sourceName) }
                    if batch.binaryMatch {
                        // The binary line is not written; it counts, and is reported as GNU grep reports it.
                        selectedInSource += 1
                        selected += 1
                        statistics.add(1)
                        statistics.addMessage("\(batch.sourceName ?? "(standard input)"): binary file matches")
                    } else if batch.skippedAsBinary {
                        statistics.add(-selectedInSource)
                        selected -= selectedInSource
                        selectedInSource = 0
                    }
                    endSource(batch.sourceName)
                    if let failure = batch.failure { statistics.addFailure(failure); return writer.take() }
                } else if !batch.isEmpty {
                    if !inSource { beginSource(batch.sourceName) }
                    write(batch)
                    if let failure {
                        statistics.addFailure(failure)
                        finished = true
                        return writer.take()
                    }
                }
                if !writer.isEmpty { return writer.take() }
            }
            return nil
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }

        mutating func beginSource(_ name: String?) {
            inSource = true
            sources += 1
            selectedInSource = 0
            writer.object([("type", .string("begin")), ("file", name.map { .name($0) } ?? .null)])
        }

        mutating func endSource(_ name: String?) {
            guard inSource else { return }
            inSource = false
            writer.object([("type", .string("end")), ("file", name.map { .name($0) } ?? .null),
                           ("selected_lines", .int(selectedInSource))])
        }

        mutating func write(_ batch: LineBatch) {
            let file: JSONWriter.Value = batch.sourceName.map { .name($0) } ?? .null
            var selectedHere = 0
            let entries = batch.entries
            for (index, line) in batch.enumerated() where failure == nil {
                let isContext = entries?[index].isContext ?? false
                if !isContext { selectedHere += 1 }
                line.withUnsafeBytes { bytes in
                    var fields: [(String, JSONWriter.Value)] = [
                        ("type", .string(isContext ? "context" : "match")), ("file", file),
                        ("line_number", line.number > 0 ? .int(line.number) : .null), ("byte_offset", .int(Int(line.byteOffset))),
                    ]
                    fields.append(JSONWriter.isValidUTF8(bytes) ? ("text", .raw(bytes)) : ("bytes", .base64(bytes)))
                    if !isContext, let pattern {
                        var ranges: [Range<Int>] = []
                        do throws(SluiceError) {
                            try pattern.matchRanges(in: bytes, lineNumber: line.number, byteOffset: line.byteOffset, found: &ranges)
                        } catch {
                            failure = error.naming(batch.sourceName ?? "(standard input)")
                        }
                        fields.append(("submatches", .ranges(ranges)))
                    }
                    writer.object(fields)
                }
            }
            selectedInSource += selectedHere
            selected += selectedHere
            statistics.add(selectedHere)
        }
    }
}

/// Writes JSON objects, one per line, into a byte buffer.
struct JSONWriter {
    enum Value {
        case string(String)
        /// A file name: a string, or `{"bytes":BASE64}` when it is not valid UTF-8 (see RawBytes).
        case name(String)
        case int(Int)
        case double(Double)
        case null
        /// Valid UTF-8 bytes, written as a JSON string.
        case raw(UnsafeRawBufferPointer)
        /// Bytes written as a base64 string.
        case base64(UnsafeRawBufferPointer)
        case ranges([Range<Int>])
    }

    private(set) var buffer: [UInt8] = []
    var isEmpty: Bool { buffer.isEmpty }

    mutating func take() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    mutating func object(_ fields: [(String, Value)]) {
        buffer.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            appendString(Array(key.utf8))
            buffer.append(UInt8(ascii: ":"))
            switch value {
            case .string(let s): appendString(Array(s.utf8))
            case .name(let s) where RawBytes.holdsRawBytes(s):
                buffer += Array("{\"bytes\":\"".utf8)
                RawBytes.bytes(s).withUnsafeBytes { Self.appendBase64($0, to: &buffer) }
                buffer += Array("\"}".utf8)
            case .name(let s): appendString(Array(s.utf8))
            case .int(let n): buffer += Array(String(n).utf8)
            case .double(let d): buffer += Array(String(d).utf8)
            case .null: buffer += Array("null".utf8)
            case .raw(let bytes): appendString(bytes)
            case .base64(let bytes):
                buffer.append(UInt8(ascii: "\""))
                Self.appendBase64(bytes, to: &buffer)
                buffer.append(UInt8(ascii: "\""))
            case .ranges(let ranges):
                buffer.append(UInt8(ascii: "["))
                for (i, r) in ranges.enumerated() {
                    if i > 0 { buffer.append(UInt8(ascii: ",")) }
                    buffer += Array("{\"start\":\(r.lowerBound),\"end\":\(r.upperBound)}".utf8)
                }
                buffer.append(UInt8(ascii: "]"))
            }
        }
        buffer += [UInt8(ascii: "}"), 0x0A]
    }

    /// A JSON string of valid UTF-8 bytes: quotes, backslashes and control bytes escaped.
    mutating func appendString<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): buffer += [0x5C, 0x22]
            case 0x5C: buffer += [0x5C, 0x5C]
            case 0x0A: buffer += [0x5C, UInt8(ascii: "n")]
            case 0x0D: buffer += [0x5C, UInt8(ascii: "r")]
            case 0x09: buffer += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                buffer += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]]
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    static func appendBase64(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let alphabet = base64Alphabet
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
    }
}
