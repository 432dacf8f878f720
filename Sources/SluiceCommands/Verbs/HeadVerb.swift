import ArgumentParser
import Sluice

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
