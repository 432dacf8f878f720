import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// `--split I/N` and `--split-bytes START:LENGTH`: read only the lines of one split of each
/// file (Hadoop's rule, see ``InputSplit``), for the first stage of verbs that stream files.
struct SplitOptions: ParsableArguments {
    @Option(name: .customLong("split"),
            help: ArgumentHelp("Read only the I-th of N equal byte ranges of each FILE, in whole lines, as Hadoop's TextInputFormat splits text: skip through the first LF at or after the start (unless it is byte 0), read every line that starts at or before the end. The N outputs concatenated are the file. A plain gzip, xz, bzip2 or lz4 file is one split (I=1 reads it, others nothing); BGZF splits at members, multi-frame zstd at frames. See 'sluice help splits'.", valueName: "I/N"))
    var part: SplitPart?
    @Option(name: .customLong("split-bytes"),
            help: ArgumentHelp("Read only the lines of the byte range START ..< START+LENGTH of each FILE, by the rule of --split (K, M, G suffixes).", valueName: "START:LENGTH"))
    var bytes: SplitRange?

    /// The split asked for, if any.
    var split: InputSplit? { part.map { .part($0.index, of: $0.count) } ?? bytes.map { .bytes(offset: $0.offset, length: $0.length) } }

    func validate() throws {
        if part != nil && bytes != nil { throw ValidationError("--split and --split-bytes cannot both be given") }
    }
}

/// `I/N` with 1 <= I <= N.
struct SplitPart: ExpressibleByArgument {
    let index: Int, count: Int
    init?(argument: String) {
        let fields = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == 2, let i = Int(fields[0]), let n = Int(fields[1]), n >= 1, (1...n).contains(i) else { return nil }
        (index, count) = (i, n)
    }
    static var defaultCompletionKind: CompletionKind { .default }
}

/// `START:LENGTH`, each a byte count (0 allowed, K/M/G suffixes).
struct SplitRange: ExpressibleByArgument {
    let offset: Int64, length: Int64
    init?(argument: String) {
        let fields = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2, let start = Self.bytes(fields[0]), let count = Self.bytes(fields[1]) else { return nil }
        (offset, length) = (start, count)
    }
    static func bytes(_ text: Substring) -> Int64? {
        if text == "0" { return 0 }
        guard let count = ByteCount(argument: String(text)) else { return nil }
        return Int64(count.value)
    }
}

/// Checks that every input of a split run can be entered in the middle: a regular file.
func checkSplittable(_ paths: [String]) throws {
    for path in paths.isEmpty ? ["-"] : paths {
        var info = stat()
        let ok = path == "-" ? fstat(0, &info) == 0 : RawBytes.stat(path, &info) == 0
        // A missing file is reported when it is read, as without --split.
        guard ok else { continue }
        let kind = info.st_mode & S_IFMT
        if kind != S_IFREG && kind != S_IFDIR {
            let name = path == "-" ? "standard input" : path
            throw CLIError("\(name) is not a regular file: a pipe or device cannot be entered in the middle, so it cannot be split (--split, --split-bytes)")
        }
    }
}
