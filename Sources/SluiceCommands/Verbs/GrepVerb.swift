import ArgumentParser

/// `grep [OPTIONS] PATTERN [FILE...]`: GNU grep's options, over library stages.
struct GrepVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grep",
        abstract: "Select lines that match a pattern, as GNU grep does.",
        usage: """
        sluice grep [OPTIONS] PATTERN [FILE...]
        sluice grep [OPTIONS] -e PATTERN... [-f FILE] [FILE...]
        sluice ... then grep [OPTIONS] PATTERN
        """,
        discussion: """
        Patterns are PCRE2 regular expressions (as grep -P); -F reads them as fixed strings. A pattern \
        with no regex metacharacters is searched as a literal. Gzip input is inflated whatever its \
        name. As a first stage it reads FILEs (standard input when there are none, or for -); after \
        'then' it filters the stream.

        Examples:
          sluice grep -i 'timeout|refused' app.log app.log.1.gz
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
    @Flag(name: [.customShort("E"), .customLong("extended-regexp")], help: "Patterns are regular expressions (read by PCRE2).")
    var extendedRegexp = false
    @Flag(name: [.customShort("P"), .customLong("perl-regexp")], help: "Patterns are PCRE2 regular expressions (the default).")
    var perlRegexp = false
    @Flag(name: [.customShort("i"), .customShort("y"), .customLong("ignore-case")], help: "Ignore case (ASCII letters).")
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
    @Flag(name: [.customShort("a"), .customLong("text")], help: "Accepted for grep compatibility: input is always searched as text.")
    var text = false
    @Option(name: [.customLong("color"), .customLong("colour")],
            help: ArgumentHelp("Colour matches, file names, line numbers and separators: never, always, or auto (the default: on a terminal, unless NO_COLOR is set or TERM is dumb). GREP_COLORS changes the colours.", valueName: "WHEN"))
    var color: ColorChoice = .auto
    @Flag(name: .customLong("json"), help: "Write JSON Lines: an object per selected line (file, line number, byte offset, text or base64 bytes, match spans), per file, and a summary.")
    var json = false
    @Flag(name: .customLong("line-buffered"), help: "Write each line at once.")
    var lineBuffered = false
    @Flag(name: .customLong("no-decompress"), help: "Do not decode compressed input (gzip, zstd, xz, bzip2, lz4): pass its bytes through.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("The pattern (unless -e or -f is given), then the files.", valueName: "PATTERN-AND-FILES"))
    var arguments: [String] = []

    mutating func validate() throws {
        for n in [maxCount, afterContext, beforeContext, context].compactMap({ $0 }) where n < 0 {
            throw ValidationError("invalid context length or count: \(n)")
        }
        if regexps.isEmpty && patternFiles.isEmpty && arguments.isEmpty {
            throw ValidationError("no pattern given")
        }
    }

    /// The patterns: from -e and -f, else the first argument.
    func patterns() throws -> (patterns: [String], files: [String]) {
        var patterns = regexps
        for file in patternFiles {
            guard let data = FileManagerShim.contents(file) else {
                throw CLIError("\(file): \(SluiceErrorText.systemMessageForLastError())")
            }
            var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            if lines.last == "" { lines.removeLast() }
            patterns += lines
        }
        if regexps.isEmpty && patternFiles.isEmpty {
            return ([arguments[0]], Array(arguments.dropFirst()))
        }
        return (patterns, arguments)
    }
}

/// `--color=WHEN`.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case never, always, auto
}
