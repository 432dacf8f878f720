/// One end of a time window, as `since` and `until` take it.
///
/// Written as an absolute time (`2024-05-13T08:00`, `2024-05-13 08:00:00.250+02:00`,
/// `2024-05-13`, `@1715587200`, any timestamp ``LogTime`` reads), a time of day (`08:00`,
/// `08:00:30.5`: that time on the day of the first timestamped line read, in the given zone), or
/// relative to now (`-90m`, `-2h`, `-3d`, `-1w`, `-30s`, `now-90m`, `now`, `today`, `yesterday`; the last
/// two are midnight in the given zone). Times without a zone are in `zoneOffset`.
public enum TimeBound: Sendable, Equatable, CustomStringConvertible {
    /// An instant, in microseconds since the epoch.
    case instant(Int64)
    /// A time of day (microseconds since midnight) on the day of the first timestamped line,
    /// in a zone `zoneOffset` seconds east of UTC.
    case timeOfDay(Int64, zoneOffset: Int)

    /// Reads `text`; `now` is the current instant (microseconds since the epoch). `nil` when
    /// it is not a time.
    public init?(_ text: String, now: Int64, zoneOffset: Int) {
        let s = LogTime.second
        let day = 86400 * s
        switch text {
        case "now": self = .instant(now); return
        case "today", "yesterday":
            let local = now + Int64(zoneOffset) * s
            var midnight = local - ((local % day) + day) % day
            if text == "yesterday" { midnight -= day }
            self = .instant(midnight - Int64(zoneOffset) * s)
            return
        default: break
        }
        var bytes = Array(text.utf8)
        if text.hasPrefix("now-") || text.hasPrefix("now+") { bytes.removeFirst(3) }  // now-90m is -90m
        if bytes.first == 0x2D || bytes.first == 0x2B, bytes.count >= 3 {  // -90m, +2h
            let sign: Int64 = bytes[0] == 0x2D ? -1 : 1
            let unit = bytes.last!
            guard let amount = Int64(String(decoding: bytes[1..<(bytes.count - 1)], as: UTF8.self)), amount >= 0 else { return nil }
            let scale: Int64
            switch unit {
            case 0x73: scale = s                 // s
            case 0x6D: scale = 60 * s            // m
            case 0x68: scale = 3600 * s          // h
            case 0x64: scale = day               // d
            case 0x77: scale = 7 * day           // w
            default: return nil
            }
            self = .instant(now + sign * amount * scale)
            return
        }
        if bytes.first == 0x40, let seconds = Double(String(decoding: bytes.dropFirst(), as: UTF8.self)) {  // @epoch
            self = .instant(Int64((seconds * 1e6).rounded()))
            return
        }
        let parser = LogTime(referenceYear: 1970, referenceMonth: 12, zoneOffset: zoneOffset)
        // A time of day: HH:MM[:SS[.frac]].
        if bytes.count >= 5, bytes.count <= 15, bytes[2] == 0x3A {
            let value: Int64? = bytes.withUnsafeBufferPointer { b in
                var j = 0
                guard let c = parser.clock(b.baseAddress!, &j, b.count, secondsOptional: true), j == b.count,
                      c.hour <= 23, c.minute <= 59, c.second <= 59 else { return nil }
                return Int64(c.hour * 3600 + c.minute * 60 + c.second) * s + c.micros
            }
            guard let value else { return nil }
            self = .timeOfDay(value, zoneOffset: zoneOffset)
            return
        }
        if bytes.count == 10 { bytes += Array("T00:00:00".utf8) }  // a date alone: its midnight
        guard let t = bytes.withUnsafeBytes({ parser.parse($0) }) else { return nil }
        self = .instant(t)
    }

    /// The instant, given the first timestamp read (for a time of day).
    public func resolved(firstTimestamp: Int64) -> Int64 {
        switch self {
        case .instant(let t): return t
        case let .timeOfDay(micros, zoneOffset):
            let day = 86400 * LogTime.second
            let local = firstTimestamp + Int64(zoneOffset) * LogTime.second
            let midnight = local - ((local % day) + day) % day
            return midnight + micros - Int64(zoneOffset) * LogTime.second
        }
    }

    /// Whether the instant depends on the first timestamp read.
    public var needsFirstTimestamp: Bool {
        if case .timeOfDay = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .instant(let t): return LogTime.format(t)
        case .timeOfDay(let micros, _): return "time of day +\(micros / LogTime.second) s"
        }
    }
}

extension LogTime {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, for messages and tests.
    public static func format(_ instant: Int64) -> String {
        let seconds = instant >= 0 ? instant / second : (instant - second + 1) / second
        let micros = instant - seconds * second
        let days = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let sod = Int(seconds - Int64(days) * 86400)
        let (y, m, d) = civil(fromDays: days)
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(sod / 3600, 2)):\(pad(sod / 60 % 60, 2)):\(pad(sod % 60, 2)).\(pad(Int(micros), 6))Z"
    }
}
