import ArgumentParser
import Sluice

/// `merge FILE...`: several logs interleaved by record time.
struct MergeVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", _superCommandName: "sluice",
        abstract: "Interleave several logs by record time (first stage).",
        usage: "sluice merge [OPTIONS] FILE...",
        discussion: """
        Each file may be in any timestamp format 'since' reads (see 'sluice help since'), gzip or \
        plain. Records (a timestamped line and the lines without one after it) come out whole, the \
        earliest first; equal times keep the order of the files on the command line, and each \
        file's own order is kept. Lines before a file's first timestamp come first. Memory is one \
        record per file plus buffers.

        Examples:
          sluice merge -H web-1.log web-2.log.gz db.log then since 08:00 then until 08:15
        """,
        helpNames: [.long])

    @OptionGroup var time: TimeOptions
    @Flag(name: [.customShort("H"), .customLong("label")], help: "Prefix each line with its file's name and a colon.")
    var label = false
    @Flag(name: .customLong("no-decompress"), help: "Do not inflate gzip input.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("The files to merge.", valueName: "FILE"))
    var files: [String] = []

    mutating func validate() throws {
        if files.isEmpty { throw ValidationError("no files given") }
    }
}
