/// A field of a structured log line, by name: `level`, or nested with dots, `http.status`.
///
/// In a JSON object each dotted component names one level of nesting (`http.status` is the
/// `status` key of the object under `http`); a logfmt key is flat, so there the whole text is
/// the key (`http.status=503`). Keys are compared as bytes after JSON string unescaping.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// The path as written.
    public let text: String
    /// The UTF-8 bytes of each dotted component.
    let components: [[UInt8]]
    /// The whole text's bytes (the logfmt key).
    let flat: [UInt8]

    /// A path from its dotted text; `nil` when it is empty or has an empty component (`a..b`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.text = text
        components = parts.map { Array($0.utf8) }
        flat = Array(text.utf8)
    }

    public var description: String { text }

    /// The bytes a line holding the field must contain (unless escaped): its last key.
    var lastKey: [UInt8] { components[components.count - 1] }
}

/// How a line of a structured log was read.
public enum LineShape: Sendable, Equatable {
    /// A JSON object (JSON Lines).
    case json
    /// `key=value` pairs.
    case logfmt
    /// Neither: the line has no fields (a plain text line, or an empty one).
    case neither
    /// It starts as a JSON object (`{`) or as logfmt but breaks their rules (an unterminated
    /// string, a bad escape, trailing bytes...): `where` skips it, whatever the expression.
    case malformed
}

/// One field value found in a line: its type and where its bytes are.
struct FieldValue {
    enum Kind: UInt8 {
        case missing, string, number, `true`, `false`, null, object, array
        /// A logfmt value (bare or quoted): untyped text.
        case text
    }
    var kind: Kind = .missing
    /// The value's bytes in the line: inside the quotes for strings.
    var start = 0
    var end = 0
    /// A JSON (or quoted logfmt) string that holds backslash escapes.
    var escaped = false

    static let missing = FieldValue()
    var isPresent: Bool { kind != .missing }
    /// A string-like value: JSON strings and logfmt values.
    var isText: Bool { kind == .string || kind == .text }
}
