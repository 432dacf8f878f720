import ArgumentParser

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

/// `tail -n N`: the last lines of the stream.
struct TailVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Keep the last N lines of the stream (10 by default).",
        discussion: "Example:\n  sluice cat app.log.1.gz app.log then grep -i error then tail -n 5", helpNames: [.long])
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")], help: ArgumentHelp("How many lines.", valueName: "N"))
    var lines = 10
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
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
