import ArgumentParser
import Sluice

/// `zstd [-LEVEL]`: compress the output into a zstd frame.
struct ZstdVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstd", _superCommandName: "sluice", abstract: "Write the stream zstd-compressed to standard output (the last stage).",
        discussion: "Example:\n  sluice cat app.log.gz then grep ERROR then zstd -9 > errors.zst", helpNames: [.long])
    @Option(name: .customLong("level"), help: ArgumentHelp("Compression level, 1 to 19 (also -1 ... -19; default 3).", valueName: "LEVEL"))
    var level = 3

    mutating func validate() throws {
        guard (1...19).contains(level) else { throw ValidationError("zstd level must be 1 to 19") }
    }
}

extension ZstdVerb: CompressingVerb {
    func compressed(_ bytes: ByteStream) -> ByteStream { zstdStage(bytes, level: level) }
}
