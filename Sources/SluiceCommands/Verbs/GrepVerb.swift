import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// `grep [OPTIONS] PATTERN [FILE...]`: GNU grep's options, over library stages.
struct GrepVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grep", _superCommandName: "sluice",
        abstract: "Select lines that match a pattern, as GNU grep does.",
        usage: """
        sluice grep [OPTIONS] PATTERN [FILE...]
        sluice grep [OPTIONS] -e PATTERN... [-f FILE] [FILE...]
        sluice ... then grep [OPTIONS] PATTERN
        """,
        discussion: """
        Patterns are GNU basic regular expressions (BRE: \\| \\+ \\? \\{m,n\\} \\(...\\)), as in GNU grep; -E \
        reads extended ones (ERE: | + ? {m,n} (...)), -P PCRE2 ones, -F fixed strings. Matches are \
        leftmost-longest for BRE and ERE, as GNU reports them. In a UTF-8 locale (LC_ALL, else \
        LC_CTYPE, else LANG) lines are read as UTF-8 characters; in the C locale, as bytes. A \
        pattern with no special characters is searched as a literal. Gzip input is inflated whatever its \
        name. As a first stage it reads FILEs (standard input when there are none, or for -); after \
        'then' it filters the stream.

        Examples:
          sluice grep -i 'timeout\\|refused' app.log app.log.1.gz
          sluice grep -E -o '[0-9]+ ms' app.log
          sluice grep -c 'Failed password' /var/log/auth.log.*.gz
          sluice cat app.log then grep -v healthcheck then grep -n -C 2 ERROR
        """,
        helpNames: [.long])

    @Option(name: [.customShort("e", allowingJoined: true), .customLong("regexp")], parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Use PATTERN (repeatable); lines matching any are selected.", valueName: "PATTERN"))
    var regexps: [String] = []
    @Option(name: [.customShort("f", allowingJoined: true), .customLong("file")],
            help: ArgumentHelp("Read patterns from FILE, one per line.", valueName: "FILE"))
    var patternFiles: [String] = []
    @Flag(name: [.customShort("F"), .customLong("fixed-strings")], help: "Patterns are fixed strings.")
    var fixedStrings = false
    @Flag(name: [.customShort("G"), .customLong("basic-regexp")], help: "Patterns are basic regular expressions (the default).")
    var basicRegexp = false
    @Flag(name: [.customShort("E"), .customLong("extended-regexp")], help: "Patterns are extended regular expressions.")
    var extendedRegexp = false
    @Flag(name: [.customShort("P"), .customLong("perl-regexp")], help: "Patterns are PCRE2 (Perl-compatible) regular expressions.")
    var perlRegexp = false
    @Flag(name: [.customShort("i"), .customShort("y"), .customLong("ignore-case")], help: "Ignore case (as the locale folds it).")
    var ignoreCase = false
    @Flag(name: .customLong("no-ignore-case"), help: "Do not ignore case (the default).")
    var noIgnoreCase = false
    @Flag(name: [.customShort("v"), .customLong("invert-match")], help: "Select non-matching lines.")
    var invert = false
    @Flag(name: [.customShort("w"), .customLong("word-regexp")], help: "Match whole words only.")
    var wordRegexp = false
    @Flag(name: [.customShort("x"), .customLong("line-regexp")], help: "Match whole lines only.")
    var lineRegexp = false
    @Flag(name: [.customShort("c"), .customLong("count")], help: "Print the number of selected lines per file.")
    var count = false
    @Flag(name: [.customShort("n"), .customLong("line-number")], help: "Prefix lines with their line number.")
    var lineNumber = false
    @Flag(name: [.customShort("b"), .customLong("byte-offset")], help: "Prefix lines with their byte offset.")
    var byteOffset = false
    @Flag(name: [.customShort("o"), .customLong("only-matching")], help: "Print only the matched parts, one per line.")
    var onlyMatching = false
    @Flag(name: [.customShort("q"), .customLong("quiet"), .customLong("silent")], help: "Print nothing; exit 0 at the first match.")
    var quiet = false
    @Flag(name: [.customShort("l"), .customLong("files-with-matches")], help: "Print only the names of files with a selected line.")
    var filesWithMatches = false
    @Flag(name: [.customShort("L"), .customLong("files-without-match")], help: "Print only the names of files without one.")
    var filesWithoutMatch = false
    @Flag(name: [.customShort("H"), .customLong("with-filename")], help: "Prefix lines with the file name.")
    var withFilename = false
    @Flag(name: [.customShort("h"), .customLong("no-filename")], help: "Never prefix lines with the file name.")
    var noFilename = false
    @Option(name: .customLong("label"), help: ArgumentHelp("Call standard input LABEL.", valueName: "LABEL"))
    var label: String?
    @Option(name: [.customShort("m", allowingJoined: true), .customLong("max-count")],
            help: ArgumentHelp("Stop after NUM selected lines per file.", valueName: "NUM"))
    var maxCount: Int?
    @Option(name: [.customShort("A", allowingJoined: true), .customLong("after-context")],
            help: ArgumentHelp("Print NUM lines after each match.", valueName: "NUM"))
    var afterContext: Int?
    @Option(name: [.customShort("B", allowingJoined: true), .customLong("before-context")],
            help: ArgumentHelp("Print NUM lines before each match.", valueName: "NUM"))
    var beforeContext: Int?
    @Option(name: [.customShort("C", allowingJoined: true), .customLong("context")],
            help: ArgumentHelp("Print NUM lines before and after each match.", valueName: "NUM"))
    var context: Int?
    @Flag(name: [.customShort("s"), .customLong("no-messages")], help: "Say nothing of missing or unreadable files.")
    var noMessages = false
    @Flag(name: [.customShort("a"), .customLong("text")], help: "Search a binary file (one holding a NUL byte) as text (--binary-files=text).")
    var text = false
    @Option(name: .customLong("binary-files"),
            help: ArgumentHelp("How a file holding a NUL byte is searched: binary (the default: its first selected line after the NUL is not printed; 'NAME: binary file matches' is said instead, on standard error), text, or without-match (it is skipped).", valueName: "TYPE"))
    var binaryFiles: BinaryFilesChoice?
    @Flag(name: .customShort("I"), help: "Skip binary files (--binary-files=without-match).")
    var skipsBinary = false
    @Flag(name: [.customShort("U"), .customLong("binary")], help: "Accepted for grep compatibility (no effect on POSIX systems).")
    var binaryFlag = false
    @Flag(name: [.customShort("r"), .customLong("recursive")],
          help: "Search the files under each directory (the working directory when no FILE is given), following symbolic links only when they are FILEs; compressed files are decoded.")
    var recursive = false
    @Flag(name: [.customShort("R"), .customLong("dereference-recursive")], help: "Like -r, following every symbolic link.")
    var dereferenceRecursive = false
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("directories")],
            help: ArgumentHelp("What to do with a directory FILE: read (the default: an error), skip, or recurse (-r).", valueName: "ACTION"))
    var directories: DirectoriesAction?
    @Option(name: [.customShort("D", allowingJoined: true), .customLong("devices")],
            help: ArgumentHelp("What to do with a device, FIFO or socket: read (the default for FILEs; those met under a directory are skipped unless read is given), or skip.", valueName: "ACTION"))
    var devices: DevicesAction?
    @Option(name: .customLong("include"), help: ArgumentHelp("Search only files whose name matches GLOB (see --exclude).", valueName: "GLOB"))
    var include: [String] = []
    @Option(name: .customLong("exclude"),
            help: ArgumentHelp("Skip files whose base name (a FILE: its name or any part after a /) matches GLOB, as fnmatch matches; of --include and --exclude the last that matches decides.", valueName: "GLOB"))
    var exclude: [String] = []
    @Option(name: .customLong("exclude-from"), help: ArgumentHelp("Skip files that match a glob read from FILE (one a line).", valueName: "FILE"))
    var excludeFrom: [String] = []
    @Option(name: .customLong("exclude-dir"), help: ArgumentHelp("Skip directories that match GLOB.", valueName: "GLOB"))
    var excludeDirectories: [String] = []
    @Option(name: .customLong("sort"),
            help: ArgumentHelp("The order of the files -r finds: none (the default: as readdir gives each directory's entries, as GNU grep), or path (each directory's entries by name, in byte order, as ripgrep's --sort path). Output is in that order either way.", valueName: "ORDER"))
    var sortOrder: SortChoice?
    /// --include, --exclude and --exclude-from in the order given (normalise writes them so): +GLOB, -GLOB, @FILE.
    @Option(name: .customLong("file-glob"), parsing: .unconditionalSingleValue, help: .private)
    var fileGlobs: [String] = []
    @Option(name: [.customLong("color"), .customLong("colour")],
            help: ArgumentHelp("Colour matches, file names, line numbers and separators: never, always, or auto (the default: on a terminal, unless NO_COLOR is set or TERM is dumb). GREP_COLORS changes the colours.", valueName: "WHEN"))
    var color: ColorChoice = .auto
    @Flag(name: .customLong("json"), help: "Write JSON Lines: an object per selected line (file, line number, byte offset, text or base64 bytes, match spans), per file, and a summary.")
    var json = false
    @Flag(name: .customLong("line-buffered"), help: "Write each line at once.")
    var lineBuffered = false
    @Flag(name: [.customShort("Z"), .customLong("null")], help: "Follow file names with a NUL byte instead of ':', '-' or a line feed.")
    var nullAfterNames = false
    @Flag(name: [.customShort("T"), .customLong("initial-tab")], help: "Put a tab before each line's text after its prefixes, padding line numbers and byte offsets (as GNU grep).")
    var initialTab = false
    @Option(name: .customLong("group-separator"), parsing: .unconditional, help: ArgumentHelp("Print SEP between groups of context lines (default --).", valueName: "SEP"))
    var groupSeparator: String?
    @Flag(name: .customLong("no-group-separator"), help: "Print no separator between groups of context lines.")
    var noGroupSeparator = false
    @Flag(name: [.customShort("z"), .customLong("null-data")], help: "Not supported: lines that end in NUL bytes (an error, status 2).")
    var nullData = false
    @Flag(name: [.customShort("V"), .customLong("version")], help: "Print the version and exit.")
    var printsVersion = false
    @Flag(name: .customLong("no-decompress"), help: "Do not decode compressed input (gzip, zstd, xz, bzip2, lz4): pass its bytes through.")
    var noDecompress = false
    @Flag(name: .customLong("records"), help: "Select whole records: a line without a timestamp continues the one before it; a record is selected when any of its lines matches, and all its lines print (-c counts records). See 'sluice help since' for the timestamps read.")
    var records = false
    @OptionGroup var time: TimeOptions
    @OptionGroup var splitOptions: SplitOptions
    @OptionGroup var partialOptions: PartialOptions
    @Argument(help: ArgumentHelp("The pattern (unless -e or -f is given), then the files.", valueName: "PATTERN-AND-FILES"))
    var arguments: [String] = []

    mutating func validate() throws {
        if [basicRegexp, extendedRegexp, perlRegexp, fixedStrings].filter({ $0 }).count > 1 {
            throw ValidationError("conflicting matchers specified")
        }
        for n in [maxCount, afterContext, beforeContext, context].compactMap({ $0 }) where n < 0 {
            throw ValidationError("invalid context length or count: \(n)")
        }
        if records && (afterContext != nil || beforeContext != nil || context != nil || onlyMatching) {
            throw ValidationError("--records does not take -A, -B, -C or -o")
        }
        if nullData {
            throw ValidationError("-z (--null-data) is not supported: lines end in LF")
        }
        if printsVersion {
            throw CleanExit.message("sluice grep \(version) (GNU grep 3.8's options)")
        }
        if splitOptions.split != nil && (lineNumber || byteOffset || json) {
            throw ValidationError("-n, -b and --json count lines and bytes from the start of a file, which a split does not see: they cannot be used with --split or --split-bytes")
        }
        if regexps.isEmpty && patternFiles.isEmpty && arguments.isEmpty {
            throw ValidationError("no pattern given")
        }
        if partialOptions.partial {
            if !count || filesWithMatches || filesWithoutMatch || quiet || json {
                throw ValidationError("--partial writes grep -c's counts: it needs -c, and takes no -l, -L, -q or --json")
            }
            if color == .always { throw ValidationError("--partial writes no colour: --color=always cannot be used with it") }
            if records && splitOptions.split != nil {
                throw ValidationError("--records with a split: a record that starts in the split before is cut, so counts of splits do not add up")
            }
        }
    }

    /// The patterns: from -e and -f, else the first argument.
    func patterns() throws -> (patterns: [String], files: [String]) {
        var patterns = regexps
        for file in patternFiles {
            guard let data = FileManagerShim.contents(file) else {
                throw CLIError("\(file): \(SluiceErrorText.systemMessageForLastError())")
            }
            // (A byte that is not valid UTF-8 is kept, and searched for as itself: see RawBytes.)
            var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { RawBytes.string($0) }
            if lines.last == "" { lines.removeLast() }
            patterns += lines
        }
        if regexps.isEmpty && patternFiles.isEmpty {
            return ([arguments[0]], Array(arguments.dropFirst()))
        }
        return (patterns, arguments)
    }
}

