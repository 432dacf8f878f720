import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// A stream of line batches whose stages are chosen at run time.
typealias LineStream = any AsyncSequence<LineBatch, any Error> & Sendable

func applyGrep(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ p: GrepPattern, _ o: GrepOptions) -> LineStream { s.grep(p, options: o) }
func applyReadAhead(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) -> LineStream { s.readAhead(2) }
func applyRenumber(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) -> LineStream { s.renumbered() }
func applySkip(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ n: Int) -> LineStream { s.skip(n) }
func applyHead(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ n: Int) -> LineStream { s.head(n) }
func applyTail(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ n: Int) -> LineStream { s.tail(n) }
/// Prints a stage's decorated output and splits it into lines again for the next stage, as a pipe would.
func reprint(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ f: PrintFormat) -> LineStream {
    s.printed(f).lineBatches(keepCarriageReturn: true)
}
func printedBytes(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ f: PrintFormat, _ stats: PrintStatistics)
    -> any AsyncSequence<[UInt8], any Error> & Sendable { s.printed(f, statistics: stats) }
func jsonLinesBytes(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ p: GrepPattern, _ stats: PrintStatistics)
    -> any AsyncSequence<[UInt8], any Error> & Sendable { s.jsonLines(pattern: p, statistics: stats) }
func gzipped(_ s: some AsyncSequence<[UInt8], any Error> & Sendable, level: Int, deflater: Inflater)
    -> any AsyncSequence<[UInt8], any Error> & Sendable {
    s.gzip(level: level, deflater: deflater)
}
func zstdCompressed(_ s: some AsyncSequence<[UInt8], any Error> & Sendable, level: Int) -> any AsyncSequence<[UInt8], any Error> & Sendable {
    s.zstd(level: level)
}
func countLines(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) async throws -> Int { try await s.count() }

