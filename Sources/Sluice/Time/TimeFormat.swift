/// One timestamp format written with `strftime` directives, read at the very start of a line
/// instead of ``LogTime``'s recognition of known formats (`--time-format`): for a dialect it
/// does not know, or to read `13/05/2024` day first, which it never guesses.
///
/// Read as Python's `datetime.strptime` reads a prefix of the line (the tests compare the two):
///
/// | directive | reads |
/// |---|---|
/// | `%Y` | four digits |
/// | `%y` | two digits: 69–99 are 19xx, 00–68 20xx |
/// | `%m` `%d` `%H` `%I` `%M` `%S` | one or two digits (`%d` and `%e` also a space and one digit) |
/// | `%f` | one to six digits, a fraction of a second |
/// | `%b` `%h`, `%B` | an English month name, abbreviated or full, any case |
/// | `%a`, `%A` | an English day name, abbreviated or full (not checked against the date) |
/// | `%p` | `AM` or `PM` (with `%I`) |
/// | `%z` | `Z`, `±hh:mm` or `±hhmm` |
/// | `%Z` | a zone abbreviation ``LogTime`` knows (`UTC`, `CEST`, ...; Python reads only UTC and GMT, as local time) |
/// | `%s` | seconds since the epoch (not in Python's strptime) |
/// | `%T` `%R` `%F` `%D` `%e` | `%H:%M:%S`, `%H:%M`, `%Y-%m-%d`, `%m/%d/%y`, `%d` |
/// | `%%`, `%n`, `%t` | `%`, white space |
///
/// White space in the format matches one or more spaces or tabs; any other byte matches itself
/// (letters in any case). A format without a year takes the reference year (see ``LogTime``),
/// one without a zone the parser's zone offset; missing fields are the first month, the first
/// day, midnight.
public struct TimeFormat: Sendable, Equatable, CustomStringConvertible {
    enum Piece: Sendable, Equatable {
        case literal(UInt8), space
        case year4, year2, month, day, hour24, hour12, minute, second, fraction
        case monthName(full: Bool), dayName(full: Bool), meridiem, offset, zoneName, epoch
    }

    let pieces: [Piece]
    /// The format as written.
    public let description: String

    /// Compiles `format`; throws ``SluiceError/Kind-swift.struct/invalidArgument`` for a
    /// directive it does not read.
    public init(_ format: String) throws(SluiceError) {
        description = format
        var pieces: [Piece] = []
        try Self.compile(Array(format.utf8), into: &pieces, format: format)
        guard pieces.contains(where: { if case .literal = $0 { return false }; return $0 != .space }) else {
            throw .invalidArgument("time format '\(format)' has no directive")
        }
        self.pieces = pieces
    }

