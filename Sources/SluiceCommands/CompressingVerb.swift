import Sluice

/// A last stage that compresses what reaches it (`gzip`, `zstd`): it takes GNU's `-LEVEL`
/// spelling, needs a stage before it, and compresses printed lines or, after `cat`, the
/// inputs' bytes as they are.
protocol CompressingVerb: SinkVerb {
    /// The compressed form of `bytes`.
    func compressed(_ bytes: ByteStream) -> ByteStream
}

extension CompressingVerb {
    static var role: VerbRole { .sink }

    /// `gzip -9` is `gzip --level 9`, `zstd -19` is `zstd --level 19`.
    static func normalise(_ words: [String]) -> [String] {
        words.flatMap { word -> [String] in
            if word.count > 1, word.first == "-", word.dropFirst().allSatisfy(\.isASCII), word.dropFirst().allSatisfy(\.isNumber) {
                return ["--level", String(word.dropFirst())]
            }
            return [word]
        }
    }

    func check(_ position: StagePosition) throws {
        guard !position.isFirst else {
            throw CLIError("'\(Self.name)' needs a stage before it, e.g. 'sluice cat FILE then \(Self.name)'")
        }
    }

    func output(_ lines: LineStream, printing: Printing, statistics: PrintStatistics) -> ByteStream {
        compressed(printedBytes(lines, printing, statistics))
    }

    func output(bytes: ByteStream) -> ByteStream? { compressed(bytes) }
}
