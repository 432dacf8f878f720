#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Several inputs read in order as one stream, the way `cat` and `grep` take their file
/// arguments: compressed input (gzip, zstd, xz, bzip2, lz4) is decoded whatever its name, `-` is standard input, and a file that
/// cannot be read or is damaged is reported to `onError` while the others are still read.
///
///     for try await batch in InputFiles(["app.log.1.gz", "app.log"]).lineBatches() { ... }
public struct InputFiles: Sendable {
    /// How inputs are read.
    public struct Options: Sendable {
        /// Decode compressed input (detected by its magic bytes), and how.
        public var decompression = DecompressionOptions()
        /// Decode compressed input: ``decompression``'s `enabled`.
        public var decompress: Bool {
            get { decompression.enabled }
            set { decompression.enabled = newValue }
        }
        /// The chunk size of the reader.
        public var chunkSize = FileChunks.defaultChunkSize
        /// What standard input is called in messages and file-name prefixes.
        public var standardInputName = "(standard input)"
        /// How many chunks or batches each input's producing task keeps ready (a regular file is
        /// read up to twice as many chunks ahead, at most 4).
        public var readAhead = 2
        /// Counters to update while reading (bytes read and inflated, lines, files), if any.
        public var statistics: PipelineStatistics?
        /// Carry each input's fault in the line stream, as ``LineBatch/failure`` on its end
        /// marker (or a ``LineBatch/isNotice`` marker when nothing of it was read), instead of
        /// telling `onError` at once: a printer then reports it after every line before it has
        /// been output (see ``PrintStatistics/takeFailures()``). Byte streams still use `onError`.
        public var reportsErrorsInStream = false
        /// With ``reportsErrorsInStream``, where a byte stream (``InputFiles/bytes``), which has
        /// no markers, puts each input's fault and decoder warning, in stream order; the stream
        /// then yields an empty chunk, so that a consumer that writes each chunk and then takes
        /// them (``PrintStatistics/takeFailures()``, ``PrintStatistics/takeMessages()``) reports
        /// them after the bytes before them. Line streams carry them as markers instead.
        /// Without it, a byte stream tells `onError` (and `onWarning`) when it reaches them.
        public var inStreamReports: PrintStatistics?
        /// Markers to yield before input `i` (key `paths.count`: after the last one): the notices
        /// of a ``DirectoryWalk`` (an unreadable directory, a loop), in their place among the inputs.
        public var preludes: [Int: [LineBatch]] = [:]
        /// How many inputs are read at once (each in a task of its own, the next ones, when they
        /// are regular files, while the first is consumed: the next compressed file is decoded
        /// on another core while the current one is searched); their elements are still yielded
        /// in input order. Each input read ahead holds at most its reader's, decoder's and
        /// stage's read-ahead buffers and 4 elements (a few MiB). 1 reads one after another.
        public var parallelInputs = 1
        /// No paths means standard input (as `cat` and `grep` read it); off, no paths is no input
        /// (a walk that found no file).
        public var readsStandardInputWhenEmpty = true
        /// Read only the lines of this split of each input (see ``InputSplit``); `nil` reads them
        /// whole. Standard input can be split only when it is a regular file.
        public var split: InputSplit?
        /// Ends reading, as at the end of every input, once requested; a compressed input cut
        /// short by it is not reported as truncated.
        public var stop: StopToken?
        public init() {}
    }

    /// The inputs; `-` is standard input.
    public let paths: [String]
    /// How they are read.
    public internal(set) var options: Options
    /// Told of every input that fails, with the input named; the stream goes on with the next.
    /// Without a handler (`nil`, the default), the first failure ends the stream: it is thrown.
    public let errorHandler: (@Sendable (SluiceError) -> Void)?
    /// ``errorHandler``, or a handler that drops errors when there is none.
    public var onError: @Sendable (SluiceError) -> Void { errorHandler ?? { _ in } }
    /// Told of trailing garbage after compressed data, with the input named, when the stream
    /// reaches the end of that input (not when its decoder, which may run ahead, sees it). With
    /// ``Options/reportsErrorsInStream`` the warning is also carried in the stream, as the
    /// message of a ``LineBatch/isNotice`` marker after the input's end marker (or in
    /// ``Options/inStreamReports``, for bytes), `NAME: warning: ...`, for a printer to report
    /// in order: the handler should then not print it itself.
    public internal(set) var onWarning: @Sendable (String, GunzipWarning) -> Void
    /// What a `stat` of the inputs about to be read told (shared by the copies of this value).
    let kinds = InputKinds()

