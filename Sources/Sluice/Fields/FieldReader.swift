#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a field stage holds while it reads lines: the scanner, the values of the current
/// line's fields, and a buffer for unescaped text (grown, never shrunk: no allocation per line).
final class FieldReader {
    let keys: FieldKeys
    let values: UnsafeMutablePointer<FieldValue>
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 256

    init(_ paths: [FieldPath]) {
        keys = FieldKeys(paths)
        values = .allocate(capacity: Swift.max(1, paths.count))
        values.initialize(repeating: .missing, count: Swift.max(1, paths.count))
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        values.deallocate()
        scratch.deallocate()
    }

    /// Reads the line `p[0..<n]`: its shape, and its fields' values in ``values``.
    @inline(__always)
    func read(_ p: UnsafePointer<UInt8>, _ n: Int) -> LineShape {
        FieldScanner(keys).scan(p, n, into: values)
    }

    /// The bytes of `v` as text: strings unescaped, anything else as written.
    func withText<R, E: Error>(_ v: FieldValue, _ p: UnsafePointer<UInt8>, _ body: (UnsafePointer<UInt8>, Int) throws(E) -> R) throws(E) -> R {
        guard v.escaped else { return try body(p + v.start, v.end - v.start) }
        let n = v.end - v.start
        if n > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = Swift.max(n, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        let m = JSONText.decode(p + v.start, n, into: scratch)
        return try body(scratch, m)
    }
}

extension FieldExpression {
    /// Whether the line read into `reader` satisfies the expression. Throws when the regex
    /// engine gives up on a value.
    func evaluate(_ reader: FieldReader, _ p: UnsafePointer<UInt8>) throws(MatchFailure) -> Bool {
        try evaluate(root, reader, p)
    }

    private func evaluate(_ node: Node, _ reader: FieldReader, _ p: UnsafePointer<UInt8>) throws(MatchFailure) -> Bool {
        switch node {
        case .and(let a, let b):
            guard try evaluate(a, reader, p) else { return false }
            return try evaluate(b, reader, p)
        case .or(let a, let b):
            if try evaluate(a, reader, p) { return true }
            return try evaluate(b, reader, p)
        case .not(let a): return try !evaluate(a, reader, p)
        case .has(let k): return reader.values[k].isPresent
        case .compare(let k, let op, let literal): return compare(reader.values[k], op, literal, reader, p)
        case .oneOf(let k, let literals):
            let v = reader.values[k]
            return literals.contains { compare(v, .equal, $0, reader, p) }
        case .matches(let k, let pattern):
            let v = reader.values[k]
            guard v.isPresent else { return false }
            return try reader.withText(v, p) { (q, n) throws(MatchFailure) -> Bool in
                try pattern.matcher.lineMatches(UnsafeRawBufferPointer(start: q, count: n))
            }
        }
    }

    @inline(__always)
    private static func holds(_ order: Int, _ op: Comparison) -> Bool {
        switch op {
        case .equal: return order == 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }

    private func compare(_ v: FieldValue, _ op: Comparison, _ literal: Literal, _ reader: FieldReader,
                         _ p: UnsafePointer<UInt8>) -> Bool {
        guard v.isPresent else { return false }
        switch literal {
        case .string(let s):
            guard v.isText else { return false }
            return s.withUnsafeBufferPointer { s in
                reader.withText(v, p) { q, n in
                    let common = Swift.min(n, s.count)
                    var order = common == 0 ? 0 : Int(memcmp(q, s.baseAddress!, common))
                    if order == 0 { order = n - s.count }
                    return Self.holds(order, op)
                }
            }
        case .number(let x):
            guard v.kind == .number || v.kind == .text else { return false }
            guard let y = reader.withText(v, p, { q, n in JSONText.number(q, n) }) else { return false }
            return Self.holds(y < x ? -1 : y > x ? 1 : 0, op)
        case .bool(let b):
            if v.kind == .text { return reader.withText(v, p) { q, n in Self.equals(q, n, b ? "true" : "false") } }
            return v.kind == (b ? .true : .false)
        case .null:
            if v.kind == .text { return reader.withText(v, p) { q, n in Self.equals(q, n, "null") } }
            return v.kind == .null
        case .time(let t):
            guard v.isText || v.kind == .number else { return false }
            guard let u = reader.withText(v, p, { q, n in parser.parse(UnsafeRawBufferPointer(start: q, count: n)) }) else { return false }
            return Self.holds(u < t ? -1 : u > t ? 1 : 0, op)
        }
    }

    private static func equals(_ q: UnsafePointer<UInt8>, _ n: Int, _ word: StaticString) -> Bool {
        n == word.utf8CodeUnitCount && memcmp(q, word.utf8Start, n) == 0
    }
}
