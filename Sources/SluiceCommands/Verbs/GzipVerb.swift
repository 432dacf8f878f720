import ArgumentParser
import Sluice

/// `gzip [-LEVEL]`: compress the output.
struct GzipVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gzip", _superCommandName: "sluice", abstract: "Write the stream gzip-compressed to standard output (the last stage).",
        discussion: "Example:\n  sluice cat app.log then grep ERROR then gzip -9 > errors.gz", helpNames: [.long])
    @Option(name: .customLong("level"), help: ArgumentHelp("Compression level, 0 to 9 (also -0 ... -9).", valueName: "LEVEL"))
    var level = 6

    mutating func validate() throws {
        guard (0...9).contains(level) else { throw ValidationError("gzip level must be 0 to 9") }
    }
}

extension GzipVerb: SinkVerb {
    static var role: VerbRole { .sink }
    static func normalise(_ words: [String]) -> [String] {
        // `gzip -6` is `gzip --level 6`.
        words.flatMap { word -> [String] in
            if word.count == 2, word.first == "-", let digit = word.last, digit.isNumber { return ["--level", String(digit)] }
            return [word]
        }
    }

    func check(_ position: StagePosition) throws {
        guard !position.isFirst else { throw CLIError("'gzip' needs a stage before it, e.g. 'sluice cat FILE then gzip'") }
    }

    func output(_ lines: LineStream, printing: Printing, statistics: PrintStatistics) -> ByteStream {
        gzipStage(printedBytes(lines, printing, statistics), level: level, deflater: inflaterFromEnvironment() ?? .isal)
    }

    func output(bytes: ByteStream) -> ByteStream? { gzipStage(bytes, level: level, deflater: inflaterFromEnvironment() ?? .isal) }
}