    public init(_ paths: [String], options: Options = Options(),
                onError: (@Sendable (SluiceError) -> Void)? = nil,
                onWarning: @escaping @Sendable (String, GunzipWarning) -> Void = InputFiles.ignoreWarning) {
        self.paths = paths.isEmpty && options.readsStandardInputWhenEmpty ? ["-"] : paths
        self.options = options
        self.errorHandler = onError
        self.onWarning = onWarning
    }

    /// The default warning handler: ignores the warning (the library never prints); pass a
    /// handler of your own to report it with the input's name.
    public static let ignoreWarning: @Sendable (String, GunzipWarning) -> Void = { _, _ in }

    /// The name an input has in messages.
    public func displayName(_ path: String) -> String { path == "-" ? options.standardInputName : path }

    /// The (inflated) bytes of one input (of its split, with ``Options/split``), counted in
    /// ``Options/statistics``.
    func bytes(of path: String, inline: Bool = false) -> InputBytes {
        let name = displayName(path)
        let options = self.options
        let onWarning = self.onWarning
        let statistics = options.statistics
        statistics?.opened(name)
        var stoppable = options.decompression
        if stoppable.stop == nil { stoppable.stop = options.stop }
        let decompression = stoppable
        // A split standard input is read again by name, which works when it is a regular file.
        let splitPath = path == "-" ? "/dev/stdin" : path
        return SplitBytes(path: splitPath, split: options.split, decompress: decompression.enabled) { part in
            var decoding = decompression
            decoding.enabled = part.decodes
            // Read inline, a chunk is searched right after the kernel copied it: small enough
            // to stay in the core's L2 cache for the line split and the search after the copy.
            let chunkSize = inline ? Swift.min(options.chunkSize, InputFiles.inlineChunkSize) : options.chunkSize
            let file = path == "-" && options.split == nil
                ? FileChunks(fileDescriptor: 0, name: name, closeWhenDone: false, chunkSize: options.chunkSize)
                : FileChunks(path: splitPath, chunkSize: part.isTail ? Swift.min(chunkSize, 64 << 10) : chunkSize,
                             offset: part.offset, length: part.length,
                             readAhead: part.isTail ? 1 : Swift.max(1, Swift.min(4, 2 * options.readAhead)))
            return InputChunks(file.stopping(on: options.stop), readsRegularFilesInline: inline)
                .observed { statistics?.addRead($0.count) }
                .decompressed(decoding, onWarning: { onWarning(name, $0) })
        }
        .observed { statistics?.addInflated($0.count) }
    }

    /// The largest chunk of a file read inline (in the task that searches it): 256 KiB, half
    /// of a core's L2 cache on the smallest current x86-64 cores.
    static let inlineChunkSize = 256 << 10

    /// Sets the statistics' total to the summed size of the inputs that are regular files
    /// (a set, not an add: making the stream twice does not count the files twice), measured
    /// when the total is first asked for.
    func recordTotalSize() {
        guard let statistics = options.statistics else { return }
        let paths = self.paths
        statistics.setTotal(measuredBy: {
            var total: Int64 = 0
            for path in paths where path != "-" {
                var info = stat()
                if RawBytes.stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
            }
            return total
        })
    }

    /// The inputs' bytes concatenated, as `zcat -f` gives them.
    public var bytes: some AsyncSequence<[UInt8], any Error> & Sendable {
        recordTotalSize()
        // Read on a thread of its own (not in the consuming task, as the searched lines are):
        // `cat` and `count` do little per byte, and the kernel's copy of the next chunk on the
        // other core is then the larger half (`count` of a 200 MB file: 1.13x `wc -l` so, 1.29x
        // read in the consuming task).
        return InputFileStream(files: self) { files, path in files.bytes(of: path).readAhead(files.options.readAhead) }
    }

