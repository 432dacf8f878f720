import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// A parsed command line: the verbs of its stages, in order, and the pipeline's own options.
/// It only splits the words on `then` and looks each verb up in ``verbRegistry``; what a verb
/// does and where it may stand is the verb's own (see ``Verb``).
package struct Plan {
    /// The stages, first to last.
    var stages: [any Verb] = []
    /// `--stats`: print what was read and selected at the end.
    var reportsStatistics = false
    /// `--progress` (true), `--no-progress` (false), or neither: a progress line when standard
    /// error is a terminal.
    var progress: Bool?
    /// The words of the stages without the first one's files and the split and partial
    /// options, `then` between stages (see ``StagePosition/pipelineWords``).
    var pipelineWords: [String] = []

    /// Words that apply to the whole pipeline, taken out of any stage (before a `--`).
    static let pipelineFlags: Set<String> = ["--stats", "--progress", "--no-progress"]

    /// Splits the words on `then` and parses each stage with its verb's options.
    package init(parsing arguments: [String]) throws {
        var segments: [[String]] = []
        for segment in arguments.split(separator: "then", omittingEmptySubsequences: false) { segments.append(takePipelineFlags(segment)) }
        for (index, segment) in segments.enumerated() {
            guard let name = segment.first else {
                throw CLIError("empty stage: 'then' must be followed by a verb (see 'sluice --help')")
            }
            guard let type = verbRegistry.first(where: { $0.name == name }) else { throw ParseExit(status: unknownVerb(name)) }
            let position = StagePosition(index: index, count: segments.count)
            switch type.role {
            case .source where !position.isFirst: throw CLIError("'\(name)' can only be the first stage")
            case .sink where !position.isLast: throw CLIError("'\(name)' must be the last stage")
            default: break
            }
            let verb: any Verb = try Self.parse(type, Array(segment.dropFirst()))
            try verb.check(position)
            if !position.isFirst && verb.requestedSplit != nil {
                throw CLIError("'\(name)' after 'then' reads the stream: --split and --split-bytes belong to the first stage")
            }
            if !position.isFirst && !verb.inputFiles.isEmpty {
                throw CLIError("'\(name)' after 'then' filters the stream and takes no files: \(verb.inputFiles.joined(separator: " "))")
            }
            stages.append(verb)
        }
        pipelineWords = Self.sharedWords(segments, firstOperands: stages.first?.inputFiles ?? [])
    }

    /// The words that workers of one job share: without the first stage's files (their last
    /// occurrences: the pattern comes before them), `--split`, `--split-bytes`, `--partial`
    /// and `--input-index`.
    static func sharedWords(_ segments: [[String]], firstOperands: [String]) -> [String] {
        var out: [String] = []
        let valued: Set<String> = ["--split", "--split-bytes", "--input-index"]
        for (i, segment) in segments.enumerated() {
            if i > 0 { out.append("then") }
            var words = segment
            if i == 0 { for operand in firstOperands.reversed() { if let k = words.lastIndex(of: operand) { words.remove(at: k) } } }
            var skipsValue = false, afterDoubleDash = false
            for word in words {
                if skipsValue { skipsValue = false; continue }
                if word == "--" { afterDoubleDash = true }
                if !afterDoubleDash {
                    if valued.contains(word) { skipsValue = true; continue }
                    if word == "--partial" || valued.contains(where: { word.hasPrefix($0 + "=") }) { continue }
                }
                out.append(word)
            }
        }
        return out
    }

    /// Takes `--stats`, `--progress` and `--no-progress` out of a stage's words.
    private mutating func takePipelineFlags(_ segment: ArraySlice<String>) -> [String] {
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

    /// Parses a stage's words; help prints and stops with 0, errors with 2.
    static func parse<V: Verb>(_ type: V.Type, _ words: [String]) throws -> V {
        do {
            return try V.parse(V.normalise(words))
        } catch {
            let code = V.exitCode(for: error)
            let message = V.fullMessage(for: error)
            if code == .success {
                print(message)
                throw ParseExit(status: 0)
            }
            let name = V.name
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

/// `head -5` and `tail -5` are `-n 5`.
func normaliseCount(_ words: [String]) -> [String] {
    var out: [String] = []
    for word in words {
        let takesValue = ["-n", "-c", "--lines", "--bytes", "-s", "--pid"].contains(out.last ?? "")
        let negative = word.count > 1 && word.first == "-" && word.dropFirst().allSatisfy(\.isNumber)
        // A count with a multiplier (`-c -2K`) is a value too.
        let negativeValue = word.count > 1 && word.first == "-" && word.dropFirst().first!.isNumber
        if let last = out.last, negativeValue, ["-n", "--lines", "-c", "--bytes"].contains(last) {
            // `-n -3` (head: all but the last 3; tail: the last 3): the parser would take `-3`
            // for an option, so the value is joined to its option.
            out[out.count - 1] = (last.hasPrefix("--") ? last : (last == "-n" ? "--lines" : "--bytes")) + "=" + word
        } else if !takesValue, negative {
            out += ["-n", String(word.dropFirst())]
        } else {
            out.append(word)
        }
    }
    return out
}
