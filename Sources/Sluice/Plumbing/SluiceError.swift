#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error raised by a Sluice stage. Every case names the input it concerns and, where it
/// applies, the byte offset at which the fault was found.
public enum SluiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Opening or reading a file failed: `errno` is the system's error number.
    case io(path: String, operation: String, errno: Int32)
    /// Compressed input is cut short: `offset` is the compressed byte offset where it ends.
    case truncatedGzip(path: String?, offset: Int64)
    /// Compressed input is damaged: `offset` is the compressed byte offset of the fault,
    /// `reason` zlib's message.
    case corruptGzip(path: String?, offset: Int64, reason: String)
    /// Compressed input other than gzip is cut short: `offset` is the compressed byte offset
    /// where it ends. (gzip input reports ``truncatedGzip(path:offset:)``.)
    case truncatedInput(path: String?, codec: CompressionCodec, offset: Int64)
    /// Compressed input other than gzip is damaged, or needs more memory than allowed:
    /// `offset` is the compressed byte offset of the fault, `reason` the codec library's words.
    case corruptInput(path: String?, codec: CompressionCodec, offset: Int64, reason: String)
    /// A line is longer than the configured maximum.
    case lineTooLong(path: String?, lineNumber: Int, offset: Int64, limit: Int)
    /// A regular expression did not compile: `offset` is the position in the pattern.
    case badPattern(pattern: String, offset: Int, reason: String)
    /// A BRE or ERE is not valid: `reason` is GNU grep's message ("Unmatched ( or \\(").
    case patternSyntax(reason: String)
    /// The regex engine gave up on a line (PCRE2's match, depth or JIT stack limit): the line
    /// can be neither selected nor rejected. `reason` is PCRE2's message.
    case matchFailed(path: String?, lineNumber: Int, offset: Int64, pattern: String, reason: String)
    /// Writing output failed.
    case write(errno: Int32)

    /// The system's message for an error number, as `strerror` gives it.
    public static func systemMessage(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The message without the program name, in the form `name: what happened`.
    public var description: String {
        switch self {
        case let .io(path, _, code):
            return "\(path): \(Self.systemMessage(code))"
        case let .truncatedGzip(path, offset):
            return "\(path ?? "(standard input)"): truncated gzip input at byte \(offset)"
        case let .corruptGzip(path, offset, reason):
            return "\(path ?? "(standard input)"): corrupt gzip input at byte \(offset): \(reason)"
        case let .truncatedInput(path, codec, offset):
            return "\(path ?? "(standard input)"): truncated \(codec) input at byte \(offset)"
        case let .corruptInput(path, codec, offset, reason):
            return "\(path ?? "(standard input)"): corrupt \(codec) input at byte \(offset): \(reason)"
        case let .lineTooLong(path, line, offset, limit):
            return "\(path ?? "(standard input)"): line \(line) at byte \(offset) is longer than the \(limit)-byte limit"
        case let .badPattern(pattern, offset, reason):
            return "invalid pattern '\(Self.shortened(pattern))' at offset \(offset): \(reason)"
        case let .patternSyntax(reason):
            return reason
        case let .matchFailed(path, line, offset, pattern, reason):
            return "\(path ?? "(standard input)"): line \(line) at byte \(offset): pattern '\(Self.shortened(pattern))' gave up: \(reason)" +
                "; simplify the pattern (nested repeats such as (a+)+ backtrack without end)"
        case let .write(code):
            return "write error: \(Self.systemMessage(code))"
        }
    }

    /// A pattern as messages quote it: at most 80 characters (a pattern made from thousands of
    /// `-f` lines is never printed whole).
    static func shortened(_ pattern: String) -> String {
        pattern.count <= 80 ? pattern : String(pattern.prefix(77)) + "..."
    }

    /// The same error with the input's name filled in where the stage did not know it.
    public func naming(_ name: String) -> SluiceError {
        switch self {
        case let .truncatedGzip(nil, offset): return .truncatedGzip(path: name, offset: offset)
        case let .corruptGzip(nil, offset, reason): return .corruptGzip(path: name, offset: offset, reason: reason)
        case let .truncatedInput(nil, codec, offset): return .truncatedInput(path: name, codec: codec, offset: offset)
        case let .corruptInput(nil, codec, offset, reason):
            return .corruptInput(path: name, codec: codec, offset: offset, reason: reason)
        case let .lineTooLong(nil, line, offset, limit):
            return .lineTooLong(path: name, lineNumber: line, offset: offset, limit: limit)
        case let .matchFailed(nil, line, offset, pattern, reason):
            return .matchFailed(path: name, lineNumber: line, offset: offset, pattern: pattern, reason: reason)
        default: return self
        }
    }
}