    /// The inputs' lines, each input split on its own (a last line without LF stays a line) and
    /// followed by an end-of-source marker; see ``_Concurrency/AsyncSequence/lineBatches(keepCarriageReturn:maxLineLength:sourceName:)``.
    public func lineBatches(keepCarriageReturn: Bool = false, maxLineLength: Int = 64 << 20)
        -> some AsyncSequence<LineBatch, any Error> & Sendable {
        recordTotalSize()
        return InputFileStream(files: self) { files, path in
            files.lines(of: path, keepCarriageReturn: keepCarriageReturn, maxLineLength: maxLineLength)
                .readAhead(files.options.readAhead)
        }
    }

    /// The inputs' bytes concatenated, as `cat` gives them, split into lines: one stream, in
    /// which a last line without LF runs on into the next input, as through `cat a b |`.
    /// Reading and inflating run in one task, splitting in another.
    public func concatenatedLineBatches(keepCarriageReturn: Bool = false, maxLineLength: Int = 64 << 20)
        -> some AsyncSequence<LineBatch, any Error> & Sendable {
        let statistics = options.statistics
        // One input names the stream's faults (a too-long line); several make one unnamed stream.
        let name = paths.count == 1 ? displayName(paths[0]) : nil
        // Faults and warnings of the inputs, which a byte stream cannot carry, become notice
        // markers before the first batch split after them (so after every line before them).
        var files = self
        let reports = PrintStatistics()
        if options.reportsErrorsInStream { files.options.inStreamReports = reports }
        return ReportedLineBatches(base: files.bytes.lineBatches(keepCarriageReturn: keepCarriageReturn, maxLineLength: maxLineLength,
                                                                 sourceName: name),
                                   reports: options.reportsErrorsInStream ? reports : nil)
            .observed { statistics?.addLines($0.lineCount) }
            .readAhead(options.readAhead)
    }

    /// The inputs' lines with `stage` applied to each input on its own, as `grep FILE...` treats
    /// its files: a stage that has its answer (`grep -l`, `-m`) ends that input's reading. Each
    /// compressed input is read, inflated and split in one task and `stage` runs in another, so
    /// that the two use two cores; a plain file, with `inlinePlainFiles`, is read, split and
    /// searched in one (for a light stage, such as a literal search, faster: its bytes are
    /// searched while they are in the core's cache; a heavy stage, such as `grepRecords`, gains
    /// more from splitting on the other core). The next input is opened when one ends.
    public func lineBatches<Stage: AsyncSequence & Sendable>(
        keepCarriageReturn: Bool = false, maxLineLength: Int = 64 << 20, inlinePlainFiles: Bool = true,
        eachInput stage: @escaping @Sendable (AsyncReadAheadSequence<InputLines>) -> Stage
    ) -> InputFileStream<AsyncReadAheadSequence<Stage>> where Stage.Element == LineBatch {
        lineBatches(keepCarriageReturn: keepCarriageReturn, maxLineLength: maxLineLength,
                    inlinePlainFiles: inlinePlainFiles) { _, lines in stage(lines) }
    }

    /// ``lineBatches(keepCarriageReturn:maxLineLength:inlinePlainFiles:eachInput:)`` with the input's path
    /// (`-` for standard input) given to `stage`, which may treat inputs differently (grep
    /// reads a regular file and a pipe as GNU grep reads them).
    public func lineBatches<Stage: AsyncSequence & Sendable>(
        keepCarriageReturn: Bool = false, maxLineLength: Int = 64 << 20,
        inlinePlainFiles: Bool = true,
        eachPath stage: @escaping @Sendable (String, AsyncReadAheadSequence<InputLines>) -> Stage
    ) -> InputFileStream<AsyncReadAheadSequence<Stage>> where Stage.Element == LineBatch {
        recordTotalSize()
        return InputFileStream(files: self) { files, path in
            // A small regular file, or a larger one that is not compressed, is read, decoded,
            // split and searched in one task, the one that iterates it (with
            // ``Options/parallelInputs``, one of the tasks searching inputs ahead): for a small
            // file, tasks and hand-offs would cost more than the work; for a plain one, its
            // bytes are searched while they are in the core's cache (see ``InputChunks``). A
            // compressed file is inflated in a task of its own, on the other core.
            let inline = inlinePlainFiles ? files.readsInline(path) : files.isSmall(path)
            return stage(path, files.lines(of: path, keepCarriageReturn: keepCarriageReturn, maxLineLength: maxLineLength,
                                           inline: inline)
                .readAhead(files.options.readAhead, inline: inline)).readAhead(files.options.readAhead, inline: inline)
        }
    }

