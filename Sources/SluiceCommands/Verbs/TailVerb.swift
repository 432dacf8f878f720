import ArgumentParser
import Sluice

/// `tail`: the last lines of files (read backwards), then, with -f/-F, every line added.
struct TailVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the last lines of files and follow them as they grow (as GNU tail), or keep the last lines of the stream.",
        discussion: """
        As a first stage, the last lines of a regular file are found by reading backwards from its end,         whatever its size; gzip files are inflated. -F follows each file by name through rotation         (rename, copytruncate, delete and re-create, truncate-and-regrow) without losing lines, using         inotify (polling every -s seconds when it is unavailable). After 'then', it keeps the last N         lines of the stream (-n +N skips the first N-1).

        Examples:
          sluice tail -n 100 /var/log/syslog
          sluice tail -F app.log then grep -i error
          sluice tail -n +2 data.csv then count
        """,
        helpNames: [.long])

    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")],
            help: ArgumentHelp("The last N lines, or from line N with +N (default 10).", valueName: "[+]N"))
    var lines = "10"
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("bytes")],
            help: ArgumentHelp("The last N bytes, or from byte N with +N.", valueName: "[+]N"))
    var bytes: String?
    @Flag(name: .customShort("f"), help: "Follow the open file as it grows (--follow=descriptor).")
    var followDescriptor = false
    @Option(name: .customLong("follow"), help: ArgumentHelp("Follow by name or descriptor.", valueName: "HOW"))
    var follow: FollowHow?
    @Flag(name: .customShort("F"), help: "Follow by name and retry (--follow=name --retry).")
    var followName = false
    @Flag(name: .customLong("retry"), help: "Keep trying to open a file that is missing or inaccessible.")
    var retry = false
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("sleep-interval")],
            help: ArgumentHelp("Seconds between looks when inotify is unavailable (default 1).", valueName: "SECONDS"))
    var sleepInterval = 1.0
    @Option(name: .customLong("pid"), help: ArgumentHelp("Stop following when process PID ends.", valueName: "PID"))
    var pid: Int32?
    @Flag(name: [.customShort("q"), .customLong("quiet"), .customLong("silent")], help: "Never print file-name headers.")
    var quiet = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Always print file-name headers.")
    var verbose = false
    @Flag(name: .customLong("no-decompress"), help: "Do not decode compressed input (gzip, zstd, xz, bzip2, lz4): pass its bytes through.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []

    enum FollowHow: String, ExpressibleByArgument { case name, descriptor }

    /// How files are followed.
    var followMode: FollowedFile.Follow {
        if followName || follow == .name { return .name }
        if followDescriptor || follow == .descriptor { return .descriptor }
        return .none
    }

    /// `N` or `-N` (from the end) and `+N` (from the start).
    static func parseCount(_ text: String) -> (fromStart: Bool, value: Int64)? {
        var t = Substring(text)
        var fromStart = false
        if t.first == "+" { fromStart = true; t = t.dropFirst() } else if t.first == "-" { t = t.dropFirst() }
        if let n = Int64(t), n >= 0 { return (fromStart, n) }
        if let n = ByteCount(argument: String(t)) { return (fromStart, Int64(n.value)) }
        return nil
    }

    mutating func validate() throws {
        guard Self.parseCount(lines) != nil else { throw ValidationError("invalid number of lines: '\(lines)'") }
        if let bytes, Self.parseCount(bytes) == nil { throw ValidationError("invalid number of bytes: '\(bytes)'") }
        guard sleepInterval > 0 else { throw ValidationError("invalid sleep interval: \(sleepInterval)") }
    }

    /// Where reading starts in a regular file.
    var start: FollowedFile.Start {
        if let bytes, let (fromStart, n) = Self.parseCount(bytes) {
            return fromStart ? .offset(Swift.max(0, n - 1)) : .lastBytes(n)
        }
        let (fromStart, n) = Self.parseCount(lines)!
        return fromStart ? .line(Int(Swift.max(1, n))) : .lastLines(Int(n))
    }
}
