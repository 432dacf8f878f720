import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// `tail`: the last lines of files (read backwards), then, with -f/-F, every line added.
struct TailVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", _superCommandName: "sluice",
        abstract: "Print the last lines of files and follow them as they grow (as GNU tail), or keep the last lines of the stream.",
        discussion: """
        As a first stage, the last lines of a regular file are found by reading backwards from its end,         whatever its size; gzip files are inflated. -F follows each file by name through rotation         (rename, copytruncate, delete and re-create, truncate-and-regrow) without losing lines, using         inotify (polling every -s seconds when it is unavailable). After 'then', it keeps the last N         lines (or, with -c, bytes) of the stream (-n +N skips the first N-1).

        Examples:
          sluice tail -n 100 /var/log/syslog
          sluice tail -F app.log then grep -i error
          sluice tail -n +2 data.csv then count
        """,
        helpNames: [.long])

    @Option(name: [.customShort("n", allowingJoined: true), .customLong("lines")],
            help: ArgumentHelp("The last N lines, or from line N with +N (default 10).", valueName: "[+]N"))
    var lines = "10"
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("bytes")],
            help: ArgumentHelp("The last N bytes, or from byte N with +N.", valueName: "[+]N"))
    var bytes: String?
    @Flag(name: .customShort("f"), help: "Follow the open file as it grows (--follow=descriptor).")
    var followDescriptor = false
    @Option(name: .customLong("follow"), help: ArgumentHelp("Follow by name or descriptor.", valueName: "HOW"))
    var follow: FollowHow?
    @Flag(name: .customShort("F"), help: "Follow by name and retry (--follow=name --retry).")
    var followName = false
    @Flag(name: .customLong("retry"), help: "Keep trying to open a file that is missing or inaccessible.")
    var retry = false
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("sleep-interval")],
            help: ArgumentHelp("Seconds between looks when inotify is unavailable (default 1).", valueName: "SECONDS"))
    var sleepInterval = 1.0
    @Option(name: .customLong("pid"), help: ArgumentHelp("Stop following when process PID ends.", valueName: "PID"))
    var pid: Int32?
    @Flag(name: [.customShort("q"), .customLong("quiet"), .customLong("silent")], help: "Never print file-name headers.")
    var quiet = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Always print file-name headers.")
    var verbose = false
    @Flag(name: .customLong("no-decompress"), help: "Do not decode compressed input (gzip, zstd, xz, bzip2, lz4): pass its bytes through.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("Files to read, as a first stage.", valueName: "FILE"))
    var files: [String] = []

    enum FollowHow: String, ExpressibleByArgument { case name, descriptor }

    /// How files are followed.
    var followMode: FollowedFile.Follow {
        if followName || follow == .name { return .name }
        if followDescriptor || follow == .descriptor { return .descriptor }
        return .none
    }

    /// `N` or `-N` (from the end) and `+N` (from the start).
    static func parseCount(_ text: String) -> (fromStart: Bool, value: Int64)? {
        var t = Substring(text)
        var fromStart = false
        if t.first == "+" { fromStart = true; t = t.dropFirst() } else if t.first == "-" { t = t.dropFirst() }
        return gnuCount(t).map { (fromStart, $0) }
    }

    mutating func validate() throws {
        guard Self.parseCount(lines) != nil else { throw ValidationError("invalid number of lines: '\(lines)'") }
        if let bytes, Self.parseCount(bytes) == nil { throw ValidationError("invalid number of bytes: '\(bytes)'") }
        guard sleepInterval > 0 else { throw ValidationError("invalid sleep interval: \(sleepInterval)") }
    }

    /// Where reading starts in a regular file.
    var start: FollowedFile.Start {
        if let bytes, let (fromStart, n) = Self.parseCount(bytes) {
            return fromStart ? .offset(Swift.max(0, n - 1)) : .lastBytes(n)
        }
        let (fromStart, n) = Self.parseCount(lines)!
        return fromStart ? .line(Int(Swift.max(1, n))) : .lastLines(Int(n))
    }
}

extension TailVerb: Verb {
    static var role: VerbRole { .lineStage }
    var isLightPerLine: Bool { true }
    static func normalise(_ words: [String]) -> [String] {
        // `--follow` alone is `--follow=descriptor`, as in GNU tail.
        normaliseCount(words.map { $0 == "--follow" ? "--follow=descriptor" : $0 })
    }
    var inputFiles: [String] { files }

    func configure(_ settings: inout InputSettings) {
        settings.decompress = !noDecompress
        settings.follows = followMode != .none
    }

    func check(_ position: StagePosition) throws {
        guard !position.isFirst else { return }
        guard followMode == .none else {
            throw CLIError("'tail' after 'then' keeps the last lines or bytes of the stream: -f and -F need files")
        }
    }

