/// Finds the timestamp at the start of a log line and turns it into an instant: microseconds
/// since 1970-01-01T00:00:00Z. Nothing is allocated and the line is read once, left to right,
/// so it can run on every line (see `sluice-bench logtime`).
///
/// Recognised, after an optional `<PRI>` (and the RFC 5424 version `1 `) or `[`:
///
/// | format | example |
/// |---|---|
/// | ISO 8601 / RFC 3339 (`T`, `t` or space; `/` accepted for `-`) | `2024-05-13T08:00:00.123456+02:00`, `2024-05-13 08:00:00` |
/// | comma fractions (log4j, Hadoop, Zookeeper) | `2015-10-18 18:01:47,978` |
/// | RFC 3164 syslog (no year) | `May 13 08:00:00`, `May  3 08:00:00` |
/// | RFC 5424 | `<34>1 2024-05-13T08:00:00.123Z` |
/// | Common / Combined Log Format, after host, ident and user | `10.0.0.1 - bob [13/May/2024:08:00:00 +0000]` |
/// | Apache error log | `[Mon May 13 08:00:00 2024]`, `[Mon May 13 08:00:00.123456 2024]` |
/// | HDFS (two-digit year, 20yy) | `081109 203615` |
/// | Android logcat (no year) | `05-13 08:00:00.123` |
/// | HealthApp | `20171223-22:15:29:606` (the last field counts milliseconds: `:7` is 7 ms) |
/// | Proxifier (no year) | `[10.30 16:49:06]` |
/// | epoch | 10 digits (seconds, optional fraction), 13 (milliseconds), 16 (microseconds), 19 (nanoseconds) |
/// | JSON and logfmt lines | the `ts`, `time`, `timestamp` or `@timestamp` field, a string in any form above or an epoch number |
///
/// Zones: `Z`, `±hh:mm`, `±hhmm`, `±hh`, directly after the time or after one space. A time
/// without a zone is taken to be `zoneOffset` seconds east of UTC (one fixed offset: the parser
/// does not follow daylight-saving changes). A format without a year takes
/// ``referenceYear``, or the year before it when the month is after ``referenceMonth`` (as
/// syslog readers do with the file's modification time). Fractions beyond microseconds are
/// truncated. A date without a time of day is not a timestamp.
public struct LogTime: Sendable {
    /// The year given to formats without one.
    public var referenceYear: Int
    /// Months after this one (1...12) are taken to be in the year before ``referenceYear``.
    public var referenceMonth: Int
    /// Seconds east of UTC of times that carry no zone.
    public var zoneOffset: Int

    public init(referenceYear: Int = 1970, referenceMonth: Int = 12, zoneOffset: Int = 0) {
        self.referenceYear = referenceYear
        self.referenceMonth = referenceMonth
        self.zoneOffset = zoneOffset
    }

    /// Microseconds in a second.
    public static let second: Int64 = 1_000_000

    /// The instant of the timestamp at the start of `line`, or `nil` when it has none.
    @inlinable
    public func parse(_ line: Line) -> Int64? {
        line.withUnsafeBytes { parse($0) }
    }

