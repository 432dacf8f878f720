import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// A parsed command line: where the lines come from, the line stages, and where they go.
package struct Plan {
    enum Stage {
        /// grep with its patterns, read once (`-f -` reads standard input).
        case grep(GrepVerb, patterns: [String])
        case head(Int)
        case tail(Int)
        case skip(Int)
        case number
    }

    enum Sink { case print, count, gzip(level: Int), zstd(level: Int) }

    var inputs: [String] = []
    var decompress = true
    var maxLineLength = 64 << 20
    var label: String?
    var stages: [Stage] = []
    var sink = Sink.print
    /// A `tail` first stage: the files' last lines, then what is added to them.
    var tailSource: TailVerb?
    /// `--stats`: print what was read and selected at the end.
    var reportsStatistics = false
    /// `--progress` (true), `--no-progress` (false), or neither: a progress line when standard
    /// error is a terminal.
    var progress: Bool?

    /// Words that apply to the whole pipeline, taken out of any stage (before a `--`).
    static let pipelineFlags: Set<String> = ["--stats", "--progress", "--no-progress"]

    /// Splits the words on `then` and parses each stage with its verb's options.
    package init(parsing arguments: [String]) throws {
        let segments = arguments.split(separator: "then", omittingEmptySubsequences: false).map { segment in
            var words: [String] = []
            var afterDoubleDash = false
            for word in segment {
                if word == "--" { afterDoubleDash = true }
                guard !afterDoubleDash, Self.pipelineFlags.contains(word) else { words.append(word); continue }
                switch word {
                case "--stats": reportsStatistics = true
                case "--progress": progress = true
                default: progress = false
                }
            }
            return words
        }
        for (index, segment) in segments.enumerated() {
            guard let name = segment.first else {
                throw CLIError("empty stage: 'then' must be followed by a verb (see 'sluice --help')")
            }
            let isFirst = index == 0, isLast = index == segments.count - 1
            let words = Array(segment.dropFirst())
            var files: [String] = []
            switch name {
            case "cat":
                guard isFirst else { throw CLIError("'cat' can only be the first stage") }
                let verb = try Self.parse(CatVerb.self, words)
                files = verb.files
                decompress = !verb.noDecompress
                if let limit = verb.maxLineLength { maxLineLength = limit.value }
                label = verb.label
            case "grep":
                let verb = try Self.parse(GrepVerb.self, Self.normaliseGrep(words))
                let (patterns, grepFiles) = try verb.patterns()
                files = grepFiles
                if isFirst {
                    decompress = !verb.noDecompress
                    label = verb.label
                }
                stages.append(.grep(verb, patterns: patterns))
            case "head":
                let verb = try Self.parse(HeadVerb.self, Self.normaliseCount(words))
                files = verb.files
                stages.append(.head(verb.lines))
            case "tail":
                let verb = try Self.parse(TailVerb.self, Self.normaliseCount(Self.normaliseTail(words)))
                if isFirst {
                    tailSource = verb
                    files = verb.files
                } else {
                    guard verb.bytes == nil, verb.followMode == .none else {
                        throw CLIError("'tail' after 'then' keeps the last lines of the stream: -c, -f and -F need files")
                    }
                    let (fromStart, n) = TailVerb.parseCount(verb.lines)!
                    stages.append(fromStart ? .skip(Int(Swift.max(0, n - 1))) : .tail(Int(n)))
                }
            case "number":
                files = try Self.parse(NumberVerb.self, words).files
                stages.append(.number)
            case "count":
                guard isLast else { throw CLIError("'count' must be the last stage") }
                files = try Self.parse(CountVerb.self, words).files
                sink = .count
            case "gzip":
                guard isLast else { throw CLIError("'gzip' must be the last stage") }
                guard !isFirst else { throw CLIError("'gzip' needs a stage before it, e.g. 'sluice cat FILE then gzip'") }
                sink = .gzip(level: try Self.parse(GzipVerb.self, Self.normaliseGzip(words)).level)
            case "zstd":
                guard isLast else { throw CLIError("'zstd' must be the last stage") }
                guard !isFirst else { throw CLIError("'zstd' needs a stage before it, e.g. 'sluice cat FILE then zstd'") }
                sink = .zstd(level: try Self.parse(ZstdVerb.self, Self.normaliseZstd(words)).level)
            default:
                throw ParseExit(status: unknownVerb(name))
            }
            if isFirst {
                inputs = files
            } else if !files.isEmpty {
                throw CLIError("'\(name)' after 'then' filters the stream and takes no files: \(files.joined(separator: " "))")
            }
        }
    }

    /// GNU grep spellings that the argument parser does not take as they are.
    static func normaliseGrep(_ words: [String]) -> [String] {
        var out: [String] = []
        var afterDoubleDash = false
        let takingValue: Set<String> = ["-e", "-f", "-m", "-A", "-B", "-C", "--regexp", "--file", "--max-count",
                                        "--after-context", "--before-context", "--context", "--label", "--color", "--colour"]
        for word in words {
            if afterDoubleDash || takingValue.contains(out.last ?? "") { out.append(word); continue }
            if word == "--" { afterDoubleDash = true; out.append(word); continue }
            if word == "--color" || word == "--colour" { out.append("--color=auto"); continue }
            if word.count > 1, word.first == "-", word.dropFirst().allSatisfy(\.isNumber) {
                out.append("-C"); out.append(String(word.dropFirst())); continue  // -NUM is -C NUM
            }
            out.append(word)
        }
        return out
    }

    /// `head -5` and `tail -5` are `-n 5`.
    static func normaliseCount(_ words: [String]) -> [String] {
        var out: [String] = []
        for word in words {
            let takesValue = ["-n", "-c", "--lines", "--bytes", "-s", "--pid"].contains(out.last ?? "")
            if !takesValue, word.count > 1, word.first == "-", word.dropFirst().allSatisfy(\.isNumber) {
                out += ["-n", String(word.dropFirst())]
            } else {
                out.append(word)
            }
        }
        return out
    }

    /// `--follow` alone is `--follow=descriptor`, as in GNU tail.
    static func normaliseTail(_ words: [String]) -> [String] {
        words.map { $0 == "--follow" ? "--follow=descriptor" : $0 }
    }

    /// `gzip -6` is `gzip --level 6`.
    static func normaliseGzip(_ words: [String]) -> [String] {
        words.flatMap { word -> [String] in
            if word.count == 2, word.first == "-", let digit = word.last, digit.isNumber { return ["--level", String(digit)] }
            return [word]
        }
    }

    /// `zstd -19` is `zstd --level 19`.
    static func normaliseZstd(_ words: [String]) -> [String] {
        words.flatMap { word -> [String] in
            if word.count > 1, word.first == "-", word.dropFirst().allSatisfy(\.isNumber) { return ["--level", String(word.dropFirst())] }
            return [word]
        }
    }

    /// Parses a stage's words; help prints and stops with 0, errors with 2.
    static func parse<Verb: ParsableCommand>(_ type: Verb.Type, _ words: [String]) throws -> Verb {
        do {
            return try Verb.parse(words)
        } catch {
            let code = Verb.exitCode(for: error)
            let message = Verb.fullMessage(for: error)
            if code == .success {
                print(message)
                throw ParseExit(status: 0)
            }
            let name = Verb.configuration.commandName ?? ""
            // The argument parser speaks of the verb as a program of its own: name sluice too.
            let text = message
                .replacing("Error: ", with: "", maxReplacements: 1)
                .replacing("Usage: \(name) ", with: "Usage: sluice \(name) ")
                .replacing("See '\(name) --help'", with: "See 'sluice \(name) --help'")
            printError("\(name): \(text)")
            throw ParseExit(status: 2)
        }
    }
}
