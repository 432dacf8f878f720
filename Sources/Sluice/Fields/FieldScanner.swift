#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Why a hand-written scanner and not simdjson (libsimdjson-dev): a `where` or `count --by`
// needs one to three fields of a 250-byte line. simdjson's On-Demand API is C++ (a C shim
// target would be needed), wants each document copied into a padded buffer (SIMDJSON_PADDING
// bytes past the end, which a line inside a shared 1 MiB chunk does not have) and pays a
// per-document set-up; its strength is long documents. This scanner reads the line once, in
// place, skipping string bodies eight bytes at a time (SWAR), and stops building anything
// beyond the few values asked for. Measured on the 1 GiB bench logs (bench/bench.py rows,
// 2026-12-01): `where-json` 1.11 s (jq 40.6 s, rg -c 0.44 s), `count-by-json` 4.0 s (parses
// every line). simdjson itself has not been measured here yet: that comparison is still owed
// before this choice counts as made by measurement.

/// The keys a scanner looks for, laid out once in one allocation.
///
/// `@unchecked Sendable`: the buffers are written only in `init` and freed in `deinit`;
/// everything else only reads them.
final class FieldKeys: @unchecked Sendable {
    let paths: [FieldPath]
    let count: Int
    /// All key bytes, back to back.
    private let bytes: UnsafeMutablePointer<UInt8>
    /// Per path: the number of components; per path and depth: start and length in `bytes`.
    let depths: UnsafeMutablePointer<Int>
    let starts: UnsafeMutablePointer<Int>
    let lengths: UnsafeMutablePointer<Int>
    /// Per path: the flat key (logfmt).
    let flatStarts: UnsafeMutablePointer<Int>
    let flatLengths: UnsafeMutablePointer<Int>
    let maxDepth: Int
    /// A bit per path (at most 64).
    let allPaths: UInt64

    /// At most 64 paths (`FieldScanner.maximumFields`).
    init(_ paths: [FieldPath]) {
        precondition(paths.count <= FieldScanner.maximumFields)
        self.paths = paths
        count = paths.count
        maxDepth = Swift.max(1, paths.map { $0.components.count }.max() ?? 1)
        let total = paths.reduce(0) { $0 + $1.flat.count + $1.components.reduce(0) { $0 + $1.count } }
        bytes = .allocate(capacity: Swift.max(1, total))
        depths = .allocate(capacity: Swift.max(1, paths.count))
        starts = .allocate(capacity: Swift.max(1, paths.count * maxDepth))
        lengths = .allocate(capacity: Swift.max(1, paths.count * maxDepth))
        flatStarts = .allocate(capacity: Swift.max(1, paths.count))
        flatLengths = .allocate(capacity: Swift.max(1, paths.count))
        var at = 0
        for (k, path) in paths.enumerated() {
            depths[k] = path.components.count
            for (d, component) in path.components.enumerated() {
                starts[k * maxDepth + d] = at
                lengths[k * maxDepth + d] = component.count
                for b in component { bytes[at] = b; at += 1 }
            }
            flatStarts[k] = at
            flatLengths[k] = path.flat.count
            for b in path.flat { bytes[at] = b; at += 1 }
        }
        allPaths = paths.count == 64 ? ~0 : (1 << UInt64(paths.count)) - 1
    }

    deinit {
        bytes.deallocate()
        depths.deallocate()
        starts.deallocate()
        lengths.deallocate()
        flatStarts.deallocate()
        flatLengths.deallocate()
    }

    @inline(__always) func component(_ k: Int, _ d: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(bytes + starts[k * maxDepth + d]), lengths[k * maxDepth + d])
    }

    @inline(__always) func flat(_ k: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(bytes + flatStarts[k]), flatLengths[k])
    }
}

/// Reads one line as a JSON object or logfmt pairs and finds the values of a few fields
/// without building a tree: the line is read once, left to right, validated as it goes.
///
/// JSON is read as RFC 8259 says (Python's `json` module is the tests' oracle): strings with
/// valid escapes and no raw control bytes, numbers in JSON's grammar (no `NaN`, no leading
/// zeros), nothing after the object but white space. Bytes inside strings are not checked to
/// be UTF-8. A key given twice: the last one wins (as in Python and jq), for nested paths too.
/// Logfmt, as go-logfmt writes it: `key=value`, `key="quoted \"value\""`, `key=` (empty) and
/// bare `key` (present, empty), separated by spaces or tabs; a line is logfmt when its first
/// token is `key=`. Bare values may hold `=`; a `"` inside a key or a bare value, an
/// unterminated quote or a bad escape make the line malformed.
struct FieldScanner {
    static let maximumFields = 64
    /// Deeper JSON nesting than this is taken as malformed (no recursion without end).
    static let maximumDepth = 512

