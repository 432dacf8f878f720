import ArgumentParser
import Sluice

/// `splits [--size BYTES] FILE...`: the splits a distributed job reads the files in, as JSON Lines.
struct SplitsVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "splits", _superCommandName: "sluice",
        abstract: "Print the splits of FILEs as JSON Lines, for a job to plan its tasks from.",
        discussion: """
        Each line is {"path":..., "offset":..., "length":..., "split":"I/N", "codec":...}. A task reads its \
        split with '--split I/N' or '--split-bytes OFFSET:LENGTH' (the same lines) on cat, grep, head or \
        count; the outputs of a file's splits, concatenated in order, are the file, every line once.

        Lines are split by Hadoop's TextInputFormat rule: a split that does not start at byte 0 skips \
        through the first LF at or after its start, and reads every line that starts at or before its \
        end (reading past it to finish the line). A plain file is cut into ceil(size / BYTES) equal \
        parts. Compressed files are cut in their compressed bytes where decoding can start: BGZF \
        ('bgzip') at its members, zstd with several frames at its frames (found from the seekable \
        format's seek table when the file has one, else from the frame headers); a split holds the \
        members or frames that start in it, and parts that hold none are not listed. Plain gzip (one \
        member, or members without BGZF block sizes), xz, bzip2 and lz4 cannot be entered in the \
        middle: each is one split. An empty file is one empty split.

        Examples:
          sluice splits --size 64M /logs/app.log /logs/app.log.1.gz
          sluice grep -c ERROR --split 3/16 /logs/app.log
          sluice grep -c ERROR --split-bytes 134217728:134217728 /logs/app.log
        """,
        helpNames: [.long])

    @Option(name: .customLong("size"),
            help: ArgumentHelp("The size of a split, in bytes (K, M, G suffixes); default 128M (HDFS's block size).", valueName: "BYTES"))
    var size: ByteCount?
    @Flag(name: .customLong("no-decompress"), help: "Split compressed files as plain bytes (for tasks run with --no-decompress).")
    var noDecompress = false
    @Argument(help: ArgumentHelp("Files to plan (regular files).", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if files.isEmpty { throw ValidationError("no file given: standard input cannot be split") }
    }
}

extension SplitsVerb: Verb {
    static var role: VerbRole { .source }
    var inputFiles: [String] { files }

    func source(_ inputs: PipelineInputs, _ position: StagePosition) throws -> ComposedStage {
        try checkSplittable(files)
        let target = Int64(size?.value ?? 128 << 20)
        var text = ""
        for path in files {
            let splits: [FileSplit]
            do {
                splits = try FileSplit.plan(path: path, targetSize: target, decompress: !noDecompress)
            } catch {
                throw CLIError("splits: \(error)")
            }
            for s in splits {
                text += "{\"path\":\(jsonString(s.path)),\"offset\":\(s.offset),\"length\":\(s.length)," +
                    "\"split\":\"\(s.index)/\(s.count)\",\"codec\":\"\(s.codec)\"}\n"
            }
        }
        return ComposedStage(stream: OneChunk(bytes: Array(text.utf8)).lineBatches(keepCarriageReturn: true))
    }
}

/// A JSON string literal.
private func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// One chunk of bytes as a byte stream.
private struct OneChunk: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = any Error
    let bytes: [UInt8]
    func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes) }
    struct Iterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? { defer { bytes = nil }; return bytes }
        mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}