/// `--directories=ACTION`.
enum DirectoriesAction: String, ExpressibleByArgument, CaseIterable {
    case read, skip, recurse
}

/// `--sort=ORDER`.
enum SortChoice: String, ExpressibleByArgument, CaseIterable {
    case none, path
}

/// `--devices=ACTION`.
enum DevicesAction: String, ExpressibleByArgument, CaseIterable {
    case read, skip
}

/// `--binary-files=TYPE`.
enum BinaryFilesChoice: String, ExpressibleByArgument, CaseIterable {
    case binary, text
    case withoutMatch = "without-match"
}

/// `--color=WHEN`.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case never, always, auto
}

extension GrepVerb: Verb {
    static var role: VerbRole { .lineStage }

    /// GNU grep spellings that the argument parser does not take as they are.
    static func normalise(_ words: [String]) -> [String] {
        var out: [String] = []
        var afterDoubleDash = false
        // Of -H and -h (and their long forms) the last one given counts, as in GNU grep.
        let nameFlags: Set<String> = ["-H", "-h", "--with-filename", "--no-filename"]
        let lastNameFlag = words.prefix { $0 != "--" }.last { nameFlags.contains($0) }
        // Of -l and -L the last one given counts (`grep -l -L` lists the files without a match).
        let listFlags: Set<String> = ["-l", "-L", "--files-with-matches", "--files-without-match"]
        let lastListFlag = words.prefix { $0 != "--" }.last { listFlags.contains($0) }
        // Of -a, -I and --binary-files the last one given counts too.
        func isBinaryFlag(_ w: String) -> Bool { w == "-a" || w == "--text" || w == "-I" || w.hasPrefix("--binary-files") }
        let lastBinaryFlag = words.prefix { $0 != "--" }.lastIndex(where: isBinaryFlag)
        let takingValue: Set<String> = ["-e", "-f", "-m", "-A", "-B", "-C", "--regexp", "--file", "--max-count",
                                        "--after-context", "--before-context", "--context", "--label", "--color", "--colour",
                                        "--binary-files", "-d", "-D", "--directories", "--devices", "--exclude-dir", "--group-separator", "--sort"]
        var skipsValue = false
        for (index, word) in words.enumerated() {
            if skipsValue { skipsValue = false; continue }
            if afterDoubleDash || takingValue.contains(out.last ?? "") { out.append(word); continue }
            if word == "--" { afterDoubleDash = true; out.append(word); continue }
            if nameFlags.contains(word) && word != lastNameFlag { continue }
            if listFlags.contains(word) && listFlags.contains(lastListFlag ?? "")
                && (word == "-l" || word == "--files-with-matches") != (lastListFlag == "-l" || lastListFlag == "--files-with-matches") { continue }
            if isBinaryFlag(word) && index != lastBinaryFlag { skipsValue = word == "--binary-files"; continue }
            // --include, --exclude and --exclude-from keep their order in one option.
            if let (mark, value) = fileGlob(word, next: index + 1 < words.count ? words[index + 1] : nil) {
                if !word.contains("=") { skipsValue = true }
                out.append("--file-glob=" + mark + value)
                continue
            }
            if word == "--color" || word == "--colour" { out.append("--color=auto"); continue }
            if word.hasPrefix("--group-separator=") {  // the value may be empty
                out.append("--group-separator"); out.append(String(word.dropFirst("--group-separator=".count))); continue
            }
            if word.count > 1, word.first == "-", word.dropFirst().allSatisfy(\.isNumber) {
                out.append("-C"); out.append(String(word.dropFirst())); continue  // -NUM is -C NUM
            }
            out.append(word)
        }
        return out
    }

