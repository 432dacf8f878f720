import ArgumentParser
import Sluice

/// `head -n N`: the first lines of the stream.
struct HeadVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", _superCommandName: "sluice", abstract: "Keep the first N lines of the stream (10 by default), then stop reading.",
        discussion: "Example:\n  sluice cat big.log.gz then grep ERROR then head -n 20", helpNames: [.long])
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")],
            help: ArgumentHelp("How many lines; -N: all but the last N lines of each file.", valueName: "[-]N"))
    var lines = "10"
    @Flag(name: [.customShort("q"), .customLong("quiet"), .customLong("silent")], help: "Never print file-name headers.")
    var quiet = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Always print file-name headers.")
    var verbose = false
    @OptionGroup var splitOptions: SplitOptions
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []

    /// `-n N` or, with `-n -N`, all but the last N lines.
    var count: (allButLast: Bool, n: Int)? {
        var t = Substring(lines)
        let allButLast = t.first == "-"
        if allButLast { t = t.dropFirst() }
        guard let n = Int(t), n >= 0 else { return nil }
        return (allButLast, n)
    }

    mutating func validate() throws {
        guard count != nil else { throw ValidationError("invalid number of lines: '\(lines)'") }
    }
}

extension HeadVerb: Verb {
    static var role: VerbRole { .lineStage }
    var isLightPerLine: Bool { true }
    static func normalise(_ words: [String]) -> [String] { normaliseCount(words) }
    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { files }

    /// As the first stage, the first lines of each file (or all but the last), under `==> NAME <==` headers when
    /// there are several, as GNU head prints them; each file's reading stops at its last line.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        let (allButLast, n) = count!
        let headers = verbose || (inputs.files.paths.count > 1 && !quiet)
        guard headers || inputs.files.paths.count > 1 else { return try compose(inputs.concatenatedLines, position) }
        var format = PrintFormat()
        format.terminatesLastLine = false
        format.sourceHeaders = headers
        let files = inputs.files, length = inputs.maxLineLength
        let stream: LineStream = allButLast
            ? files.lineBatches(keepCarriageReturn: true, maxLineLength: length) { $0.skipLast(n) }
            : files.lineBatches(keepCarriageReturn: true, maxLineLength: length) { $0.head(n) }
        return ComposedStage(stream: stream, printing: .format(format, decorates: headers))
    }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        let (allButLast, n) = count!
        return ComposedStage(stream: allButLast ? skipLastStage(stream, n) : headStage(stream, n))
    }
}