    /// As the first stage: GNU tail over the files (headers when there are several), then,
    /// when following, what is added to them.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        var format = PrintFormat()
        format.terminatesLastLine = false
        let follows = followMode != .none
        // GNU tail prints nothing at all, headers included, for `-n 0` and `-c 0` without following.
        let nothing: Bool
        switch start {
        case .lastLines(0), .lastBytes(0): nothing = !follows
        default: nothing = false
        }
        format.sourceHeaders = (verbose || (files.count > 1 && !quiet)) && !nothing
        if follows { OutputWriter.whenReaderGoes { _exit(141) } }
        return ComposedStage(stream: tailStream(onError: inputs.onError, stop: inputs.files.options.stop), printing: .format(format, decorates: format.sourceHeaders),
                             lineBuffered: follows)
    }

    /// After `then`: the last lines or bytes of the stream (`-n +N`, `-c +N`: from line or byte N).
    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        ComposedStage(stream: lastLines(stream))
    }

    /// The lines of a `tail` first stage: each file's last lines (read backwards from the end of a
    /// regular file; inflated and kept in a ring for gzip and streams), then, when following, what
    /// is added to them. Several followed files are merged as their lines come.
    func tailStream(onError: @escaping @Sendable (SluiceError) -> Void, stop: StopToken? = nil) -> LineStream {
        let paths = files.isEmpty ? ["-"] : files
        let interval = Duration.milliseconds(Int64(sleepInterval * 1000))
        let retry = self.retry || followMode == .name
        var decompression = DecompressionOptions()
        decompression.enabled = !noDecompress
        decompression.inflater = inflaterFromEnvironment() ?? .isal
        decompression.stop = stop
        // Each source is made once the number of sources is known: several followed files
        // print their first parts in the order of their operands, as GNU tail does.
        var makers: [(name: String, make: (_ index: Int, _ parts: InitialParts?) -> LineStream)] = []
        // Followed files read ahead within a total bound, however many there are.
        let chunkSize = followMode == .none ? FileChunks.defaultChunkSize : FollowedFile.chunkSize(following: paths.count)
        for path in paths {
            let name = path == "-" ? "standard input" : path
            // One stat, and one read of a regular file's first bytes when the CLI needs to know
            // whether it is compressed (-c with following refuses it; without following, its
            // last lines or bytes are kept from the decoded stream); when following, the library
            // decides alone.
            let probe = PathProbe(path, readsHead: !noDecompress && (bytes != nil || followMode == .none))
            let compressed = probe.codec != nil
            let warn: @Sendable (DecompressionWarning) -> Void = { printDecompressionWarning(name, $0) }
            if bytes != nil && compressed && followMode != .none {
                // Following counts bytes of the file as it grows: a compressed one has no such offsets.
                onError(.io(path: name, operation: "tail -c with -f", errno: ESPIPE))
                continue
            }
            if path == "-" || probe.isStream {
                // A pipe or terminal cannot be read backwards: stream it and keep the last lines.
                let chunks = (path == "-" ? FileChunks.standardInput() : FileChunks(path: path)).stopping(on: stop)
                let lines = chunks.decompressed(decompression, onWarning: warn).lineBatches(keepCarriageReturn: true, sourceName: name)
                makers.append((name, { _, _ in lastLines(lines) }))
                continue
            }
            var follower = FollowedFile(path: path, start: start, follow: followMode, retry: retry,
                                        pollInterval: interval, watchedProcess: pid, chunkSize: chunkSize,
                                        onNotice: { printError($0) })
            follower.stop = stop
            makers.append((name, { index, parts in
                var follower = follower
                if let parts { follower.onCaughtUp = { parts.caughtUp(index, opened: $0) } }
                // The library decodes a file compressed from its start, from there (whatever -n
                // says), and one empty or missing now that is then written compressed (a growing
                // .gz); text passes through with its lines whole.
                let lines = follower.decompressed(decompression, onWarning: warn).lineBatches(keepCarriageReturn: true, sourceName: name)
                // Without following, a compressed file's last lines or bytes are kept from the decoded stream.
                return compressed && followMode == .none ? lastLines(lines) : lines
            }))
        }
        if followMode != .none && makers.count > 1 {
            let parts = InitialParts(count: makers.count)
            let sources = makers.enumerated().map { index, maker in (maker.name, maker.make(index, parts)) as AsyncChainedLineSources.Source }
            return AsyncMergedLineSources(sources, initialParts: parts, onError: onError)
        }
        let sources = makers.enumerated().map { index, maker in (maker.name, maker.make(index, nil)) as AsyncChainedLineSources.Source }
        return AsyncChainedLineSources(sources, reportsErrorsInStream: true, onError: onError)
    }

    /// The last lines or bytes (or from line or byte N) of a stream that cannot be read backwards.
    func lastLines(_ s: some AsyncSequence<LineBatch, any Error> & Sendable) -> LineStream {
        switch start {
        case .line(let n): return s.skip(n - 1)
        case .lastLines(let n): return s.tail(n)
        case .offset(let n): return s.skipBytes(n)
        case .lastBytes(let n): return s.tailBytes(n)
        }
    }
}