    /// `--include=G` (`+G`), `--exclude=G` (`-G`), `--exclude-from=F` (`@F`), also with the value as the next word.
    private static func fileGlob(_ word: String, next: String?) -> (String, String)? {
        for (option, mark) in [("--include", "+"), ("--exclude", "-"), ("--exclude-from", "@")] {
            if word == option, let next { return (mark, next) }
            if word.hasPrefix(option + "=") { return (mark, String(word.dropFirst(option.count + 1))) }
        }
        return nil
    }

    /// Searching directories: -r, -R or --directories=recurse.
    var recurses: Bool { directories.map { $0 == .recurse } ?? (recursive || dereferenceRecursive) }

    /// The --include/--exclude globs in order; a file of --exclude-from that cannot be read is an error.
    func orderedGlobs() throws -> [DirectoryWalk.FileGlob] {
        var globs: [DirectoryWalk.FileGlob] = []
        for item in fileGlobs {
            let value = String(item.dropFirst())
            switch item.first {
            case "+": globs.append(.init(value, includes: true))
            case "@":
                guard let data = FileManagerShim.contents(value) else {
                    throw CLIError("\(value): \(SluiceErrorText.systemMessageForLastError())")
                }
                for line in data.split(separator: 0x0A) { globs.append(.init(RawBytes.string(line), includes: false)) }
            default: globs.append(.init(value, includes: false))
            }
        }
        return globs
    }