extension GrepVerb {
    /// The compiled patterns.
    func pattern(_ patterns: [String]) throws -> GrepPattern {
        try GrepPattern(patterns, syntax: fixedStrings ? .fixed : .regex,
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

    /// How lines print. Colour with `auto` applies to the last stage only: earlier stages feed
    /// a stream, as a pipe would.
    func format(pattern: GrepPattern, manyInputs: Bool, isLast: Bool) -> PrintFormat {
        var f = PrintFormat()
        f.mode = count ? .count : filesWithMatches ? .sourcesWithLines : filesWithoutMatch ? .sourcesWithoutLines : .lines
        f.sourceNames = (manyInputs || withFilename) && !noFilename
        f.lineNumbers = lineNumber
        f.byteOffsets = byteOffset
        if onlyMatching { f.onlyMatching = pattern }  // with -v the selected lines have no match: nothing prints
        let useColor: Bool
        switch color {
        case .never: useColor = false
        case .always: useColor = true
        case .auto:
            let term = getenv("TERM").map { String(cString: $0) } ?? "dumb"
            useColor = isLast && isatty(1) == 1 && (getenv("NO_COLOR").map { $0[0] == 0 } ?? true) && term != "dumb"
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
        if case .grep(let g, _)? = stages.first { suppress = g.noMessages }
        for case .grep(let g, _) in stages where g.lineBuffered { lineBuffered = true }
        let recorder = ErrorRecorder(suppressFileErrors: suppress)
        var options = InputFiles.Options()
        guard let inflater = inflaterFromEnvironment() else { return 2 }
        options.decompression = decompressionOptions(decompress, inflater: inflater)
        if let label { options.standardInputName = label }
        let statistics = PrintStatistics()
        let pipeline = PipelineStatistics()
        if reportsStatistics || progress != false { options.statistics = pipeline }
        let files = InputFiles(inputs, options: options, onError: { recorder.record($0) })
        var meter: ProgressMeter?
        if progress == true || (progress == nil && tailSource == nil && ProgressMeter.standardErrorIsTerminal) {
            meter = ProgressMeter(statistics: pipeline, showsFileNames: inputs.count > 1)
        }
        meter?.start()
        defer {
            meter?.stop()
            if reportsStatistics { printStatistics(pipeline, selected: statistics.selectedLines) }
        }
        var hasGrep = false
        var jsonPattern: GrepPattern?
        var writer = OutputWriter(fileDescriptor: 1, lineBuffered: lineBuffered)

        do {
            var output: any AsyncSequence<[UInt8], any Error> & Sendable
            if stages.isEmpty, tailSource == nil, case .print = sink {
                output = files.bytes
            } else if stages.isEmpty, tailSource == nil, case .gzip = sink {
                output = files.bytes
            } else if stages.isEmpty, tailSource == nil, case .zstd = sink {
                output = files.bytes
            } else {
                var stream: LineStream
                var format = PrintFormat()
                format.terminatesLastLine = false
                if let tail = tailSource {
                    stream = tailStream(tail, decompression: options.decompression, onError: { recorder.record($0) })
                    format.sourceHeaders = tail.verbose || (inputs.count > 1 && !tail.quiet)
                    if tail.followMode != .none {
                        lineBuffered = true
                        OutputWriter.exitWhenReaderGoes()
                    }
                } else {
                    stream = files.lineBatches(keepCarriageReturn: true, maxLineLength: maxLineLength)
                }
                for (index, stage) in stages.enumerated() {
                    let isLast = index == stages.count - 1
                    var stageFormat: PrintFormat?
                    switch stage {
                    case .grep(let g, let patterns):
                        hasGrep = true
                        let pattern: GrepPattern
                        do { pattern = try g.pattern(patterns) } catch {
                            printError("grep: \(error)")
                            return 2
                        }
                        // After the first stage a grep reads a stream, as through a pipe: its
                        // line numbers are positions in that stream.
                        if index > 0 { stream = applyRenumber(stream) }
                        var options = g.options()
                        options.numbersLines = options.numbersLines || !isLast || g.json
                        stream = applyGrep(stream, pattern, options)
                        // Selecting runs in a task of its own, printing and writing in this one.
                        if index == 0 { stream = applyReadAhead(stream) }
                        stageFormat = g.format(pattern: pattern, manyInputs: index == 0 && inputs.count > 1, isLast: isLast)
                        if isLast && g.json { jsonPattern = pattern }
                        if isLast { quiet = g.quiet }
                    case .head(let n):
                        stream = applyHead(stream, n)
                    case .tail(let n):
                        stream = applyTail(stream, n)
                    case .skip(let n):
                        stream = applySkip(stream, n)
                    case .number:
                        stream = applyRenumber(stream)
                        var f = PrintFormat()
                        f.lineNumbers = true
                        stageFormat = f
                    }
                    if let f = stageFormat {
                        if isLast {
                            let headers = format.sourceHeaders
                            format = f
                            format.sourceHeaders = headers && !f.sourceNames
                        } else if f.decorates {
                            stream = reprint(stream, f)
                        }
                    }
                }
                if lineBuffered == true { writer = OutputWriter(fileDescriptor: 1, lineBuffered: true) }
                if case .count = sink {
                    let n = try await countLines(stream)
                    try writer.write(Array("\(n)\n".utf8))
                    try writer.flush()
                    if recorder.anyFailed { return 2 }
                    return hasGrep && n == 0 ? 1 : 0
                }
                if let jsonPattern {
                    output = jsonLinesBytes(stream, jsonPattern, statistics)
                } else {
                    output = printedBytes(stream, format, statistics)
                }
            }
            // SLUICE_INFLATE=zlib also makes `then gzip` use zlib at every level.
            if case .gzip(let level) = sink { output = gzipped(output, level: level, deflater: inflater) }
            if case .zstd(let level) = sink { output = zstdCompressed(output, level: level) }
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
            // What was selected before the fault is output first, then the message, as grep does.
            try? writer.flush()
            printError("\(error)")
            return 2
        }
        if recorder.anyFailed { return 2 }
        if hasGrep { return statistics.selectedLines > 0 ? 0 : 1 }
        return 0
    }
}

/// The lines of a `tail` first stage: each file's last lines (read backwards from the end of a
/// regular file; inflated and kept in a ring for gzip and streams), then, when following, what
/// is added to them. Several followed files are merged as their lines come.
func tailStream(_ verb: TailVerb, decompression: DecompressionOptions,
                onError: @escaping @Sendable (SluiceError) -> Void) -> LineStream {
    let paths = verb.files.isEmpty ? ["-"] : verb.files
    let interval = Duration.milliseconds(Int64(verb.sleepInterval * 1000))
    let retry = verb.retry || verb.followMode == .name
    var decompression = decompression
    decompression.enabled = !verb.noDecompress
    var sources: [AsyncChainedLineSources.Source] = []
    for path in paths {
        let name = path == "-" ? "standard input" : path
        let compressed = !verb.noDecompress && startsWithCompressedMagic(path)
        if verb.bytes != nil && !(path != "-" && isRegularFile(path) && !compressed) {
            onError(.io(path: name, operation: "tail -c", errno: ESPIPE))  // byte offsets need a plain regular file
            continue
        }
        if path == "-" || !isRegularFile(path) && isReadableStream(path) {
            // A pipe or terminal cannot be read backwards: stream it and keep the last lines.
            let chunks = path == "-" ? FileChunks.standardInput() : FileChunks(path: path)
            let lines = chunks.decompressed(decompression, onWarning: { InputFiles.printWarning(name, $0) })
                .lineBatches(keepCarriageReturn: true, sourceName: name)
            sources.append((name, lastLines(lines, verb)))
        } else if compressed {
            let follower = FollowedFile(path: path, start: .offset(0), follow: verb.followMode, retry: retry,
                                        pollInterval: interval, watchedProcess: verb.pid)
            let lines = follower.decompressed(decompression, onWarning: { InputFiles.printWarning(name, $0) })
                .lineBatches(keepCarriageReturn: true, sourceName: name)
            // A growing compressed file is decoded from its start; without following, its last lines are kept.
            sources.append((name, verb.followMode == .none ? lastLines(lines, verb) : lines))
        } else {
            let follower = FollowedFile(path: path, start: verb.start, follow: verb.followMode, retry: retry,
                                        pollInterval: interval, watchedProcess: verb.pid)
            sources.append((name, follower.lineBatches(keepCarriageReturn: true, sourceName: name)))
        }
    }
    if verb.followMode != .none && sources.count > 1 { return AsyncMergedLineSources(sources, onError: onError) }
    return AsyncChainedLineSources(sources, onError: onError)
}

/// The last lines (or from line N) of a stream that cannot be read backwards.
func lastLines(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ verb: TailVerb) -> any AsyncSequence<LineBatch, any Error> & Sendable {
    switch verb.start {
    case .line(let n): return s.skip(n - 1)
    case .lastLines(let n): return s.tail(n)
    default: return s
    }
}

func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

func isReadableStream(_ path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0 else { return false }
    let kind = st.st_mode & S_IFMT
    return kind == S_IFIFO || kind == S_IFCHR || kind == S_IFSOCK
}

/// Whether a file starts with the magic number of a codec that `decompressed()` decodes.
func startsWithCompressedMagic(_ path: String) -> Bool {
    guard path != "-" else { return false }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var prefix = [UInt8](repeating: 0, count: CompressionCodec.longestMagic)
    let n = prefix.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return n > 0 && CompressionCodec.detect(prefix[..<n]) != nil
}

/// `SLUICE_INFLATE=isal|zlib` chooses the gzip inflater (ISA-L unless set); another value is an error.
func inflaterFromEnvironment() -> Inflater? {
    guard let value = getenv("SLUICE_INFLATE").map({ String(cString: $0) }), !value.isEmpty else { return .isal }
    guard let inflater = Inflater(rawValue: value) else {
        printError("SLUICE_INFLATE must be 'isal' or 'zlib', not '\(value)'")
        return nil
    }
    return inflater
}

/// The decoding of the inputs: every codec, detected by its magic number, unless `--no-decompress`.
func decompressionOptions(_ decompress: Bool, inflater: Inflater) -> DecompressionOptions {
    var options = DecompressionOptions()
    options.enabled = decompress
    options.inflater = inflater
    return options
}


/// `--stats`: what the pipeline read and selected, on standard error, as `rg --stats` does.
func printStatistics(_ s: PipelineStatistics, selected: Int) {
    let elapsed = s.elapsedSeconds
    let rate = elapsed > 0 ? Double(s.bytesRead) / elapsed : 0
    func row(_ name: String, _ value: String) -> String { name + String(repeating: " ", count: max(1, 16 - name.count)) + value + "\n" }
    var text = row("files", "\(s.filesOpened)")
    text += row("bytes read", "\(s.bytesRead) (\(ProgressMeter.bytes(s.bytesRead)))")
    text += row("bytes inflated", "\(s.bytesInflated) (\(ProgressMeter.bytes(s.bytesInflated)))")
    text += row("lines scanned", "\(s.linesScanned)")
    text += row("lines selected", "\(selected)")
    text += row("elapsed", "\((elapsed * 1000).rounded() / 1000) s")
    text += row("throughput", "\(ProgressMeter.bytes(Int64(rate)))/s read")
    printError(text, prefixed: false)
}
