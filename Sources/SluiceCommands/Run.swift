import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// The composed pipeline: the output bytes and what the last stage says of them.
struct Composition {
    var output: ByteStream
    /// The last stage's exit status says whether a line was selected (grep).
    var selects = false
    var quiet = false
    var lineBuffered = false
}

extension Plan {
    /// Runs the pipeline; returns the exit status. `stop` ends the inputs early (SIGINT, SIGTERM).
    func run(stop: StopToken = StopToken()) async -> Int32 {
        var settings = InputSettings()
        guard let inflater = inflaterFromEnvironment() else { return 2 }
        settings.inflater = inflater
        settings.files = stages[0].inputFiles
        stages[0].configure(&settings)
        settings.split = stages[0].requestedSplit
        if settings.split != nil {
            do { try checkSplittable(settings.files) } catch { printError("\(error)"); return 2 }
        }
        let recorder = ErrorRecorder(suppressFileErrors: (stages[0] as? GrepVerb)?.noMessages ?? false, stop: stop)
        let pipeline = PipelineStatistics()
        let printed = PrintStatistics()
        let inputs = makeInputs(settings, recorder: recorder, stop: stop, statistics: reportsStatistics || progress != false ? pipeline : nil,
                                reports: printed)
        let meter = progressMeter(settings, pipeline)
        meter?.start()
        defer {
            meter?.stop()
            if reportsStatistics { printStatistics(pipeline, selected: printed.selectedLines) }
        }
        let composition: Composition
        do {
            composition = try compose(inputs, statistics: printed)
        } catch {
            printError("\(error)")
            return 2
        }
        let status = await write(composition, statistics: printed, recorder: recorder)
        if status != 0 && status != 1 { return status }
        // `grep -q`: a selected line makes the status 0 even after an error, as GNU grep's
        // (`grep -q y missing a` is 0 when a holds y).
        if composition.quiet && status == 0 { return 0 }
        if recorder.anyFailed || trailingBytesFail.load(ordering: .relaxed) { return 2 }
        return status
    }

    /// The inputs the first stage reads; their faults travel in the stream, reported in order.
    func makeInputs(_ settings: InputSettings, recorder: ErrorRecorder, stop: StopToken, statistics: PipelineStatistics?,
                    reports: PrintStatistics) -> PipelineInputs {
        var options = InputFiles.Options()
        options.stop = stop
        options.inStreamReports = reports
        options.decompression.enabled = settings.decompress
        options.decompression.inflater = settings.inflater
        options.reportsErrorsInStream = true
        options.split = settings.split
        options.statistics = statistics
        options.preludes = settings.preludes
        // Several inputs: the next one is read (and decoded) while the current one is searched.
        options.parallelInputs = Swift.max(settings.parallelInputs, settings.files.count > 1 ? 2 : 1)
        options.readsStandardInputWhenEmpty = settings.readsStandardInputWhenEmpty
        if let label = settings.label { options.standardInputName = label }
        let onError: @Sendable (SluiceError) -> Void = { recorder.record($0) }
        let files = InputFiles(settings.files, options: options, onError: onError,
                               onWarning: reportDecompressionWarning)
        return PipelineInputs(files: files, maxLineLength: settings.maxLineLength, onError: onError)
    }

    /// The progress line, when asked for or when standard error is a terminal (never when following).
    func progressMeter(_ settings: InputSettings, _ statistics: PipelineStatistics) -> ProgressMeter? {
        let wanted = progress ?? (!settings.follows && !(stages[0] is TailVerb) && ProgressMeter.standardErrorIsTerminal)
        return wanted ? ProgressMeter(statistics: statistics, showsFileNames: settings.files.count > 1) : nil
    }

    /// Composes the stages: the first reads the inputs, each later one reads what the one
    /// before printed (as through a pipe), and the last makes the output.
    func compose(_ inputs: PipelineInputs, statistics: PrintStatistics) throws -> Composition {
        // Bytes that need no lines: `cat FILE...`, `cat FILE... then gzip`.
        if stages[0] is CatVerb {
            if stages.count == 1 { return Composition(output: inputs.files.bytes) }
            if stages.count == 2, let sink = stages[1] as? any SinkVerb, let output = sink.output(bytes: inputs.files.bytes) {
                return Composition(output: output)
            }
        }
        var stage = ComposedStage(stream: inputs.concatenatedLines)
        var lineBuffered = false
        for (index, verb) in stages.enumerated() {
            let position = StagePosition(index: index, count: stages.count, firstInput: inputs.files.paths.first,
                                         inTimeOrder: stage.inTimeOrder, captures: index == 0 ? nil : stage.captures,
                                         statistics: inputs.files.options.statistics, pipelineWords: pipelineWords,
                                         inputs: inputs.files.paths.map { ($0, inputs.files.displayName($0)) },
                                         split: inputs.files.options.split,
                                         laterStagesAreLight: stages[(index + 1)...].allSatisfy(\.isLightPerLine))
            if position.isLast, let sink = verb as? any SinkVerb {
                let lines = position.isFirst ? try verb.source(inputs, position).stream : stage.stream
                return Composition(output: try sink.output(lines, printing: position.isFirst ? .lines : stage.printing,
                                                           position: position, statistics: statistics),
                                   lineBuffered: lineBuffered)
            }
            let inOrder = stage.inTimeOrder
            stage = position.isFirst ? try verb.source(inputs, position) : try verb.compose(piped(stage.stream, stage.printing), position)
            stage.inTimeOrder = stage.inTimeOrder && inOrder
            lineBuffered = lineBuffered || stage.lineBuffered
        }
        return Composition(output: printedBytes(stage.stream, stage.printing, statistics), selects: stage.selects,
                           quiet: stage.quiet, lineBuffered: lineBuffered)
    }

    /// Writes the output, reporting each fault after the output before it; returns the status.
    func write(_ composition: Composition, statistics: PrintStatistics, recorder: ErrorRecorder) async -> Int32 {
        let writer = OutputWriter(fileDescriptor: 1, lineBuffered: composition.lineBuffered ? true : nil)
        func report() throws {
            let messages = statistics.takeMessages(), failures = statistics.takeFailures()
            guard !failures.isEmpty || !messages.isEmpty else { return }
            try writer.flush()
            messages.forEach { printError($0); warningReported($0) }
            failures.forEach(recorder.record)
        }
        defer { printUnreportedWarnings() }
        do {
            for try await bytes in composition.output {
                if composition.quiet {
                    if statistics.selectedLines > 0 { return 0 }
                } else {
                    try writer.write(bytes)
                }
                try report()
            }
            try writer.flush()
            try report()
        } catch let error as SluiceError where error.isBrokenPipe {
            return 141  // the reader has gone: stop quietly, as a process killed by SIGPIPE would
        } catch {
            // What was selected before the fault is output first, then the message, as grep does.
            try? writer.flush()
            try? report()
            if let failure = error as? SluiceError, recorder.isCutByStop(failure) { return 0 }
            printError("\(error)")
            return 2
        }
        if composition.selects || statistics.statusFollowsSelection { return statistics.selectedLines > 0 ? 0 : 1 }
        return 0
    }
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
    if s.malformedLines > 0 { text += row("lines malformed", "\(s.malformedLines) (JSON or logfmt that does not parse; skipped)") }
    text += row("elapsed", "\((elapsed * 1000).rounded() / 1000) s")
    text += row("throughput", "\(ProgressMeter.bytes(Int64(rate)))/s read")
    printError(text, prefixed: false)
}