    /// Whether `path` is a regular file read whole that fits in one chunk (see ``InputChunks``).
    func isSmall(_ path: String) -> Bool {
        guard path != "-", options.split == nil, let kind = kinds.kind(of: path) else { return false }
        return kind.isRegular && kind.size <= Int64(options.chunkSize)
    }

    /// Whether `path` (`-`: standard input) is a regular file, by a `stat` asked once for the
    /// few inputs about to be read (the last 64 paths asked about are remembered).
    public func isRegularFile(_ path: String) -> Bool {
        guard path != "-" else {
            var info = stat()
            return fstat(0, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        return kinds.kind(of: path)?.isRegular ?? false
    }

    /// Whether `path` is read in the task that iterates it (see ``InputChunks``): a small
    /// regular file, or a regular file whose first bytes are no compressed format's (or any
    /// regular file, when nothing is decompressed). Splits and standard input never are.
    func readsInline(_ path: String) -> Bool {
        guard path != "-", options.split == nil, let kind = kinds.kind(of: path), kind.isRegular else { return false }
        if kind.size <= Int64(options.chunkSize) || !options.decompression.enabled { return true }
        let fd = RawBytes.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return false }  // the reader reports why
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: CompressionCodec.longestMagic)
        let count = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        return CompressionCodec.detect(prefix[..<count]) == nil
    }

    /// The lines of one input, counted.
    func lines(of path: String, keepCarriageReturn: Bool, maxLineLength: Int, inline: Bool = false) -> InputLines {
        let statistics = options.statistics
        return bytes(of: path, inline: inline)
            .lineBatches(keepCarriageReturn: keepCarriageReturn, maxLineLength: maxLineLength, sourceName: displayName(path))
            .observed { statistics?.addLines($0.lineCount) }
    }

    /// The lines of one input: split, counted.
    public typealias InputLines = AsyncObservedSequence<AsyncLineBatchSequence<InputBytes>>

    /// The bytes of one input: read (its split only, with ``Options/split``), counted, decoded
    /// when compressed, counted again.
    public typealias InputBytes = AsyncObservedSequence<SplitBytes<AsyncDecompressedSequence<AsyncObservedSequence<InputChunks>>>>
}

/// The inputs of ``InputFiles`` one after another; errors are reported and skipped.
public struct InputFileStream<Inner: AsyncSequence & Sendable>: AsyncSequence, Sendable where Inner.Element: Sendable {
    public typealias Element = Inner.Element
    public typealias Failure = any Error

    let files: InputFiles
    let make: @Sendable (InputFiles, String) -> Inner

    public func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    /// Moves to the next input at the end of one, or after its error.
    public struct Iterator: AsyncIteratorProtocol {
        private let stream: InputFileStream
        private var index = 0
        private var current: Inner.AsyncIterator?
        private var producedFromCurrent = false
        private var pendingMarker: Element?

        init(stream: InputFileStream) { self.stream = stream }

