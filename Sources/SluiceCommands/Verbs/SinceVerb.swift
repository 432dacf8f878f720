import ArgumentParser
import Sluice

/// `since TIME [FILE...]`: the records stamped at or after TIME.
struct SinceVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "since", _superCommandName: "sluice",
        abstract: "Keep the records stamped at or after TIME; on a plain file, jump there by binary search.",
        usage: """
        sluice since [OPTIONS] TIME [FILE...]
        sluice ... then since [OPTIONS] TIME
        """,
        discussion: """
        A record is a line that starts with a timestamp (ISO 8601, syslog, Common Log Format, Apache, \
        log4j, HDFS, Android, epoch, the ts/time field of JSON and logfmt, ...) and the lines without \
        one after it (a stack trace): records are kept or dropped whole; lines before the first \
        timestamp are dropped. TIME is absolute (2024-05-13T08:00, '2024-05-13 08:00:00+02:00', \
        2024-05-13), a time of day (08:00: on the day of the first line read), or relative to now \
        (-90m, -2h, -3d, today, yesterday). Times without a zone are local (TZ) unless --zone.

        As the first stage on a regular, uncompressed file, the file is not read from its start: a \
        binary search by timestamp (a few KiB per probe) finds the first record at or after TIME. \
        When a probe sees time run backwards by more than --tolerance the file is not in time \
        order: it is then read in full, with a notice on standard error. A BGZF file (bgzip) is \
        searched the same way by its blocks; other gzip files and streams are read until the window.

        Examples:
          sluice since 2024-05-13T08:00 app.log then until 08:15
          sluice since -2h /var/log/syslog then grep sshd
        """,
        helpNames: [.long])

    @OptionGroup var time: TimeOptions
    @Option(name: .customLong("tolerance"),
            help: ArgumentHelp("How far back in time a later line may go before the file counts as out of order (default 5m).", valueName: "DURATION"))
    var tolerance: TimeSpan?
    @Flag(name: .customLong("scan"), help: "Read the files from their start (no binary search).")
    var scan = false
    @Flag(name: .customLong("no-decompress"), help: "Do not inflate gzip input.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("The time, then files to read as a first stage.", valueName: "TIME-AND-FILES"))
    var arguments: [String] = []

    mutating func validate() throws {
        if arguments.isEmpty { throw ValidationError("no TIME given") }
    }
}
