import CByteScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Why a hand-written scanner and not simdjson (libsimdjson-dev): see ``FieldScanner``'s documentation.

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
    /// The same, for the C scanner (pointers into the buffers above).
    let c: UnsafeMutablePointer<sluice_json_keys>

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
        c = .allocate(capacity: 1)
        c.initialize(to: sluice_json_keys(bytes: bytes, depths: depths, starts: starts, lengths: lengths,
                                          count: count, max_depth: maxDepth, all: allPaths))
    }

    deinit {
        c.deallocate()
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
///
/// Why not simdjson (`libsimdjson-dev`): measured on all 663,632 lines of a 200 MB JSON log in
/// memory, finding `level` and `status`, its On-Demand API took 369 ns a line when it reads
/// the two fields and skips the rest unchecked, 699 ns when every value is checked (the
/// semantics here: a malformed line is skipped, never half-read), and its DOM API 535 ns,
/// against 467 ns for this scanner's C half; and without `-march` flags, which a package
/// cannot set for its users, its header-only kernels build to the portable fallback.
struct FieldScanner {
    static let maximumFields = 64
    /// Deeper JSON nesting than this is taken as malformed (no recursion without end).
    static let maximumDepth = Int(SLUICE_JSON_MAX_DEPTH)

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
            let valid = UnsafeMutableRawPointer(values).withMemoryRebound(to: sluice_field_value.self, capacity: Swift.max(1, keys.count)) {
                sluice_json_scan(p, n, i, keys.c, $0)
            }
            shape = valid != 0 ? .json : .malformed
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
                    var escaped: Int32 = 0
                    guard sluice_json_string(p, n, &i, &escaped, 1) != 0 else { return .malformed }
                    if i < n && !Self.isLogfmtSpace(p[i]) { return .malformed }
                    value = FieldValue(kind: .text, start: ke + 2, end: i - 1, escaped: escaped != 0)
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

/// JSON's number grammar, for values read as numbers (the line scan itself is in C:
/// CByteScan's JSONScan.c).
enum JSONScan {
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { (c &- 0x30) < 10 }

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
            i += sluice_json_plain_run(base + i, n - i)
            guard i < n else { break }
            let c = base[i]
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
