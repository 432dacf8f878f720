import ArgumentParser
import Sluice

/// `head -n N` and `head -c N`: the first lines or bytes of the stream (or all but the last).
struct HeadVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", _superCommandName: "sluice", abstract: "Keep the first N lines (10 by default) or bytes of the stream, then stop reading.",
        discussion: "Example:\n  sluice cat big.log.gz then grep ERROR then head -n 20", helpNames: [.long])
    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")],
            help: ArgumentHelp("How many lines; -N: all but the last N lines of each file.", valueName: "[-]N"))
    var lines = "10"
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("bytes")],
            help: ArgumentHelp("The first N bytes (multipliers as GNU head: b, kB, K, MB, M, GB, G...); -N: all but the last N bytes of each file.",
                               valueName: "[-]N"))
    var bytes: String?
    @Flag(name: [.customShort("q"), .customLong("quiet"), .customLong("silent")], help: "Never print file-name headers.")
    var quiet = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Always print file-name headers.")
    var verbose = false
    @OptionGroup var splitOptions: SplitOptions
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []

    /// `-n N` or, with `-n -N`, all but the last N lines.
    var count: (allButLast: Bool, n: Int)? {
        var t = Substring(lines)
        let allButLast = t.first == "-"
        if allButLast { t = t.dropFirst() }
        guard let n = Int(t), n >= 0 else { return nil }
        return (allButLast, n)
    }

    /// `-c N` or, with `-c -N`, all but the last N bytes.
    var byteCount: (allButLast: Bool, n: Int64)? {
        guard let bytes else { return nil }
        var t = Substring(bytes)
        let allButLast = t.first == "-"
        if allButLast { t = t.dropFirst() }
        return gnuCount(t).map { (allButLast, $0) }
    }

    mutating func validate() throws {
        guard count != nil else { throw ValidationError("invalid number of lines: '\(lines)'") }
        if let bytes, byteCount == nil { throw ValidationError("invalid number of bytes: '\(bytes)'") }
    }

    /// Each file's (or the stream's) first lines or bytes, or all but the last.
    func stage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) -> LineStream {
        if let (allButLast, n) = byteCount { return allButLast ? s.skipLastBytes(n) : s.headBytes(n) }
        let (allButLast, n) = count!
        return allButLast ? s.skipLast(n) : s.head(n)
    }
}

extension HeadVerb: Verb {
    static var role: VerbRole { .lineStage }
    var isLightPerLine: Bool { true }
    static func normalise(_ words: [String]) -> [String] { normaliseCount(words) }
    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { files }

    /// As the first stage, the first lines or bytes of each file (or all but the last), under `==> NAME <==` headers when
    /// there are several, as GNU head prints them; each file's reading stops at its last line.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        let headers = verbose || (inputs.files.paths.count > 1 && !quiet)
        guard headers || inputs.files.paths.count > 1 else { return try compose(inputs.concatenatedLines, position) }
        var format = PrintFormat()
        format.terminatesLastLine = false
        format.sourceHeaders = headers
        let files = inputs.files, length = inputs.maxLineLength
        let stream: LineStream
        if let (allButLast, n) = byteCount {
            stream = allButLast
                ? files.lineBatches(keepCarriageReturn: true, maxLineLength: length) { $0.skipLastBytes(n) }
                : files.lineBatches(keepCarriageReturn: true, maxLineLength: length) { $0.headBytes(n) }
        } else {
            let (allButLast, n) = count!
            stream = allButLast
                ? files.lineBatches(keepCarriageReturn: true, maxLineLength: length) { $0.skipLast(n) }
                : files.lineBatches(keepCarriageReturn: true, maxLineLength: length) { $0.head(n) }
        }
        return ComposedStage(stream: stream, printing: .format(format, decorates: headers))
    }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        ComposedStage(stream: stage(stream))
    }
}
