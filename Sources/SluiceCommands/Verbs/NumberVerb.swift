import ArgumentParser
import Sluice

/// `number`: prefix line numbers.
struct NumberVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number", _superCommandName: "sluice", abstract: "Prefix each line with its number in the stream, as grep -n does (N:line).",
        discussion: "Example:\n  sluice cat app.log then number then grep ERROR", helpNames: [.long])
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}

extension NumberVerb: Verb {
    static var role: VerbRole { .lineStage }
    var isLightPerLine: Bool { true }
    var inputFiles: [String] { files }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        var format = PrintFormat()
        format.lineNumbers = true
        return ComposedStage(stream: renumberedStage(stream), printing: .format(format, decorates: true))
    }
}
