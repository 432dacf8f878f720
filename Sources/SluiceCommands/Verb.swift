import ArgumentParser
import Sluice

/// A stream of line batches whose stages are chosen at run time.
typealias LineStream = any AsyncSequence<LineBatch, any Error> & Sendable
/// Output bytes whose stages are chosen at run time.
typealias ByteStream = any AsyncSequence<[UInt8], any Error> & Sendable

/// The verbs, in the order help lists them. Adding a verb is one file under `Verbs/` and one
/// line here: the parser, help, completions and the man page come from this list.
///
/// Each verb's configuration names `sluice` as its `_superCommandName`: its usage reads
/// `sluice VERB`, and the argument parser does not try every stage's words as a
/// `--generate-completion-script` request first (parsing two more commands, a third of the
/// parsing time of `sluice tail -n 10 FILE`); completions come from `sluice` itself.
let verbRegistry: [any Verb.Type] = [
    CatVerb.self, GrepVerb.self, HeadVerb.self, TailVerb.self, CountVerb.self, NumberVerb.self, GzipVerb.self,
    SinceVerb.self, UntilVerb.self, MergeVerb.self, ZstdVerb.self, SplitsVerb.self, CombineVerb.self,
    WhereVerb.self,
    FieldsVerb.self,
    UniqVerb.self,
]

/// Where a verb may stand in a pipeline.
enum VerbRole {
    /// First only: it reads the inputs (`cat`).
    case source
    /// Anywhere: it reads the inputs when first, the stream before it otherwise.
    case lineStage
    /// Last only: it turns the stream into the output (`count`, `gzip`).
    case sink
}

/// A stage's place in its pipeline.
struct StagePosition {
    let index: Int
    let count: Int
    /// The pipeline's first input, whose modification time dates year-less timestamps.
    var firstInput: String? = nil
    /// The stream is known to be in time order (false after a `since` that found its file out of order).
    var inTimeOrder = true
    /// The pattern of a grep stage just before this one, whose named groups `count --by` may name.
    var captures: GrepPattern? = nil
    /// The pipeline's counters (`--stats`), when they are kept.
    var statistics: PipelineStatistics? = nil
    /// The pipeline's words without the first stage's files and the split and partial
    /// options: what partial results of one job share (see ``PartialResult/pipeline``).
    var pipelineWords: [String] = []
    /// The first stage's inputs: the path read, and the name printed.
    var inputs: [(path: String, name: String)] = []
    /// The split of every input that is read, if any.
    var split: InputSplit? = nil
    /// Every stage after this one costs little per line (see ``Verb/isLightPerLine``), so the
    /// second core is free for this one's work (grep scans batches ahead on it).
    var laterStagesAreLight = true
    var isFirst: Bool { index == 0 }
    var isLast: Bool { index == count - 1 }
}

/// How a stage's lines are printed: as they are, in a grep format, or as JSON Lines.
enum Printing {
    case lines
    /// `decorates`: the printed text differs from the lines (prefixes, separators, headers,
    /// counts), so the stage after this one reads the printed text, as through a pipe.
    case format(PrintFormat, decorates: Bool)
    case json(GrepPattern?)
    /// A count as a partial result (`--partial`; last stage only).
    case partial(PartialResult)
}

/// What a stage makes of the stream.
struct ComposedStage {
    var stream: LineStream
    var printing = Printing.lines
    /// The exit status says whether a line was selected, as grep's does.
    var selects = false
    /// Print nothing and stop at the first selected line (`grep -q`).
    var quiet = false
    /// Write each line at once (`--line-buffered`, following).
    var lineBuffered = false
    /// The stream is in time order, as far as the stage knows.
    var inTimeOrder = true
    /// A grep stage's pattern, for the named groups of `then count --by`.
    var captures: GrepPattern? = nil
}

/// What the first stage reads, and how its faults are reported.
struct PipelineInputs {
    let files: InputFiles
    let maxLineLength: Int
    let onError: @Sendable (SluiceError) -> Void

    /// The inputs concatenated, as `cat` gives them, split into lines.
    var concatenatedLines: LineStream { files.concatenatedLineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength) }
}

/// How reading the inputs is set up (first stage only).
struct InputSettings {
    var files: [String] = []
    var decompress = true
    /// The gzip inflater (`SLUICE_INFLATE`); `then gzip` uses it for levels 1-3 too.
    var inflater = Inflater.isal
    var maxLineLength = 64 << 20
    var label: String?
    /// No progress line: the input has no end (following).
    var follows = false
    /// Notices to give before input `i` (a walk's unreadable directories and loops).
    var preludes: [Int: [LineBatch]] = [:]
    /// How many inputs are searched at once (`grep -r`).
    var parallelInputs = 1
    /// No files means standard input (off when files were named or walked but none is left).
    var readsStandardInputWhenEmpty = true
    /// Read only this split of each file.
    var split: InputSplit?
}

