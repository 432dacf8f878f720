import Sluice
#if canImport(Glibc)
import Glibc
#endif

// How the time verbs (`since`, `until`, `merge`) and `grep --records` compose onto a pipeline.

/// A relative TIME (`-90m`) would be read as an option: `now-90m` is the same time.
func normaliseTimeWords(_ words: [String]) -> [String] {
    words.map { word -> String in
        let body = word.dropFirst()
        if word.first == "-", body.count >= 2, body.dropLast().allSatisfy(\.isNumber), "smhdw".contains(body.last!) {
            return "now" + word
        }
        return word
    }
}

/// The timestamp parser of a stage: dated by the pipeline's first input (its modification
/// time gives year-less formats their year).
func stageParser(_ options: TimeOptions, _ position: StagePosition) throws -> LogTime {
    do { return try options.parser(for: position.firstInput) } catch { throw CLIError("\(error)") }
}

extension SinceVerb: Verb {
    static var role: VerbRole { .lineStage }
    static func normalise(_ words: [String]) -> [String] { normaliseTimeWords(words) }
    var inputFiles: [String] { Array(arguments.dropFirst()) }

    func configure(_ settings: inout InputSettings) { settings.decompress = !noDecompress }

    func bound() throws -> TimeBound {
        do { return try time.bound(arguments[0]) } catch { throw CLIError("since: \(error)") }
    }

    /// As the first stage: a regular plain file is entered by binary search at the first
    /// record at or after TIME; other inputs are read until the window. One stream, as `cat`.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        let bound = try bound()
        let files = inputs.files
        var sources: [AsyncChainedLineSources.Source] = []
        var ordered = true
        for path in files.paths {
            let name = files.displayName(path)
            let parser: LogTime
            do { parser = try time.parser(for: path) } catch { throw CLIError("\(error)") }
            let probe = scan ? PathProbe() : PathProbe(path)  // one stat, and one read of a regular file's first bytes
            let seekable = probe.isRegularFile && !(files.options.decompress && probe.codec != nil)
            if seekable {
                var seek = TimeSeek(parser: parser)
                if let tolerance { seek.tolerance = tolerance.microseconds }
                do {
                    let result = try seek.search(path: path, for: bound)
                    if result.firstTimestamp == nil && result.bytesRead > 0 {
                        // Not a log in a format sluice reads: an error (status 2), not an empty window.
                        let cut = result.bytesRead > TimeSeek.untimedByteLimit
                        inputs.onError(.noTimestamp(path: name, limit: cut ? TimeSeek.untimedByteLimit : nil))
                        continue
                    }
                    switch result.outcome {
                    case .found(let offset):
                        let lines = TimeSeek.lineBatches(path: path, name: name, offset: offset, probeBytes: result.bytesRead,
                                                         maxLineLength: inputs.maxLineLength, statistics: files.options.statistics)
                        sources.append((name, sinceStage(lines, .instant(result.target), parser)))
                        continue
                    case .unordered(let offset):
                        printError("\(name): not in time order (time runs back by more than the tolerance near byte \(offset)): reading it in full")
                        ordered = false
                    }
                } catch {
                    inputs.onError(error.naming(name))
                    continue
                }
            }
            // A BGZF file (bgzip's) is bisected by block; other gzip files are read until the window.
            if probe.isRegularFile && files.options.decompress && probe.codec == .gzip && BGZFTimeSeek.isBGZF(path: path) {
                var seek = BGZFTimeSeek(parser: parser)
                if let tolerance { seek.tolerance = tolerance.microseconds }
                do {
                    let result = try seek.search(path: path, for: bound)
                    switch result.outcome {
                    case .found(let block, let skip):
                        let lines = BGZFTimeSeek.lineBatches(path: path, name: name, block: block, skip: skip,
                                                             probeBytes: result.bytesRead, maxLineLength: inputs.maxLineLength,
                                                             statistics: files.options.statistics)
                        // Without a timestamp in its first MiB the file is read from its start, and since resolves
                        // TIME itself (or fails the file, when it has none: see TimestampPresence).
                        sources.append((name, sinceStage(lines, result.firstTimestamp == nil ? bound : .instant(result.target), parser)))
                        continue
                    case .unordered(let offset):
                        printError("\(name): not in time order (time runs back by more than the tolerance near compressed byte \(offset)): reading it in full")
                        ordered = false
                    }
                } catch {
                    inputs.onError(error.naming(name))
                    continue
                }
            }
            let lines = InputFiles([path], options: files.options, onError: inputs.onError, onWarning: files.onWarning)
                .lineBatches(keepCarriageReturn: true, maxLineLength: inputs.maxLineLength)
            sources.append((name, sinceStage(lines, bound, parser)))
        }
        var stage = ComposedStage(stream: AsyncChainedLineSources(sources, reportsErrorsInStream: true, onError: inputs.onError))
        stage.inTimeOrder = ordered
        return stage
    }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        ComposedStage(stream: sinceStage(stream, try bound(), try stageParser(time, position)))
    }
}

