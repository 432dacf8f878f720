import ArgumentParser
import Sluice

/// `cat [FILE...]`: the source stage.
struct CatVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat", _superCommandName: "sluice",
        abstract: "Read files in order (standard input when none, or for -), inflating gzip input.",
        discussion: """
        Gzip input is recognised by its magic bytes, whatever the file is called, and every member of \
        a multi-member file is inflated. Alone, 'sluice cat' prints the bytes as 'zcat -f' does.

        Examples:
          sluice cat app.log.2.gz app.log.1.gz app.log then grep ERROR
          curl -s https://example.org/big.log.gz | sluice cat then count
        """,
        helpNames: [.long])

    @Flag(name: .customLong("no-decompress"), help: "Do not decode compressed input (gzip, zstd, xz, bzip2, lz4): pass its bytes through.")
    var noDecompress = false
    @Option(name: .customLong("max-line-length"),
            help: ArgumentHelp("The longest line accepted, in bytes (K, M, G suffixes); default 64M.", valueName: "BYTES"))
    var maxLineLength: ByteCount?
    @Option(name: .customLong("label"), help: ArgumentHelp("Call standard input LABEL.", valueName: "LABEL"))
    var label: String?
    @OptionGroup var splitOptions: SplitOptions
    @Argument(help: ArgumentHelp("Files to read.", valueName: "FILE"))
    var files: [String] = []
}

extension CatVerb: Verb {
    static var role: VerbRole { .source }
    var isLightPerLine: Bool { true }
    var requestedSplit: InputSplit? { splitOptions.split }
    var inputFiles: [String] { files }

    func configure(_ settings: inout InputSettings) {
        settings.decompress = !noDecompress
        if let limit = maxLineLength { settings.maxLineLength = limit.value }
        settings.label = label
    }

    /// The files concatenated, as `cat` gives them: a later stage sees one stream.
    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        ComposedStage(stream: inputs.concatenatedLines)
    }
}