/// One verb: its options (argument parser), its role, and how it composes onto a stream.
protocol Verb: ParsableCommand {
    static var role: VerbRole { get }
    /// GNU spellings the argument parser does not take as they are (`-5` for `-n 5`).
    static func normalise(_ words: [String]) -> [String]
    /// The files it reads as a first stage.
    var inputFiles: [String] { get }
    /// Reading settings, when it is the first stage.
    func configure(_ settings: inout InputSettings)
    /// `--split` or `--split-bytes`, for verbs that stream files as a first stage.
    var requestedSplit: InputSplit? { get }
    /// Costs little per line (counting, cutting, numbering): a stage before it may use the
    /// second core for itself. False for stages that match, parse or compress each line.
    var isLightPerLine: Bool { get }
    /// Checks options that depend on its place (beyond its role).
    func check(_ position: StagePosition) throws
    /// As the first stage: its lines from the inputs.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage
    /// After `then`: the stage on the stream before it, which reads as through a pipe.
    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage
}

/// A last stage that makes the output bytes itself.
protocol SinkVerb: Verb {
    /// The output from the lines before it, printed as `printing` says.
    func output(_ lines: LineStream, printing: Printing, statistics: PrintStatistics) -> ByteStream
    /// The same, knowing its place (the stage before it); by default the one above.
    func output(_ lines: LineStream, printing: Printing, position: StagePosition, statistics: PrintStatistics) throws -> ByteStream
    /// The output from the inputs' bytes as they are (`sluice cat FILE then gzip`), if it can.
    func output(bytes: ByteStream) -> ByteStream?
}

extension Verb {
    static func normalise(_ words: [String]) -> [String] { words }
    static var name: String { configuration.commandName ?? "" }
    var inputFiles: [String] { [] }
    func configure(_ settings: inout InputSettings) {}
    var requestedSplit: InputSplit? { nil }
    var isLightPerLine: Bool { false }
    func check(_ position: StagePosition) throws {}
    /// By default a first stage reads the inputs concatenated, as `cat FILE... | VERB` would.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        try compose(inputs.concatenatedLines, position)
    }
    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage { ComposedStage(stream: stream) }
}

// Stages on a stream whose type is chosen at run time (an existential argument is opened
// when it is passed as `some`).
func grepStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ p: GrepPattern, _ o: GrepOptions) -> LineStream {
    s.grep(p, options: o)
}
func renumberedStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) -> LineStream { s.renumbered() }
func countPrintedStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ st: PrintStatistics) -> ByteStream {
    s.countPrinted(statistics: st)
}
/// `SLUICE_INFLATE=zlib` also makes `then gzip` use zlib at every level.
func gzipStage(_ s: some AsyncSequence<[UInt8], any Error> & Sendable, level: Int, deflater: Inflater) -> ByteStream {
    s.gzip(level: level, deflater: deflater)
}
func zstdStage(_ s: some AsyncSequence<[UInt8], any Error> & Sendable, level: Int) -> ByteStream { s.zstd(level: level) }

extension SinkVerb {
    func output(bytes: ByteStream) -> ByteStream? { nil }
    func output(_ lines: LineStream, printing: Printing, position: StagePosition, statistics: PrintStatistics) throws -> ByteStream {
        output(lines, printing: printing, statistics: statistics)
    }
}

/// Prints lines as `printing` says.
func printedBytes(_ lines: some AsyncSequence<LineBatch, any Error> & Sendable, _ printing: Printing,
                  _ statistics: PrintStatistics) -> ByteStream {
    switch printing {
    case .lines:
        var f = PrintFormat()
        f.terminatesLastLine = false
        return lines.printed(f, statistics: statistics)
    case .format(let f, _): return lines.printed(f, statistics: statistics)
    case .json(let pattern): return lines.jsonLines(pattern: pattern, statistics: statistics)
    case .partial(let result): return lines.partialResult(result, statistics: statistics)
    }
}

/// The stream as the stage after `printing`'s reads it, as through a pipe.
func piped(_ lines: some AsyncSequence<LineBatch, any Error> & Sendable, _ printing: Printing) -> LineStream {
    switch printing {
    case .lines, .format(_, decorates: false), .partial: return lines.piped()
    case .format(let f, decorates: true): return lines.piped(printing: f)
    case .json(let pattern):
        return lines.jsonLines(pattern: pattern).lineBatches(keepCarriageReturn: true).piped()
    }
}
