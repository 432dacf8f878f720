import ArgumentParser
import Sluice

/// `number`: prefix line numbers.
struct NumberVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "number", abstract: "Prefix each line with its number in the stream, as grep -n does (N:line).",
        discussion: "Example:\n  sluice cat app.log then number then grep ERROR", helpNames: [.long])
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []
}