    /// The instant of the timestamp at the start of `bytes` (one line), or `nil`.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard let raw = bytes.baseAddress, bytes.count >= 6 else { return nil }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        let t = instant(p, bytes.count)
        return t == Self.none ? nil : t
    }

    /// Calls `body` with the instant of each line of `batch` (`nil` for a line without a
    /// timestamp), in order, inside one access to the batch's buffer: the fast way to parse
    /// every line.
    public func forEachInstant(in batch: LineBatch, _ body: (Int64?) -> Void) {
        batch.forEachLine { bytes, range, _, _, _ in
            body(range.count >= 6 ? {
                let t = instant(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + range.lowerBound, range.count)
                return t == Self.none ? nil : t
            }() : nil)
            return true
        }
    }

    /// "No timestamp" inside the parser.
    static let none = Int64.min

    // MARK: - Dispatch

    func instant(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        var i = 0
        if p[0] == 0x3C {  // <PRI>
            var j = 1
            while j < n && j < 5 && isDigit(p[j]) { j += 1 }
            if j > 1 && j < n && p[j] == 0x3E {
                i = j + 1
                if i + 1 < n && p[i] == 0x31 && p[i + 1] == 0x20 { i += 2 }  // RFC 5424 version
            }
        }
        if i < n && p[i] == 0x5B { i += 1 }  // [
        let t = at(p, i, n)
        if t != Self.none { return t }
        let c = p[0]
        if c == 0x7B { return json(p, n) }
        if isLetter(c) || c == 0x5F || c == 0x40 {
            let l = logfmt(p, n)
            if l != Self.none { return l }
        }
        // A host name or address first (continuation lines, which start with a space or tab, never are).
        guard isDigit(c) || isLetter(c) || c == 0x3A else { return Self.none }
        return commonLogFormat(p, n)
    }

    /// A timestamp starting exactly at `i`.
    func at(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i < n else { return Self.none }
        let c = p[i]
        if isDigit(c) {
            var k = i
            while k < n && k - i < 20 && isDigit(p[k]) { k += 1 }
            let digits = k - i
            let next: UInt8 = k < n ? p[k] : 0
            switch digits {
            case 4 where next == 0x2D || next == 0x2F: return iso(p, i, n)
            case 8 where next == 0x2D: return healthApp(p, i, n)
            case 6 where next == 0x20: return hdfs(p, i, n)
            case 2 where next == 0x2D: return android(p, i, n)
            case 2 where next == 0x2F: return clf(p, i, n)
            case 2 where next == 0x2E: return proxifier(p, i, n)
            case 10, 13, 16, 19: return epoch(p, i, k, n)
            default: return Self.none
            }
        }
        if isLetter(c) {
            if let month = monthNumber(p, i, n), i + 3 < n, p[i + 3] == 0x20 { return syslog(p, i + 4, n, month: month) }
            if isDayName(p, i, n), i + 4 < n, p[i + 3] == 0x20 { return apache(p, i + 4, n) }
        }
        return Self.none
    }

    // MARK: - Formats

    /// `YYYY-MM-DD[T ]HH:MM[:SS][.frac][zone]`.
    func iso(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 16 <= n else { return Self.none }
        let sep = p[i + 4]
        let year = d4(p, i), month = d2(p, i + 5), day = d2(p, i + 8)
        guard year >= 0, month >= 0, day >= 0, p[i + 7] == sep else { return Self.none }
        let t = p[i + 10]
        guard t == 0x54 || t == 0x20 || t == 0x74 else { return Self.none }
        var j = i + 11
        guard let clock = clock(p, &j, n, secondsOptional: true) else { return Self.none }
        return finish(p, j, n, year: year, month: month, day: day, clock: clock, zoneAllowed: true)
    }

    /// `YYYYMMDD-H:M:S[:mmm]` (HealthApp): the time's fields are not zero-padded (`22:16:0:7`) and the
    /// field after the seconds is a count of milliseconds (`:7` is 7 ms).
    func healthApp(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        let year = d4(p, i), month = d2(p, i + 4), day = d2(p, i + 6)
        guard year >= 0, month >= 0, day >= 0 else { return Self.none }
        var j = i + 9
        var fields = (0, 0, 0, 0)
        var count = 0
        while count < 4 {
            var value = 0, digits = 0
            while j < n && isDigit(p[j]) && digits < 3 { value = value * 10 + Int(p[j] &- 0x30); j += 1; digits += 1 }
            guard digits > 0, digits <= (count == 3 ? 3 : 2) else { return Self.none }
            switch count { case 0: fields.0 = value; case 1: fields.1 = value; case 2: fields.2 = value; default: fields.3 = value }
            count += 1
            guard j + 1 < n, p[j] == 0x3A, isDigit(p[j + 1]) else { break }
            j += 1
        }
        guard count >= 3, j >= n || !isDigit(p[j]) else { return Self.none }
        let clock = Clock(hour: fields.0, minute: fields.1, second: fields.2, micros: Int64(fields.3) * 1000)
        return finish(p, j, n, year: year, month: month, day: day, clock: clock, zoneAllowed: false)
    }

    /// `YYMMDD HHMMSS` (HDFS): years 2000-2099.
    func hdfs(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 13 <= n else { return Self.none }
        let yy = d2(p, i), month = d2(p, i + 2), day = d2(p, i + 4)
        let h = d2(p, i + 7), m = d2(p, i + 9), s = d2(p, i + 11)
        guard yy >= 0, month >= 0, day >= 0, h >= 0, m >= 0, s >= 0 else { return Self.none }
        guard i + 13 == n || !isDigit(p[i + 13]) else { return Self.none }
        let clock = Clock(hour: h, minute: m, second: s, micros: 0)
        return finish(p, i + 13, n, year: 2000 + yy, month: month, day: day, clock: clock, zoneAllowed: false)
    }

    /// `MM-DD HH:MM:SS[.frac]` (Android logcat), no year.
    func android(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 14 <= n, p[i + 5] == 0x20 else { return Self.none }
        let month = d2(p, i), day = d2(p, i + 3)
        guard month >= 0, day >= 0 else { return Self.none }
        var j = i + 6
        guard let clock = clock(p, &j, n, secondsOptional: false) else { return Self.none }
        return finish(p, j, n, year: yearFor(month: month), month: month, day: day, clock: clock, zoneAllowed: false)
    }

    /// `MM.DD HH:MM:SS` (Proxifier), no year.
    func proxifier(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 14 <= n, p[i + 5] == 0x20 else { return Self.none }
        let month = d2(p, i + 0), day = d2(p, i + 3)
        guard month >= 0, day >= 0 else { return Self.none }
        var j = i + 6
        guard let clock = clock(p, &j, n, secondsOptional: false) else { return Self.none }
        return finish(p, j, n, year: yearFor(month: month), month: month, day: day, clock: clock, zoneAllowed: false)
    }

    /// `DD/Mon/YYYY:HH:MM:SS zone` (Common Log Format).
    func clf(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 20 <= n, p[i + 6] == 0x2F, p[i + 11] == 0x3A else { return Self.none }
        let day = d2(p, i), year = d4(p, i + 7)
        guard day >= 0, year >= 0, let month = monthNumber(p, i + 3, n) else { return Self.none }
        var j = i + 12
        guard let clock = clock(p, &j, n, secondsOptional: false) else { return Self.none }
        return finish(p, j, n, year: year, month: month, day: day, clock: clock, zoneAllowed: true)
    }

    /// `Mon DD HH:MM:SS[.frac]` after the month name (RFC 3164), no year; the day may be space-padded.
    func syslog(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, month: Int) -> Int64 {
        guard i + 11 <= n else { return Self.none }
        var j = i
        if p[j] == 0x20 { j += 1 }
        var day = 0
        guard isDigit(p[j]) else { return Self.none }
        day = Int(p[j] &- 0x30); j += 1
        if isDigit(p[j]) { day = day * 10 + Int(p[j] &- 0x30); j += 1 }
        guard j < n, p[j] == 0x20 else { return Self.none }
        j += 1
        guard let clock = clock(p, &j, n, secondsOptional: false) else { return Self.none }
        return finish(p, j, n, year: yearFor(month: month), month: month, day: day, clock: clock, zoneAllowed: false)
    }

    /// `Mon DD HH:MM:SS[.frac] YYYY` after the day name (Apache error log).
    func apache(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard let month = monthNumber(p, i, n), i + 20 <= n, p[i + 3] == 0x20 else { return Self.none }
        var j = i + 4
        if p[j] == 0x20 { j += 1 }
        var day = 0
        guard isDigit(p[j]) else { return Self.none }
        day = Int(p[j] &- 0x30); j += 1
        if isDigit(p[j]) { day = day * 10 + Int(p[j] &- 0x30); j += 1 }
        guard j < n, p[j] == 0x20 else { return Self.none }
        j += 1
        guard let clock = clock(p, &j, n, secondsOptional: false) else { return Self.none }
        guard j + 5 <= n, p[j] == 0x20 else { return Self.none }
        let year = d4(p, j + 1)
        guard year >= 0, j + 5 == n || !isDigit(p[j + 5]) else { return Self.none }
        return finish(p, j + 5, n, year: year, month: month, day: day, clock: clock, zoneAllowed: false)
    }

    /// Epoch seconds (10 digits, optional fraction), milliseconds (13), microseconds (16), nanoseconds (19).
    func epoch(_ p: UnsafePointer<UInt8>, _ i: Int, _ k: Int, _ n: Int) -> Int64 {
        var value: Int64 = 0
        for j in i..<k { value = value &* 10 &+ Int64(p[j] &- 0x30) }
        switch k - i {
        case 10:
            var micros: Int64 = 0
            if k + 1 < n, p[k] == 0x2E, isDigit(p[k + 1]) {
                var j = k + 1
                micros = fraction(p, &j, n)
            }
            return value * Self.second + micros
        case 13: return value * 1000
        case 16: return value
        default: return value / 1000
        }
    }

    /// The `ts`, `time`, `timestamp` or `@timestamp` member of a JSON object.
    func json(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        var i = 1
        while i < n {
            guard let q = nextByte(0x22, p, i, n) else { return Self.none }
            // A key is a string followed by ':'.
            let keyStart = q + 1
            guard let close = nextByte(0x22, p, keyStart, n) else { return Self.none }
            var j = close + 1
            while j < n && p[j] == 0x20 { j += 1 }
            if j < n && p[j] == 0x3A {
                if isTimeKey(p, keyStart, close) {
                    j += 1
                    while j < n && p[j] == 0x20 { j += 1 }
                    guard j < n else { return Self.none }
                    if p[j] == 0x22 {
                        guard let end = nextByte(0x22, p, j + 1, n) else { return Self.none }
                        return at(p, j + 1, end)
                    }
                    return number(p, j, n)
                }
                i = j + 1
            } else {
                i = close + 1  // a value string: go on after it
            }
        }
        return Self.none
    }

    /// The `ts=`, `time=`, `timestamp=` or `@timestamp=` field of a logfmt line (whose first word is `key=`).
    func logfmt(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        var i = 0
        var first = true
        while i < n {
            var eq = i
            while eq < n && p[eq] != 0x3D && p[eq] != 0x20 { eq += 1 }
            guard eq < n, p[eq] == 0x3D else {
                if first { return Self.none }
                i = eq + 1
                continue
            }
            first = false
            var v = eq + 1
            if isTimeKey(p, i, eq) {
                guard v < n else { return Self.none }
                if p[v] == 0x22 {
                    guard let end = nextByte(0x22, p, v + 1, n) else { return Self.none }
                    return at(p, v + 1, end)
                }
                var end = v
                while end < n && p[end] != 0x20 { end += 1 }
                let t = at(p, v, end)
                return t != Self.none ? t : number(p, v, end)
            }
            // Skip the value (quoted values may hold spaces and escaped quotes).
            if v < n && p[v] == 0x22 {
                v += 1
                while v < n && p[v] != 0x22 { v += p[v] == 0x5C ? 2 : 1 }
                v += 1
            }
            while v < n && p[v] != 0x20 { v += 1 }
            i = v + 1
        }
        return Self.none
    }

    /// `host ident user [DD/Mon/YYYY:HH:MM:SS zone]`: three words, then the bracket.
    func commonLogFormat(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        var spaces = 0
        var i = 0
        let limit = Swift.min(n, 512)
        while i < limit {
            let c = p[i]
            if c == 0x20 {
                spaces += 1
                if spaces > 3 { return Self.none }
            } else if c == 0x5B {
                guard spaces == 3, i > 0, p[i - 1] == 0x20, i + 3 < n, isDigit(p[i + 1]), isDigit(p[i + 2]),
                      p[i + 3] == 0x2F else { return Self.none }
                return clf(p, i + 1, n)
            }
            i += 1
        }
        return Self.none
    }

    /// An epoch number (seconds with an optional fraction, or milliseconds and finer by length).
    func number(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        var k = i
        while k < n && isDigit(p[k]) { k += 1 }
        switch k - i {
        case 10, 13, 16, 19: return epoch(p, i, k, n)
        default: return Self.none
        }
    }

    // MARK: - Pieces

    @usableFromInline
    struct Clock {
        var hour: Int, minute: Int, second: Int
        var micros: Int64
    }

    /// `HH:MM[:SS][.frac]` at `j`; moves `j` past it.
    @inline(__always)
    func clock(_ p: UnsafePointer<UInt8>, _ j: inout Int, _ n: Int, secondsOptional: Bool) -> Clock? {
        guard j + 5 <= n, p[j + 2] == 0x3A else { return nil }
        let h = d2(p, j), m = d2(p, j + 3)
        guard h >= 0, m >= 0 else { return nil }
        var c = Clock(hour: h, minute: m, second: 0, micros: 0)
        j += 5
        if j + 3 <= n, p[j] == 0x3A {
            let s = d2(p, j + 1)
            guard s >= 0 else { return nil }
            c.second = s
            j += 3
        } else if !secondsOptional {
            return nil
        }
        if j + 1 < n, p[j] == 0x2E || p[j] == 0x2C, isDigit(p[j + 1]) {
            j += 1
            c.micros = fraction(p, &j, n)
        }
        guard j >= n || !isDigit(p[j]) else { return nil }
        return c
    }

    /// Fraction digits at `j` as microseconds (truncated past six digits); moves `j` past them.
    @inline(__always)
    func fraction(_ p: UnsafePointer<UInt8>, _ j: inout Int, _ n: Int) -> Int64 {
        var micros: Int64 = 0
        var digits = 0
        while j < n && isDigit(p[j]) {
            if digits < 6 { micros = micros * 10 + Int64(p[j] &- 0x30) }
            digits += 1
            j += 1
        }
        while digits < 6 { micros *= 10; digits += 1 }
        return micros
    }

    /// Validates the fields, reads a zone at `j` when allowed, and makes the instant.
    @inline(__always)
    func finish(_ p: UnsafePointer<UInt8>, _ j: Int, _ n: Int, year: Int, month: Int, day: Int, clock: Clock,
                zoneAllowed: Bool) -> Int64 {
        guard month >= 1, month <= 12, day >= 1, day <= Self.daysIn(month: month, year: year),
              clock.hour <= 23, clock.minute <= 59, clock.second <= 60 else { return Self.none }
        var offset = zoneOffset
        if zoneAllowed, let zone = zone(p, j, n) { offset = zone }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86400 + Int64(clock.hour * 3600 + clock.minute * 60 + clock.second) - Int64(offset)
        return seconds * Self.second + clock.micros
    }

    /// A zone at `j` (directly or after one space): `Z`, `±hh:mm`, `±hhmm`, `±hh`; seconds east of UTC.
    @inline(__always)
    func zone(_ p: UnsafePointer<UInt8>, _ j: Int, _ n: Int) -> Int? {
        var j = j
        guard j < n else { return nil }
        if p[j] == 0x20 { j += 1; guard j < n else { return nil } }
        let c = p[j]
        if c == 0x5A || c == 0x7A { return j + 1 == n || !isLetter(p[j + 1]) ? 0 : nil }
        guard c == 0x2B || c == 0x2D, j + 3 <= n else { return nil }
        let h = d2(p, j + 1)
        guard h >= 0, h <= 18 else { return nil }
        var m = 0
        var k = j + 3
        if k + 3 <= n, p[k] == 0x3A {
            m = d2(p, k + 1); k += 3
        } else if k + 2 <= n, isDigit(p[k]) {
            m = d2(p, k); k += 2
        }
        guard m >= 0, m <= 59, k >= n || !isDigit(p[k]) else { return nil }
        let seconds = h * 3600 + m * 60
        return c == 0x2D ? -seconds : seconds
    }

    /// The year of a year-less date in `month`.
    @inline(__always)
    func yearFor(month: Int) -> Int { month > referenceMonth ? referenceYear - 1 : referenceYear }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }

    @inline(__always)
    func d2(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int {
        let a = p[i] &- 0x30, b = p[i + 1] &- 0x30
        return a < 10 && b < 10 ? Int(a) * 10 + Int(b) : -1
    }

    @inline(__always)
    func d4(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int {
        let a = d2(p, i), b = d2(p, i + 2)
        return a >= 0 && b >= 0 ? a * 100 + b : -1
    }

    @inline(__always)
    func nextByte(_ byte: UInt8, _ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int? {
        var i = from
        while i < n { if p[i] == byte { return i }; i += 1 }
        return nil
    }

    /// Whether `p[from..<to]` is `ts`, `time`, `timestamp` or `@timestamp`.
    func isTimeKey(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var s = from
        if s < to && p[s] == 0x40 { s += 1 }
        switch to - s {
        case 2: return p[s] == 0x74 && p[s + 1] == 0x73
        case 4: return p[s] == 0x74 && p[s + 1] == 0x69 && p[s + 2] == 0x6D && p[s + 3] == 0x65
        case 9:
            let word: StaticString = "timestamp"
            return word.withUTF8Buffer { w in (0..<9).allSatisfy { p[s + $0] == w[$0] } }
        default: return false
        }
    }

    /// The month of a three-letter English name (any case), 1...12.
    func monthNumber(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        guard i + 3 <= n else { return nil }
        let key = (UInt32(p[i] | 0x20) << 16) | (UInt32(p[i + 1] | 0x20) << 8) | UInt32(p[i + 2] | 0x20)
        switch key {
        case 0x6A616E: return 1   // jan
        case 0x666562: return 2   // feb
        case 0x6D6172: return 3   // mar
        case 0x617072: return 4   // apr
        case 0x6D6179: return 5   // may
        case 0x6A756E: return 6   // jun
        case 0x6A756C: return 7   // jul
        case 0x617567: return 8   // aug
        case 0x736570: return 9   // sep
        case 0x6F6374: return 10  // oct
        case 0x6E6F76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }

    /// Whether a three-letter English day name starts at `i`.
    func isDayName(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        guard i + 3 <= n else { return false }
        let key = (UInt32(p[i] | 0x20) << 16) | (UInt32(p[i + 1] | 0x20) << 8) | UInt32(p[i + 2] | 0x20)
        switch key {
        case 0x6D6F6E, 0x747565, 0x776564, 0x746875, 0x667269, 0x736174, 0x73756E: return true
        default: return false
        }
    }

    // MARK: - Calendar

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (era arithmetic: 400-year cycles of 146097 days).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// The date of a day number from 1970-01-01 (the inverse of ``daysFromCivil(year:month:day:)``).
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