    /// `grep -m 0`, or no pattern at all (`-f /dev/null`) without `-v`, alone: as GNU grep 3.8,
    /// status 1 at once, before compiling the patterns or opening a file (with `-L` it goes on,
    /// and names each file).
    func check(_ position: StagePosition) throws {
        try partialOptions.check(position, verb: "grep")
        guard position.isFirst && position.isLast && !filesWithoutMatch && !json else { return }
        if maxCount == 0 { throw ParseExit(status: 1) }
        // Pattern files are read here only when a second reading gives the same patterns:
        // `-f -`, a pipe or `<(...)` would be empty when read again for the stage.
        let rereadable = patternFiles.allSatisfy { file in
            var info = stat()
            return file == "/dev/null" || (file != "-" && RawBytes.stat(file, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
        }
        if !invert, rereadable, try patterns().patterns.isEmpty { throw ParseExit(status: 1) }
    }

    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { regexps.isEmpty && patternFiles.isEmpty ? Array(arguments.dropFirst()) : arguments }

    /// With -r, the files walked from the FILEs (or the working directory); otherwise the FILEs
    /// that --include, --exclude, -d skip and -D skip leave.
    func configure(_ settings: inout InputSettings) {
        settings.decompress = !noDecompress
        settings.label = label
        let operands = settings.files
        guard !operands.isEmpty || recurses else { return }
        let globs: [DirectoryWalk.FileGlob]
        do { globs = try orderedGlobs() } catch {
            settings.files = []  // source() reports it
            settings.readsStandardInputWhenEmpty = false
            return
        }
        if operands.isEmpty && globs.isEmpty && excludeDirectories.isEmpty && !recurses { return }
        var options = DirectoryWalk.Options()
        options.symlinks = dereferenceRecursive ? .all : .operandsOnly
        options.fileGlobs = globs
        options.excludedDirectories = excludeDirectories
        options.skipsDevices = devices != .read
        options.recurses = recurses
        options.sortsByName = sortOrder == .path
        var files: [String] = []
        var preludes: [Int: [LineBatch]] = [:]
        for entry in DirectoryWalk(operands, options: options) {
            switch entry {
            case .file(let path):
                if path != "-" && skipsOperand(path) { continue }
                files.append(path)
            case .failure(let error):
                preludes[files.count, default: []].append(.notice(error, source: nil))
            case .loop(let path):
                if !noMessages {
                    preludes[files.count, default: []].append(.notice(message: "\(path): warning: recursive directory loop", source: nil))
                }
            }
        }
        settings.files = files
        settings.preludes = preludes
        settings.readsStandardInputWhenEmpty = false
        if recurses { settings.parallelInputs = 2 }
    }

    /// -d skip skips directories; -D skip devices, FIFOs and sockets.
    private func skipsOperand(_ path: String) -> Bool {
        guard directories == .skip || devices == .skip else { return false }
        var info = stat()
        guard RawBytes.stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        if directories == .skip && type == S_IFDIR { return true }
        return devices == .skip && (type == S_IFCHR || type == S_IFBLK || type == S_IFIFO || type == S_IFSOCK)
    }

    /// File names are printed for several FILEs, or with -r for a FILE that is a directory.
    var namesFiles: Bool {
        let operands = inputFiles
        if operands.count > 1 { return true }
        guard recurses else { return false }
        var info = stat()
        return operands.isEmpty || (RawBytes.stat(operands[0], &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR)
    }

    /// As the first stage, each file is searched on its own, as GNU grep searches its files:
    /// names, `-c`, `-l`, `-L` and `-m` per file, and a file's reading stops once its answer is known.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        if let nothing = stopsAtOnce() { return nothing }
        _ = try orderedGlobs()
        let pattern = try compiledPattern()
        let options = self.options()
        let scanAhead = scanAheadFromEnvironment()
        let stream: LineStream
        if records {
            let parser = try stageParser(time, position), recordOptions = self.recordOptions()
            // Finding records (a time parse per line start) is heavy: lines are split on the other core.
            stream = inputs.files.lineBatches(keepCarriageReturn: true, maxLineLength: inputs.maxLineLength,
                                              inlinePlainFiles: false) {
                $0.grepRecords(pattern, parser: parser, options: recordOptions)
            }
        } else {
            let files = inputs.files
            stream = files.lineBatches(keepCarriageReturn: true, maxLineLength: inputs.maxLineLength) { path, lines in
                var options = options
                // GNU grep reads a regular file in 96 KiB reads, a pipe as it is written.
                // A regular file is read whole: its batches are searched ahead, on both cores,
                // unless a later stage needs the second core (count --by a capture: doing both
                // at once took 9.1 s where either alone took 5.1 s).
                if !files.isRegularFile(path) {
                    options.binaryReadSize = nil
                } else if position.laterStagesAreLight {
                    options.scansAhead = scanAhead
                }
                return lines.grep(pattern, options: options)
            }
        }
        return stage(stream, pattern, manyInputs: namesFiles, position)
    }

    /// After `then`, the stream is one unnamed input, as a pipe is.
    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        if let nothing = stopsAtOnce() { return nothing }
        let pattern = try compiledPattern()
        var options = self.options()
        options.binaryReadSize = nil  // the stream before it is read as a pipe
        let selected = records ? recordGrepStage(stream, pattern, self, parser: try stageParser(time, position))
            : grepStage(stream, pattern, options)
        return stage(selected, pattern, manyInputs: false, position)
    }

    /// `grep -m 0` (without -L or --json) anywhere in a pipeline: GNU grep stops before reading
    /// and prints nothing, not even `-c`'s counts, so the stage is an empty stream whose input is
    /// never read (alone, `check` has already ended the run with status 1). `sluice cat f then
    /// grep -c -m 0 x` printed `0`, where `sluice cat f | sluice grep -c -m 0 x` prints nothing.
    private func stopsAtOnce() -> ComposedStage? {
        guard maxCount == 0, !filesWithoutMatch, !json else { return nil }
        return ComposedStage(stream: AsyncThrowingStream<LineBatch, any Error> { $0.finish() }, selects: true, quiet: quiet)
    }

    private func stage(_ stream: LineStream, _ pattern: GrepPattern, manyInputs: Bool, _ position: StagePosition) -> ComposedStage {
        var stage = ComposedStage(stream: stream, selects: true, quiet: quiet, lineBuffered: lineBuffered)
        stage.captures = pattern
        if json {
            stage.printing = .json(pattern)
        } else {
            var f = format(pattern: pattern, manyInputs: manyInputs, isLast: position.isLast)
            let options = self.options()
            let context = options.beforeContext > 0 || options.afterContext > 0 || options.separatesGroups
            f.separatesSources = context
            stage.printing = .format(f, decorates: f.decorates || context)
        }
        if partialOptions.partial {
            var result = partialOptions.result(.grepCount, position)
            // A directory searched with -r names its one file, as GNU grep does.
            result.fileNames = noFilename ? .never : withFilename || (manyInputs && inputFiles.count <= 1) ? .always : .auto
            result.nullAfterNames = nullAfterNames
            result.maxCount = maxCount
            result.binaryAsText = self.options().binaryFiles == .text
            stage.printing = .partial(result)
        }
        return stage
    }

    /// The compiled patterns; a pattern that does not compile is a message and status 2.
    func compiledPattern() throws -> GrepPattern {
        let patterns = try self.patterns().patterns
        let syntax: GrepPattern.Syntax = fixedStrings ? .fixed : perlRegexp ? .perl : extendedRegexp ? .extended : .basic
        let pattern: GrepPattern
        do {
            pattern = try GrepPattern(patterns, syntax: syntax, encoding: localeEncoding(),
                                      ignoreCase: ignoreCase && !noIgnoreCase, wholeWord: wordRegexp, wholeLine: lineRegexp)
        } catch {
            let encoding = localeEncoding(), caseless = ignoreCase && !noIgnoreCase
            throw CLIError("grep: \(describe(patternError: error, patterns: patterns) { (try? GrepPattern($0, syntax: syntax, encoding: encoding, ignoreCase: caseless)) != nil })")
        }
        for warning in pattern.warnings { printError("grep: warning: \(warning)") }
        // Where Sluice's answer is known to differ from GNU grep's, it refuses (status 2).
        if pattern.knownDifferences.contains(.selection) {
            throw CLIError("grep: unsupported: -w with the empty pattern among other patterns in a UTF-8 locale (GNU grep lets it match inside non-letter characters); use LC_ALL=C or leave the empty pattern out")
        }
        if pattern.knownDifferences.contains(.glibcBackReferences) {
            throw CLIError("grep: unsupported: a back-reference to a group in which * or + repeats a group or a repetition, such as (y**)\\1, or to a group within a group repeated at least twice, such as ((a*)\\2){2} (GNU grep's regex library misses some of their matches)")
        }
        let extents = onlyMatching || json || color == .always || (color == .auto && isatty(STDOUT_FILENO) != 0)
        let caselessEscape = "with -i, a backslash before a lowercase letter that is no operator (such as \\i): GNU grep's regex library then never matches it"
        if pattern.knownDifferences.contains(.glibcCaselessEscapeLines) {
            throw CLIError("grep: unsupported: \(caselessEscape), and here it selects the lines; write the letter without the backslash")
        }
        if extents && pattern.knownDifferences.contains(.glibcCaselessEscapeExtents) && !count && !selectsOnce {
            throw CLIError("grep: unsupported: \(caselessEscape), and it gives the match extents (for -o, --color or --json); write the letter without the backslash")
        }
        if extents && pattern.knownDifferences.contains(.wordExtents) && !count && !selectsOnce {
            throw CLIError("grep: unsupported: the match extents of -w with \(lineRegexp ? "-x" : "a list of regular expressions") (for -o, --color or --json) can differ from GNU grep's; select the lines without -o, or search for each pattern on its own")
        }
        return pattern
    }

    var selectsOnce: Bool { quiet || filesWithMatches || filesWithoutMatch }

    func options() -> GrepOptions {
        var o = GrepOptions()
        o.invert = invert
        o.maxCount = selectsOnce ? Swift.min(1, maxCount ?? 1) : maxCount
        o.beforeContext = beforeContext ?? context ?? 0
        o.afterContext = afterContext ?? context ?? 0
        o.separatesGroups = beforeContext != nil || afterContext != nil || context != nil
        // With -o, context lines are not printed but still group the matches (GNU prints `--` between groups).
        if count || selectsOnce { o.beforeContext = 0; o.afterContext = 0; o.separatesGroups = false }
        o.numbersLines = lineNumber || json
        // Each grep stage reads one input (a file, or the stream of the stage before): once
        // its answer is known (-m, -l, -L, -q), reading it stops.
        o.endsAtLimit = true
        o.binaryFiles = switch binaryFiles ?? (skipsBinary ? .withoutMatch : text ? .text : .binary) {
        case .binary: .binary
        case .text: .text
        case .withoutMatch: .withoutMatch
        }
        o.countsBinaryLines = count && !selectsOnce
        // GNU grep prints no line that is not valid UTF-8 in a UTF-8 locale (-o checks only the
        // match, which always is); counts and names are not printed lines.
        o.suppressesUndecodableLines = localeEncoding() == .utf8 && o.binaryFiles != .text && !count && !selectsOnce
            && !onlyMatching && !json && !partialOptions.partial
        return o
    }

    /// How lines print. Colour with `auto` applies to the last stage only: earlier stages feed
    /// a stream, as a pipe would.
    func format(pattern: GrepPattern, manyInputs: Bool, isLast: Bool) -> PrintFormat {
        var f = PrintFormat()
        // -l and -L win over -c, as in GNU grep.
        f.mode = filesWithMatches ? .sourcesWithLines : filesWithoutMatch ? .sourcesWithoutLines : count ? .count : .lines
        f.sourceNames = (manyInputs || withFilename) && !noFilename
        f.nullAfterNames = nullAfterNames
        if noGroupSeparator { f.groupSeparator = nil } else if let groupSeparator { f.groupSeparator = groupSeparator }
        if initialTab {
            f.initialTab = true
            let standardInput = label ?? "(standard input)", numbers = lineNumber
            f.fieldWidth = { name in
                // GNU grep: the digits of the file's size (plus one with -n); of INTMAX_MAX when it has none.
                var info = stat()
                let rc = name == nil || name == standardInput ? fstat(0, &info) : RawBytes.stat(name!, &info)
                guard rc == 0, (info.st_mode & S_IFMT) == S_IFREG else { return 19 }
                return String(Int64(info.st_size) + (numbers ? 1 : 0)).count
            }
        }
        f.lineNumbers = lineNumber
        f.byteOffsets = byteOffset
        if onlyMatching {
            // With -v the selected lines have no match: the matches of context lines print (GNU).
            f.onlyMatching = pattern
            f.matchesOfContextLines = invert
        }
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
        mode != .lines || sourceNames || lineNumbers || byteOffsets || onlyMatching != nil || colors != nil || sourceHeaders
    }
}
