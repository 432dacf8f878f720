import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// The options every time verb (`since`, `until`, `merge`) takes: how timestamps without a
/// year or a zone are read.
struct TimeOptions: ParsableArguments {
    @Option(name: .customLong("zone"),
            help: ArgumentHelp("The zone of times written without one (in the log and in TIME): local (the default, from TZ), UTC, or an offset such as +02:00.", valueName: "ZONE"))
    var zone: String?
    @Option(name: .customLong("year"),
            help: ArgumentHelp("The year of timestamps written without one (default: the file's modification year, the year before for months after its month).", valueName: "YEAR"))
    var year: Int?
    @Option(name: .customLong("time-format"),
            help: ArgumentHelp("Read only this timestamp format, with strftime directives (%Y %m %d %H %M %S %f %b %z ...), at the start of each line, e.g. '%d/%m/%Y %H:%M:%S'.", valueName: "STRFTIME"))
    var timeFormat: String?

    /// Seconds east of UTC for zone-less times: the zone option, else the C library's local
    /// offset (TZ) at `instant` (seconds since the epoch).
    func zoneOffset(at instant: Int) throws -> Int {
        switch zone?.lowercased() {
        case nil, "local":
            var t = time_t(instant)
            var parts = tm()
            guard localtime_r(&t, &parts) != nil else { return 0 }
            return Int(parts.tm_gmtoff)
        case "utc", "z", "gmt":
            return 0
        default:
            let text = Array(zone!.utf8)
            guard text.count >= 3, text[0] == 0x2B || text[0] == 0x2D else { throw CLIError("invalid --zone '\(zone!)': use local, UTC or ±hh:mm") }
            let digits = text.dropFirst().filter { $0 != 0x3A }
            guard digits.count == 2 || digits.count == 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(String(decoding: digits, as: UTF8.self)) else {
                throw CLIError("invalid --zone '\(zone!)': use local, UTC or ±hh:mm")
            }
            let seconds = digits.count == 2 ? value * 3600 : (value / 100) * 3600 + (value % 100) * 60
            return text[0] == 0x2D ? -seconds : seconds
        }
    }

    /// The parser for the file at `path` (standard input and streams: now): the reference
    /// year and month of its modification time in local time, and the zone offset then.
    func parser(for path: String?) throws -> LogTime {
        var when = time(nil)
        if let path, path != "-" {
            var st = stat()
            if RawBytes.stat(path, &st) == 0 { when = st.st_mtim.tv_sec }
        }
        var parts = tm()
        var t = when
        localtime_r(&t, &parts)
        let offset = try zoneOffset(at: Int(when))
        var format: TimeFormat?
        if let timeFormat {
            do { format = try TimeFormat(timeFormat) } catch { throw CLIError("--time-format: \(error.reason ?? "\(error)")") }
        }
        if let year { return LogTime(referenceYear: year, referenceMonth: 12, zoneOffset: offset, format: format) }
        return LogTime(referenceYear: Int(parts.tm_year) + 1900, referenceMonth: Int(parts.tm_mon) + 1, zoneOffset: offset,
                       format: format)
    }

    /// Reads a TIME argument.
    func bound(_ text: String) throws -> TimeBound {
        let now = time(nil)
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let micros = Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec / 1000)
        guard let bound = TimeBound(text, now: micros, zoneOffset: try zoneOffset(at: Int(now))) else {
            throw CLIError("invalid time '\(text)': use 2024-05-13T08:00, '2024-05-13 08:00:00', 08:00, -90m, -2h, -3d, today or yesterday")
        }
        return bound
    }
}

/// A duration such as `5m`, `300s`, `2h`, `500ms` or `0`, in microseconds.
struct TimeSpan: ExpressibleByArgument {
    let microseconds: Int64
    init?(argument: String) {
        let units: [(String, Int64)] = [("ms", 1000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000)]
        for (suffix, scale) in units where argument.hasSuffix(suffix) {
            guard let n = Double(argument.dropLast(suffix.count)), n >= 0 else { return nil }
            microseconds = Int64(n * Double(scale))
            return
        }
        guard let n = Double(argument), n >= 0 else { return nil }
        microseconds = Int64(n * 1_000_000)
    }
}
