import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// A stream of line batches whose stages are chosen at run time.
typealias LineStream = any AsyncSequence<LineBatch, any Error> & Sendable

func applyGrep(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ p: GrepPattern, _ o: GrepOptions) -> LineStream { s.grep(p, options: o) }
func applyReadAhead(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) -> LineStream { s.readAhead(4) }
func applyHead(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ n: Int) -> LineStream { s.head(n) }
func applyTail(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ n: Int) -> LineStream { s.tail(n) }
/// Prints a stage's decorated output and splits it into lines again for the next stage, as a pipe would.
func reprint(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ f: PrintFormat) -> LineStream {
    s.printed(f).lineBatches(keepCarriageReturn: true)
}
func printedBytes(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ f: PrintFormat, _ stats: PrintStatistics)
    -> any AsyncSequence<[UInt8], any Error> & Sendable { s.printed(f, statistics: stats) }
func gzipped(_ s: some AsyncSequence<[UInt8], any Error> & Sendable, level: Int) -> any AsyncSequence<[UInt8], any Error> & Sendable {
    s.gzip(level: level)
}
func countLines(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) async throws -> Int { try await s.count() }

extension GrepVerb {
    /// The compiled patterns.
    func pattern() throws -> GrepPattern {
        try GrepPattern(try patterns().patterns, syntax: fixedStrings ? .fixed : .regex,
                        ignoreCase: ignoreCase && !noIgnoreCase, wholeWord: wordRegexp, wholeLine: lineRegexp)
    }

    var selectsOnce: Bool { quiet || filesWithMatches || filesWithoutMatch }

    func options() -> GrepOptions {
        var o = GrepOptions()
        o.invert = invert
        o.maxCount = selectsOnce ? 1 : maxCount
        o.beforeContext = beforeContext ?? context ?? 0
        o.afterContext = afterContext ?? context ?? 0
        if onlyMatching || count || selectsOnce { o.beforeContext = 0; o.afterContext = 0 }
        o.numbersLines = lineNumber
        return o
    }

    func format(pattern: GrepPattern, manyInputs: Bool) -> PrintFormat {
        var f = PrintFormat()
        f.mode = count ? .count : filesWithMatches ? .sourcesWithLines : filesWithoutMatch ? .sourcesWithoutLines : .lines
        f.sourceNames = (manyInputs || withFilename) && !noFilename
        f.lineNumbers = lineNumber
        f.byteOffsets = byteOffset
        if onlyMatching && !invert { f.onlyMatching = pattern }
        let useColor: Bool
        switch color {
        case .never: useColor = false
        case .always: useColor = true
        case .auto: useColor = isatty(1) == 1 && getenv("NO_COLOR") == nil && String(cString: getenv("TERM") ?? strdup("dumb")) != "dumb"
        }
        if useColor {
            f.colors = OutputColors(grepColors: getenv("GREP_COLORS").map { String(cString: $0) })
            if !invert { f.highlighting = pattern }
        }
        return f
    }
}

extension PrintFormat {
    /// Whether printing changes the lines (so a later stage must see the printed text).
    var decorates: Bool {
        mode != .lines || sourceNames || lineNumbers || byteOffsets || onlyMatching != nil || colors != nil
    }
}

extension Plan {
    /// Runs the pipeline; returns the exit status.
    func run() async -> Int32 {
        var suppress = false
        var lineBuffered: Bool?
        var quiet = false
        if case .grep(let g)? = stages.first { suppress = g.noMessages }
        for case .grep(let g) in stages where g.lineBuffered { lineBuffered = true }
        let recorder = ErrorRecorder(suppressFileErrors: suppress)
        var options = InputFiles.Options()
        options.decompress = decompress
        if let label { options.standardInputName = label }
        let files = InputFiles(inputs, options: options, onError: { recorder.record($0) })
        let writer = OutputWriter(fileDescriptor: 1, lineBuffered: lineBuffered)
        let statistics = PrintStatistics()
        var hasGrep = false

        do {
            var output: any AsyncSequence<[UInt8], any Error> & Sendable
            if stages.isEmpty, case .print = sink {
                output = files.bytes
            } else if stages.isEmpty, case .gzip = sink {
                output = files.bytes
            } else {
                var stream: LineStream = files.lineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength)
                var format = PrintFormat()
                for (index, stage) in stages.enumerated() {
                    let isLast = index == stages.count - 1
                    var stageFormat: PrintFormat?
                    switch stage {
                    case .grep(let g):
                        hasGrep = true
                        let pattern: GrepPattern
                        do { pattern = try g.pattern() } catch {
                            printError("grep: \(error)")
                            return 2
                        }
                        stream = applyGrep(stream, pattern, g.options())
                        // Selecting runs in a task of its own, printing and writing in this one.
                        if index == 0 { stream = applyReadAhead(stream) }
                        stageFormat = g.format(pattern: pattern, manyInputs: index == 0 && inputs.count > 1)
                        if isLast { quiet = g.quiet }
                    case .head(let n):
                        stream = applyHead(stream, n)
                    case .tail(let n):
                        stream = applyTail(stream, n)
                    case .number:
                        var f = PrintFormat()
                        f.lineNumbers = true
                        stageFormat = f
                    }
                    if let f = stageFormat {
                        if isLast { format = f } else if f.decorates { stream = reprint(stream, f) }
                    }
                }
                if case .count = sink {
                    let n = try await countLines(stream)
                    try writer.write(Array("\(n)\n".utf8))
                    try writer.flush()
                    if recorder.anyFailed { return 2 }
                    return hasGrep && n == 0 ? 1 : 0
                }
                output = printedBytes(stream, format, statistics)
            }
            if case .gzip(let level) = sink { output = gzipped(output, level: level) }
            for try await bytes in output {
                if quiet {
                    if statistics.selectedLines > 0 { return 0 }
                    continue
                }
                try writer.write(bytes)
            }
            if quiet && statistics.selectedLines > 0 { return 0 }
            try writer.flush()
        } catch SluiceError.write(let code) where code == EPIPE {
            return 141  // the reader has gone: stop quietly, as a process killed by SIGPIPE would
        } catch {
            printError("\(error)")
            return 2
        }
        if recorder.anyFailed { return 2 }
        if hasGrep { return statistics.selectedLines > 0 ? 0 : 1 }
        return 0
    }
}
