#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A condition on the fields of a structured log line, as `where` takes it:
///
///     level == "error" and status >= 500
///     (http.status in (502, 503) or error.type ~ "^Timeout") and not has(retry)
///     ts >= 2024-05-13T08:00:00Z and msg !~ 'health ?check'
///
/// - Comparisons `==` `!=` `<` `<=` `>` `>=` of a field with a literal: a quoted string
///   (single or double quotes; `\\`, `\'`, `\"`, `\n`, `\t`, `\r` are escapes, any other
///   backslash stays, so `"\d+"` is a regex), a number (JSON's grammar), `true`, `false`,
///   `null`, or a time written without quotes (`2024-05-13T08:00:00Z`, `2024-05-13`,
///   `now-2h`, `today`; a time of day alone is refused). Strings compare as bytes, numbers as
///   numbers, times as instants: the field's value is read as a log time (see ``LogTime``).
/// - `field ~ "regex"` and `!~`: PCRE2 (Perl syntax) on the value's text.
/// - `field in ("a", "b", 3)`: equal to one of them. `has(field)`: the field is present.
/// - `and`, `or`, `not` (also `&&`, `||`, `!`), parentheses; `not` binds tightest, then
///   `and`, then `or`.
///
/// Types, stated: a JSON string compares only with strings (and times), a JSON number only
/// with numbers (and times); a logfmt value is text, and is also read as a number when it is
/// one (`status=503` compares with `503`). A comparison with a missing field, or with a value
/// of another type, is false; `!=` and `!~` are the negations of `==` and `~` (so a line
/// without the field satisfies `level != "error"`). A line that is neither JSON nor logfmt
/// has no fields. Dotted names are nested keys in JSON and whole keys in logfmt.
public struct FieldExpression: Sendable {
    /// The expression as written.
    public let text: String
    let root: Node
    /// The fields the expression reads, each once.
    let paths: [FieldPath]
    /// The time parser field values compared with a time are read with.
    let parser: LogTime
    /// Literals of which every line the expression keeps holds one, unless it holds a
    /// backslash (an escape may spell them otherwise): the prefilter. `nil` when there are none.
    let requiredLiterals: [[UInt8]]?

    indirect enum Node: Sendable {
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case has(Int)
        case compare(Int, Comparison, Literal)
        case matches(Int, GrepPattern)
        case oneOf(Int, [Literal])
    }

    enum Comparison: Sendable { case equal, less, lessOrEqual, greater, greaterOrEqual }

    enum Literal: Sendable {
        case string([UInt8])
        case number(Double)
        case bool(Bool)
        case null
        case time(Int64)
    }

    /// Parses `text`. Relative times (`now-2h`, `today`) are taken from `now` (microseconds
    /// since the epoch); times without a zone, in the expression and in the lines, are
    /// `parser`'s zone. Regular expressions are compiled for `encoding`. Throws
    /// ``SluiceError/badPattern(pattern:offset:reason:)`` with the byte offset of the fault;
    /// ``diagnose(_:now:parser:encoding:)`` gives the same offset and reason without throwing.
    public init(_ text: String, now: Int64 = 0, parser: LogTime = LogTime(), encoding: GrepPattern.Encoding = .bytes) throws {
        var p = ExpressionParser(text: Array(text.utf8), now: now, parser: parser, encoding: encoding)
        let root: Node
        do {
            root = try p.parse()
        } catch let failure as ExpressionParser.Failure {
            throw SluiceError.badPattern(pattern: text, offset: failure.offset, reason: failure.reason)
        }
        self.text = text
        self.root = root
        self.paths = p.paths
        self.parser = parser
        let required = Self.required(root, p.paths)
        requiredLiterals = required.flatMap { $0.contains { $0.isEmpty } ? nil : $0 }
    }

    /// Where and why `text` does not parse (a byte offset into its UTF-8), or `nil` when it does.
    public static func diagnose(_ text: String, now: Int64 = 0, parser: LogTime = LogTime(),
                                encoding: GrepPattern.Encoding = .bytes) -> (offset: Int, reason: String)? {
        var p = ExpressionParser(text: Array(text.utf8), now: now, parser: parser, encoding: encoding)
        do {
            _ = try p.parse()
            return nil
        } catch let failure as ExpressionParser.Failure {
            return (failure.offset, failure.reason)
        } catch {
            return (0, "\(error)")
        }
    }