    let keys: FieldKeys

    init(_ keys: FieldKeys) { self.keys = keys }

    /// Finds the fields of `keys` in `p[0..<n]`, writing each one's value (or `.missing`) to
    /// `values[k]`; returns how the line reads.
    func scan(_ p: UnsafePointer<UInt8>, _ n: Int, into values: UnsafeMutablePointer<FieldValue>) -> LineShape {
        for k in 0..<keys.count { values[k] = .missing }
        var i = 0
        while i < n && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
        guard i < n else { return .neither }
        let shape: LineShape
        if p[i] == 0x7B {
            var json = JSONScan(p: p, n: n, i: i, keys: keys, values: values)
            if json.object(depth: 0, mask: keys.allPaths) {
                json.skipSpace()
                shape = json.i == n ? .json : .malformed
            } else {
                shape = .malformed
            }
        } else {
            shape = scanLogfmt(p, n, from: i, values)
        }
        // A malformed line has no fields, whatever was read before the fault.
        if shape == .malformed { for k in 0..<keys.count { values[k] = .missing } }
        return shape
    }

    @inline(__always) static func isLogfmtSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    private func scanLogfmt(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, _ values: UnsafeMutablePointer<FieldValue>) -> LineShape {
        var i = start
        var first = true
        while true {
            while i < n && Self.isLogfmtSpace(p[i]) { i += 1 }
            if i >= n { return .logfmt }
            let ks = i
            while i < n, p[i] != 0x3D, p[i] != 0x22, !Self.isLogfmtSpace(p[i]) { i += 1 }
            let ke = i
            if first {
                guard ke > ks, i < n, p[i] == 0x3D else { return .neither }
                first = false
            }
            if i < n && p[i] == 0x22 { return .malformed }
            if ke == ks { return .malformed }  // `=value` without a key
            var value = FieldValue(kind: .text, start: i, end: i, escaped: false)
            if i < n && p[i] == 0x3D {
                i += 1
                if i < n && p[i] == 0x22 {
                    var escaped = false
                    guard JSONScan.string(p, n, &i, &escaped, allowsControl: true) else { return .malformed }
                    if i < n && !Self.isLogfmtSpace(p[i]) { return .malformed }
                    value = FieldValue(kind: .text, start: ke + 2, end: i - 1, escaped: escaped)
                } else {
                    let vs = i
                    while i < n, !Self.isLogfmtSpace(p[i]) {
                        if p[i] == 0x22 { return .malformed }
                        i += 1
                    }
                    value = FieldValue(kind: .text, start: vs, end: i, escaped: false)
                }
            }
            for k in 0..<keys.count {
                let (key, length) = keys.flat(k)
                if length == ke - ks && memcmp(p + ks, key, length) == 0 { values[k] = value }
            }
        }
    }
}

/// The JSON half of ``FieldScanner``: a cursor over one line.
struct JSONScan {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i: Int
    let keys: FieldKeys
    let values: UnsafeMutablePointer<FieldValue>

    @inline(__always) mutating func skipSpace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    @inline(__always) static func isHex(_ c: UInt8) -> Bool { (c &- 0x30) < 10 || ((c | 0x20) &- 0x61) < 6 }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { (c &- 0x30) < 10 }