        /// Inputs after the current one already being searched (``Options/parallelInputs``).
        private var started: [(input: StartedInput<Element>, warnings: InputWarnings)] = []
        private var currentStarted: StartedInput<Element>?
        /// The warnings of the current input's decoder, reported when its end is reached.
        private var currentWarnings: InputWarnings?
        private var pendingMarkers: [Element] = []
        private var startedDone = false
        private var preludeIndex = -1
        private var prelude: [LineBatch] = []

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            while true {
                if let marker = pendingMarker { pendingMarker = nil; return marker }
                if !pendingMarkers.isEmpty { return pendingMarkers.removeFirst() }
                if current == nil && currentStarted == nil {
                    // The walk's notices before this input.
                    if preludeIndex != index, Element.self == LineBatch.self {
                        preludeIndex = index
                        prelude = stream.files.options.preludes[index] ?? []
                    }
                    if !prelude.isEmpty { return (prelude.removeFirst() as! Element) }
                    guard index < stream.files.paths.count else { return nil }
                    if stream.files.options.parallelInputs > 1 {
                        startInputs(upTo: index + stream.files.options.parallelInputs)
                        (currentStarted, currentWarnings) = started.removeFirst()
                        startedDone = false
                    } else {
                        let warnings = InputWarnings()
                        currentWarnings = warnings
                        current = stream.make(stream.files.collectingWarnings(in: warnings), stream.files.paths[index]).makeAsyncIterator()
                    }
                    producedFromCurrent = false
                    index += 1
                }
                do {
                    let element = try await currentStarted != nil
                        ? currentStarted!.channel.next(done: &startedDone, start: {})
                        : current!.next(isolation: actor)
                    if let element {
                        producedFromCurrent = true
                        return element
                    }
                    current = nil
                    currentStarted = nil
                    if let empty = reportWarnings() { return empty }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    current = nil
                    currentStarted = nil
                    let path = stream.files.paths[index - 1]
                    let name = stream.files.displayName(path)
                    let failure = (error as? SluiceError)?.naming(name) ?? .io(path: name, operation: "read", errno: 5)
                    // A pattern that cannot be decided ends the whole stream at the failing line.
                    if failure.kind == .matchFailed { throw failure }
                    // Without a handler, a failure is not skipped over: it ends the stream.
                    guard stream.files.errorHandler != nil || stream.files.options.reportsErrorsInStream else { throw failure }
                    var notice = false
                    if failure.kind == .io, !producedFromCurrent { notice = true }
                    guard Element.self == LineBatch.self else {
                        if stream.files.options.reportsErrorsInStream, let reports = stream.files.options.inStreamReports,
                           let empty = [UInt8]() as? Element {
                            reports.addFailure(failure)
                            return empty
                        }
                        stream.files.onError(failure)
                        continue
                    }
                    if stream.files.options.reportsErrorsInStream {
                        let marker = notice ? LineBatch.notice(failure, source: name)
                            : LineBatch.endOfSource(name, keepsCarriageReturn: true, failure: failure)
                        pendingMarker = (marker as! Element)
                        continue
                    }
                    stream.files.onError(failure)
                    // A file that was read in part still ends its source (grep -c prints its count).
                    if notice { continue }
                    pendingMarker = (LineBatch.endOfSource(name, keepsCarriageReturn: true) as! Element)
                }
            }
        }

        public mutating func next() async throws -> Element? { try await next(isolation: nil) }

        /// At the end of an input: tells `onWarning` of its decoder's warnings and, with
        /// ``Options/reportsErrorsInStream``, carries them on (markers after it in a line
        /// stream; in ``Options/inStreamReports`` and an empty chunk, returned, in a byte stream).
        private mutating func reportWarnings() -> Element? {
            guard let warnings = currentWarnings?.take(), !warnings.isEmpty else { return nil }
            currentWarnings = nil
            let files = stream.files
            let name = files.displayName(files.paths[index - 1])
            for warning in warnings {
                files.onWarning(name, warning)
                guard files.options.reportsErrorsInStream else { continue }
                let message = "\(name): warning: \(warning)"
                if Element.self == LineBatch.self {
                    pendingMarkers.append(LineBatch.notice(message: message, source: nil) as! Element)
                } else {
                    files.options.inStreamReports?.addMessage(message)
                }
            }
            guard files.options.reportsErrorsInStream, files.options.inStreamReports != nil, Element.self != LineBatch.self else { return nil }
            return [UInt8]() as? Element
        }

