import ArgumentParser
import Sluice

/// `until TIME [FILE...]`: the records stamped at or before TIME.
struct UntilVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "until", _superCommandName: "sluice",
        abstract: "Keep the records stamped at or before TIME, and stop reading at the first one after it.",
        usage: """
        sluice until [OPTIONS] TIME [FILE...]
        sluice ... then until [OPTIONS] TIME
        """,
        discussion: """
        Records and TIME are as for 'since' (see 'sluice help since'); lines before the first \
        timestamp are kept. The log is taken to be in time order: at the first record stamped after \
        TIME nothing more is read (with several files, the rest of that file is skipped). --scan \
        tests every record instead, for logs that are not in order; after a 'since' that found its \
        file out of order, --scan is implied.

        Examples:
          sluice since 08:00 app.log then until 08:15
          sluice until 2024-05-13T12:00 app.log.gz then count
        """,
        helpNames: [.long])

    @OptionGroup var time: TimeOptions
    @Flag(name: .customLong("scan"), help: "Test every record: do not stop at the first one after TIME.")
    var scan = false
    @Flag(name: .customLong("no-decompress"), help: "Do not inflate gzip input.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("The time, then files to read as a first stage.", valueName: "TIME-AND-FILES"))
    var arguments: [String] = []

    mutating func validate() throws {
        if arguments.isEmpty { throw ValidationError("no TIME given") }
    }
}
