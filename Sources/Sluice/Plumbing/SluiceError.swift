#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error raised by a Sluice stage: a ``Kind`` and the facts that apply to it (the input it
/// concerns, the byte offset at which the fault was found, the system's error number, …).
///
/// `SluiceError` is a struct, as swift-nio's `IOError` is, so that later versions can add kinds
/// and facts without breaking a client's code: test ``kind`` against the constants of ``Kind``
/// (`error.kind == .truncated`) rather than switching exhaustively, and read the optional
/// properties that the kind documents. The static functions (``io(path:operation:errno:)``,
/// ``truncatedGzip(path:offset:)``, …) build each kind.
public struct SluiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. New kinds may be added in later versions.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }
        /// Opening, examining or reading an input failed: ``SluiceError/errno`` says why,
        /// ``SluiceError/operation`` what was being done.
        public static let io = Kind("io")
        /// Compressed input is cut short: ``SluiceError/offset`` is the compressed byte offset
        /// where it ends, ``SluiceError/codec`` the format.
        public static let truncated = Kind("truncated")
        /// Compressed input is damaged (or needs more memory than allowed):
        /// ``SluiceError/offset`` is the compressed byte offset of the fault,
        /// ``SluiceError/reason`` the codec library's words.
        public static let corrupt = Kind("corrupt")
        /// A line is longer than the configured maximum (``SluiceError/limit``).
        public static let lineTooLong = Kind("lineTooLong")
        /// A regular expression did not compile: ``SluiceError/offset`` is the position in the
        /// pattern.
        public static let badPattern = Kind("badPattern")
        /// A BRE or ERE is not valid: ``SluiceError/reason`` is GNU grep's message.
        public static let patternSyntax = Kind("patternSyntax")
        /// The regex engine gave up on a line (PCRE2's match, depth or JIT stack limit): the line
        /// can be neither selected nor rejected.
        public static let matchFailed = Kind("matchFailed")
        /// Writing output failed: ``SluiceError/errno`` says why (`EPIPE` when the reader of a
        /// pipe went away, which a command line usually treats as a quiet end).
        public static let write = Kind("write")
        /// An argument to a stage is not valid: ``SluiceError/reason`` says which and why.
        public static let invalidArgument = Kind("invalidArgument")
        /// Input read as partial results (``_Concurrency/AsyncSequence/combinedPartials(statistics:)``)
        /// is not one, is cut short, or does not fit the others (another kind, other options,
        /// a split missing or read twice): ``SluiceError/reason`` says which and where.
        public static let badPartial = Kind("badPartial")
        /// A fault that the process which made a partial result met and recorded in it:
        /// ``SluiceError/reason`` is its message, as that process printed it.
        public static let reported = Kind("reported")
        /// A stage that groups lines by time (`since`, `until`, records) found no line that starts
        /// with a timestamp its ``LogTime`` reads: in the whole input, or in its first
        /// ``SluiceError/limit`` bytes. Its format is not one ``LogTime`` recognises (name it with
        /// ``LogTime/format``).
        public static let noTimestamp = Kind("noTimestamp")
        public var description: String { name }
    }

    /// What went wrong.
    public let kind: Kind
    /// The input concerned, as the caller named it; `nil` for standard input or an unnamed stream.
    public let path: String?
    /// The byte offset of the fault: in the compressed input for ``Kind/truncated`` and
    /// ``Kind/corrupt``, in the decoded stream for ``Kind/lineTooLong`` and
    /// ``Kind/matchFailed``, in the pattern for ``Kind/badPattern``.
    public let offset: Int64?
    /// The system's error number, for ``Kind/io`` and ``Kind/write``.
    public let errno: Int32?
    /// What was being done for ``Kind/io`` (`"open"`, `"read"`, `"stat"`).
    public let operation: String?
    /// The compressed format, for ``Kind/truncated`` and ``Kind/corrupt``.
    public let codec: CompressionCodec?
    /// The 1-based line number, for ``Kind/lineTooLong`` and ``Kind/matchFailed``.
    public let lineNumber: Int?
    /// The pattern, for ``Kind/badPattern`` and ``Kind/matchFailed``.
    public let pattern: String?
    /// The library's or engine's words about the fault.
    public let reason: String?
    /// The limit exceeded, for ``Kind/lineTooLong``.
    public let limit: Int?

    /// An error of any kind with the facts given; the static functions below are the usual way.
    public init(kind: Kind, path: String? = nil, offset: Int64? = nil, errno: Int32? = nil,
                operation: String? = nil, codec: CompressionCodec? = nil, lineNumber: Int? = nil,
                pattern: String? = nil, reason: String? = nil, limit: Int? = nil) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.errno = errno
        self.operation = operation
        self.codec = codec
        self.lineNumber = lineNumber
        self.pattern = pattern
        self.reason = reason
        self.limit = limit
    }

    /// Opening or reading a file failed: `errno` is the system's error number.
    public static func io(path: String, operation: String, errno: Int32) -> SluiceError {
        SluiceError(kind: .io, path: path, errno: errno, operation: operation)
    }
    /// Gzip input is cut short at compressed byte `offset`.
    public static func truncatedGzip(path: String?, offset: Int64) -> SluiceError {
        SluiceError(kind: .truncated, path: path, offset: offset, codec: .gzip)
    }
    /// Gzip input is damaged at compressed byte `offset`; `reason` is the inflater's message.
    public static func corruptGzip(path: String?, offset: Int64, reason: String) -> SluiceError {
        SluiceError(kind: .corrupt, path: path, offset: offset, codec: .gzip, reason: reason)
    }
    /// Compressed input is cut short at compressed byte `offset`.
    public static func truncatedInput(path: String?, codec: CompressionCodec, offset: Int64) -> SluiceError {
        SluiceError(kind: .truncated, path: path, offset: offset, codec: codec)
    }
    /// Compressed input is damaged at compressed byte `offset`; `reason` is the codec library's words.
    public static func corruptInput(path: String?, codec: CompressionCodec, offset: Int64, reason: String) -> SluiceError {
        SluiceError(kind: .corrupt, path: path, offset: offset, codec: codec, reason: reason)
    }
    /// Line `lineNumber`, starting at decoded byte `offset`, is longer than `limit` bytes.
    public static func lineTooLong(path: String?, lineNumber: Int, offset: Int64, limit: Int) -> SluiceError {
        SluiceError(kind: .lineTooLong, path: path, offset: offset, lineNumber: lineNumber, limit: limit)
    }
    /// `pattern` did not compile: `offset` is the position in it, `reason` the engine's message.
    public static func badPattern(pattern: String, offset: Int, reason: String) -> SluiceError {
        SluiceError(kind: .badPattern, offset: Int64(offset), pattern: pattern, reason: reason)
    }
    /// A BRE or ERE is not valid: `reason` is GNU grep's message ("Unmatched ( or \\(").
    public static func patternSyntax(reason: String) -> SluiceError {
        SluiceError(kind: .patternSyntax, reason: reason)
    }
    /// The regex engine gave up on line `lineNumber` (at decoded byte `offset`).
    public static func matchFailed(path: String?, lineNumber: Int, offset: Int64, pattern: String, reason: String) -> SluiceError {
        SluiceError(kind: .matchFailed, path: path, offset: offset, lineNumber: lineNumber, pattern: pattern, reason: reason)
    }
    /// Writing output failed with `errno`.
    public static func write(errno: Int32) -> SluiceError {
        SluiceError(kind: .write, errno: errno)
    }
    /// An argument to a stage is not valid.
    public static func invalidArgument(_ reason: String) -> SluiceError {
        SluiceError(kind: .invalidArgument, reason: reason)
    }

    /// Partial results that cannot be combined; `name` is the input they were read from.
    public static func badPartial(_ name: String?, _ reason: String) -> SluiceError {
        SluiceError(kind: .badPartial, path: name, reason: reason)
    }
    /// A fault recorded in a partial result, `message` as the process that made it printed it.
    public static func reported(_ message: String) -> SluiceError {
        SluiceError(kind: .reported, reason: message)
    }

    /// No line of input `path` (in its first `limit` bytes, or at all when `limit` is `nil`)
    /// starts with a timestamp in a format the parser reads.
    public static func noTimestamp(path: String?, limit: Int?) -> SluiceError {
        SluiceError(kind: .noTimestamp, path: path, limit: limit)
    }

    /// True for a write to a pipe whose reader went away (`EPIPE`).
    public var isBrokenPipe: Bool { kind == .write && errno == EPIPE }

    /// The system's message for an error number, as `strerror` gives it.
    public static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The message without the program name, in the form `name: what happened`.
    public var description: String {
        let name = path ?? "(standard input)"
        switch kind {
        case .io:
            return "\(name): \(Self.systemMessage(errno ?? 0))"
        case .truncated:
            return "\(name): truncated \(codec.map { "\($0)" } ?? "compressed") input at byte \(offset ?? 0)"
        case .corrupt:
            return "\(name): corrupt \(codec.map { "\($0)" } ?? "compressed") input at byte \(offset ?? 0): \(reason ?? "")"
        case .lineTooLong:
            return "\(name): line \(lineNumber ?? 0) at byte \(offset ?? 0) is longer than the \(limit ?? 0)-byte limit"
        case .badPattern:
            return "invalid pattern '\(Self.shortened(pattern ?? ""))' at offset \(offset ?? 0): \(reason ?? "")"
        case .matchFailed:
            // (A line printed without -n may not have been counted: then its byte offset alone.)
            let line = (lineNumber ?? 0) > 0 ? "line \(lineNumber ?? 0) at byte" : "the line at byte"
            return "\(name): \(line) \(offset ?? 0): pattern '\(Self.shortened(pattern ?? ""))' gave up: \(reason ?? "")" +
                "; simplify the pattern (nested repeats such as (a+)+ backtrack without end)"
        case .write:
            return "write error: \(Self.systemMessage(errno ?? 0))"
        case .noTimestamp:
            let part = limit.map { "in the first \($0 >> 20) MiB, " } ?? ""
            return "\(name): \(part)no line starts with a timestamp sluice reads (see --time-format)"
        default:
            return [path, reason].compactMap { $0 }.joined(separator: ": ")
        }
    }

    /// A pattern as messages quote it: at most 80 characters (a pattern made from thousands of
    /// `-f` lines is never printed whole).
    static func shortened(_ pattern: String) -> String {
        pattern.count <= 80 ? pattern : String(pattern.prefix(77)) + "..."
    }

    /// The same error with the input's name filled in where the stage did not know it.
    public func naming(_ name: String) -> SluiceError {
        guard path == nil, kind != .reported, kind != .badPattern, kind != .patternSyntax, kind != .write, kind != .invalidArgument else { return self }
        return SluiceError(kind: kind, path: name, offset: offset, errno: errno, operation: operation, codec: codec,
                           lineNumber: lineNumber, pattern: pattern, reason: reason, limit: limit)
    }
}
