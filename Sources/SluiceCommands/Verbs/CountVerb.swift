import ArgumentParser
import Sluice

/// `count`: how many lines reach it.
struct CountVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count", abstract: "Print the number of lines that reach this stage (the last stage).",
        discussion: "Example:\n  sluice cat access.log.gz then grep ' 500 ' then count", helpNames: [.long])
    @OptionGroup var splitOptions: SplitOptions
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}

extension CountVerb: SinkVerb {
    static var role: VerbRole { .sink }
    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { files }

    /// The number of lines the stage before it printed, as `| wc -l` counts them.
    func output(_ lines: LineStream, printing: Printing, statistics: PrintStatistics) -> ByteStream {
        countPrintedStage(piped(lines, printing), statistics)
    }
}
