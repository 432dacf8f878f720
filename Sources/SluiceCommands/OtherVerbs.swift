import ArgumentParser
import Sluice

/// Parses `512`, `64K`, `512M`, `1G` as a byte count.
struct ByteCount: ExpressibleByArgument {
    let value: Int
    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var text = Substring(argument)
        var scale = 1
        if let last = text.last, let unit = units[last] { scale = unit; text = text.dropLast() }
        guard let n = Int(text), n > 0 else { return nil }
        value = n * scale
    }
}

/// `cat [FILE...]`: the source stage.
struct CatVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Read files in order (standard input when none, or for -), inflating gzip input.",
        discussion: """
        Gzip input is recognised by its magic bytes, whatever the file is called, and every member of \
        a multi-member file is inflated. Alone, 'sluice cat' prints the bytes as 'zcat -f' does.

        Examples:
          sluice cat app.log.2.gz app.log.1.gz app.log then grep ERROR
          curl -s https://example.org/big.log.gz | sluice cat then count
        """,
        helpNames: [.long])

    @Flag(name: .customLong("no-decompress"), help: "Do not inflate gzip input.")
    var noDecompress = false
    @Option(name: .customLong("max-line-length"),
            help: ArgumentHelp("The longest line accepted, in bytes (K, M, G suffixes); default 64M.", valueName: "BYTES"))
    var maxLineLength: ByteCount?
    @Option(name: .customLong("label"), help: ArgumentHelp("Call standard input LABEL.", valueName: "LABEL"))
    var label: String?
    @Argument(help: ArgumentHelp("Files to read.", valueName: "FILE"))
    var files: [String] = []
}

/// `head -n N`: the first lines of the stream.
struct HeadVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Keep the first N lines of the stream (10 by default), then stop reading.",
        discussion: "Example:\n  sluice cat big.log.gz then grep ERROR then head -n 20", helpNames: [.long])
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")], help: ArgumentHelp("How many lines.", valueName: "N"))
    var lines = 10
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}

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
    @Flag(name: .customLong("no-decompress"), help: "Do not inflate gzip input.")
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

/// `count`: how many lines reach it.
struct CountVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count", abstract: "Print the number of lines that reach this stage (the last stage).",
        discussion: "Example:\n  sluice cat access.log.gz then grep ' 500 ' then count", helpNames: [.long])
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}

/// `number`: prefix line numbers.
struct NumberVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number", abstract: "Prefix each line with its number in the stream, as grep -n does (N:line).",
        discussion: "Example:\n  sluice cat app.log then number then grep ERROR", helpNames: [.long])
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}

/// `gzip [-LEVEL]`: compress the output.
struct GzipVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gzip", abstract: "Write the stream gzip-compressed to standard output (the last stage).",
        discussion: "Example:\n  sluice cat app.log then grep ERROR then gzip -9 > errors.gz", helpNames: [.long])
    @Option(name: .customLong("level"), help: ArgumentHelp("Compression level, 0 to 9 (also -0 ... -9).", valueName: "LEVEL"))
    var level = 6

    mutating func validate() throws {
        guard (0...9).contains(level) else { throw ValidationError("gzip level must be 0 to 9") }
    }
}