    /// The names of the fields the expression reads.
    public var fieldNames: [String] { paths.map(\.text) }

    /// The literals every kept line holds (see ``requiredLiterals``): for `and`, the more
    /// selective side's (values before keys, then the longer); for `or`, both sides'
    /// together; none under `not`.
    static func required(_ node: Node, _ paths: [FieldPath]) -> [[UInt8]]? {
        requiredLiterals(node, paths)?.literals
    }

    private static func requiredLiterals(_ node: Node, _ paths: [FieldPath]) -> (literals: [[UInt8]], values: Bool)? {
        switch node {
        case .and(let a, let b):
            let ra = requiredLiterals(a, paths), rb = requiredLiterals(b, paths)
            guard let ra else { return rb }
            guard let rb else { return ra }
            if ra.values != rb.values { return ra.values ? ra : rb }
            let sa = ra.literals.map(\.count).min() ?? 0, sb = rb.literals.map(\.count).min() ?? 0
            return sb > sa || (sb == sa && rb.literals.count < ra.literals.count) ? rb : ra
        case .or(let a, let b):
            guard let ra = requiredLiterals(a, paths), let rb = requiredLiterals(b, paths) else { return nil }
            return (ra.literals + rb.literals, ra.values && rb.values)
        case .not: return nil
        case .has(let k), .matches(let k, _): return ([paths[k].lastKey], false)
        case .compare(let k, let op, let literal):
            if op == .equal, case .string(let s) = literal, !s.isEmpty { return (valueLiterals(s, paths[k]), true) }
            return ([paths[k].lastKey], false)
        case .oneOf(let k, let literals):
            var strings: [[UInt8]] = []
            for l in literals {
                guard case .string(let s) = l, !s.isEmpty else { return ([paths[k].lastKey], false) }
                strings += valueLiterals(s, paths[k])
            }
            return (strings, true)
        }
    }

    /// What a line whose field `path` is the string `s` holds, unless it has a backslash:
    /// `"s"` (a JSON string, or a quoted logfmt value `key="s"`, raw bytes allowed there) or
    /// `key=s` (a bare logfmt value: the scanner takes the key up to `=` with no spacing, and a
    /// bare value holds no quote or escape). Longer than `s` alone, so a word common in
    /// messages (`error`) does not pass every line on to be parsed.
    private static func valueLiterals(_ s: [UInt8], _ path: FieldPath) -> [[UInt8]] {
        [[0x22] + s + [0x22], path.flat + [0x3D] + s]
    }
}

/// Recursive descent over the expression's bytes.
struct ExpressionParser {
    struct Failure: Error {
        let offset: Int
        let reason: String
    }

    enum Token: Equatable {
        case word(String)          // a name, a keyword or a bare literal (true, now-2h)
        case bareValue(String)     // starts with a digit or a sign: a number or a time
        case string([UInt8])
        case symbol(String)        // ( ) , == != <= >= < > ~ !~ ! && ||
        case end
    }

    let text: [UInt8]
    let now: Int64
    let parser: LogTime
    let encoding: GrepPattern.Encoding
    var position = 0
    var paths: [FieldPath] = []
    /// The current token and where it starts.
    var token = Token.end
    var tokenStart = 0

    init(text: [UInt8], now: Int64, parser: LogTime, encoding: GrepPattern.Encoding) {
        self.text = text
        self.now = now
        self.parser = parser
        self.encoding = encoding
    }

    mutating func parse() throws -> FieldExpression.Node {
        try advance()
        if token == .end { throw Failure(offset: tokenStart, reason: "empty expression") }
        let node = try orExpression()
        guard token == .end else { throw Failure(offset: tokenStart, reason: "expected 'and', 'or' or the end, found \(describe(token))") }
        guard paths.count <= FieldScanner.maximumFields else {
            throw Failure(offset: 0, reason: "more than \(FieldScanner.maximumFields) different fields")
        }
        return node
    }