extension UntilVerb: Verb {
    static var role: VerbRole { .lineStage }
    static func normalise(_ words: [String]) -> [String] { normaliseTimeWords(words) }
    var inputFiles: [String] { Array(arguments.dropFirst()) }

    func configure(_ settings: inout InputSettings) { settings.decompress = !noDecompress }

    /// The stream is one input (as through a pipe): in time order, reading stops at the first
    /// record after TIME.
    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        let bound: TimeBound
        do { bound = try time.bound(arguments[0]) } catch { throw CLIError("until: \(error)") }
        let stop: TimeWindowStop = scan || !position.inTimeOrder ? .never : .endOfStream
        return ComposedStage(stream: untilStage(stream, bound, try stageParser(time, position), stop))
    }
}

extension MergeVerb: Verb {
    static var role: VerbRole { .source }
    var inputFiles: [String] { files }

    func configure(_ settings: inout InputSettings) { settings.decompress = !noDecompress }

    /// The inputs interleaved by record time, each read with its own parser.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        var sources: [AsyncTimeMergedLineSources.Source] = []
        var parsers: [LogTime] = []
        // Memory: each input holds its batch being merged, one batch whose timestamps were read
        // ahead and one being read, one batch split ahead and two chunks read ahead (or being
        // inflated): about 7 chunks per input, plus one output batch (see
        // AsyncTimeMergedLineSources). Chunks of 128 KiB: merge-4 (four 100 MB logs, one gzip)
        // measured 35 MiB peak RSS and 0.73 s with 256 KiB, 27 MiB and 0.63 s with 128 KiB,
        // 25 MiB and 0.66 s with 64 KiB (smaller chunks stay in cache; more of them cost more
        // hand-offs). The process alone is 14 MiB.
        var options = inputs.files.options
        options.readAhead = 1
        options.chunkSize = Swift.min(options.chunkSize, 128 << 10)
        for path in inputs.files.paths {
            do { parsers.append(try time.parser(for: path)) } catch { throw CLIError("\(error)") }
            let stream = InputFiles([path], options: options, onError: inputs.onError, onWarning: inputs.files.onWarning)
                .lineBatches(keepCarriageReturn: true, maxLineLength: inputs.maxLineLength)
            sources.append((inputs.files.displayName(path), stream))
        }
        return ComposedStage(stream: AsyncTimeMergedLineSources(sources, parsers: parsers, labels: label))
    }
}

func sinceStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ bound: TimeBound, _ parser: LogTime) -> LineStream {
    s.since(bound, parser: parser)
}

func untilStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ bound: TimeBound, _ parser: LogTime,
                _ stop: TimeWindowStop) -> LineStream {
    s.until(bound, parser: parser, stop: stop)
}

/// `grep --records`: whole records selected; with -c, -l, -L or -q one line per record.
func recordGrepStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ p: GrepPattern, _ g: GrepVerb,
                     parser: LogTime) -> LineStream {
    s.grepRecords(p, parser: parser, options: g.recordOptions())
}

extension GrepVerb {
    func recordOptions() -> RecordGrepOptions {
        var o = RecordGrepOptions()
        o.invert = invert
        o.maxCount = selectsOnce ? Swift.min(1, maxCount ?? 1) : maxCount
        o.firstLinesOnly = count || selectsOnce
        return o
    }
}