    static func compile(_ bytes: [UInt8], into pieces: inout [Piece], format: String) throws(SluiceError) {
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x20 || c == 0x09 || c == 0x0A {
                if pieces.last != .space { pieces.append(.space) }
                i += 1
                continue
            }
            guard c == 0x25 else { pieces.append(.literal(c)); i += 1; continue }
            guard i + 1 < bytes.count else { throw .invalidArgument("time format '\(format)' ends with %") }
            let d = bytes[i + 1]
            i += 2
            switch d {
            case 0x59: pieces.append(.year4)                          // Y
            case 0x79: pieces.append(.year2)                          // y
            case 0x6D: pieces.append(.month)                          // m
            case 0x64, 0x65: pieces.append(.day)                      // d e
            case 0x48: pieces.append(.hour24)                         // H
            case 0x49: pieces.append(.hour12)                         // I
            case 0x4D: pieces.append(.minute)                         // M
            case 0x53: pieces.append(.second)                         // S
            case 0x66: pieces.append(.fraction)                       // f
            case 0x62, 0x68: pieces.append(.monthName(full: false))   // b h
            case 0x42: pieces.append(.monthName(full: true))          // B
            case 0x61: pieces.append(.dayName(full: false))           // a
            case 0x41: pieces.append(.dayName(full: true))            // A
            case 0x70: pieces.append(.meridiem)                       // p
            case 0x7A: pieces.append(.offset)                         // z
            case 0x5A: pieces.append(.zoneName)                       // Z
            case 0x73: pieces.append(.epoch)                          // s
            case 0x54: try compile(Array("%H:%M:%S".utf8), into: &pieces, format: format)  // T
            case 0x52: try compile(Array("%H:%M".utf8), into: &pieces, format: format)     // R
            case 0x46: try compile(Array("%Y-%m-%d".utf8), into: &pieces, format: format)  // F
            case 0x44: try compile(Array("%m/%d/%y".utf8), into: &pieces, format: format)  // D
            case 0x25: pieces.append(.literal(0x25))                  // %
            case 0x6E, 0x74: if pieces.last != .space { pieces.append(.space) }  // n t
            default:
                throw .invalidArgument("time format '\(format)': %\(String(decoding: [d], as: UTF8.self)) is not a directive sluice reads")
            }
        }
    }

    /// The instant of the timestamp at the start of `p[0..<n]` in this format, or `LogTime.none`.
    func instant(_ p: UnsafePointer<UInt8>, _ n: Int, _ parser: LogTime) -> Int64 {
        var i = 0
        var year = Int.min, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var micros: Int64 = 0
        var twelveHour = false, pm = false
        var offset = parser.zoneOffset
        var epoch: Int64?
        /// Up to `most` digits at `i` (at least one), or -1.
        func digits(_ most: Int) -> Int {
            var value = 0, count = 0
            while i < n && count < most && p[i] &- 0x30 < 10 { value = value * 10 + Int(p[i] &- 0x30); i += 1; count += 1 }
            return count == 0 ? -1 : value
        }
        for piece in pieces {
            switch piece {
            case .literal(let b):
                guard i < n, p[i] == b || (parser.isLetter(b) && p[i] | 0x20 == b | 0x20) else { return LogTime.none }
                i += 1
            case .space:
                guard i < n, p[i] == 0x20 || p[i] == 0x09 else { return LogTime.none }
                while i < n && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
            case .year4:
                let start = i
                year = digits(4)
                guard i - start == 4 else { return LogTime.none }
            case .year2:
                let start = i
                let yy = digits(2)
                guard i - start == 2 else { return LogTime.none }
                year = yy < 69 ? 2000 + yy : 1900 + yy
            case .month: month = digits(2); guard month >= 0 else { return LogTime.none }
            case .day:
                if i + 1 < n && p[i] == 0x20 && parser.isDigit(p[i + 1]) { i += 1; day = digits(1) } else { day = digits(2) }
                guard day >= 0 else { return LogTime.none }
            case .hour24: hour = digits(2); guard hour >= 0 else { return LogTime.none }
            case .hour12:
                hour = digits(2)
                guard hour >= 1, hour <= 12 else { return LogTime.none }
                twelveHour = true
            case .minute: minute = digits(2); guard minute >= 0 else { return LogTime.none }
            case .second: second = digits(2); guard second >= 0 else { return LogTime.none }
            case .fraction:
                let start = i
                let value = digits(6)
                guard value >= 0 else { return LogTime.none }
                micros = Int64(value)
                for _ in (i - start)..<6 { micros *= 10 }
            case .monthName(let full):
                guard let m = parser.monthNumber(p, i, n) else { return LogTime.none }
                let name = Self.monthNames[m - 1]
                if full {
                    guard matches(name, p, i, n) else { return LogTime.none }
                    i += name.count
                } else {
                    i += 3
                }
                month = m
            case .dayName(let full):
                guard parser.isDayName(p, i, n) else { return LogTime.none }
                if full {
                    guard let name = Self.dayNames.first(where: { matches($0, p, i, n) }) else { return LogTime.none }
                    i += name.count
                } else {
                    i += 3
                }
            case .meridiem:
                guard i + 2 <= n, p[i + 1] | 0x20 == 0x6D, p[i] | 0x20 == 0x61 || p[i] | 0x20 == 0x70 else { return LogTime.none }
                pm = p[i] | 0x20 == 0x70
                i += 2
            case .offset:
                guard i < n else { return LogTime.none }
                if p[i] == 0x5A { offset = 0; i += 1; continue }
                guard i + 5 <= n, p[i] == 0x2B || p[i] == 0x2D else { return LogTime.none }
                let h = parser.d2(p, i + 1)
                var k = i + 3
                if p[k] == 0x3A { k += 1 }
                guard h >= 0, k + 2 <= n else { return LogTime.none }
                let m = parser.d2(p, k)
                guard m >= 0, m <= 59 else { return LogTime.none }
                offset = (h * 3600 + m * 60) * (p[i] == 0x2D ? -1 : 1)
                i = k + 2
            case .zoneName:
                let (zone, end) = parser.namedZone(p, i, n)
                guard zone != LogTime.noZone, zone != LogTime.ambiguousZone else { return LogTime.none }
                offset = zone
                i = end
            case .epoch:
                var value: Int64 = 0, count = 0
                while i < n && p[i] &- 0x30 < 10 && count < 19 { value = value * 10 + Int64(p[i] &- 0x30); i += 1; count += 1 }
                guard count > 0 else { return LogTime.none }
                epoch = value
            }
        }
        if let epoch { return epoch * LogTime.second + micros }
        if twelveHour { hour = hour % 12 + (pm ? 12 : 0) }
        if year == Int.min { year = parser.yearFor(month: month) }
        let clock = LogTime.Clock(hour: hour, minute: minute, second: second, micros: micros)
        return parser.make(year: year, month: month, day: day, clock: clock, offset: offset)
    }

    static let monthNames: [[UInt8]] = ["january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"].map { Array($0.utf8) }
    static let dayNames: [[UInt8]] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .map { Array($0.utf8) }

    /// Whether the lowercase `name` is at `i` (any case).
    func matches(_ name: [UInt8], _ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        guard i + name.count <= n else { return false }
        for (k, b) in name.enumerated() where p[i + k] | 0x20 != b { return false }
        return true
    }
}