    /// A string at `p[i] == '"'`: moves `i` past its closing quote; false when it is not valid
    /// (unterminated, a bad escape, a raw control byte unless `allowsControl`).
    @inline(__always)
    static func string(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, _ escaped: inout Bool, allowsControl: Bool) -> Bool {
        i += 1
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawPointer(p)
        while true {
            // Eight bytes at a time while none is a quote, a backslash or a control byte.
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let q = v ^ (ones &* 0x22), b = v ^ (ones &* 0x5C)
                var special = ((q &- ones) & ~q) | ((b &- ones) & ~b)
                if !allowsControl { special |= (v &- ones &* 0x20) & ~v }
                if special & highs != 0 { break }
                i += 8
            }
            guard i < n else { return false }
            let c = p[i]
            if c == 0x22 { i += 1; return true }
            if c == 0x5C {
                escaped = true
                guard i + 1 < n else { return false }
                switch p[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 6 <= n, isHex(p[i + 2]), isHex(p[i + 3]), isHex(p[i + 4]), isHex(p[i + 5]) else { return false }
                    i += 6
                default: return false
                }
                continue
            }
            if c < 0x20 && !allowsControl { return false }
            i += 1
        }
    }

    /// A number in JSON's grammar at `p[i]`.
    static func number(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Bool {
        if i < n && p[i] == 0x2D { i += 1 }
        guard i < n else { return false }
        if p[i] == 0x30 {
            i += 1
        } else if isDigit(p[i]) {
            while i < n && isDigit(p[i]) { i += 1 }
        } else {
            return false
        }
        if i < n && p[i] == 0x2E {
            i += 1
            guard i < n && isDigit(p[i]) else { return false }
            while i < n && isDigit(p[i]) { i += 1 }
        }
        if i < n && (p[i] | 0x20) == 0x65 {
            i += 1
            if i < n && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
            guard i < n && isDigit(p[i]) else { return false }
            while i < n && isDigit(p[i]) { i += 1 }
        }
        return true
    }

    @inline(__always) mutating func word(_ w: StaticString) -> Bool {
        let length = w.utf8CodeUnitCount
        guard i + length <= n, memcmp(p + i, w.utf8Start, length) == 0 else { return false }
        i += length
        return true
    }

    /// Any value at `p[i]` (after white space): moves past it; its kind, or nil when malformed.
    mutating func value(depth: Int, _ escaped: inout Bool) -> FieldValue.Kind? {
        guard i < n else { return nil }
        switch p[i] {
        case 0x22: return Self.string(p, n, &i, &escaped, allowsControl: false) ? .string : nil
        case 0x7B: return object(depth: depth + 1, mask: 0) ? .object : nil
        case 0x5B: return array(depth: depth + 1) ? .array : nil
        case 0x74: return word("true") ? .true : nil
        case 0x66: return word("false") ? .false : nil
        case 0x6E: return word("null") ? .null : nil
        default: return Self.number(p, n, &i) ? .number : nil
        }
    }

    mutating func array(depth: Int) -> Bool {
        guard depth <= FieldScanner.maximumDepth else { return false }
        i += 1
        skipSpace()
        if i < n && p[i] == 0x5D { i += 1; return true }
        while true {
            var escaped = false
            guard value(depth: depth, &escaped) != nil else { return false }
            skipSpace()
            guard i < n else { return false }
            if p[i] == 0x2C { i += 1; skipSpace(); continue }
            if p[i] == 0x5D { i += 1; return true }
            return false
        }
    }

    /// Whether the key `p[ks..<ke]` (escaped or not) is `key`.
    @inline(__always)
    func keyEquals(_ ks: Int, _ ke: Int, _ escaped: Bool, _ key: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        if !escaped { return ke - ks == length && memcmp(p + ks, key, length) == 0 }
        return JSONText.decodedEquals(p + ks, ke - ks, key, length)
    }

    /// An object at `p[i] == '{'` at `depth`; `mask` holds the paths whose components above
    /// this depth led here: their values are recorded as their keys are met (the last wins).
    mutating func object(depth: Int, mask: UInt64) -> Bool {
        guard depth <= FieldScanner.maximumDepth else { return false }
        i += 1
        skipSpace()
        if i < n && p[i] == 0x7D { i += 1; return true }
        while true {
            guard i < n, p[i] == 0x22 else { return false }
            let ks = i + 1
            var keyEscaped = false
            guard Self.string(p, n, &i, &keyEscaped, allowsControl: false) else { return false }
            let ke = i - 1
            skipSpace()
            guard i < n, p[i] == 0x3A else { return false }
            i += 1
            skipSpace()
            guard i < n else { return false }
            var terminal: UInt64 = 0
            var nested: UInt64 = 0
            var bits = mask
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                bits &= bits - 1
                let (key, length) = keys.component(k, depth)
                if keyEquals(ks, ke, keyEscaped, key, length) {
                    if keys.depths[k] == depth + 1 { terminal |= 1 << UInt64(k) } else { nested |= 1 << UInt64(k) }
                }
            }
            if terminal | nested == 0 {
                var escaped = false
                guard value(depth: depth, &escaped) != nil else { return false }
            } else {
                // A later duplicate key replaces what an earlier one held, down to nested paths.
                var reset = nested
                while reset != 0 {
                    let k = reset.trailingZeroBitCount
                    reset &= reset - 1
                    values[k] = .missing
                }
                let vs = i
                var escaped = false
                let kind: FieldValue.Kind
                if p[i] == 0x7B && nested != 0 {
                    guard object(depth: depth + 1, mask: nested) else { return false }
                    kind = .object
                } else {
                    guard let k = value(depth: depth, &escaped) else { return false }
                    kind = k
                }
                let found = kind == .string ? FieldValue(kind: kind, start: vs + 1, end: i - 1, escaped: escaped)
                    : FieldValue(kind: kind, start: vs, end: i, escaped: false)
                while terminal != 0 {
                    let k = terminal.trailingZeroBitCount
                    terminal &= terminal - 1
                    values[k] = found
                }
            }
            skipSpace()
            guard i < n else { return false }
            if p[i] == 0x2C { i += 1; skipSpace(); continue }
            if p[i] == 0x7D { i += 1; return true }
            return false
        }
    }
}