        /// Starts searching the inputs before index `end` that are not started yet, and the small
        /// files after them, up to 4 times as many: each of those is one short task, and the
        /// cores keep searching while the consumer prints the ones before. Only regular files
        /// are started ahead of their turn: standard input, a FIFO or a device is opened and
        /// read when it is reached, as `cat` and `grep` would (a FIFO's writer, or a terminal,
        /// sees no early read).
        private mutating func startInputs(upTo end: Int) {
            let paths = stream.files.paths
            let window = Swift.min(paths.count, index + 4 * stream.files.options.parallelInputs)
            var i = index + started.count
            while i < window {
                let small = stream.files.isSmall(paths[i])
                guard i < end || small else { break }
                let regular = small || stream.files.isRegularFile(paths[i])
                if i > index && !regular { break }
                let warnings = InputWarnings()
                // A regular file's stream never waits for data: its selected lines may be merged.
                started.append((StartedInput(stream.make(stream.files.collectingWarnings(in: warnings), paths[i]),
                                             mergesSelectedLines: regular), warnings))
                i += 1
            }
        }
    }
}

/// Line batches split from a byte stream that puts its faults and warnings in `reports`:
/// each is yielded as a notice marker before the batch split after it was put there.
struct ReportedLineBatches<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == LineBatch {
    typealias Element = LineBatch
    let base: Base
    let reports: PrintStatistics?

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), reports: reports) }

    struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let reports: PrintStatistics?
        var pending: [LineBatch] = []

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if !pending.isEmpty { return pending.removeFirst() }
            let batch = try await base.next(isolation: actor)
            guard let reports else { return batch }
            pending = reports.takeFailures().map { LineBatch.notice($0, source: $0.path) }
                + reports.takeMessages().map { LineBatch.notice(message: $0, source: nil) }
            guard !pending.isEmpty else { return batch }
            if let batch { pending.append(batch) }
            return pending.removeFirst()
        }

        mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

/// The kind and size of the inputs about to be read, each `stat`ed once: deciding how to read
/// a file asks several times (is it small, regular, read inline), and under `grep -r` over
/// thousands of small files those `stat`s were a sixth of the time. Only the most recent
/// paths are kept (inputs are asked about just before they are read), so memory stays
/// bounded for any number of inputs; the reader's own `fstat` of the opened file is still the
/// truth about what it reads.
final class InputKinds: Sendable {
    struct Kind: Sendable {
        var isRegular: Bool
        var size: Int64
    }
    /// How many paths are kept.
    static let capacity = 64
    private let recent = Locked<(order: [String], kinds: [String: Kind?])>(([], [:]))

    /// The kind of `path`, or `nil` when it cannot be `stat`ed.
    func kind(of path: String) -> Kind? {
        if let known = recent.withLock({ $0.kinds[path] }) { return known }
        var info = stat()
        let kind = RawBytes.stat(path, &info) == 0
            ? Kind(isRegular: (info.st_mode & S_IFMT) == S_IFREG, size: Int64(info.st_size)) : nil
        recent.withLock { recent in
            guard recent.kinds.updateValue(kind, forKey: path) == nil else { return }
            recent.order.append(path)
            if recent.order.count > Self.capacity { recent.kinds[recent.order.removeFirst()] = nil }
        }
        return kind
    }
}

/// The decoder warnings of one input, held until the stream reaches the input's end.
final class InputWarnings: Sendable {
    private let warnings = Locked<[GunzipWarning]>([])
    func add(_ warning: GunzipWarning) { warnings.withLock { $0.append(warning) } }
    func take() -> [GunzipWarning] { warnings.withLock { taken in defer { taken.removeAll() }; return taken } }
}

extension InputFiles {
    /// The same inputs, with each decoder warning held in `box` instead of told at once.
    func collectingWarnings(in box: InputWarnings) -> InputFiles {
        var files = self
        files.onWarning = { _, warning in box.add(warning) }
        return files
    }
}

