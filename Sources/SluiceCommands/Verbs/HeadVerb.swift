import ArgumentParser
import Sluice

/// `head -n N`: the first lines of the stream.
struct HeadVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", _superCommandName: "sluice", abstract: "Keep the first N lines of the stream (10 by default), then stop reading.",
        discussion: "Example:\n  sluice cat big.log.gz then grep ERROR then head -n 20", helpNames: [.long])
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")], help: ArgumentHelp("How many lines.", valueName: "N"))
    var lines = 10
    @Flag(name: [.customShort("q"), .customLong("quiet"), .customLong("silent")], help: "Never print file-name headers.")
    var quiet = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Always print file-name headers.")
    var verbose = false
    @OptionGroup var splitOptions: SplitOptions
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}

extension HeadVerb: Verb {
    static var role: VerbRole { .lineStage }
    static func normalise(_ words: [String]) -> [String] { normaliseCount(words) }
    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { files }

    /// As the first stage, the first lines of each file, under `==> NAME <==` headers when
    /// there are several, as GNU head prints them; each file's reading stops at its last line.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        let n = lines
        let headers = verbose || (inputs.files.paths.count > 1 && !quiet)
        guard headers || inputs.files.paths.count > 1 else { return try compose(inputs.concatenatedLines, position) }
        var format = PrintFormat()
        format.terminatesLastLine = false
        format.sourceHeaders = headers
        let stream = inputs.files.lineBatches(keepCarriageReturn: true, maxLineLength: inputs.maxLineLength) { $0.head(n) }
        return ComposedStage(stream: stream, printing: .format(format, decorates: headers))
    }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        ComposedStage(stream: headStage(stream, lines))
    }
}
