import ArgumentParser
import Sluice

/// `count`: how many lines reach it; with `--by`, how many per key.
struct CountVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count", _superCommandName: "sluice", abstract: "Print the number of lines that reach this stage, or with --by the number per key (the last stage).",
        discussion: """
        --by KEY[,KEY...] counts per distinct key, most frequent first (ties by key), as \
        uniq -c lays it out (--json: JSON Lines). A key is a field of JSON or logfmt lines \
        (nested with dots), a named capture group of the grep stage just before (every match \
        counts, as grep -o prints it), or minute, hour or day of the line's timestamp (in \
        --zone). A missing field counts as - (null in JSON); malformed lines are not counted.

        A last line without a newline is a line: `sluice count FILE` is `grep -c '' FILE`, \
        one more than `wc -l` (which counts newlines) when the file does not end in one.

        Examples:
          sluice cat access.log.gz then grep ' 500 ' then count
          sluice count --by status app.json
          sluice grep -P 'user=(?<user>\\S+)' app.logfmt then count --by user --top 10
          sluice where 'level == "error"' app.json then count --by hour,host
        """, helpNames: [.long])
    @Option(name: .customLong("by"), help: ArgumentHelp("Count per value of these keys (fields, named groups, minute|hour|day).", valueName: "KEYS"))
    var by: String?
    @Option(name: .customLong("top"), help: ArgumentHelp("Print only the N most frequent keys.", valueName: "N"))
    var top: Int?
    @Flag(name: .customLong("json"), help: "With --by: write JSON Lines ({\"key\":...,\"count\":N}).")
    var json = false
    @OptionGroup var time: TimeOptions
    @OptionGroup var splitOptions: SplitOptions
    @OptionGroup var partialOptions: PartialOptions
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []

    mutating func validate() throws {
        if by == nil && (top != nil || json) { throw ValidationError("--top and --json need --by") }
        if let top, top < 0 { throw ValidationError("--top must be 0 or more") }
    }
}

extension CountVerb: SinkVerb {
    static var role: VerbRole { .sink }
    var isLightPerLine: Bool { by == nil }
    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { files }

    /// With --partial, the files are counted each on its own (a partial result says how many
    /// lines each has, and whether its last one runs on into the next file).
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        guard partialOptions.partial else { return ComposedStage(stream: inputs.concatenatedLines) }
        return ComposedStage(stream: inputs.files.lineBatches(keepCarriageReturn: true, maxLineLength: inputs.maxLineLength))
    }

    /// The number of lines the stage before it printed, as `| wc -l` counts them.
    func output(_ lines: LineStream, printing: Printing, statistics: PrintStatistics) -> ByteStream {
        countPrintedStage(piped(lines, printing), statistics)
    }

    func output(_ lines: LineStream, printing: Printing, position: StagePosition, statistics: PrintStatistics) throws -> ByteStream {
        // A first stage's --partial reads its inputs each on its own (see source()): not piped.
        let stream: LineStream = position.isFirst && partialOptions.partial ? lines : piped(lines, printing)
        if partialOptions.partial && by == nil {
            return printedBytes(stream, .partial(partialOptions.result(.count, position)), statistics)
        }
        guard let by else { return output(lines, printing: printing, statistics: statistics) }
        var keys: [CountKey] = []
        for name in by.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if let bucket = TimeBucket(rawValue: name) {
                keys.append(.time(bucket, parser: try stageParser(time, position)))
            } else if let pattern = position.captures, let key = CountKey.capture(name, of: pattern) {
                keys.append(key)
            } else if let path = FieldPath(name) {
                keys.append(.field(path))
            } else {
                throw CLIError("count: '\(name)' is not a key (a field, a named group of the grep before, minute, hour or day)")
            }
        }
        guard Set(by.split(separator: ",")).count <= 64 else { throw CLIError("count: at most 64 keys") }
        var format = json ? CountFormat.jsonLines : .table
        if partialOptions.partial {
            var result = partialOptions.result(.countBy, position)
            result.keys = keys.map(\.name)
            result.top = top
            result.json = json
            format = .partial(result)
        }
        return countByStage(stream, keys, top, format, statistics, position.statistics)
    }

    func check(_ position: StagePosition) throws { try partialOptions.check(position, verb: "count") }
}

func countByStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ keys: [CountKey], _ top: Int?, _ format: CountFormat,
                  _ st: PrintStatistics, _ fields: PipelineStatistics?) -> ByteStream {
    s.countBy(keys, top: top, format: format, statistics: st, fieldStatistics: fields)
}
