/// Finds the timestamp at the start of a log line and turns it into an instant: microseconds
/// since 1970-01-01T00:00:00Z. Nothing is allocated and the line is read once, left to right,
/// so it can run on every line (see `sluice-bench logtime`).
///
/// Recognised, after an optional `<PRI>` (and the RFC 5424 version `1 `) or `[`:
///
/// | format | example |
/// |---|---|
/// | ISO 8601 / RFC 3339 (`T`, `t` or space; `/` accepted for `-`) | `2024-05-13T08:00:00.123456+02:00`, `2024-05-13 08:00:00` |
/// | comma fractions (log4j, Hadoop, Zookeeper, Python logging) | `2015-10-18 18:01:47,978` |
/// | ISO with a zone abbreviation (PostgreSQL, journalctl short-full) | `2024-05-13 08:00:00.123 UTC`, `Mon 2024-05-13 08:00:00 CEST` |
/// | ISO 8601 basic | `20240513T080000.5+0200` |
/// | Tomcat, Java | `13-May-2024 08:00:00.123` |
/// | Kubernetes klog, glog (no year) | `I0513 08:00:00.123456` |
/// | RFC 3164 syslog (no year) | `May 13 08:00:00`, `May  3 08:00:00` |
/// | RFC 5424 | `<34>1 2024-05-13T08:00:00.123Z` |
/// | Common / Combined Log Format, the line's first `[` after at least three words | `10.0.0.1 - bob [13/May/2024:08:00:00 +0000]` |
/// | Apache error log, ctime, date(1) | `[Mon May 13 08:00:00 2024]`, `[Mon May 13 08:00:00.123456 2024]`, `Mon May 13 08:00:00 UTC 2024` |
/// | HDFS (two-digit year, 20yy) | `081109 203615` |
/// | Android logcat (no year) | `05-13 08:00:00.123` |
/// | HealthApp | `20171223-22:15:29:606` (the last field counts milliseconds: `:7` is 7 ms) |
/// | Proxifier (no year) | `[10.30 16:49:06]` |
/// | epoch | 10 digits (seconds, optional fraction), 13 (milliseconds), 16 (microseconds), 19 (nanoseconds) |
/// | JSON and logfmt lines | the top-level `ts`, `time`, `timestamp` or `@timestamp` field, a string in any form above or an epoch number |
///
/// Zones: `Z`, `±hh:mm`, `±hhmm`, `±hh`, directly after the time or after one space, or after a
/// space a zone abbreviation (`UTC`, `CEST`, `EST`, ...; see `namedZone`): one that names several
/// zones (`CST`, `IST`, `BST`, ...) makes the line not a timestamp rather than a guess. A time
/// without a zone is taken to be `zoneOffset` seconds east of UTC (one fixed offset: the parser
/// does not follow daylight-saving changes). A format without a year takes
/// ``referenceYear``, or the year before it when the month is after ``referenceMonth`` (as
/// syslog readers do with the file's modification time). Fractions beyond microseconds are
/// truncated. A date without a time of day is not a timestamp, nor is a day-first or month-first
/// date (`13/05/2024`); ``format`` (a ``TimeFormat``) reads one of those.
public struct LogTime: Sendable {
    /// The year given to formats without one.
    public var referenceYear: Int
    /// Months after this one (1...12) are taken to be in the year before ``referenceYear``.
    public var referenceMonth: Int
    /// Seconds east of UTC of times that carry no zone.
    public var zoneOffset: Int
    /// The one format to read (`--time-format`) instead of recognising the formats above; `nil`
    /// to recognise them.
    public var format: TimeFormat?

