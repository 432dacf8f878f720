import Foundation
import XCTest

/// Compressed logs through the `sluice` binary: `cat`, `grep -c` and `tail` on gzip, zstd, xz,
/// bzip2 and lz4 files and standard input, against the codec's own `-dc` and GNU grep; a
/// truncated file's message and status; the inflater choice.
final class CompressedInputTests: XCTestCase {
    static let writers = [("gz", "gzip -6"), ("zst", "zstd -q -3"), ("xz", "xz -1"), ("bz2", "bzip2"), ("lz4", "lz4 -q")]
    /// The other formats the codecs' tools read: lz4's legacy format, .lzma and lzip (xz -dc).
    static let otherWriters = [("lz4", "lz4 -q -l"), ("xz", "xz --format=lzma -1"), ("xz", "lzip -1")]

    /// A folder with `plain.log` (a few thousand lines) and it compressed by each tool, under
    /// names that do not say so (`c.gz` holds zstd and so on), to show that names do not matter.
    private func makeFiles() throws -> (URL, String, [(String, String)]) {
        let dir = try temporaryDirectory()
        let plain = dir.appendingPathComponent("plain.log").path
        var text = ""
        for i in 0..<6000 { text += "Dec  1 10:\(i % 60):00 host sshd[\(i)]: \(i % 7 == 0 ? "Failed password" : "Accepted key") for user\(i % 13)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: plain))
        var files: [(String, String)] = []
        for (index, (ext, command)) in Self.writers.enumerated() {
            let misleading = Self.writers[(index + 1) % Self.writers.count].0
            let path = dir.appendingPathComponent("c.\(misleading)").path
            let r = try shell("\(command) -c < \(plain) > \(path)")
            XCTAssertEqual(r.status, 0, command)
            files.append((ext, path))
        }
        return (dir, plain, files)
    }

    func testCatAndGrepFromFilesAndStandardInput() throws {
        let (dir, plain, files) = try makeFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let content = try Data(contentsOf: URL(fileURLWithPath: plain))
        let expectedCount = try shell("grep -c 'Failed password' \(plain)").text
        XCTAssertEqual(expectedCount, "858\n")
        for (ext, path) in files {
            let tool = ["gz": "gzip", "zst": "zstd", "xz": "xz", "bz2": "bzip2", "lz4": "lz4"][ext]!
            XCTAssertEqual(try shell("\(tool) -dc < \(path)").stdout, content, "the \(tool) oracle")
            let cat = try sluice(["cat", path])
            XCTAssertEqual(cat.status, 0, ext)
            XCTAssertEqual(cat.stderr, "", ext)
            XCTAssertTrue(cat.stdout == content, "cat \(ext)")
            let stdin = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertTrue(try sluice(["cat"], stdin: stdin).stdout == content, "cat < \(ext)")
            XCTAssertEqual(try sluice(["grep", "-c", "Failed password", path]).text, expectedCount, "grep -c \(ext)")
            let fromStdin = try sluice(["grep", "-c", "Failed password"], stdin: stdin)
            XCTAssertEqual(fromStdin.text, expectedCount, "grep -c < \(ext)")
            XCTAssertEqual(fromStdin.status, 0)
            XCTAssertEqual(try sluice(["tail", "-n", "3", path]).text, try shell("tail -n 3 \(plain)").text, "tail \(ext)")
            XCTAssertEqual(try sluice(["cat", path, "then", "grep", "-c", "user12"]).text, try shell("grep -c user12 \(plain)").text)
            // --no-decompress: the compressed bytes as they are.
            XCTAssertTrue(try sluice(["cat", "--no-decompress", path]).stdout == stdin, "--no-decompress \(ext)")
        }
        // Several inputs of different codecs, one after the other, with file names.
        let many = try sluice(["grep", "-c", "Failed password"] + files.map(\.1))
        XCTAssertEqual(many.text, files.map { "\($0.1):858\n" }.joined())
    }

    /// A truncated file of each codec: what was decoded, then `sluice: PATH: truncated CODEC
    /// input at byte N` and status 2 (grep -c prints the count of what it read first); trailing
    /// garbage is a warning, with status 2 as the codec's tool exits (gzip warns with 2, zstd,
    /// xz and lz4 fail), except bzip2's (`bzip2 -dc` warns and exits with 0).
    func testTruncatedAndTrailingGarbage() throws {
        let (dir, plain, files) = try makeFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let content = try Data(contentsOf: URL(fileURLWithPath: plain))
        for (ext, path) in files {
            let codec = ["gz": "gzip", "zst": "zstd", "xz": "xz", "bz2": "bzip2", "lz4": "lz4"][ext]!
            let whole = try Data(contentsOf: URL(fileURLWithPath: path))
            let cutPath = dir.appendingPathComponent("cut-\(ext)").path
            let cut = whole.count * 2 / 3
            try whole.prefix(cut).write(to: URL(fileURLWithPath: cutPath))
            let r = try sluice(["cat", cutPath])
            XCTAssertEqual(r.status, 2, ext)
            XCTAssertEqual(r.stderr, "sluice: \(cutPath): truncated \(codec) input at byte \(cut)\n")
            XCTAssertTrue(r.stdout == content.prefix(r.stdout.count), "\(ext): a prefix")
            let g = try sluice(["grep", "-c", "Failed password"], stdin: whole.prefix(cut))
            XCTAssertEqual(g.status, 2, ext)
            XCTAssertEqual(g.stderr, "sluice: (standard input): truncated \(codec) input at byte \(cut)\n")
            XCTAssertLessThanOrEqual(Int(g.text.dropLast()) ?? 9999, 858)

            let garbagePath = dir.appendingPathComponent("garbage-\(ext)").path
            try (whole + Data("junk\n".utf8)).write(to: URL(fileURLWithPath: garbagePath))
            let w = try sluice(["grep", "-c", "Failed password", garbagePath])
            let toolStatus = try shell("\(codec) -dc < \(garbagePath) > /dev/null 2>&1; echo $?").text
            XCTAssertEqual(toolStatus == "0\n", codec == "bzip2", "\(codec) -dc exits with \(toolStatus)")
            XCTAssertEqual(w.status, codec == "bzip2" ? 0 : 2, ext)
            XCTAssertEqual(w.text, "858\n")
            XCTAssertEqual(w.stderr, "sluice: \(garbagePath): warning: 5 trailing bytes after \(codec) data at byte \(whole.count) ignored\n")
        }
    }

    /// lz4's legacy format, .lzma and lzip (when installed) through `cat` and `grep -c`, from
    /// files and standard input, as the codec's own tool reads them.
    func testOtherFormatsOfTheCodecs() throws {
        let (dir, plain, _) = try makeFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let content = try Data(contentsOf: URL(fileURLWithPath: plain))
        for (index, (decoder, command)) in Self.otherWriters.enumerated() {
            let tool = command.split(separator: " ")[0]
            guard try shell("command -v \(tool)").status == 0 else { continue }
            let path = dir.appendingPathComponent("other\(index)").path
            XCTAssertEqual(try shell("\(command) -c < \(plain) > \(path)").status, 0)
            XCTAssertTrue(try shell("\(decoder) -dc < \(path)").stdout == content, "the \(decoder) oracle for \(command)")
            let cat = try sluice(["cat", path])
            XCTAssertEqual(cat.status, 0, command)
            XCTAssertEqual(cat.stderr, "", command)
            XCTAssertTrue(cat.stdout == content, command)
            let stdin = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(try sluice(["grep", "-c", "Failed password"], stdin: stdin).text, "858\n", command)
        }
    }

    /// Several compressed inputs are read one ahead of the other, and everything still comes
    /// in input order: each file's count or bytes, a damaged file's message after what was
    /// read of it (its count) and before the next file's output, standard input in its place (read when
    /// it is reached), and status 2.
    func testSeveralInputsInOrderWithADamagedOne() throws {
        let (dir, plain, files) = try makeFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let content = try Data(contentsOf: URL(fileURLWithPath: plain))
        let zst = files.first { $0.0 == "zst" }!.1
        let whole = try Data(contentsOf: URL(fileURLWithPath: zst))
        let cut = dir.appendingPathComponent("cut.zst").path
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        let cutText = try shell("zstd -dc < \(cut) 2>/dev/null").stdout
        let cutCount = try shell("zstd -dc < \(cut) 2>/dev/null | grep -c 'Failed password'").text
        let gz = files.first { $0.0 == "gz" }!.1, xz = files.first { $0.0 == "xz" }!.1, lz4 = files.first { $0.0 == "lz4" }!.1
        let stdin = try Data(contentsOf: URL(fileURLWithPath: files.first { $0.0 == "bz2" }!.1))
        let inputs = [gz, cut, xz, "-", lz4, gz]
        let message = "sluice: \(cut): truncated zstd input at byte \(whole.count / 2)\n"
        // 2>&1: the message's place among the output lines.
        let script = "$SLUICE grep -c 'Failed password' \(inputs.joined(separator: " ")) < \(files.first { $0.0 == "bz2" }!.1) 2>&1; echo status $?"
        let grep = try shell(script)
        XCTAssertEqual(grep.text, "\(gz):858\n\(cut):\(cutCount)\(message)\(xz):858\n(standard input):858\n\(lz4):858\n\(gz):858\nstatus 2\n")
        let cat = try sluice(["cat"] + inputs, stdin: stdin)
        XCTAssertEqual(cat.status, 2)
        XCTAssertEqual(cat.stderr, message)
        XCTAssertTrue(cat.stdout == content + cutText + content + content + content + content, "\(cat.stdout.count) bytes")
        // Many inputs: still in order.
        let many = try sluice(["grep", "-c", "user12"] + Array(repeating: files.map(\.1), count: 3).joined())
        let expected = try shell("grep -c user12 \(plain)").text
        XCTAssertEqual(many.text, Array(repeating: files.map(\.1), count: 3).joined().map { "\($0):\(expected)" }.joined())
    }

    /// `SLUICE_INFLATE=zlib` and `=isal` give the same bytes; another value is refused.
    func testInflaterChoice() throws {
        let (dir, _, files) = try makeFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gz = files.first { $0.0 == "gz" }!.1
        let isal = try sluice(["cat", gz], environment: ["SLUICE_INFLATE": "isal"])
        let zlib = try sluice(["cat", gz], environment: ["SLUICE_INFLATE": "zlib"])
        XCTAssertEqual(isal.status, 0)
        XCTAssertTrue(isal.stdout == zlib.stdout && !isal.stdout.isEmpty)
        let bad = try sluice(["cat", gz], environment: ["SLUICE_INFLATE": "fast"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "sluice: SLUICE_INFLATE must be 'isal' or 'zlib', not 'fast'\n")
    }

    /// `then gzip -1..-9` (ISA-L at 1-3) and `then zstd -1..-19`: the codec's own `-dc` gives
    /// back the stream; an empty stream is a valid empty file.
    func testCompressingSinks() throws {
        let (dir, plain, _) = try makeFiles()
        defer { try? FileManager.default.removeItem(at: dir) }
        let content = try Data(contentsOf: URL(fileURLWithPath: plain))
        let out = dir.appendingPathComponent("out").path
        for (sink, decoder) in [("gzip -1", "gzip"), ("gzip -2", "gzip"), ("gzip -3", "gzip"), ("gzip -6", "gzip"),
                                ("zstd -1", "zstd"), ("zstd", "zstd"), ("zstd -19", "zstd")] {
            for environment in sink == "gzip -1" ? ["isal", "zlib"] : ["isal"] {
                let r = try shell("SLUICE_INFLATE=\(environment) $SLUICE cat \(plain) then \(sink) > \(out); echo $?")
                XCTAssertEqual(r.text, "0\n", sink)
                XCTAssertTrue(try shell("\(decoder) -dc < \(out)").stdout == content, "\(sink) with \(environment)")
            }
            XCTAssertEqual(try shell("$SLUICE cat /dev/null then \(sink) | \(decoder) -dc | wc -c").text, "0\n", sink)
        }
        let bad = try sluice(["cat", plain, "then", "zstd", "-20"])
        XCTAssertEqual(bad.status, 2)
    }
}
