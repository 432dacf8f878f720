import CByteScan

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

/// One field value found in a line: its type and where its bytes are. It wraps the C scanner's
/// `sluice_field_value` (one stored property: the same layout), so that scanner writes an
/// array of these in place.
struct FieldValue {
    enum Kind: UInt8 {
        case missing, string, number, `true`, `false`, null, object, array
        /// A logfmt value (bare or quoted): untyped text.
        case text
    }
    var raw: sluice_field_value

    init(kind: Kind = .missing, start: Int = 0, end: Int = 0, escaped: Bool = false) {
        raw = sluice_field_value(start: start, end: end, kind: kind.rawValue, escaped: escaped ? 1 : 0)
    }

    var kind: Kind { Kind(rawValue: raw.kind) ?? .missing }
    /// The value's bytes in the line: inside the quotes for strings.
    var start: Int { raw.start }
    var end: Int { raw.end }
    /// A JSON (or quoted logfmt) string that holds backslash escapes.
    var escaped: Bool { raw.escaped != 0 }

    static let missing = FieldValue()
    var isPresent: Bool { raw.kind != 0 }
    /// A string-like value: JSON strings and logfmt values.
    var isText: Bool { kind == .string || kind == .text }
}