/// One input searched ahead in a task of its own, its elements handed over in order.
///
/// At most 4 elements wait. A filtered batch (grep's selected lines) refers to the whole chunk
/// its lines were selected from, so 4 of them held an input read ahead to a few chunks: its
/// decoding hardly overlapped the current input's (4 rotated `.gz` files were inflated one
/// after another, one core doing it while the other was mostly idle). With
/// `mergesSelectedLines` (for a regular file, whose stream never waits for data), a filtered
/// batch that comes while elements already wait is copied into one merged batch instead
/// (see ``SelectedLinesMerger``), and its chunk is freed. Each element then holds at most
/// about 1 MiB of selected lines or one chunk, so an input read ahead holds at most 5 MiB
/// more than its readers' and decoder's buffers; with sparse matches it reads its whole file
/// ahead. A batch that comes while nothing waits is passed on at once, uncopied.
final class StartedInput<Element: Sendable>: Sendable {
    let channel = HandOff<Element>(capacity: 4)
    private let task: Task<Void, Never>

    init<S: AsyncSequence & Sendable>(_ sequence: S, mergesSelectedLines: Bool = false) where S.Element == Element {
        let channel = self.channel
        let merges = mergesSelectedLines && Element.self == LineBatch.self
        task = Task {
            var merger = SelectedLinesMerger()
            do {
                for try await element in sequence {
                    guard merges, let batch = element as? LineBatch else {
                        if !(await channel.send(element)) { return }
                        continue
                    }
                    let (first, second) = merger.add(batch, othersWaiting: channel.queuedCount > 0)
                    if let first, !(await channel.send(first as! Element)) { return }
                    if let second, !(await channel.send(second as! Element)) { return }
                }
                if let rest = merger.flush(), !(await channel.send(rest as! Element)) { return }
                channel.finish()
            } catch {
                // The lines selected before the failure come first.
                if let rest = merger.flush(), !(await channel.send(rest as! Element)) { return }
                channel.finish(throwing: error)
            }
        }
    }

    deinit {
        channel.cancel()
        task.cancel()
    }
}

/// Merges consecutive filtered batches (listed lines, no marker) of one source into one batch
/// of copied lines, up to ``limit`` bytes, for ``StartedInput``. The lines, their numbers,
/// offsets and context flags are kept as they were; only the batches' boundaries change.
struct SelectedLinesMerger {
    /// The most line bytes one merged batch holds (it is handed on once it holds more).
    static let limit = 1 << 20

    private var builder = OutputBuilder()
    private var bytes = 0
    private var keepsCarriageReturn = false
    private var sourceName: String?

    /// What to hand on, in order, now that `batch` has come: `othersWaiting` says whether
    /// elements already wait to be taken (then a filtered batch is merged rather than queued).
    mutating func add(_ batch: LineBatch, othersWaiting: Bool) -> (LineBatch?, LineBatch?) {
        let mergeable = batch.entries != nil && !batch.endsSource && !batch.isNotice && batch.failure == nil
            && batch.message == nil && !batch.binaryMatch && !batch.skippedAsBinary && !batch.isBinarySource
        var flushed: LineBatch?
        if !builder.isEmpty && (!mergeable || batch.keepsCarriageReturn != keepsCarriageReturn || batch.sourceName != sourceName) {
            flushed = flush()
        }
        guard mergeable, othersWaiting || !builder.isEmpty else { return (flushed, batch) }
        if builder.isEmpty {
            keepsCarriageReturn = batch.keepsCarriageReturn
            sourceName = batch.sourceName
        }
        batch.storage.withUnsafeBytes { raw in
            for entry in batch.entries! {
                builder.append(UnsafeRawBufferPointer(rebasing: raw[entry.range]), number: entry.number, byteOffset: entry.byteOffset,
                               isContext: entry.isContext, startsGroup: entry.startsGroup)
                bytes += entry.range.count
            }
        }
        // Handed on when full, or at once when nothing waits (the consumer has caught up).
        if bytes >= Self.limit || !othersWaiting { return (flushed, flush()) }
        return (flushed, nil)
    }

    /// Lines are held, waiting to be handed on.
    var isHolding: Bool { !builder.isEmpty }

    /// The merged batch so far, if any; the merger is then empty.
    mutating func flush() -> LineBatch? {
        defer { builder.reset(); bytes = 0 }
        return builder.finish(keepsCarriageReturn: keepsCarriageReturn, sourceName: sourceName)
    }
}