    func describe(_ t: Token) -> String {
        switch t {
        case .word(let w), .bareValue(let w): return "'\(w)'"
        case .string: return "a string"
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end"
        }
    }

    static func isNameStart(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F || c == 0x40 || c == 0x24 || c >= 0x80
    }
    static func isNameByte(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D }

    mutating func advance() throws {
        while position < text.count, [0x20, 0x09, 0x0A, 0x0D].contains(text[position]) { position += 1 }
        tokenStart = position
        guard position < text.count else { token = .end; return }
        let c = text[position]
        let next: UInt8 = position + 1 < text.count ? text[position + 1] : 0
        if Self.isNameStart(c) {
            var j = position
            while j < text.count, Self.isNameByte(text[j]) || (text[j] == 0x2B && j > position) { j += 1 }
            token = .word(String(decoding: text[position..<j], as: UTF8.self))
            position = j
            return
        }
        if (c >= 0x30 && c <= 0x39) || ((c == 0x2D || c == 0x2B) && next >= 0x30 && next <= 0x39) {
            var j = position + 1
            while j < text.count {
                let b = text[j]
                let ok = (b >= 0x30 && b <= 0x39) || (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b == 0x3A || b == 0x2E
                    || b == 0x2B || b == 0x2D || b == 0x5F
                if !ok { break }
                j += 1
            }
            token = .bareValue(String(decoding: text[position..<j], as: UTF8.self))
            position = j
            return
        }
        if c == 0x22 || c == 0x27 {
            var j = position + 1
            var bytes: [UInt8] = []
            while j < text.count && text[j] != c {
                if text[j] == 0x5C && j + 1 < text.count {
                    switch text[j + 1] {
                    case 0x5C, 0x22, 0x27: bytes.append(text[j + 1])
                    case 0x6E: bytes.append(0x0A)
                    case 0x74: bytes.append(0x09)
                    case 0x72: bytes.append(0x0D)
                    default: bytes.append(0x5C); bytes.append(text[j + 1])
                    }
                    j += 2
                    continue
                }
                bytes.append(text[j])
                j += 1
            }
            guard j < text.count else { throw Failure(offset: position, reason: "unterminated string") }
            token = .string(bytes)
            position = j + 1
            return
        }
        let two = String(decoding: text[position..<Swift.min(text.count, position + 2)], as: UTF8.self)
        if ["==", "!=", "<=", ">=", "!~", "&&", "||"].contains(two) {
            token = .symbol(two)
            position += 2
            return
        }
        switch c {
        case 0x28, 0x29, 0x2C, 0x3C, 0x3E, 0x7E, 0x21:
            token = .symbol(String(UnicodeScalar(c)))
            position += 1
        case 0x3D:
            throw Failure(offset: position, reason: "'=' is not an operator: compare with '=='")
        default:
            throw Failure(offset: position, reason: "unexpected character '\(String(decoding: [c], as: UTF8.self))'")
        }
    }

    func isKeyword(_ w: String) -> Bool { token == .word(w) }

    mutating func orExpression() throws -> FieldExpression.Node {
        var node = try andExpression()
        while token == .word("or") || token == .symbol("||") {
            try advance()
            node = .or(node, try andExpression())
        }
        return node
    }

    mutating func andExpression() throws -> FieldExpression.Node {
        var node = try unary()
        while token == .word("and") || token == .symbol("&&") {
            try advance()
            node = .and(node, try unary())
        }
        return node
    }

    mutating func unary() throws -> FieldExpression.Node {
        if token == .word("not") || token == .symbol("!") {
            try advance()
            return .not(try unary())
        }
        return try primary()
    }

    mutating func expect(_ symbol: String, _ what: String) throws {
        guard token == .symbol(symbol) else { throw Failure(offset: tokenStart, reason: "expected \(what), found \(describe(token))") }
        try advance()
    }

    mutating func field() throws -> Int {
        guard case .word(let name) = token, !["and", "or", "not", "in", "has"].contains(name) else {
            throw Failure(offset: tokenStart, reason: "expected a field name, found \(describe(token))")
        }
        guard let path = FieldPath(name), !name.hasSuffix(".") else {
            throw Failure(offset: tokenStart, reason: "'\(name)' is not a field name (empty part between dots)")
        }
        try advance()
        if let k = paths.firstIndex(of: path) { return k }
        paths.append(path)
        return paths.count - 1
    }

    mutating func primary() throws -> FieldExpression.Node {
        if token == .symbol("(") {
            try advance()
            let node = try orExpression()
            try expect(")", "')'")
            return node
        }
        if token == .word("has") {
            try advance()
            try expect("(", "'(' after has")
            let k = try field()
            try expect(")", "')'")
            return .has(k)
        }
        let k = try field()
        let operatorStart = tokenStart
        switch token {
        case .word("in"):
            try advance()
            return try list(k)
        case .word("not"):
            try advance()
            guard token == .word("in") else { throw Failure(offset: tokenStart, reason: "expected 'in' after 'not'") }
            try advance()
            return .not(try list(k))
        case .symbol(let s) where ["==", "!=", "<", "<=", ">", ">=", "~", "!~"].contains(s):
            try advance()
            if s == "~" || s == "!~" {
                guard case .string(let bytes) = token else {
                    throw Failure(offset: tokenStart, reason: "expected a quoted regular expression after '\(s)', found \(describe(token))")
                }
                let pattern: GrepPattern
                do {
                    pattern = try GrepPattern(String(decoding: bytes, as: UTF8.self), syntax: .perl, encoding: encoding)
                } catch {
                    throw Failure(offset: tokenStart, reason: "\(error)")
                }
                try advance()
                return s == "~" ? .matches(k, pattern) : .not(.matches(k, pattern))
            }
            let literalStart = tokenStart
            let literal = try value()
            let op: FieldExpression.Comparison
            switch s {
            case "==", "!=": op = .equal
            case "<": op = .less
            case "<=": op = .lessOrEqual
            case ">": op = .greater
            default: op = .greaterOrEqual
            }
            if op != .equal {
                switch literal {
                case .bool, .null: throw Failure(offset: literalStart, reason: "'\(s)' orders strings, numbers and times, not true, false or null")
                default: break
                }
            }
            return s == "!=" ? .not(.compare(k, op, literal)) : .compare(k, op, literal)
        case .symbol("="):
            throw Failure(offset: operatorStart, reason: "'=' is not an operator: compare with '=='")
        default:
            throw Failure(offset: tokenStart, reason: "expected an operator (== != < <= > >= ~ !~ in) after the field, found \(describe(token))")
        }
    }

    mutating func list(_ k: Int) throws -> FieldExpression.Node {
        try expect("(", "'(' after in")
        var literals = [try value()]
        while token == .symbol(",") {
            try advance()
            literals.append(try value())
        }
        try expect(")", "',' or ')'")
        return .oneOf(k, literals)
    }

    mutating func value() throws -> FieldExpression.Literal {
        let start = tokenStart
        let literal: FieldExpression.Literal
        switch token {
        case .string(let bytes): literal = .string(bytes)
        case .word("true"): literal = .bool(true)
        case .word("false"): literal = .bool(false)
        case .word("null"): literal = .null
        case .word(let w), .bareValue(let w):
            var bytes = Array(w.utf8)
            if case .bareValue = token, let x = bytes.withUnsafeMutableBufferPointer({ JSONText.number($0.baseAddress!, $0.count) }) {
                literal = .number(x)
            } else if let bound = TimeBound(w, now: now, zoneOffset: parser.zoneOffset) {
                guard !bound.needsFirstTimestamp else {
                    throw Failure(offset: start, reason: "a time of day alone ('\(w)') has no date here: write the date too")
                }
                literal = .time(bound.resolved(firstTimestamp: 0))
            } else if case .bareValue = token {
                throw Failure(offset: start, reason: "'\(w)' is neither a number nor a time")
            } else {
                throw Failure(offset: start, reason: "expected a value (a quoted string, a number, a time, true, false or null), found '\(w)'")
            }
        default:
            throw Failure(offset: start, reason: "expected a value (a quoted string, a number, a time, true, false or null), found \(describe(token))")
        }
        try advance()
        return literal
    }
}
