import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// How the time verbs (`since`, `until`, `merge`) and `grep --records` join a pipeline: their
/// parsing into ``Plan`` and the library stages they compose into in ``Plan/run()``.

/// A time stage after the first (or `until` first: it needs no special source).
struct TimeStage {
    enum Kind { case since, until }
    let kind: Kind
    let bound: TimeBound
    let options: TimeOptions
    let scan: Bool
}

/// A first stage that makes its own source: `since` (which may seek) or `merge`.
enum TimeSource {
    case since(SinceVerb, TimeBound)
    case merge(MergeVerb)
}

extension Plan {
    /// Parses `since`, `until` or `merge`; returns the files named (read by a first stage).
    mutating func parseTimeVerb(_ name: String, _ words: [String], isFirst: Bool) throws -> [String] {
        // A relative TIME (-90m) would be read as an option: now-90m is the same time.
        let words = words.map { word -> String in
            let body = word.dropFirst()
            if word.first == "-", body.count >= 2, body.dropLast().allSatisfy(\.isNumber), "smhdw".contains(body.last!) {
                return "now" + word
            }
            return word
        }
        switch name {
        case "since":
            let verb = try Self.parse(SinceVerb.self, words)
            let bound = try verb.time.bound(verb.arguments[0])
            decompress = !verb.noDecompress
            if isFirst {
                timeSource = .since(verb, bound)
            } else {
                stages.append(.time(TimeStage(kind: .since, bound: bound, options: verb.time, scan: true)))
            }
            timeOptions = timeOptions ?? verb.time
            return Array(verb.arguments.dropFirst())
        case "until":
            let verb = try Self.parse(UntilVerb.self, words)
            let bound = try verb.time.bound(verb.arguments[0])
            if isFirst { decompress = !verb.noDecompress }
            stages.append(.time(TimeStage(kind: .until, bound: bound, options: verb.time, scan: verb.scan)))
            timeOptions = timeOptions ?? verb.time
            return Array(verb.arguments.dropFirst())
        default:
            guard isFirst else { throw CLIError("'merge' can only be the first stage") }
            let verb = try Self.parse(MergeVerb.self, words)
            decompress = !verb.noDecompress
            timeSource = .merge(verb)
            timeOptions = timeOptions ?? verb.time
            return verb.files
        }
    }

    /// The timestamp parser for stages after the first: the first input's.
    func stageParser() -> LogTime {
        (try? (timeOptions ?? TimeOptions.parse([])).parser(for: inputs.first)) ?? LogTime()
    }

    /// The lines of a `since` or `merge` first stage, and whether they are known to be in time
    /// order (false when a `since` search found a file out of order: a later `until` then
    /// tests every record).
    func timeSourceStream(_ source: TimeSource, options: InputFiles.Options, onError: @escaping @Sendable (SluiceError) -> Void)
        -> (stream: LineStream, ordered: Bool) {
        let paths = inputs.isEmpty ? ["-"] : inputs
        switch source {
        case .merge(let verb):
            var sources: [AsyncTimeMergedLineSources.Source] = []
            var parsers: [LogTime] = []
            for path in paths {
                guard let parser = checkedParser(verb.time, path, onError) else { continue }
                let stream = InputFiles([path], options: options, onError: onError)
                    .lineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength)
                sources.append((path == "-" ? options.standardInputName : path, stream))
                parsers.append(parser)
            }
            return (AsyncTimeMergedLineSources(sources, parsers: parsers, labels: verb.label), true)
        case let .since(verb, bound):
            var sources: [AsyncChainedLineSources.Source] = []
            var ordered = true
            for path in paths {
                let name = path == "-" ? options.standardInputName : path
                guard let parser = checkedParser(verb.time, path, onError) else { continue }
                let seekable = !verb.scan && path != "-" && isRegularFile(path) && !(decompress && startsWithGzipMagic(path))
                if seekable {
                    var seek = TimeSeek(parser: parser)
                    if let tolerance = verb.tolerance { seek.tolerance = tolerance.microseconds }
                    do {
                        let result = try seek.search(path: path, for: bound)
                        switch result.outcome {
                        case .found(let offset):
                            let lines = TimeSeek.lineBatches(path: path, name: name, offset: offset, probeBytes: result.bytesRead,
                                                             maxLineLength: maxLineLength, statistics: options.statistics)
                            sources.append((name, applySince(lines, .instant(result.target), parser: parser)))
                            continue
                        case .unordered(let offset):
                            printError("\(name): not in time order (time runs back by more than the tolerance near byte \(offset)): reading it in full")
                            ordered = false
                        }
                    } catch {
                        onError(error)
                        continue
                    }
                }
                let lines = InputFiles([path], options: options, onError: onError)
                    .lineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength)
                sources.append((name, applySince(lines, bound, parser: parser)))
            }
            return (AsyncChainedLineSources(sources, onError: onError), ordered)
        }
    }

    private func checkedParser(_ options: TimeOptions, _ path: String, _ onError: (SluiceError) -> Void) -> LogTime? {
        do { return try options.parser(for: path) } catch {
            printError("\(error)")
            return nil
        }
    }
}

/// Applies a time stage. `until` stops reading at the first record after its time when the
/// stream is in order: the whole stream when it is one input, else the rest of that input.
func applyTimeStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ stage: TimeStage, parser: LogTime,
                    ordered: Bool, oneInput: Bool) -> LineStream {
    switch stage.kind {
    case .since:
        return s.since(stage.bound, parser: parser)
    case .until:
        let stop: TimeWindowStop = stage.scan || !ordered ? .never : oneInput ? .endOfStream : .endOfSource
        return s.until(stage.bound, parser: parser, stop: stop)
    }
}

func applySince(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ bound: TimeBound, parser: LogTime) -> LineStream {
    s.since(bound, parser: parser)
}

/// `grep --records`: whole records selected; with -c, -l, -L or -q one line per record.
func applyRecordGrep(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ p: GrepPattern, _ g: GrepVerb,
                     parser: LogTime) -> LineStream {
    var o = RecordGrepOptions()
    o.invert = g.invert
    o.maxCount = g.selectsOnce ? 1 : g.maxCount
    o.firstLinesOnly = g.count || g.selectsOnce
    return s.grepRecords(p, parser: parser, options: o)
}
