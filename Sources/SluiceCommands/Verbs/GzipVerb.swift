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

extension GzipVerb: CompressingVerb {
    func compressed(_ bytes: ByteStream) -> ByteStream { gzipStage(bytes, level: level, deflater: inflaterFromEnvironment() ?? .isal) }
}
