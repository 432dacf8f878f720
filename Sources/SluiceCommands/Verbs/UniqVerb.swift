import ArgumentParser
import Sluice

/// `uniq`: one line of each run of equal adjacent lines, as GNU uniq.
struct UniqVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uniq", _superCommandName: "sluice",
        abstract: "Keep one line of each run of equal adjacent lines, as GNU uniq does (-c counts them).",
        discussion: """
        Lines are compared as bytes without their newline; -s and -w count bytes and fields are \
        separated by spaces and tabs, as GNU uniq counts them. It reads one input; a second \
        operand (GNU's output file) is refused: write with > instead, or read several files with \
        `sluice cat A B then uniq`.

        Examples:
          sluice grep -o 'user=[a-z]*' auth.log then uniq -c
          sluice cat app.log.gz then uniq -f 3 -c
        """, helpNames: [.long])
    @Flag(name: [.customShort("c"), .customLong("count")], help: "Prefix lines with the number of times they occur.")
    var count = false
    @Flag(name: [.customShort("d"), .customLong("repeated")], help: "Only print one line of each repeated group.")
    var repeated = false
    @Flag(name: .customShort("D"), help: "Print every line of each repeated group.")
    var allRepeatedLines = false
    @Option(name: .customLong("all-repeated"), help: ArgumentHelp("As -D, groups delimited by an empty line: none, prepend or separate.", valueName: "METHOD"))
    var allRepeated: String?
    @Option(name: .customLong("group"), help: ArgumentHelp("Every line, groups delimited by an empty line: separate (the default), prepend, append or both.", valueName: "METHOD"))
    var group: String?
    @Flag(name: [.customShort("u"), .customLong("unique")], help: "Only print lines that are not repeated.")
    var unique = false
    @Flag(name: [.customShort("i"), .customLong("ignore-case")], help: "Compare ASCII letters without case.")
    var ignoreCase = false
    @Option(name: [.customShort("f", allowingJoined: true), .customLong("skip-fields")], help: ArgumentHelp("Do not compare the first N fields.", valueName: "N"))
    var skipFields = 0
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("skip-chars")], help: ArgumentHelp("Do not compare the first N bytes (after the skipped fields).", valueName: "N"))
    var skipChars = 0
    @Option(name: [.customShort("w", allowingJoined: true), .customLong("check-chars")], help: ArgumentHelp("Compare no more than N bytes.", valueName: "N"))
    var checkChars: Int?
    @Argument(help: ArgumentHelp("The file to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []

    mutating func validate() throws {
        if files.count > 1 {
            throw ValidationError("uniq reads one input and writes to standard output: for GNU's `uniq INPUT OUTPUT` write `> OUTPUT`; to read several files, `sluice cat A B then uniq`")
        }
        if let allRepeated, !["none", "prepend", "separate"].contains(allRepeated) {
            throw ValidationError("invalid argument '\(allRepeated)' for '--all-repeated' (valid: none, prepend, separate)")
        }
        if let group, !["separate", "prepend", "append", "both"].contains(group) {
            throw ValidationError("invalid argument '\(group)' for '--group' (valid: separate, prepend, append, both)")
        }
        if group != nil && (count || repeated || allRepeatedLines || allRepeated != nil || unique) {
            throw ValidationError("--group is mutually exclusive with -c/-d/-D/-u")
        }
        if count && (allRepeatedLines || allRepeated != nil) {
            throw ValidationError("printing all duplicated lines and repeat counts is meaningless")
        }
        for (name, n) in [("-f", skipFields), ("-s", skipChars), ("-w", checkChars ?? 0)] where n < 0 {
            throw ValidationError("invalid number for \(name): \(n)")
        }
    }
}

extension UniqVerb: Verb {
    static var role: VerbRole { .lineStage }
    var isLightPerLine: Bool { true }
    /// `-D` and `--all-repeated` without a method are `--all-repeated=none`, so that the last of
    /// them says how groups are delimited, as in GNU uniq; `--group` alone is `--group=separate`.
    static func normalise(_ words: [String]) -> [String] {
        let operands = words.firstIndex(of: "--") ?? words.endIndex
        return words[..<operands].map {
            $0 == "--all-repeated" || $0 == "-D" ? "--all-repeated=none" : $0 == "--group" ? "--group=separate" : $0
        } + words[operands...]
    }
    var inputFiles: [String] { files }

    var options: UniqOptions {
        var o = UniqOptions()
        // As GNU uniq's flags: -d and -D drop unrepeated lines, -u drops the repeated ones.
        if repeated { o.printsUnique = false }
        if allRepeatedLines || allRepeated != nil {
            o.printsUnique = false
            o.printsLaterRepeated = true
            o.groupDelimiter = allRepeated == "prepend" ? .prepend : allRepeated == "separate" ? .separate : .none
        }
        if unique { o.printsFirstRepeated = false }
        switch group {
        case "separate": o.grouping = .separate
        case "prepend": o.grouping = .prepend
        case "append": o.grouping = .append
        case "both": o.grouping = .both
        default: break
        }
        o.counts = count
        o.ignoresCase = ignoreCase
        o.skippedFields = skipFields
        o.skippedBytes = skipChars
        o.comparedBytes = checkChars
        return o
    }

    /// Every line it prints ends in a newline, as GNU uniq writes it.
    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        ComposedStage(stream: uniqStage(stream, options), printing: .format(PrintFormat(), decorates: false))
    }
}

private func uniqStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ o: UniqOptions) -> LineStream { s.uniq(o) }