/// Decoding and writing JSON string text.
enum JSONText {
    /// Decodes the (valid) escaped string body `p[0..<n]` into `out` (room for `n` bytes: a
    /// decoded string is never longer); returns the decoded length. A lone surrogate
    /// (`\ud800` not followed by a low one) becomes U+FFFD, as jq decodes it.
    static func decode(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var i = 0
        var o = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= n else { return nil }
            var v: UInt32 = 0
            for j in 0..<4 {
                let c = p[at + j]
                let d: UInt32
                if c >= 0x30 && c <= 0x39 { d = UInt32(c - 0x30) } else if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 {
                    d = UInt32((c | 0x20) - 0x61 + 10)
                } else { return nil }
                v = v << 4 | d
            }
            return v
        }
        while i < n {
            let c = p[i]
            guard c == 0x5C, i + 1 < n else { out[o] = c; o += 1; i += 1; continue }
            let e = p[i + 1]
            i += 2
            switch e {
            case 0x62: out[o] = 0x08
            case 0x66: out[o] = 0x0C
            case 0x6E: out[o] = 0x0A
            case 0x72: out[o] = 0x0D
            case 0x74: out[o] = 0x09
            case 0x75:
                guard var scalar = hex4(i) else { out[o] = e; break }
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    if i + 6 <= n, p[i] == 0x5C, p[i + 1] == 0x75, let low = hex4(i + 2), low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                o += utf8(scalar, out + o)
                continue
            default: out[o] = e  // " \ /
            }
            o += 1
        }
        return o
    }

    /// Writes `scalar` as UTF-8 at `out`; returns the byte count.
    static func utf8(_ scalar: UInt32, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case ..<0x80: out[0] = UInt8(scalar); return 1
        case ..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6); out[1] = UInt8(0x80 | scalar & 0x3F); return 2
        case ..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12); out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F); return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18); out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F); out[3] = UInt8(0x80 | scalar & 0x3F); return 4
        }
    }

    /// Whether the escaped body `p[0..<n]` decodes to `key[0..<length]`.
    static func decodedEquals(_ p: UnsafePointer<UInt8>, _ n: Int, _ key: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(1, n)) { buffer in
            let m = decode(p, n, into: buffer.baseAddress!)
            return m == length && memcmp(buffer.baseAddress!, key, length) == 0
        }
    }

    /// Appends `bytes` as a JSON string (quotes included), escaped as jq escapes: `"`, `\`,
    /// control bytes (`\n`, `\t`, ... or `\u00XX`) and DEL (`\u007f`).
    static func appendQuoted(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(0x22)
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { out.append(0x22); return }
        let n = bytes.count
        var run = 0
        var i = 0
        // Copy each run of bytes that need no escape with one append; no allocation per call.
        while i < n {
            let c = base[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C && c != 0x7F { i += 1; continue }
            if i > run { out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: i - run)) }
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            default:
                let hi = c >> 4, lo = c & 15
                out.append(0x5C); out.append(0x75); out.append(0x30); out.append(0x30)
                out.append(hi < 10 ? 0x30 + hi : 0x57 + hi)
                out.append(lo < 10 ? 0x30 + lo : 0x57 + lo)
            }
            i += 1
            run = i
        }
        if n > run { out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: n - run)) }
        out.append(0x22)
    }

    /// Appends the (valid) JSON text `p[0..<n]` without white space outside strings, as `jq -c` prints it.
    static func appendMinified(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout [UInt8]) {
        var i = 0
        var inString = false
        while i < n {
            let c = p[i]
            if inString {
                out.append(c)
                if c == 0x5C && i + 1 < n { out.append(p[i + 1]); i += 2; continue }
                if c == 0x22 { inString = false }
            } else if c == 0x22 {
                inString = true
                out.append(c)
            } else if !(c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D) {
                out.append(c)
            }
            i += 1
        }
    }

    /// The number in `p[0..<n]` when it is one in JSON's grammar (JSON numbers; logfmt text such as `503`).
    static func number(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0 else { return nil }
        var i = 0
        guard JSONScan.number(p, n, &i), i == n else { return nil }
        // Up to 15 digits, an integer: exact without strtod.
        if n <= 16 {
            var negative = false
            var j = 0
            if p[0] == 0x2D { negative = true; j = 1 }
            var v: Int64 = 0
            var plain = j < n
            while j < n {
                let d = p[j] &- 0x30
                if d >= 10 { plain = false; break }
                v = v * 10 + Int64(d)
                j += 1
            }
            if plain { return negative ? -Double(v) : Double(v) }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer in
            let b = buffer.baseAddress!
            for j in 0..<n { b[j] = CChar(bitPattern: p[j]) }
            b[n] = 0
            return strtod(b, nil)
        }
    }
}