    public init(referenceYear: Int = 1970, referenceMonth: Int = 12, zoneOffset: Int = 0, format: TimeFormat? = nil) {
        self.referenceYear = referenceYear
        self.referenceMonth = referenceMonth
        self.zoneOffset = zoneOffset
        self.format = format
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
        if let format { return format.instant(p, n, self) }
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
            // The most common form first: `YYYY-` (ISO) needs no count of digits.
            if i + 4 < n, p[i + 4] == 0x2D, d4(p, i) >= 0 { return iso(p, i, n) }
            var k = i
            while k < n && k - i < 20 && isDigit(p[k]) { k += 1 }
            let digits = k - i
            let next: UInt8 = k < n ? p[k] : 0
            switch digits {
            case 4 where next == 0x2D || next == 0x2F: return iso(p, i, n)
            case 8 where next == 0x2D: return healthApp(p, i, n)
            case 8 where next == 0x54 || next == 0x74: return basicISO(p, i, n)
            case 6 where next == 0x20: return hdfs(p, i, n)
            case 2 where next == 0x2D: return i + 3 < n && isLetter(p[i + 3]) ? dayMonthYear(p, i, n) : monthDay(p, i, n)
            case 2 where next == 0x2F: return clf(p, i, n)
            case 2 where next == 0x2E: return monthDay(p, i, n)
            case 10, 13, 16, 19: return epoch(p, i, k, n)
            default: return Self.none
            }
        }
        if isLetter(c) {
            if let month = monthNumber(p, i, n), i + 3 < n, p[i + 3] == 0x20 { return syslog(p, i + 4, n, month: month) }
            if isDayName(p, i, n), i + 9 < n, p[i + 3] == 0x20 {
                // `Mon 2024-05-13 08:00:00 CEST` (journalctl short-full), else `Mon May 13 ...`.
                if isDigit(p[i + 4]) { return p[i + 8] == 0x2D ? iso(p, i + 4, n) : Self.none }
                return apache(p, i + 4, n)
            }
            if c == 0x49 || c == 0x57 || c == 0x45 || c == 0x46 { return monthDay(p, i + 1, n, dayAt: 2) }  // klog: I W E F
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

    /// `YYYYMMDDTHHMMSS[.frac][zone]` (ISO 8601 basic format).
    func basicISO(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 15 <= n else { return Self.none }
        let year = d4(p, i), month = d2(p, i + 4), day = d2(p, i + 6)
        let h = d2(p, i + 9), m = d2(p, i + 11), s = d2(p, i + 13)
        guard year >= 0, month >= 0, day >= 0, h >= 0, m >= 0, s >= 0 else { return Self.none }
        var clock = Clock(hour: h, minute: m, second: s, micros: 0)
        var j = i + 15
        if j + 1 < n, p[j] == 0x2E || p[j] == 0x2C, isDigit(p[j + 1]) {
            j += 1
            clock.micros = fraction(p, &j, n)
        }
        guard j >= n || !isDigit(p[j]) else { return Self.none }
        return finish(p, j, n, year: year, month: month, day: day, clock: clock, zoneAllowed: true)
    }

    /// `DD-Mon-YYYY HH:MM:SS[.frac]` (Tomcat, Java's default date format).
    func dayMonthYear(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64 {
        guard i + 20 <= n, p[i + 6] == 0x2D, p[i + 11] == 0x20 else { return Self.none }
        let day = d2(p, i), year = d4(p, i + 7)
        guard day >= 0, year >= 0, let month = monthNumber(p, i + 3, n) else { return Self.none }
        var j = i + 12
        guard let clock = clock(p, &j, n, secondsOptional: false) else { return Self.none }
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

    /// `MM-DD HH:MM:SS[.frac]` (Android logcat), `MM.DD HH:MM:SS` (Proxifier), both with the day
    /// at `i + 3`, and `MMDD HH:MM:SS.frac` after the level letter of Kubernetes klog and glog
    /// (`I0513 08:00:00.123456`), with the day at `i + 2`: the month at `i`, then the day, a
    /// space and the time; no year.
    func monthDay(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, dayAt d: Int = 3) -> Int64 {
        guard i + d + 11 <= n, p[i + d + 2] == 0x20 else { return Self.none }
        let month = d2(p, i), day = d2(p, i + d)
        guard month >= 0, day >= 0 else { return Self.none }
        var j = i + d + 3
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
        var offset = zoneOffset
        if j + 1 < n, p[j] == 0x20, p[j + 1] &- 0x41 < 26 {  // `... 08:00:00 UTC 2024` (date(1))
            let (zone, end) = namedZone(p, j + 1, n)
            guard zone != Self.noZone, zone != Self.ambiguousZone else { return Self.none }
            offset = zone
            j = end
        }
        guard j + 5 <= n, p[j] == 0x20 else { return Self.none }
        let year = d4(p, j + 1)
        guard year >= 0, j + 5 == n || !isDigit(p[j + 5]) else { return Self.none }
        let t = finish(p, j + 5, n, year: year, month: month, day: day, clock: clock, zoneAllowed: false)
        return t == Self.none ? t : t + Int64(zoneOffset - offset) * Self.second
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

    /// The `ts`, `time`, `timestamp` or `@timestamp` member of a JSON object (at its top level:
    /// members of nested objects are not its time).
    func json(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        var i = 1
        var depth = 1
        var expectsKey = true
        while i < n {
            switch p[i] {
            case 0x22:
                guard let close = stringEnd(p, i + 1, n) else { return Self.none }
                guard depth == 1 && expectsKey else { i = close + 1; continue }
                var j = close + 1
                while j < n && p[j] == 0x20 { j += 1 }
                guard j < n, p[j] == 0x3A else { return Self.none }
                j += 1
                if isTimeKey(p, i + 1, close) {
                    while j < n && p[j] == 0x20 { j += 1 }
                    guard j < n else { return Self.none }
                    if p[j] == 0x22 {
                        guard let end = stringEnd(p, j + 1, n) else { return Self.none }
                        return at(p, j + 1, end)
                    }
                    return number(p, j, n)
                }
                expectsKey = false
                i = j
            case 0x7B, 0x5B: depth += 1; i += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth <= 0 { return Self.none }
                i += 1
            case 0x2C:
                if depth == 1 { expectsKey = true }
                i += 1
            default: i += 1
            }
        }
        return Self.none
    }

    /// The closing quote of a JSON string whose contents start at `from` (escapes skipped).
    @inline(__always)
    func stringEnd(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int? {
        var i = from
        while i < n {
            let c = p[i]
            if c == 0x22 { return i }
            i += c == 0x5C ? 2 : 1
        }
        return nil
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

    /// `host ident user [DD/Mon/YYYY:HH:MM:SS zone]`: the first `[` of the line, after at least
    /// three words (the user field may hold spaces; a virtual host may come first).
    func commonLogFormat(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64 {
        var spaces = 0
        var i = 0
        let limit = Swift.min(n, 512)
        while i < limit {
            let c = p[i]
            if c == 0x20 {
                spaces += 1
            } else if c == 0x5B {
                guard spaces >= 2, p[i - 1] == 0x20, i + 3 < n, isDigit(p[i + 1]), isDigit(p[i + 2]),
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
        var offset = zoneOffset
        if zoneAllowed {
            let zone = zone(p, j, n)
            if zone == Self.ambiguousZone { return Self.none }
            if zone != Self.noZone { offset = zone }
        }
        return make(year: year, month: month, day: day, clock: clock, offset: offset)
    }

    /// The instant of a date and time `offset` seconds east of UTC, or `none` when a field is out of range.
    @inline(__always)
    func make(year: Int, month: Int, day: Int, clock: Clock, offset: Int) -> Int64 {
        guard month >= 1, month <= 12, day >= 1, day <= Self.daysIn(month: month, year: year),
              clock.hour <= 23, clock.minute <= 59, clock.second <= 60 else { return Self.none }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86400 + Int64(clock.hour * 3600 + clock.minute * 60 + clock.second) - Int64(offset)
        return seconds * Self.second + clock.micros
    }

    /// No zone written (`zone` and `namedZone`).
    static let noZone = Int.min
    /// A zone abbreviation that names several offsets (`CST`): the time cannot be read surely.
    static let ambiguousZone = Int.max

    /// A zone at `j` (directly or after one space): `Z`, `±hh:mm`, `±hhmm`, `±hh`, or after a
    /// space an abbreviation (``namedZone(_:_:_:)``); seconds east of UTC, `noZone` or `ambiguousZone`.
    @inline(__always)
    func zone(_ p: UnsafePointer<UInt8>, _ j: Int, _ n: Int) -> Int {
        var j = j
        guard j < n else { return Self.noZone }
        var spaced = false
        if p[j] == 0x20 { j += 1; spaced = true; guard j < n else { return Self.noZone } }
        let c = p[j]
        if (c == 0x5A || c == 0x7A) && (j + 1 == n || !isLetter(p[j + 1])) { return 0 }
        if spaced && c &- 0x41 < 26 { return namedZone(p, j, n).offset }
        guard c == 0x2B || c == 0x2D, j + 3 <= n else { return Self.noZone }
        let h = d2(p, j + 1)
        guard h >= 0, h <= 18 else { return Self.noZone }
        var m = 0
        var k = j + 3
        if k + 3 <= n, p[k] == 0x3A {
            m = d2(p, k + 1); k += 3
        } else if k + 2 <= n, isDigit(p[k]) {
            m = d2(p, k); k += 2
        }
        guard m >= 0, m <= 59, k >= n || !isDigit(p[k]) else { return Self.noZone }
        let seconds = h * 3600 + m * 60
        return c == 0x2D ? -seconds : seconds
    }

    /// A zone abbreviation (2 to 5 capitals) at `j`, and where it ends. Known ones give their
    /// offset (`UTC`, `GMT`, `CEST`, `EST`, `PDT`, `JST`, ...); those that name several zones
    /// (`CST`, `CDT`, `IST`, `BST`, `AST`, `ADT`, `SST`), and any abbreviation followed by a digit,
    /// `+` or `-` (`UTC+2`, `EST5EDT`), are `ambiguousZone`; other words (`INFO`) are `noZone`.
    func namedZone(_ p: UnsafePointer<UInt8>, _ j: Int, _ n: Int) -> (offset: Int, end: Int) {
        var k = j
        var key: UInt64 = 0
        while k < n && k - j < 6 && p[k] &- 0x41 < 26 { key = key << 8 | UInt64(p[k]); k += 1 }
        let length = k - j
        guard length >= 2, length <= 5, k >= n || !isLetter(p[k]) else { return (Self.noZone, j) }
        let minutes: Int
        switch key {
        case 0x5554, 0x555443, 0x474D54, 0x574554: minutes = 0                      // UT UTC GMT WET
        case 0x434554, 0x4D4554, 0x57455354, 0x574154: minutes = 60                 // CET MET WEST WAT
        case 0x43455354, 0x4D455354, 0x454554, 0x53415354, 0x434154: minutes = 120  // CEST MEST EET SAST CAT
        case 0x45455354, 0x4D534B, 0x454154: minutes = 180                          // EEST MSK EAT
        case 0x574942, 0x494354: minutes = 420                                      // WIB ICT
        case 0x484B54, 0x534754, 0x41575354: minutes = 480                          // HKT SGT AWST
        case 0x4A5354, 0x4B5354: minutes = 540                                      // JST KST
        case 0x41435354: minutes = 570                                              // ACST
        case 0x41455354: minutes = 600                                              // AEST
        case 0x41434454: minutes = 630                                              // ACDT
        case 0x41454454: minutes = 660                                              // AEDT
        case 0x4E5A5354: minutes = 720                                              // NZST
        case 0x4E5A4454: minutes = 780                                              // NZDT
        case 0x454454: minutes = -240                                               // EDT
        case 0x455354: minutes = -300                                               // EST
        case 0x4D4454: minutes = -360                                               // MDT
        case 0x4D5354, 0x504454: minutes = -420                                     // MST PDT
        case 0x505354, 0x414B4454: minutes = -480                                   // PST AKDT
        case 0x414B5354: minutes = -540                                             // AKST
        case 0x485354: minutes = -600                                               // HST
        case 0x435354, 0x434454, 0x495354, 0x425354, 0x415354, 0x414454, 0x535354:  // CST CDT IST BST AST ADT SST
            return (Self.ambiguousZone, k)
        default: return (Self.noZone, j)
        }
        if k < n, isDigit(p[k]) || p[k] == 0x2B || p[k] == 0x2D { return (Self.ambiguousZone, k) }
        return (minutes * 60, k)
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
    @inline(__always)
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        if year >= 1, year <= 9999 {
            // The same arithmetic in unsigned numbers (cheaper divisions), for the years logs hold.
            let y = UInt(month <= 2 ? year - 1 : year)
            let m = UInt(month > 2 ? month - 3 : month + 9)
            let dayOfYear = (153 * m + 2) / 5 + UInt(day) - 1
            return Int(y * 365 + y / 4 - y / 100 + y / 400 + dayOfYear) - 719_468
        }
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
